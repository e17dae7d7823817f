/**
 * The WeChat side of the APIv3 protocol, written apart from the client's `src/internal/protocol.ts` on purpose:
 * if both sides shared one sign-string function, a bug in it would pass every emulator test. Here the signed
 * messages are assembled as bytes, the Authorization header is taken apart pair by pair, and nonces come from
 * node:crypto. Keep it that way: nothing under src/testing imports the client's protocol module.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import type { EmulatorRequest, EmulatorResult } from "./model.js"

/** The only scheme WeChat accepts on merchant APIv3 requests (and names in `Wechatpay-Signature-Type`). */
export const scheme = "WECHATPAY2-SHA256-RSA2048"

/**
 * The scheme of the brand APIs (`/brand/…`): the same message and algorithm as APIv3, the brand named by `brand_id`,
 * signed with the brand API certificate (WS 品牌 签名与验签规则; MD 4015597833). WeChat names it in
 * `Wechatpay-Signature-Type` of the brand's answers (ON-B 4015407582).
 */
export const brandScheme = "WECHATPAY-BRAND-SHA256-RSA2048"

/** WeChat marks its deliberately wrong probe signatures with this prefix. */
export const probePrefix = "WECHATPAY/SIGNTEST/"

/** A failure WeChat reports as `{ code, message, detail? }`, unsigned. */
export class ApiFailure {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly detail?: unknown
  ) {}
}

/** Hex from node:crypto; WeChat's own nonces and request ids look like this. */
export const randomHex = (bytes: number): string => crypto.randomBytes(bytes).toString("hex")

/** A response nonce: 32 lower-case hex characters, as WeChat sends (`Wechatpay-Nonce`). */
export const nonce = (): string => randomHex(16)

const LF = 0x0a

/** Each part as UTF-8 bytes followed by one LF byte, the last part included. */
const lines = (parts: ReadonlyArray<string | Uint8Array>): Buffer => {
  const chunks: Array<Uint8Array> = []
  for (const part of parts) {
    chunks.push(typeof part === "string" ? Buffer.from(part, "utf8") : part, Uint8Array.of(LF))
  }
  return Buffer.concat(chunks)
}

/** What WeChat reconstructs and verifies for a request: method, target, timestamp, nonce, body — five LF-ended lines. */
export const requestSignedBytes = (
  method: string,
  target: string,
  timestamp: string,
  nonceStr: string,
  body: Uint8Array
): Buffer => lines([method, target, timestamp, nonceStr, body])

/** What WeChat signs for a response: timestamp, nonce, body — three LF-ended lines over the body bytes sent. */
export const responseSignedBytes = (timestamp: string, nonceStr: string, body: Uint8Array): Buffer =>
  lines([timestamp, nonceStr, body])

/** `RSASSA-PKCS1-v1_5` / SHA-256, standard Base64. */
export const signBytes = (message: Uint8Array, key: crypto.KeyObject): string =>
  crypto.sign("sha256", message, key).toString("base64")

/**
 * The Authorization header as WeChat reads it: the scheme, exactly one space, then `key="value"` pairs joined by
 * bare commas (no spaces), in any order. `undefined` when it is not of that form.
 */
export const parseAuthorization = (
  header: string
): { readonly scheme: string; readonly params: ReadonlyMap<string, string> } | undefined => {
  const space = header.indexOf(" ")
  if (space < 1) return undefined
  const params = new Map<string, string>()
  for (const pair of header.substring(space + 1).split(",")) {
    const equals = pair.indexOf("=")
    if (equals < 1) return undefined
    const key = pair.substring(0, equals)
    const quoted = pair.substring(equals + 1)
    if (!/^[a-z_]+$/.test(key) || quoted.length < 2 || !quoted.startsWith("\"") || !quoted.endsWith("\"")) {
      return undefined
    }
    const value = quoted.substring(1, quoted.length - 1)
    if (value.includes("\"")) return undefined
    params.set(key, value)
  }
  return { scheme: header.substring(0, space), params }
}

/** Canonical standard Base64 (padding included): decoding and re-encoding gives the same text. */
const isCanonicalBase64 = (text: string): boolean =>
  text.length > 0 && Buffer.from(text, "base64").toString("base64") === text

/** Who WeChat expects on the other end. */
export interface Merchant {
  readonly mchid: string
  readonly serialNumber: string
  readonly publicKey: crypto.KeyObject
}

/**
 * Check a request's Authorization as WeChat does, in WeChat's order (form, scheme, mchid, serial, clock, signature):
 * the merchant it names (`merchants(mchid)`, `undefined` for one WeChat does not know), when the request is its
 * authentic request. `now` is Unix seconds. `body` is what the merchant signs: the body bytes as received (the `meta`
 * part of an upload).
 */
export const authenticate = <M extends Merchant>(
  request: EmulatorRequest,
  merchants: (mchid: string) => M | undefined,
  now: number,
  body: Uint8Array = request.bytes ?? Buffer.from(request.body, "utf8")
): M | ApiFailure => {
  const header = request.headers["authorization"]
  const parsed = header === undefined ? undefined : parseAuthorization(header)
  const mchid = parsed?.params.get("mchid")
  const nonceStr = parsed?.params.get("nonce_str")
  const timestamp = parsed?.params.get("timestamp")
  const serial = parsed?.params.get("serial_no")
  const signature = parsed?.params.get("signature")
  if (parsed === undefined || !mchid || !nonceStr || !timestamp || !serial || !signature) {
    return new ApiFailure(401, "SIGN_ERROR", "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》")
  }
  if (parsed.scheme !== scheme) return new ApiFailure(401, "SIGN_ERROR", "HTTP头Authorization认证类型不正确")
  const merchant = merchants(mchid)
  // An mchid without a merchant certificate: WeChat answers as for any mchid/serial pair it cannot match.
  if (merchant === undefined) return new ApiFailure(401, "SIGN_ERROR", "商户号有误")
  if (serial.toUpperCase() !== merchant.serialNumber.toUpperCase()) {
    return new ApiFailure(401, "SIGN_ERROR", "商户证书序列号有误。请使用签名私钥匹配的证书序列号")
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > 300) {
    return new ApiFailure(401, "SIGN_ERROR", "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟")
  }
  return verified(request, timestamp, nonceStr, signature, body, merchant.publicKey)
    ? merchant
    : signatureFailure(request, timestamp, nonceStr, body)
}

/** Whether `signature` is a canonical Base64 SHA256withRSA signature of the request's five lines under `key`. */
const verified = (
  request: EmulatorRequest,
  timestamp: string,
  nonceStr: string,
  signature: string,
  body: Uint8Array,
  key: crypto.KeyObject
): boolean =>
  isCanonicalBase64(signature) &&
  crypto.verify(
    "sha256",
    requestSignedBytes(request.method, request.target, timestamp, nonceStr, body),
    key,
    Buffer.from(signature, "base64")
  )

/** WeChat's answer to a signature that does not verify: it echoes what it reconstructed, the best clue to what the signer signed differently. */
const signatureFailure = (request: EmulatorRequest, timestamp: string, nonceStr: string, body: Uint8Array): ApiFailure => {
  const message = requestSignedBytes(request.method, request.target, timestamp, nonceStr, body)
  return new ApiFailure(401, "SIGN_ERROR", "错误的签名，验签失败", {
    detail: { issue: "sign not match" },
    field: "signature",
    location: "authorization",
    sign_information: {
      method: request.method,
      url: request.target,
      sign_message_length: message.byteLength,
      truncated_sign_message: message.subarray(0, 256).toString("utf8"),
      truncated_sign_message_hex: message.subarray(0, 128).toString("hex")
    }
  })
}

/** Who WeChat expects on the other end of a brand API call. */
export interface Brand {
  readonly brand_id: string
  readonly serialNumber: string
  readonly publicKey: crypto.KeyObject
}

/**
 * Check a brand API request's Authorization as WeChat does, in the merchant check's order (form, scheme, identity,
 * serial, clock, signature): the brand it names (`brands(brand_id)`), when the request is its authentic request.
 * Every refusal is `401 SIGN_ERROR`, the answer WS 医保 签名与验签规则 §八 lists for the usual mistakes: the merchant
 * scheme `WECHATPAY2-…`, `mchid` in place of `brand_id`, a serial that is not the brand API certificate's. The other
 * messages are the emulator's, worded as the merchant check's.
 */
export const authenticateBrand = <B extends Brand>(
  request: EmulatorRequest,
  brands: (brand_id: string) => B | undefined,
  now: number,
  body: Uint8Array = request.bytes ?? Buffer.from(request.body, "utf8")
): B | ApiFailure => {
  const header = request.headers["authorization"]
  const parsed = header === undefined ? undefined : parseAuthorization(header)
  const nonceStr = parsed?.params.get("nonce_str")
  const timestamp = parsed?.params.get("timestamp")
  const serial = parsed?.params.get("serial_no")
  const signature = parsed?.params.get("signature")
  if (parsed === undefined || !nonceStr || !timestamp || !serial || !signature) {
    return new ApiFailure(401, "SIGN_ERROR", "Http头Authorization值格式错误，请参考《品牌API签名规则》")
  }
  if (parsed.scheme !== brandScheme) {
    return new ApiFailure(401, "SIGN_ERROR", `HTTP头Authorization认证类型不正确，品牌API须使用${brandScheme}`)
  }
  const brand_id = parsed.params.get("brand_id")
  if (!brand_id) {
    return new ApiFailure(
      401,
      "SIGN_ERROR",
      parsed.params.has("mchid")
        ? "Http头Authorization中须为brand_id，品牌API不接受mchid"
        : "Http头Authorization值格式错误，缺少brand_id"
    )
  }
  const brand = brands(brand_id)
  if (brand === undefined) return new ApiFailure(401, "SIGN_ERROR", "品牌ID有误")
  if (serial.toUpperCase() !== brand.serialNumber.toUpperCase()) {
    return new ApiFailure(401, "SIGN_ERROR", "品牌API证书序列号有误。请使用签名私钥匹配的品牌API证书序列号")
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > 300) {
    return new ApiFailure(401, "SIGN_ERROR", "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟")
  }
  return verified(request, timestamp, nonceStr, signature, body, brand.publicKey)
    ? brand
    : signatureFailure(request, timestamp, nonceStr, body)
}

/**
 * A field the merchant encrypted with a platform public key (RSA-OAEP, SHA-1 and MGF1-SHA-1, standard Base64),
 * decrypted with the matching private key; WeChat's PARAM_ERROR when it was not made with that key.
 */
export const decryptField = (ciphertextBase64: string, key: crypto.KeyObject): string | ApiFailure => {
  const failure = new ApiFailure(400, "PARAM_ERROR", "敏感信息解密失败，请检查加密所用的公钥与Http头Wechatpay-Serial是否一致")
  if (!isCanonicalBase64(ciphertextBase64)) return failure
  try {
    const plain = crypto.privateDecrypt(
      { key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      Buffer.from(ciphertextBase64, "base64")
    )
    return new TextDecoder("utf-8", { fatal: true }).decode(plain)
  } catch {
    return failure
  }
}

/**
 * A field WeChat encrypts for the caller (a member's phone number in an answer): RSA-OAEP, SHA-1 and MGF1-SHA-1, to
 * the caller's API certificate public key, standard Base64 — the caller decrypts it with its private key.
 */
export const encryptField = (plain: string, key: crypto.KeyObject): string =>
  crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from(plain, "utf8"))
    .toString("base64")

/** An error as WeChat answers it: JSON `{ code, message, detail? }`, a `Request-ID`, no signature. */
export const errorResult = (failure: ApiFailure): EmulatorResult => ({
  _tag: "Respond",
  status: failure.status,
  headers: { "content-type": "application/json", "request-id": randomHex(16) },
  body: JSON.stringify({
    code: failure.code,
    message: failure.message,
    ...(failure.detail !== undefined ? { detail: failure.detail } : {})
  })
})
