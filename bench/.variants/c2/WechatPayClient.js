/**
 * The signed and verified APIv3 client that endpoints are declared on:
 * base URL → sign the exact bytes → send (over a `Transport`) → verify every 2xx → return the raw verified body, or
 * fail typed; idempotent calls are repeated per `RetryPolicy`, each attempt signed afresh over the same bytes.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Schedule from "effect/Schedule";
import * as Protocol from "./internal/protocol.js";
import { RetryPolicy } from "./RetryPolicy.js";
import { Signer } from "./Signer.js";
import { Transport } from "./Transport.js";
import { Verifier } from "./Verifier.js";
import { ConfigurationError, fromResponse } from "./WechatPayError.js";
/**
 * @since 0.1.0
 * @category tags
 */
export class WechatPayClient extends Context.Tag("effect-wechatpay/WechatPayClient")() {
}
/**
 * The production host.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.mch.weixin.qq.com";
/**
 * The backup host in WeChat's other region.
 *
 * @since 0.1.0
 * @category constants
 */
export const backupBaseUrl = "https://api2.mch.weixin.qq.com";
/**
 * @since 0.1.0
 * @category constants
 */
export const defaultUserAgent = `effect-wechatpay/0.1.0 (${typeof process !== "undefined" && process.versions?.node ? `node/${process.versions.node}` : "js"})`;
const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);
const checkBaseUrl = (option, value) => {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        return Effect.fail(new ConfigurationError({ option, message: `"${value}" is not an absolute URL.` }));
    }
    if (url.search !== "" || url.hash !== "") {
        return Effect.fail(new ConfigurationError({ option, message: `"${value}" must not carry a query or a fragment.` }));
    }
    if (url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname))) {
        return Effect.succeed({ origin: url.origin, prefix: url.pathname.replace(/\/+$/, "") });
    }
    return Effect.fail(new ConfigurationError({
        option,
        message: `"${value}" must use https (plain http is allowed only for 127.0.0.1, localhost and [::1]).`
    }));
};
const checkId = (option, value, pattern) => pattern.test(value)
    ? Effect.void
    : Effect.fail(new ConfigurationError({ option, message: `"${value}" is not a valid ${option}.` }));
const encoder = new TextEncoder();
const parseErrorBody = (text) => {
    if (text.length === 0)
        return undefined;
    try {
        const parsed = JSON.parse(text);
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
    }
    catch {
        return undefined;
    }
};
/** A non-2xx response as its typed error, `Request-ID` included. */
const apiError = (response) => {
    const { status, body } = response;
    const parsed = parseErrorBody(body);
    const code = typeof parsed?.code === "string" && parsed.code !== "" ? parsed.code : `HTTP_${status}`;
    const message = typeof parsed?.message === "string"
        ? parsed.message
        : body.length === 0
            ? `HTTP ${status} without a body`
            : `HTTP ${status}: ${body.slice(0, 200)}`;
    return fromResponse({ status, code, message, detail: parsed?.detail, requestId: response.headers["request-id"] });
};
/**
 * Build the client from a `Transport`, a `Signer` and a `Verifier`.
 *
 * Per attempt the work is: one clock read, one signature, one transport round trip, one verification. Everything
 * that does not change between calls (base URL, fixed headers, limits) is settled here, once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function* (options) {
    const primary = yield* checkBaseUrl("baseUrl", options.baseUrl ?? defaultBaseUrl);
    const backup = options.backupBaseUrl === undefined
        ? undefined
        : yield* checkBaseUrl("backupBaseUrl", options.backupBaseUrl);
    yield* checkId("mchid", options.mchid, /^[0-9]{1,32}$/);
    yield* checkId("merchantSerialNumber", options.merchantSerialNumber, /^[0-9A-Fa-f]{1,64}$/);
    const transport = yield* Transport;
    const signer = yield* Signer;
    const verifier = yield* Verifier;
    const limits = {
        timeoutMillis: Math.max(1, Math.round(Duration.toMillis(Duration.decode(options.timeout ?? Duration.seconds(10))))),
        maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024
    };
    const mchid = options.mchid;
    const serial = options.merchantSerialNumber;
    const fixedHeaders = {
        accept: "application/json",
        "user-agent": options.userAgent ?? defaultUserAgent
    };
    if (verifier.serial !== undefined)
        fixedHeaders["wechatpay-serial"] = verifier.serial;
    const jsonHeaders = { ...fixedHeaders, "content-type": "application/json" };
    const verified = (response) => {
        const { status, headers, body } = response;
        const requestId = headers["request-id"];
        if (status < 200 || status >= 300)
            return Effect.fail(apiError(response));
        return Effect.as(verifier.verify({ headers, body, requestId, status }), { status, headers, body, requestId });
    };
    const attempt = (request, base, bodyBytes) => Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const target = base.prefix + request.path;
        const timestamp = Protocol.unixSeconds(now);
        const nonce = Protocol.nonce();
        return Effect.flatMap(signer.sign(Protocol.requestMessage(request.method, target, timestamp, nonce, request.body ?? "")), (signature) => {
            const headers = { ...(bodyBytes === undefined ? fixedHeaders : jsonHeaders) };
            headers["authorization"] = Protocol.authorization({ mchid, nonce, timestamp, serial, signature });
            if (bodyBytes !== undefined)
                headers["content-length"] = String(bodyBytes.byteLength);
            return Effect.flatMap(transport.send({ method: request.method, origin: base.origin, target, headers, body: bodyBytes }, limits), verified);
        });
    });
    const execute = (request) => Effect.flatMap(RetryPolicy, (policy) => {
        // Encoded once: every attempt sends (and signs) the very same bytes.
        const bodyBytes = request.body === undefined ? undefined : encoder.encode(request.body);
        const first = attempt(request, primary, bodyBytes);
        if (!request.idempotent)
            return first;
        // The success path pays for one `catchAll`; the schedule is started only once an attempt has failed.
        let base = primary;
        let attempts = 1;
        const onFailure = (driver) => (error) => {
            if (!policy.isRetryable(error))
                return Effect.fail(error);
            if (backup !== undefined && error._tag === "TransportError")
                base = backup;
            return Effect.logDebug("effect-wechatpay: attempt failed").pipe(Effect.annotateLogs({
                endpoint: request.endpoint,
                attempt: attempts,
                error: error._tag,
                requestId: "requestId" in error ? error.requestId ?? "" : ""
            }), Effect.zipRight(Effect.catchAll(driver.next(error), () => Effect.fail(error))), Effect.zipRight(Effect.suspend(() => {
                attempts++;
                return Effect.catchAll(attempt(request, base, bodyBytes), onFailure(driver));
            })));
        };
        return Effect.catchAll(first, (error) => policy.isRetryable(error)
            ? Effect.flatMap(Schedule.driver(policy.schedule), (driver) => onFailure(driver)(error))
            : Effect.fail(error));
    });
    return WechatPayClient.of({ mchid, execute });
});
/**
 * The client as a layer; requires a `Transport`, a `Signer` and a `Verifier`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options) => Layer.effect(WechatPayClient, make(options));
//# sourceMappingURL=WechatPayClient.js.map