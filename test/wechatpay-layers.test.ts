/**
 * The one-line layers with the 0.4 options: `apiV3Key` adds `Notification.Notifications`, the `Verifier` is an
 * output, and `platformCertificates` runs certificate mode on downloaded certificates (against the emulator on
 * 127.0.0.1), with its configuration errors; the environment variables that turn them on.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Encryptor from "../src/Encryptor.js"
import * as MemberCard from "../src/MemberCard.js"
import * as Notification from "../src/Notification.js"
import * as Verifier from "../src/Verifier.js"
import * as WechatPay from "../src/WechatPay.js"
import { ConfigurationError } from "../src/WechatPayError.js"
import * as Emulator from "../src/testing/Emulator.js"

/** The emulator's identity and keys as a merchant configures them. */
const identity = (emulator: Emulator.EmulatorState, baseUrl = "http://127.0.0.1:9") => ({
  mchid: emulator.mchid,
  merchantSerialNumber: emulator.merchantSerialNumber,
  merchantPrivateKey: emulator.merchantPrivateKey!,
  baseUrl
})

/** A member who claimed a card: the emulator has one ACCEPT_CARD notification for it. */
const claimedCard = (emulator: Emulator.EmulatorState) => {
  emulator.putTemplate({ card_id: "pLayersTemplate01" })
  return emulator.openActivationPage({ card_id: "pLayersTemplate01" })
}

/** Build a layer that must fail; its error. */
const buildFailure = <A, E>(layer: Layer.Layer<A, E>) => Effect.flip(Effect.scoped(Layer.build(layer)))

describe("WechatPay layers with an APIv3 key", () => {
  it.effect("provide Notifications: a notification the emulator would deliver parses to its typed event", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const page = claimedCard(emulator)
      const [record] = emulator.notifications()
      expect(record?.event_type).toBe("MEMBERCARD.ACCEPT_CARD")
      const request = yield* emulator.notificationRequest(record!.id)
      const layer = WechatPay.layerNode({ ...identity(emulator), wechatpayPublicKeys: emulator.wechatpayPublicKeys, apiV3Key: emulator.apiV3Key })
      // Compiles only because the layer's output type includes Notifications when apiV3Key is given.
      const event = yield* Notification.parse(request).pipe(Effect.provide(layer))
      expect(event._tag).toBe("AcceptCard")
      if (event._tag === "AcceptCard") {
        expect(event.resource.card_id).toBe("pLayersTemplate01")
        expect(event.resource.openid).toBe(page.openid)
      }
      // By WeChat's event_type: the guard narrows `resource` (compiles only if it does), and only to the right member.
      expect(Notification.isEventType(event, "MEMBERCARD.ACTIVATE_CARD")).toBe(false)
      expect(Notification.isEventType(event, "MEMBERCARD.ACCEPT_CARD") && event.resource.openid).toBe(page.openid)
    }).pipe(Effect.scoped))

  it.effect("without an APIv3 key there is no Notifications service, and the Verifier is an output either way", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const layer = WechatPay.layerNode({ ...identity(emulator), wechatpayPublicKeys: emulator.wechatpayPublicKeys })
      const context = yield* Layer.build(layer)
      expect(Option.isNone(Context.getOption(context as Context.Context<unknown>, Notification.Notifications))).toBe(true)
      // A user composes Notification.layer from the Verifier the client layer built.
      const claimed = claimedCard(emulator)
      const request = yield* emulator.notificationRequest(emulator.notifications()[0]!.id)
      const event = yield* Notification.parse(request).pipe(
        Effect.provide(Notification.layer({ apiV3Key: emulator.apiV3Key }).pipe(Layer.provide(layer)))
      )
      expect(event._tag === "AcceptCard" && event.resource.openid).toBe(claimed.openid)
      const verifier = yield* Effect.provide(Verifier.Verifier, layer)
      expect(verifier.serial).toBe(emulator.publicKeyId)
    }).pipe(Effect.scoped))

  it.effect("a wrong APIv3 key length fails the build with a ConfigurationError that does not echo it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const key = "k".repeat(31)
      const error = yield* buildFailure(
        WechatPay.layerNode({ ...identity(emulator), wechatpayPublicKeys: emulator.wechatpayPublicKeys, apiV3Key: Redacted.make(key) })
      )
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.option).toBe("apiV3Key")
      for (const rendering of [String(error), JSON.stringify(error), error.message]) expect(rendering).not.toContain(key)
    }).pipe(Effect.scoped))
})

describe("WechatPay layers in certificate mode (platformCertificates)", () => {
  it.live("download the emulator's certificates, verify calls, follow a rotation, and encrypt with the newest certificate before and after it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ mode: "certificate" })
      emulator.putCard({ card_id: "pCertModeCard0001", code: "100200300" })
      const server = yield* Emulator.serve(emulator)
      const layer = MemberCard.layer.pipe(
        Layer.provideMerge(
          WechatPay.layerNode({
            ...identity(emulator, server.baseUrl),
            // Nothing configured by hand: every key comes from GET /v3/certificates.
            wechatpayPublicKeys: {},
            apiV3Key: emulator.apiV3Key,
            platformCertificates: true
          })
        )
      )
      const context = yield* Layer.build(layer)
      const read = MemberCard.getUserCard({ card_id: "pCertModeCard0001", code: "100200300" }).pipe(Effect.provide(context))
      expect((yield* read).code).toBe("100200300")
      const before = emulator.requests("DownloadCertificates")
      expect(before).toBe(1)
      const encryptor = yield* Effect.provide(Encryptor.Encryptor, context)
      expect(encryptor.serial).toBe(emulator.certificateSerial)
      emulator.rotateCertificate()
      // Answers are now signed by a certificate the client has never seen: one download, and the call verifies.
      expect((yield* read).code).toBe("100200300")
      expect(emulator.requests("DownloadCertificates")).toBe(before + 1)
      expect((yield* read).code).toBe("100200300")
      expect(emulator.requests("DownloadCertificates")).toBe(before + 1)
      // The Encryptor follows: phone numbers now go to the new certificate, and WeChat decrypts them with its key.
      const rotated = emulator.certificateSerial
      const sealed = yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))
      expect(sealed.serial).toBe(rotated)
      expect(encryptor.serial).toBe(rotated)
      emulator.putTemplate({ card_id: "pCertModePhone001" })
      const imported = yield* MemberCard.importUserCardByPhone({
        card_id: "pCertModePhone001",
        phone_number: Redacted.make("13800138000"),
        out_request_no: "cert-mode-phone-1"
      }).pipe(Effect.provide(context))
      expect(emulator.applied("cert-mode-phone-1")).toBe(1)
      expect(imported.code).toBeDefined()
    }).pipe(Effect.scoped))

  it.live("without the APIv3 key it fails at build, naming apiV3Key", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const error = yield* buildFailure(
        WechatPay.layerNode({ ...identity(emulator), wechatpayPublicKeys: {}, platformCertificates: true })
      )
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.option).toBe("apiV3Key")
      // Nothing was sent: the check runs before any download.
      expect(emulator.requests()).toBe(0)
    }))

  it.live("a merchant without platform certificates (404) is told to use the public key", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ platformCertificates: false })
      const server = yield* Emulator.serve(emulator)
      const error = yield* buildFailure(
        WechatPay.layerNode({
          ...identity(emulator, server.baseUrl),
          wechatpayPublicKeys: {},
          apiV3Key: emulator.apiV3Key,
          platformCertificates: true
        })
      )
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.message).toMatch(/public.key/i)
      expect(emulator.requests("DownloadCertificates")).toBe(1)
    }).pipe(Effect.scoped))
})

describe("WechatPay.config reads the APIv3 key and certificate mode from the environment", () => {
  const base = {
    WECHATPAY_MCHID: "1900000109",
    WECHATPAY_MERCHANT_SERIAL_NUMBER: "ABCDEF",
    WECHATPAY_MERCHANT_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
  }
  const read = (env: Record<string, string>) =>
    WechatPay.config.parse(ConfigProvider.fromEnvRecord({ ...base, ...env }))

  it.effect("WECHATPAY_API_V3_KEY as a Redacted value, WECHATPAY_DOWNLOAD_CERTIFICATES=true as platformCertificates", () =>
    Effect.gen(function*() {
      const key = "0123456789abcdefghijABCDEFGHIJ01"
      const options = yield* read({ WECHATPAY_API_V3_KEY: key, WECHATPAY_DOWNLOAD_CERTIFICATES: "true" })
      expect(Redacted.isRedacted(options.apiV3Key)).toBe(true)
      expect(Redacted.value(options.apiV3Key!)).toBe(key)
      expect(String(options.apiV3Key)).not.toContain(key)
      expect(options.platformCertificates).toBe(true)
    }))

  it.effect("a secret store's trailing newline is not part of the key: 32 characters + \\n reads as the 32", () =>
    Effect.gen(function*() {
      const key = "0123456789abcdefghijABCDEFGHIJ01"
      const options = yield* read({ WECHATPAY_API_V3_KEY: `${key}\n` })
      expect(Redacted.value(options.apiV3Key!)).toBe(key)
      expect(Buffer.byteLength(Redacted.value(options.apiV3Key!))).toBe(32)
    }))

  it.effect("both absent: no key, no certificate mode; a malformed boolean is a ConfigError", () =>
    Effect.gen(function*() {
      const options = yield* read({})
      expect(options.apiV3Key).toBeUndefined()
      expect(options.platformCertificates).toBeUndefined()
      const error = yield* Effect.flip(read({ WECHATPAY_DOWNLOAD_CERTIFICATES: "sometimes" }))
      expect(String(error)).toContain("WECHATPAY_DOWNLOAD_CERTIFICATES")
    }))
})
