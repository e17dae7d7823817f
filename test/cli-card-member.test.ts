/**
 * 商家名片会员卡 on the command line, in process (`main.run`): the two surfaces are generated like every product —
 * `partner-card-member` (the provider's APIv3 client, `WECHATPAY_*`, each request naming `--brand-id`) and
 * `brand-card-member` (a `BrandClient` from `WECHATPAY_BRAND_*`) — and `membercard confirm-membership` comes with
 * `MemberCard`.
 *
 * Against the emulator (`Emulator.serve` on 127.0.0.1), a provider's and a brand's commands work one brand's cards
 * together: what one surface writes the other reads.
 *
 * For the rest, WeChat's side is a small server on 127.0.0.1 written here with node:crypto alone (no library code): it checks each
 * request's Authorization under the scheme of the surface called (`WECHATPAY2-SHA256-RSA2048 mchid` for the provider,
 * `WECHATPAY-BRAND-SHA256-RSA2048 brand_id` for the brand) with the signer's public key, opens encrypted fields with
 * the WeChat Pay private key, and signs its answers. What is proven: every declaration of the two modules is a
 * command whose help shows its method and path; a command's flags become the request sent, signed as the right
 * signer; the decoded answer is printed; a brand command needs only the brand's variables; refusals (missing
 * configuration, a malformed key, an invalid request, a flag the surface does not have) send nothing and print no
 * key material or phone number.
 */
import * as crypto from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import * as Endpoints from "../src/cli/Endpoints.js"
import { run } from "../src/cli/main.js"
import { type Endpoint, MemberCard } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import { Emulator } from "../src/testing/index.js"

// ---------------------------------------------------------------------------------------------------------------
// Keys and identities
// ---------------------------------------------------------------------------------------------------------------

const pair = () => crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const merchant = pair()
const brand = pair()
/** The WeChat Pay key pair: answers are signed with it, sensitive fields encrypted to it. */
const wechatpay = pair()
const pem = {
  merchantPrivate: merchant.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  brandPrivate: brand.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  wechatpayPublic: wechatpay.publicKey.export({ type: "spki", format: "pem" }).toString()
}

const MCHID = "1900000109"
const MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
const BRAND_ID = "1000001"
const BRAND_SERIAL = "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A"
const PUB_KEY_ID = "PUB_KEY_ID_0112345678202401010000000000000000"
const PHONE = "13812345678"
/** 32 letters and digits, like a brand API key. */
const BRAND_API_KEY = "BrandApiKey0123456789abcdefXYZ00"

// ---------------------------------------------------------------------------------------------------------------
// WeChat's side, in node:crypto
// ---------------------------------------------------------------------------------------------------------------

interface Received {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  /** The Authorization's scheme and parameters. */
  readonly scheme: string
  readonly params: Readonly<Record<string, string>>
  /** Whether the signature verifies with the public key of the signer the header names. */
  readonly verified: boolean
}

const received: Array<Received> = []
/** The next answer: status and JSON body (an empty body for 204). */
let answer: { readonly status: number; readonly body: unknown } = { status: 200, body: {} }

const parseAuthorization = (value: string | undefined) => {
  const match = /^(\S+) (.*)$/.exec(value ?? "")
  const params: Record<string, string> = {}
  for (const part of (match?.[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) params[part[1]!] = part[2]!
  return { scheme: match?.[1] ?? "", params }
}

const signerKey = (scheme: string, params: Readonly<Record<string, string>>): crypto.KeyObject | undefined =>
  scheme === "WECHATPAY2-SHA256-RSA2048" && params["mchid"] === MCHID && params["serial_no"] === MERCHANT_SERIAL
    ? merchant.publicKey
    : scheme === "WECHATPAY-BRAND-SHA256-RSA2048" && params["brand_id"] === BRAND_ID && params["serial_no"] === BRAND_SERIAL
    ? brand.publicKey
    : undefined

/** The content of the multipart part named `meta`. */
const metaOf = (body: string, boundary: string): string => {
  const part = body.split(`--${boundary}`).find((p) => /name="meta"/.test(p.slice(0, p.indexOf("\r\n\r\n"))))
  return part === undefined ? "" : part.slice(part.indexOf("\r\n\r\n") + 4).replace(/\r\n$/, "")
}

const server = http.createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8")
    const { params, scheme } = parseAuthorization(req.headers.authorization)
    const key = signerKey(scheme, params)
    // An upload signs its `meta` JSON, not the multipart bytes.
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers["content-type"] ?? "")
    const signed = boundary === null ? body : metaOf(body, boundary[1] ?? boundary[2]!)
    const message = `${req.method}\n${req.url}\n${params["timestamp"]}\n${params["nonce_str"]}\n${signed}\n`
    const verified = key !== undefined &&
      crypto.verify("sha256", Buffer.from(message), key, Buffer.from(params["signature"] ?? "", "base64"))
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body, scheme, params, verified })
    if (!verified) {
      res.writeHead(401, { "content-type": "application/json" })
      res.end(JSON.stringify({ code: "SIGN_ERROR", message: "签名错误" }))
      return
    }
    const text = answer.status === 204 ? "" : JSON.stringify(answer.body)
    const timestamp = String(Math.floor(Date.now() / 1000))
    const nonce = crypto.randomBytes(16).toString("hex")
    const signature = crypto.sign("sha256", Buffer.from(`${timestamp}\n${nonce}\n${text}\n`), wechatpay.privateKey)
    res.writeHead(answer.status, {
      ...(text === "" ? {} : { "content-type": "application/json" }),
      "request-id": "0".repeat(32),
      "wechatpay-serial": PUB_KEY_ID,
      "wechatpay-timestamp": timestamp,
      "wechatpay-nonce": nonce,
      "wechatpay-signature": signature.toString("base64"),
      "wechatpay-signature-type": scheme
    })
    res.end(text)
  })
})

/** A field encrypted to the WeChat Pay public key (RSA-OAEP, SHA-1), opened with its private half. */
const decrypt = (ciphertext: string): string =>
  crypto.privateDecrypt(
    { key: wechatpay.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
    Buffer.from(ciphertext, "base64")
  ).toString("utf8")

// ---------------------------------------------------------------------------------------------------------------
// The command line in process
// ---------------------------------------------------------------------------------------------------------------

let dir = ""
let baseUrl = ""

/** The provider's (a merchant's) variables. */
const providerEnv = (): Record<string, string> => ({
  WECHATPAY_MCHID: MCHID,
  WECHATPAY_MERCHANT_SERIAL_NUMBER: MERCHANT_SERIAL,
  WECHATPAY_MERCHANT_PRIVATE_KEY: join(dir, "merchant.pem"),
  WECHATPAY_PUBLIC_KEY_ID: PUB_KEY_ID,
  WECHATPAY_PUBLIC_KEY: pem.wechatpayPublic,
  WECHATPAY_BASE_URL: baseUrl
})

/** The brand's variables (and none of a merchant's). */
const brandEnv = (): Record<string, string> => ({
  WECHATPAY_BRAND_ID: BRAND_ID,
  WECHATPAY_BRAND_SERIAL_NUMBER: BRAND_SERIAL,
  WECHATPAY_BRAND_PRIVATE_KEY: join(dir, "brand.pem"),
  WECHATPAY_BRAND_PUBLIC_KEY_ID: PUB_KEY_ID,
  WECHATPAY_BRAND_PUBLIC_KEY: pem.wechatpayPublic,
  WECHATPAY_BASE_URL: baseUrl
})

interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Every output, to look for key material and the phone number at the end. */
const outputs: Array<string> = []

/** `main.run` with exactly `env` as the WECHATPAY_* environment; stdout and stderr captured. */
const cli = async (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Outcome> => {
  const saved = Object.entries(process.env).filter(([name]) => name.startsWith("WECHATPAY_"))
  for (const [name] of saved) delete process.env[name]
  Object.assign(process.env, env)
  let stdout = ""
  let stderr = ""
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await Effect.runPromise(run(["node", "effect-wechatpay", ...args]).pipe(Effect.provide(NodeServices.layer)))
    outputs.push(stdout, stderr)
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
    for (const name of Object.keys(env)) delete process.env[name]
    for (const [name, value] of saved) process.env[name] = value
  }
}

/** The one JSON report on stderr. */
const report = (outcome: Outcome): Record<string, unknown> => {
  const lines = outcome.stderr.trim().split("\n")
  expect(lines, outcome.stderr).toHaveLength(1)
  return JSON.parse(lines[0]!) as Record<string, unknown>
}

/** Run `f` and give what the server received meanwhile. */
const sent = async <A>(f: () => Promise<A>): Promise<[A, ReadonlyArray<Received>]> => {
  const before = received.length
  const result = await f()
  return [result, received.slice(before)]
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cli-card-member-"))
  writeFileSync(join(dir, "merchant.pem"), pem.merchantPrivate)
  writeFileSync(join(dir, "brand.pem"), pem.brandPrivate)
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  baseUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((done) => server.close(done))
  rmSync(dir, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------------------------------
// The declarations, walked independently of the CLI's own walk
// ---------------------------------------------------------------------------------------------------------------

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()

const declarationsOf = (module: Readonly<Record<string, unknown>>) =>
  Object.values(module).flatMap((value) => {
    if (typeof value !== "function" || !("definition" in value) || !("call" in value)) return []
    const accessor = Object.entries(module).find(([, v]) => v === value.call)![0]
    return [{ command: kebab(accessor), definition: value.definition as Endpoint.Definition<object> }]
  })

const partner = declarationsOf(PartnerCardMember)
const brands = declarationsOf(BrandCardMember)

describe("help", () => {
  it("the root lists both surfaces; each group lists a command per declaration, membercard its confirm-membership", async () => {
    expect(partner.length).toBe(22)
    expect(brands.length).toBe(16)
    const root = await cli(["--help"])
    expect(root.code).toBe(0)
    expect(root.stdout).toMatch(/^ {2}partner-card-member +商家名片会员卡/m)
    expect(root.stdout).toMatch(/^ {2}brand-card-member +商家名片会员卡/m)
    for (const [group, declared] of [["partner-card-member", partner], ["brand-card-member", brands]] as const) {
      const help = await cli([group, "--help"])
      expect(help.code).toBe(0)
      for (const { command, definition } of declared) {
        expect(help.stdout, `${group} ${command}`).toMatch(
          new RegExp(`^ {2}${command} +${definition.method} ${definition.path.replace(/[{}]/g, "\\$&")} `, "m")
        )
      }
      const listed = [...help.stdout.matchAll(/^ {2}([a-z-]+) +(?:GET|POST|PATCH|PUT|DELETE) \//gm)].map((m) => m[1])
      expect(listed.sort()).toEqual(declared.map((d) => d.command).sort())
    }
    const membercard = await cli(["membercard", "--help"])
    expect(membercard.stdout).toMatch(/^ {2}confirm-membership +POST (\S+) \(MemberCard\.ConfirmMembership\)$/m)
    expect(membercard.stdout).toContain(`POST ${MemberCard.ConfirmMembership.definition.path} (MemberCard.ConfirmMembership)`)
  })

  it("a provider's command takes --brand-id, a brand's does not and says it signs as the brand", async () => {
    const provider = await cli(["partner-card-member", "list-user-cards", "--help"])
    expect(provider.stdout).toContain("brand_id: required; string; 1–32 characters")
    expect(provider.stdout).toContain("GET /v3/brand/partner/card-member/user-cards (PartnerCardMember.ListUserCards)")
    const own = await cli(["brand-card-member", "list-user-cards", "--help"])
    expect(own.stdout).not.toContain("--brand-id")
    expect(own.stdout).toContain("signed as the brand (WECHATPAY_BRAND_*)")
    expect(own.stdout).toContain("limit: required; integer;")
    const upload = await cli(["brand-card-member", "upload-image", "--help"])
    expect(upload.stdout).toContain("file: required; path of a file")
    const phone = await cli(["partner-card-member", "import-user-card-by-phone", "--help"])
    expect(phone.stdout).toContain("phone_number: required; secret string")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------------------------

const userCard = {
  user_card_code: "UC0001",
  card_id: "pCardMember0001",
  openid: "o-member-0001",
  brand_id: BRAND_ID,
  user_card_state: "EFFECTIVE",
  level: "金卡"
}

describe("a provider's command (partner-card-member)", () => {
  it("a read: the flags as the query, signed as the provider (mchid), the verified answer printed", async () => {
    answer = { status: 200, body: { ...userCard, an_added_field: 1 } }
    const [outcome, requests] = await sent(() =>
      cli([
        "partner-card-member", "get-user-card",
        "--brand-id", BRAND_ID, "--user-card-code", "UC0001", "--card-id", "pCardMember0001", "--openid", "o-member-0001"
      ], providerEnv())
    )
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(outcome.stderr).toBe("")
    expect(JSON.parse(outcome.stdout)).toEqual(userCard)
    expect(requests).toHaveLength(1)
    const [request] = requests
    expect(request!.verified).toBe(true)
    expect(request!.scheme).toBe("WECHATPAY2-SHA256-RSA2048")
    expect(request!.params["mchid"]).toBe(MCHID)
    expect(request!.headers["wechatpay-serial"]).toBe(PUB_KEY_ID)
    const url = new URL(request!.url, baseUrl)
    expect([request!.method, url.pathname]).toEqual(["GET", "/v3/brand/partner/card-member/user-cards/UC0001"])
    expect(Object.fromEntries(url.searchParams)).toEqual({ brand_id: BRAND_ID, card_id: "pCardMember0001", openid: "o-member-0001" })
  })

  it("a write with a phone number: --json under the flags, the phone sent encrypted to the WeChat Pay key, never printed", async () => {
    answer = { status: 200, body: userCard }
    const [outcome, requests] = await sent(() =>
      cli([
        "partner-card-member", "import-user-card-by-openid",
        "--json", JSON.stringify({ brand_id: "from-json", card_id: "pCardMember0001", level: "银卡" }),
        "--brand-id", BRAND_ID, "--openid", "o-member-0001", "--user-card-code", "UC0001", "--level", "金卡",
        "--phone-number", PHONE
      ], providerEnv())
    )
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(JSON.parse(outcome.stdout)).toMatchObject({ user_card_code: "UC0001", level: "金卡" })
    const [request] = requests
    expect([request!.method, request!.url]).toEqual(["POST", "/v3/brand/partner/card-member/user-cards/import-by-openid"])
    expect(request!.verified).toBe(true)
    const body = JSON.parse(request!.body) as Record<string, string>
    expect(body).toMatchObject({
      brand_id: BRAND_ID,
      card_id: "pCardMember0001",
      openid: "o-member-0001",
      user_card_code: "UC0001",
      level: "金卡"
    })
    expect(body["phone_number"]).not.toBe(PHONE)
    expect(decrypt(body["phone_number"]!)).toBe(PHONE)
    expect(request!.headers["wechatpay-serial"]).toBe(PUB_KEY_ID)
    expect(outcome.stdout + outcome.stderr).not.toContain(PHONE)
  })

  it("WeChat's refusal is reported with its code and exit 3", async () => {
    answer = { status: 404, body: { code: "NOT_FOUND", message: "会员卡模板不存在" } }
    const outcome = await cli(
      ["partner-card-member", "get-card-template", "--brand-id", BRAND_ID, "--card-id", "pMissing"],
      providerEnv()
    )
    expect(outcome.code).toBe(3)
    expect(report(outcome)).toMatchObject({ _tag: "NotFound", code: "NOT_FOUND", status: 404, requestId: "0".repeat(32) })
  })
})

describe("a brand's command (brand-card-member)", () => {
  it("a read with the brand's variables only: signed as the brand (brand_id, its serial), the answer printed", async () => {
    answer = { status: 200, body: { data: [userCard], total_count: 1, offset: 0, limit: 20 } }
    // The brand API key is for notifications: a malformed one does not stop a call, and is never printed.
    const [outcome, requests] = await sent(() =>
      cli(
        ["brand-card-member", "list-user-cards", "--openid", "o-member-0001", "--user-card-state", "EFFECTIVE", "--offset", "0", "--limit", "20"],
        { ...brandEnv(), WECHATPAY_BRAND_API_KEY: BRAND_API_KEY.slice(0, 9) }
      )
    )
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(JSON.parse(outcome.stdout)).toEqual({ data: [userCard], total_count: 1, offset: 0, limit: 20 })
    expect(requests).toHaveLength(1)
    const [request] = requests
    expect(request!.verified).toBe(true)
    expect(request!.scheme).toBe("WECHATPAY-BRAND-SHA256-RSA2048")
    expect(request!.params).toMatchObject({ brand_id: BRAND_ID, serial_no: BRAND_SERIAL })
    expect(request!.params["mchid"]).toBeUndefined()
    expect(request!.headers["wechatpay-serial"]).toBe(PUB_KEY_ID)
    const url = new URL(request!.url, baseUrl)
    expect([request!.method, url.pathname]).toEqual(["GET", "/brand/card-member/user-cards"])
    expect(Object.fromEntries(url.searchParams)).toEqual({
      openid: "o-member-0001",
      user_card_state: "EFFECTIVE",
      offset: "0",
      limit: "20"
    })
  })

  it("a write: the body without brand_id, the phone encrypted to the brand's WeChat Pay key; --base-url wins", async () => {
    answer = { status: 200, body: userCard }
    const [outcome, requests] = await sent(() =>
      cli([
        "brand-card-member", "update-user-card",
        "--user-card-code", "UC0001", "--card-id", "pCardMember0001", "--openid", "o-member-0001",
        "--phone-number", PHONE, "--base-url", baseUrl
      ], { ...brandEnv(), WECHATPAY_BASE_URL: "http://127.0.0.1:1" })
    )
    expect(outcome.code, outcome.stderr).toBe(0)
    const [request] = requests
    expect([request!.method, request!.url]).toEqual(["PATCH", "/brand/card-member/user-cards/UC0001"])
    expect(request!.scheme).toBe("WECHATPAY-BRAND-SHA256-RSA2048")
    expect(request!.verified).toBe(true)
    const body = JSON.parse(request!.body) as Record<string, string>
    expect(body).not.toHaveProperty("brand_id")
    expect(body).not.toHaveProperty("user_card_code")
    expect(body).toMatchObject({ card_id: "pCardMember0001", openid: "o-member-0001" })
    expect(decrypt(body["phone_number"]!)).toBe(PHONE)
    expect(outcome.stdout + outcome.stderr).not.toContain(PHONE)
  })

  it("a write with a file: the brand's image upload, multipart, the answer's media_url printed", async () => {
    answer = { status: 200, body: { media_url: "https://wxpaylogo.qpic.cn/brand/logo.png" } }
    const png = Buffer.from(
      "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
      "hex"
    )
    writeFileSync(join(dir, "logo.png"), png)
    const [outcome, requests] = await sent(() => cli(["brand-card-member", "upload-image", "--file", join(dir, "logo.png")], brandEnv()))
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(JSON.parse(outcome.stdout)).toEqual({ media_url: "https://wxpaylogo.qpic.cn/brand/logo.png" })
    const [request] = requests
    expect([request!.method, request!.url]).toEqual(["POST", "/brand/card-member/media/image-upload"])
    expect(request!.headers["content-type"]).toMatch(/^multipart\/form-data/)
    // Signed as the brand, over the meta JSON (which names the file).
    expect(request!.verified).toBe(true)
    expect(request!.scheme).toBe("WECHATPAY-BRAND-SHA256-RSA2048")
    expect(metaOf(request!.body, /boundary=(.+)$/.exec(request!.headers["content-type"]!)![1]!.replace(/"/g, ""))).toContain(
      `"filename":"logo.png"`
    )
  })
})

describe("refused before sending", () => {
  it("a brand command without WECHATPAY_BRAND_* (a merchant's variables do not stand in): exit 1, ConfigError", async () => {
    const [outcome, requests] = await sent(() =>
      cli(["brand-card-member", "get-card-template", "--card-id", "pCard"], providerEnv())
    )
    expect(outcome.code).toBe(1)
    expect(report(outcome)).toMatchObject({ _tag: "ConfigError", message: expect.stringContaining("WECHATPAY_BRAND_") })
    expect(requests).toEqual([])
  })

  it("a damaged brand private key, or a key id that is not a public key's: exit 1, ConfigurationError, no key echoed", async () => {
    const mangled = pem.brandPrivate.replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\nAAAA")
    const [bad, none] = await sent(() =>
      cli(["brand-card-member", "get-card-template", "--card-id", "pCard"], { ...brandEnv(), WECHATPAY_BRAND_PRIVATE_KEY: mangled })
    )
    expect(bad.code).toBe(1)
    expect(report(bad)._tag).toBe("ConfigurationError")
    const serial = await cli(
      ["brand-card-member", "get-card-template", "--card-id", "pCard"],
      { ...brandEnv(), WECHATPAY_BRAND_PUBLIC_KEY_ID: MERCHANT_SERIAL }
    )
    expect(serial.code).toBe(1)
    expect(report(serial)).toMatchObject({ _tag: "ConfigurationError", message: expect.stringContaining("PUB_KEY_ID_") })
    expect(none).toEqual([])
  })

  it("a provider's request without brand_id, and an invalid confirm state: exit 2, nothing sent", async () => {
    const [outcomes, requests] = await sent(async () => [
      await cli(["partner-card-member", "get-card-template", "--card-id", "pCard"], providerEnv()),
      await cli(
        ["partner-card-member", "confirm-user-card", "--brand-id", BRAND_ID, "--user-card-code", "UC1", "--card-id", "pCard",
          "--openid", "o1", "--user-card-confirm-state", "CREATE_CARD_MAYBE"],
        providerEnv()
      ),
      await cli(["partner-card-member", "sync-user-points", "--json", JSON.stringify({
        brand_id: BRAND_ID, out_request_no: "p1", card_id: "pCard", openid: "o1", user_card_code: "UC1", point_balance: -1
      })], providerEnv())
    ])
    const [missing, state, negative] = outcomes
    expect(missing!.code).toBe(2)
    expect(report(missing!)).toMatchObject({ _tag: "RequestValidationError", issues: [{ path: ["brand_id"] }] })
    expect(state!.code).toBe(2)
    expect(report(state!)._tag).toBe("InvalidArguments")
    expect(negative!.code).toBe(2)
    expect(report(negative!)).toMatchObject({ _tag: "RequestValidationError", issues: [{ path: ["point_balance"] }] })
    expect(requests).toEqual([])
  })

  it("--brand-id on a brand command is not a flag of it: exit 2, the value not shown", async () => {
    const [outcome, requests] = await sent(() =>
      cli(["brand-card-member", "get-card-template", "--card-id", "pCard", "--brand-id", "9876543210"], brandEnv())
    )
    expect(outcome.code).toBe(2)
    expect(report(outcome)).toMatchObject({ _tag: "InvalidArguments", message: expect.stringContaining("--brand-id") })
    expect(outcome.stderr).not.toContain("9876543210")
    expect(requests).toEqual([])
  })
})

describe("membercard confirm-membership (a provider on membercard-open)", () => {
  it("sends the state for the card's code; a 204 prints nothing, exit 0", async () => {
    answer = { status: 204, body: undefined }
    const [outcome, requests] = await sent(() =>
      cli([
        "membercard", "confirm-membership", "--card-id", "pOpenCard", "--code", "123456789012",
        "--user-card-confirm-state", "CREATE_CARD_FAIL", "--fail-reason", "系统繁忙"
      ], providerEnv())
    )
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(outcome.stdout).toBe("")
    const [request] = requests
    expect([request!.method, request!.url]).toEqual([
      "POST",
      "/v3/marketing/membercard-open/cards/pOpenCard/codes/123456789012/confirm"
    ])
    expect(request!.verified).toBe(true)
    expect(JSON.parse(request!.body)).toEqual({ user_card_confirm_state: "CREATE_CARD_FAIL", fail_reason: "系统繁忙" })
  })
})

describe("what an interrupted write would advise", () => {
  it("each surface's writes check with their own surface's read, with its own flags", () => {
    const specs = Endpoints.specs()
    const check = (group: string, command: string) => specs.find((s) => s.group === group && s.command === command)!.check
    expect(check("brand-card-member", "update-user-card")).toBe(
      "effect-wechatpay brand-card-member get-user-card --user-card-code <user_card_code> --card-id <card_id> --openid <openid>"
    )
    expect(check("partner-card-member", "invalidate-card-template")).toBe(
      "effect-wechatpay partner-card-member get-card-template --brand-id <brand_id> --card-id <card_id>"
    )
    expect(check("membercard", "confirm-membership")).toBe(
      "effect-wechatpay membercard get-user-card --card-id <card_id> --code <code>"
    )
    expect(specs.filter((s) => s.group === "brand-card-member").every((s) => s.credentials === "brand")).toBe(true)
    expect(specs.filter((s) => s.group !== "brand-card-member").every((s) => s.credentials === "merchant")).toBe(true)
  })
})

describe("against the emulator (Emulator.serve on 127.0.0.1)", () => {
  let scope: Scope.Closeable
  let emulator: Effect.Success<ReturnType<typeof Emulator.make>>
  const files: Record<string, string> = {}

  beforeAll(async () => {
    scope = await Effect.runPromise(Scope.make())
    emulator = await Effect.runPromise(Emulator.make())
    await Effect.runPromise(Scope.provide(scope)(Emulator.serve(emulator)))
    // Keys as files, as an operator keeps them.
    writeFileSync(files.merchant = join(dir, "emulator-merchant.pem"), Redacted.value(emulator.merchantOptions().merchantPrivateKey))
    writeFileSync(files.brand = join(dir, "emulator-brand.pem"), Redacted.value(emulator.brandOptions().brandPrivateKey))
  })

  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  /** The provider's variables: the emulator's merchant, in public-key mode. */
  const asProvider = (): Record<string, string> => {
    const options = emulator.merchantOptions()
    const [publicKeyId, publicKey] = Object.entries(options.wechatpayPublicKeys).find(([id]) => id.startsWith("PUB_KEY_ID_"))!
    return {
      WECHATPAY_MCHID: options.mchid,
      WECHATPAY_MERCHANT_SERIAL_NUMBER: options.merchantSerialNumber,
      WECHATPAY_MERCHANT_PRIVATE_KEY: files.merchant!,
      WECHATPAY_PUBLIC_KEY_ID: publicKeyId,
      WECHATPAY_PUBLIC_KEY: publicKey,
      WECHATPAY_BASE_URL: options.baseUrl!
    }
  }

  /** The brand's variables, and none of a merchant's. */
  const asBrand = (): Record<string, string> => {
    const options = emulator.brandOptions()
    return {
      WECHATPAY_BRAND_ID: options.brandId,
      WECHATPAY_BRAND_SERIAL_NUMBER: options.brandSerialNumber,
      WECHATPAY_BRAND_PRIVATE_KEY: files.brand!,
      WECHATPAY_BRAND_PUBLIC_KEY_ID: options.wechatpayPublicKeyId,
      WECHATPAY_BRAND_PUBLIC_KEY: options.wechatpayPublicKey,
      WECHATPAY_BASE_URL: options.baseUrl!
    }
  }

  it("a provider creates a template for the brand; the brand reads it, imports a member; the provider reads the card", async () => {
    const brandId = emulator.brandOptions().brandId
    const create = [
      "partner-card-member", "create-card-template", "--brand-id", brandId, "--out-request-no", "cli-tpl-0001",
      "--appid", "wxd678efh567hg6787", "--card-type", "NORMAL", "--code-mode", "SYSTEM_ALLOCATE", "--code-type", "BAR_CODE",
      "--card-color", "#FFFF00", "--card-picture-url", "https://qpic.cn/card.png", "--benefits", "会员专享9折",
      "--notify-url", "https://shop.example.com/brand/notify", "--legal-agreement", "会员协议",
      "--valid-date-information", JSON.stringify({ type: "PERMANENT" }),
      "--json", JSON.stringify({ card_title: "命令行会员卡", member_information: { jump_appid: "wxd678efh567hg6787", jump_path: "/member" } })
    ]
    const created = await cli(create, asProvider())
    expect(created.code, created.stderr).toBe(0)
    const template = JSON.parse(created.stdout) as { card_id: string; card_title: string; brand_id: string }
    expect(template).toMatchObject({ card_title: "命令行会员卡", brand_id: brandId })
    expect(emulator.brandState(brandId).templates.map((t) => t.card_id)).toEqual([template.card_id])

    // The same out_request_no again: refused, never a second template.
    const again = await cli(create, asProvider())
    expect(again.code).toBe(3)
    expect(report(again)).toMatchObject({ _tag: "ParamError", status: 400 })
    expect(emulator.brandState(brandId).templates).toHaveLength(1)

    const read = await cli(["brand-card-member", "get-card-template", "--card-id", template.card_id], asBrand())
    expect(read.code, read.stderr).toBe(0)
    expect(JSON.parse(read.stdout)).toMatchObject({ card_id: template.card_id, card_title: "命令行会员卡", state: "CARD_EFFECTIVE" })

    const imported = await cli([
      "brand-card-member", "import-user-card-by-openid", "--card-id", template.card_id, "--openid", "o-cli-member-1",
      "--user-card-code", "UCCLI0001", "--level", "金卡", "--phone-number", PHONE
    ], asBrand())
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ user_card_code: "UCCLI0001", user_card_state: "EFFECTIVE" })
    // The emulator opened the phone number with the brand's WeChat Pay private key: it was encrypted to that key.
    const card = emulator.brandState(brandId).userCards.find((c) => c.user_card_code === "UCCLI0001")
    expect(card).toMatchObject({ openid: "o-cli-member-1", level: "金卡", phone_number: PHONE })

    const seen = await cli([
      "partner-card-member", "get-user-card", "--brand-id", brandId, "--user-card-code", "UCCLI0001",
      "--card-id", template.card_id, "--openid", "o-cli-member-1"
    ], asProvider())
    expect(seen.code, seen.stderr).toBe(0)
    expect(JSON.parse(seen.stdout)).toMatchObject({ user_card_code: "UCCLI0001", level: "金卡", user_card_state: "EFFECTIVE" })
    const printed = [created, again, read, imported, seen].map((run) => run.stdout + run.stderr).join("").replace(/\n/g, "")
    expect(printed).not.toContain(PHONE)
    for (const file of [files.merchant!, files.brand!]) {
      const body = readFileSync(file, "utf8").split("\n").filter((line) => line !== "" && !line.startsWith("-----")).join("")
      for (let i = 0; i + 32 <= body.length; i += 32) expect(printed).not.toContain(body.slice(i, i + 32))
    }
  })
})

describe("secrets", () => {
  it("no run printed a private key, the brand API key or the phone number", () => {
    const printed = outputs.join("\n").replace(/\n/g, "")
    expect(outputs.length).toBeGreaterThan(20)
    for (const key of [pem.merchantPrivate, pem.brandPrivate]) {
      const body = key.split("\n").filter((line) => line !== "" && !line.startsWith("-----")).join("")
      for (let i = 0; i + 32 <= body.length; i += 32) expect(printed).not.toContain(body.slice(i, i + 32))
    }
    expect(printed).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/)
    expect(printed).not.toContain(BRAND_API_KEY.slice(0, 9))
    expect(printed).not.toContain(PHONE)
  })
})
