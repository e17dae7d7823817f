/**
 * Every way a WeChat Pay call can fail, as tagged errors you can `catchTag`.
 *
 * API errors (one class per documented WeChat code, plus `UnknownApiError`) carry the HTTP `status`, the original
 * `code`, `message`, optional `detail` and the `requestId` from the `Request-ID` header — quote it to WeChat
 * support. Transport, response verification, response decoding, request validation and signing failures each
 * have their own tag, so a forged response can never be mistaken for a network blip.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * How an error should be treated by callers and by the retry policy.
 *
 * - `retryable`: the request was not (or may not have been) processed; repeating it is safe when the call is
 *   idempotent.
 * - `throttled`: rate limited; repeating after a pause is safe.
 * - `auth`: signing / permission problem; repeating will not help.
 * - `client`: the request itself is wrong; fix it.
 * - `integrity`: a response that could not be trusted or understood; never repeated automatically.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorCategory = "retryable" | "throttled" | "auth" | "client" | "integrity"

/**
 * What the HTTP status alone says, whatever the code: a 429 is throttled; a 5xx (overload, gateway, system) and a
 * 202 (accepted, not yet processed: WeChat asks for the same request again) are retryable. `undefined` when the
 * status says nothing beyond the code.
 */
const byStatus = (status: number): ErrorCategory | undefined =>
  status === 429 ? "throttled" : status >= 500 || status === 202 ? "retryable" : undefined

const apiFields = {
  /** HTTP status of the response. */
  status: Schema.Number,
  /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
  code: Schema.String,
  /** Human readable message from WeChat (its language follows `Accept-Language`). */
  message: Schema.String,
  /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
  detail: Schema.optionalKey(Schema.Unknown),
  /** The `Request-ID` response header: what WeChat support asks for. */
  requestId: Schema.optionalKey(Schema.String)
}

/**
 * `400 PARAM_ERROR`: a parameter is missing or malformed. `detail.field` usually names it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ParamError extends Schema.TaggedError<ParamError>("effect-wechatpay/ParamError")("ParamError", apiFields) {
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "client"
  }
}

/**
 * `400 INVALID_REQUEST`: well-formed but refused (business rule, state conflict, missing `Accept`/`User-Agent`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest
  extends Schema.TaggedError<InvalidRequest>("effect-wechatpay/InvalidRequest")("InvalidRequest", apiFields)
{
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "client"
  }
}

/**
 * `401 SIGN_ERROR`: WeChat could not verify the request signature. `signInformation` is what the server
 * reconstructed (`method`, `url`, `truncated_sign_message` …) — compare it with what you signed.
 *
 * @since 0.1.0
 * @category errors
 */
export class SignError extends Schema.TaggedError<SignError>("effect-wechatpay/SignError")("SignError", apiFields) {
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "auth"
  }
  /** `detail.sign_information` when WeChat sent it. */
  get signInformation(): unknown {
    const detail = this.detail
    return typeof detail === "object" && detail !== null && "sign_information" in detail
      ? (detail as { readonly sign_information: unknown }).sign_information
      : undefined
  }
}

/**
 * `403 NO_AUTH`: the merchant has no permission for this product or resource.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoAuth extends Schema.TaggedError<NoAuth>("effect-wechatpay/NoAuth")("NoAuth", apiFields) {
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "auth"
  }
}

/**
 * `404 NOT_FOUND` / `RESOURCE_NOT_EXISTS`: the resource (or the URL) does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>("effect-wechatpay/NotFound")("NotFound", apiFields) {
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "client"
  }
}

/**
 * `400 ALREADY_EXISTS`: what the call would create exists already — 商家名片会员卡's 创建用户动态信息 answers a repeated
 * `out_request_no` so (该用户动态已存在: the first was applied), 创建品牌会员发券活动 a template that already has an
 * activity in effect.
 *
 * @since 1.3.0
 * @category errors
 */
export class AlreadyExists
  extends Schema.TaggedError<AlreadyExists>("effect-wechatpay/AlreadyExists")("AlreadyExists", apiFields)
{
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "client"
  }
}

/**
 * `429 RATELIMIT_EXCEEDED` (older pages: `FREQUENCY_LIMITED`, `RATE_LIMITED`): rate limited; the request was not
 * accepted. Retried with backoff.
 *
 * @since 0.1.0
 * @category errors
 */
export class FrequencyLimited
  extends Schema.TaggedError<FrequencyLimited>("effect-wechatpay/FrequencyLimited")("FrequencyLimited", apiFields)
{
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "throttled"
  }
}

/**
 * `501`/`502`/`503 SERVICE_UNAVAILABLE`: overload protection or the service is offline; the request was not
 * processed. Retry with backoff (and the same idempotency key).
 *
 * @since 0.3.0
 * @category errors
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>("effect-wechatpay/ServiceUnavailable")(
  "ServiceUnavailable",
  apiFields
) {
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "retryable"
  }
}

/**
 * `500 SYSTEM_ERROR`: WeChat-side failure; retry with the same parameters (and idempotency key).
 *
 * @since 0.1.0
 * @category errors
 */
export class SystemError extends Schema.TaggedError<SystemError>("effect-wechatpay/SystemError")("SystemError", apiFields) {
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "retryable"
  }
}

/**
 * Any error response whose code we do not model (or that had no JSON body: then `code` is `HTTP_<status>`).
 * Still decoded: status, code, message and `Request-ID` are all there.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownApiError
  extends Schema.TaggedError<UnknownApiError>("effect-wechatpay/UnknownApiError")("UnknownApiError", apiFields)
{
  /**
   * By status, whatever the code: 429 `throttled`; 5xx and 202 `retryable`; anything else (4xx, and a 3xx
   * redirect, which WeChat never sends for APIv3) `client`.
   */
  get category(): ErrorCategory {
    return byStatus(this.status) ?? "client"
  }
}

/**
 * The request did not get a response: connection refused or dropped, DNS, TLS, timeout, or a response body too
 * large or unreadable. The outcome of a write is unknown — only an idempotent repeat is safe.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>("effect-wechatpay/TransportError")(
  "TransportError",
  {
    reason: Schema.Literals(["Timeout", "Connection", "ResponseBody", "InvalidUrl"]),
    method: Schema.String,
    url: Schema.String,
    message: Schema.String
  }
) {
  get category(): ErrorCategory {
    return this.reason === "InvalidUrl" ? "client" : "retryable"
  }
}

/**
 * A 2xx response that failed verification: it must be treated as forged. `reason` says why; `serial` names the
 * `Wechatpay-Serial` received; `skewSeconds` how far its timestamp was from our clock.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseVerificationError
  extends Schema.TaggedError<ResponseVerificationError>("effect-wechatpay/ResponseVerificationError")(
    "ResponseVerificationError",
    {
      reason: Schema.Literals(["MissingHeader", "UnknownSerial", "InvalidTimestamp", "StaleTimestamp", "InvalidSignature"]),
      message: Schema.String,
      status: Schema.optionalKey(Schema.Number),
      serial: Schema.optionalKey(Schema.String),
      skewSeconds: Schema.optionalKey(Schema.Number),
      requestId: Schema.optionalKey(Schema.String),
      /**
       * `true` when the signature was a `WECHATPAY/SIGNTEST/` probe: WeChat checking that unverifiable responses
       * are refused. Still a failure (reason `InvalidSignature`); a GET answered with one is asked once more.
       */
      probe: Schema.optionalKey(Schema.Boolean)
    }
  )
{
  get category(): ErrorCategory {
    return "integrity"
  }
}

/**
 * A verified 2xx response whose body is not what the endpoint documents (not JSON, or the wrong shape).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError
  extends Schema.TaggedError<ResponseDecodeError>("effect-wechatpay/ResponseDecodeError")("ResponseDecodeError", {
    endpoint: Schema.String,
    status: Schema.Number,
    message: Schema.String,
    requestId: Schema.optionalKey(Schema.String)
  })
{
  get category(): ErrorCategory {
    return "integrity"
  }
}

/**
 * One problem in a request, with the path of the field (e.g. `["balance_information", "balance"]`).
 *
 * @since 0.1.0
 * @category models
 */
export const ValidationIssue = Schema.Struct({
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String
})

/**
 * The request breaks a documented rule (required field, length, integer, character set). Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestValidationError
  extends Schema.TaggedError<RequestValidationError>("effect-wechatpay/RequestValidationError")(
    "RequestValidationError",
    {
      endpoint: Schema.String,
      issues: Schema.Array(ValidationIssue),
      message: Schema.String
    }
  )
{
  get category(): ErrorCategory {
    return "client"
  }
  /** The field names (top level) that failed. */
  get fields(): ReadonlyArray<string> {
    return [...new Set(this.issues.map((issue) => issue.path.join(".")))]
  }
}

/**
 * The signer (or the `Encryptor` of a sensitive field) failed, e.g. a remote KMS/HSM was unreachable. Nothing was
 * sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class SigningError extends Schema.TaggedError<SigningError>("effect-wechatpay/SigningError")("SigningError", {
  message: Schema.String
}) {
  get category(): ErrorCategory {
    return "auth"
  }
}

/**
 * A layer could not be built: a malformed key, a certificate where a private key belongs, an empty key map, a
 * plain-http base URL. The message names what is wrong and never echoes key material.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigurationError
  extends Schema.TaggedError<ConfigurationError>("effect-wechatpay/ConfigurationError")("ConfigurationError", {
    option: Schema.String,
    message: Schema.String,
    /** (1.2.0) The merchant whose options are wrong, when the client was built for one of many (`Merchants`). */
    mchid: Schema.optionalKey(Schema.String)
  })
{}

/**
 * `Merchants`: the directory has no merchant with this id (its lookup answered `undefined`), or the id is not a
 * merchant id at all (1–32 digits). Only the call for this merchant fails; nothing was sent.
 *
 * @since 1.2.0
 * @category errors
 */
export class UnknownMerchant extends Schema.TaggedError<UnknownMerchant>("effect-wechatpay/UnknownMerchant")(
  "UnknownMerchant",
  {
    mchid: Schema.String,
    message: Schema.String
  }
) {}

/**
 * `Merchants`: the directory's lookup failed (a database or KMS that did not answer). `cause` is the lookup's own
 * error, as it failed; the message never repeats it. The failure is not kept: the next call for this merchant looks
 * it up again.
 *
 * @since 1.2.0
 * @category errors
 */
export class MerchantLookupError
  extends Schema.TaggedError<MerchantLookupError>("effect-wechatpay/MerchantLookupError")("MerchantLookupError", {
    mchid: Schema.String,
    message: Schema.String,
    cause: Schema.optionalKey(Schema.Defect())
  })
{}

/**
 * Every error a WeChat Pay API response can decode to.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiError =
  | ParamError
  | InvalidRequest
  | SignError
  | NoAuth
  | NotFound
  | AlreadyExists
  | FrequencyLimited
  | ServiceUnavailable
  | SystemError
  | UnknownApiError

/**
 * What a signed, verified round trip can fail with (before any response body decoding).
 *
 * @since 0.1.0
 * @category models
 */
export type CallError = ApiError | TransportError | ResponseVerificationError | SigningError

/**
 * Any error of this library.
 *
 * @since 0.1.0
 * @category models
 */
export type WechatPayError = CallError | ResponseDecodeError | RequestValidationError

const byCode: Record<string, typeof ParamError> = {
  PARAM_ERROR: ParamError,
  INVALID_REQUEST: InvalidRequest,
  SIGN_ERROR: SignError,
  NO_AUTH: NoAuth,
  NOT_FOUND: NotFound,
  RESOURCE_NOT_EXISTS: NotFound,
  ALREADY_EXISTS: AlreadyExists,
  FREQUENCY_LIMITED: FrequencyLimited,
  RATELIMIT_EXCEEDED: FrequencyLimited,
  RATE_LIMITED: FrequencyLimited,
  SERVICE_UNAVAILABLE: ServiceUnavailable,
  SYSTEM_ERROR: SystemError
} as never

/**
 * Build the tagged error for an error response. Unknown codes become `UnknownApiError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse = (fields: {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly detail?: unknown
  readonly requestId?: string | undefined
}): ApiError => {
  const Ctor = Object.hasOwn(byCode, fields.code) ? byCode[fields.code]! : UnknownApiError
  return new Ctor(
    {
      status: fields.status,
      code: fields.code,
      message: fields.message,
      ...(fields.detail !== undefined ? { detail: fields.detail } : {}),
      ...(fields.requestId !== undefined ? { requestId: fields.requestId } : {})
    },
    { disableChecks: true }
  ) as ApiError
}

/**
 * The category of any error of this library.
 *
 * @since 0.1.0
 * @category utils
 */
export const categoryOf = (error: WechatPayError): ErrorCategory => error.category
