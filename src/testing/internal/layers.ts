/**
 * The emulator's Tags and test layers. `Emulator.ts` re-exports them with their public documentation; they live
 * here so that the public module stays the map of the API (types and docs) rather than its plumbing.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as NodeTransport from "../../NodeTransport.js"
import type * as Encryptor from "../../Encryptor.js"
import type * as Notification from "../../Notification.js"
import * as RetryPolicy from "../../RetryPolicy.js"
import type * as Transport from "../../Transport.js"
import type * as Verifier from "../../Verifier.js"
import * as WechatPay from "../../WechatPay.js"
import type * as WechatPayClient from "../../WechatPayClient.js"
import type { ConfigurationError } from "../../WechatPayError.js"
import type { ClientOptions, Options, Server } from "./model.js"
import { httpClient, serve } from "./server.js"
import { EmulatorState } from "./state.js"

/**
 * The emulator instance in context.
 *
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Service<Emulator, EmulatorState>()("effect-wechatpay/testing/Emulator") {}

/**
 * The running loopback server in context.
 *
 * @since 0.1.0
 * @category tags
 */
export class EmulatorServer extends Context.Service<EmulatorServer, Server>()("effect-wechatpay/testing/EmulatorServer") {}

/** What a client layer for the emulator provides: the client, `Encryptor`, `Verifier`, and `Notifications`. */
export type Client = WechatPayClient.WechatPayClient | Encryptor.Encryptor | Verifier.Verifier | Notification.Notifications

export const make = (options: Options = {}): Effect.Effect<EmulatorState> => Effect.sync(() => new EmulatorState(options))

export const layer = (options: Options = {}): Layer.Layer<Emulator> => Layer.effect(Emulator, make(options))

export const layerHttpClient: Layer.Layer<HttpClient.HttpClient, never, Emulator> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(Emulator, httpClient)
)

export const layerServer = (
  options: { readonly port?: number | undefined; readonly console?: boolean | undefined } = {}
): Layer.Layer<EmulatorServer, never, Emulator> =>
  Layer.effect(
    EmulatorServer,
    Effect.flatMap(Emulator, (emulator) => serve(emulator, options)).pipe(
      Effect.tap((server) => server.console === undefined ? Effect.void : Effect.logInfo(`emulator console: ${server.console}`))
    )
  )

export const layerClient = (
  options: ClientOptions = {}
): Layer.Layer<Client, ConfigurationError, Emulator | HttpClient.HttpClient> =>
  Layer.unwrap(Effect.map(Emulator, (emulator) => WechatPay.layer(clientOptions(emulator, options))))

export const layerClientWith = (
  options: ClientOptions = {}
): Layer.Layer<Client, ConfigurationError, Emulator | Transport.Transport> =>
  Layer.unwrap(Effect.map(Emulator, (emulator) => WechatPay.layerWith(clientOptions(emulator, options))))

/**
 * The client options of the merchant `options.mchid` (the primary one when absent). The layers reach the emulator
 * through the `HttpClient` / `Transport` they are given, so no `baseUrl` is added unless the caller gives one.
 */
const clientOptions = (
  emulator: EmulatorState,
  { mchid, ...options }: ClientOptions
): WechatPay.Options & { readonly apiV3Key: Redacted.Redacted<string> } => {
  const { baseUrl: _served, ...chosen } = emulator.merchantOptions(mchid, options)
  return options.baseUrl === undefined ? chosen : { ...chosen, baseUrl: options.baseUrl }
}

/**
 * The retry policy the test layers put in context: `RetryPolicy.immediate()` (the default decisions, no waits), so
 * a program on `TestClock` retries without the clock being moved. A policy already provided to the layer itself
 * (e.g. `Layer.provideMerge(RetryPolicy.layerDisabled)` after it) is kept instead: the layer's output would
 * otherwise shadow it. Built per use, never shared, as it reads the context it is built in.
 */
const layerRetryPolicy = (): Layer.Layer<RetryPolicy.RetryPolicy> =>
  Layer.effect(
    RetryPolicy.RetryPolicy,
    Effect.map(RetryPolicy.RetryPolicy, (policy) =>
      // `Context.get` on an empty context yields the default: the very instance in force when none was provided.
      policy === Context.get(Context.empty(), RetryPolicy.RetryPolicy) ? RetryPolicy.immediate() : policy)
  )

type LoopbackOptions = Options & {
  readonly client?: ClientOptions | undefined
  readonly port?: number | undefined
  /** (1.4.0) Serve the console too (`Emulator.serve`); its URL is `EmulatorServer`'s `console`, and is logged. */
  readonly console?: boolean | undefined
}

export const layerInProcess = (
  options: Options & { readonly client?: ClientOptions | undefined } = {}
): Layer.Layer<Emulator | Client | RetryPolicy.RetryPolicy, ConfigurationError> =>
  layerClient(options.client).pipe(
    Layer.provide(layerHttpClient),
    Layer.provideMerge(layer(options)),
    Layer.merge(layerRetryPolicy())
  )

export const layerLoopbackWith = (
  options: LoopbackOptions = {}
): Layer.Layer<
  Emulator | EmulatorServer | Client | RetryPolicy.RetryPolicy,
  ConfigurationError,
  HttpClient.HttpClient
> =>
  Layer.unwrap(Effect.map(EmulatorServer, (server) => layerClient({ baseUrl: server.baseUrl, ...options.client }))).pipe(
    Layer.provideMerge(layerServer({ port: options.port, console: options.console })),
    Layer.provideMerge(layer(options)),
    Layer.merge(layerRetryPolicy())
  )

export const layerLoopback = (
  options: LoopbackOptions = {}
): Layer.Layer<
  Emulator | EmulatorServer | Client | RetryPolicy.RetryPolicy,
  ConfigurationError
> =>
  layerLoopbackWith(options).pipe(Layer.provide(FetchHttpClient.layer))

export const layerLoopbackNode = (
  options: LoopbackOptions & { readonly transport?: NodeTransport.Options | undefined } = {}
): Layer.Layer<
  Emulator | EmulatorServer | Client | RetryPolicy.RetryPolicy,
  ConfigurationError
> =>
  Layer.unwrap(Effect.map(EmulatorServer, (server) => layerClientWith({ baseUrl: server.baseUrl, ...options.client }))).pipe(
    Layer.provide(NodeTransport.layer(options.transport)),
    Layer.provideMerge(layerServer({ port: options.port, console: options.console })),
    Layer.provideMerge(layer(options)),
    Layer.merge(layerRetryPolicy())
  )
