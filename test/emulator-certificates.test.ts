/**
 * The emulator's platform certificates (certificate mode, 下载平台证书):
 *
 * - Certificates minted at run time (a hand-written DER encoder) parse in node:crypto with the serial and validity
 *   asked for, are self-issued and verify with their own key; UTCTime/GeneralizedTime at the 2049/2050 boundary.
 * - `GET /v3/certificates` answers every unexpired certificate, sealed with the APIv3 key (associated data
 *   `certificate`, 12-character nonce), signed like any answer: decrypted here with the test's own AES-GCM.
 * - Rotation: both certificates listed, certificate-mode answers signed with the new one, the old serial still
 *   accepted in `Wechatpay-Serial` until it expires (at exactly `notAfter` it is gone).
 * - `platformCertificates: false`: 404 RESOURCE_NOT_EXISTS, everything signed with the public key.
 * - The APIv3 key: 32 ASCII characters, generated or given, redacted, never in a message.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import * as PlatformCertificates from "../src/PlatformCertificates.js"
import { Emulator } from "../src/testing/index.js"

/** A moment inside every certificate's validity (the fixture's starts 2026-11-25). */
const now = Date.UTC(2027, 0, 15, 12, 0, 0)

/** A request signed by the emulator's merchant with node:crypto, handed to the emulator; its answer. */
const call = (
  emulator: Emulator.EmulatorState,
  target: string,
  headers: Record<string, string> = {}
) =>
  Effect.gen(function*() {
    const timestamp = String(Math.floor((yield* Clock.currentTimeMillis) / 1000))
    const nonce = crypto.randomBytes(16).toString("hex")
    const key = crypto.createPrivateKey(Redacted.value(emulator.merchantPrivateKey!))
    const signature = crypto.sign("sha256", Buffer.from(`GET\n${target}\n${timestamp}\n${nonce}\n\n`), key).toString("base64")
    const result = yield* emulator.handle({
      method: "GET",
      target,
      headers: {
        accept: "application/json",
        "user-agent": "emulator-certificates-test",
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${emulator.mchid}",nonce_str="${nonce}",signature="${signature}",` +
          `timestamp="${timestamp}",serial_no="${emulator.merchantSerialNumber}"`,
        ...headers
      },
      body: ""
    })
    if (result._tag !== "Respond") throw new Error("dropped")
    return result
  })

/** Whether an answer's signature verifies with this PEM (certificate or public key), over `ts\nnonce\nbody\n`. */
const signedBy = (answer: { readonly headers: Record<string, string>; readonly body: string }, pem: string): boolean =>
  crypto.verify(
    "sha256",
    Buffer.from(`${answer.headers["wechatpay-timestamp"]}\n${answer.headers["wechatpay-nonce"]}\n${answer.body}\n`),
    crypto.createPublicKey(pem),
    Buffer.from(answer.headers["wechatpay-signature"]!, "base64")
  )

/** AEAD_AES_256_GCM open, written here with node:crypto (not the emulator's or the client's). */
const open = (key: string, sealed: { nonce: string; associated_data?: string; ciphertext: string }): string => {
  const bytes = Buffer.from(sealed.ciphertext, "base64")
  const decipher = crypto.createDecipheriv("aes-256-gcm", Buffer.from(key, "utf8"), Buffer.from(sealed.nonce, "utf8"))
  decipher.setAAD(Buffer.from(sealed.associated_data ?? "", "utf8"))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8")
}

interface Listed {
  readonly data: ReadonlyArray<{
    serial_no: string
    effective_time: string
    expire_time: string
    encrypt_certificate: { algorithm: string; nonce: string; associated_data: string; ciphertext: string }
  }>
}

const download = (emulator: Emulator.EmulatorState, headers: Record<string, string> = {}) =>
  Effect.map(call(emulator, "/v3/certificates", headers), (answer) => ({
    answer,
    listed: (answer.status === 200 ? JSON.parse(answer.body) : undefined) as Listed
  }))

describe("minted certificates", () => {
  it("parse in node:crypto with the serial and validity asked for, self-issued, verified by their own key only", () => {
    const emulator = new Emulator.EmulatorState()
    const serial = "7F00A1B2C3D4E5F60718293A4B5C6D7E8F901234"
    const minted = emulator.rotateCertificate({
      serial,
      notBefore: new Date("2049-12-31T23:59:59Z"),
      notAfter: new Date("2050-01-01T00:00:00Z")
    })
    const x509 = new crypto.X509Certificate(minted.pem)
    expect(x509.serialNumber).toBe(serial)
    // The last UTCTime second and the first GeneralizedTime one (RFC 5280 §4.1.2.5).
    expect(new Date(x509.validFrom).toISOString()).toBe("2049-12-31T23:59:59.000Z")
    expect(new Date(x509.validTo).toISOString()).toBe("2050-01-01T00:00:00.000Z")
    expect(x509.checkIssued(x509)).toBe(true)
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(x509.verify(new crypto.X509Certificate(emulator.certificates()[0]!.pem).publicKey)).toBe(false)
    expect(minted).toMatchObject({ serial, notBefore: new Date("2049-12-31T23:59:59Z") })
  })

  it("default: a fresh 40-digit serial, valid from now for five years; serials with the high bit set or one byte long", () => {
    const emulator = new Emulator.EmulatorState()
    const before = Math.floor(Date.now() / 1000) * 1000
    const minted = emulator.rotateCertificate()
    expect(minted.serial).toMatch(/^[1-7][0-9A-F]{39}$/)
    const x509 = new crypto.X509Certificate(minted.pem)
    expect(x509.serialNumber).toBe(minted.serial)
    expect(new Date(x509.validFrom).getTime()).toBeGreaterThanOrEqual(before)
    expect(new Date(x509.validTo).getTime() - new Date(x509.validFrom).getTime()).toBe(5 * 365 * 86400_000)
    for (const serial of ["80", "01", "8F0000000000000000000000000000000000000A"]) {
      expect(new crypto.X509Certificate(emulator.rotateCertificate({ serial }).pem).serialNumber).toBe(serial)
    }
    expect(() => emulator.rotateCertificate({ serial: "00AB" })).toThrow(/leading zero/)
    expect(() => emulator.rotateCertificate({ serial: "ABC" })).toThrow(/hex/)
    expect(() => emulator.rotateCertificate({ serial: "AB".repeat(21) })).toThrow(/1–20 bytes/)
    expect(() => emulator.rotateCertificate({ serial: "80" })).toThrow(/taken/)
  })
})

describe("GET /v3/certificates", () => {
  it.effect("lists the certificate sealed with the APIv3 key, signed with it; the PEM decrypts byte for byte", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const emulator = new Emulator.EmulatorState({ apiV3Key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb" })
      const { answer, listed } = yield* download(emulator)
      expect(answer.status).toBe(200)
      const [only] = emulator.certificates()
      expect(answer.headers["wechatpay-serial"]).toBe(only!.serial)
      expect(signedBy(answer, only!.pem)).toBe(true)
      expect(listed.data).toHaveLength(1)
      const entry = listed.data[0]!
      expect(entry).toMatchObject({
        serial_no: only!.serial,
        effective_time: "2026-11-26T05:49:53+08:00",
        expire_time: "2046-11-21T05:49:53+08:00",
        encrypt_certificate: { algorithm: "AEAD_AES_256_GCM", associated_data: "certificate" }
      })
      expect(entry.encrypt_certificate.nonce).toMatch(/^[A-Za-z0-9]{12}$/)
      expect(open("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", entry.encrypt_certificate)).toBe(only!.pem)
      expect(() => open("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gc", entry.encrypt_certificate)).toThrow()
      expect(() => open("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", { ...entry.encrypt_certificate, associated_data: "membercard" }))
        .toThrow()
      // A fresh nonce per answer.
      const again = yield* download(emulator)
      expect(again.listed.data[0]!.encrypt_certificate.nonce).not.toBe(entry.encrypt_certificate.nonce)
      // RSA only: an SM2 request lists nothing.
      expect((yield* download(emulator, {})).listed.data).toHaveLength(1)
      const sm2 = yield* call(emulator, "/v3/certificates?algorithm_type=SM2")
      expect(JSON.parse(sm2.body)).toEqual({ data: [] })
    }))

  it.effect("rotation: both listed, answers signed with the new one; the old serial accepted until it expires", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const emulator = new Emulator.EmulatorState({ mode: "certificate" })
      const old = emulator.certificates()[0]!
      const fresh = emulator.rotateCertificate()
      expect(emulator.certificateSerial).toBe(fresh.serial)
      expect(emulator.certificate).toBe(fresh.pem)
      expect(emulator.wechatpayPublicKeys).toMatchObject({ [old.serial]: old.pem, [fresh.serial]: fresh.pem })
      const { answer, listed } = yield* download(emulator)
      expect(answer.headers["wechatpay-serial"]).toBe(fresh.serial)
      expect(signedBy(answer, fresh.pem)).toBe(true)
      expect(signedBy(answer, old.pem)).toBe(false)
      expect(listed.data.map((entry) => entry.serial_no)).toEqual([old.serial, fresh.serial])
      const key = Redacted.value(emulator.apiV3Key)
      expect(listed.data.map((entry) => open(key, entry.encrypt_certificate))).toEqual([old.pem, fresh.pem])
      // Sensitive-field requests may still name the old certificate (lower case too).
      expect((yield* call(emulator, "/v3/certificates", { "wechatpay-serial": old.serial.toLowerCase() })).status).toBe(200)
      // …and a field encrypted to the old certificate decrypts with the old key; named as the new one, it does not.
      const search = (pem: string) =>
        "/v3/marketing/membercard-open/phonenumber-member/search?card_id=pbLatjvWOibDc5-TBnbUk1pD12o0&encrypted_phone_number=" +
        encodeURIComponent(
          crypto.publicEncrypt(
            { key: crypto.createPublicKey(pem), padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
            Buffer.from("13800138000")
          ).toString("base64")
        )
      const toOld = yield* call(emulator, search(old.pem), { "wechatpay-serial": old.serial })
      expect([toOld.status, JSON.parse(toOld.body)]).toEqual([200, { receive_status: "UNSHOWED" }])
      const misnamed = yield* call(emulator, search(old.pem), { "wechatpay-serial": fresh.serial })
      expect([misnamed.status, JSON.parse(misnamed.body).code]).toEqual([400, "PARAM_ERROR"])
      expect((yield* call(emulator, search(fresh.pem), { "wechatpay-serial": fresh.serial })).status).toBe(200)
      const unknown = yield* call(emulator, "/v3/certificates", { "wechatpay-serial": "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC" })
      expect(unknown.status).toBe(400)
      expect(JSON.parse(unknown.body)).toMatchObject({ code: "PARAM_ERROR" })
    }))

  it.effect("a staged rotation (activate: false): listed at once, signing only after useCertificate", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const emulator = new Emulator.EmulatorState({ mode: "certificate" })
      const old = emulator.certificates()[0]!
      const staged = emulator.rotateCertificate({ activate: false })
      const before = yield* download(emulator)
      expect(before.listed.data.map((entry) => entry.serial_no)).toEqual([old.serial, staged.serial])
      expect(before.answer.headers["wechatpay-serial"]).toBe(old.serial)
      expect(signedBy(before.answer, old.pem)).toBe(true)
      expect(emulator.certificateSerial).toBe(old.serial)
      emulator.useCertificate(staged.serial.toLowerCase())
      const after = yield* download(emulator)
      expect(after.answer.headers["wechatpay-serial"]).toBe(staged.serial)
      expect(signedBy(after.answer, staged.pem)).toBe(true)
      expect(() => emulator.useCertificate("ABCDEF")).toThrow(/no certificate ABCDEF/)
    }))

  it.effect("a certificate expires at exactly notAfter: one second before it is listed and accepted, at it neither", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState({ mode: "certificate" })
      const ending = emulator.rotateCertificate({ notBefore: new Date(now - 86400_000), notAfter: new Date(now) })
      const current = emulator.rotateCertificate({ notBefore: new Date(now - 1000) })
      yield* TestClock.setTime(now - 1000)
      expect((yield* download(emulator)).listed.data.map((entry) => entry.serial_no)).toContain(ending.serial)
      expect((yield* call(emulator, "/v3/certificates", { "wechatpay-serial": ending.serial })).status).toBe(200)
      yield* TestClock.setTime(now)
      const { listed } = yield* download(emulator)
      expect(listed.data.map((entry) => entry.serial_no)).not.toContain(ending.serial)
      expect(listed.data.map((entry) => entry.serial_no)).toContain(current.serial)
      expect((yield* call(emulator, "/v3/certificates", { "wechatpay-serial": ending.serial })).status).toBe(400)
      // An expired current certificate (for a client's refusal): still signs, no longer listed.
      const expired = emulator.rotateCertificate({ notBefore: new Date(now - 86400_000), notAfter: new Date(now - 1000) })
      const { answer, listed: after } = yield* download(emulator)
      expect(answer.headers["wechatpay-serial"]).toBe(expired.serial)
      expect(signedBy(answer, expired.pem)).toBe(true)
      expect(after.data.map((entry) => entry.serial_no)).not.toContain(expired.serial)
    }))

  it.effect("a merchant without platform certificates: 404 RESOURCE_NOT_EXISTS, answers signed with the public key", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const emulator = new Emulator.EmulatorState({ platformCertificates: false })
      const { answer } = yield* download(emulator)
      expect(answer.status).toBe(404)
      expect(JSON.parse(answer.body)).toEqual({
        code: "RESOURCE_NOT_EXISTS",
        message: "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥"
      })
      expect(emulator.certificates()).toEqual([])
      expect(Object.keys(emulator.wechatpayPublicKeys)).toEqual([emulator.publicKeyId])
      expect(() => emulator.rotateCertificate()).toThrow(/no platform certificates/)
      const signed = yield* call(emulator, "/v3/marketing/membercard-open/callback")
      expect(signed.status).toBe(404)
      emulator.putTemplate({ card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0" })
      const read = yield* call(emulator, "/v3/marketing/membercard-open/cards/pbLatjvWOibDc5-TBnbUk1pD12o0/codes/1")
      expect(read.status).toBe(400)
      const listing = yield* call(emulator, "/v3/marketing/membercard-open/user/cards?openid=o1&offset=0&limit=10")
      expect(listing.status).toBe(200)
      expect(listing.headers["wechatpay-serial"]).toBe(emulator.publicKeyId)
      expect(signedBy(listing, emulator.publicKey)).toBe(true)
    }))

  it.effect("the library's DownloadCertificates declaration decodes the emulator's answer (in-process client)", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState()
      const rotated = emulator.rotateCertificate()
      const answer = yield* PlatformCertificates.downloadCertificates({}).pipe(
        Effect.provide(PlatformCertificates.DownloadCertificates.layer.pipe(
          Layer.provide(Emulator.layerClient()),
          Layer.provide(Emulator.layerHttpClient),
          Layer.provide(Layer.succeed(Emulator.Emulator, emulator))
        ))
      )
      expect(answer.data.map((entry) => entry.serial_no)).toEqual(emulator.certificates().map((c) => c.serial))
      expect(open(Redacted.value(emulator.apiV3Key), answer.data[1]!.encrypt_certificate)).toBe(rotated.pem)
    }))
})

describe("the APIv3 key", () => {
  it("32 ASCII characters, generated when absent, redacted; a key of 31 or 33 is refused without being echoed", () => {
    const generated = new Emulator.EmulatorState()
    expect(Redacted.value(generated.apiV3Key)).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(String(generated.apiV3Key)).not.toContain(Redacted.value(generated.apiV3Key))
    expect(JSON.stringify({ key: generated.apiV3Key })).not.toContain(Redacted.value(generated.apiV3Key))
    const given = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
    expect(Redacted.value(new Emulator.EmulatorState({ apiV3Key: given }).apiV3Key)).toBe(given)
    for (const key of [given.slice(1), given + "x", "密".repeat(32)]) {
      let message = ""
      try {
        new Emulator.EmulatorState({ apiV3Key: key })
      } catch (error) {
        message = String(error)
      }
      expect(message).toMatch(/32 printable ASCII/)
      expect(message).not.toContain(key)
    }
  })
})
