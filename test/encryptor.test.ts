/**
 * The `Encryptor` on its own (`Encryptor.make` / `Encryptor.layer`, as a user wires it without `WechatPay.layer`):
 *
 * - its key map is checked by the very function `WechatPay.layer`'s verifier uses (`Keys.configuredKeys`): a
 *   certificate filed under another serial, an id with a line break, a space or a non-hex character, a malformed
 *   `PUB_KEY_ID_…` are refused at build with the same `ConfigurationError`, so no such id can become a
 *   `Wechatpay-Serial` header; a property checks both verdicts agree for any id;
 * - a certificate filed under another spelling of its serial (lower case, leading zeros: accepted, serials compare as
 *   numbers) is sent under the certificate's own serial, upper-case hex as WeChat spells it (0.5.0 sent the
 *   configured spelling, which WeChat refuses with 400 PARAM_ERROR);
 * - it never encrypts under a certificate outside its validity: the key is chosen by the clock at each encryption
 *   (the newest *valid* certificate), and when none is valid the failure is a `SigningError` naming each serial and
 *   its expiry or start (no key text) — nothing is sent.
 */
import * as Crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import * as fc from "fast-check"
import * as Encryptor from "../src/Encryptor.js"
import * as Keys from "../src/internal/keys.js"
import * as MemberCard from "../src/MemberCard.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import * as Signer from "../src/Signer.js"
import * as Transport from "../src/Transport.js"
import * as Verifier from "../src/Verifier.js"
import * as WechatPayClient from "../src/WechatPayClient.js"
import { ConfigurationError, SigningError } from "../src/WechatPayError.js"
import { Emulator } from "../src/testing/index.js"

const vector = (name: string) => readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")

/** k-java-wxp: serial 4400…13FD, valid 2022-05-10T02:04:30Z – 2025-05-09T02:04:30Z (no private key here). */
const wxpSerial = "440024045C4A427599D09BB4E3DE0279F2E813FD"
const wxpCert = vector("k-java-wxp.cert.pem")
const wxpPublic = vector("k-java-wxp.public.pem")
/** k-java-mch: serial 5F1C…7115, valid 2022-05-10T01:57:10Z – 2025-05-09T01:57:10Z, with its private key. */
const mchSerial = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115"
const mchCert = vector("k-java-mch.cert.pem")
const mchPrivate = vector("k-java-mch.private.pem")
const mchFrom = Date.parse("2022-05-10T01:57:10Z")
const mchUntil = Date.parse("2025-05-09T01:57:10Z")
const publicKeyId = "PUB_KEY_ID_0114232134912410000000000000000000"

const decrypt = (privateKey: string, ciphertext: string) =>
  Crypto.privateDecrypt(
    { key: privateKey, padding: Crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
    Buffer.from(ciphertext, "base64")
  ).toString()

/** No key text in anything shown of an error. */
const expectNoKeyText = (error: unknown) => {
  const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).message}`
  for (const fragment of ["BEGIN", "MII", mchPrivate.split("\n")[1]!.slice(0, 24)]) expect(shown).not.toContain(fragment)
}

/**
 * A phone-import endpoint over a recording transport (answers 500 if ever reached), a fixed signer and an
 * accept-all verifier: what reaches the wire when the `Encryptor` is `encryptor`.
 */
const phoneEndpoint = (encryptor: Layer.Layer<Encryptor.Encryptor, ConfigurationError>) => {
  const sent: Array<Transport.WireRequest> = []
  const transport = Transport.Transport.of({
    send: (request) =>
      Effect.sync(() => {
        sent.push(request)
        return { status: 500, headers: {}, body: new TextEncoder().encode(`{"code":"SYSTEM_ERROR","message":"x"}`) }
      })
  })
  const client = WechatPayClient.layer({ mchid: "1900000109", merchantSerialNumber: "ABCDEF" }).pipe(
    Layer.provide(Layer.mergeAll(
      Layer.succeed(Transport.Transport, transport),
      Layer.succeed(Signer.Signer, { local: true, sign: () => Effect.succeed("c2lnbmF0dXJl") }),
      Layer.succeed(Verifier.Verifier, { serial: undefined, verify: () => Effect.void })
    ))
  )
  const layer = MemberCard.phoneMembersLayer.pipe(Layer.provide(Layer.merge(client, encryptor)))
  const importByPhone = MemberCard.importUserCardByPhone({
    card_id: "pEncryptorCard001",
    phone_number: Redacted.make("13800138000"),
    out_request_no: "encryptor-1"
  }).pipe(Effect.provide(layer), Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.disabled))
  return { sent, importByPhone }
}

describe("Encryptor.make checks its keys as WechatPay.layer does", () => {
  it.effect("a certificate filed under another serial: the Verifier's ConfigurationError, the layer not built, nothing sent", () =>
    Effect.gen(function*() {
      const keys = { ABCDEF: wxpCert }
      const error = yield* Effect.flip(Encryptor.make({ publicKeys: keys }))
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.option).toBe("publicKeys")
      expect(error.message).toBe(`The certificate filed under "ABCDEF" has serial ${wxpSerial}.`)
      // One check, not a copy: the verifier WechatPay.layer builds says the very same.
      const verifier = yield* Effect.flip(Verifier.make({ publicKeys: keys }))
      expect(verifier.message).toBe(error.message)
      const { importByPhone, sent } = phoneEndpoint(Encryptor.layer({ publicKeys: keys }))
      const refused = yield* Effect.flip(importByPhone)
      expect(refused._tag).toBe("ConfigurationError")
      expect(sent).toEqual([])
    }))

  it.effect("ids with CR, LF, a space, a tab or a non-hex character are refused; a PUB_KEY_ID_ as WeChat issues it is taken", () =>
    Effect.gen(function*() {
      const refusedIds: ReadonlyArray<readonly [string, string]> = [
        [`${wxpSerial}\n`, wxpCert],
        [`${wxpSerial}\r`, wxpCert],
        [`${wxpSerial}\r\nX-Injected: 1`, wxpCert],
        [` ${wxpSerial}`, wxpCert],
        [`${wxpSerial} `, wxpCert],
        [`${wxpSerial}\t`, wxpCert],
        ["440024045C4A427599D09BB4E3DE0279F2E813FG", wxpCert],
        ["", wxpCert],
        ["XYZ", wxpPublic],
        [`${publicKeyId}\n`, wxpPublic],
        [`${publicKeyId} `, wxpPublic],
        ["PUB_KEY_ID_", wxpPublic],
        ["PUB_KEY_ID_01142321349124100000000000000000AB", wxpPublic],
        [publicKeyId.toLowerCase(), wxpPublic]
      ]
      for (const [id, pem] of refusedIds) {
        const error = yield* Effect.flip(Encryptor.make({ publicKeys: { [id]: pem } }))
        expect(error._tag, JSON.stringify(id)).toBe("ConfigurationError")
        expect(error.option).toBe("publicKeys")
        expect(error.message).toContain(JSON.stringify(id))
        expectNoKeyText(error)
      }
      const byPublicKey = yield* Encryptor.make({ publicKeys: { [publicKeyId]: wxpPublic } })
      expect(byPublicKey.serial).toBe(publicKeyId)
      // A serial in lower case or with a leading zero names the same certificate (compared as numbers).
      for (const id of [wxpSerial.toLowerCase(), `0${wxpSerial}`]) {
        yield* Encryptor.make({ publicKeys: { [id]: wxpCert } })
      }
    }))

  it.effect("a certificate filed under another spelling of its serial: Wechatpay-Serial is the certificate's own (upper-case hex), on the wire too", () =>
    Effect.gen(function*() {
      // Within k-java-wxp's validity, so that it is the key chosen.
      yield* TestClock.setTime(Date.parse("2024-06-01T00:00:00Z"))
      for (const id of [wxpSerial, wxpSerial.toLowerCase(), `0${wxpSerial}`, `00${wxpSerial.toLowerCase()}`]) {
        const encryptor = yield* Encryptor.make({ publicKeys: { [id]: wxpCert } })
        expect(encryptor.serial, id).toBe(wxpSerial)
        expect((yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))).serial, id).toBe(wxpSerial)
        const { importByPhone, sent } = phoneEndpoint(Encryptor.layer({ publicKeys: { [id]: wxpCert } }))
        yield* Effect.flip(importByPhone)
        expect(sent.map((request) => request.headers["wechatpay-serial"]), id).toEqual([wxpSerial])
      }
      // A public key keeps its id; a bare key filed under a hex serial has no certificate to spell it: upper case.
      expect((yield* Encryptor.make({ publicKeys: { [publicKeyId]: wxpPublic } })).serial).toBe(publicKeyId)
      expect((yield* Encryptor.make({ publicKeys: { [publicKeyId]: wxpCert } })).serial).toBe(publicKeyId)
      expect((yield* Encryptor.make({ publicKeys: { "0abc": wxpPublic } })).serial).toBe("0ABC")
    }))

  it.effect("every entry is checked, also those after a public key (0.5.0 stopped reading at the first PUB_KEY_ID_)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Encryptor.make({ publicKeys: { [publicKeyId]: wxpPublic, ABCDEF: wxpCert, "5F1C\n": mchCert } })
      )
      expect(error.message).toBe(`The certificate filed under "ABCDEF" has serial ${wxpSerial}.`)
    }))

  it.effect("property: for any key id, Encryptor.make and Verifier.make agree (verdict and message); an accepted id is a header-safe token", () =>
    Effect.gen(function*() {
      const alphabet = fc.constantFrom(..."0123456789ABCDEFabcdefGXZ_ \t\r\n-:".split(""))
      const tail = fc.array(alphabet, { maxLength: 44 }).map((chars) => chars.join(""))
      const id = fc.oneof(
        tail,
        tail.map((t) => `PUB_KEY_ID_${t}`),
        fc.constantFrom(wxpSerial, wxpSerial.toLowerCase(), `00${wxpSerial}`, publicKeyId, "pub_key_id_0114"),
        fc.tuple(fc.constantFrom(wxpSerial, publicKeyId), alphabet).map(([head, c]) => `${head}${c}`)
      )
      const samples = fc.sample(fc.tuple(id, fc.boolean()), { numRuns: 300, seed: 6006 })
      let accepted = 0
      for (const [keyId, asPublicKey] of samples) {
        const keys = { [keyId]: asPublicKey ? wxpPublic : wxpCert }
        const [encryptor, verifier] = yield* Effect.all([
          Effect.result(Encryptor.make({ publicKeys: keys })),
          Effect.result(Verifier.make({ publicKeys: keys }))
        ])
        expect(encryptor._tag, JSON.stringify(keyId)).toBe(verifier._tag)
        if (encryptor._tag === "Failure" && verifier._tag === "Failure") expect(encryptor.failure.message).toBe(verifier.failure.message)
        if (encryptor._tag === "Success") {
          accepted++
          expect(keyId).toMatch(/^(PUB_KEY_ID_[0-9]{1,64}|[0-9A-Fa-f]{1,64})$/)
          // What is sent: a PUB_KEY_ID_ as configured; a certificate's own serial; a bare key's id in upper case.
          expect(encryptor.success.serial).toBe(
            Keys.isPublicKeyId(keyId) ? keyId : asPublicKey ? keyId.toUpperCase() : wxpSerial
          )
        }
      }
      // The generator reaches both sides.
      expect(accepted).toBeGreaterThan(5)
      expect(accepted).toBeLessThan(samples.length - 50)
    }))
})

describe("Encryptor never encrypts under a certificate outside its validity", () => {
  it.effect("one certificate: used from its first millisecond to its last; one ms later a SigningError naming serial and expiry, no key text", () =>
    Effect.gen(function*() {
      const encryptor = yield* Encryptor.make({ publicKeys: { [mchSerial]: mchCert } })
      for (const at of [mchFrom, mchUntil]) {
        yield* TestClock.setTime(at)
        const sealed = yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))
        expect(sealed.serial).toBe(mchSerial)
        expect(decrypt(mchPrivate, sealed.ciphertext)).toBe("13800138000")
      }
      yield* TestClock.setTime(mchUntil + 1)
      const attempts = [
        Effect.flip(encryptor.encrypt(Redacted.make("13800138000"))),
        Effect.flip(encryptor.encryptWithSerial!(Redacted.make("13800138000")))
      ]
      for (const attempt of attempts) {
        const error = yield* attempt
        expect(error).toBeInstanceOf(SigningError)
        expect(error.message).toContain(`"${mchSerial}" expired at 2025-05-09T01:57:10.000Z`)
        expect(error.message).not.toContain("13800138000")
        expectNoKeyText(error)
      }
    }))

  it.effect("not yet valid: refused one ms before its start (naming it), used from its start", () =>
    Effect.gen(function*() {
      const encryptor = yield* Encryptor.make({ publicKeys: { [mchSerial]: mchCert } })
      yield* TestClock.setTime(mchFrom - 1)
      const error = yield* Effect.flip(encryptor.encrypt(Redacted.make("13800138000")))
      expect(error).toBeInstanceOf(SigningError)
      expect(error.message).toContain(`"${mchSerial}" is valid only from 2022-05-10T01:57:10.000Z`)
      yield* TestClock.setTime(mchFrom)
      expect(decrypt(mchPrivate, yield* encryptor.encrypt(Redacted.make("13800138000")))).toBe("13800138000")
    }))

  it.effect("an expired certificate that started later loses to a valid older one; a newer one is taken only from its start", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState({ mode: "certificate" })
      const expired = emulator.rotateCertificate({
        notBefore: new Date("2023-01-01T00:00:00Z"),
        notAfter: new Date("2024-01-01T00:00:00Z"),
        activate: false
      })
      const upcoming = emulator.rotateCertificate({
        notBefore: new Date("2024-09-01T00:00:00Z"),
        notAfter: new Date("2029-09-01T00:00:00Z"),
        activate: false
      })
      const encryptor = yield* Encryptor.make({
        publicKeys: { [expired.serial]: expired.pem, [mchSerial]: mchCert, [upcoming.serial]: upcoming.pem }
      })
      // 2024-06-01: the 2023 certificate is the latest to start, but it has expired; the 2024-09 one has not started.
      yield* TestClock.setTime(Date.parse("2024-06-01T00:00:00Z"))
      const ciphertext = yield* encryptor.encrypt(Redacted.make("13800138000"))
      expect(encryptor.serial).toBe(mchSerial)
      expect(decrypt(mchPrivate, ciphertext)).toBe("13800138000")
      const sealed = yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))
      expect(sealed.serial).toBe(mchSerial)
      expect(decrypt(mchPrivate, sealed.ciphertext)).toBe("13800138000")
      // From its start, the newest certificate is the one (WeChat: the latest effective time).
      yield* TestClock.setTime(upcoming.notBefore.getTime())
      expect((yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))).serial).toBe(upcoming.serial)
      expect(encryptor.serial).toBe(upcoming.serial)
      // After all three: refused, each named with why.
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00Z"))
      const error = yield* Effect.flip(encryptor.encryptWithSerial!(Redacted.make("13800138000")))
      expect(error.message).toBe(
        `No configured platform certificate is valid at 2030-01-01T00:00:00.000Z: "${expired.serial}" expired at ` +
          `2024-01-01T00:00:00.000Z, "${mchSerial}" expired at 2025-05-09T01:57:10.000Z, "${upcoming.serial}" expired at ` +
          "2029-09-01T00:00:00.000Z. A sensitive field is never encrypted under such a certificate: configure the current " +
          "one, or the WeChat Pay public key."
      )
    }))

  it.effect("a WeChat Pay public key has no validity period: preferred, and used whatever the clock", () =>
    Effect.gen(function*() {
      const encryptor = yield* Encryptor.make({ publicKeys: { [mchSerial]: mchCert, [publicKeyId]: wxpPublic } })
      // Also while the certificate is valid and started later than anything a public key could claim.
      for (const at of [0, Date.parse("2024-06-01T00:00:00Z"), Date.parse("2099-01-01T00:00:00Z")]) {
        yield* TestClock.setTime(at)
        expect((yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))).serial).toBe(publicKeyId)
      }
    }))

  it.effect("certificates starting at the same instant: the first listed (certificate mode lists the newest first)", () =>
    Effect.gen(function*() {
      // pc-a and pc-b: both valid 2030-01-01 – 2035-01-01.
      const [a, b] = ["5A1E00000000000000000000000000000000000A", "0B2E00000000000000000000000000000000000B"]
      const keys = (first: string, second: string) => ({
        [first]: vector(first === a ? "pc-a.cert.pem" : "pc-b.cert.pem"),
        [second]: vector(second === a ? "pc-a.cert.pem" : "pc-b.cert.pem")
      })
      for (const [first, second] of [[a, b], [b, a]] as const) {
        const encryptor = yield* Encryptor.make({ publicKeys: keys(first, second) })
        // Before either is valid, `serial` names the first listed too.
        expect(encryptor.serial).toBe(first)
        yield* TestClock.setTime(Date.parse("2031-01-01T00:00:00Z"))
        const sealed = yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))
        expect(sealed.serial).toBe(first)
        expect(decrypt(vector(first === a ? "pc-a.private.pem" : "pc-b.private.pem"), sealed.ciphertext)).toBe("13800138000")
        yield* TestClock.setTime(0)
      }
    }))

  it.effect("maxPlaintextBytes is the smallest key's bound (3072-bit beside 2048-bit: 214, not 342)", () =>
    Effect.gen(function*() {
      const large = Crypto.generateKeyPairSync("rsa", { modulusLength: 3072 }).publicKey.export({ type: "spki", format: "pem" })
      const alone = yield* Encryptor.make({ publicKeys: { ABCDEF: large.toString() } })
      expect(alone.maxPlaintextBytes).toBe(3072 / 8 - 42)
      const both = yield* Encryptor.make({ publicKeys: { ABCDEF: large.toString(), [mchSerial]: mchCert } })
      expect(both.maxPlaintextBytes).toBe(214)
    }))

  it.effect("an encryption that fails (here: a plain string where a Redacted belongs) is a SigningError saying so, without the value", () =>
    Effect.gen(function*() {
      const encryptor = yield* Encryptor.make({ publicKeys: { [publicKeyId]: wxpPublic } })
      const error = yield* Effect.flip(encryptor.encrypt("13800138000" as unknown as Redacted.Redacted<string>))
      expect(error).toBeInstanceOf(SigningError)
      expect(error.message).toBe("RSA-OAEP encryption of a sensitive field failed")
      expect(JSON.stringify(error)).not.toContain("13800138000")
    }))

  it.effect("no key at all: ConfigurationError on publicKeys saying nothing can be encrypted", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Encryptor.make({ publicKeys: {} }))
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.option).toBe("publicKeys")
      expect(error.message).toBe(
        "No WeChat Pay public key or platform certificate configured: sensitive fields could not be encrypted."
      )
    }))

  it.effect("a phone import under an expired certificate fails with the SigningError before anything is sent", () =>
    Effect.gen(function*() {
      const { importByPhone, sent } = phoneEndpoint(Encryptor.layer({ publicKeys: { [mchSerial]: mchCert } }))
      yield* TestClock.setTime(Date.parse("2026-12-01T00:00:00Z"))
      const error = yield* Effect.flip(importByPhone)
      expect(error._tag).toBe("SigningError")
      expect(error.message).toContain(`"${mchSerial}" expired at 2025-05-09T01:57:10.000Z`)
      expect(sent).toEqual([])
    }))
})
