import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Redacted from "effect/Redacted";
import { ConfigurationError, SigningError } from "./WechatPayError.js";
/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
    /** Sign the UTF-8 bytes of `message`; return the standard Base64 signature. */
    readonly sign: (message: string) => Effect.Effect<string, SigningError>;
}
declare const Signer_base: Context.TagClass<Signer, "effect-wechatpay/Signer", Service>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class Signer extends Signer_base {
}
/**
 * An in-memory RSA signer. Accepts a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM and parses
 * it once into a `KeyObject`. Fails with `ConfigurationError` (never echoing the key) when the PEM is not an RSA
 * private key.
 *
 * Each signature is computed by node:crypto's asynchronous `sign`, on libuv's thread pool: concurrent calls sign
 * on every core, and the JS thread spends ~15 µs per signature instead of ~350 µs (see bench/README.md).
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const makeRsa: (options: {
    readonly privateKey: Redacted.Redacted<string>;
}) => Effect.Effect<Service, ConfigurationError>;
/**
 * Layer of the in-memory RSA signer.
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layerRsa: (options: {
    readonly privateKey: Redacted.Redacted<string>;
}) => Layer.Layer<Signer, ConfigurationError>;
export {};
//# sourceMappingURL=Signer.d.ts.map