/**
 * The effect-wechatpay columns as an application bundle: everything imported statically, so that esbuild can
 * bundle the library, effect and @effect/platform into one file (bench/.build/bundled.js), the way a Node service
 * that cares about cold start ships. Only the cold-start measurement uses it (bench/coldstart.ts with `bundled`).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as lib from "../src/index.js"
import type { ChildConfig, Constructed } from "./common.js"
import { effectClient } from "./effect-client.js"

export const construct = (config: ChildConfig): Promise<Constructed> =>
  effectClient({ lib, Effect, Either, Layer, ManagedRuntime, Redacted }, config, (options) =>
    config.column === "effect-fetch"
      ? lib.WechatPay.layer(options).pipe(Layer.provide(FetchHttpClient.layer))
      : lib.WechatPay.layerNode(options))
