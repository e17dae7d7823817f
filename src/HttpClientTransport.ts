/**
 * `Transport` over any `@effect/platform` `HttpClient` (`FetchHttpClient`, `NodeHttpClient`, undici, a test
 * double): the HTTP stack of your choice (proxies, instrumentation, a shared client). `WechatPay.layer` uses it.
 *
 * @since 0.2.0
 */
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Bytes from "./internal/crypto/bytes.js"
import { deadline } from "./internal/deadline.js"
import { type Limits, Transport, type Service, type WireRequest, type WireResponse } from "./Transport.js"
import { TransportError } from "./WechatPayError.js"

const empty = new Uint8Array(0)

const manualRedirects: RequestInit = { redirect: "manual" }

/**
 * WeChat never redirects an APIv3 call, and fetch would follow a redirect to any origin (re-sending a POST body on a
 * 307/308) and hand back that origin's answer. `redirect: "manual"` makes fetch return the 3xx itself, which the
 * client refuses; the caller's own `RequestInit` options are kept. Clients other than fetch ignore the option (the
 * platform's other clients do not follow redirects unless wrapped with `HttpClient.followRedirects`).
 */
const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Effect.provideService(
      Effect.provideService(effect, HttpClient.TracerDisabledWhen, always),
      FetchHttpClient.RequestInit,
      Option.isNone(init) ? manualRedirects : { ...init.value, redirect: "manual" }
    ))

/** The platform's own `http.client` span stays off (see `fromHttpClient`). */
const always = () => true

/** An `HttpClientError`'s reason as 0.x named it (`Decode`, `EmptyBody`, `Transport`). */
const reasonName = (e: HttpClientError.HttpClientError): string => e.reason._tag.replace(/Error$/, "")

const failure = (request: WireRequest, reason: TransportError["reason"], message: string) =>
  new TransportError({ reason, method: request.method, url: request.origin + request.target, message })

const readBody = (
  request: WireRequest,
  response: HttpClientResponse.HttpClientResponse,
  headers: Readonly<Record<string, string>>,
  maxResponseBytes: number
): Effect.Effect<Uint8Array, TransportError> => {
  const tooLarge = () => failure(request, "ResponseBody", `Response body larger than ${maxResponseBytes} bytes refused.`)
  const unreadable = (e: HttpClientError.HttpClientError) =>
    failure(request, "ResponseBody", `Response body could not be read (${reasonName(e)}).`)
  // 204/205 carry no body (and often no Content-Length): skip the streaming path, which costs ~200 µs a call. The
  // empty body is still read: @effect/platform keeps every unread response in a FinalizationRegistry whose callback
  // aborts it after garbage collection, outside any request — which a Cloudflare Worker reports as a disallowed
  // operation in the global scope.
  if (response.status === 204 || response.status === 205) return Effect.as(Effect.ignore(response.arrayBuffer), empty)
  const length = headers["content-length"]
  // Content-Length counts bytes on the wire: with a content-encoding (a server ignoring our `identity`, and a client
  // such as fetch inflating it) the body can be far larger, so only an unencoded length is trusted to bound it.
  const encoded = (headers["content-encoding"] ?? "identity").toLowerCase() !== "identity"
  if (length !== undefined && /^\d+$/.test(length)) {
    if (Number(length) > maxResponseBytes) {
      // Abort the body unread: starting its stream and interrupting it at once runs the platform's abort, so the
      // connection is not held until garbage collection.
      return Effect.andThen(
        Effect.ignore(Stream.runDrain(Stream.interruptWhen(response.stream, Effect.void))),
        Effect.fail(tooLarge())
      )
    }
    // The bytes, never `text`: fetch's text decoding drops a leading BOM and replaces invalid UTF-8, and the signature
    // covers the bytes as sent.
    if (!encoded) {
      return Effect.mapBoth(response.arrayBuffer, { onFailure: unreadable, onSuccess: (buffer) => new Uint8Array(buffer) })
    }
  }
  // No (usable) Content-Length, or an encoded body: count the bytes as they arrive and stop at the limit.
  return response.stream.pipe(
    Stream.catch((e) => e.reason._tag === "EmptyBodyError" ? Stream.empty : Stream.fail(unreadable(e))),
    Stream.runFoldEffect(
      (): { size: number; chunks: Array<Uint8Array> } => ({ size: 0, chunks: [] }),
      (acc, chunk: Uint8Array): Effect.Effect<{ size: number; chunks: Array<Uint8Array> }, TransportError> => {
        acc.size += chunk.byteLength
        if (acc.size > maxResponseBytes) return Effect.fail(tooLarge())
        acc.chunks.push(chunk)
        return Effect.succeed(acc)
      }
    ),
    Effect.map(({ chunks, size }) => size === 0 ? empty : Bytes.concat(chunks))
  )
}

/**
 * Wrap an `HttpClient`. The platform's own `http.client` span is turned off: the endpoint span is the call's span,
 * and the platform span would record every header of the signed request.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromHttpClient = (client: HttpClient.HttpClient): Service => {
  const send = (request: WireRequest, limits: Limits): Effect.Effect<WireResponse, TransportError> => {
    const url = request.origin + request.target
    // The platform client sends `new URL(url)`; refuse a target that the URL parser would rewrite, since the
    // signature covers the target as given.
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return Effect.fail(failure(request, "InvalidUrl", "Invalid request URL."))
    }
    if (parsed.pathname + parsed.search !== request.target) {
      return Effect.fail(failure(request, "InvalidUrl", "The request target would not be sent as signed."))
    }
    const httpRequest = HttpClientRequest.make(request.method)(url, {
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: HttpBody.uint8Array(request.body, request.headers["content-type"]) })
    } as HttpClientRequest.Options.NoUrl)
    return withoutRedirects(client.execute(httpRequest)).pipe(
      Effect.mapError((e) => failure(request, e.reason._tag === "InvalidUrlError" ? "InvalidUrl" : "Connection", e.message)),
      Effect.flatMap((response) => {
        const headers = response.headers
        return Effect.map(
          readBody(request, response, headers, limits.maxResponseBytes),
          (body): WireResponse => ({ status: response.status, headers, body })
        )
      }),
      (effect) =>
        deadline(
          effect,
          limits.timeoutMillis,
          () => failure(request, "Timeout", `No complete response within ${limits.timeoutMillis} ms.`)
        )
    )
  }
  return { send }
}

/**
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.effect(
  Transport,
  Effect.map(HttpClient.HttpClient, fromHttpClient)
)
