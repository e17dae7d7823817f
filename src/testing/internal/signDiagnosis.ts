/**
 * Why WeChat refuses a request's signature, found rather than guessed. The verdict is WeChat's own check
 * (`authenticate` / `authenticateBrand`), and its failure message says which check failed; this module only explains
 * that check. For a signature that is well-formed but does not verify, it searches what the caller signed instead — the
 * same five lines with another body (re-serialised JSON, a newline, the whole multipart body …), another target
 * (decoded, re-encoded, reordered, the full URL …), another method, or another caller's key — and reports the first
 * that verifies, as the line signed against the line sent. Every candidate is one RSA verification with a public key;
 * the search is bounded, and nothing here ever holds or prints a private key.
 *
 * Like `wechatSide.ts`, this is the WeChat side: it does not import the client's protocol module.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import type { Cause, Diagnosis } from "../console/api.js"
import type { Brand, Merchant } from "./wechatSide.js"
import {
  ApiFailure,
  authenticate,
  authenticateBrand,
  brandScheme,
  parseAuthorization,
  requestSignedBytes,
  scheme as merchantScheme
} from "./wechatSide.js"

/**
 * A request as the emulator received it.
 *
 * @since 1.4.0
 * @category models
 */
export interface Received {
  readonly method: string
  /** Path and query exactly as received. */
  readonly target: string
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The bytes the caller must sign: the body as received, or an upload's `meta` part. */
  readonly signedBody: Uint8Array
  /** The whole body as received (differs from signedBody for an upload). */
  readonly body: Uint8Array
  /** When it was received: Unix seconds, the emulator's clock. */
  readonly receivedAt: number
}

/**
 * A caller the emulator knows, with the public key of its API certificate.
 *
 * @since 1.4.0
 * @category models
 */
export interface Caller {
  readonly kind: "merchant" | "brand"
  /** mchid or brand_id */
  readonly id: string
  readonly serialNumber: string
  readonly publicKey: crypto.KeyObject
}

/**
 * The callers the emulator serves, as the diagnosis looks them up.
 *
 * @since 1.4.0
 * @category models
 */
export interface Callers {
  readonly merchant: (mchid: string) => Caller | undefined
  readonly brand: (brand_id: string) => Caller | undefined
  /** Every caller (merchants and brands), to find whose key made a signature. */
  readonly all: () => ReadonlyArray<Caller>
}

/** WeChat's clock tolerance, seconds either way. */
const windowSeconds = 300
/** Above this the signed body is checked only as sent: no variants are built from it. */
const maxVariantBody = 1024 * 1024
/** The most RSA verifications one diagnosis makes (variants, then other callers' keys). */
const maxVerifications = 140
/** Other callers whose keys are tried on the exact sign string. */
const maxOtherCallers = 40
/** `signed` / `sent` show at most this many bytes of a body. */
const shownBodyBytes = 2048
/** The sign string's text shows at most this many bytes of the body line (`bytes` gives the full size). */
const textBodyBytes = 64 * 1024
const hexBytes = 4096
const host = "https://api.mch.weixin.qq.com"
const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const
const bom = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * The signature check of one request, explained: the sign string the emulator rebuilt, WeChat's verdict (by WeChat's
 * checks, in WeChat's order), and for a refusal the exact difference found between what was signed and what was sent.
 * Never throws.
 *
 * @since 1.4.0
 * @category diagnosis
 */
export const diagnose = (received: Received, callers: Callers): Diagnosis => {
  const scheme = typeof received.target === "string" && received.target.startsWith("/brand/") ? "brand" : "merchant"
  try {
    return diagnosis(received, callers, scheme)
  } catch {
    return {
      scheme,
      verdict: { ok: false, summary: "The emulator could not diagnose this request" },
      cause: {
        kind: "unknown",
        title: "The diagnosis failed",
        detail: "The emulator failed while explaining this request's signature; its answer to the request stands."
      }
    }
  }
}

type Scheme = "merchant" | "brand"

/** What every step of the explanation reads. */
interface Checked {
  readonly received: Received
  readonly callers: Callers
  readonly scheme: Scheme
  readonly header: string | undefined
  readonly parsed: ReturnType<typeof parseAuthorization>
  readonly params: ReadonlyMap<string, string>
  /** The five lines rebuilt, when the Authorization gives a timestamp and a nonce. */
  readonly message: Buffer | undefined
  /** The signature's bytes, when it is canonical Base64. */
  readonly signature: Buffer | undefined
  readonly signedBody: Buffer
}

const diagnosis = (received: Received, callers: Callers, scheme: Scheme): Diagnosis => {
  const raw = received.headers["authorization"]
  const header = typeof raw === "string" ? raw : undefined
  const parsed = header === undefined ? undefined : parseAuthorization(header)
  const params: ReadonlyMap<string, string> = parsed?.params ?? new Map()
  const timestamp = params.get("timestamp")
  const nonceStr = params.get("nonce_str")
  const signedBody = bufferOf(received.signedBody)
  const message = timestamp !== undefined && nonceStr !== undefined
    ? requestSignedBytes(received.method, received.target, timestamp, nonceStr, signedBody)
    : undefined
  const body = clip(signedBody, textBodyBytes)
  const shown = message === undefined || timestamp === undefined || nonceStr === undefined ? {} : {
    signString: {
      text: `${received.method}\n${received.target}\n${timestamp}\n${nonceStr}\n${body}\n`,
      hex: message.subarray(0, hexBytes).toString("hex"),
      bytes: message.byteLength,
      lines: { method: received.method, target: received.target, timestamp, nonce: nonceStr, body }
    }
  }
  const outcome = wechatVerdict(received, callers, scheme, header)
  if (!(outcome instanceof ApiFailure)) {
    return {
      scheme,
      ...shown,
      verdict: { ok: true, summary: `Verified with the key of ${describeCaller(outcome)}'s ${certificateOf(outcome)} ${outcome.serialNumber}` }
    }
  }
  const text = params.get("signature") ?? ""
  const signature = isCanonicalBase64(text) ? Buffer.from(text, "base64") : undefined
  const cause = explain({ received, callers, scheme, header, parsed, params, message, signature, signedBody }, outcome)
  return {
    scheme,
    ...shown,
    verdict: { ok: false, summary: `${outcome.status} ${outcome.code}: ${outcome.message} — ${cause.title}` },
    cause
  }
}

/** WeChat's own answer: the caller named when the request is authentic, else the refusal it sends. */
const wechatVerdict = (received: Received, callers: Callers, scheme: Scheme, authorization?: string): Caller | ApiFailure => {
  const request = { method: received.method, target: received.target, headers: { authorization }, body: "", bytes: received.body }
  const known = (caller: Caller | undefined): (Merchant & Brand & { readonly caller: Caller }) | undefined =>
    caller && { mchid: caller.id, brand_id: caller.id, serialNumber: caller.serialNumber, publicKey: caller.publicKey, caller }
  const outcome = scheme === "brand"
    ? authenticateBrand(request, (id) => known(callers.brand(id)), received.receivedAt, received.signedBody)
    : authenticate(request, (id) => known(callers.merchant(id)), received.receivedAt, received.signedBody)
  return outcome instanceof ApiFailure ? outcome : outcome.caller
}

// --- The check WeChat's answer names, explained --------------------------------------------------------------------

/** WeChat's failure message says which check failed (see `authenticate` / `authenticateBrand`): explain that one. */
const explain = (checked: Checked, failure: ApiFailure): Cause => {
  const said = failure.message
  if (said.includes("格式错误")) return formatCause(checked)
  if (said.includes("认证类型")) return schemeCause(checked)
  if (said.includes("不接受mchid")) return mchidOnBrandPath(checked)
  if (said.includes("商户号有误") || said.includes("品牌ID有误")) return unknownCaller(checked)
  if (said.includes("timestamp")) return timestampCause(checked.received.receivedAt, checked.params.get("timestamp") ?? "")
  const caller = checked.scheme === "brand"
    ? checked.callers.brand(checked.params.get("brand_id") ?? "")
    : checked.callers.merchant(checked.params.get("mchid") ?? "")
  if (caller !== undefined && said.includes("序列号有误")) return serialCause(checked, caller)
  if (caller !== undefined && said.includes("验签失败")) return signatureCause(checked, caller)
  return unexplained(`WeChat answered "${said}", which this diagnosis cannot explain.`)
}

/** WeChat's verdict and this explanation disagree: a bug of the emulator, said as such. */
const unexplained = (why: string): Cause => ({
  kind: "unknown",
  title: "No cause found",
  detail: `${why} This is a defect of the emulator's diagnosis; the answer WeChat's check gave stands.`
})

const idKeyOf = (kind: Scheme): string => kind === "brand" ? "brand_id" : "mchid"

const templateOf = (scheme: Scheme): string =>
  `${scheme === "brand" ? brandScheme : merchantScheme} ${idKeyOf(scheme)}="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`

const formatCause = (checked: Checked): Cause => {
  const { header, params, parsed, received, scheme } = checked
  const template = templateOf(scheme)
  if (header === undefined) {
    const detail = `WeChat refuses an APIv3 request without an Authorization header. Send \`Authorization: ${template}\`.`
    return { kind: "format", title: "No Authorization header", detail }
  }
  if (parsed === undefined) return malformedCause(checked, header, template)
  const missing = [idKeyOf(scheme), "nonce_str", "timestamp", "serial_no", "signature"].filter((key) => !params.get(key))
  if (scheme === "merchant" && missing.length === 1 && missing[0] === "mchid" && params.get("brand_id")) {
    return {
      kind: "identity",
      title: "brand_id on a merchant path",
      detail: `A merchant API (${pathOf(received.target)}) names the merchant: \`mchid="…"\`, with the scheme ` +
        `${merchantScheme}; this Authorization names brand_id "${params.get("brand_id")}"` +
        (parsed.scheme === brandScheme ? ` with the brand scheme ${brandScheme}` : "") +
        `. WeChat reads no mchid in it and answers as for a malformed header. Call merchant paths as a merchant ` +
        `(its mchid, certificate serial and key), or use the brand API (/brand/…) for a brand.`,
      sent: clip(header, 512)
    }
  }
  const present = [...params.entries()].filter(([, value]) => value !== "").map(([key]) => key)
  return {
    kind: "format",
    title: `Authorization lacks ${missing.join(", ")}`,
    detail: `Missing or empty: ${missing.join(", ")}. Found: ${present.length > 0 ? present.join(", ") : "no non-empty pair"}. ` +
      `The header is \`${template}\` (pairs in any order).`,
    sent: clip(header, 512)
  }
}

/** A header WeChat cannot read: where it first goes wrong, and what WeChat would answer with the spacing repaired. */
const malformedCause = (checked: Checked, header: string, template: string): Cause => {
  const repaired = header.trim().replace(/^(\S+)[ \t]+/, "$1 ").replace(/[ \t]*,[ \t]*/g, ",")
  const again = repaired !== header && parseAuthorization(repaired) !== undefined
    ? wechatVerdict(checked.received, checked.callers, checked.scheme, repaired)
    : undefined
  const after = again === undefined
    ? ""
    : again instanceof ApiFailure
    ? ` Written that way WeChat would still refuse it: ${again.message}.`
    : " Written that way the request would be accepted: the signature itself verifies."
  return {
    kind: "format",
    title: `Authorization is not \`SCHEME key="value",…\`: ${formatProblem(header)}`,
    detail: `WeChat reads the scheme, exactly one space, then key="value" pairs joined by bare commas, no spaces: ` +
      `\`${template}\`.${after}`,
    sent: clip(header, 1024)
  }
}

/** Where a header parseAuthorization refuses first goes wrong. */
const formatProblem = (header: string): string => {
  const space = header.indexOf(" ")
  if (header.trim() === "") return "the header is empty"
  if (space < 1) return space < 0 ? "no space after the scheme" : "a leading space"
  const rest = header.substring(space + 1)
  if (/^[ \t]/.test(rest)) return "more than one space after the scheme"
  const separator = /[ \t]*,[ \t]+|[ \t]+,/.exec(rest)
  if (separator !== null) return `pairs must be joined by bare commas: found '${separator[0]}'`
  for (const pair of rest.split(",")) {
    const equals = pair.indexOf("=")
    const key = pair.substring(0, equals)
    if (equals < 1) return `'${clip(pair, 80)}' is not key="value"`
    if (!/^[a-z_]+$/.test(key)) return `key '${clip(key, 40)}' is not lower-case letters and '_'`
    if (!/^"[^"]*"$/.test(pair.substring(equals + 1))) return `${key} not in double quotes`
  }
  return "unreadable"
}

const schemeCause = ({ parsed, received, scheme }: Checked): Cause => {
  const sent = clip(parsed?.scheme ?? "", 80)
  const [expected, other] = scheme === "brand" ? [brandScheme, merchantScheme] : [merchantScheme, brandScheme]
  return {
    kind: "scheme",
    title: `Scheme ${clip(sent, 60)} where ${expected} is required`,
    detail: `${pathOf(received.target)} is a ${scheme} API: it is signed with the ${scheme} scheme ${expected}, names ` +
      `${idKeyOf(scheme)}="…" and gives the serial of the ${scheme}'s API certificate; ${other} is for the ` +
      `${scheme === "brand" ? "merchant APIs (/v3/…)" : "brand APIs (/brand/…)"} only. Found ${sent} (the scheme is case-sensitive).`,
    sent
  }
}

const mchidOnBrandPath = ({ callers, params, received }: Checked): Cause => {
  const mchid = params.get("mchid") ?? ""
  return {
    kind: "identity",
    title: "mchid on a brand path",
    detail: `A brand API (${pathOf(received.target)}) names the brand: \`brand_id="…"\`, never mchid; this ` +
      `Authorization names mchid "${clip(mchid, 80)}".` +
      (callers.brand(mchid) === undefined ? "" : ` ${mchid} is a brand the emulator serves: name it as brand_id="${mchid}".`) +
      ` Sign brand APIs with the brand API certificate's key and give its serial.`,
    sent: `mchid="${clip(mchid, 200)}"`
  }
}

const unknownCaller = (checked: Checked): Cause => {
  const key = idKeyOf(checked.scheme)
  const id = checked.params.get(key) ?? ""
  const all = safeCallers(checked.callers)
  const served = all.filter((caller) => caller.kind === checked.scheme).map((caller) => caller.id)
  const listed = served.length === 0
    ? `no ${checked.scheme}`
    : `${checked.scheme}s ${served.slice(0, 10).join(", ")}${served.length > 10 ? " …" : ""}`
  const signer = signerAmong(checked, all)
  return {
    kind: "identity",
    title: `Unknown ${key} ${clip(id, 40)}`,
    detail: `The Authorization names ${key} "${clip(id, 80)}", which the emulator does not serve. It serves ${listed}.` +
      (signer === undefined
        ? ""
        : ` The signature verifies with the key of ${describeCaller(signer)}: did you mean ${idKeyOf(signer.kind)}="${signer.id}"?`),
    sent: clip(id, 200)
  }
}

const serialCause = (checked: Checked, caller: Caller): Cause => {
  const serial = checked.params.get("serial_no") ?? ""
  const hints: Array<string> = []
  if (/^PUB_KEY_ID_/i.test(serial)) {
    hints.push("That is a WeChat Pay public key id: it belongs in the Wechatpay-Serial header, not in serial_no.")
  }
  const owner = safeCallers(checked.callers).find((other) => other.serialNumber.toUpperCase() === serial.toUpperCase())
  if (owner !== undefined) {
    hints.push(`That is the serial of ${describeCaller(owner)}'s ${certificateOf(owner)}.`)
    if (signerAmong(checked, [owner]) !== undefined) {
      hints.push(`The signature verifies with its key: the request was signed as ${describeCaller(owner)} but names ${describeCaller(caller)}.`)
    }
  }
  return {
    kind: "serial",
    title: `serial_no is not the serial of ${describeCaller(caller)}'s ${certificateOf(caller)}`,
    detail: `serial_no is ${clip(serial, 80)}, but ${describeCaller(caller)}'s ${certificateOf(caller)} has serial ` +
      `${caller.serialNumber} (compared without regard to case). serial_no names the certificate whose private key ` +
      `signed the request.${hints.map((hint) => ` ${hint}`).join("")}`,
    sent: clip(serial, 200)
  }
}

const timestampCause = (now: number, timestamp: string): Cause => {
  const sent = clip(timestamp, 80)
  const clock = `the emulator's clock read ${now} when the request arrived`
  const off = now - Number(timestamp)
  const [title, detail] = /^\d{13}$/.test(timestamp)
    ? [
      "timestamp looks like milliseconds",
      `timestamp ${sent} has 13 digits: it looks like milliseconds (Date.now()), but WeChat wants Unix seconds ` +
      `(Math.floor(Date.now() / 1000)); ${clock}. Read as milliseconds it is ` +
      `${describeOffset(now - Math.floor(Number(timestamp) / 1000))}. Use the same seconds in the sign string and in the header.`
    ]
    : !/^\d{1,12}$/.test(timestamp)
    ? ["timestamp is not Unix seconds", `timestamp ${JSON.stringify(sent)} is not Unix seconds (a whole number of at most 12 digits); ${clock}.`]
    : [
      `timestamp is ${Math.abs(off)} s ${off > 0 ? "in the past" : "in the future"}`,
      `timestamp ${timestamp} is ${describeOffset(off)}: WeChat allows at most ${windowSeconds} s either way; ${clock}. ` +
      (off > 0
        ? "The request was signed too long before it was sent, or the caller's clock is slow: sign just before sending and keep the clock synchronised (NTP)."
        : "The caller's clock is fast: keep it synchronised (NTP).")
    ]
  return { kind: "timestamp", title, detail, sent }
}

const describeOffset = (off: number): string =>
  off === 0
    ? "exactly the emulator's time"
    : off > 0
    ? `${off} s behind the emulator's clock (in the past)`
    : `${-off} s ahead of the emulator's clock (in the future)`

const signatureCause = (checked: Checked, caller: Caller): Cause => {
  const { message, signature } = checked
  if (message === undefined) return unexplained("The sign string could not be rebuilt.")
  if (signature === undefined) return encodingCause(checked.params.get("signature") ?? "", message, caller)
  if (verifies(message, signature, caller.publicKey)) {
    return unexplained("The signature verifies over the rebuilt sign string, yet WeChat's check refused it.")
  }
  return searchCause(checked, caller, signature, message)
}

const encodingCause = (text: string, message: Buffer, caller: Caller): Cause => {
  const reasons: Array<readonly [string, string]> = []
  if (/[-_]/.test(text)) reasons.push(["URL-safe Base64", "It is URL-safe Base64 ('-' and '_' in place of '+' and '/')."])
  if (/^[\w+/-]+$/.test(text) && text.length % 4 !== 0) reasons.push(["missing '=' padding", "Its '=' padding is missing."])
  // Node's Base64 decoder is lenient: it skips whitespace and takes '-', '_' and missing padding.
  const lenient = Buffer.from(text, "base64")
  return {
    kind: "signature",
    title: `signature is not standard Base64: ${reasons[0]?.[0] ?? "not canonical"}`,
    detail: `WeChat decodes signature as standard Base64 ('+', '/', '=' padding, no whitespace) and refuses any ` +
      `other text.${reasons.map(([, reason]) => ` ${reason}`).join("")}` +
      (lenient.byteLength > 0 && verifies(message, lenient, caller.publicKey)
        ? " Decoded leniently, the signature verifies: only its encoding is wrong — send it as standard Base64 (Buffer#toString(\"base64\"))."
        : ""),
    sent: clip(text, 400)
  }
}

// --- What was signed instead: the search ---------------------------------------------------------------------------

/** One candidate for what the caller signed: a Cause of its kind, the sign string it stands for, a short label. */
interface Variant extends Cause {
  readonly kind: "body" | "target" | "method"
  readonly signed: string
  readonly sent: string
  readonly label: string
  readonly message: Buffer
}

const searchCause = (checked: Checked, caller: Caller, signature: Buffer, message: Buffer): Cause => {
  const seen = new Set<string>([digest(message)])
  let verifications = 1
  const tried: Record<Variant["kind"], Array<string>> = { body: [], target: [], method: [] }
  const bodyTooLarge = checked.signedBody.byteLength > maxVariantBody
  for (const variant of bodyTooLarge ? [] : variants(checked, message)) {
    if (verifications >= maxVerifications) break
    const key = digest(variant.message)
    if (seen.has(key)) continue
    seen.add(key)
    verifications++
    tried[variant.kind].push(variant.label)
    if (verifies(variant.message, signature, caller.publicKey)) {
      const { detail, kind, sent, signed, title } = variant
      return { kind, title, detail, signed, sent }
    }
  }
  const others = safeCallers(checked.callers)
    .filter((other) => !(other.kind === caller.kind && other.id === caller.id))
    .slice(0, Math.max(0, maxVerifications - verifications))
  const signer = signerAmong(checked, others)
  if (signer !== undefined) {
    return {
      kind: "key",
      title: `Signed with ${describeCaller(signer)}'s private key, but the Authorization names ${describeCaller(caller)}`,
      detail: `The signature verifies over the sign string shown with the key of ${describeCaller(signer)}'s ` +
        `${certificateOf(signer)} (serial ${signer.serialNumber}), but the Authorization names ${describeCaller(caller)} ` +
        `(serial_no ${caller.serialNumber}). Sign with the private key of the caller you name, or name the caller ` +
        `whose key signed (its id and its certificate serial).`,
      signed: `${idKeyOf(signer.kind)} ${signer.id}`,
      sent: `${idKeyOf(caller.kind)} ${caller.id}`
    }
  }
  const bits = caller.publicKey.asymmetricKeyDetails?.modulusLength
  const sizeHint = bits !== undefined && signature.byteLength !== Math.ceil(bits / 8)
    ? ` The signature decodes to ${signature.byteLength} bytes; a signature by this ${bits}-bit RSA key has ${Math.ceil(bits / 8)}.`
    : ""
  const triedText = bodyTooLarge
    ? `The body is over ${maxVariantBody / (1024 * 1024)} MiB: only the exact sign string was checked, no variants of it.`
    : `Tried besides the sign string shown: ${
      (["body", "target", "method"] as const).filter((kind) => tried[kind].length > 0)
        .map((kind) => `the ${kind} ${tried[kind].join(", ")}`).join("; ")
    }.`
  return {
    kind: "unknown",
    title: "The signature verifies over nothing tried",
    detail: `The signature is well-formed Base64 but does not verify with the key of ${describeCaller(caller)}'s ` +
      `${certificateOf(caller)} (serial ${caller.serialNumber}) over the sign string shown, over any variant of it ` +
      `tried, nor with the key of any of the ${Math.min(others.length, maxOtherCallers)} other caller(s) tried. ` +
      `${triedText}${sizeHint} It was made with another key, or over other bytes. Sign exactly the five lines shown ` +
      `(method, target, timestamp, nonce_str, body, each followed by \\n) with the private key of the certificate ` +
      `named in serial_no.`
  }
}

/** The candidates, most likely first: body, then target, then method. Built lazily: the search stops at a bound. */
function* variants(checked: Checked, message: Buffer): Generator<Variant> {
  const { params, received, signedBody: sent } = checked
  const rebuild = (method: string, target: string, body: Uint8Array): Buffer =>
    requestSignedBytes(method, target, params.get("timestamp") ?? "", params.get("nonce_str") ?? "", body)
  const made = "The signature was made over"

  // The body line.
  const size = `${sent.byteLength} bytes`
  const whole = bufferOf(received.body)
  const what = whole.equals(sent) ? "the body" : "the meta JSON"
  const body = (label: string, bytes: Buffer, explanation: string): Variant => ({
    kind: "body",
    label,
    title: `The body signed (${label}) is not the body sent`,
    message: rebuild(received.method, received.target, bytes),
    signed: clip(bytes, shownBodyBytes),
    sent: clip(sent, shownBodyBytes),
    detail: `${made} ${explanation} ${firstDifference(bytes, sent, "body")} Sign the exact bytes you send.`
  })
  if (sent.byteLength > 0) {
    yield body("empty", Buffer.alloc(0), `an empty body line, but ${what} sent is ${size}: the body line is ${what} as sent.`)
  }
  if (!whole.equals(sent)) {
    yield body(
      "the whole multipart body",
      whole,
      `the whole multipart body (${whole.byteLength} bytes), but for an upload (multipart/form-data) the body line is ` +
        `the JSON of the \`meta\` part only (${size}), exactly as placed in that part.`
    )
  }
  if (sent[sent.byteLength - 1] === 0x0a) {
    const cut = sent[sent.byteLength - 2] === 0x0d ? 2 : 1
    const why = `${what} without its trailing newline, but ${what} sent ends in one (${size}).`
    yield body("without its trailing newline", sent.subarray(0, sent.byteLength - cut), why)
  } else {
    const why = `${what} followed by a newline (as an encoder such as Go's json.Encoder writes it), but ${what} sent has none (${size}).`
    yield body("with a trailing newline", Buffer.concat([sent, Buffer.from("\n")]), why)
  }
  const latin1 = sent.toString("latin1")
  if (latin1.includes("\r\n")) {
    yield body("with LF line ends", Buffer.from(latin1.replace(/\r\n/g, "\n"), "latin1"), `${what} with LF line ends, but it was sent with CRLF.`)
  }
  const hasBom = sent.subarray(0, 3).equals(bom)
  if (hasBom) {
    yield body("without the byte order mark", sent.subarray(3), `${what} without its UTF-8 byte order mark (EF BB BF), but it was sent with one.`)
  }
  const json = parseJson(hasBom ? sent.subarray(3) : sent)
  const forms: ReadonlyArray<readonly [string, () => string, string]> = json === undefined ? [] : [
    ["re-serialised compactly", () => JSON.stringify(json.value), "re-serialised compactly, as JSON.stringify writes it"],
    ["pretty-printed (2 spaces)", () => JSON.stringify(json.value, null, 2), "re-serialised with 2-space indentation"],
    ["with keys sorted", () => JSON.stringify(sortKeys(json.value)), "re-serialised compactly with its keys sorted"]
  ]
  for (const [label, make, how] of forms) {
    // A value nested deeper than the stack allows is simply not re-serialised.
    const bytes = attempt(() => Buffer.from(make(), "utf8"), undefined)
    if (bytes === undefined) continue
    yield body(
      label,
      bytes,
      `${what} ${how} (${bytes.byteLength} bytes), but ${what} sent is ${size}${json?.compact ? "" : ", formatted otherwise"}: ` +
        `the client signed one serialisation and sent another.`
    )
  }
  if (sent.byteLength === 0 && /^(GET|DELETE|HEAD)$/i.test(received.method)) {
    const why = `this ${received.method} carries no body: the body line of a request without a body is empty (the sign string ends in \\n\\n).`
    yield body("{}", Buffer.from("{}"), `\`{}\` as the body, but ${why}`)
  }
  yield {
    kind: "body",
    label: "without the final \\n",
    title: "The sign string signed lacks the \\n that ends the body line",
    message: message.subarray(0, message.byteLength - 1),
    signed: clip(sent, shownBodyBytes),
    sent: `${clip(sent, shownBodyBytes)}\n`,
    detail: `${made} the sign string without the \\n that ends the body line. Every line ends in \\n, the body line ` +
      `too, even when the body is empty (the message then ends in \\n\\n).`
  }

  // The target line.
  const sentTarget = received.target
  const target = (label: string, signed: string, explanation: string): Variant => ({
    kind: "target",
    label,
    title: `The target signed (${label}) is not the target sent`,
    message: rebuild(received.method, signed, sent),
    signed,
    sent: sentTarget,
    detail: `${made} ${explanation} ${firstDifference(Buffer.from(signed), Buffer.from(sentTarget), "target")} The ` +
      `target line is the path and query exactly as they go on the wire (what the emulator received): sign what you send.`
  })
  const mark = sentTarget.indexOf("?")
  const path = mark < 0 ? sentTarget : sentTarget.substring(0, mark)
  const query = mark < 0 ? "" : sentTarget.substring(mark + 1)
  const decoded = percentDecode(sentTarget)
  if (decoded !== undefined && decoded !== sentTarget) {
    yield target("percent-decoded", decoded, "the target percent-decoded, but the request went out percent-encoded.")
  }
  if (query !== "") {
    const pairs = query.split("&")
    const keyOf = (pair: string): string => pair.split("=")[0] ?? ""
    const encode = (part: string): string => attempt(() => encodeURIComponent(percentDecode(part) ?? part), part)
    const encodePair = (pair: string): string => {
      const at = pair.indexOf("=")
      return at < 0 ? encode(pair) : `${encode(pair.substring(0, at))}=${encode(pair.substring(at + 1))}`
    }
    yield target(
      "query encoded by encodeURIComponent",
      `${path}?${pairs.map(encodePair).join("&")}`,
      "the query with its keys and values encoded by encodeURIComponent, but they went out encoded otherwise."
    )
    for (const [from, to] of [["+", "%20"], ["%20", "+"]] as const) {
      if (!query.includes(from)) continue
      yield target(`'${from}' as '${to}'`, `${path}?${query.split(from).join(to)}`, `the query with spaces as '${to}', but the request sent them as '${from}'.`)
    }
    const sorted = [...pairs].sort((a, b) => keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0).join("&")
    if (sorted !== query) {
      yield target("query parameters sorted", `${path}?${sorted}`, "the query parameters in sorted order, but the request sent them in another order.")
    }
    yield target("without the query", path, "the path alone, but the request has a query: the target line is the path and the query.")
  }
  yield target(`with ${host}`, `${host}${sentTarget}`, `the full URL (${host}…), but the target line is only the path and query.`)
  if (sentTarget.startsWith("/v3/")) {
    yield target(
      "without /v3",
      sentTarget.substring(3),
      "the target without its /v3 prefix (a base URL ending in /v3, perhaps), but the request went to the path with it."
    )
  }

  // The method line.
  const lower = received.method.toLowerCase()
  for (const method of [...(lower === received.method ? [] : [lower]), ...methods.filter((m) => m !== received.method)]) {
    yield {
      kind: "method",
      label: method,
      title: `Signed as ${clip(method, 20)}, sent as ${clip(received.method, 20)}`,
      message: rebuild(method, received.target, sent),
      signed: method,
      sent: received.method,
      detail: method === lower
        ? `The method line was signed as '${method}', but the request was sent as '${received.method}': the method line is the request's method, upper case, as sent.`
        : `The signature was made for a ${method} request, but the request was sent as ${received.method}: sign the method you send.`
    }
  }
}

const parseJson = (bytes: Buffer): { readonly value: unknown; readonly compact: boolean } | undefined =>
  attempt(() => {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes)
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null ? { value, compact: JSON.stringify(value) === text } : undefined
  }, undefined)

/** A copy with every object's keys in code-unit order (own data properties, `__proto__` included as data). */
const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]))
}

/** Text with every percent-escape decoded (UTF-8), `undefined` when its escapes are not valid UTF-8. */
const percentDecode = (text: string): string | undefined => attempt<string | undefined>(() => decodeURIComponent(text), undefined)

// --- Helpers -------------------------------------------------------------------------------------------------------

/** The first of `candidates` (at most `maxOtherCallers`) whose key verifies the signature over the exact sign string. */
const signerAmong = (checked: Checked, candidates: ReadonlyArray<Caller>): Caller | undefined => {
  const { message, signature } = checked
  if (message === undefined || signature === undefined) return undefined
  return candidates.slice(0, maxOtherCallers).find((caller) => verifies(message, signature, caller.publicKey))
}

/** `RSASSA-PKCS1-v1_5` / SHA-256; `false` for anything that does not verify, including a key of another type. */
const verifies = (message: Uint8Array, signature: Uint8Array, key: crypto.KeyObject): boolean =>
  attempt(() => crypto.verify("sha256", message, key, signature), false)

/** `make()`, or `fallback` when it throws. */
const attempt = <A>(make: () => A, fallback: A): A => {
  try {
    return make()
  } catch {
    return fallback
  }
}

/** Canonical standard Base64 (padding included), as WeChat reads a signature (a copy of wechatSide's). */
const isCanonicalBase64 = (text: string): boolean => text.length > 0 && Buffer.from(text, "base64").toString("base64") === text

const safeCallers = (callers: Callers): ReadonlyArray<Caller> => attempt(() => callers.all(), [])

const describeCaller = (caller: Caller): string => `${caller.kind} ${caller.id}`

const certificateOf = (caller: Caller): string => caller.kind === "brand" ? "brand API certificate" : "certificate"

const pathOf = (target: string): string => clip(target.split("?")[0] ?? "", 120)

const digest = (bytes: Uint8Array): string => crypto.createHash("sha256").update(bytes).digest("hex")

const bufferOf = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** Text or bytes (as UTF-8, lossy) cut to `max` (bytes for bytes, characters for text), saying how much there was. */
const clip = (value: string | Uint8Array, max: number): string => {
  if (typeof value === "string") {
    return value.length <= max ? value : `${value.substring(0, max)}… (${value.length} characters in all)`
  }
  const text = bufferOf(value.subarray(0, max)).toString("utf8")
  return value.byteLength <= max ? text : `${text}… (${value.byteLength} bytes in all)`
}

/** Where two byte strings first differ, said for a person; bytes are counted from 0. */
const firstDifference = (signed: Uint8Array, sent: Uint8Array, what: string): string => {
  let at = 0
  while (at < signed.byteLength && at < sent.byteLength && signed[at] === sent[at]) at++
  if (at === signed.byteLength && at === sent.byteLength) return ""
  const side = (name: string, bytes: Uint8Array): string =>
    at < bytes.byteLength
      ? `the ${what} ${name} has ${describeByte(bytes[at])}`
      : `the ${what} ${name} ends at byte ${at} (it is ${bytes.byteLength} bytes)`
  return `First difference at byte ${at}, counting from 0: ${side("signed", signed)}, ${side("sent", sent)}.`
}

const describeByte = (byte: number | undefined): string => {
  if (byte === undefined) return "nothing"
  const hex = `0x${byte.toString(16).padStart(2, "0")}`
  const names: Record<number, string> = { 0x0a: "'\\n'", 0x0d: "'\\r'", 0x09: "'\\t'", 0x20: "a space" }
  const name = names[byte] ?? (byte > 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : undefined)
  return name === undefined ? hex : `${hex} (${name})`
}
