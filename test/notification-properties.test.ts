/**
 * Property: a notification is accepted only exactly as WeChat signed it. Any change to the body bytes, the
 * signature, the timestamp, the nonce or the serial is refused with NotificationVerificationError — before anything
 * is decrypted.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import fc from "fast-check"
import * as Aead from "../src/internal/aead.js"
import * as Notification from "../src/Notification.js"
import * as Verifier from "../src/Verifier.js"

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const other = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
const otherKeyId = "PUB_KEY_ID_0114232019042900000000000000000002"
const apiV3Key = "Zq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY"

const ts = String(Math.floor(Date.now() / 1000))
const nonce = "d824f2e086d3c1df967785d13fcd22ef"
const body = Buffer.from(JSON.stringify({
  id: "EV-2018022511223320873",
  create_time: "2024-08-14T12:00:00+08:00",
  resource_type: "encrypt-resource",
  event_type: "MEMBERCARD.ACTIVATE_CARD",
  summary: "会员卡激活通知",
  resource: {
    original_type: "membercard",
    algorithm: "AEAD_AES_256_GCM",
    ciphertext: Effect.runSync(Aead.encrypt(
      Aead.keyBytes(apiV3Key),
      "fdasflkja484",
      "membercard",
      Buffer.from(JSON.stringify({
        event_type: "MEMBER_CARD_ACTIVATE",
        card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0",
        event_time: "2024-08-14T12:00:00+08:00",
        openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
      }))
    )),
    associated_data: "membercard",
    nonce: "fdasflkja484"
  }
}))
const signature = crypto.sign("sha256", Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), body, Buffer.from("\n")]), privateKey)
  .toString("base64")

const headers = {
  "wechatpay-timestamp": ts,
  "wechatpay-nonce": nonce,
  "wechatpay-signature": signature,
  "wechatpay-serial": keyId
}

// Both keys are known: a changed serial that names the other key must still be refused (its signature does not match).
const service = Effect.runSync(
  Notification.make({ apiV3Key: Redacted.make(apiV3Key) }).pipe(
    Effect.provide(Layer.orDie(Verifier.layer({ publicKeys: { [keyId]: publicKey, [otherKeyId]: other.publicKey } }))),
    Effect.orDie
  )
)

const run = (input: Notification.Input) => Effect.runPromiseExit(service.parse(input))

const refused = async (input: Notification.Input): Promise<boolean> => {
  const exit = await run(input)
  if (Exit.isSuccess(exit)) return false
  // A cause that is exactly one failure (Effect 3's `cause._tag === "Fail"`).
  const [only, ...rest] = exit.cause.reasons
  const failure = only !== undefined && rest.length === 0 && Cause.isFailReason(only) ? only.error : undefined
  return failure instanceof Notification.NotificationVerificationError
}

/** A string other than `original`. */
const otherThan = (original: string, arb: fc.Arbitrary<string>) => arb.filter((s) => s !== original)

describe("Notification.parse refuses any change to what WeChat signed", () => {
  it("the original is accepted (the properties below start from a valid notification)", async () => {
    const exit = await run({ headers, body })
    expect(Exit.isSuccess(exit)).toBe(true)
    if (Exit.isSuccess(exit)) expect(exit.value._tag).toBe("ActivateCard")
  })

  it("any byte of the body changed, removed or added", async () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(body.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant("remove" as const), at: fc.nat(body.length - 1), mask: fc.constant(0) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(body.length), mask: fc.integer({ min: 0, max: 255 }) })
    )
    await fc.assert(
      fc.asyncProperty(edit, fc.boolean(), async ({ at, kind, mask }, asString) => {
        const changed = Buffer.from(body)
        const bytes = kind === "flip"
          ? (changed[at] = changed[at]! ^ mask, changed)
          : kind === "remove"
          ? Buffer.concat([changed.subarray(0, at), changed.subarray(at + 1)])
          : Buffer.concat([changed.subarray(0, at), Buffer.from([mask]), changed.subarray(at)])
        // As a string the change may vanish in UTF-8 decoding (an invalid byte becomes U+FFFD): bytes only then.
        const input = asString && Buffer.from(bytes.toString("utf8")).equals(bytes) ? bytes.toString("utf8") : new Uint8Array(bytes)
        return refused({ headers, body: input })
      }),
      { numRuns: 300 }
    )
  })

  it("any other signature: a changed bit, or any other string", async () => {
    const raw = Buffer.from(signature, "base64")
    const bit = fc.record({ at: fc.nat(raw.length - 1), mask: fc.integer({ min: 1, max: 255 }) }).map(({ at, mask }) => {
      const changed = Buffer.from(raw)
      changed[at] = changed[at]! ^ mask
      return changed.toString("base64")
    })
    await fc.assert(
      fc.asyncProperty(fc.oneof(bit, otherThan(signature, fc.string()), otherThan(signature, fc.base64String())), (s) =>
        refused({ headers: { ...headers, "wechatpay-signature": s }, body })),
      { numRuns: 300 }
    )
  })

  it("any other timestamp, near (inside the window) or not", async () => {
    const near = fc.integer({ min: -300, max: 300 }).filter((d) => d !== 0).map((d) => String(Number(ts) + d))
    await fc.assert(
      fc.asyncProperty(fc.oneof(near, otherThan(ts, fc.string()), otherThan(ts, fc.stringMatching(/^\d{1,12}$/))), (t) =>
        refused({ headers: { ...headers, "wechatpay-timestamp": t }, body })),
      { numRuns: 300 }
    )
  })

  it("any other nonce", async () => {
    await fc.assert(
      fc.asyncProperty(otherThan(nonce, fc.oneof(fc.string(), fc.hexaString({ minLength: 32, maxLength: 32 }))), (n) =>
        refused({ headers: { ...headers, "wechatpay-nonce": n }, body })),
      { numRuns: 300 }
    )
  })

  it("any other serial, including the other configured key's", async () => {
    // The verifier matches serials case-insensitively (the same key), so "other" means another key id.
    const serials = fc.oneof(
      fc.constant(otherKeyId),
      fc.string(),
      fc.stringMatching(/^PUB_KEY_ID_\d{1,40}$/),
      fc.hexaString({ minLength: 1, maxLength: 40 })
    ).filter((s) => s.toUpperCase() !== keyId)
    await fc.assert(
      fc.asyncProperty(serials, (s) => refused({ headers: { ...headers, "wechatpay-serial": s }, body })),
      { numRuns: 300 }
    )
  })
})
