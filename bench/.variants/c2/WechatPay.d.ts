import type * as HttpClient from "@effect/platform/HttpClient";
import * as Config from "effect/Config";
import type * as ConfigError from "effect/ConfigError";
import type * as Duration from "effect/Duration";
import * as Layer from "effect/Layer";
import * as Redacted from "effect/Redacted";
import * as NodeTransport from "./NodeTransport.js";
import type { Transport } from "./Transport.js";
import * as WechatPayClient from "./WechatPayClient.js";
import type { ConfigurationError } from "./WechatPayError.js";
/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends WechatPayClient.Options {
    /** The merchant API private key (`apiclient_key.pem`), PKCS#8 or PKCS#1 PEM. */
    readonly merchantPrivateKey: Redacted.Redacted<string>;
    /** `PUB_KEY_ID_…` → WeChat Pay public key PEM, and/or platform certificate serial → certificate PEM. */
    readonly wechatpayPublicKeys: Readonly<Record<string, string>>;
    /** Default 5 minutes. */
    readonly maxClockSkew?: Duration.DurationInput | undefined;
}
/**
 * The client over the `Transport` you provide.
 *
 * @since 0.2.0
 * @category layers
 */
export declare const layerWith: (options: Options) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, Transport>;
/**
 * The client over an `@effect/platform` `HttpClient` (`FetchHttpClient.layer`, `NodeHttpClient.layerUndici`, …).
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layer: (options: Options) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, HttpClient.HttpClient>;
/**
 * The client over the built-in node:http(s) transport with keep-alive connections; needs nothing else.
 *
 * @since 0.2.0
 * @category layers
 */
export declare const layerNode: (options: Options & {
    readonly transport?: NodeTransport.Options | undefined;
}) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError>;
/**
 * The configuration read by `layerConfig()`, from these environment variables (a PEM value may be the PEM text
 * itself or a path to a file holding it):
 *
 * | variable | meaning |
 * |---|---|
 * | `WECHATPAY_MCHID` | 商户号 |
 * | `WECHATPAY_MERCHANT_SERIAL_NUMBER` | merchant API certificate serial |
 * | `WECHATPAY_MERCHANT_PRIVATE_KEY` | merchant API private key PEM or path (secret) |
 * | `WECHATPAY_PUBLIC_KEY_ID` + `WECHATPAY_PUBLIC_KEY` | WeChat Pay public-key id and its PEM or path |
 * | `WECHATPAY_PLATFORM_CERTIFICATES` | optional, comma-separated platform certificate PEM paths |
 * | `WECHATPAY_BASE_URL`, `WECHATPAY_USER_AGENT` | optional |
 *
 * @since 0.1.0
 * @category config
 */
export declare const config: Config.Config<Options>;
/**
 * `layer`, configured from `Config` (by default `config`, i.e. the environment).
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layerConfig: (options?: Config.Config<Options>) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError | ConfigError.ConfigError, HttpClient.HttpClient>;
/**
 * `layerNode`, configured from `Config` (by default `config`, i.e. the environment).
 *
 * @since 0.2.0
 * @category layers
 */
export declare const layerNodeConfig: (options?: Config.Config<Options>) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError | ConfigError.ConfigError>;
//# sourceMappingURL=WechatPay.d.ts.map