/**
 * Survivors of the Stryker run on src/internal/protocol.ts and src/Verifier.ts that matter for a payment client:
 * the request nonce, strict Base64 signatures (node's Base64 decoder skips junk, so without the check a signature
 * with extra characters would still verify), Authorization parsing (the emulator's, i.e. WeChat's, strictness),
 * and the Verifier's key-id rules.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/testing/TestClock"
import * as Protocol from "../src/internal/protocol.js"
import * as Verifier from "../src/Verifier.js"
import { Emulator } from "../src/testing/index.js"

describe("nonce", () => {
  it("32 characters of [0-9A-Za-z], every one of the 62 in use, never repeated", () => {
    const nonces = Array.from({ length: 2000 }, () => Protocol.nonce())
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9A-Za-z]{32}$/)
    expect(new Set(nonces).size).toBe(nonces.length)
    const used = new Set(nonces.join(""))
    expect(used.size).toBe(62)
  })

  it("no character is favoured: over 64,000 characters each one's count is within 20 % of the mean", () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 2000; i++) for (const c of Protocol.nonce()) counts.set(c, (counts.get(c) ?? 0) + 1)
    const mean = (2000 * 32) / 62
    for (const [c, n] of counts) expect(Math.abs(n - mean) / mean, c).toBeLessThan(0.2)
  })
})

describe("isBase64 (strict standard Base64 with padding)", () => {
  it.each([
    ["YWJj", true],
    ["YQ==", true],
    ["YWI=", true],
    ["a+/9", true],
    ["", false],
    ["YWJ", false],
    ["YQ=", false],
    ["YQ===", false],
    ["!WJj", false],
    ["YWJ!", false],
    ["YW Jj", false],
    ["YW\nJ", false],
    ["YQ==YWJj", false],
    ["-_ab", false]
  ])("%j → %s", (value, expected) => {
    expect(Protocol.isBase64(value)).toBe(expected)
  })
})

describe("parseAuthorization (strict, as WeChat)", () => {
  const good = `WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="abc",timestamp="1",serial_no="AB",signature="c2ln"`
  it("parses the scheme and every parameter", () => {
    expect(Protocol.parseAuthorization(good)).toEqual({
      scheme: "WECHATPAY2-SHA256-RSA2048",
      params: { mchid: "1900000109", nonce_str: "abc", timestamp: "1", serial_no: "AB", signature: "c2ln" }
    })
  })
  it.each([
    ["no scheme (starts with the space)", ` mchid="1"`],
    ["no space at all", `WECHATPAY2-SHA256-RSA2048`],
    ["trailing garbage", `${good},junk`],
    ["garbage between parameters", `WECHATPAY2-SHA256-RSA2048 mchid="1" nonce_str="2"`],
    ["an unquoted value", `WECHATPAY2-SHA256-RSA2048 mchid=1`]
  ])("refuses %s", (_, header) => {
    expect(Protocol.parseAuthorization(header)).toBeUndefined()
  })
})

describe("Verifier: signatures and key ids", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString()
  const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
  const now = 1_700_000_000
  const body = `{"card_id":"pbLatjvWOibDc5-TBnbUk1pD12o0"}`
  const nonce = "d824f2e086d3c1df967785d13fcd22ef"
  const signature = crypto.sign("sha256", Buffer.from(`${now}\n${nonce}\n${body}\n`), privateKey).toString("base64")
  const headers = (overrides: Record<string, string> = {}) => ({
    "wechatpay-timestamp": String(now),
    "wechatpay-nonce": nonce,
    "wechatpay-serial": keyId,
    "wechatpay-signature": signature,
    ...overrides
  })
  const verify = (h: Record<string, string>, publicKeys: Record<string, string> = { [keyId]: publicPem }) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const verifier = yield* Verifier.make({ publicKeys })
      return yield* Effect.result(verifier.verify({ headers: h, body, requestId: "REQ-1", status: 200 }))
    })

  it.effect("the correct signature verifies", () =>
    Effect.map(verify(headers()), (result) => expect(result._tag).toBe("Success")))

  it.effect("the correct signature with junk node's decoder would skip is refused: not a Base64 signature", () =>
    Effect.gen(function*() {
      for (const junk of [`${signature.slice(0, -4)}!!!!${signature.slice(-4)}`, ` ${signature.slice(1)}`, `${signature}####`]) {
        const result = yield* verify(headers({ "wechatpay-signature": junk }))
        expect(result._tag, junk).toBe("Failure")
        if (result._tag === "Failure") {
          expect(result.failure).toMatchObject({ reason: "InvalidSignature", serial: keyId, status: 200, requestId: "REQ-1" })
          expect(result.failure.message).toMatch(/not a Base64 signature/)
        }
      }
    }))

  it.effect("a Base64 signature longer than 1024 characters is refused as not a signature (never handed to RSA)", () =>
    Effect.gen(function*() {
      const result = yield* verify(headers({ "wechatpay-signature": "A".repeat(1028) }))
      expect(result._tag === "Failure" ? result.failure.message : "verified").toMatch(/not a Base64 signature/)
    }))

  it.effect("an unknown serial of exactly 64 characters is shown whole; of 65, cut to 64 with an ellipsis", () =>
    Effect.gen(function*() {
      const s64 = "ABCDEF0123456789".repeat(4)
      const at64 = yield* verify(headers({ "wechatpay-serial": s64 }))
      expect(at64._tag === "Failure" ? at64.failure.serial : "verified").toBe(s64)
      const at65 = yield* verify(headers({ "wechatpay-serial": `${s64}F` }))
      expect(at65._tag === "Failure" ? at65.failure.serial : "verified").toBe(`${s64}…`)
    }))

  it.effect("a certificate serial matches with leading zeros added or removed, in any case", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState()
      const serial = emulator.certificateSerial
      const certificateKey = crypto.createPrivateKey(
        // The emulator's fixed certificate key: sign as the certificate would.
        (yield* Effect.promise(() => import("../src/testing/fixtures.js"))).certificatePrivateKey
      )
      const certSignature = crypto.sign("sha256", Buffer.from(`${now}\n${nonce}\n${body}\n`), certificateKey).toString("base64")
      for (const shown of [serial, `00${serial}`, `000${serial.toLowerCase()}`]) {
        const result = yield* verify(
          headers({ "wechatpay-serial": shown, "wechatpay-signature": certSignature }),
          { [serial]: emulator.certificate }
        )
        expect(result._tag, shown).toBe("Success")
      }
    }))

  it.effect("key ids: PUB_KEY_ID_ only as a prefix; a certificate serial only as 1–64 hex digits", () =>
    Effect.gen(function*() {
      for (const id of ["XPUB_KEY_ID_01", "G0123", "0123G", "ABC DEF", ""]) {
        const result = yield* Effect.result(Verifier.make({ publicKeys: { [id]: publicPem } }))
        expect(result._tag, JSON.stringify(id)).toBe("Failure")
        if (result._tag === "Failure") expect(result.failure).toMatchObject({ _tag: "ConfigurationError", option: "publicKeys" })
      }
    }))
})
