/**
 * Notification.parse: the golden TV-4 notification (wechatpay-go) through the same verify → parse → decrypt → decode
 * path the layer uses, and our own signed, encrypted member-card notifications for each event, each refusal, and
 * the secrets that must never show (APIv3 key, openid, unionid) in errors or spans.
 */
import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Match from "effect/Match"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import * as Aead from "../src/internal/aead.js"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Verifier from "../src/Verifier.js"
import { ConfigurationError } from "../src/WechatPayError.js"
import { recordingTracer } from "./support.js"

const vectors = JSON.parse(readFileSync(new URL("./vectors/vectors.json", import.meta.url), "utf8"))
const certificateD7CE = readFileSync(new URL("./vectors/c-go-D7CE.cert.pem", import.meta.url), "utf8")

// --- our own WeChat side: a platform key, an APIv3 key, a member ---------------------------------------------------

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
const apiV3Key = "Zq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY" // 32 bytes
const otherApiV3Key = "Hk2nP8qW4xT6vB1mZ9cL3sR7fJ0dG5aY"
const now = 1_700_000_000
const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
const unionid = "o6_bmasdasdsad6_2sgVt7hMZOPfL"
const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const secrets = [apiV3Key, openid, unionid]

interface Sealed {
  readonly headers: Record<string, string>
  readonly body: string
}

/** A notification as WeChat sends it: resource sealed with the APIv3 key, body signed with the platform key. */
const notification = (options: {
  readonly event_type: string
  readonly resource: unknown
  readonly id?: string
  readonly ts?: number
  readonly nonce?: string
  readonly key?: string
  readonly algorithm?: string
  readonly plaintext?: string
  readonly envelope?: (envelope: Record<string, unknown>) => unknown
  readonly requestId?: string
}): Sealed => {
  const aeadNonce = "fdasflkja484"
  const plaintext = options.plaintext ?? JSON.stringify(options.resource)
  const ciphertext = Effect.runSync(Aead.encrypt(Aead.keyBytes(options.key ?? apiV3Key), aeadNonce, "membercard", Buffer.from(plaintext)))
  const envelope: Record<string, unknown> = {
    id: options.id ?? "EV-2018022511223320873",
    create_time: "2024-08-14T12:00:00+08:00",
    resource_type: "encrypt-resource",
    event_type: options.event_type,
    summary: "会员卡通知",
    resource: {
      original_type: "membercard",
      algorithm: options.algorithm ?? "AEAD_AES_256_GCM",
      ciphertext,
      associated_data: "membercard",
      nonce: aeadNonce
    }
  }
  const body = JSON.stringify(options.envelope ? options.envelope(envelope) : envelope)
  return signed(body, options)
}

const signed = (
  body: string,
  options: { readonly ts?: number; readonly nonce?: string; readonly requestId?: string } = {}
): Sealed => {
  const ts = String(options.ts ?? now)
  const nonce = options.nonce ?? "d824f2e086d3c1df967785d13fcd22ef"
  const signature = crypto.sign("sha256", Buffer.from(`${ts}\n${nonce}\n${body}\n`, "utf8"), privateKey).toString("base64")
  return {
    headers: {
      "Wechatpay-Timestamp": ts,
      "Wechatpay-Nonce": nonce,
      "Wechatpay-Signature": signature,
      "Wechatpay-Serial": keyId,
      "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
      "Content-Type": "application/json",
      "Request-ID": options.requestId ?? "08F78BB5AF0610D302"
    },
    body
  }
}

const accept = {
  event_type: "NEW_ACTIVATE",
  card_id,
  code: "0123456789",
  event_time: "2024-08-14T12:00:00+08:00",
  openid,
  unionid,
  outer_str: "store-42"
}

const VerifierLive = Verifier.layer({ publicKeys: { [keyId]: publicKey } })
const NotificationsLive = (options: Partial<Notification.Options> = {}) =>
  Notification.layer({ apiV3Key: Redacted.make(apiV3Key), ...options }).pipe(Layer.provide(VerifierLive), Layer.orDie)

/** Parse at the test clock `now` with a layer built from `options`. */
const parse = (input: Notification.Input, options: Partial<Notification.Options> = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now * 1000)
    return yield* Notification.parse(input)
  }).pipe(Effect.provide(NotificationsLive(options)))

/** Every way an error is printed or serialised holds none of the secrets. */
const noSecrets = (value: unknown) => {
  for (const text of [String(value), JSON.stringify(value), (value as { message?: string }).message ?? ""]) {
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

describe("Notification.parse", () => {
  describe("TV-4 (wechatpay-go notify_test.go): verify with C-go-D7CE, decrypt with a 16-byte key", () => {
    const tv = vectors["TV-4"]
    const TV4 = Layer.effect(
      Notification.Notifications,
      Notification.makeWith({
        key: Redacted.make(Aead.keyBytes(tv.apiV3Key)),
        maxClockSkew: Duration.minutes(5)
      })
    ).pipe(Layer.provide(Verifier.layer({ publicKeys: { [vectors.keys["C-go-D7CE"].serial]: certificateD7CE } })), Layer.orDie)
    const at = (seconds: number, input: Notification.Input) =>
      Effect.gen(function*() {
        yield* TestClock.setTime(seconds * 1000)
        return yield* Notification.parse(input)
      }).pipe(Effect.provide(TV4))

    it.effect("verifies the exact bytes and decrypts the resource into an Unknown event", () =>
      Effect.gen(function*() {
        const body = Buffer.from(tv.body, "utf8")
        expect(body.length).toBe(568)
        const event = yield* at(tv.clock, { headers: tv.headers, body: new Uint8Array(body) })
        expect(event._tag).toBe("Unknown")
        expect(event).toEqual({
          _tag: "Unknown",
          id: "3119dfba-e649-5eec-ab1e-3412bc4d2e17",
          create_time: "2021-06-24T16:37:26+08:00",
          event_type: "PAYSCORE.USER_OPEN_SERVICE",
          resource_type: "encrypt-resource",
          summary: "签约成功",
          resource: JSON.parse(tv.expectedPlaintext)
        })
      }))

    it.effect("takes the body as the string received too", () =>
      Effect.gen(function*() {
        const event = yield* at(tv.clock, { headers: tv.headers, body: tv.body })
        expect(event.resource).toEqual(JSON.parse(tv.expectedPlaintext))
      }))

    it.effect("accepts 300 s of skew and refuses 301 s (default window)", () =>
      Effect.gen(function*() {
        const input = { headers: tv.headers, body: tv.body }
        yield* at(tv.clock + 300, input)
        yield* at(tv.clock - 300, input)
        const late = yield* Effect.flip(at(tv.clock + 301, input))
        expect(late._tag).toBe("NotificationVerificationError")
        expect(late).toMatchObject({ reason: "StaleTimestamp", skewSeconds: 301, serial: "D7CE59D1F522D701" })
      }))

    it.effect("refuses the same bytes re-serialised (the signature covers the body as received)", () =>
      Effect.gen(function*() {
        const reserialised = JSON.stringify(JSON.parse(tv.body), null, 1)
        const error = yield* Effect.flip(at(tv.clock, { headers: tv.headers, body: reserialised }))
        expect(error).toMatchObject({ _tag: "NotificationVerificationError", reason: "InvalidSignature" })
      }))

    it.effect("with another 16-byte key: verified, then NotificationDecryptError naming the id", () =>
      Effect.gen(function*() {
        const wrong = Layer.effect(
          Notification.Notifications,
          Notification.makeWith({ key: Redacted.make(Aead.keyBytes("testMchAPIv3Key1")), maxClockSkew: Duration.minutes(5) })
        ).pipe(Layer.provide(Verifier.layer({ publicKeys: { D7CE59D1F522D701: certificateD7CE } })), Layer.orDie)
        yield* TestClock.setTime(tv.clock * 1000)
        const error = yield* Effect.flip(Notification.parse({ headers: tv.headers, body: tv.body }).pipe(Effect.provide(wrong)))
        expect(error).toMatchObject({ _tag: "NotificationDecryptError", id: "3119dfba-e649-5eec-ab1e-3412bc4d2e17" })
        expect(error.message).toMatch(/wrong APIv3 key/)
      }))

    it.effect("the public layer refuses its 16-byte key when built", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Layer.build(Notification.layer({ apiV3Key: Redacted.make(tv.apiV3Key) }).pipe(Layer.provide(TV4Verifier)))
        )
        expect(error).toBeInstanceOf(ConfigurationError)
        expect(error.option).toBe("apiV3Key")
        expect(error.message).toMatch(/exactly 32 bytes.*16 bytes/)
        expect(String(error) + JSON.stringify(error)).not.toContain(tv.apiV3Key)
      }).pipe(Effect.scoped))
  })

  describe("the layer", () => {
    const build = (key: unknown, options: Partial<Notification.Options> = {}) =>
      Effect.scoped(Layer.build(
        Notification.layer({ apiV3Key: key as Redacted.Redacted<string>, ...options }).pipe(Layer.provide(VerifierLive))
      ))

    it.effect("accepts exactly 32 bytes and refuses 31 and 33, counting UTF-8 bytes, not characters", () =>
      Effect.gen(function*() {
        yield* build(Redacted.make(apiV3Key))
        for (const key of [apiV3Key.slice(0, 31), `${apiV3Key}x`, `${apiV3Key.slice(0, 31)}é`]) {
          const error = yield* Effect.flip(build(Redacted.make(key)))
          expect(error).toMatchObject({ _tag: "ConfigurationError", option: "apiV3Key" })
          expect(String(error) + JSON.stringify(error)).not.toContain(key)
        }
        // 32 characters, 33 bytes
        const error = yield* Effect.flip(build(Redacted.make(`${apiV3Key.slice(0, 31)}é`)))
        expect(error.message).toContain("33 bytes")
      }))

    it.effect("refuses a key given as a plain string, without printing it", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(build(apiV3Key))
        expect(error).toMatchObject({ _tag: "ConfigurationError", option: "apiV3Key" })
        expect(String(error) + JSON.stringify(error)).not.toContain(apiV3Key)
      }))

    it.effect("refuses an infinite maxClockSkew", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(build(Redacted.make(apiV3Key), { maxClockSkew: Duration.infinity }))
        expect(error).toMatchObject({ _tag: "ConfigurationError", option: "maxClockSkew" })
      }))

    it.effect("maxClockSkew is the notification's own window: 60 s accepted, 61 s refused", () =>
      Effect.gen(function*() {
        const options = { maxClockSkew: Duration.seconds(60) }
        yield* parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept, ts: now - 60 }), options)
        const error = yield* Effect.flip(
          parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept, ts: now + 61 }), options)
        )
        expect(error).toMatchObject({ _tag: "NotificationVerificationError", reason: "StaleTimestamp", skewSeconds: 61 })
      }))
  })

  describe("member-card events", () => {
    it.effect("MEMBERCARD.ACCEPT_CARD → AcceptCard with the decrypted resource", () =>
      Effect.gen(function*() {
        const event = yield* parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept }))
        expect(event).toEqual({
          _tag: "AcceptCard",
          id: "EV-2018022511223320873",
          create_time: "2024-08-14T12:00:00+08:00",
          event_type: "MEMBERCARD.ACCEPT_CARD",
          resource_type: "encrypt-resource",
          summary: "会员卡通知",
          resource: accept
        })
      }))

    it.effect("MEMBERCARD.ACTIVATE_CARD → ActivateCard (activate_scene kept)", () =>
      Effect.gen(function*() {
        const resource = {
          event_type: "MEMBER_CARD_ACTIVATE",
          card_id,
          code: "0123456789",
          event_time: "2024-08-14T12:01:00+08:00",
          activate_scene: "RECOVER",
          openid
        }
        const event = yield* parse(notification({ event_type: "MEMBERCARD.ACTIVATE_CARD", resource }))
        expect(event._tag).toBe("ActivateCard")
        if (event._tag !== "ActivateCard") return
        expect(event.resource).toEqual(resource)
        expect(event.resource.activate_scene).toBe("RECOVER")
      }))

    it.effect("MEMBERCARD.USERCARD_MANAGE → UserCardManage; only the required fields", () =>
      Effect.gen(function*() {
        const resource = { event_type: "USER_DELETE_MEMBERCARD", card_id, event_time: "2024-08-14T12:02:00+08:00", openid }
        const event = yield* parse(notification({ event_type: "MEMBERCARD.USERCARD_MANAGE", resource }))
        expect(event).toMatchObject({ _tag: "UserCardManage", event_type: "MEMBERCARD.USERCARD_MANAGE", resource })
        expect(Object.keys(event.resource as object).sort()).toEqual(["card_id", "event_time", "event_type", "openid"])
      }))

    it.effect("an inner event_type WeChat added since is kept as sent; extra keys never fail", () =>
      Effect.gen(function*() {
        const resource = { ...accept, event_type: "MEMBER_CARD_ACCEPT_BY_SOMETHING_NEW", brand_new_field: { a: 1 } }
        const event = yield* parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource }))
        expect(event._tag).toBe("AcceptCard")
        if (event._tag !== "AcceptCard") return
        expect(event.resource.event_type).toBe("MEMBER_CARD_ACCEPT_BY_SOMETHING_NEW")
        expect(event.resource.card_id).toBe(card_id)
      }))

    it.effect("an unknown event type is still decrypted and returned as Unknown, its resource as parsed JSON", () =>
      Effect.gen(function*() {
        const resource = { user_card_id: "X1", openid, any: [1, 2, 3] }
        const event = yield* parse(notification({ event_type: "MEMBERCARDSP.USER_CARD.UPGRADE", resource }))
        expect(event).toMatchObject({ _tag: "Unknown", event_type: "MEMBERCARDSP.USER_CARD.UPGRADE", resource })
      }))

    it.effect("narrows by _tag with Match.tag, including the Unknown member", () =>
      Effect.gen(function*() {
        const describe = Match.type<Notification.Event>().pipe(
          Match.tag("AcceptCard", (e) => `accept ${e.resource.card_id}`),
          Match.tag("ActivateCard", (e) => `activate ${e.resource.activate_scene ?? "-"}`),
          Match.tag("UserCardManage", (e) => `manage ${e.resource.event_type}`),
          Match.tag("BrandUserCardCreate", (e) => `opened ${e.resource.card_id}`),
          Match.tag("BrandUserCardDelete", (e) => `deleted ${e.resource.card_id}`),
          Match.tag("BrandSyncUserPoint", (e) => `sync ${e.resource.user_card_code}`),
          Match.tag("BrandPointExchangeCoupon", (e) => `exchange ${e.resource.record_id}`),
          Match.tag("Unknown", (e) => `unknown ${e.event_type}`),
          Match.exhaustive
        )
        const events = [
          yield* parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept })),
          yield* parse(notification({ event_type: "SOMETHING.ELSE", resource: {} }))
        ]
        expect(events.map(describe)).toEqual([`accept ${card_id}`, "unknown SOMETHING.ELSE"])
      }))

    it.effect("headers in any case, as arrays or undefined; a Wechatpay-* array of two different values is refused", () =>
      Effect.gen(function*() {
        const n = notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept })
        const headers: Record<string, string | Array<string> | undefined> = { "x-ignored": undefined }
        for (const [name, value] of Object.entries(n.headers)) {
          headers[name.toUpperCase()] = name === "Wechatpay-Signature" || name === "Request-ID" ? [value, value] : value
        }
        const event = yield* parse({ headers, body: n.body })
        expect(event._tag).toBe("AcceptCard")
        // Which copy was signed is unknowable: two different signatures are refused, in either order.
        for (const pair of [[n.headers["Wechatpay-Signature"]!, "WECHATPAY/SIGNTEST/AAAA"], ["WECHATPAY/SIGNTEST/AAAA", n.headers["Wechatpay-Signature"]!]]) {
          const error = yield* Effect.flip(parse({ headers: { ...headers, "WECHATPAY-SIGNATURE": pair }, body: n.body }))
          expect(error).toMatchObject({ _tag: "NotificationVerificationError", reason: "AmbiguousHeader", requestId: "08F78BB5AF0610D302" })
        }
      }))
  })

  describe("refusals", () => {
    const base = notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept, requestId: "REQ-1" })

    it.effect("a changed body, signature, timestamp, nonce or serial → NotificationVerificationError with requestId", () =>
      Effect.gen(function*() {
        const cases: Array<[Notification.Input, string]> = [
          [{ ...base, body: base.body.replace("会员卡通知", "会员卡通知 ") }, "InvalidSignature"],
          [{ ...base, headers: { ...base.headers, "Wechatpay-Nonce": "x" + base.headers["Wechatpay-Nonce"] } }, "InvalidSignature"],
          [{ ...base, headers: { ...base.headers, "Wechatpay-Timestamp": String(now - 1) } }, "InvalidSignature"],
          [{ ...base, headers: { ...base.headers, "Wechatpay-Serial": "PUB_KEY_ID_0114232019042900000000000000000002" } }, "UnknownSerial"],
          [{ ...base, headers: { ...base.headers, "Wechatpay-Signature": vectors.probeSignature.headerValue } }, "InvalidSignature"],
          [{ ...base, headers: { ...base.headers, "Wechatpay-Signature": "" } }, "MissingHeader"],
          [{ ...base, headers: { ...base.headers, "Wechatpay-Timestamp": "soon" } }, "InvalidTimestamp"]
        ]
        for (const [input, reason] of cases) {
          const error = yield* Effect.flip(parse(input))
          expect(error).toBeInstanceOf(Notification.NotificationVerificationError)
          expect(error).toMatchObject({ reason, requestId: "REQ-1" })
          noSecrets(error)
        }
        const probe = yield* Effect.flip(parse({
          ...base,
          headers: { ...base.headers, "Wechatpay-Signature": vectors.probeSignature.headerValue }
        }))
        expect(probe).toMatchObject({ probe: true, serial: keyId })
      }))

    it.effect("an algorithm other than AEAD_AES_256_GCM → NotificationDecryptError", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept, algorithm: "AEAD_SM4_GCM" }))
        )
        expect(error).toBeInstanceOf(Notification.NotificationDecryptError)
        expect(error.message).toBe("Unsupported algorithm \"AEAD_SM4_GCM\": only AEAD_AES_256_GCM is supported.")
        expect(error).toMatchObject({ id: "EV-2018022511223320873", requestId: "08F78BB5AF0610D302" })
      }))

    it.effect("a resource sealed with another APIv3 key → NotificationDecryptError (wrong key), no plaintext", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept, key: otherApiV3Key }))
        )
        expect(error).toBeInstanceOf(Notification.NotificationDecryptError)
        expect(error.message).toMatch(/wrong APIv3 key, or the data was altered/)
        noSecrets(error)
        expect(String(error) + JSON.stringify(error)).not.toContain(otherApiV3Key)
      }))

    it.effect("a tampered ciphertext (signed after the change) → NotificationDecryptError", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(parse(notification({
          event_type: "MEMBERCARD.ACCEPT_CARD",
          resource: accept,
          envelope: (e) => {
            const resource = e.resource as { ciphertext: string }
            const bytes = Buffer.from(resource.ciphertext, "base64")
            bytes[3] = bytes[3]! ^ 0x80
            return { ...e, resource: { ...resource, ciphertext: bytes.toString("base64") } }
          }
        })))
        expect(error).toBeInstanceOf(Notification.NotificationDecryptError)
        expect(error.message).toMatch(/altered/)
      }))

    it.effect("a missing card_id → NotificationDecodeError naming the path, never a value", () =>
      Effect.gen(function*() {
        const { card_id: _, ...resource } = accept
        const error = yield* Effect.flip(parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource })))
        expect(error).toBeInstanceOf(Notification.NotificationDecodeError)
        if (error._tag !== "NotificationDecodeError") return
        expect(error.issues).toEqual([{ path: ["resource", "card_id"], message: "is missing" }])
        expect(error.message).toBe("The MEMBERCARD.ACCEPT_CARD resource is not as documented: resource.card_id is missing.")
        expect(error).toMatchObject({ id: "EV-2018022511223320873", requestId: "08F78BB5AF0610D302" })
        noSecrets(error)
      }))

    it.effect("wrong types are named by path and kind (openid a number, unionid an object), all of them at once", () =>
      Effect.gen(function*() {
        const resource = { ...accept, openid: 12345678901, unionid: { value: unionid }, event_time: undefined }
        const error = yield* Effect.flip(parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource })))
        if (error._tag !== "NotificationDecodeError") throw new Error(error._tag)
        expect(error.issues).toEqual([
          { path: ["resource", "event_time"], message: "is missing" },
          { path: ["resource", "openid"], message: "must be a string" },
          { path: ["resource", "unionid"], message: "must be a string" }
        ])
        expect(error.message).not.toContain("12345678901")
        noSecrets(error)
      }))

    it.effect("an envelope without id, or with a resource that is not an object, → NotificationDecodeError", () =>
      Effect.gen(function*() {
        const noId = yield* Effect.flip(parse(notification({
          event_type: "MEMBERCARD.ACCEPT_CARD",
          resource: accept,
          envelope: ({ id: _, ...rest }) => rest
        })))
        expect(noId).toMatchObject({ _tag: "NotificationDecodeError", issues: [{ path: ["id"], message: "is missing" }] })
        expect(noId).not.toHaveProperty("id")
        const notObject = yield* Effect.flip(parse(notification({
          event_type: "MEMBERCARD.ACCEPT_CARD",
          resource: accept,
          envelope: (e) => ({ ...e, resource: "sealed" })
        })))
        expect(notObject).toMatchObject({
          _tag: "NotificationDecodeError",
          id: "EV-2018022511223320873",
          issues: [{ path: ["resource"], message: "must be an object" }]
        })
      }))

    it.effect("a signed body that is not JSON, and a resource that does not decrypt to JSON", () =>
      Effect.gen(function*() {
        const notJson = yield* Effect.flip(parse(signed("<xml>SUCCESS</xml>")))
        expect(notJson).toMatchObject({ _tag: "NotificationDecodeError", message: "The notification body is not JSON: (the value) is not JSON." })
        const plain = yield* Effect.flip(
          parse(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: null, plaintext: `openid=${openid}` }))
        )
        expect(plain).toMatchObject({ _tag: "NotificationDecodeError", issues: [{ path: ["resource"], message: "is not JSON" }] })
        noSecrets(plain)
      }))

    it.effect("an associated_data that is neither a string nor null (no member of its union) is named, not shown", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(parse(notification({
          event_type: "MEMBERCARD.ACCEPT_CARD",
          resource: accept,
          envelope: (e) => ({ ...e, resource: { ...(e.resource as object), associated_data: 20240814 } })
        })))
        expect(error).toMatchObject({
          _tag: "NotificationDecodeError",
          id: "EV-2018022511223320873",
          issues: [{ path: ["resource", "associated_data"], message: "has the wrong type" }],
          message: "The notification envelope is not as documented: resource.associated_data has the wrong type."
        })
        expect(String(error) + JSON.stringify(error)).not.toContain("20240814")
      }))

    it.effect("ten wrong envelope fields are all named in the message, joined by '; ', with no 'and … more'", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(parse(signed(JSON.stringify({
          id: 1,
          create_time: 2,
          resource_type: 3,
          event_type: 4,
          summary: 5,
          resource: { algorithm: 6, ciphertext: 7, nonce: 8, associated_data: 9, original_type: 10 }
        }))))
        if (error._tag !== "NotificationDecodeError") throw new Error(error._tag)
        expect(error.issues).toHaveLength(10)
        expect(error).not.toHaveProperty("id")
        expect(error.message).toBe(
          "The notification envelope is not as documented: id must be a string; create_time must be a string; " +
            "resource_type must be a string; summary must be a string; event_type must be a string; " +
            "resource.algorithm must be a string; resource.ciphertext must be a string; resource.nonce must be a string; " +
            "resource.associated_data has the wrong type; resource.original_type must be a string."
        )
      }))
  })

  it.effect("the span Notification.parse carries the notification id and event type only; no secret on any span", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const run = (input: Notification.Input) => Effect.exit(Effect.withTracer(parse(input), tracer))
      yield* run(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept }))
      yield* run(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept, key: otherApiV3Key }))
      yield* run(notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: { ...accept, card_id: 1 } }))
      yield* run({ ...notification({ event_type: "MEMBERCARD.ACCEPT_CARD", resource: accept }), body: "{}" })
      const parses = spans.filter((s) => s.name === "Notification.parse")
      expect(parses).toHaveLength(4)
      expect(Object.fromEntries(parses[0]!.attributes)).toEqual({
        "notification.id": "EV-2018022511223320873",
        "notification.event_type": "MEMBERCARD.ACCEPT_CARD"
      })
      // Unverified: nothing of it is trusted, so nothing of it is recorded (Effect adds code.stacktrace to a failed span).
      expect([...parses[3]!.attributes.keys()].filter((k) => k !== "code.stacktrace")).toEqual([])
      for (const span of parses) {
        expect([...span.attributes.keys()].every((k) =>
          ["notification.id", "notification.event_type", "code.stacktrace"].includes(k)
        )).toBe(true)
      }
      for (const span of spans) {
        const text = JSON.stringify([...span.attributes]) + String(span.exit) + JSON.stringify(span.exit)
        for (const secret of secrets) expect(text).not.toContain(secret)
      }
    }))
})

/** Claim `id` and complete it with the claim's owner. */
const completeNow = (store: NotificationStore.Service, id: string) =>
  Effect.flatMap(store.claim(id), (claim) =>
    claim._tag === "Claimed" ? store.complete(id, claim.owner) : Effect.die(new Error(`${id}: ${claim._tag}`)))

describe("NotificationStore (in memory)", () => {
  it.effect("Claimed → InProgress → Done; a release frees its own claim but never a done id", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory()
      const first = yield* store.claim("a")
      if (first._tag !== "Claimed") return expect.fail(first._tag)
      expect((yield* store.claim("a"))._tag).toBe("InProgress")
      expect(yield* store.release("a", first.owner)).toEqual({ _tag: "Settled" })
      const second = yield* store.claim("a")
      if (second._tag !== "Claimed") return expect.fail(second._tag)
      expect(second.owner).not.toBe(first.owner)
      expect(yield* store.complete("a", second.owner)).toEqual({ _tag: "Settled" })
      expect((yield* store.claim("a"))._tag).toBe("Done")
      expect(yield* store.release("a", second.owner)).toEqual({ _tag: "Lost" })
      expect((yield* store.claim("a"))._tag).toBe("Done")
      expect((yield* store.claim("b"))._tag).toBe("Claimed")
    }))

  it.effect("remembers a done id for 25 hours by Clock (default), then forgets it", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory()
      expect(Duration.toMillis(NotificationStore.defaultTtl)).toBe(25 * 3600 * 1000)
      yield* completeNow(store, "a")
      yield* TestClock.adjust(Duration.millis(25 * 3600 * 1000 - 1))
      expect((yield* store.claim("a"))._tag).toBe("Done")
      yield* TestClock.adjust(Duration.millis(1))
      expect((yield* store.claim("a"))._tag).toBe("Claimed")
    }))

  it.effect("ttl option: at ttl - 1 ms still known, at ttl free again", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory({ ttl: "1 hour" })
      yield* completeNow(store, "a")
      yield* TestClock.adjust(Duration.millis(3600 * 1000 - 1))
      expect((yield* store.claim("a"))._tag).toBe("Done")
      yield* TestClock.adjust(Duration.millis(1))
      expect((yield* store.claim("a"))._tag).toBe("Claimed")
    }))

  it.effect("memory stays bounded: expired entries are swept", () =>
    Effect.gen(function*() {
      const store = yield* NotificationStore.makeMemory({ ttl: "1 hour" })
      for (let i = 0; i < 1000; i++) {
        if (i % 2 === 0) yield* completeNow(store, `id-${i}`)
        else yield* store.claim(`id-${i}`)
      }
      expect(yield* store.size).toBe(1000)
      yield* TestClock.adjust(Duration.minutes(61))
      yield* store.claim("later")
      expect(yield* store.size).toBe(1)
    }))

  it.effect("is the default when no store is provided, and layerMemory gives each layer its own", () =>
    Effect.gen(function*() {
      const defaultStore = yield* Notification.NotificationStore
      expect((yield* defaultStore.claim("default-store-id"))._tag).toBe("Claimed")
      const layered = Notification.NotificationStore.layerMemory()
      const claim = Effect.flatMap(Notification.NotificationStore, (s) => s.claim("default-store-id"))
      expect((yield* Effect.provide(claim, layered))._tag).toBe("Claimed")
      expect((yield* Effect.provide(claim, NotificationStore.layerMemory()))._tag).toBe("Claimed")
    }))
})

const TV4Verifier = Verifier.layer({ publicKeys: { D7CE59D1F522D701: certificateD7CE } })
