/**
 * The effect-wechatpay columns as an application bundle: everything imported statically, so that esbuild can
 * bundle the library and effect (its HTTP client included) into one file (bench/.build/bundled.js), the way a Node service
 * that cares about cold start ships. Only the cold-start measurement uses it (bench/coldstart.ts with `bundled`).
 */
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as lib from "../src/index.js"
import type { ChildConfig, Constructed } from "./common.js"
import { effectClient } from "./effect-client.js"

export const construct = (config: ChildConfig): Promise<Constructed> =>
  effectClient({ lib, Effect, Layer, ManagedRuntime, Redacted, Result }, config, (options) =>
    config.column === "effect-fetch"
      ? lib.WechatPay.layer(options).pipe(Layer.provide(FetchHttpClient.layer))
      : lib.WechatPay.layerNode(options))
