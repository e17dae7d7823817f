/**
 * The APIv3 wire format: sign strings, the Authorization header, nonces. Pure functions, shared by the client and
 * the emulator so that both sides agree by construction — and both are pinned by the golden vectors in
 * test/vectors.
 */
/** The authorization scheme of merchant APIv3 requests. */
export declare const scheme = "WECHATPAY2-SHA256-RSA2048";
/** Probe signatures start with this; they must fail verification like any bad signature. */
export declare const probePrefix = "WECHATPAY/SIGNTEST/";
/** `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n` — every line, the last included, ends in `\n`. */
export declare const requestMessage: (method: string, pathAndQuery: string, timestamp: string, nonce: string, body: string) => string;
/** `TIMESTAMP\nNONCE\nBODY\n`, over the raw body exactly as received (empty body ⇒ `ts\nnonce\n\n`). */
export declare const responseMessage: (timestamp: string, nonce: string, body: string) => string;
/** The Authorization header value, in the parameter order of the official Go/Java SDKs. */
export declare const authorization: (params: {
    readonly scheme?: string;
    readonly mchid: string;
    readonly nonce: string;
    readonly timestamp: string;
    readonly serial: string;
    readonly signature: string;
}) => string;
/** Parse an Authorization header into its scheme and `key="value"` parameters (order-insensitive). */
export declare const parseAuthorization: (header: string) => {
    readonly scheme: string;
    readonly params: Readonly<Record<string, string>>;
} | undefined;
/**
 * 32 characters from `[0-9A-Za-z]`, from a cryptographic source (WebCrypto `getRandomValues`, available on Node,
 * Deno, Bun, browsers and workers). Random bytes are drawn in batches; bytes ≥ 248 are rejected so every character
 * is equally likely.
 */
export declare const nonce: () => string;
/** Unix seconds, as WeChat wants them (never milliseconds). */
export declare const unixSeconds: (millis: number) => string;
/** Strict standard Base64 (with padding), as WeChat signatures are. */
export declare const isBase64: (s: string) => boolean;
//# sourceMappingURL=protocol.d.ts.map