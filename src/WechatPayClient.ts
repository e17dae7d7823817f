/**
 * The signed and verified APIv3 transport that endpoints are declared on:
 * base URL → sign the exact bytes → send → verify every 2xx → return the raw verified body, or fail typed;
 * idempotent calls are repeated per `RetryPolicy`, each attempt signed afresh.
 *
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Protocol from "./internal/protocol.js"
import { RetryPolicy } from "./RetryPolicy.js"
import { Signer } from "./Signer.js"
import { Verifier } from "./Verifier.js"
import {
  type CallError,
  ConfigurationError,
  fromResponse,
  TransportError
} from "./WechatPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * One APIv3 call, already encoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiRequest {
  /** Name used in spans, logs and errors, e.g. `MemberCard.GetUserCard`. */
  readonly endpoint: string
  readonly method: Method
  /** Percent-encoded path, with `?query` if any, e.g. `/v3/marketing/membercard-open/cards/abc/codes/123`. */
  readonly path: string
  /** The JSON text to send; signed and sent byte for byte. */
  readonly body?: string | undefined
  /**
   * Whether sending the same bytes again is safe (a GET, or a write carrying an idempotency key). Only such calls
   * are ever retried.
   */
  readonly idempotent: boolean
}

/**
 * A verified 2xx response.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiResponse {
  readonly status: number
  readonly headers: Headers.Headers
  /** The raw body, exactly the bytes that were verified (decoded as UTF-8). */
  readonly body: string
  readonly requestId: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly mchid: string
  readonly execute: (request: ApiRequest) => Effect.Effect<ApiResponse, CallError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class WechatPayClient extends Context.Tag("effect-wechatpay/WechatPayClient")<WechatPayClient, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** 商户号. */
  readonly mchid: string
  /** Serial number of the merchant API certificate (`serial_no` in the Authorization header). */
  readonly merchantSerialNumber: string
  /** Default `https://api.mch.weixin.qq.com`. Plain http is accepted for loopback addresses only (tests). */
  readonly baseUrl?: string | undefined
  /**
   * Opt-in failover: after a transport failure, the remaining attempts of an idempotent call go to this host,
   * e.g. `https://api2.mch.weixin.qq.com` (WeChat's backup region).
   */
  readonly backupBaseUrl?: string | undefined
  readonly userAgent?: string | undefined
  /** Per attempt (send + read + verify). Default 10 s. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Larger response bodies are refused (`TransportError`, reason `ResponseBody`). Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The production host.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.mch.weixin.qq.com"

/**
 * The backup host in WeChat's other region.
 *
 * @since 0.1.0
 * @category constants
 */
export const backupBaseUrl = "https://api2.mch.weixin.qq.com"

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultUserAgent = `effect-wechatpay/0.1.0 (${
  typeof process !== "undefined" && process.versions?.node ? `node/${process.versions.node}` : "js"
})`

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

const checkBaseUrl = (option: string, value: string): Effect.Effect<string, ConfigurationError> => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return Effect.fail(new ConfigurationError({ option, message: `"${value}" is not an absolute URL.` }))
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname))) {
    return Effect.succeed(url.origin + url.pathname.replace(/\/+$/, ""))
  }
  return Effect.fail(
    new ConfigurationError({
      option,
      message: `"${value}" must use https (plain http is allowed only for 127.0.0.1, localhost and [::1]).`
    })
  )
}

const checkId = (option: string, value: string, pattern: RegExp): Effect.Effect<void, ConfigurationError> =>
  pattern.test(value)
    ? Effect.void
    : Effect.fail(new ConfigurationError({ option, message: `"${value}" is not a valid ${option}.` }))

const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface ErrorBody {
  readonly code?: unknown
  readonly message?: unknown
  readonly detail?: unknown
}

const parseErrorBody = (text: string): ErrorBody | undefined => {
  if (text.length === 0) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as ErrorBody) : undefined
  } catch {
    return undefined
  }
}

/**
 * Build the transport from an `HttpClient`, a `Signer` and a `Verifier`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const baseUrl = yield* checkBaseUrl("baseUrl", options.baseUrl ?? defaultBaseUrl)
  const backup = options.backupBaseUrl === undefined
    ? undefined
    : yield* checkBaseUrl("backupBaseUrl", options.backupBaseUrl)
  yield* checkId("mchid", options.mchid, /^[0-9]{1,32}$/)
  yield* checkId("merchantSerialNumber", options.merchantSerialNumber, /^[0-9A-Fa-f]{1,64}$/)
  // The endpoint span is the call's span. The platform's own per-request span would record every header and keep
  // the signed request (Authorization included) in its exit, and costs 15–50 µs a call (bench/README.md).
  const httpClient = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true)
  const signer = yield* Signer
  const verifier = yield* Verifier
  const timeout = Duration.decode(options.timeout ?? Duration.seconds(10))
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024
  const mchid = options.mchid
  const serial = options.merchantSerialNumber

  const fixedHeaders: Record<string, string> = {
    accept: "application/json",
    "user-agent": options.userAgent ?? defaultUserAgent
  }
  if (verifier.serial !== undefined) fixedHeaders["wechatpay-serial"] = verifier.serial
  const jsonHeaders = { ...fixedHeaders, "content-type": "application/json" }

  const transportError = (
    request: ApiRequest,
    url: string,
    reason: TransportError["reason"],
    message: string
  ) => new TransportError({ reason, method: request.method, url, message })

  const readBody = (
    request: ApiRequest,
    url: string,
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<string, TransportError> => {
    const tooLarge = () =>
      transportError(request, url, "ResponseBody", `Response body larger than ${maxResponseBytes} bytes refused.`)
    const unreadable = (e: HttpClientError.ResponseError) =>
      transportError(request, url, "ResponseBody", `Response body could not be read (${e.reason}).`)
    // 204/205 carry no body (and often no Content-Length): skip the streaming path, which costs ~200 µs a call.
    if (response.status === 204 || response.status === 205) return Effect.succeed("")
    const length = response.headers["content-length"]
    if (length !== undefined && /^\d+$/.test(length)) {
      return Number(length) > maxResponseBytes
        ? Effect.fail(tooLarge())
        : Effect.mapError(response.text, unreadable)
    }
    return response.stream.pipe(
      Stream.catchAll((e) => e.reason === "EmptyBody" ? Stream.empty : Stream.fail(unreadable(e))),
      Stream.runFoldEffect(
        { size: 0, chunks: Chunk.empty<Uint8Array>() },
        (acc, chunk): Effect.Effect<{ size: number; chunks: Chunk.Chunk<Uint8Array> }, TransportError> => {
          const size = acc.size + chunk.byteLength
          return size > maxResponseBytes ? Effect.fail(tooLarge()) : Effect.succeed({ size, chunks: Chunk.append(acc.chunks, chunk) })
        }
      ),
      Effect.map(({ chunks, size }) => {
        const all = new Uint8Array(size)
        let offset = 0
        for (const chunk of chunks) {
          all.set(chunk, offset)
          offset += chunk.byteLength
        }
        return decoder.decode(all)
      })
    )
  }

  const attempt = (
    request: ApiRequest,
    base: string,
    bodyBytes: Uint8Array | undefined
  ): Effect.Effect<ApiResponse, CallError> => {
    const url = base + request.path
    const unsigned = HttpClientRequest.make(request.method)(url, {
      headers: bodyBytes === undefined ? fixedHeaders : jsonHeaders,
      ...(bodyBytes === undefined ? {} : { body: HttpBody.uint8Array(bodyBytes, "application/json") })
    } as HttpClientRequest.Options.NoUrl)
    // Sign the request-target exactly as the HTTP stack will serialise it from this very request.
    const target = Option.getOrUndefined(HttpClientRequest.toUrl(unsigned))
    if (target === undefined) return Effect.fail(transportError(request, url, "InvalidUrl", "Invalid request URL."))
    const pathAndQuery = target.pathname + target.search
    return Effect.gen(function*() {
      const timestamp = Protocol.unixSeconds(yield* Clock.currentTimeMillis)
      const nonce = Protocol.nonce()
      const signature = yield* signer.sign(
        Protocol.requestMessage(request.method, pathAndQuery, timestamp, nonce, request.body ?? "")
      )
      const httpRequest = HttpClientRequest.setHeader(
        unsigned,
        "authorization",
        Protocol.authorization({ mchid, nonce, timestamp, serial, signature })
      )
      const response = yield* httpClient.execute(httpRequest).pipe(
        Effect.mapError((e) =>
          transportError(request, url, e.reason === "InvalidUrl" ? "InvalidUrl" : "Connection", e.message)
        )
      )
      const body = yield* readBody(request, url, response)
      const requestId = response.headers["request-id"]
      if (response.status >= 200 && response.status < 300) {
        yield* verifier.verify({ headers: response.headers, body, requestId, status: response.status })
        return { status: response.status, headers: response.headers, body, requestId }
      }
      const parsed = parseErrorBody(body)
      const code = typeof parsed?.code === "string" && parsed.code !== "" ? parsed.code : `HTTP_${response.status}`
      const message = typeof parsed?.message === "string"
        ? parsed.message
        : body.length === 0
        ? `HTTP ${response.status} without a body`
        : `HTTP ${response.status}: ${body.slice(0, 200)}`
      return yield* Effect.fail(
        fromResponse({ status: response.status, code, message, detail: parsed?.detail, requestId })
      )
    }).pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          transportError(request, url, "Timeout", `No complete response within ${Duration.format(timeout)}.`)
      })
    )
  }

  const execute = (request: ApiRequest): Effect.Effect<ApiResponse, CallError> =>
    Effect.flatMap(RetryPolicy, (policy) => {
      // Encoded once: every attempt sends (and signs) the very same bytes.
      const bodyBytes = request.body === undefined ? undefined : encoder.encode(request.body)
      if (!request.idempotent) return attempt(request, baseUrl, bodyBytes)
      let base = baseUrl
      let attempts = 0
      const once = Effect.suspend(() => {
        attempts++
        return attempt(request, base, bodyBytes)
      }).pipe(
        Effect.tapError((error) => {
          if (backup !== undefined && error._tag === "TransportError") base = backup
          return policy.isRetryable(error)
            ? Effect.logDebug("effect-wechatpay: attempt failed").pipe(
              Effect.annotateLogs({
                endpoint: request.endpoint,
                attempt: attempts,
                error: error._tag,
                requestId: "requestId" in error ? error.requestId ?? "" : ""
              })
            )
            : Effect.void
        })
      )
      return Effect.retry(once, { schedule: policy.schedule, while: policy.isRetryable })
    })

  return WechatPayClient.of({ mchid, execute })
})

/**
 * The transport as a layer; requires an `HttpClient`, a `Signer` and a `Verifier`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<WechatPayClient, ConfigurationError, HttpClient.HttpClient | Signer | Verifier> =>
  Layer.effect(WechatPayClient, make(options))
