/**
 * The brand scheme (`WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`), golden: the official guides' worked examples signed
 * by OpenSSL with a key made for the project (test/vectors/brand/vectors.json says how), checked against the library's
 * sign string, signer and header; then a real `BrandClient` call verified by an independent node:crypto check of what
 * went on the wire; the official response and header examples as format fixtures; and the provider's `brand_id` never
 * leaking into a brand's call (or the brand scheme into a merchant's).
 */
import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import * as Authorization from "../src/Authorization.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import * as Protocol from "../src/internal/protocol.js"
import * as Signer from "../src/Signer.js"
import { Transport, type WireRequest } from "../src/Transport.js"

const vectors = JSON.parse(readFileSync(new URL("./vectors/brand/vectors.json", import.meta.url), "utf8"))
const brandKey = readFileSync(new URL("./vectors/brand/brand-test-key.pem", import.meta.url), "utf8")
const brandPublicKey = readFileSync(new URL("./vectors/brand/brand-test-pub.pem", import.meta.url), "utf8")

interface RequestVector {
  readonly name: string
  readonly method: string
  readonly url: string
  readonly body: string
  readonly signature: string
  readonly authorization: string
}

/** The header's pairs as WeChat reads them: scheme, one space, `key="value"` joined by bare commas, in any order. */
const pairsOf = (header: string) => {
  const space = header.indexOf(" ")
  const pairs = new Map<string, string>()
  for (const pair of header.slice(space + 1).split(",")) {
    const match = /^([a-z_]+)="([^"]*)"$/.exec(pair)
    if (match === null) throw new Error(`not a key="value" pair: ${pair}`)
    pairs.set(match[1]!, match[2]!)
  }
  return { scheme: header.slice(0, space), pairs }
}

describe("the brand scheme, golden (OpenSSL-made signatures over the official guides' examples)", () => {
  for (const vector of vectors.requests as ReadonlyArray<RequestVector>) {
    it.effect(`${vector.name}: the sign string, the signature and the header`, () =>
      Effect.gen(function*() {
        const message = Protocol.requestMessage(vector.method, vector.url, vectors.timestamp, vectors.nonce, vector.body)
        // The five lines, each ended by \n, the body line empty for a GET.
        expect(message).toBe(`${vector.method}\n${vector.url}\n${vectors.timestamp}\n${vectors.nonce}\n${vector.body}\n`)
        const signer = yield* Signer.makeRsa({ privateKey: Redacted.make(brandKey) })
        const signature = yield* signer.sign(message)
        expect(signature).toBe(vector.signature)
        const authorization = yield* Authorization.brand({ brandId: vectors.brandId, serialNumber: vectors.serialNo })
        expect(authorization.header(vectors.nonce, vectors.timestamp, signature)).toBe(vector.authorization)
        // And independently: node:crypto verifies the expected signature over the same bytes.
        expect(crypto.verify("sha256", Buffer.from(message), brandPublicKey, Buffer.from(vector.signature, "base64")))
          .toBe(true)
      }))
  }

  it("one changed byte of the message does not verify against the golden signature", () => {
    const vector = vectors.requests[0] as RequestVector
    const changed = Protocol.requestMessage(vector.method, vector.url, vectors.timestamp, vectors.nonce, `${vector.body} `)
    expect(crypto.verify("sha256", Buffer.from(changed), brandPublicKey, Buffer.from(vector.signature, "base64")))
      .toBe(false)
  })

  it("the official header example (FAQ 4015597833) has the very pairs we send, in another order WeChat accepts", () => {
    const official = pairsOf(vectors.officialHeader.value)
    const ours = pairsOf((vectors.requests[0] as RequestVector).authorization)
    expect(official.scheme).toBe(Authorization.brandScheme)
    expect(ours.scheme).toBe(Authorization.brandScheme)
    expect([...official.pairs.keys()].sort()).toEqual([...ours.pairs.keys()].sort())
    expect([...ours.pairs.keys()]).toEqual(["brand_id", "nonce_str", "timestamp", "serial_no", "signature"])
    expect(official.pairs.get("nonce_str")).toMatch(/^[0-9A-Za-z]{32}$/)
    expect(Protocol.isBase64(official.pairs.get("signature")!)).toBe(true)
  })

  it("the official response example (guide 4015407582): the verify-string is ts, nonce, body, each ended by \\n", () => {
    const { body, nonce, timestamp, verifyString } = vectors.officialResponse
    expect(Protocol.responseMessage(timestamp, nonce, body)).toBe(verifyString)
  })

  it.effect("a brand id or serial that would break the header is a ConfigurationError, before any call", () =>
    Effect.gen(function*() {
      for (const brandId of ["", "12 3", "1\"2", "1,2", "a".repeat(33)]) {
        const error = yield* Effect.flip(Authorization.brand({ brandId, serialNumber: vectors.serialNo }))
        expect(error).toMatchObject({ _tag: "ConfigurationError", option: "brandId" })
      }
      expect((yield* Authorization.brand({ brandId: "a".repeat(32), serialNumber: "AB" })).id).toBe("a".repeat(32))
      const serial = yield* Effect.flip(Authorization.brand({ brandId: "1000001", serialNumber: "not hex" }))
      expect(serial).toMatchObject({ _tag: "ConfigurationError", option: "brandSerialNumber" })
    }))
})

// --- A real BrandClient call, checked on the wire -------------------------------------------------------------------

const wechat = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const publicKeyId = "PUB_KEY_ID_0114232019042900000000000000000777"

/** A transport that records what it is handed and answers as WeChat would, signed with WeChat's key. */
const capturing = (sent: Array<WireRequest>, answer: string) =>
  Layer.succeed(Transport, {
    send: (request) =>
      Effect.sync(() => {
        sent.push(request)
        const ts = request.headers["authorization"]!.match(/timestamp="(\d+)"/)![1]!
        const nonce = crypto.randomBytes(16).toString("hex")
        return {
          status: 200,
          headers: {
            "request-id": "brand-request-1",
            "wechatpay-timestamp": ts,
            "wechatpay-nonce": nonce,
            "wechatpay-serial": publicKeyId,
            "wechatpay-signature-type": Authorization.brandScheme,
            "wechatpay-signature": crypto.sign("sha256", Buffer.from(`${ts}\n${nonce}\n${answer}\n`), wechat.privateKey)
              .toString("base64")
          },
          body: new TextEncoder().encode(answer)
        }
      })
  })

const brandOptions: BrandClient.Options = {
  brandId: "1000001",
  brandSerialNumber: vectors.serialNo,
  brandPrivateKey: Redacted.make(brandKey),
  wechatpayPublicKeyId: publicKeyId,
  wechatpayPublicKey: wechat.publicKey
}

const independentlyVerified = (request: WireRequest) => {
  const { pairs, scheme } = pairsOf(request.headers["authorization"]!)
  const body = request.body === undefined ? "" : new TextDecoder().decode(request.body)
  const message = `${request.method}\n${request.target}\n${pairs.get("timestamp")}\n${pairs.get("nonce_str")}\n${body}\n`
  return {
    scheme,
    pairs,
    verified: crypto.verify("sha256", Buffer.from(message), brandPublicKey, Buffer.from(pairs.get("signature")!, "base64"))
  }
}

describe("BrandClient on the wire", () => {
  it.effect("a GET: signed under the brand scheme over the exact target, Wechatpay-Serial sent, no brand_id in the query", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(vectors.timestamp) * 1000)
      const sent: Array<WireRequest> = []
      const page = yield* BrandCardMember.listUserCards({
        openid: "obLatjnx9gnqzS4myYGmLZ7LgLBA",
        user_card_state: "EFFECTIVE",
        offset: 0,
        limit: 20
      }).pipe(
        Effect.provide(BrandCardMember.layer.pipe(
          Layer.provide(BrandClient.layerWith(brandOptions)),
          Layer.provide(capturing(sent, "{\"data\":[],\"limit\":20,\"offset\":0,\"total_count\":0}"))
        ))
      )
      expect(page).toEqual({ data: [], limit: 20, offset: 0, total_count: 0 })
      const request = sent[0]!
      // The Query guide's own URL line, byte for byte.
      expect(request.target).toBe((vectors.requests[1] as RequestVector).url)
      expect(request.headers["wechatpay-serial"]).toBe(publicKeyId)
      const { pairs, scheme, verified } = independentlyVerified(request)
      expect(scheme).toBe("WECHATPAY-BRAND-SHA256-RSA2048")
      expect(pairs.get("brand_id")).toBe("1000001")
      expect(pairs.get("serial_no")).toBe(vectors.serialNo)
      expect(pairs.get("timestamp")).toBe(vectors.timestamp)
      expect(pairs.has("mchid")).toBe(false)
      expect(verified).toBe(true)
    }))

  it.effect("a POST: the body signed is the body sent; the phone number leaves encrypted to the brand's public key", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(vectors.timestamp) * 1000)
      const sent: Array<WireRequest> = []
      const answer = JSON.stringify({ user_card_code: "M0001", card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", openid: "o1" })
      yield* BrandCardMember.importUserCardByOpenid({
        card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0",
        openid: "o1",
        user_card_code: "M0001",
        phone_number: Redacted.make("13800138000")
      }).pipe(
        Effect.provide(BrandCardMember.layer.pipe(
          Layer.provide(BrandClient.layerWith(brandOptions)),
          Layer.provide(capturing(sent, answer))
        ))
      )
      const request = sent[0]!
      expect(request.target).toBe("/brand/card-member/user-cards/import-by-openid")
      expect(independentlyVerified(request).verified).toBe(true)
      const body = JSON.parse(new TextDecoder().decode(request.body!))
      expect(body).not.toHaveProperty("brand_id")
      expect(body.phone_number).not.toContain("13800138000")
      const phone = crypto.privateDecrypt(
        { key: wechat.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
        Buffer.from(body.phone_number, "base64")
      ).toString("utf8")
      expect(phone).toBe("13800138000")
      expect(request.headers["wechatpay-serial"]).toBe(publicKeyId)
    }))

  it.effect("an answer signed by another key is refused (ResponseVerificationError), not decoded", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(vectors.timestamp) * 1000)
      const forged = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
      const error = yield* BrandCardMember.getCardTemplate({ card_id: "c1" }).pipe(
        Effect.provide(BrandCardMember.layer.pipe(
          Layer.provide(BrandClient.layerWith({ ...brandOptions, wechatpayPublicKey: forged.publicKey.export({ type: "spki", format: "pem" }).toString() })),
          Layer.provide(capturing([], "{\"card_id\":\"c1\"}"))
        )),
        Effect.flip
      )
      expect(error._tag).toBe("ResponseVerificationError")
    }))

  it.effect("BrandClient.makeWith signs with the Signer in context (a KMS-held brand key): the same header, verified on the wire", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(vectors.timestamp) * 1000)
      const sent: Array<WireRequest> = []
      const signed: Array<string> = []
      // A "KMS": signs with a key the client never sees, and says what it signed.
      const kms = Layer.succeed(Signer.Signer, {
        sign: (message) =>
          Effect.sync(() => {
            signed.push(message)
            return crypto.sign("sha256", Buffer.from(message), brandKey).toString("base64")
          })
      })
      const { brandPrivateKey: _, ...withoutKey } = brandOptions
      const client = Layer.effect(BrandClient.BrandClient, BrandClient.makeWith(withoutKey)).pipe(
        Layer.provide(kms),
        Layer.provide(capturing(sent, "{\"card_id\":\"c1\"}"))
      )
      yield* BrandCardMember.getCardTemplate({ card_id: "c1" }).pipe(Effect.provide(BrandCardMember.layer.pipe(Layer.provide(client))))
      expect(signed).toHaveLength(1)
      expect(signed[0]).toMatch(/^GET\n\/brand\/card-member\/cards\/c1\n1554208460\n[0-9A-Za-z]{32}\n\n$/)
      const { pairs, scheme, verified } = independentlyVerified(sent[0]!)
      expect([scheme, pairs.get("brand_id"), verified]).toEqual(["WECHATPAY-BRAND-SHA256-RSA2048", "1000001", true])
    }))

  it.effect("a platform-certificate serial is refused: the brand APIs are public-key mode only", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Layer.build(BrandClient.layerWith({ ...brandOptions, wechatpayPublicKeyId: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1" }))
          .pipe(Effect.provide(capturing([], "")), Effect.scoped)
      )
      expect(error).toMatchObject({ _tag: "ConfigurationError", option: "wechatpayPublicKeyId" })
    }))
})
