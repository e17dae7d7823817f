import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { ConfigurationError, ResponseVerificationError } from "./WechatPayError.js";
/**
 * The signed parts of a response or notification. Header names are lower case (as `@effect/platform` `Headers`
 * are); `body` is the raw body exactly as received.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignedMessage {
    readonly headers: {
        readonly [name: string]: string | undefined;
    };
    readonly body: string;
    /** Copied into the error, for support. */
    readonly requestId?: string | undefined;
    readonly status?: number | undefined;
}
/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
    /**
     * The WeChat Pay public-key id (`PUB_KEY_ID_…`) to send as `Wechatpay-Serial` on requests, so that WeChat signs
     * the response with that key; `undefined` when only platform certificates are configured.
     */
    readonly serial: string | undefined;
    /** Fail with `ResponseVerificationError` unless the message is fresh and correctly signed by a known key. */
    readonly verify: (message: SignedMessage) => Effect.Effect<void, ResponseVerificationError>;
}
declare const Verifier_base: Context.TagClass<Verifier, "effect-wechatpay/Verifier", Service>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class Verifier extends Verifier_base {
}
/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
    /**
     * Key id → PEM. A key id is a WeChat Pay public-key id (`PUB_KEY_ID_…`, value: the PEM public key) or a platform
     * certificate serial (value: the PEM certificate, or its public key).
     */
    readonly publicKeys: Readonly<Record<string, string>>;
    /** Largest accepted distance between `Wechatpay-Timestamp` and our clock. Default 5 minutes (300 s accepted). */
    readonly maxClockSkew?: Duration.DurationInput | undefined;
}
/**
 * Build a verifier. Keys are parsed here, once. Fails with `ConfigurationError` on an empty map, an unreadable PEM,
 * a private key where a public one belongs, or a certificate whose serial is not the one it is filed under.
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const make: (options: Options) => Effect.Effect<Service, ConfigurationError>;
/**
 * @since 0.1.0
 * @category layers
 */
export declare const layer: (options: Options) => Layer.Layer<Verifier, ConfigurationError>;
export {};
//# sourceMappingURL=Verifier.d.ts.map