import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { Signer } from "./Signer.js";
import { Transport } from "./Transport.js";
import { Verifier } from "./Verifier.js";
import { type CallError, ConfigurationError } from "./WechatPayError.js";
/**
 * @since 0.1.0
 * @category models
 */
export type Method = import("./Transport.js").Method;
/**
 * One APIv3 call, already encoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiRequest {
    /** Name used in spans, logs and errors, e.g. `MemberCard.GetUserCard`. */
    readonly endpoint: string;
    readonly method: Method;
    /** Percent-encoded path, with `?query` if any, e.g. `/v3/marketing/membercard-open/cards/abc/codes/123`. */
    readonly path: string;
    /** The JSON text to send; signed and sent byte for byte. */
    readonly body?: string | undefined;
    /**
     * Whether sending the same bytes again is safe (a GET, or a write carrying an idempotency key). Only such calls
     * are ever retried.
     */
    readonly idempotent: boolean;
}
/**
 * A verified 2xx response.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiResponse {
    readonly status: number;
    /** Lower-case names. */
    readonly headers: Readonly<Record<string, string>>;
    /** The raw body, exactly the bytes that were verified (decoded as UTF-8). */
    readonly body: string;
    readonly requestId: string | undefined;
}
/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
    readonly mchid: string;
    readonly execute: (request: ApiRequest) => Effect.Effect<ApiResponse, CallError>;
}
declare const WechatPayClient_base: Context.TagClass<WechatPayClient, "effect-wechatpay/WechatPayClient", Service>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class WechatPayClient extends WechatPayClient_base {
}
/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
    /** 商户号. */
    readonly mchid: string;
    /** Serial number of the merchant API certificate (`serial_no` in the Authorization header). */
    readonly merchantSerialNumber: string;
    /** Default `https://api.mch.weixin.qq.com`. Plain http is accepted for loopback addresses only (tests). */
    readonly baseUrl?: string | undefined;
    /**
     * Opt-in failover: after a transport failure, the remaining attempts of an idempotent call go to this host,
     * e.g. `https://api2.mch.weixin.qq.com` (WeChat's backup region).
     */
    readonly backupBaseUrl?: string | undefined;
    readonly userAgent?: string | undefined;
    /** Per attempt, from sending until the last byte of the response. Default 10 s. */
    readonly timeout?: Duration.DurationInput | undefined;
    /** Larger response bodies are refused (`TransportError`, reason `ResponseBody`). Default 1 MiB. */
    readonly maxResponseBytes?: number | undefined;
}
/**
 * The production host.
 *
 * @since 0.1.0
 * @category constants
 */
export declare const defaultBaseUrl = "https://api.mch.weixin.qq.com";
/**
 * The backup host in WeChat's other region.
 *
 * @since 0.1.0
 * @category constants
 */
export declare const backupBaseUrl = "https://api2.mch.weixin.qq.com";
/**
 * @since 0.1.0
 * @category constants
 */
export declare const defaultUserAgent: string;
/**
 * Build the client from a `Transport`, a `Signer` and a `Verifier`.
 *
 * Per attempt the work is: one clock read, one signature, one transport round trip, one verification. Everything
 * that does not change between calls (base URL, fixed headers, limits) is settled here, once.
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const make: (options: Options) => Effect.Effect<Service, ConfigurationError, Signer | Transport | Verifier>;
/**
 * The client as a layer; requires a `Transport`, a `Signer` and a `Verifier`.
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layer: (options: Options) => Layer.Layer<WechatPayClient, ConfigurationError, Transport | Signer | Verifier>;
export {};
//# sourceMappingURL=WechatPayClient.d.ts.map