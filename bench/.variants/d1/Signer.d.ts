/**
 * The request signer: `sign(message)` → Base64 RSASSA-PKCS1-v1_5/SHA-256 signature.
 *
 * The default layer holds the merchant API private key in memory, parsed once. A KMS/HSM user provides their own
 * layer for the same Tag: everything else (sign string, header, retries) stays the same.
 *
 * @since 0.1.0
 */
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
 * An in-memory RSA signer on WebCrypto (Node ≥ 20, Deno, Bun, workers). Accepts a PKCS#8 (`BEGIN PRIVATE KEY`) or
 * PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM and imports it once, as a non-extractable key. Fails with
 * `ConfigurationError` (never echoing the key) when the PEM is not an RSA private key.
 *
 * WebCrypto signs off the main thread: on the 2-core reference machine, 16 concurrent signatures run at
 * ~5,300/s against ~2,800/s for synchronous node:crypto, for the same CPU per signature (see bench/README.md).
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