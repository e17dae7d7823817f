/**
 * The emulator's signature diagnosis (`src/testing/internal/signDiagnosis.ts`): for requests signed here with
 * node:crypto (the five-line message, SHA256withRSA, the Authorization assembled by hand), the verdict is WeChat's and
 * the cause is the exact difference between what was signed and what was sent — the body line (compact vs pretty JSON,
 * an empty body, a newline, the whole multipart body of an upload), the target line (decoded, reordered, the full URL),
 * the method line, another merchant's key — or the check WeChat stops at first (form, scheme, identity, serial, clock,
 * Base64). Nothing it returns carries key material.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import type { Caller, Callers, Received } from "../src/testing/internal/signDiagnosis.js"
import { diagnose } from "../src/testing/internal/signDiagnosis.js"

const NOW = 1_760_000_000
const MERCHANT_SCHEME = "WECHATPAY2-SHA256-RSA2048"
const BRAND_SCHEME = "WECHATPAY-BRAND-SHA256-RSA2048"

interface Party extends Caller {
  readonly privateKey: crypto.KeyObject
}

const party = (kind: Caller["kind"], id: string): Party => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  return { kind, id, serialNumber: crypto.randomBytes(20).toString("hex").toUpperCase(), publicKey, privateKey }
}

const merchant = party("merchant", "1900000109")
const other = party("merchant", "1900000200")
const brand = party("brand", "1000001")
const parties: ReadonlyArray<Party> = [merchant, other, brand]

const callers: Callers = {
  merchant: (mchid) => parties.find((p) => p.kind === "merchant" && p.id === mchid),
  brand: (brandId) => parties.find((p) => p.kind === "brand" && p.id === brandId),
  all: () => parties
}

/** The five lines, each ending in LF, assembled here independently of the emulator. */
const message = (method: string, target: string, timestamp: string, nonce: string, body: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from(`${method}\n${target}\n${timestamp}\n${nonce}\n`, "utf8"), body, Buffer.from("\n")])

const sign = (bytes: Uint8Array, key: crypto.KeyObject): string => crypto.sign("sha256", bytes, key).toString("base64")

const bytesOf = (body: string | Uint8Array): Buffer => typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body)

/** The Authorization header, pairs in the Go SDK's order. */
const authorization = (options: {
  readonly scheme: string
  readonly idKey: string
  readonly id: string
  readonly nonce: string
  readonly timestamp: string
  readonly serial: string
  readonly signature: string
  readonly separator?: string
}): string =>
  `${options.scheme} ${
    [
      `${options.idKey}="${options.id}"`,
      `nonce_str="${options.nonce}"`,
      `signature="${options.signature}"`,
      `timestamp="${options.timestamp}"`,
      `serial_no="${options.serial}"`
    ].join(options.separator ?? ",")
  }`

interface Case {
  /** Sent. */
  readonly method?: string
  readonly target?: string
  /** The body line sent (an upload's `meta`). */
  readonly body?: string | Uint8Array
  /** The whole body sent, when not `body` (an upload). */
  readonly wholeBody?: Uint8Array
  /** What the caller signed, where it differs from what it sent. */
  readonly signed?: { readonly method?: string; readonly target?: string; readonly body?: string | Uint8Array }
  /** Who the Authorization names; signs with its key unless `key`. */
  readonly as?: Party
  readonly key?: crypto.KeyObject
  readonly scheme?: string
  readonly idKey?: string
  readonly id?: string
  readonly serial?: string
  readonly timestamp?: string
  readonly nonce?: string
  readonly signature?: (signature: string) => string
  readonly separator?: string
  /** The whole header; none when `null`. */
  readonly header?: string | null
  readonly receivedAt?: number
}

const request = (c: Case = {}): Received => {
  const method = c.method ?? "POST"
  const target = c.target ?? "/v3/marketing/membercard-open/cards/pbLatjvWOibDc5-TBnbUk1pD12o0/codes/0123/bonus"
  const body = bytesOf(c.body ?? "{\"points\":10,\"appid\":\"wx1234\"}")
  const as = c.as ?? merchant
  const timestamp = c.timestamp ?? String(NOW)
  const nonce = c.nonce ?? "593BEC0C930BF1AFEB40B4A08C8FB242"
  const signedBytes = message(
    c.signed?.method ?? method,
    c.signed?.target ?? target,
    timestamp,
    nonce,
    c.signed?.body === undefined ? body : bytesOf(c.signed.body)
  )
  const signature = sign(signedBytes, c.key ?? as.privateKey)
  const header = c.header !== undefined
    ? c.header
    : authorization({
      scheme: c.scheme ?? (as.kind === "brand" ? BRAND_SCHEME : MERCHANT_SCHEME),
      idKey: c.idKey ?? (as.kind === "brand" ? "brand_id" : "mchid"),
      id: c.id ?? as.id,
      nonce,
      timestamp,
      serial: c.serial ?? as.serialNumber,
      signature: c.signature === undefined ? signature : c.signature(signature),
      ...(c.separator === undefined ? {} : { separator: c.separator })
    })
  return {
    method,
    target,
    headers: {
      "content-type": "application/json",
      ...(header === null ? {} : { authorization: header })
    },
    signedBody: body,
    body: c.wholeBody ?? body,
    receivedAt: c.receivedAt ?? NOW
  }
}

/** The diagnosis of a refused request, its cause asserted present. */
const refused = (received: Received) => {
  const diagnosis = diagnose(received, callers)
  expect(diagnosis.verdict.ok).toBe(false)
  expect(diagnosis.verdict.summary).toMatch(/^401 SIGN_ERROR: /)
  expect(diagnosis.cause).toBeDefined()
  return { ...diagnosis, cause: diagnosis.cause! }
}

const compact = "{\"card_id\":\"pbLatjvWOibDc5-TBnbUk1pD12o0\",\"code\":\"0123\",\"points\":10}"
const pretty = JSON.stringify(JSON.parse(compact), null, 2)

describe("signDiagnosis: verdicts", () => {
  it("a correctly signed merchant request is verified, naming the merchant and its certificate", () => {
    const diagnosis = diagnose(request(), callers)
    expect(diagnosis.scheme).toBe("merchant")
    expect(diagnosis.verdict.ok).toBe(true)
    expect(diagnosis.verdict.summary).toBe(
      `Verified with the key of merchant 1900000109's certificate ${merchant.serialNumber}`
    )
    expect(diagnosis.cause).toBeUndefined()
  })

  it("a correctly signed brand request is verified under the brand scheme", () => {
    const diagnosis = diagnose(request({ as: brand, method: "GET", target: "/brand/card-member/cards/c1?openid=o1", body: "" }), callers)
    expect(diagnosis.scheme).toBe("brand")
    expect(diagnosis.verdict).toEqual({
      ok: true,
      summary: `Verified with the key of brand 1000001's brand API certificate ${brand.serialNumber}`
    })
  })

  it("serial_no is compared without regard to case", () => {
    expect(diagnose(request({ serial: merchant.serialNumber.toLowerCase() }), callers).verdict.ok).toBe(true)
  })

  it("the sign string is the five lines rebuilt: lines, text, bytes and hex", () => {
    const body = "{\"name\":\"会员卡\",\"points\":1}"
    const target = "/v3/marketing/membercard-open/cards?limit=10&offset=0"
    const expected = message("POST", target, String(NOW), "n0nce", Buffer.from(body, "utf8"))
    const diagnosis = diagnose(request({ target, body, nonce: "n0nce" }), callers)
    expect(diagnosis.verdict.ok).toBe(true)
    expect(diagnosis.signString).toEqual({
      text: expected.toString("utf8"),
      hex: expected.toString("hex"),
      bytes: expected.byteLength,
      lines: { method: "POST", target, timestamp: String(NOW), nonce: "n0nce", body }
    })
    expect(diagnosis.signString?.text).toBe(`POST\n${target}\n${NOW}\nn0nce\n${body}\n`)
  })

  it("the hex of a long sign string is its first 4 KiB", () => {
    const body = JSON.stringify({ memo: "x".repeat(10_000) })
    const diagnosis = diagnose(request({ body }), callers)
    const expected = message("POST", request().target, String(NOW), "593BEC0C930BF1AFEB40B4A08C8FB242", Buffer.from(body))
    expect(diagnosis.signString?.bytes).toBe(expected.byteLength)
    expect(diagnosis.signString?.hex).toBe(expected.subarray(0, 4096).toString("hex"))
  })

  it("an upload's sign string holds the meta part, not the multipart body", () => {
    const upload = multipart()
    const diagnosis = diagnose(request({ target: "/v3/marketing/favor/media/image-upload", body: upload.meta, wholeBody: upload.whole }), callers)
    expect(diagnosis.verdict.ok).toBe(true)
    expect(diagnosis.signString?.lines.body).toBe(upload.meta)
  })
})

describe("signDiagnosis: the body line", () => {
  it("signed compact, sent pretty", () => {
    const { cause } = refused(request({ body: pretty, signed: { body: compact } }))
    expect(cause.kind).toBe("body")
    expect(cause.signed).toBe(compact)
    expect(cause.sent).toBe(pretty)
    expect(cause.detail).toContain("compactly")
    expect(cause.detail).toContain(`(${compact.length} bytes)`)
    expect(cause.detail).toContain(`${pretty.length} bytes`)
    expect(cause.detail).toContain("First difference at byte 1, counting from 0: the body signed has 0x22 ('\"'), the body sent has 0x0a ('\\n')")
    expect(cause.detail).toContain("Sign the exact bytes you send")
  })

  it("signed pretty (2 spaces), sent compact", () => {
    const { cause } = refused(request({ body: compact, signed: { body: pretty } }))
    expect(cause.kind).toBe("body")
    expect(cause.signed).toBe(pretty)
    expect(cause.sent).toBe(compact)
    expect(cause.detail).toContain("2-space indentation")
  })

  it("signed with keys sorted, sent in the client's order", () => {
    const sent = "{\"points\":10,\"code\":\"0123\",\"card_id\":\"c\"}"
    const sorted = "{\"card_id\":\"c\",\"code\":\"0123\",\"points\":10}"
    const { cause } = refused(request({ body: sent, signed: { body: sorted } }))
    expect(cause).toMatchObject({ kind: "body", signed: sorted, sent })
    expect(cause.detail).toContain("keys sorted")
  })

  it("an empty body signed, a body sent", () => {
    const { cause } = refused(request({ body: compact, signed: { body: "" } }))
    expect(cause).toMatchObject({ kind: "body", signed: "", sent: compact })
    expect(cause.detail).toContain("empty body line")
  })

  it("the body signed with a trailing newline, sent without", () => {
    const { cause } = refused(request({ body: compact, signed: { body: `${compact}\n` } }))
    expect(cause).toMatchObject({ kind: "body", signed: `${compact}\n`, sent: compact })
    expect(cause.detail).toContain("followed by a newline")
    expect(cause.detail).toContain(`ends at byte ${compact.length}`)
  })

  it("the body signed without the trailing newline it is sent with", () => {
    const { cause } = refused(request({ body: `${compact}\n`, signed: { body: compact } }))
    expect(cause).toMatchObject({ kind: "body", signed: compact, sent: `${compact}\n` })
    expect(cause.detail).toContain("without its trailing newline")
  })

  it("the body signed with LF, sent with CRLF", () => {
    const { cause } = refused(request({ body: pretty.replace(/\n/g, "\r\n"), signed: { body: pretty } }))
    expect(cause).toMatchObject({ kind: "body", signed: pretty, sent: pretty.replace(/\n/g, "\r\n") })
    expect(cause.detail).toContain("LF line ends")
  })

  it("the body signed without the BOM it is sent with", () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(compact)])
    const { cause } = refused(request({ body: withBom, signed: { body: compact } }))
    expect(cause).toMatchObject({ kind: "body", signed: compact })
    expect(cause.detail).toContain("byte order mark")
  })

  it("a sign string without the \\n that ends an empty body line (four lines)", () => {
    const received = request({ method: "GET", target: "/v3/marketing/membercard-open/cards", body: "", nonce: "n1" })
    const fourLines = Buffer.from(`GET\n/v3/marketing/membercard-open/cards\n${NOW}\nn1\n`, "utf8")
    const header = received.headers["authorization"]!.replace(/signature="[^"]*"/, `signature="${sign(fourLines, merchant.privateKey)}"`)
    const { cause } = refused({ ...received, headers: { authorization: header } })
    expect(cause).toMatchObject({ kind: "body", signed: "", sent: "\n" })
    expect(cause.title).toContain("lacks the \\n that ends the body line")
  })

  it("a GET signed with {} as its body", () => {
    const { cause } = refused(request({ method: "GET", target: "/v3/marketing/membercard-open/cards", body: "", signed: { body: "{}" } }))
    expect(cause).toMatchObject({ kind: "body", signed: "{}", sent: "" })
    expect(cause.detail).toContain("carries no body")
  })

  it("an upload whose whole multipart body was signed instead of the meta part", () => {
    const upload = multipart()
    const { cause } = refused(request({
      target: "/v3/marketing/favor/media/image-upload",
      body: upload.meta,
      wholeBody: upload.whole,
      signed: { body: upload.whole }
    }))
    expect(cause.kind).toBe("body")
    expect(cause.signed).toBe(upload.whole.toString("utf8"))
    expect(cause.sent).toBe(upload.meta)
    expect(cause.detail).toContain("whole multipart body")
    expect(cause.detail).toContain(`(${upload.whole.byteLength} bytes)`)
    expect(cause.detail).toContain("`meta` part")
  })

  it("an upload whose meta was signed compact but sent with spaces", () => {
    const upload = multipart("{ \"filename\": \"logo.png\", \"sha256\": \"ab\" }")
    const { cause } = refused(request({
      target: "/v3/marketing/favor/media/image-upload",
      body: upload.meta,
      wholeBody: upload.whole,
      signed: { body: "{\"filename\":\"logo.png\",\"sha256\":\"ab\"}" }
    }))
    expect(cause).toMatchObject({ kind: "body", signed: "{\"filename\":\"logo.png\",\"sha256\":\"ab\"}", sent: upload.meta })
    expect(cause.detail).toContain("meta JSON")
  })

  it("a large body is shown cut to about 2 KiB in signed and sent", () => {
    const big = JSON.stringify({ memo: "y".repeat(5000) }, null, 2)
    const { cause } = refused(request({ body: big, signed: { body: JSON.stringify(JSON.parse(big)) } }))
    expect(cause.kind).toBe("body")
    expect(cause.sent!.length).toBeLessThan(2200)
    expect(cause.sent).toContain(`(${big.length} bytes in all)`)
  })
})

describe("signDiagnosis: the target line", () => {
  const encoded = "/v3/marketing/membercard-open/cards/c1/codes?name=%E4%BC%9A%E5%91%98&filter=a%7Cb"
  const decoded = "/v3/marketing/membercard-open/cards/c1/codes?name=会员&filter=a|b"

  it("signed decoded, sent percent-encoded", () => {
    const { cause } = refused(request({ method: "GET", body: "", target: encoded, signed: { target: decoded } }))
    expect(cause).toMatchObject({ kind: "target", signed: decoded, sent: encoded })
    expect(cause.detail).toContain("percent-decoded")
  })

  it("signed with query values encoded by encodeURIComponent, sent as the HTTP library left them", () => {
    const sent = "/v3/marketing/membercard-open/cards?url=https://example.com/a&x=1"
    const signed = "/v3/marketing/membercard-open/cards?url=https%3A%2F%2Fexample.com%2Fa&x=1"
    const { cause } = refused(request({ method: "GET", body: "", target: sent, signed: { target: signed } }))
    expect(cause).toMatchObject({ kind: "target", signed, sent })
    expect(cause.detail).toContain("encodeURIComponent")
    expect(cause.detail).toContain("First difference at byte 45")
  })

  it("signed with sorted query parameters, sent in another order", () => {
    const sent = "/v3/marketing/membercard-open/cards?offset=0&limit=10"
    const sorted = "/v3/marketing/membercard-open/cards?limit=10&offset=0"
    const { cause } = refused(request({ method: "GET", body: "", target: sent, signed: { target: sorted } }))
    expect(cause).toMatchObject({ kind: "target", signed: sorted, sent })
    expect(cause.detail).toContain("sorted order")
  })

  it("signed over the full URL", () => {
    const target = "/v3/marketing/membercard-open/cards?limit=10"
    const { cause } = refused(request({ method: "GET", body: "", target, signed: { target: `https://api.mch.weixin.qq.com${target}` } }))
    expect(cause).toMatchObject({ kind: "target", signed: `https://api.mch.weixin.qq.com${target}`, sent: target })
    expect(cause.detail).toContain("full URL")
  })

  it("signed without the query", () => {
    const target = "/v3/marketing/membercard-open/cards?limit=10"
    const { cause } = refused(request({ method: "GET", body: "", target, signed: { target: "/v3/marketing/membercard-open/cards" } }))
    expect(cause).toMatchObject({ kind: "target", signed: "/v3/marketing/membercard-open/cards", sent: target })
  })

  it("signed without the /v3 prefix", () => {
    const target = "/v3/marketing/membercard-open/cards"
    const { cause } = refused(request({ method: "GET", body: "", target, signed: { target: "/marketing/membercard-open/cards" } }))
    expect(cause).toMatchObject({ kind: "target", signed: "/marketing/membercard-open/cards", sent: target })
  })

  it("signed with '+' for spaces, sent %20", () => {
    const target = "/v3/marketing/membercard-open/cards?title=a%20b"
    const { cause } = refused(request({ method: "GET", body: "", target, signed: { target: "/v3/marketing/membercard-open/cards?title=a+b" } }))
    expect(cause).toMatchObject({ kind: "target", signed: "/v3/marketing/membercard-open/cards?title=a+b", sent: target })
  })

  it("signed with %20 for spaces, sent '+'", () => {
    const target = "/v3/marketing/membercard-open/cards?title=a+b"
    const { cause } = refused(request({ method: "GET", body: "", target, signed: { target: "/v3/marketing/membercard-open/cards?title=a%20b" } }))
    expect(cause).toMatchObject({ kind: "target", signed: "/v3/marketing/membercard-open/cards?title=a%20b", sent: target })
    expect(cause.detail).toContain("spaces as '%20', but the request sent them as '+'")
  })
})

describe("signDiagnosis: the method line", () => {
  it("signed in lower case", () => {
    const { cause } = refused(request({ signed: { method: "post" } }))
    expect(cause).toMatchObject({ kind: "method", signed: "post", sent: "POST" })
    expect(cause.detail).toContain("upper case")
  })

  it("PATCH signed, POST sent", () => {
    const { cause } = refused(request({ signed: { method: "PATCH" } }))
    expect(cause).toMatchObject({ kind: "method", signed: "PATCH", sent: "POST" })
    expect(cause.title).toBe("Signed as PATCH, sent as POST")
  })
})

describe("signDiagnosis: the clock", () => {
  it("300 s either way is accepted; 301 s is not", () => {
    expect(diagnose(request({ timestamp: String(NOW - 300) }), callers).verdict.ok).toBe(true)
    expect(diagnose(request({ timestamp: String(NOW + 300) }), callers).verdict.ok).toBe(true)
    const stale = refused(request({ timestamp: String(NOW - 301) }))
    expect(stale.cause).toMatchObject({ kind: "timestamp", sent: String(NOW - 301), title: "timestamp is 301 s in the past" })
    expect(stale.cause.detail).toContain("301 s behind")
    expect(stale.verdict.summary).toContain("不得超过5分钟")
    const ahead = refused(request({ timestamp: String(NOW + 301) }))
    expect(ahead.cause).toMatchObject({ kind: "timestamp", title: "timestamp is 301 s in the future" })
    expect(ahead.cause.detail).toContain("301 s ahead")
  })

  it("a timestamp in milliseconds", () => {
    const { cause } = refused(request({ timestamp: String(NOW * 1000 + 123) }))
    expect(cause).toMatchObject({ kind: "timestamp", sent: String(NOW * 1000 + 123) })
    expect(cause.title).toContain("milliseconds")
    expect(cause.detail).toContain("Math.floor(Date.now() / 1000)")
    expect(cause.detail).toContain("exactly the emulator's time")
  })

  it("a timestamp that is not digits", () => {
    const { cause } = refused(request({ timestamp: "2025-10-09T12:00:00Z" }))
    expect(cause).toMatchObject({ kind: "timestamp", title: "timestamp is not Unix seconds" })
  })
})

describe("signDiagnosis: form, scheme, identity, serial", () => {
  it("no Authorization: format, and no sign string", () => {
    const diagnosis = refused(request({ header: null }))
    expect(diagnosis.cause.kind).toBe("format")
    expect(diagnosis.cause.title).toBe("No Authorization header")
    expect(diagnosis.signString).toBeUndefined()
    expect(diagnosis.verdict.summary).toContain("Http头Authorization值格式错误")
  })

  it("pairs joined by ', ': format, said precisely, and what would happen without the spaces", () => {
    const diagnosis = refused(request({ separator: ", " }))
    expect(diagnosis.cause.kind).toBe("format")
    expect(diagnosis.cause.title).toContain("pairs must be joined by bare commas: found ', '")
    expect(diagnosis.cause.detail).toContain("the signature itself verifies")
    expect(diagnosis.signString).toBeUndefined()
  })

  it("pairs joined by ', ' and an unknown mchid: what WeChat would answer with the spaces removed", () => {
    const { cause } = refused(request({ separator: ", ", id: "1900000999" }))
    expect(cause.kind).toBe("format")
    expect(cause.detail).toContain("Written that way WeChat would still refuse it: 商户号有误")
  })

  it("a pair without quotes: format naming the key", () => {
    const header = request().headers["authorization"]!.replace(/mchid="(\d+)"/, "mchid=$1")
    const { cause } = refused(request({ header }))
    expect(cause.kind).toBe("format")
    expect(cause.title).toBe("Authorization is not `SCHEME key=\"value\",…`: mchid not in double quotes")
  })

  it("a missing pair: format naming it, and the sign string is still rebuilt", () => {
    const header = request().headers["authorization"]!.replace(/,serial_no="[^"]*"/, "")
    const diagnosis = refused(request({ header }))
    expect(diagnosis.cause).toMatchObject({ kind: "format", title: "Authorization lacks serial_no" })
    expect(diagnosis.signString?.lines.timestamp).toBe(String(NOW))
  })

  it("a brand path without brand_id (nor mchid): format naming brand_id", () => {
    const header = request({ as: brand, target: "/brand/card-member/cards/c1", method: "GET", body: "" })
      .headers["authorization"]!.replace(/brand_id="[^"]*",/, "")
    const { cause } = refused(request({ as: brand, target: "/brand/card-member/cards/c1", method: "GET", body: "", header }))
    expect(cause).toMatchObject({ kind: "format", title: "Authorization lacks brand_id" })
  })

  it("the merchant scheme on a brand path", () => {
    const { cause } = refused(request({ as: brand, scheme: MERCHANT_SCHEME, target: "/brand/card-member/cards/c1", method: "GET", body: "" }))
    expect(cause).toMatchObject({ kind: "scheme", sent: MERCHANT_SCHEME })
    expect(cause.detail).toContain(BRAND_SCHEME)
  })

  it("the brand scheme on a merchant path", () => {
    const { cause } = refused(request({ scheme: BRAND_SCHEME }))
    expect(cause).toMatchObject({ kind: "scheme", sent: BRAND_SCHEME })
    expect(cause.detail).toContain(MERCHANT_SCHEME)
  })

  it("mchid on a brand path", () => {
    const diagnosis = refused(request({ as: brand, idKey: "mchid", target: "/brand/card-member/cards/c1", method: "GET", body: "" }))
    expect(diagnosis.scheme).toBe("brand")
    expect(diagnosis.cause).toMatchObject({ kind: "identity", title: "mchid on a brand path", sent: "mchid=\"1000001\"" })
    expect(diagnosis.cause.detail).toContain("brand_id=\"1000001\"")
    expect(diagnosis.verdict.summary).toContain("品牌API不接受mchid")
  })

  it("brand_id on a merchant path", () => {
    const { cause } = refused(request({ as: brand, target: "/v3/marketing/membercard-open/cards", method: "GET", body: "" }))
    expect(cause).toMatchObject({ kind: "identity", title: "brand_id on a merchant path" })
  })

  it("an unknown mchid, with the merchant whose key signed", () => {
    const diagnosis = refused(request({ id: "1900000999" }))
    expect(diagnosis.cause).toMatchObject({ kind: "identity", sent: "1900000999", title: "Unknown mchid 1900000999" })
    expect(diagnosis.cause.detail).toContain("1900000109, 1900000200")
    expect(diagnosis.cause.detail).toContain("verifies with the key of merchant 1900000109")
    expect(diagnosis.verdict.summary).toContain("商户号有误")
  })

  it("an unknown brand_id", () => {
    const { cause } = refused(request({ as: brand, id: "1000999", target: "/brand/card-member/cards/c1", method: "GET", body: "" }))
    expect(cause).toMatchObject({ kind: "identity", sent: "1000999" })
  })

  it("a wrong serial: sent, and the serial expected", () => {
    const wrong = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
    const diagnosis = refused(request({ serial: wrong }))
    expect(diagnosis.cause).toMatchObject({ kind: "serial", sent: wrong })
    expect(diagnosis.cause.detail).toContain(`has serial ${merchant.serialNumber}`)
    expect(diagnosis.verdict.summary).toContain("商户证书序列号有误")
  })

  it("another merchant's serial: named", () => {
    const { cause } = refused(request({ serial: other.serialNumber }))
    expect(cause).toMatchObject({ kind: "serial", sent: other.serialNumber })
    expect(cause.detail).toContain("That is the serial of merchant 1900000200's certificate")
  })

  it("another merchant's serial and key: named, and that its key made the signature", () => {
    const { cause } = refused(request({ serial: other.serialNumber, key: other.privateKey }))
    expect(cause).toMatchObject({ kind: "serial", sent: other.serialNumber })
    expect(cause.detail).toContain("The signature verifies with its key: the request was signed as merchant 1900000200 but names merchant 1900000109")
  })

  it("a public key id in serial_no", () => {
    const { cause } = refused(request({ serial: "PUB_KEY_ID_0000000000000024101100397200000006" }))
    expect(cause.kind).toBe("serial")
    expect(cause.detail).toContain("Wechatpay-Serial")
  })
})

describe("signDiagnosis: the signature", () => {
  /** A request whose standard Base64 signature has '+' or '/', so its URL-safe form differs. */
  const withSymbols = (): { readonly nonce: string; readonly signature: string } => {
    for (let i = 0;; i++) {
      const nonce = `nonce${i}`
      const signature = request({ nonce }).headers["authorization"]!.match(/signature="([^"]*)"/)![1]!
      if (/[+/]/.test(signature)) return { nonce, signature }
    }
  }

  it("another merchant's key", () => {
    const { cause } = refused(request({ key: other.privateKey }))
    expect(cause).toMatchObject({
      kind: "key",
      signed: "mchid 1900000200",
      sent: "mchid 1900000109",
      title: "Signed with merchant 1900000200's private key, but the Authorization names merchant 1900000109"
    })
  })

  it("the brand's key on a merchant's request", () => {
    const { cause } = refused(request({ key: brand.privateKey }))
    expect(cause).toMatchObject({ kind: "key", signed: "brand_id 1000001", sent: "mchid 1900000109" })
  })

  it("a garbage signature (well-formed Base64): unknown, listing what was tried", () => {
    const garbage = crypto.randomBytes(256).toString("base64")
    const diagnosis = refused(request({ signature: () => garbage }))
    expect(diagnosis.cause.kind).toBe("unknown")
    expect(diagnosis.cause.signed).toBeUndefined()
    expect(diagnosis.cause.detail).toContain("the body empty")
    expect(diagnosis.cause.detail).toContain("the target with https://api.mch.weixin.qq.com")
    expect(diagnosis.cause.detail).toContain("the method post")
    expect(diagnosis.cause.detail).toContain("Sign exactly the five lines shown")
    expect(diagnosis.verdict.summary).toContain("错误的签名，验签失败")
  })

  it("a short garbage signature: its size said", () => {
    const { cause } = refused(request({ signature: () => "AAAA" }))
    expect(cause.kind).toBe("unknown")
    expect(cause.detail).toContain("decodes to 3 bytes")
  })

  it("text that is not Base64", () => {
    const { cause } = refused(request({ signature: () => "not a signature!" }))
    expect(cause).toMatchObject({ kind: "signature", sent: "not a signature!", title: "signature is not standard Base64: not canonical" })
    expect(cause.detail).toContain("whitespace")
    expect(cause.detail).not.toContain("only its encoding is wrong")
  })

  it("URL-safe Base64: said, and that the bytes are right", () => {
    const { nonce, signature } = withSymbols()
    const urlSafe = Buffer.from(signature, "base64").toString("base64url")
    const { cause } = refused(request({ nonce, signature: () => urlSafe }))
    expect(cause).toMatchObject({ kind: "signature", sent: urlSafe })
    expect(cause.title).toContain("URL-safe")
    expect(cause.detail).toContain("'=' padding is missing")
    expect(cause.detail).toContain("only its encoding is wrong")
  })

  it("missing padding", () => {
    const { cause } = refused(request({ signature: (s) => s.replace(/=+$/, "") }))
    expect(cause.kind).toBe("signature")
    expect(cause.title).toBe("signature is not standard Base64: missing '=' padding")
    expect(cause.detail).toContain("only its encoding is wrong")
  })

  it("line breaks in the signature: not canonical, and the bytes are right", () => {
    const { cause } = refused(request({ signature: (s) => s.replace(/(.{76})/g, "$1\n") }))
    expect(cause).toMatchObject({ kind: "signature", title: "signature is not standard Base64: not canonical" })
    expect(cause.detail).toContain("only its encoding is wrong")
  })
})

describe("signDiagnosis: hostile input", () => {
  it("never throws: garbage headers, invalid UTF-8, odd targets", () => {
    const invalid = Uint8Array.of(0xff, 0xfe, 0x80, 0x0a, 0xc3)
    const inputs: ReadonlyArray<Received> = [
      { ...request({ body: invalid, signed: { body: "x" } }) },
      { ...request({ target: "/v3/%E4%ZZ?%%%&&==", signed: { target: "/v3/x" } }) },
      { ...request(), headers: { authorization: "" } },
      { ...request(), headers: { authorization: " " } },
      { ...request(), headers: { authorization: "WECHATPAY2-SHA256-RSA2048" } },
      { ...request(), headers: { authorization: "WECHATPAY2-SHA256-RSA2048 ,,,,=\"\"" } },
      { ...request(), headers: { authorization: 42 as unknown as string } },
      { ...request({ signature: () => "WECHATPAY/SIGNTEST/abc" }) },
      { ...request({ body: `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, signed: { body: "{}" } }) },
      { ...request({ body: `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`, signed: { body: "{}" } }) },
      { ...request({ body: "{\"a\":2,\"__proto__\":{\"x\":1}}", signed: { body: "{\"__proto__\":{\"x\":1},\"a\":2}" } }) }
    ]
    for (const received of inputs) {
      const diagnosis = diagnose(received, callers)
      expect(diagnosis.verdict.ok).toBe(false)
      expect(typeof diagnosis.verdict.summary).toBe("string")
    }
    const sorted = diagnose(inputs[10]!, callers)
    expect(sorted.cause?.kind).toBe("body")
  })

  it("callers that throw do not make the diagnosis throw", () => {
    const broken: Callers = {
      merchant: () => {
        throw new Error("boom")
      },
      brand: () => undefined,
      all: () => {
        throw new Error("boom")
      }
    }
    const diagnosis = diagnose(request(), broken)
    expect(diagnosis.verdict.ok).toBe(false)
    expect(diagnosis.cause).toMatchObject({ kind: "unknown", title: "The diagnosis failed" })
  })

  it("other callers' keys: at most 40 tried, within the bound on verifications", () => {
    const many: ReadonlyArray<Caller> = [
      merchant,
      ...Array.from({ length: 100 }, (_, i) => ({ ...brand, id: `2${String(i).padStart(6, "0")}` })),
      other
    ]
    const crowded: Callers = { ...callers, all: () => many }
    const { cause } = diagnose(request({ key: other.privateKey }), crowded)
    expect(cause?.kind).toBe("unknown")
    expect(cause?.detail).toContain("any of the 40 other caller(s) tried")
    expect(diagnose(request({ key: other.privateKey }), callers).cause?.kind).toBe("key")
  })

  it("a body over 1 MiB: only the exact check, quickly", () => {
    const big = JSON.stringify({ memo: "z".repeat(1_100_000) }, null, 2)
    expect(diagnose(request({ body: big }), callers).verdict.ok).toBe(true)
    const started = Date.now()
    const { cause } = refused(request({ body: big, signed: { body: JSON.stringify(JSON.parse(big)) } }))
    expect(cause.kind).toBe("unknown")
    expect(cause.detail).toContain("only the exact sign string was checked")
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe("signDiagnosis: no key material", () => {
  it("no diagnosis carries a private key or a key's Base64", () => {
    const pemBodies = parties.flatMap((p) => [
      p.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      p.publicKey.export({ type: "spki", format: "pem" }).toString(),
      p.publicKey.export({ type: "pkcs1", format: "pem" }).toString()
    ]).flatMap((pem) => pem.split("\n").filter((line) => line.length >= 40 && !line.startsWith("-----")))
    const ders = parties.flatMap((p) => [
      p.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
      p.publicKey.export({ type: "spki", format: "der" }).toString("base64")
    ])
    const all = [
      request(),
      request({ header: null }),
      request({ separator: ", " }),
      request({ key: other.privateKey }),
      request({ serial: other.serialNumber }),
      request({ id: "1900000999" }),
      request({ signature: () => crypto.randomBytes(256).toString("base64") }),
      request({ body: pretty, signed: { body: compact } }),
      request({ signature: (s) => s.replace(/=+$/, "") })
    ].map((received) => JSON.stringify(diagnose(received, callers)))
    for (const text of all) {
      expect(text).not.toContain("PRIVATE KEY")
      expect(text).not.toContain("PUBLIC KEY")
      for (const line of pemBodies) expect(text).not.toContain(line)
      for (const der of ders) expect(text).not.toContain(der.substring(0, 60))
    }
  })
})

/** A multipart/form-data upload: the `meta` JSON part (what is signed) and a file part. */
function multipart(meta = "{\"filename\":\"logo.png\",\"sha256\":\"0123456789abcdef\"}"): {
  readonly meta: string
  readonly whole: Buffer
} {
  const boundary = "----boundary7MA4YWxkTrZu0gW"
  const whole = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n${meta}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="logo.png"\r\nContent-Type: image/png\r\n\r\n`,
      "utf8"
    ),
    Buffer.from("PNG-bytes-0123456789", "latin1"),
    Buffer.from(`\r\n--${boundary}--\r\n`, "utf8")
  ])
  return { meta, whole }
}
