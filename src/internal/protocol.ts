/**
 * The APIv3 wire format: sign strings, the Authorization header, nonces. Pure functions, shared by the client and
 * the emulator so that both sides agree by construction — and both are pinned by the golden vectors in
 * test/vectors.
 */

/** The authorization scheme of merchant APIv3 requests. */
export const scheme = "WECHATPAY2-SHA256-RSA2048"

/**
 * The authorization scheme of a brand's requests (品牌API, `/brand/…`): the same five-line message and the same
 * SHA256withRSA signature, with `brand_id` where a merchant names its `mchid` (official WeChat Pay brand signing rules,
 * wechatpay-apiv3/wechatpay-skills `签名与验签规则.md` and its Go `wxpay_brand_utility.go`). Responses name it in
 * `Wechatpay-Signature-Type`.
 */
export const brandScheme = "WECHATPAY-BRAND-SHA256-RSA2048"

/** Probe signatures start with this; they must fail verification like any bad signature. */
export const probePrefix = "WECHATPAY/SIGNTEST/"

/** `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n` — every line, the last included, ends in `\n`. */
export const requestMessage = (
  method: string,
  pathAndQuery: string,
  timestamp: string,
  nonce: string,
  body: string
): string => `${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${body}\n`

/** `TIMESTAMP\nNONCE\nBODY\n`, over the raw body exactly as received (empty body ⇒ `ts\nnonce\n\n`). */
export const responseMessage = (timestamp: string, nonce: string, body: string): string =>
  `${timestamp}\n${nonce}\n${body}\n`

/** The Authorization header value, in the parameter order of the official Go/Java SDKs. */
export const authorization = (params: {
  readonly scheme?: string
  readonly mchid: string
  readonly nonce: string
  readonly timestamp: string
  readonly serial: string
  readonly signature: string
}): string => authorizationFormat(params.scheme ?? scheme, "mchid", params.mchid, params.serial)(
  params.nonce,
  params.timestamp,
  params.signature
)

/**
 * The Authorization header of one signer, its fixed parts joined once: `<scheme> <identity>="<id>",nonce_str="…",
 * timestamp="…",serial_no="<serial>",signature="…"` — the order of the official Go utilities (merchant and brand alike;
 * WeChat reads the pairs in any order).
 */
export const authorizationFormat = (
  authScheme: string,
  identity: "mchid" | "brand_id",
  id: string,
  serial: string
): (nonce: string, timestamp: string, signature: string) => string => {
  const head = `${authScheme} ${identity}="${id}",nonce_str="`
  const tail = `",serial_no="${serial}",signature="`
  return (nonce, timestamp, signature) => `${head}${nonce}",timestamp="${timestamp}${tail}${signature}"`
}

/** Parse an Authorization header into its scheme and `key="value"` parameters (order-insensitive). */
export const parseAuthorization = (
  header: string
): { readonly scheme: string; readonly params: Readonly<Record<string, string>> } | undefined => {
  const space = header.indexOf(" ")
  if (space <= 0) return undefined
  const params: Record<string, string> = {}
  const re = /([a-z_]+)="([^"]*)"(?:,|$)/gy
  const rest = header.slice(space + 1)
  re.lastIndex = 0
  let consumed = 0
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    params[m[1]!] = m[2]!
    consumed = re.lastIndex
  }
  if (consumed !== rest.length) return undefined
  return { scheme: header.slice(0, space), params }
}

const alphabet = Array.from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", (c) => c.charCodeAt(0))
const pool = new Uint8Array(1024)
let poolOffset = pool.length
/** The nonce's character codes, reused: one string is made per nonce, not one per character. */
const codes: Array<number> = Array.from({ length: 32 }, () => 0)

/**
 * 32 characters from `[0-9A-Za-z]`, from a cryptographic source (WebCrypto `getRandomValues`, available on Node,
 * Deno, Bun, browsers and workers). Random bytes are drawn in batches; bytes ≥ 248 are rejected so every character
 * is equally likely.
 */
export const nonce = (): string => {
  for (let i = 0; i < 32;) {
    if (poolOffset >= pool.length) {
      globalThis.crypto.getRandomValues(pool)
      poolOffset = 0
    }
    const byte = pool[poolOffset++]!
    if (byte < 248) codes[i++] = alphabet[byte % 62]!
  }
  return String.fromCharCode.apply(null, codes)
}

/** Unix seconds, as WeChat wants them (never milliseconds). */
export const unixSeconds = (millis: number): string => Math.floor(millis / 1000).toString()

/** Strict standard Base64 (with padding), as WeChat signatures are. */
export const isBase64 = (s: string): boolean => s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s)
