/**
 * The wire under `WechatPayClient`: send one already-signed request, read the whole response (bounded, within a
 * deadline), or fail with a `TransportError`. It never signs, verifies, retries or parses: those stay in the client,
 * so every transport gets them the same way.
 *
 * Two implementations ship: `NodeTransport` (node:http/https with a keep-alive agent, the fast path on Node) and
 * `HttpClientTransport` (any `@effect/platform` `HttpClient`: fetch, undici, a test double), which is what
 * `WechatPay.layer` uses.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { TransportError } from "./WechatPayError.js"

/**
 * @since 0.2.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * One request, exactly as it must go on the wire.
 *
 * @since 0.2.0
 * @category models
 */
export interface WireRequest {
  readonly method: Method
  /** `https://host[:port]`, no path. */
  readonly origin: string
  /**
   * The request-target (path and query) that was signed. A transport sends these very characters or fails with
   * reason `InvalidUrl`: it must never let its HTTP stack re-encode or normalise them into something unsigned.
   */
  readonly target: string
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The exact bytes that were signed. */
  readonly body: Uint8Array | undefined
}

/**
 * A complete response of any status.
 *
 * @since 0.2.0
 * @category models
 */
export interface WireResponse {
  readonly status: number
  /** Lower-case names; a repeated header is joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * The body's bytes exactly as received (no body: empty). Never decoded by the transport: the signature covers
   * these bytes, and text decoding can change them (a UTF-8 BOM dropped, invalid sequences replaced).
   */
  readonly body: Uint8Array
}

/**
 * Per-call limits, set by `WechatPayClient` options.
 *
 * @since 0.2.0
 * @category models
 */
export interface Limits {
  /** From the start of sending until the whole body has arrived. */
  readonly timeoutMillis: number
  /** A larger body is refused with reason `ResponseBody` (and the connection dropped). */
  readonly maxResponseBytes: number
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  readonly send: (request: WireRequest, limits: Limits) => Effect.Effect<WireResponse, TransportError>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class Transport extends Context.Service<Transport, Service>()("effect-wechatpay/Transport") {}
