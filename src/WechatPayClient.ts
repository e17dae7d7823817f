/**
 * The signed and verified APIv3 client that endpoints are declared on:
 * base URL → sign the exact bytes → send (over a `Transport`) → verify every 2xx → return the raw verified body, or
 * fail typed; idempotent calls are repeated per `RetryPolicy`, each attempt signed afresh over the same bytes.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Tracer from "effect/Tracer"
import { deadline } from "./internal/deadline.js"
import * as Protocol from "./internal/protocol.js"
import * as Telemetry from "./internal/telemetry.js"
import * as Authorization from "./Authorization.js"
import { RateLimit, type Service as RateLimitService } from "./internal/budget.js"
import { RetryPolicy, type Service as RetryPolicyService } from "./RetryPolicy.js"
import { Signer } from "./Signer.js"
import { type Limits, Transport, type WireRequest, type WireResponse } from "./Transport.js"
import { Verifier } from "./Verifier.js"
import { type CallError, ConfigurationError, fromResponse, TransportError } from "./WechatPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Method = import("./Transport.js").Method

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
   * A body that is not JSON (a multipart upload): the bytes sent, their Content-Type, and the text WeChat signs in
   * their place (an upload's `meta` JSON exactly as placed in its part). Takes the place of `body`.
   */
  readonly upload?: Upload | undefined
  /**
   * Whether sending the same bytes again is safe (a GET, or a write carrying an idempotency key). Only such calls
   * are ever retried.
   */
  readonly idempotent: boolean
  /**
   * For a write repeatable without an idempotency key (a set, a delete): repeat it only after an answer saying it was
   * not processed (429, 501–503), never after an outcome that is unknown (a timeout, a dropped connection, a 500) or
   * pending (202): a blind repeat could undo a change another writer made in between.
   */
  readonly onlyIfUnprocessed?: boolean | undefined
  /**
   * `Wechatpay-Serial` for this request: the id of the key a sensitive field was encrypted with (it must name the
   * same key; otherwise the configured public-key id, if any, is sent).
   */
  readonly serial?: string | undefined
  /**
   * The call's span, when it is traced (`Endpoint` passes its own): each retry is recorded on it as an event
   * (`wechatpay.retry`).
   *
   * @since 1.2.0
   */
  readonly span?: Tracer.Span | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export interface Upload {
  readonly bytes: Uint8Array
  readonly contentType: string
  readonly signed: string
}

/**
 * A verified 2xx response.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiResponse {
  readonly status: number
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body: the bytes that were verified, decoded as UTF-8 (a leading BOM kept, as received). */
  readonly body: string
  readonly requestId: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service extends Caller {
  readonly mchid: string
  /**
   * The mchid is a service provider's (普通服务商, `Options.serviceProvider`): membercard-open calls are made for its
   * sub-merchants (`sub_mchid`).
   *
   * @since 1.3.0
   */
  readonly serviceProvider?: boolean | undefined
}

/**
 * What every client is, whoever signs: a function from an encoded call to its verified answer. `WechatPayClient` (a
 * merchant or provider) and `BrandClient` (a brand) are this, under their own `Authorization`.
 *
 * @since 1.3.0
 * @category models
 */
export interface Caller {
  readonly execute: (request: ApiRequest) => Effect.Effect<ApiResponse, CallError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class WechatPayClient extends Context.Service<WechatPayClient, Service>()("effect-wechatpay/WechatPayClient") {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends ConnectionOptions {
  /** 商户号. */
  readonly mchid: string
  /** Serial number of the merchant API certificate (`serial_no` in the Authorization header). */
  readonly merchantSerialNumber: string
  /**
   * The mchid is a service provider's (普通服务商) calling membercard-open for its sub-merchants: the bonus calls then
   * must name the sub-merchant (`sub_mchid`, refused before sending when missing) and never carry the provider's own
   * mchid. Default `false` (a direct merchant: the bonus calls name the client's mchid when the caller did not).
   *
   * @since 1.3.0
   */
  readonly serviceProvider?: boolean | undefined
}

/**
 * How a client connects, whoever signs (`Options` less the merchant's identity; `BrandClient.Options` adds a brand's).
 *
 * @since 1.3.0
 * @category models
 */
export interface ConnectionOptions {
  /** Default `https://api.mch.weixin.qq.com`. Plain http is accepted for loopback addresses only (tests). */
  readonly baseUrl?: string | undefined
  /**
   * Opt-in failover: after a transport failure, the remaining attempts of an idempotent call go to this host,
   * e.g. `https://api2.mch.weixin.qq.com` (WeChat's backup region).
   */
  readonly backupBaseUrl?: string | undefined
  readonly userAgent?: string | undefined
  /** Per attempt, from sending until the last byte of the response. Default 10 s. */
  readonly timeout?: Duration.Input | undefined
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
export const defaultUserAgent = `effect-wechatpay/1.3.0 (${
  typeof process !== "undefined" && process.versions?.node ? `node/${process.versions.node}` : "js"
})`

/**
 * The default bound on a response body: 1 MiB (a member-card answer is a few KiB).
 *
 * @since 0.3.0
 * @category constants
 */
export const defaultMaxResponseBytes = 1024 * 1024

/** The longest timer `setTimeout` honours (2³¹−1 ms, ~24.8 days). */
const maxTimeoutMillis = 2_147_483_647

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

interface Base {
  /** `scheme://host[:port]`. */
  readonly origin: string
  /** Path prefix of the base URL, without a trailing `/` (usually `""`). */
  readonly prefix: string
  /** `http.client.request.duration`'s series for this host. */
  readonly http: Telemetry.HttpSeries
}

const checkBaseUrl = (option: string, value: string): Effect.Effect<Base, ConfigurationError> => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return Effect.fail(new ConfigurationError({ option, message: `"${value}" is not an absolute URL.` }))
  }
  if (url.search !== "" || url.hash !== "") {
    return Effect.fail(new ConfigurationError({ option, message: `"${value}" must not carry a query or a fragment.` }))
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname))) {
    return Effect.succeed({
      origin: url.origin,
      prefix: url.pathname.replace(/\/+$/, ""),
      http: new Telemetry.HttpSeries(url.origin)
    })
  }
  return Effect.fail(
    new ConfigurationError({
      option,
      message: `"${value}" must use https (plain http is allowed only for 127.0.0.1, localhost and [::1]).`
    })
  )
}

const encoder = new TextEncoder()

/**
 * A request as it goes to the `Transport`. A class rather than an object literal: V8 may pretenure the allocation
 * site of a literal whose objects often survive a scavenge (this one lives as long as its request is in flight), and
 * a pretenured object keeps what it points to (headers, body) alive until the next full GC (bench/README.md).
 */
class OutgoingRequest implements WireRequest {
  constructor(
    readonly method: Method,
    readonly origin: string,
    readonly target: string,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: Uint8Array | undefined
  ) {}
}
// `ignoreBOM`: keep a leading BOM, so the text is the verified bytes and nothing less.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true })

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

/** WeChat's `detail` is a small object; deeper or larger than this, it is replaced by a note (see `boundedDetail`). */
const maxDetailDepth = 16
const maxDetailNodes = 2_000

/**
 * `detail` as received, unless it is nested deeper than `maxDetailDepth` or holds more than `maxDetailNodes`
 * values: then a string saying so. Such a value could not be logged (`JSON.stringify` recurses) and is never a
 * real WeChat answer. Checked without recursion.
 */
const boundedDetail = (detail: unknown): unknown => {
  const stack: Array<readonly [unknown, number]> = [[detail, 1]]
  let nodes = 0
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!
    if (++nodes > maxDetailNodes) return `(detail omitted: more than ${maxDetailNodes} values)`
    if (typeof value !== "object" || value === null) continue
    if (depth > maxDetailDepth) return `(detail omitted: nested deeper than ${maxDetailDepth} levels)`
    for (const child of Object.values(value)) stack.push([child, depth + 1])
  }
  return detail
}

/** What the status means when the body does not say (redirects and 202 carry no error body). */
const statusMessage = (response: WireResponse): string | undefined => {
  const { status } = response
  if (status === 202) {
    return "HTTP 202: WeChat accepted the request but has not processed it yet; repeat it with the same parameters."
  }
  if (status >= 300 && status < 400) {
    const location = response.headers["location"]
    const shown = location === undefined ? "" : ` to ${location.length > 100 ? `${location.slice(0, 100)}…` : location}`
    return `HTTP ${status}: a redirect${shown} refused (WeChat Pay never redirects an APIv3 call; nothing was sent there).`
  }
  return undefined
}

/** WeChat's answer says the request was not processed: rate limited (429) or shed by overload protection (501–503). */
const unprocessed = (error: CallError): boolean =>
  "status" in error && error.status !== undefined &&
  (error.status === 429 || (error.status >= 501 && error.status <= 503)) &&
  error._tag !== "ResponseVerificationError"

/** A response that is not a success (not 2xx, or 202) as its typed error, `Request-ID` included. */
const apiError = (response: WireResponse): CallError => {
  const { status } = response
  const body = decoder.decode(response.body)
  const parsed = parseErrorBody(body)
  const code = typeof parsed?.code === "string" && parsed.code !== "" ? parsed.code : `HTTP_${status}`
  const message = typeof parsed?.message === "string"
    ? parsed.message
    : statusMessage(response) ?? (body.length === 0
      ? `HTTP ${status} without a body`
      : `HTTP ${status}: ${body.slice(0, 200)}`)
  const detail = parsed?.detail === undefined ? undefined : boundedDetail(parsed.detail)
  return fromResponse({ status, code, message, detail, requestId: response.headers["request-id"] })
}

/**
 * A retry span event's attributes: which attempt starts, why, and what the failed one got (its `Request-ID`, for
 * WeChat support). Ids and words only: an error's message or detail may quote a request's values.
 */
const retryEvent = (attempt: number, reason: string, error: CallError): Record<string, unknown> => {
  const attributes: Record<string, unknown> = {
    "wechatpay.attempt": attempt,
    "wechatpay.retry.reason": reason,
    "error.type": error._tag
  }
  if ("status" in error && error.status !== undefined) attributes["http.response.status_code"] = error.status
  if ("requestId" in error && error.requestId !== undefined) attributes["wechatpay.request_id"] = error.requestId
  return attributes
}

/**
 * `effect`, let go of once it has started. An Effect continuation holds the effect it continues until it runs (a
 * `flatMap` keeps its source for the whole round trip), and with it whatever that effect captured: here the message
 * being signed, or the signed request with its headers, which would otherwise stay reachable — and be copied by every
 * scavenge — until the response has been verified (bench/README.md). For an effect made inside a step and run once,
 * by that step; never for one a caller may run again.
 */
const released = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  let pending: Effect.Effect<A, E> | undefined = effect
  return Effect.suspend(() => {
    const started = pending!
    pending = undefined
    return started
  })
}

/**
 * Build the client from a `Transport`, a `Signer` and a `Verifier`.
 *
 * Per attempt the work is: one clock read, one signature, one transport round trip, one verification. Everything
 * that does not change between calls (base URL, fixed headers, limits) is settled here, once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigurationError, Transport | Signer | Verifier> =>
  Effect.flatMap(
    Authorization.merchant({ mchid: options.mchid, serialNumber: options.merchantSerialNumber }),
    (authorization) =>
      Effect.map(
        Effect.provideService(makeWith(options), Authorization.Authorization, authorization),
        ({ execute }): Service => ({ mchid: options.mchid, execute, serviceProvider: options.serviceProvider === true })
      )
  )

/**
 * The client signing as the `Authorization` in context (a merchant's, or a brand's: see `BrandClient`), from a
 * `Transport`, a `Signer` and a `Verifier`. `make` is this with the merchant's `Authorization`.
 *
 * @since 1.3.0
 * @category constructors
 */
export const makeWith = Effect.fnUntraced(function*(options: ConnectionOptions) {
  const authorization = yield* Authorization.Authorization
  const primary = yield* checkBaseUrl("baseUrl", options.baseUrl ?? defaultBaseUrl)
  const backup = options.backupBaseUrl === undefined
    ? undefined
    : yield* checkBaseUrl("backupBaseUrl", options.backupBaseUrl)
  const timeout = Duration.fromInput(options.timeout ?? Duration.seconds(10))
  const timeoutMillis = Option.isSome(timeout) ? Math.round(Duration.toMillis(timeout.value)) : Number.NaN
  // A timer longer than 2³¹−1 ms would fire at once (Node, browsers): refuse it rather than time out every call.
  if (!(timeoutMillis >= 1 && timeoutMillis <= maxTimeoutMillis)) {
    return yield* Effect.fail(
      new ConfigurationError({ option: "timeout", message: "timeout must be a duration between 1 ms and 24 days." })
    )
  }
  const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  // NaN would remove the cap (every comparison false) and 0 or less would refuse every answer (and retry each).
  if (!(Number.isSafeInteger(maxResponseBytes) && maxResponseBytes >= 1)) {
    return yield* Effect.fail(
      new ConfigurationError({ option: "maxResponseBytes", message: "maxResponseBytes must be a whole number of bytes, at least 1." })
    )
  }
  const userAgent = options.userAgent ?? defaultUserAgent
  if (!/^[\x20-\x7e]+$/.test(userAgent)) {
    return yield* Effect.fail(
      new ConfigurationError({ option: "userAgent", message: "userAgent must be printable ASCII on one line." })
    )
  }
  const transport = yield* Transport
  const signer = yield* Signer
  const verifier = yield* Verifier
  const limits: Limits = { timeoutMillis, maxResponseBytes }
  // The rate budget's key: the mchid, or the brand (its own namespace: a brand id may be digits like an mchid).
  const budgetKey = authorization.kind === "brand" ? `brand:${authorization.id}` : authorization.id
  const header = authorization.header

  const fixedHeaders: Record<string, string> = {
    accept: "application/json",
    // No compression: `maxResponseBytes` then bounds the bytes as they arrive and as they are verified (fetch would
    // otherwise ask for gzip/br and inflate a small body into a large one behind the limit's back).
    "accept-encoding": "identity",
    "user-agent": userAgent
  }
  if (verifier.serial !== undefined) fixedHeaders["wechatpay-serial"] = verifier.serial
  const jsonHeaders: Record<string, string> = { ...fixedHeaders, "content-type": "application/json" }

  // Success is a 2xx other than 202 (accepted, not yet processed: an error to repeat, never a result), verified over
  // the bytes received before anything reads them. With telemetry, `received` is when the answer was complete: the
  // verification's time is recorded from there.
  const verified = (
    response: WireResponse,
    telemetry?: Context.Context<never> | undefined,
    received?: number
  ): Effect.Effect<ApiResponse, CallError> => {
    const { status, headers, body } = response
    const requestId = headers["request-id"]
    if (status < 200 || status >= 300 || status === 202) return Effect.fail(apiError(response))
    return Effect.map(
      verifier.verify({ headers, body, requestId, status }),
      () => {
        if (telemetry !== undefined) Telemetry.verifyDuration.updateUnsafe((Telemetry.now() - received!) / 1000, telemetry)
        return { status, headers, body: body.byteLength === 0 ? "" : decoder.decode(body), requestId }
      }
    )
  }

  /**
   * Send and verify, recording `http.client.request.duration` from `sent` to the answer (or the transport's failure)
   * and the verification's time. Only with telemetry on: otherwise the attempt is `flatMap(send, verified)`.
   */
  const measured = (
    send: Effect.Effect<WireResponse, CallError>,
    method: Method,
    base: Base,
    telemetry: Context.Context<never>,
    sent: number
  ): Effect.Effect<ApiResponse, CallError> =>
    Effect.matchEffect(send, {
      onFailure: (error) => {
        if (error._tag === "TransportError") {
          base.http.get(method, error.reason).updateUnsafe((Telemetry.now() - sent) / 1000, telemetry)
        }
        return Effect.fail(error)
      },
      onSuccess: (response) => {
        const received = Telemetry.now()
        base.http.get(method, response.status).updateUnsafe((received - sent) / 1000, telemetry)
        return verified(response, telemetry, received)
      }
    })

  // The built-in signer is local CPU work that always completes; any other signer (a KMS, an HSM) gets the
  // attempt's deadline too, so a signer that hangs fails the attempt with a (retryable) Timeout instead of hanging.
  const sign = (request: ApiRequest, base: Base, message: string): Effect.Effect<string, CallError> =>
    signer.local === true ? signer.sign(message) : deadline(
      signer.sign(message),
      limits.timeoutMillis,
      () =>
        new TransportError({
          reason: "Timeout",
          method: request.method,
          url: base.origin + base.prefix + request.path,
          message: `The signer did not answer within ${limits.timeoutMillis} ms.`
        })
    )

  /**
   * One attempt, from the clock read to the verified response. The clock is read from the fiber in the attempt's own
   * step (`withFiber`) rather than as an Effect of its own: one step fewer per call, and the same `Clock` service.
   */
  const attempt = (
    request: ApiRequest,
    base: Base,
    bodyBytes: Uint8Array | undefined
  ): Effect.Effect<ApiResponse, CallError> =>
    Effect.withFiber((fiber) =>
      attemptAt(
        fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(),
        request,
        base,
        bodyBytes,
        Telemetry.contextOf(fiber)
      )
    )

  /**
   * With `telemetry` (the context to record into, when telemetry is on): the attempt is counted, and three more
   * clock reads time the signing, the round trip and the verification. Without it, nothing is added.
   */
  const attemptAt = (
    now: number,
    request: ApiRequest,
    base: Base,
    bodyBytes: Uint8Array | undefined,
    telemetry: Context.Context<never> | undefined
  ): Effect.Effect<ApiResponse, CallError> => {
    const target = base.prefix + request.path
    const timestamp = Protocol.unixSeconds(now)
    const nonce = Protocol.nonce()
    let started = 0
    if (telemetry !== undefined) {
      Telemetry.attempts.get(request.endpoint).updateUnsafe(1, telemetry)
      started = Telemetry.now()
    }
    return Effect.flatMap(
      released(sign(
        request,
        base,
        Protocol.requestMessage(request.method, target, timestamp, nonce, request.upload?.signed ?? request.body ?? "")
      )),
      (signature) => {
        const headers = { ...(bodyBytes === undefined ? fixedHeaders : jsonHeaders) }
        if (request.serial !== undefined) headers["wechatpay-serial"] = request.serial
        if (request.upload !== undefined) headers["content-type"] = request.upload.contentType
        headers["authorization"] = header(nonce, timestamp, signature)
        if (bodyBytes !== undefined) headers["content-length"] = String(bodyBytes.byteLength)
        const send = released(
          transport.send(new OutgoingRequest(request.method, base.origin, target, headers, bodyBytes), limits)
        )
        if (telemetry === undefined) return Effect.flatMap(send, verified)
        const sent = Telemetry.now()
        Telemetry.signDuration.updateUnsafe((sent - started) / 1000, telemetry)
        return measured(send, request.method, base, telemetry, sent)
      }
    )
  }

  /**
   * The retries of one idempotent call, set up when its first attempt has failed (the success path allocates none
   * of this): the schedule is started only then.
   */
  const retrying = (
    request: ApiRequest,
    policy: RetryPolicyService,
    send: (base: Base) => Effect.Effect<ApiResponse, CallError>,
    first: CallError
  ): Effect.Effect<ApiResponse, CallError> => {
    let base = primary
    let attempts = 1
    let probes = 0
    // A signature probe is asked again at most once, and only for a read: a write was applied all the same.
    const retryable = (error: CallError): boolean =>
      policy.isRetryable(error) &&
      (request.onlyIfUnprocessed !== true || unprocessed(error)) &&
      (error._tag !== "ResponseVerificationError" || error.probe !== true || (request.method === "GET" && probes++ === 0))
    if (!retryable(first)) return Effect.fail(first)
    type Step = (input: CallError) => Effect.Effect<unknown, unknown>
    const onFailure = (step: Step) => (error: CallError): Effect.Effect<ApiResponse, CallError> =>
      retryable(error) ? retry(step, error) : Effect.fail(error)
    const retry = (step: Step, error: CallError): Effect.Effect<ApiResponse, CallError> => {
      if (backup !== undefined && error._tag === "TransportError") base = backup
      return Effect.logDebug("effect-wechatpay: attempt failed").pipe(
        Effect.annotateLogs({
          endpoint: request.endpoint,
          attempt: attempts,
          error: error._tag,
          requestId: "requestId" in error ? error.requestId ?? "" : ""
        }),
        // The step sleeps the schedule's delay; when the schedule is done it fails (`Cause.Done`): give up with the
        // last error.
        Effect.andThen(Effect.catch(step(error), () => Effect.fail(error))),
        Effect.andThen(Effect.withFiber((fiber) => {
          attempts++
          const telemetry = Telemetry.contextOf(fiber)
          if (telemetry !== undefined) {
            const reason = Telemetry.retryReasonOf(error)
            Telemetry.retries.get(request.endpoint, reason).updateUnsafe(1, telemetry)
            if (request.span !== undefined) {
              request.span.event(
                "wechatpay.retry",
                fiber.getRef(Clock.Clock).currentTimeNanosUnsafe(),
                retryEvent(attempts, reason, error)
              )
            }
          }
          return Effect.catch(send(base), onFailure(step))
        }))
      )
    }
    return Effect.flatMap(Schedule.toStepWithSleep(policy.schedule), (step) => retry(step, first))
  }

  /**
   * An attempt under a rate budget: a token first (the clock is read, and the request signed, after the wait), and
   * word to the budget when WeChat refuses the call as rate limited.
   */
  const throttled = (budget: RateLimitService, request: ApiRequest, bodyBytes: Uint8Array | undefined) => (base: Base) =>
    Effect.andThen(budget.take(budgetKey, request.endpoint), attempt(request, base, bodyBytes)).pipe(
      Effect.tapError((error) => error._tag === "FrequencyLimited" ? budget.refused(budgetKey, request.endpoint) : Effect.void)
    )

  const execute = (request: ApiRequest): Effect.Effect<ApiResponse, CallError> =>
    Effect.withFiber((fiber) => {
      // Encoded once: every attempt sends (and signs) the very same bytes.
      const bodyBytes = request.upload?.bytes ?? (request.body === undefined ? undefined : encoder.encode(request.body))
      // No budget (the default): no step added to a call, and nothing allocated for retries until one is needed.
      const budget = fiber.getRef(RateLimit)
      const first = budget === undefined
        ? attemptAt(
          fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(),
          request,
          primary,
          bodyBytes,
          Telemetry.contextOf(fiber)
        )
        : throttled(budget, request, bodyBytes)(primary)
      if (!request.idempotent) return first
      // The policy in force when the call starts, as `Effect.flatMap(RetryPolicy, …)` would read it.
      const policy = fiber.getRef(RetryPolicy)
      // The success path pays for one `catch`. It holds the first attempt only until that has started: once signed,
      // the attempt's own state (its message, nonce, timestamp) need not live until the answer.
      return Effect.catch(released(first), (error) =>
        retrying(
          request,
          policy,
          budget === undefined ? (base) => attempt(request, base, bodyBytes) : throttled(budget, request, bodyBytes),
          error
        ))
    })

  const caller: Caller = { execute }
  return caller
})

/**
 * The client as a layer; requires a `Transport`, a `Signer` and a `Verifier`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<WechatPayClient, ConfigurationError, Transport | Signer | Verifier> =>
  Layer.effect(WechatPayClient, make(options))
