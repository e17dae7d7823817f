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
import * as Schema from "effect/Schema";
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
export type ErrorCategory = "retryable" | "throttled" | "auth" | "client" | "integrity";
declare const ParamError_base: Schema.TaggedErrorClass<ParamError, "ParamError", {
    readonly _tag: Schema.tag<"ParamError">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `400 PARAM_ERROR`: a parameter is missing or malformed. `detail.field` usually names it.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class ParamError extends ParamError_base {
    get category(): ErrorCategory;
}
declare const InvalidRequest_base: Schema.TaggedErrorClass<InvalidRequest, "InvalidRequest", {
    readonly _tag: Schema.tag<"InvalidRequest">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `400 INVALID_REQUEST`: well-formed but refused (business rule, state conflict, missing `Accept`/`User-Agent`).
 *
 * @since 0.1.0
 * @category errors
 */
export declare class InvalidRequest extends InvalidRequest_base {
    get category(): ErrorCategory;
}
declare const SignError_base: Schema.TaggedErrorClass<SignError, "SignError", {
    readonly _tag: Schema.tag<"SignError">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `401 SIGN_ERROR`: WeChat could not verify the request signature. `signInformation` is what the server
 * reconstructed (`method`, `url`, `truncated_sign_message` …) — compare it with what you signed.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class SignError extends SignError_base {
    get category(): ErrorCategory;
    /** `detail.sign_information` when WeChat sent it. */
    get signInformation(): unknown;
}
declare const NoAuth_base: Schema.TaggedErrorClass<NoAuth, "NoAuth", {
    readonly _tag: Schema.tag<"NoAuth">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `403 NO_AUTH`: the merchant has no permission for this product or resource.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class NoAuth extends NoAuth_base {
    get category(): ErrorCategory;
}
declare const NotFound_base: Schema.TaggedErrorClass<NotFound, "NotFound", {
    readonly _tag: Schema.tag<"NotFound">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `404 NOT_FOUND` / `RESOURCE_NOT_EXISTS`: the resource (or the URL) does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class NotFound extends NotFound_base {
    get category(): ErrorCategory;
}
declare const FrequencyLimited_base: Schema.TaggedErrorClass<FrequencyLimited, "FrequencyLimited", {
    readonly _tag: Schema.tag<"FrequencyLimited">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `429 FREQUENCY_LIMITED` / `RATELIMIT_EXCEEDED`: rate limited; the request was not accepted.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class FrequencyLimited extends FrequencyLimited_base {
    get category(): ErrorCategory;
}
declare const SystemError_base: Schema.TaggedErrorClass<SystemError, "SystemError", {
    readonly _tag: Schema.tag<"SystemError">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * `500 SYSTEM_ERROR`: WeChat-side failure; retry with the same parameters (and idempotency key).
 *
 * @since 0.1.0
 * @category errors
 */
export declare class SystemError extends SystemError_base {
    get category(): ErrorCategory;
}
declare const UnknownApiError_base: Schema.TaggedErrorClass<UnknownApiError, "UnknownApiError", {
    readonly _tag: Schema.tag<"UnknownApiError">;
} & {
    /** HTTP status of the response. */
    status: typeof Schema.Number;
    /** WeChat error code as sent, e.g. `PARAM_ERROR`. */
    code: typeof Schema.String;
    /** Human readable message from WeChat (its language follows `Accept-Language`). */
    message: typeof Schema.String;
    /** WeChat's optional `detail` object (`field`, `value`, `issue`, `location`, `sign_information` …). */
    detail: Schema.optionalWith<typeof Schema.Unknown, {
        exact: true;
    }>;
    /** The `Request-ID` response header: what WeChat support asks for. */
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * Any error response whose code we do not model (or that had no JSON body: then `code` is `HTTP_<status>`).
 * Still decoded: status, code, message and `Request-ID` are all there.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class UnknownApiError extends UnknownApiError_base {
    /** 5xx without a usable body (gateway / overload) is transient; anything else is not known to be. */
    get category(): ErrorCategory;
}
declare const TransportError_base: Schema.TaggedErrorClass<TransportError, "TransportError", {
    readonly _tag: Schema.tag<"TransportError">;
} & {
    reason: Schema.Literal<["Timeout", "Connection", "ResponseBody", "InvalidUrl"]>;
    method: typeof Schema.String;
    url: typeof Schema.String;
    message: typeof Schema.String;
}>;
/**
 * The request did not get a response: connection refused or dropped, DNS, TLS, timeout, or a response body too
 * large or unreadable. The outcome of a write is unknown — only an idempotent repeat is safe.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class TransportError extends TransportError_base {
    get category(): ErrorCategory;
}
declare const ResponseVerificationError_base: Schema.TaggedErrorClass<ResponseVerificationError, "ResponseVerificationError", {
    readonly _tag: Schema.tag<"ResponseVerificationError">;
} & {
    reason: Schema.Literal<["MissingHeader", "UnknownSerial", "InvalidTimestamp", "StaleTimestamp", "InvalidSignature"]>;
    message: typeof Schema.String;
    status: Schema.optionalWith<typeof Schema.Number, {
        exact: true;
    }>;
    serial: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    skewSeconds: Schema.optionalWith<typeof Schema.Number, {
        exact: true;
    }>;
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * A 2xx response that failed verification: it must be treated as forged. `reason` says why; `serial` names the
 * `Wechatpay-Serial` received; `skewSeconds` how far its timestamp was from our clock.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class ResponseVerificationError extends ResponseVerificationError_base {
    get category(): ErrorCategory;
}
declare const ResponseDecodeError_base: Schema.TaggedErrorClass<ResponseDecodeError, "ResponseDecodeError", {
    readonly _tag: Schema.tag<"ResponseDecodeError">;
} & {
    endpoint: typeof Schema.String;
    status: typeof Schema.Number;
    message: typeof Schema.String;
    requestId: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * A verified 2xx response whose body is not what the endpoint documents (not JSON, or the wrong shape).
 *
 * @since 0.1.0
 * @category errors
 */
export declare class ResponseDecodeError extends ResponseDecodeError_base {
    get category(): ErrorCategory;
}
/**
 * One problem in a request, with the path of the field (e.g. `["balance_information", "balance"]`).
 *
 * @since 0.1.0
 * @category models
 */
export declare const ValidationIssue: Schema.Struct<{
    path: Schema.Array$<Schema.Union<[typeof Schema.String, typeof Schema.Number]>>;
    message: typeof Schema.String;
}>;
declare const RequestValidationError_base: Schema.TaggedErrorClass<RequestValidationError, "RequestValidationError", {
    readonly _tag: Schema.tag<"RequestValidationError">;
} & {
    endpoint: typeof Schema.String;
    issues: Schema.Array$<Schema.Struct<{
        path: Schema.Array$<Schema.Union<[typeof Schema.String, typeof Schema.Number]>>;
        message: typeof Schema.String;
    }>>;
    message: typeof Schema.String;
}>;
/**
 * The request breaks a documented rule (required field, length, integer, character set). Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class RequestValidationError extends RequestValidationError_base {
    get category(): ErrorCategory;
    /** The field names (top level) that failed. */
    get fields(): ReadonlyArray<string>;
}
declare const SigningError_base: Schema.TaggedErrorClass<SigningError, "SigningError", {
    readonly _tag: Schema.tag<"SigningError">;
} & {
    message: typeof Schema.String;
}>;
/**
 * The signer failed (e.g. a remote KMS/HSM was unreachable). Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class SigningError extends SigningError_base {
    get category(): ErrorCategory;
}
declare const ConfigurationError_base: Schema.TaggedErrorClass<ConfigurationError, "ConfigurationError", {
    readonly _tag: Schema.tag<"ConfigurationError">;
} & {
    option: typeof Schema.String;
    message: typeof Schema.String;
}>;
/**
 * A layer could not be built: a malformed key, a certificate where a private key belongs, an empty key map, a
 * plain-http base URL. The message names what is wrong and never echoes key material.
 *
 * @since 0.1.0
 * @category errors
 */
export declare class ConfigurationError extends ConfigurationError_base {
}
/**
 * Every error a WeChat Pay API response can decode to.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiError = ParamError | InvalidRequest | SignError | NoAuth | NotFound | FrequencyLimited | SystemError | UnknownApiError;
/**
 * What a signed, verified round trip can fail with (before any response body decoding).
 *
 * @since 0.1.0
 * @category models
 */
export type CallError = ApiError | TransportError | ResponseVerificationError | SigningError;
/**
 * Any error of this library.
 *
 * @since 0.1.0
 * @category models
 */
export type WechatPayError = CallError | ResponseDecodeError | RequestValidationError;
/**
 * Build the tagged error for an error response. Unknown codes become `UnknownApiError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const fromResponse: (fields: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    readonly detail?: unknown;
    readonly requestId?: string | undefined;
}) => ApiError;
/**
 * The category of any error of this library.
 *
 * @since 0.1.0
 * @category utils
 */
export declare const categoryOf: (error: WechatPayError) => ErrorCategory;
export {};
//# sourceMappingURL=WechatPayError.d.ts.map