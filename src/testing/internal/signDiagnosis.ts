/**
 * Why WeChat refuses a request's signature, found rather than guessed: the emulator runs WeChat's own checks
 * (`authenticate` / `authenticateBrand`, so the verdict cannot drift from the answer sent), then, for a signature that
 * is well-formed but does not verify, searches what the caller signed instead — the same five lines with another body
 * (re-serialised JSON, a newline, the whole multipart body …), another target (decoded, re-encoded, reordered, the full
 * URL …), another method, or another caller's key — and reports the first that verifies, as the line signed against the
 * line sent. Every candidate is one RSA verification with a public key; the search is bounded, and nothing here ever
 * holds or prints a private key.
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
  probePrefix,
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
const hosts = ["https://api.mch.weixin.qq.com", "https://api2.mch.weixin.qq.com"] as const
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
  const scheme = isBrandPath(received.target) ? "brand" : "merchant"
  try {
    return diagnosis(received, callers, scheme, true)
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

const isBrandPath = (target: string): boolean => typeof target === "string" && target.startsWith("/brand/")

/** What every step of the explanation reads. */
interface Checked {
  readonly received: Received
  readonly callers: Callers
  readonly scheme: Scheme
  readonly header: string | undefined
  readonly parsed: ReturnType<typeof parseAuthorization>
  /** The five lines rebuilt, when the Authorization gives a timestamp and a nonce. */
  readonly message: Buffer | undefined
  readonly signedBody: Buffer
}

const diagnosis = (received: Received, callers: Callers, scheme: Scheme, repair: boolean): Diagnosis => {
  const raw = received.headers["authorization"]
  const header = typeof raw === "string" ? raw : undefined
  const parsed = header === undefined ? undefined : parseAuthorization(header)
  const timestamp = parsed?.params.get("timestamp")
  const nonceStr = parsed?.params.get("nonce_str")
  const signedBody = bufferOf(received.signedBody)
  const message = timestamp !== undefined && nonceStr !== undefined
    ? requestSignedBytes(received.method, received.target, timestamp, nonceStr, signedBody)
    : undefined
  const signString = message === undefined || timestamp === undefined || nonceStr === undefined
    ? undefined
    : describeSignString(received, timestamp, nonceStr, signedBody, message)
  const shown = signString === undefined ? {} : { signString }
  const outcome = wechatVerdict(received, header, callers, scheme, signedBody)
  if (!(outcome instanceof ApiFailure)) {
    return {
      scheme,
      ...shown,
      verdict: { ok: true, summary: `Verified with the key of ${describeCaller(outcome)}'s ${certificateOf(outcome)} ${outcome.serialNumber}` }
    }
  }
  const cause = explain({ received, callers, scheme, header, parsed, message, signedBody }, repair)
  return {
    scheme,
    ...shown,
    verdict: { ok: false, summary: `${outcome.status} ${outcome.code}: ${outcome.message} — ${cause.title}` },
    cause
  }
}

/** WeChat's own answer: the caller named when the request is authentic, else the refusal it sends. */
const wechatVerdict = (
  received: Received,
  authorization: string | undefined,
  callers: Callers,
  scheme: Scheme,
  signedBody: Buffer
): Caller | ApiFailure => {
  const request = { method: received.method, target: received.target, headers: { authorization }, body: "", bytes: received.body }
  if (scheme === "brand") {
    const brand = authenticateBrand(request, (id) => asBrand(callers.brand(id)), received.receivedAt, signedBody)
    return brand instanceof ApiFailure ? brand : brand.caller
  }
  const merchant = authenticate(request, (id) => asMerchant(callers.merchant(id)), received.receivedAt, signedBody)
  return merchant instanceof ApiFailure ? merchant : merchant.caller
}

const asMerchant = (caller: Caller | undefined): (Merchant & { readonly caller: Caller }) | undefined =>
  caller && { mchid: caller.id, serialNumber: caller.serialNumber, publicKey: caller.publicKey, caller }

const asBrand = (caller: Caller | undefined): (Brand & { readonly caller: Caller }) | undefined =>
  caller && { brand_id: caller.id, serialNumber: caller.serialNumber, publicKey: caller.publicKey, caller }

const describeSignString = (
  received: Received,
  timestamp: string,
  nonceStr: string,
  body: Buffer,
  message: Buffer
): NonNullable<Diagnosis["signString"]> => {
  const bodyText = body.byteLength <= textBodyBytes
    ? utf8(body)
    : `${utf8(body.subarray(0, textBodyBytes))}… (${body.byteLength} bytes in all)`
  return {
    text: `${received.method}\n${received.target}\n${timestamp}\n${nonceStr}\n${bodyText}\n`,
    hex: message.subarray(0, hexBytes).toString("hex"),
    bytes: message.byteLength,
    lines: { method: received.method, target: received.target, timestamp, nonce: nonceStr, body: bodyText }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The checks, in WeChat's order
// ---------------------------------------------------------------------------------------------------------------

const explain = (checked: Checked, repair: boolean): Cause => {
  const { callers, header, parsed, received, scheme } = checked
  const expectedScheme = scheme === "brand" ? brandScheme : merchantScheme
  const idKey = scheme === "brand" ? "brand_id" : "mchid"
  const template = `${expectedScheme} ${idKey}="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`

  // Form
  if (header === undefined) {
    return {
      kind: "format",
      title: "No Authorization header",
      detail: `WeChat refuses an APIv3 request without an Authorization header. Send \`Authorization: ${template}\`.`
    }
  }
  if (parsed === undefined) return formatCause(checked, header, template, repair)
  const params = parsed.params
  const required = scheme === "brand"
    ? ["nonce_str", "timestamp", "serial_no", "signature"]
    : ["mchid", "nonce_str", "timestamp", "serial_no", "signature"]
  const missing = required.filter((key) => !params.get(key))
  if (missing.length > 0) {
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
    const empty = missing.filter((key) => params.has(key))
    const absent = missing.filter((key) => !params.has(key))
    return {
      kind: "format",
      title: `Authorization lacks ${missing.join(", ")}`,
      detail: [
        absent.length > 0 ? `Missing: ${absent.join(", ")}.` : "",
        empty.length > 0 ? `Empty: ${empty.join(", ")}.` : "",
        `Found: ${present.length > 0 ? present.join(", ") : "no non-empty pair"}.`,
        renamedHint(params, missing),
        `The header is \`${template}\` (pairs in any order).`
      ].filter((part) => part !== "").join(" "),
      sent: clip(header, 512)
    }
  }

  // Scheme
  if (parsed.scheme !== expectedScheme) return schemeCause(checked, parsed.scheme, expectedScheme)

  // Identity
  let caller: Caller | undefined
  if (scheme === "brand") {
    const brandId = params.get("brand_id")
    if (!brandId) {
      const mchid = params.get("mchid")
      if (mchid) {
        const known = callers.brand(mchid)
        return {
          kind: "identity",
          title: "mchid on a brand path",
          detail: `A brand API (${pathOf(received.target)}) names the brand: \`brand_id="…"\`, never mchid; this ` +
            `Authorization names mchid "${mchid}".` +
            (known === undefined ? "" : ` ${mchid} is a brand the emulator serves: name it as brand_id="${mchid}".`) +
            ` Sign brand APIs with the brand API certificate's key and give its serial.`,
          sent: `mchid="${mchid}"`
        }
      }
      return {
        kind: "format",
        title: "Authorization lacks brand_id",
        detail: `A brand API's Authorization names the brand: \`${template}\`.`,
        sent: clip(header, 512)
      }
    }
    caller = callers.brand(brandId)
    if (caller === undefined) return unknownCaller(checked, "brand", brandId)
  } else {
    const mchid = params.get("mchid") ?? ""
    caller = callers.merchant(mchid)
    if (caller === undefined) return unknownCaller(checked, "merchant", mchid)
  }

  // Serial
  const serial = params.get("serial_no") ?? ""
  if (serial.toUpperCase() !== caller.serialNumber.toUpperCase()) return serialCause(checked, caller, serial)

  // Clock
  const timestamp = params.get("timestamp") ?? ""
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(received.receivedAt - Number(timestamp)) > windowSeconds) {
    return timestampCause(received.receivedAt, timestamp)
  }

  // Signature
  const signature = params.get("signature") ?? ""
  const message = checked.message
  if (message === undefined) return unexplained("The sign string could not be rebuilt.")
  if (!isCanonicalBase64(signature)) return encodingCause(signature, message, caller)
  const bytes = Buffer.from(signature, "base64")
  if (verifies(message, bytes, caller.publicKey)) {
    return unexplained("The signature verifies over the rebuilt sign string, yet WeChat's check refused it.")
  }
  return searchCause(checked, caller, bytes, message)
}

/** WeChat's verdict and this explanation disagree: a bug of the emulator, said as such. */
const unexplained = (why: string): Cause => ({
  kind: "unknown",
  title: "No cause found",
  detail: `${why} This is a defect of the emulator's diagnosis; the answer WeChat's check gave stands.`
})

const formatCause = (checked: Checked, header: string, template: string, repair: boolean): Cause => {
  const problem = formatProblem(header)
  let after = ""
  if (repair) {
    const repaired = header.trim().replace(/^(\S+)[ \t]+/, "$1 ").replace(/[ \t]*,[ \t]*/g, ",")
    if (repaired !== header && parseAuthorization(repaired) !== undefined) {
      const again = diagnosis(
        { ...checked.received, headers: { ...checked.received.headers, authorization: repaired } },
        checked.callers,
        checked.scheme,
        false
      )
      after = again.verdict.ok
        ? " Written that way the request would be accepted: the signature itself verifies."
        : ` Written that way WeChat would still refuse it: ${again.cause?.title ?? again.verdict.summary}.`
    }
  }
  return {
    kind: "format",
    title: `Authorization is not \`SCHEME key="value",…\`: ${problem.title}`,
    detail: `${problem.detail} WeChat reads the scheme, exactly one space, then key="value" pairs joined by bare ` +
      `commas, no spaces: \`${template}\`.${after}`,
    sent: clip(header, 1024)
  }
}

/** Where a header parseAuthorization refuses first goes wrong. */
const formatProblem = (header: string): { readonly title: string; readonly detail: string } => {
  if (header.trim() === "") return { title: "empty", detail: "The header is empty." }
  const space = header.indexOf(" ")
  if (space < 0) return { title: "no space after the scheme", detail: "There is no space: the scheme, then one space, then the pairs." }
  if (space === 0) return { title: "leading space", detail: "The header starts with a space: the scheme comes first." }
  const rest = header.substring(space + 1)
  const spaces = /^[ \t]+/.exec(rest)
  if (spaces !== null) {
    return {
      title: "more than one space after the scheme",
      detail: `Exactly one space separates the scheme from the pairs: found ${spaces[0].length + 1}.`
    }
  }
  const separator = /[ \t]*,[ \t]+|[ \t]+,/.exec(rest)
  if (separator !== null) {
    return {
      title: `pairs must be joined by bare commas: found '${separator[0]}'`,
      detail: `The pairs are joined by '${separator[0]}' (at character ${space + 1 + separator.index} of the header): ` +
        `pairs must be joined by bare commas (',' with no space on either side).`
    }
  }
  for (const pair of rest.split(",")) {
    if (pair === "") {
      return { title: "an empty pair", detail: "There is an empty pair: a leading, trailing or doubled comma." }
    }
    const shown = clip(pair, 80)
    const equals = pair.indexOf("=")
    if (equals < 1) {
      return {
        title: `'${shown}' is not key="value"`,
        detail: `The pair '${shown}' is not key="value"` +
          (equals < 0 ? " (no '='; a value cannot contain a comma)." : " (no key before '=').")
      }
    }
    const key = pair.substring(0, equals)
    const value = pair.substring(equals + 1)
    if (!/^[a-z_]+$/.test(key)) {
      return {
        title: `key '${clip(key, 40)}'`,
        detail: `The key '${clip(key, 40)}' is not lower-case letters and '_'` +
          (/^[A-Za-z_]+$/.test(key) ? ` (keys are case-sensitive: '${key.toLowerCase()}').` : ".")
      }
    }
    if (value.startsWith("'")) {
      return { title: `${key} in single quotes`, detail: `The value of ${key} is in single quotes: values are in double quotes.` }
    }
    if (value.length < 2 || !value.startsWith("\"") || !value.endsWith("\"")) {
      return {
        title: `${key} not in double quotes`,
        detail: `The value of ${key} is not in double quotes: found '${shown}', expected ${key}="…".`
      }
    }
    if (value.substring(1, value.length - 1).includes("\"")) {
      return { title: `a double quote inside ${key}`, detail: `The value of ${key} contains a double quote.` }
    }
  }
  return { title: "unreadable", detail: "The header is not of WeChat's form." }
}

/** Keys that look like a required key under another name. */
const renamedHint = (params: ReadonlyMap<string, string>, missing: ReadonlyArray<string>): string => {
  const likely: Record<string, ReadonlyArray<string>> = {
    mchid: ["mch_id", "merchant_id", "mchId"],
    nonce_str: ["nonce", "noncestr", "nonce_string"],
    timestamp: ["time_stamp", "ts", "time"],
    serial_no: ["serial", "serial_number", "serialno", "serial_num"],
    signature: ["sign", "sig"]
  }
  const hints: Array<string> = []
  for (const key of missing) {
    for (const alias of likely[key] ?? []) if (params.has(alias)) hints.push(`'${alias}' should be '${key}'`)
  }
  return hints.length > 0 ? `${hints.join("; ")}.` : ""
}

const schemeCause = (checked: Checked, sent: string, expected: string): Cause => {
  const path = pathOf(checked.received.target)
  let detail: string
  if (checked.scheme === "merchant" && sent === brandScheme) {
    detail = `${path} is a merchant API: it is signed with the merchant scheme ${merchantScheme} and names ` +
      `mchid="…". The brand scheme ${brandScheme} is for the brand APIs (/brand/…) only.`
  } else if (checked.scheme === "brand" && sent === merchantScheme) {
    detail = `${path} is a brand API: it needs the brand scheme ${brandScheme}, brand_id="…", the brand API ` +
      `certificate's serial and a signature by its key. The merchant scheme ${merchantScheme} is refused here.`
  } else if (sent.toUpperCase() === expected.toUpperCase()) {
    detail = `The scheme is case-sensitive: expected ${expected}, found ${clip(sent, 80)}.`
  } else {
    detail = `Expected the scheme ${expected}, found ${clip(sent, 80)}.`
  }
  return { kind: "scheme", title: `Scheme ${clip(sent, 60)} where ${expected} is required`, detail, sent: clip(sent, 200) }
}

const unknownCaller = (checked: Checked, kind: Scheme, id: string): Cause => {
  const key = kind === "brand" ? "brand_id" : "mchid"
  const all = safeCallers(checked.callers)
  const served = all.filter((caller) => caller.kind === kind).map((caller) => caller.id)
  const listed = served.length === 0
    ? `It serves no ${kind}.`
    : `It serves ${kind === "brand" ? "brands" : "merchants"} ${served.slice(0, 10).join(", ")}${served.length > 10 ? " …" : ""}.`
  const other = all.find((caller) => caller.kind !== kind && caller.id === id)
  const otherHint = other === undefined
    ? ""
    : kind === "merchant"
    ? ` ${id} is a brand_id: the brand APIs are under /brand/….`
    : ` ${id} is a merchant's mchid: the merchant APIs are under /v3/….`
  const signer = whoseKey(checked, all)
  const signerHint = signer === undefined
    ? ""
    : ` The signature verifies with the key of ${describeCaller(signer)}: did you mean ${signer.kind === "brand" ? "brand_id" : "mchid"}="${signer.id}"?`
  return {
    kind: "identity",
    title: `Unknown ${key} ${clip(id, 40)}`,
    detail: `The Authorization names ${key} "${clip(id, 80)}", which the emulator does not serve. ${listed}${otherHint}${signerHint}`,
    sent: clip(id, 200)
  }
}

const serialCause = (checked: Checked, caller: Caller, serial: string): Cause => {
  const expected = caller.serialNumber
  const hints: Array<string> = []
  if (/^PUB_KEY_ID_/i.test(serial)) {
    hints.push("That is a WeChat Pay public key id: it belongs in the Wechatpay-Serial header, not in serial_no.")
  } else if (stripZeros(serial).toUpperCase() === stripZeros(expected).toUpperCase()) {
    hints.push("It is the same number with its leading zeros dropped (as BigInteger.toString(16) prints it): send the serial as the certificate shows it.")
  } else if (/^\d+$/.test(serial) && decimalOf(expected) === serial) {
    hints.push("It is the serial in decimal: send it in hexadecimal.")
  }
  const owner = safeCallers(checked.callers).find((other) =>
    other !== caller && other.serialNumber.toUpperCase() === serial.toUpperCase()
  )
  if (owner !== undefined) {
    hints.push(`That is the serial of ${describeCaller(owner)}'s ${certificateOf(owner)}.`)
    const signature = checked.parsed?.params.get("signature") ?? ""
    if (checked.message !== undefined && isCanonicalBase64(signature) &&
      verifies(checked.message, Buffer.from(signature, "base64"), owner.publicKey)) {
      hints.push(`The signature verifies with its key: the request was signed as ${describeCaller(owner)} but names ${describeCaller(caller)}.`)
    }
  }
  return {
    kind: "serial",
    title: `serial_no is not the serial of ${describeCaller(caller)}'s ${certificateOf(caller)}`,
    detail: `serial_no is ${clip(serial, 80)}, but ${describeCaller(caller)}'s ${certificateOf(caller)} has serial ` +
      `${expected} (compared without regard to case). serial_no names the certificate whose private key signed the ` +
      `request.${hints.length > 0 ? ` ${hints.join(" ")}` : ""}`,
    sent: clip(serial, 200)
  }
}

const timestampCause = (now: number, timestamp: string): Cause => {
  const sent = clip(timestamp, 80)
  const clock = `the emulator's clock read ${now} when the request arrived`
  if (/^\d{13}$/.test(timestamp)) {
    const off = now - Math.floor(Number(timestamp) / 1000)
    return {
      kind: "timestamp",
      title: "timestamp looks like milliseconds",
      detail: `timestamp ${sent} has 13 digits: it looks like milliseconds (Date.now()), but WeChat wants Unix ` +
        `seconds (Math.floor(Date.now() / 1000)); ${clock}. Read as milliseconds it is ${describeOffset(off)}. Use ` +
        `the same seconds in the sign string and in the header.`,
      sent
    }
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    const why = /^-?\d+\.\d+$/.test(timestamp)
      ? "has a fraction: Unix seconds are a whole number"
      : /^\d+$/.test(timestamp)
      ? `has ${timestamp.length} digits: Unix seconds have at most 12`
      : timestamp === ""
      ? "is empty"
      : "is not decimal digits (Unix seconds)"
    return {
      kind: "timestamp",
      title: "timestamp is not Unix seconds",
      detail: `timestamp ${JSON.stringify(sent)} ${why}; ${clock}.`,
      sent
    }
  }
  const off = now - Number(timestamp)
  return {
    kind: "timestamp",
    title: `timestamp is ${Math.abs(off)} s ${off > 0 ? "in the past" : "in the future"}`,
    detail: `timestamp ${timestamp} is ${describeOffset(off)}: WeChat allows at most ${windowSeconds} s either way; ` +
      `${clock}. ${
        off > 0
          ? "The request was signed too long before it was sent, or the caller's clock is slow: sign just before sending and keep the clock synchronised (NTP)."
          : "The caller's clock is fast: keep it synchronised (NTP)."
      }`,
    sent
  }
}

const describeOffset = (off: number): string =>
  off === 0
    ? "exactly the emulator's time"
    : off > 0
    ? `${off} s behind the emulator's clock (in the past)`
    : `${-off} s ahead of the emulator's clock (in the future)`

const encodingCause = (signature: string, message: Buffer, caller: Caller): Cause => {
  const problems = base64Problems(signature)
  const lenient = lenientBase64(signature)
  const rightBytes = lenient !== undefined && lenient.byteLength > 0 && verifies(message, lenient, caller.publicKey)
  return {
    kind: "signature",
    title: `signature is not standard Base64: ${problems[0]?.title ?? "not canonical"}`,
    detail: `WeChat decodes signature as standard Base64 ('+', '/', '=' padding, no whitespace) and refuses any ` +
      `other text. ${problems.map((problem) => problem.detail).join(" ")}` +
      (rightBytes
        ? " Decoded leniently, the signature verifies: only its encoding is wrong — send it as standard Base64 (Buffer#toString(\"base64\"))."
        : ""),
    sent: clip(signature, 400)
  }
}

const base64Problems = (signature: string): ReadonlyArray<{ readonly title: string; readonly detail: string }> => {
  const problems: Array<{ readonly title: string; readonly detail: string }> = []
  if (signature.startsWith(probePrefix)) {
    problems.push({
      title: `the ${probePrefix} prefix`,
      detail: `It starts with ${probePrefix}, the mark of WeChat's own deliberately wrong probe signatures.`
    })
  }
  if (/\s/.test(signature)) {
    problems.push(
      /[\r\n]/.test(signature)
        ? { title: "line breaks", detail: "It contains line breaks (an encoder that wraps lines, as MIME Base64 does every 76 characters)." }
        : { title: "whitespace", detail: "It contains whitespace." }
    )
  }
  if (/[-_]/.test(signature)) {
    problems.push({
      title: "URL-safe Base64",
      detail: "It is URL-safe Base64 ('-' and '_' in place of '+' and '/'): WeChat wants the standard alphabet."
    })
  }
  if (/%[0-9A-Fa-f]{2}/.test(signature)) {
    problems.push({ title: "percent-encoded", detail: "It is percent-encoded (%2B, %2F, %3D …): send it as is, inside the quotes." })
  }
  const core = signature.replace(/\s+/g, "")
  const data = core.replace(/=+$/, "")
  const padding = core.length - data.length
  const needed = (4 - (data.length % 4)) % 4
  if (!/%/.test(core) && needed !== 1 && padding !== needed) {
    problems.push(
      padding < needed
        ? { title: "missing '=' padding", detail: `Its '=' padding is missing: ${needed} '=' must end it.` }
        : { title: "extra '=' padding", detail: `It ends with ${padding} '=' where ${needed} belong.` }
    )
  }
  const foreign = /[^A-Za-z0-9+/=\s\-_%]/.exec(signature)
  if (foreign !== null) {
    problems.push({
      title: "characters outside Base64",
      detail: `It contains characters outside the Base64 alphabet (first: ${JSON.stringify(foreign[0])}).`
    })
  }
  if (problems.length === 0) {
    problems.push({
      title: "not canonical",
      detail: "Re-encoding its bytes does not give the same text ('=' out of place, or non-zero bits in its last character)."
    })
  }
  return problems
}

/** The signature's bytes under the usual mistakes (whitespace, URL-safe alphabet, missing padding, percent-encoding). */
const lenientBase64 = (signature: string): Buffer | undefined => {
  try {
    let text = signature.replace(/\s+/g, "")
    if (/%[0-9A-Fa-f]{2}/.test(text)) text = decodeURIComponent(text)
    return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64")
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What was signed instead: the search
// ---------------------------------------------------------------------------------------------------------------

/** One candidate for what the caller signed. */
interface Variant {
  readonly kind: "body" | "target" | "method"
  readonly message: Buffer
  readonly signed: string
  readonly sent: string
  readonly detail: string
  /** Short, for the list of what was tried. */
  readonly label: string
  readonly title: string
}

const searchCause = (checked: Checked, caller: Caller, signature: Buffer, message: Buffer): Cause => {
  const seen = new Set<string>([digest(message)])
  let verifications = 1
  const tried: Record<Variant["kind"], Array<string>> = { body: [], target: [], method: [] }
  const bodyTooLarge = checked.signedBody.byteLength > maxVariantBody
  if (!bodyTooLarge) {
    for (const variant of variants(checked, message)) {
      if (verifications >= maxVerifications) break
      const key = digest(variant.message)
      if (seen.has(key)) continue
      seen.add(key)
      verifications++
      tried[variant.kind].push(variant.label)
      if (verifies(variant.message, signature, caller.publicKey)) {
        return {
          kind: variant.kind,
          title: variant.title,
          detail: variant.detail,
          signed: variant.signed,
          sent: variant.sent
        }
      }
    }
  }
  const others = safeCallers(checked.callers)
    .filter((other) => !(other.kind === caller.kind && other.id === caller.id))
    .slice(0, Math.min(maxOtherCallers, Math.max(0, maxVerifications - verifications)))
  for (const other of others) {
    if (verifies(message, signature, other.publicKey)) {
      const named = caller.kind === "brand" ? "brand" : "merchant"
      return {
        kind: "key",
        title: `Signed with ${describeCaller(other)}'s private key, but the Authorization names ${named} ${caller.id}`,
        detail: `The signature verifies over the sign string shown with the key of ${describeCaller(other)}'s ` +
          `${certificateOf(other)} (serial ${other.serialNumber}), but the Authorization names ${describeCaller(caller)} ` +
          `(serial_no ${caller.serialNumber}). Sign with the private key of the caller you name, or name the caller ` +
          `whose key signed (its id and its certificate serial).`,
        signed: `${other.kind === "brand" ? "brand_id" : "mchid"} ${other.id}`,
        sent: `${caller.kind === "brand" ? "brand_id" : "mchid"} ${caller.id}`
      }
    }
  }
  const expectedSize = keyBytes(caller.publicKey)
  const sizeHint = expectedSize !== undefined && signature.byteLength !== expectedSize
    ? ` The signature decodes to ${signature.byteLength} bytes; a signature by this ${expectedSize * 8}-bit RSA key has ${expectedSize}.`
    : ""
  const triedText = bodyTooLarge
    ? `The body is over ${maxVariantBody / (1024 * 1024)} MiB: only the exact sign string was checked, no variants of it.`
    : `Tried besides the sign string shown: ${
      (["body", "target", "method"] as const)
        .filter((kind) => tried[kind].length > 0)
        .map((kind) => `the ${kind} ${tried[kind].join(", ")}`)
        .join("; ")
    }.`
  return {
    kind: "unknown",
    title: "The signature verifies over nothing tried",
    detail: `The signature is well-formed Base64 but does not verify with the key of ${describeCaller(caller)}'s ` +
      `${certificateOf(caller)} (serial ${caller.serialNumber}) over the sign string shown, over any variant of it ` +
      `tried, nor with the key of any of the ${others.length} other caller(s) the emulator serves. ${triedText}` +
      `${sizeHint} It was made with another key, or over other bytes. Sign exactly the five lines shown (method, ` +
      `target, timestamp, nonce_str, body, each followed by \\n) with the private key of the certificate named in ` +
      `serial_no.`
  }
}

function* variants(checked: Checked, message: Buffer): Generator<Variant> {
  const { received } = checked
  const params = checked.parsed?.params
  const timestamp = params?.get("timestamp") ?? ""
  const nonceStr = params?.get("nonce_str") ?? ""
  const rebuild = (method: string, target: string, body: Uint8Array): Buffer =>
    requestSignedBytes(method, target, timestamp, nonceStr, body)

  const sentBody = checked.signedBody
  for (const candidate of bodyVariants(received, sentBody)) {
    yield {
      kind: "body",
      label: candidate.label,
      title: `The body signed (${candidate.label}) is not the body sent`,
      message: rebuild(received.method, received.target, candidate.bytes),
      signed: clip(candidate.bytes, shownBodyBytes),
      sent: clip(sentBody, shownBodyBytes),
      detail: `${candidate.explanation} ${firstDifference(candidate.bytes, sentBody, "body")} Sign the exact bytes you send.`
    }
  }
  yield {
    kind: "body",
    label: "without the final \\n",
    title: "The sign string signed lacks the \\n that ends the body line",
    message: message.subarray(0, message.byteLength - 1),
    signed: clip(sentBody, shownBodyBytes),
    sent: `${clip(sentBody, shownBodyBytes)}\n`,
    detail: "The signature was made over the sign string without the \\n that ends the body line. Every line ends in " +
      "\\n, the body line too, even when the body is empty (the message then ends in \\n\\n)."
  }
  for (const candidate of targetVariants(received.target)) {
    yield {
      kind: "target",
      label: candidate.label,
      title: `The target signed (${candidate.label}) is not the target sent`,
      message: rebuild(received.method, candidate.target, sentBody),
      signed: candidate.target,
      sent: received.target,
      detail: `${candidate.explanation} ${firstDifference(Buffer.from(candidate.target, "utf8"), Buffer.from(received.target, "utf8"), "target")} ` +
        "The target line is the path and query exactly as they go on the wire (what the emulator received): sign what you send."
    }
  }
  for (const method of methodVariants(received.method)) {
    yield {
      kind: "method",
      label: method,
      title: `Signed as ${clip(method, 20)}, sent as ${clip(received.method, 20)}`,
      message: rebuild(method, received.target, sentBody),
      signed: method,
      sent: received.method,
      detail: method.toUpperCase() === received.method.toUpperCase()
        ? `The method line was signed as '${method}', but the request was sent as '${received.method}': the method line is the request's method, upper case, as sent.`
        : `The signature was made for a ${method} request, but the request was sent as ${received.method}: sign the method you send.`
    }
  }
}

interface BodyCandidate {
  readonly label: string
  readonly bytes: Buffer
  readonly explanation: string
}

function* bodyVariants(received: Received, sent: Buffer): Generator<BodyCandidate> {
  const size = `${sent.byteLength} bytes`
  const upload = !bufferOf(received.body).equals(sent)
  const what = upload ? "the meta JSON" : "the body"
  if (sent.byteLength > 0) {
    yield {
      label: "empty",
      bytes: Buffer.alloc(0),
      explanation: `The signature was made over an empty body line, but ${what} sent is ${size}: the body line is ${what} as sent.`
    }
  }
  if (upload) {
    const whole = bufferOf(received.body)
    yield {
      label: "the whole multipart body",
      bytes: whole,
      explanation: `The signature was made over the whole multipart body (${whole.byteLength} bytes), but for an upload ` +
        `(multipart/form-data) the body line is the JSON of the \`meta\` part only (${size}), exactly as placed in that part.`
    }
  }
  if (sent.byteLength > 0 && sent[sent.byteLength - 1] === 0x0a) {
    const cut = sent.byteLength > 1 && sent[sent.byteLength - 2] === 0x0d ? 2 : 1
    yield {
      label: "without its trailing newline",
      bytes: sent.subarray(0, sent.byteLength - cut),
      explanation: `The signature was made over ${what} without its trailing newline, but ${what} sent ends in one (${size}).`
    }
  } else {
    yield {
      label: "with a trailing newline",
      bytes: Buffer.concat([sent, Buffer.from([0x0a])]),
      explanation: `The signature was made over ${what} followed by a newline (as an encoder such as Go's json.Encoder ` +
        `writes it), but ${what} sent has none (${size}).`
    }
  }
  const latin1 = sent.toString("latin1")
  if (latin1.includes("\r\n")) {
    yield {
      label: "with LF line ends",
      bytes: Buffer.from(latin1.replace(/\r\n/g, "\n"), "latin1"),
      explanation: `The signature was made over ${what} with LF line ends, but it was sent with CRLF.`
    }
  }
  if (/(^|[^\r])\n/.test(latin1)) {
    yield {
      label: "with CRLF line ends",
      bytes: Buffer.from(latin1.replace(/\r?\n/g, "\r\n"), "latin1"),
      explanation: `The signature was made over ${what} with CRLF line ends, but it was sent with LF.`
    }
  }
  const hasBom = sent.subarray(0, 3).equals(bom)
  if (hasBom) {
    yield {
      label: "without the byte order mark",
      bytes: sent.subarray(3),
      explanation: `The signature was made over ${what} without its UTF-8 byte order mark (EF BB BF), but it was sent with one.`
    }
  } else if (sent.byteLength > 0) {
    yield {
      label: "with a byte order mark",
      bytes: Buffer.concat([bom, sent]),
      explanation: `The signature was made over ${what} preceded by a UTF-8 byte order mark (EF BB BF), but it was sent without.`
    }
  }
  const json = parseJson(hasBom ? sent.subarray(3) : sent)
  if (json !== undefined) {
    const forms: ReadonlyArray<readonly [string, () => string, string]> = [
      ["re-serialised compactly", () => JSON.stringify(json.value), "re-serialised compactly, as JSON.stringify writes it"],
      ["pretty-printed (2 spaces)", () => JSON.stringify(json.value, null, 2), "re-serialised with 2-space indentation"],
      ["pretty-printed (4 spaces)", () => JSON.stringify(json.value, null, 4), "re-serialised with 4-space indentation"],
      ["with keys sorted", () => JSON.stringify(sortKeys(json.value)), "re-serialised compactly with its keys sorted"],
      [
        "with keys sorted (2 spaces)",
        () => JSON.stringify(sortKeys(json.value), null, 2),
        "re-serialised with its keys sorted and 2-space indentation"
      ]
    ]
    for (const [label, make, how] of forms) {
      // A value nested deeper than the stack allows is simply not re-serialised.
      const text = tryString(make)
      if (text === undefined) continue
      const bytes = Buffer.from(text, "utf8")
      yield {
        label,
        bytes,
        explanation: `The signature was made over ${what} ${how} (${bytes.byteLength} bytes), but ${what} sent is ` +
          `${size}${json.compact ? "" : ", formatted otherwise"}: the client signed one serialisation and sent another.`
      }
    }
  }
  if (sent.byteLength === 0 && /^(GET|DELETE|HEAD)$/i.test(received.method)) {
    yield {
      label: "{}",
      bytes: Buffer.from("{}", "utf8"),
      explanation: `The signature was made over \`{}\` as the body, but this ${received.method} carries no body: the body ` +
        `line of a request without a body is empty (the sign string ends in \\n\\n).`
    }
  }
}

const parseJson = (bytes: Buffer): { readonly value: unknown; readonly compact: boolean } | undefined => {
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes)
    const value: unknown = JSON.parse(text)
    if (typeof value !== "object" || value === null) return undefined
    return { value, compact: JSON.stringify(value) === text }
  } catch {
    return undefined
  }
}

/** A copy with every object's keys in code-unit order (own data properties, `__proto__` included as data). */
const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(
    Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])])
  )
}

interface TargetCandidate {
  readonly label: string
  readonly target: string
  readonly explanation: string
}

function* targetVariants(target: string): Generator<TargetCandidate> {
  const mark = target.indexOf("?")
  const path = mark < 0 ? target : target.substring(0, mark)
  const query = mark < 0 ? undefined : target.substring(mark + 1)
  const withQuery = (q: string | undefined): string => q === undefined ? path : `${path}?${q}`
  const decoded = percentDecode(target)
  if (decoded !== undefined && decoded !== target) {
    yield {
      label: "percent-decoded",
      target: decoded,
      explanation: "The signature was made over the target percent-decoded, but the request went out percent-encoded."
    }
  }
  const reencoded = tryString(() => encodeURI(decoded ?? target))
  if (reencoded !== undefined) {
    yield {
      label: "re-encoded (encodeURI)",
      target: reencoded,
      explanation: "The signature was made over the target re-encoded (encodeURI of its decoded form), but it went out encoded otherwise."
    }
  }
  if (query !== undefined && query !== "") {
    const pairs = query.split("&")
    const componentEncoded = tryString(() =>
      withQuery(pairs.map((pair) => {
        const equals = pair.indexOf("=")
        return equals < 0
          ? encodeURIComponent(percentDecode(pair) ?? pair)
          : `${encodeURIComponent(percentDecode(pair.substring(0, equals)) ?? pair.substring(0, equals))}=${
            encodeURIComponent(percentDecode(pair.substring(equals + 1)) ?? pair.substring(equals + 1))
          }`
      }).join("&"))
    )
    if (componentEncoded !== undefined) {
      yield {
        label: "query encoded by encodeURIComponent",
        target: componentEncoded,
        explanation: "The signature was made with the query's keys and values encoded by encodeURIComponent, but they went out encoded otherwise."
      }
    }
    if (query.includes("+")) {
      yield {
        label: "'+' as %20",
        target: withQuery(query.replace(/\+/g, "%20")),
        explanation: "The signature was made with spaces in the query as %20, but the request sent them as '+'."
      }
    }
    if (query.includes("%20")) {
      yield {
        label: "%20 as '+'",
        target: withQuery(query.replace(/%20/g, "+")),
        explanation: "The signature was made with spaces in the query as '+', but the request sent them as %20."
      }
    }
    const sorted = [...pairs].sort((a, b) => keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)
    if (sorted.join("&") !== query) {
      yield {
        label: "query parameters sorted",
        target: withQuery(sorted.join("&")),
        explanation: "The signature was made with the query parameters in sorted order, but the request sent them in another order."
      }
    }
    yield {
      label: "without the query",
      target: path,
      explanation: "The signature was made over the path alone, but the request has a query: the target line is the path and the query."
    }
  }
  if (/%[0-9a-fA-F]{2}/.test(target)) {
    yield {
      label: "percent-escapes upper case",
      target: target.replace(/%[0-9a-fA-F]{2}/g, (escape) => escape.toUpperCase()),
      explanation: "The signature was made with upper-case percent-escapes (%2F), but the request sent them in lower case."
    }
    yield {
      label: "percent-escapes lower case",
      target: target.replace(/%[0-9a-fA-F]{2}/g, (escape) => escape.toLowerCase()),
      explanation: "The signature was made with lower-case percent-escapes (%2f), but the request sent them in upper case."
    }
  }
  for (const host of hosts) {
    yield {
      label: `with ${host}`,
      target: `${host}${target}`,
      explanation: `The signature was made over the full URL (${host}…), but the target line is only the path and query.`
    }
  }
  if (target.startsWith("/v3/")) {
    yield {
      label: "without /v3",
      target: target.substring(3),
      explanation: "The signature was made over the target without its /v3 prefix (a base URL ending in /v3, perhaps), but the request went to the path with it."
    }
  }
  if (target.endsWith("?")) {
    yield {
      label: "without the trailing '?'",
      target: target.substring(0, target.length - 1),
      explanation: "The signature was made without the empty '?' the request ends with."
    }
  } else if (query === undefined) {
    yield {
      label: "with a trailing '?'",
      target: `${target}?`,
      explanation: "The signature was made over the target with an empty '?' added, but the request has none."
    }
  }
  if (path.length > 1 && path.endsWith("/")) {
    yield {
      label: "without the trailing '/'",
      target: withQuery(path.substring(0, path.length - 1)),
      explanation: "The signature was made over the path without the trailing '/' the request has."
    }
  } else {
    yield {
      label: "with a trailing '/'",
      target: query === undefined ? `${path}/` : `${path}/?${query}`,
      explanation: "The signature was made over the path with a trailing '/', but the request has none."
    }
  }
}

const keyOf = (pair: string): string => {
  const equals = pair.indexOf("=")
  return equals < 0 ? pair : pair.substring(0, equals)
}

/** The target with every percent-escape decoded (UTF-8), `undefined` when its escapes are not valid UTF-8. */
const percentDecode = (text: string): string | undefined => tryString(() => decodeURIComponent(text))

const tryString = (make: () => string): string | undefined => {
  try {
    return make()
  } catch {
    return undefined
  }
}

function* methodVariants(method: string): Generator<string> {
  const lower = method.toLowerCase()
  if (lower !== method) yield lower
  for (const other of methods) if (other !== method) yield other
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Whether the exact sign string verifies with another caller's key: the caller whose key signed, if any. */
const whoseKey = (checked: Checked, all: ReadonlyArray<Caller>): Caller | undefined => {
  const signature = checked.parsed?.params.get("signature") ?? ""
  if (checked.message === undefined || !isCanonicalBase64(signature)) return undefined
  const bytes = Buffer.from(signature, "base64")
  const message = checked.message
  return all.slice(0, maxOtherCallers).find((caller) => verifies(message, bytes, caller.publicKey))
}

/** `RSASSA-PKCS1-v1_5` / SHA-256; `false` for anything that does not verify, including a key of another type. */
const verifies = (message: Uint8Array, signature: Uint8Array, key: crypto.KeyObject): boolean => {
  try {
    return crypto.verify("sha256", message, key, signature)
  } catch {
    return false
  }
}

/** Canonical standard Base64 (padding included), as WeChat reads a signature. */
const isCanonicalBase64 = (text: string): boolean =>
  text.length > 0 && Buffer.from(text, "base64").toString("base64") === text

const keyBytes = (key: crypto.KeyObject): number | undefined => {
  try {
    const bits = key.asymmetricKeyDetails?.modulusLength
    return bits === undefined ? undefined : Math.ceil(bits / 8)
  } catch {
    return undefined
  }
}

const safeCallers = (callers: Callers): ReadonlyArray<Caller> => {
  try {
    return callers.all()
  } catch {
    return []
  }
}

const describeCaller = (caller: Caller): string => `${caller.kind} ${caller.id}`

const certificateOf = (caller: Caller): string => caller.kind === "brand" ? "brand API certificate" : "certificate"

const pathOf = (target: string): string => {
  const mark = target.indexOf("?")
  return clip(mark < 0 ? target : target.substring(0, mark), 120)
}

const stripZeros = (hex: string): string => hex.replace(/^0+/, "")

const decimalOf = (hex: string): string | undefined => {
  try {
    return /^[0-9A-Fa-f]+$/.test(hex) ? BigInt(`0x${hex}`).toString(10) : undefined
  } catch {
    return undefined
  }
}

const digest = (bytes: Uint8Array): string => crypto.createHash("sha256").update(bytes).digest("hex")

const bufferOf = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

const utf8 = (bytes: Uint8Array): string => bufferOf(bytes).toString("utf8")

/** Text or bytes (as UTF-8, lossy) cut to `max` (bytes for bytes, characters for text), saying how much there was. */
const clip = (value: string | Uint8Array, max: number): string => {
  if (typeof value === "string") {
    return value.length <= max ? value : `${value.substring(0, max)}… (${value.length} characters in all)`
  }
  return value.byteLength <= max
    ? utf8(value)
    : `${utf8(value.subarray(0, max))}… (${value.byteLength} bytes in all)`
}

/** Where two byte strings first differ, said for a person. */
const firstDifference = (signed: Uint8Array, sent: Uint8Array, what: string): string => {
  const length = Math.min(signed.byteLength, sent.byteLength)
  let at = 0
  while (at < length && signed[at] === sent[at]) at++
  if (at === length) {
    if (signed.byteLength === sent.byteLength) return ""
    return signed.byteLength < sent.byteLength
      ? `The ${what} signed (${signed.byteLength} bytes) ends at byte ${at}, where the ${what} sent continues with ${describeByte(sent[at])}.`
      : `The ${what} sent (${sent.byteLength} bytes) ends at byte ${at}, where the ${what} signed continues with ${describeByte(signed[at])}.`
  }
  return `First difference at byte ${at}: the ${what} signed has ${describeByte(signed[at])}, the ${what} sent has ${describeByte(sent[at])}.`
}

const describeByte = (byte: number | undefined): string => {
  if (byte === undefined) return "nothing"
  const hex = `0x${byte.toString(16).padStart(2, "0")}`
  const names: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x20: "space" }
  const name = names[byte] ?? (byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : undefined)
  return name === undefined ? hex : `${hex} (${name === "space" ? "a space" : `'${name}'`})`
}
