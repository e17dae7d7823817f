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
  it("signed pretty (2 spaces), sent compact", () => {
    const { cause } = refused(request({ body: compact, signed: { body: pretty } }))
    expect(cause.kind).toBe("body")
    expect(cause.signed).toBe(pretty)
    expect(cause.sent).toBe(compact)
    expect(cause.detail).toContain("2-space indentation")
  })

  it("a sign string without the \\n that ends an empty body line (four lines)", () => {
    const received = request({ method: "GET", target: "/v3/marketing/membercard-open/cards", body: "", nonce: "n1" })
    const fourLines = Buffer.from(`GET\n/v3/marketing/membercard-open/cards\n${NOW}\nn1\n`, "utf8")
    const header = received.headers["authorization"]!.replace(/signature="[^"]*"/, `signature="${sign(fourLines, merchant.privateKey)}"`)
    const { cause } = refused({ ...received, headers: { authorization: header } })
    expect(cause).toMatchObject({ kind: "body", signed: "", sent: "\n" })
    expect(cause.title).toContain("lacks the \\n that ends the body line")
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

  it("mchid on a brand path", () => {
    const diagnosis = refused(request({ as: brand, idKey: "mchid", target: "/brand/card-member/cards/c1", method: "GET", body: "" }))
    expect(diagnosis.scheme).toBe("brand")
    expect(diagnosis.cause).toMatchObject({ kind: "identity", title: "mchid on a brand path", sent: "mchid=\"1000001\"" })
    expect(diagnosis.cause.detail).toContain("brand_id=\"1000001\"")
    expect(diagnosis.verdict.summary).toContain("品牌API不接受mchid")
  })

  it("an unknown mchid, with the merchant whose key signed", () => {
    const diagnosis = refused(request({ id: "1900000999" }))
    expect(diagnosis.cause).toMatchObject({ kind: "identity", sent: "1900000999", title: "Unknown mchid 1900000999" })
    expect(diagnosis.cause.detail).toContain("1900000109, 1900000200")
    expect(diagnosis.cause.detail).toContain("verifies with the key of merchant 1900000109")
    expect(diagnosis.verdict.summary).toContain("商户号有误")
  })

  it("a wrong serial: sent, and the serial expected", () => {
    const wrong = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
    const diagnosis = refused(request({ serial: wrong }))
    expect(diagnosis.cause).toMatchObject({ kind: "serial", sent: wrong })
    expect(diagnosis.cause.detail).toContain(`has serial ${merchant.serialNumber}`)
    expect(diagnosis.verdict.summary).toContain("商户证书序列号有误")
  })

  it("a public key id in serial_no", () => {
    const { cause } = refused(request({ serial: "PUB_KEY_ID_0000000000000024101100397200000006" }))
    expect(cause.kind).toBe("serial")
    expect(cause.detail).toContain("Wechatpay-Serial")
  })
})

/** A request whose standard Base64 signature has '+' or '/', so its URL-safe form differs. */
const withSymbols = (): { readonly nonce: string; readonly signature: string } => {
  for (let i = 0;; i++) {
    const nonce = `nonce${i}`
    const signature = request({ nonce }).headers["authorization"]!.match(/signature="([^"]*)"/)![1]!
    if (/[+/]/.test(signature)) return { nonce, signature }
  }
}

describe("signDiagnosis: the signature", () => {

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

  it("other callers' keys: the 40th other caller is searched, the 41st is not", () => {
    // The merchant named comes first and is never among the others; then `before` callers whose keys do not verify
    // (the brand's key, other ids), then the caller whose key signed. A plain POST has far fewer than 99 variants, so
    // maxOtherCallers (40), not what maxVerifications (140) leaves, bounds the others tried.
    const crowded = (before: number): Callers => ({
      ...callers,
      all: () => [merchant, ...Array.from({ length: before }, (_, i) => ({ ...brand, id: `2${String(i).padStart(6, "0")}` })), other]
    })
    const signedByOther = request({ key: other.privateKey })
    expect(diagnose(signedByOther, crowded(39)).cause).toMatchObject({
      kind: "key",
      title: "Signed with merchant 1900000200's private key, but the Authorization names merchant 1900000109",
      signed: "mchid 1900000200"
    })
    const { cause } = diagnose(signedByOther, crowded(40))
    expect(cause).toMatchObject({ kind: "unknown", title: "The signature verifies over nothing tried" })
    expect(cause?.detail).toContain("nor with the key of any of the 40 other caller(s) tried")
  })

  it("a body over 1 MiB: verified when signed right; refused quickly, no variant found", () => {
    const big = JSON.stringify({ memo: "z".repeat(1_100_000) }, null, 2)
    expect(diagnose(request({ body: big }), callers).verdict.ok).toBe(true)
    const started = Date.now()
    const { cause } = refused(request({ body: big, signed: { body: JSON.stringify(JSON.parse(big)) } }))
    expect(cause.kind).toBe("unknown")
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

// --- What the console shows, pinned: the texts an integrator reads and the decisions behind them ---------------------

const TEMPLATE = `${MERCHANT_SCHEME} mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`
const BONUS = "/v3/marketing/membercard-open/cards/pbLatjvWOibDc5-TBnbUk1pD12o0/codes/0123/bonus"
const CARDS = "/v3/marketing/membercard-open/cards"
const BRAND_PATH = "/brand/card-member/cards/c1"
/** The Authorization of a request that verifies. */
const good = (c: Case = {}): string => request(c).headers["authorization"]!
const noise = (): string => crypto.randomBytes(256).toString("base64")
const ACCEPTED = " Written that way the request would be accepted: the signature itself verifies."

describe("signDiagnosis: what the console shows for a malformed Authorization", () => {
  const readable = (after: string) =>
    `WeChat reads the scheme, exactly one space, then key="value" pairs joined by bare commas, no spaces: \`${TEMPLATE}\`.${after}`
  const cases: ReadonlyArray<readonly [string, () => string, string, string]> = [
    ["an empty header", () => "", "the header is empty", ""],
    ["a header of spaces", () => "   ", "the header is empty", ""],
    ["a scheme alone", () => MERCHANT_SCHEME, "no space after the scheme", ""],
    ["a leading space", () => ` ${good()}`, "a leading space", ACCEPTED],
    ["two spaces after the scheme", () => good().replace(" ", "  "), "more than one space after the scheme", ACCEPTED],
    ["',  ' between pairs", () => good({ separator: ",  " }), "pairs must be joined by bare commas: found ',  '", ACCEPTED],
    ["'  ,' between pairs", () => good({ separator: "  ," }), "pairs must be joined by bare commas: found '  ,'", ACCEPTED],
    [
      "', ' and an unquoted value: not repairable by spacing",
      () => good({ separator: ", " }).replace(/mchid="(\d+)"/, "mchid=$1"),
      "pairs must be joined by bare commas: found ', '",
      ""
    ],
    ["a pair without '='", () => `${good()},oops`, "'oops' is not key=\"value\"", ""],
    ["a pair with an empty key", () => `${MERCHANT_SCHEME} =x`, "'=x' is not key=\"value\"", ""],
    ["a one-letter scheme, then an unquoted value", () => "X mchid=1900000109", "mchid not in double quotes", ""],
    ["a one-letter key, then an unquoted value", () => `${MERCHANT_SCHEME} a="1",mchid=1900000109`, "mchid not in double quotes", ""],
    ["a key not lower-case", () => `${MERCHANT_SCHEME} mchId="1"`, "key 'mchId' is not lower-case letters and '_'", ""],
    ["a value with text before its quotes", () => `${MERCHANT_SCHEME} mchid="1900000109",nonce_str=x"1"`, "nonce_str not in double quotes", ""],
    ["a value with text after its quotes", () => `${MERCHANT_SCHEME} mchid="1900000109",nonce_str="1"x`, "nonce_str not in double quotes", ""],
    ["a long pair, cut", () => `${MERCHANT_SCHEME} ${"x".repeat(81)}`, `'${"x".repeat(80)}… (81 characters in all)' is not key="value"`, ""]
  ]
  it.each(cases)("%s", (_, header, problem, after) => {
    const sent = header()
    const { cause, signString } = refused(request({ header: sent }))
    expect(cause).toEqual({
      kind: "format",
      title: `Authorization is not \`SCHEME key="value",…\`: ${problem}`,
      detail: readable(after),
      sent
    })
    expect(signString).toBeUndefined()
  })

  it("the header shown is cut after 1024 characters", () => {
    const exact = `${MERCHANT_SCHEME} ${"x".repeat(1024 - MERCHANT_SCHEME.length - 1)}`
    expect(exact).toHaveLength(1024)
    expect(refused(request({ header: exact })).cause.sent).toBe(exact)
    expect(refused(request({ header: `${exact}y` })).cause.sent).toBe(`${exact}… (1025 characters in all)`)
  })

  it("a header that is not a string is no header", () => {
    const { cause } = refused({ ...request(), headers: { authorization: 42 as unknown as string } })
    expect(cause).toMatchObject({ kind: "format", title: "No Authorization header" })
    expect(cause.detail).toBe(`WeChat refuses an APIv3 request without an Authorization header. Send \`Authorization: ${TEMPLATE}\`.`)
  })
})

describe("signDiagnosis: what the console shows for a missing pair", () => {
  const lacks = (missing: string, found: string) =>
    `Missing or empty: ${missing}. Found: ${found}. The header is \`${TEMPLATE}\` (pairs in any order).`
  const cases: ReadonlyArray<readonly [string, () => string, string, string, boolean]> = [
    ["an empty serial_no", () => good().replace(/serial_no="[^"]*"/, "serial_no=\"\""), "serial_no", "mchid, nonce_str, signature, timestamp", true],
    ["only an empty mchid", () => `${MERCHANT_SCHEME} mchid=""`, "mchid, nonce_str, timestamp, serial_no, signature", "no non-empty pair", false],
    ["no nonce_str: no sign string", () => good().replace(/,nonce_str="[^"]*"/, ""), "nonce_str", "mchid, signature, timestamp, serial_no", false],
    ["no timestamp: no sign string", () => good().replace(/,timestamp="[^"]*"/, ""), "timestamp", "mchid, nonce_str, signature, serial_no", false],
    ["no mchid (nor brand_id)", () => good().replace(/mchid="[^"]*",/, ""), "mchid", "nonce_str, signature, timestamp, serial_no", true],
    [
      "mchid and brand_id, no nonce_str",
      () => good().replace(/,nonce_str="[^"]*"/, ",brand_id=\"1000001\""),
      "nonce_str",
      "mchid, brand_id, signature, timestamp, serial_no",
      false
    ],
    [
      "brand_id in place of mchid, and no serial_no",
      () => good().replace(/mchid=/, "brand_id=").replace(/,serial_no="[^"]*"/, ""),
      "mchid, serial_no",
      "brand_id, nonce_str, signature, timestamp",
      true
    ]
  ]
  it.each(cases)("%s", (_, header, missing, found, rebuilt) => {
    const sent = header()
    const { cause, signString } = refused(request({ header: sent }))
    expect(cause).toEqual({ kind: "format", title: `Authorization lacks ${missing}`, detail: lacks(missing, found), sent })
    expect(signString !== undefined).toBe(rebuilt)
  })

  it.each([
    ["the brand scheme", BRAND_SCHEME, ` with the brand scheme ${BRAND_SCHEME}`],
    ["the merchant scheme", MERCHANT_SCHEME, ""]
  ])("brand_id in place of mchid on a merchant path, with %s", (_, scheme, withScheme) => {
    const c: Case = { as: brand, scheme, target: `${CARDS}?limit=1`, method: "GET", body: "" }
    const { cause } = refused(request(c))
    expect(cause).toEqual({
      kind: "identity",
      title: "brand_id on a merchant path",
      detail: `A merchant API (${CARDS}) names the merchant: \`mchid="…"\`, with the scheme ${MERCHANT_SCHEME}; this ` +
        `Authorization names brand_id "1000001"${withScheme}. WeChat reads no mchid in it and answers as for a malformed ` +
        `header. Call merchant paths as a merchant (its mchid, certificate serial and key), or use the brand API ` +
        `(/brand/…) for a brand.`,
      sent: `${good(c).substring(0, 512)}… (${good(c).length} characters in all)`
    })
  })
})

describe("signDiagnosis: what the console shows for scheme and identity", () => {
  it.each([
    ["the brand scheme on a merchant path", {}, BRAND_SCHEME, MERCHANT_SCHEME, "merchant", "mchid", BONUS, "brand APIs (/brand/…)"],
    [
      "the merchant scheme on a brand path",
      { as: brand, target: `${BRAND_PATH}?openid=o1`, method: "GET", body: "" },
      MERCHANT_SCHEME,
      BRAND_SCHEME,
      "brand",
      "brand_id",
      BRAND_PATH,
      "merchant APIs (/v3/…)"
    ]
  ] as const)("%s", (_, c, sent, expected, family, idKey, path, others) => {
    const { cause } = refused(request({ ...c, scheme: sent }))
    expect(cause).toEqual({
      kind: "scheme",
      title: `Scheme ${sent} where ${expected} is required`,
      detail: `${path} is a ${family} API: it is signed with the ${family} scheme ${expected}, names ${idKey}="…" and gives ` +
        `the serial of the ${family}'s API certificate; ${sent} is for the ${others} only. Found ${sent} (the scheme is ` +
        `case-sensitive).`,
      sent
    })
  })

  it.each([
    ["of a brand the emulator serves", "1000001", " 1000001 is a brand the emulator serves: name it as brand_id=\"1000001\"."],
    ["of no brand", "1900000109", ""]
  ])("mchid on a brand path, %s", (_, id, served) => {
    const { cause } = refused(request({ as: brand, idKey: "mchid", id, target: `${BRAND_PATH}?openid=o1`, method: "GET", body: "" }))
    expect(cause).toEqual({
      kind: "identity",
      title: "mchid on a brand path",
      detail: `A brand API (${BRAND_PATH}) names the brand: \`brand_id="…"\`, never mchid; this Authorization names mchid ` +
        `"${id}".${served} Sign brand APIs with the brand API certificate's key and give its serial.`,
      sent: `mchid="${id}"`
    })
  })

  const serves = (n: number, kind: Caller["kind"] = "merchant"): Callers => {
    const served = Array.from({ length: n }, (_, i) => ({ ...other, kind, id: `19000010${String(i).padStart(2, "0")}` }))
    return { merchant: () => undefined, brand: () => undefined, all: () => served }
  }
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `19000010${String(i).padStart(2, "0")}`).join(", ")

  it("an unknown mchid: the merchants served, and whose key signed", () => {
    expect(refused(request({ id: "1900000999" })).cause).toEqual({
      kind: "identity",
      title: "Unknown mchid 1900000999",
      detail: "The Authorization names mchid \"1900000999\", which the emulator does not serve. It serves merchants " +
        "1900000109, 1900000200. The signature verifies with the key of merchant 1900000109: did you mean mchid=\"1900000109\"?",
      sent: "1900000999"
    })
  })

  it.each([
    ["ten merchants, all listed", serves(10), `merchants ${ids(10)}`],
    ["eleven merchants: ten listed, then …", serves(11), `merchants ${ids(10)} …`],
    ["brands only: no merchant", serves(3, "brand"), "no merchant"],
    ["callers that cannot be listed: no merchant", { ...serves(0), all: () => { throw new Error("boom") } }, "no merchant"]
  ] as const)("an unknown mchid lists %s", (_, served, listed) => {
    expect(diagnose(request(), served).cause).toEqual({
      kind: "identity",
      title: "Unknown mchid 1900000109",
      detail: `The Authorization names mchid "1900000109", which the emulator does not serve. It serves ${listed}.`,
      sent: "1900000109"
    })
  })

  it("an unknown brand_id: the brands served", () => {
    const { cause } = refused(request({ as: brand, id: "1000999", target: BRAND_PATH, method: "GET", body: "" }))
    expect(cause).toEqual({
      kind: "identity",
      title: "Unknown brand_id 1000999",
      detail: "The Authorization names brand_id \"1000999\", which the emulator does not serve. It serves brands 1000001. " +
        "The signature verifies with the key of brand 1000001: did you mean brand_id=\"1000001\"?",
      sent: "1000999"
    })
  })

  it.each([
    ["another merchant's serial, signed with the merchant's own key", { serial: other.serialNumber }, merchant, " That is the serial of merchant 1900000200's certificate."],
    [
      "another merchant's serial and key",
      { serial: other.serialNumber, key: other.privateKey },
      merchant,
      " That is the serial of merchant 1900000200's certificate. The signature verifies with its key: the request was " +
        "signed as merchant 1900000200 but names merchant 1900000109."
    ],
    [
      "a brand's request with the merchant's serial",
      { as: brand, serial: merchant.serialNumber, target: BRAND_PATH, method: "GET", body: "" },
      brand,
      ` That is the serial of merchant 1900000109's certificate.`
    ]
  ] as const)("serial: %s", (_, c, named, hints) => {
    const { cause } = refused(request(c))
    const who = named === brand ? "brand 1000001's brand API certificate" : "merchant 1900000109's certificate"
    expect(cause).toEqual({
      kind: "serial",
      title: `serial_no is not the serial of ${who}`,
      detail: `serial_no is ${c.serial}, but ${who} has serial ${named.serialNumber} (compared without regard to case). ` +
        `serial_no names the certificate whose private key signed the request.${hints}`,
      sent: c.serial
    })
  })
})

describe("signDiagnosis: what the console shows for the clock", () => {
  const clock = `the emulator's clock read ${NOW} when the request arrived`
  const late = "The request was signed too long before it was sent, or the caller's clock is slow: sign just before sending and keep the clock synchronised (NTP)."
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    [String(NOW - 301), "timestamp is 301 s in the past", `timestamp ${NOW - 301} is 301 s behind the emulator's clock (in the past): WeChat allows at most 300 s either way; ${clock}. ${late}`],
    [String(NOW + 302), "timestamp is 302 s in the future", `timestamp ${NOW + 302} is 302 s ahead of the emulator's clock (in the future): WeChat allows at most 300 s either way; ${clock}. The caller's clock is fast: keep it synchronised (NTP).`],
    [String((NOW - 5) * 1000 + 999), "timestamp looks like milliseconds", millis((NOW - 5) * 1000 + 999, "5 s behind the emulator's clock (in the past)")],
    [String((NOW + 7) * 1000), "timestamp looks like milliseconds", millis((NOW + 7) * 1000, "7 s ahead of the emulator's clock (in the future)")],
    ["T1760000000", "timestamp is not Unix seconds", `timestamp "T1760000000" is not Unix seconds (a whole number of at most 12 digits); ${clock}.`],
    ["1760000000000123", "timestamp is not Unix seconds", `timestamp "1760000000000123" is not Unix seconds (a whole number of at most 12 digits); ${clock}.`]
  ]
  function millis(ms: number, offset: string): string {
    return `timestamp ${ms} has 13 digits: it looks like milliseconds (Date.now()), but WeChat wants Unix seconds ` +
      `(Math.floor(Date.now() / 1000)); ${clock}. Read as milliseconds it is ${offset}. Use the same seconds in the sign ` +
      `string and in the header.`
  }
  it.each(cases)("timestamp %s", (timestamp, title, detail) => {
    expect(refused(request({ timestamp })).cause).toEqual({ kind: "timestamp", title, detail, sent: timestamp })
  })
})

describe("signDiagnosis: what the console shows for a signature not in standard Base64", () => {
  const base = "WeChat decodes signature as standard Base64 ('+', '/', '=' padding, no whitespace) and refuses any other text."
  const urlSafe = " It is URL-safe Base64 ('-' and '_' in place of '+' and '/')."
  const padding = " Its '=' padding is missing."
  const lenient = " Decoded leniently, the signature verifies: only its encoding is wrong — send it as standard Base64 (Buffer#toString(\"base64\"))."
  const symbols = withSymbols()
  const cases: ReadonlyArray<readonly [string, Case, string, string]> = [
    ["URL-safe, unpadded", { nonce: symbols.nonce, signature: () => Buffer.from(symbols.signature, "base64").toString("base64url") }, "URL-safe Base64", `${urlSafe}${padding}${lenient}`],
    ["URL-safe characters, padded length", { signature: () => "AB-_" }, "URL-safe Base64", urlSafe],
    ["missing padding", { signature: (s) => s.replace(/=+$/, "") }, "missing '=' padding", `${padding}${lenient}`],
    ["words with spaces", { signature: () => "not a sig" }, "not canonical", ""],
    ["line breaks", { signature: (s) => s.replace(/(.{76})/g, "$1\n") }, "not canonical", lenient]
  ]
  it.each(cases)("%s", (_, c, reason, detail) => {
    const sent = request(c).headers["authorization"]!.match(/signature="([^"]*)"/)![1]!
    expect(refused(request(c)).cause).toEqual({
      kind: "signature",
      title: `signature is not standard Base64: ${reason}`,
      detail: `${base}${detail}`,
      sent
    })
  })
})

describe("signDiagnosis: what the console shows when the search finds another key, or nothing", () => {
  const keyDetail = (signer: string, signerSerial: string, named: string, namedSerial: string) =>
    `The signature verifies over the sign string shown with the key of ${signer} (serial ${signerSerial}), but the ` +
    `Authorization names ${named} (serial_no ${namedSerial}). Sign with the private key of the caller you name, or name ` +
    `the caller whose key signed (its id and its certificate serial).`
  it.each([
    ["another merchant's", callers, other.privateKey, "merchant 1900000200", "merchant 1900000200's certificate", other.serialNumber, "mchid 1900000200"],
    ["the brand's", callers, brand.privateKey, "brand 1000001", "brand 1000001's brand API certificate", brand.serialNumber, "brand_id 1000001"],
    [
      "a brand's with the merchant's own id",
      { ...callers, all: () => [merchant, { ...brand, id: merchant.id }] },
      brand.privateKey,
      "brand 1900000109",
      "brand 1900000109's brand API certificate",
      brand.serialNumber,
      "brand_id 1900000109"
    ]
  ] as const)("signed with %s key", (_, served, key, signer, certificate, serial, signed) => {
    expect(diagnose(request({ key }), served).cause).toEqual({
      kind: "key",
      title: `Signed with ${signer}'s private key, but the Authorization names merchant 1900000109`,
      detail: keyDetail(certificate, serial, "merchant 1900000109", merchant.serialNumber),
      signed,
      sent: "mchid 1900000109"
    })
  })

  const nothing = (certificate: string, serial: string, others: number, tried: string, size = "") =>
    `The signature is well-formed Base64 but does not verify with the key of ${certificate} (serial ${serial}) over the ` +
    `sign string shown, over any variant of it tried, nor with the key of any of the ${others} other caller(s) tried. ` +
    `Tried besides the sign string shown: ${tried}.${size} It was made with another key, or over other bytes. Sign ` +
    `exactly the five lines shown (method, target, timestamp, nonce_str, body, each followed by \\n) with the private ` +
    `key of the certificate named in serial_no.`
  const merchantTried = "the body empty, with a trailing newline, pretty-printed (2 spaces), with keys sorted, without the final \\n; " +
    "the target with https://api.mch.weixin.qq.com, without /v3; the method post, GET, PUT, PATCH, DELETE"
  const merchantKey = "merchant 1900000109's certificate"
  const searched: ReadonlyArray<readonly [string, Case, string]> = [
    ["a full-size signature over other bytes", { signature: noise }, nothing(merchantKey, merchant.serialNumber, 2, merchantTried)],
    [
      "a short signature: its size said",
      { signature: () => "AAAA" },
      nothing(merchantKey, merchant.serialNumber, 2, merchantTried, " The signature decodes to 3 bytes; a signature by this 2048-bit RSA key has 256.")
    ],
    [
      "a brand's GET: no /v3 variant, {} tried",
      { as: brand, target: BRAND_PATH, method: "GET", body: "", signature: noise },
      nothing(
        "brand 1000001's brand API certificate",
        brand.serialNumber,
        2,
        "the body with a trailing newline, {}, without the final \\n; the target with https://api.mch.weixin.qq.com; the method get, POST, PUT, PATCH, DELETE"
      )
    ]
  ]
  it.each(searched)("%s", (_, c, detail) => {
    const { cause } = refused(request(c))
    expect(cause).toEqual({ kind: "unknown", title: "The signature verifies over nothing tried", detail })
  })

  const unfound: ReadonlyArray<readonly [string, Case]> = [
    ["a POST without a body, signed with {}", { body: "", signed: { body: "{}" } }],
    ["a GET with a body, signed with {}", { method: "GET", body: compact, signed: { body: "{}" } }],
    ["a method that only starts with GET, signed with {}", { method: "GETX", body: "", signed: { body: "{}" } }],
    ["a method that only ends with GET, signed with {}", { method: "FORGET", body: "", signed: { body: "{}" } }],
    ["a target whose escapes are not UTF-8", { method: "GET", body: "", target: `${CARDS}?a=%ZZ`, signature: noise }]
  ]
  it.each(unfound)("nothing found: %s", (_, c) => {
    expect(refused(request(c)).cause.title).toBe("The signature verifies over nothing tried")
  })

  it("a body over 1 MiB says so", () => {
    const big = JSON.stringify({ memo: "z".repeat(1_100_000) })
    expect(refused(request({ body: big, signed: { body: `${big}\n` } })).cause.detail).toContain(
      "tried. The body is over 1 MiB: only the exact sign string was checked, no variants of it. It was made"
    )
  })
})

describe("signDiagnosis: what the console shows for a body signed otherwise", () => {
  const crlf = `${compact}\r\n`
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(compact)])
  const nested = "{\"b\":{\"d\":1,\"c\":[{\"f\":1,\"e\":[2,{\"h\":null,\"g\":\"x\"}]}]},\"a\":1}"
  const nestedSorted = "{\"a\":1,\"b\":{\"c\":[{\"e\":[2,{\"g\":\"x\",\"h\":null}],\"f\":1}],\"d\":1}}"
  const made = "The signature was made over"
  const chinese = JSON.stringify({ name: "会员卡", points: 1 }, null, 2)
  const upload = multipart()
  const cases: ReadonlyArray<readonly [string, Case, string, string, string, string]> = [
    [
      "signed compact, sent pretty",
      { body: pretty, signed: { body: compact } },
      "re-serialised compactly",
      compact,
      pretty,
      `${made} the body re-serialised compactly, as JSON.stringify writes it (${compact.length} bytes), but the body sent is ` +
      `${pretty.length} bytes, formatted otherwise: the client signed one serialisation and sent another. First difference ` +
      `at byte 1, counting from 0: the body signed has 0x22 ('"'), the body sent has 0x0a ('\\n'). Sign the exact bytes you send.`
    ],
    [
      "signed sorted, sent compact in another order",
      { body: "{\"points\":10,\"code\":\"0123\"}", signed: { body: "{\"code\":\"0123\",\"points\":10}" } },
      "with keys sorted",
      "{\"code\":\"0123\",\"points\":10}",
      "{\"points\":10,\"code\":\"0123\"}",
      `${made} the body re-serialised compactly with its keys sorted (27 bytes), but the body sent is 27 bytes: the client ` +
      `signed one serialisation and sent another. First difference at byte 2, counting from 0: the body signed has 0x63 ` +
      `('c'), the body sent has 0x70 ('p'). Sign the exact bytes you send.`
    ],
    ["nested arrays and objects, signed sorted", { body: nested, signed: { body: nestedSorted } }, "with keys sorted", nestedSorted, nested, ""],
    [
      "signed empty",
      { body: compact, signed: { body: "" } },
      "empty",
      "",
      compact,
      `${made} an empty body line, but the body sent is ${compact.length} bytes: the body line is the body as sent. First ` +
      `difference at byte 0, counting from 0: the body signed ends at byte 0 (it is 0 bytes), the body sent has 0x7b ('{'). ` +
      `Sign the exact bytes you send.`
    ],
    [
      "signed with a newline, sent without",
      { body: compact, signed: { body: `${compact}\n` } },
      "with a trailing newline",
      `${compact}\n`,
      compact,
      `${made} the body followed by a newline (as an encoder such as Go's json.Encoder writes it), but the body sent has ` +
      `none (${compact.length} bytes). First difference at byte ${compact.length}, counting from 0: the body signed has ` +
      `0x0a ('\\n'), the body sent ends at byte ${compact.length} (it is ${compact.length} bytes). Sign the exact bytes you send.`
    ],
    [
      "sent with CRLF at the end, signed without",
      { body: crlf, signed: { body: compact } },
      "without its trailing newline",
      compact,
      crlf,
      `${made} the body without its trailing newline, but the body sent ends in one (${crlf.length} bytes). First difference ` +
      `at byte ${compact.length}, counting from 0: the body signed ends at byte ${compact.length} (it is ${compact.length} ` +
      `bytes), the body sent has 0x0d ('\\r'). Sign the exact bytes you send.`
    ],
    [
      "non-ASCII sent with CRLF line ends, signed with LF",
      { body: chinese.replace(/\n/g, "\r\n"), signed: { body: chinese } },
      "with LF line ends",
      chinese,
      chinese.replace(/\n/g, "\r\n"),
      ""
    ],
    [
      "an upload whose whole multipart body was signed",
      { target: "/v3/marketing/favor/media/image-upload", body: upload.meta, wholeBody: upload.whole, signed: { body: upload.whole } },
      "the whole multipart body",
      upload.whole.toString("utf8"),
      upload.meta,
      `${made} the whole multipart body (${upload.whole.byteLength} bytes), but for an upload (multipart/form-data) the ` +
      `body line is the JSON of the \`meta\` part only (${upload.meta.length} bytes), exactly as placed in that part. First ` +
      `difference at byte 0, counting from 0: the body signed has 0x2d ('-'), the body sent has 0x7b ('{'). Sign the exact ` +
      `bytes you send.`
    ],
    [
      "sent with LF at the end, signed without",
      { body: `${compact}\n`, signed: { body: compact } },
      "without its trailing newline",
      compact,
      `${compact}\n`,
      `${made} the body without its trailing newline, but the body sent ends in one (${compact.length + 1} bytes). First ` +
      `difference at byte ${compact.length}, counting from 0: the body signed ends at byte ${compact.length} (it is ` +
      `${compact.length} bytes), the body sent has 0x0a ('\\n'). Sign the exact bytes you send.`
    ],
    [
      "sent with CRLF line ends, signed with LF",
      { body: pretty.replace(/\n/g, "\r\n"), signed: { body: pretty } },
      "with LF line ends",
      pretty,
      pretty.replace(/\n/g, "\r\n"),
      `${made} the body with LF line ends, but it was sent with CRLF. First difference at byte 1, counting from 0: the body ` +
      `signed has 0x0a ('\\n'), the body sent has 0x0d ('\\r'). Sign the exact bytes you send.`
    ],
    [
      "sent with a BOM, signed without",
      { body: withBom, signed: { body: compact } },
      "without the byte order mark",
      compact,
      withBom.toString("utf8"),
      `${made} the body without its UTF-8 byte order mark (EF BB BF), but it was sent with one. First difference at byte 0, ` +
      `counting from 0: the body signed has 0x7b ('{'), the body sent has 0xef. Sign the exact bytes you send.`
    ],
    [
      "a GET signed with {}",
      { method: "GET", target: CARDS, body: "", signed: { body: "{}" } },
      "{}",
      "{}",
      "",
      `${made} \`{}\` as the body, but this GET carries no body: the body line of a request without a body is empty (the ` +
      `sign string ends in \\n\\n). First difference at byte 0, counting from 0: the body signed has 0x7b ('{'), the body ` +
      `sent ends at byte 0 (it is 0 bytes). Sign the exact bytes you send.`
    ],
    ["a delete signed with {}", { method: "delete", target: CARDS, body: "", signed: { body: "{}" } }, "{}", "{}", "", ""],
    ["a body of exactly 2048 bytes, shown whole", { body: padded(2048), signed: { body: JSON.stringify(JSON.parse(padded(2048))) } }, "re-serialised compactly", JSON.stringify(JSON.parse(padded(2048))), padded(2048), ""],
    [
      "a body of 2049 bytes, shown cut",
      { body: padded(2049), signed: { body: JSON.stringify(JSON.parse(padded(2049))) } },
      "re-serialised compactly",
      JSON.stringify(JSON.parse(padded(2049))),
      `${padded(2049).substring(0, 2048)}… (2049 bytes in all)`,
      ""
    ]
  ]
  /** Pretty JSON of exactly `n` bytes. */
  function padded(n: number): string {
    return JSON.stringify({ memo: "y".repeat(n - 16) }, null, 2)
  }
  it.each(cases)("%s", (_, c, label, signed, sent, detail) => {
    const { cause } = refused(request(c))
    expect(cause).toMatchObject({ kind: "body", title: `The body signed (${label}) is not the body sent`, signed, sent })
    if (detail !== "") expect(cause.detail).toBe(detail)
  })

  it("a sign string without the final \\n: said in full", () => {
    const fourLines = Buffer.from(`POST\n${BONUS}\n${NOW}\nn1\n${compact}`, "utf8")
    const { cause } = refused(request({ body: compact, nonce: "n1", signature: () => sign(fourLines, merchant.privateKey) }))
    expect(cause).toEqual({
      kind: "body",
      title: "The sign string signed lacks the \\n that ends the body line",
      detail: "The signature was made over the sign string without the \\n that ends the body line. Every line ends in \\n, " +
        "the body line too, even when the body is empty (the message then ends in \\n\\n).",
      signed: compact,
      sent: `${compact}\n`
    })
  })
})

describe("signDiagnosis: what the console shows for a target or method signed otherwise", () => {
  const encoded = `${CARDS}/c1/codes?name=%E4%BC%9A%E5%91%98&filter=a%7Cb`
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    [encoded, `${CARDS}/c1/codes?name=会员&filter=a|b`, "percent-decoded"],
    [`${CARDS}?a=%ZZ&b=x:y`, `${CARDS}?a=%25ZZ&b=x%3Ay`, "query encoded by encodeURIComponent"],
    [`${CARDS}?q=a:b&flag&=x`, `${CARDS}?q=a%3Ab&flag&=x`, "query encoded by encodeURIComponent"],
    [`${CARDS}?title=a%20b`, `${CARDS}?title=a+b`, "'%20' as '+'"],
    [`${CARDS}?title=a+b`, `${CARDS}?title=a%20b`, "'+' as '%20'"],
    [`${CARDS}?z=1&b=2&a=1&b=1`, `${CARDS}?a=1&b=2&b=1&z=1`, "query parameters sorted"],
    [`${CARDS}?ab=1&aa=2`, `${CARDS}?aa=2&ab=1`, "query parameters sorted"],
    [`${CARDS}?limit=10`, CARDS, "without the query"],
    [`${CARDS}?limit=10`, `https://api.mch.weixin.qq.com${CARDS}?limit=10`, "with https://api.mch.weixin.qq.com"],
    [CARDS, "/marketing/membercard-open/cards", "without /v3"]
  ]
  it.each(cases)("sent %s, signed %s", (target, signed, label) => {
    const { cause } = refused(request({ method: "GET", body: "", target, signed: { target: signed } }))
    expect(cause).toMatchObject({ kind: "target", title: `The target signed (${label}) is not the target sent`, signed, sent: target })
  })

  const wire = "The target line is the path and query exactly as they go on the wire (what the emulator received): sign what you send."
  it.each([
    [
      encoded,
      `${CARDS}/c1/codes?name=会员&filter=a|b`,
      "The signature was made over the target percent-decoded, but the request went out percent-encoded. First " +
      `difference at byte 50, counting from 0: the target signed has 0xe4, the target sent has 0x25 ('%'). ${wire}`
    ],
    [
      `${CARDS}?a=%ZZ&b=x:y`,
      `${CARDS}?a=%25ZZ&b=x%3Ay`,
      "The signature was made over the query with its keys and values encoded by encodeURIComponent, but they went out " +
      "encoded otherwise. First difference at byte 39, counting from 0: the target signed has 0x32 ('2'), the target " +
      `sent has 0x5a ('Z'). ${wire}`
    ],
    [
      `${CARDS}?title=a+b`,
      `${CARDS}?title=a%20b`,
      "The signature was made over the query with spaces as '%20', but the request sent them as '+'. First difference at " +
      `byte 43, counting from 0: the target signed has 0x25 ('%'), the target sent has 0x2b ('+'). ${wire}`
    ],
    [
      `${CARDS}?ab=1&aa=2`,
      `${CARDS}?aa=2&ab=1`,
      "The signature was made over the query parameters in sorted order, but the request sent them in another order. " +
      `First difference at byte 37, counting from 0: the target signed has 0x61 ('a'), the target sent has 0x62 ('b'). ${wire}`
    ],
    [
      `${CARDS}?limit=10`,
      `https://api.mch.weixin.qq.com${CARDS}?limit=10`,
      "The signature was made over the full URL (https://api.mch.weixin.qq.com…), but the target line is only the path " +
      `and query. First difference at byte 0, counting from 0: the target signed has 0x68 ('h'), the target sent has 0x2f ('/'). ${wire}`
    ],
    [
      CARDS,
      "/marketing/membercard-open/cards",
      "The signature was made over the target without its /v3 prefix (a base URL ending in /v3, perhaps), but the request " +
      "went to the path with it. First difference at byte 1, counting from 0: the target signed has 0x6d ('m'), the " +
      `target sent has 0x76 ('v'). ${wire}`
    ],
    [
      `${CARDS}?limit=10`,
      CARDS,
      "The signature was made over the path alone, but the request has a query: the target line is the path and the query. " +
      `First difference at byte ${CARDS.length}, counting from 0: the target signed ends at byte ${CARDS.length} (it is ` +
      `${CARDS.length} bytes), the target sent has 0x3f ('?'). ${wire}`
    ]
  ])("the target's detail: sent %s, signed %s", (target, signed, detail) => {
    expect(refused(request({ method: "GET", body: "", target, signed: { target: signed } })).cause.detail).toBe(detail)
  })

  it.each([
    ["post", "POST", "The method line was signed as 'post', but the request was sent as 'POST': the method line is the request's method, upper case, as sent."],
    ["PATCH", "POST", "The signature was made for a PATCH request, but the request was sent as POST: sign the method you send."],
    ["DELETE", "GET", "The signature was made for a DELETE request, but the request was sent as GET: sign the method you send."]
  ])("signed as %s, sent as %s", (signed, sent, detail) => {
    expect(refused(request({ method: sent, signed: { method: signed } })).cause).toEqual({
      kind: "method",
      title: `Signed as ${signed}, sent as ${sent}`,
      detail,
      signed,
      sent
    })
  })
})

describe("signDiagnosis: what the console shows when the diagnosis itself fails", () => {
  /** Callers whose lookup answers one key to WeChat's check and then `later` to the explanation. */
  const fickle = (kind: Caller["kind"], later: Caller | undefined): Callers => {
    let calls = 0
    const lookup = (id: string) => {
      calls++
      const real = parties.find((p) => p.kind === kind && p.id === id)
      return real === undefined ? undefined : calls === 1 ? { ...real, publicKey: other.publicKey } : later
    }
    return { merchant: kind === "merchant" ? lookup : callers.merchant, brand: kind === "brand" ? lookup : callers.brand, all: callers.all }
  }
  const defect = " This is a defect of the emulator's diagnosis; the answer WeChat's check gave stands."
  it.each([
    ["the caller gone for the explanation", fickle("merchant", undefined), {}, "WeChat answered \"错误的签名，验签失败\", which this diagnosis cannot explain."],
    ["a brand gone for the explanation", fickle("brand", undefined), { as: brand, target: BRAND_PATH, method: "GET", body: "" }, "WeChat answered \"错误的签名，验签失败\", which this diagnosis cannot explain."],
    ["the signature verifying for the explanation", fickle("merchant", merchant), {}, "The signature verifies over the rebuilt sign string, yet WeChat's check refused it."],
    [
      "a brand's signature verifying for the explanation",
      fickle("brand", brand),
      { as: brand, target: BRAND_PATH, method: "GET", body: "" },
      "The signature verifies over the rebuilt sign string, yet WeChat's check refused it."
    ]
  ] as const)("WeChat's verdict and the explanation disagree: %s", (_, served, c, why) => {
    const diagnosis = diagnose(request(c), served)
    expect(diagnosis.verdict.ok).toBe(false)
    expect(diagnosis.cause).toEqual({ kind: "unknown", title: "No cause found", detail: `${why}${defect}` })
  })

  it("a lookup that throws: the diagnosis failed, said as such", () => {
    const broken: Callers = { ...callers, merchant: () => { throw new Error("boom") } }
    expect(diagnose(request(), broken)).toEqual({
      scheme: "merchant",
      verdict: { ok: false, summary: "The emulator could not diagnose this request" },
      cause: {
        kind: "unknown",
        title: "The diagnosis failed",
        detail: "The emulator failed while explaining this request's signature; its answer to the request stands."
      }
    })
  })

  it("a target that is not a string: a merchant request, diagnosed without throwing", () => {
    const diagnosis = diagnose({ ...request(), target: 42 as unknown as string }, callers)
    expect(diagnosis.scheme).toBe("merchant")
    expect(diagnosis.verdict.ok).toBe(false)
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
