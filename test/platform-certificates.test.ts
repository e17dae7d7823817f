import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/testing/TestClock"
import * as Encryptor from "../src/Encryptor.js"
import * as Aead from "../src/internal/aead.js"
import * as Keys from "../src/internal/keys.js"
import * as PlatformCertificates from "../src/PlatformCertificates.js"
import * as RetryPolicy from "../src/RetryPolicy.js"
import * as Signer from "../src/Signer.js"
import * as Transport from "../src/Transport.js"
import * as Verifier from "../src/Verifier.js"
import * as WechatPay from "../src/WechatPay.js"
import { ConfigurationError } from "../src/WechatPayError.js"

const fixture = (name: string): string => readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")
const vectors = JSON.parse(fixture("certificates.json"))

type Entry = PlatformCertificates.CertificateEntry

// ---------------------------------------------------------------------------------------------------------------
// Golden vectors (spec §8 TV-6, TV-10)

describe("golden: certificate download bodies", () => {
  it.effect("TV-6 (wechatpay-go, 16-byte key ⇒ AES-128): decrypts byte for byte to C-go-D7CE; serial checked", () =>
    Effect.sync(() => {
      const tv = vectors["TV-6"]
      const entry: Entry = tv.response.data[0]
      // The path the refreshing verifier uses; 16-byte keys exist only here, for the SDKs' vectors.
      const opened = Effect.runSync(Keys.openCertificate(Aead.keyBytes(tv.apiV3Key), entry, Date.parse("2026-12-01T00:00:00Z")))
      if (!Keys.isOpened(opened)) throw new Error(`TV-6 did not open: ${opened.problem}`)
      // The stored file ends with one more newline than the plaintext; every other byte is equal.
      expect(`${opened.pem}\n`).toBe(fixture(tv.plaintextFile))
      expect(opened.serial).toBe("D7CE59D1F522D701")
      expect(new Date(opened.notBefore).toISOString()).toBe("2021-04-27T08:55:23.000Z")
      expect(new Date(opened.notAfter).toISOString()).toBe("2031-04-25T08:55:23.000Z")
      expect(entry.effective_time).toBe("2021-04-27T16:55:23+08:00")
    }))

  it.effect("TV-6's 16-byte key is refused by the public decryptCertificate (32 bytes only)", () =>
    Effect.gen(function*() {
      const tv = vectors["TV-6"]
      yield* TestClock.setTime(Date.parse("2026-12-01T00:00:00Z"))
      const error = yield* Effect.flip(PlatformCertificates.decryptCertificate(tv.response.data[0], Redacted.make(tv.apiV3Key)))
      expect(error.reason).toBe("InvalidApiV3Key")
      expect(error.message).toContain("32 bytes (it has 16)")
      expect(error.message).not.toContain(tv.apiV3Key)
    }))

  it.effect("TV-10 (wechatpay-java, AES-256): a Tenpay.com sign certificate whose serial equals serial_no", () =>
    Effect.gen(function*() {
      const tv = vectors["TV-10"]
      const entry: Entry = tv.response.data[0]
      yield* TestClock.setTime(Date.parse("2026-12-01T00:00:00Z"))
      const certificate = yield* PlatformCertificates.decryptCertificate(entry, Redacted.make(tv.apiV3Key))
      expect(certificate.serial).toBe(entry.serial_no)
      expect(certificate.serial).toBe("5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC")
      expect(new crypto.X509Certificate(certificate.certificate).subject).toContain("CN=Tenpay.com sign")
      expect(certificate.effectiveTime.toISOString()).toBe("2023-09-19T15:15:58.000Z")
      expect(certificate.expireTime.toISOString()).toBe("2028-09-17T15:15:58.000Z")
      // The times WeChat lists are the certificate's own.
      expect(certificate.effectiveTime.getTime()).toBe(Date.parse(entry.effective_time))
      expect(certificate.expireTime.getTime()).toBe(Date.parse(entry.expire_time))
      expect((certificate.publicKey as crypto.KeyObject).asymmetricKeyType).toBe("rsa")
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// decryptCertificate: every check, at and one past each limit

const apiV3Key = "Zq7Tn2Wb9Yx4Kc1Vd8Rf5Hg3Jm6Lp0Sa"
const T0 = Date.parse("2030-06-01T00:00:00Z")

const pem = {
  a: fixture("pc-a.cert.pem"),
  b: fixture("pc-b.cert.pem"),
  s: fixture("pc-s.cert.pem"),
  x: fixture("pc-x.cert.pem"),
  ec: fixture("pc-ec.cert.pem")
}
const privateKey = {
  a: fixture("pc-a.private.pem"),
  b: fixture("pc-b.private.pem"),
  s: fixture("pc-s.private.pem"),
  x: fixture("pc-x.private.pem")
}
const serial = {
  a: "5A1E00000000000000000000000000000000000A",
  b: "0B2E00000000000000000000000000000000000B",
  s: "5C3E00000000000000000000000000000000000C",
  x: "7F4E00000000000000000000000000000000000F",
  ec: "6E5E00000000000000000000000000000000000E"
}

/** AES-256-GCM as WeChat seals a certificate (node:crypto directly, not the library's code). */
const seal = (plaintext: string, options: { readonly key?: string; readonly nonce?: string } = {}) => {
  const nonce = options.nonce ?? crypto.randomBytes(6).toString("hex")
  const cipher = crypto.createCipheriv("aes-256-gcm", Buffer.from(options.key ?? apiV3Key, "utf8"), Buffer.from(nonce, "utf8"))
  cipher.setAAD(Buffer.from("certificate", "utf8"))
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]).toString("base64")
  return { algorithm: "AEAD_AES_256_GCM", nonce, associated_data: "certificate", ciphertext }
}

const entryOf = (certificate: string, serialNo: string, key?: string): Entry => {
  const x509 = new crypto.X509Certificate(certificate)
  return {
    serial_no: serialNo,
    effective_time: new Date(x509.validFrom).toISOString(),
    expire_time: new Date(x509.validTo).toISOString(),
    encrypt_certificate: seal(certificate, key === undefined ? {} : { key })
  }
}

const decrypt = (entry: Entry, at: number, key = apiV3Key) =>
  Effect.andThen(TestClock.setTime(at), Effect.result(PlatformCertificates.decryptCertificate(entry, Redacted.make(key))))

/** The failure's reason, after checking its message carries no secret. */
const reasonOf = (result: Result.Result<PlatformCertificates.PlatformCertificate, PlatformCertificates.CertificateError>) => {
  if (Result.isSuccess(result)) return "accepted"
  const text = `${result.failure.message} ${JSON.stringify(result.failure)}`
  expect(text).not.toContain(apiV3Key)
  expect(text).not.toContain("BEGIN CERTIFICATE")
  expect(text).not.toContain("MII")
  return result.failure.reason
}

describe("decryptCertificate", () => {
  it.effect("validity: from its first second to its last, inclusive; one second outside is refused", () =>
    Effect.gen(function*() {
      const entry = entryOf(pem.s, serial.s)
      const from = Date.parse("2030-01-01T00:00:00Z")
      const to = Date.parse("2030-06-02T00:00:00Z")
      expect(reasonOf(yield* decrypt(entry, from - 1000))).toBe("NotYetValid")
      expect(reasonOf(yield* decrypt(entry, from))).toBe("accepted")
      expect(reasonOf(yield* decrypt(entry, to))).toBe("accepted")
      expect(reasonOf(yield* decrypt(entry, to + 1000))).toBe("Expired")
    }))

  it.effect("serial_no is compared as a number: leading zeros and letter case may differ, any other digit may not", () =>
    Effect.gen(function*() {
      expect(reasonOf(yield* decrypt(entryOf(pem.b, serial.b), T0))).toBe("accepted")
      expect(reasonOf(yield* decrypt(entryOf(pem.b, serial.b.slice(1)), T0))).toBe("accepted")
      expect(reasonOf(yield* decrypt(entryOf(pem.b, `00${serial.b.toLowerCase()}`), T0))).toBe("accepted")
      const accepted = yield* decrypt(entryOf(pem.b, serial.b.slice(1)), T0)
      expect(Result.getOrThrow(accepted).serial).toBe(serial.b)
      expect(reasonOf(yield* decrypt(entryOf(pem.b, `${serial.b.slice(0, -1)}C`), T0))).toBe("SerialMismatch")
      expect(reasonOf(yield* decrypt(entryOf(pem.b, `1${serial.b}`), T0))).toBe("SerialMismatch")
      expect(reasonOf(yield* decrypt(entryOf(pem.a, serial.b), T0))).toBe("SerialMismatch")
      expect(reasonOf(yield* decrypt(entryOf(pem.b, "not hex"), T0))).toBe("SerialMismatch")
    }))

  it.effect("the APIv3 key: another key, an altered ciphertext, tag, nonce or AAD fail authentication", () =>
    Effect.gen(function*() {
      const good = entryOf(pem.a, serial.a)
      const sealed = good.encrypt_certificate
      const bytes = Buffer.from(sealed.ciphertext, "base64")
      const flip = (at: number) => {
        const copy = Buffer.from(bytes)
        copy[at] = copy[at]! ^ 1
        return copy.toString("base64")
      }
      const variants: ReadonlyArray<Entry["encrypt_certificate"]> = [
        { ...sealed, ciphertext: flip(0) },
        { ...sealed, ciphertext: flip(bytes.length - 1) }, // the tag
        { ...sealed, nonce: `${sealed.nonce.slice(0, -1)}${sealed.nonce.endsWith("0") ? "1" : "0"}` },
        { ...sealed, associated_data: "certificatE" },
        { ...sealed, ciphertext: bytes.subarray(0, 15).toString("base64") }
      ]
      for (const encrypt_certificate of variants) {
        expect(reasonOf(yield* decrypt({ ...good, encrypt_certificate }, T0))).toBe("DecryptionFailed")
      }
      expect(reasonOf(yield* decrypt(good, T0, `${apiV3Key.slice(0, -1)}b`))).toBe("DecryptionFailed")
      expect(reasonOf(yield* decrypt(good, T0))).toBe("accepted")
    }))

  it.effect("the key length: 31 and 33 bytes refused, 32 accepted (UTF-8 bytes, not characters)", () =>
    Effect.gen(function*() {
      const good = entryOf(pem.a, serial.a)
      expect(reasonOf(yield* decrypt(good, T0, apiV3Key.slice(1)))).toBe("InvalidApiV3Key")
      expect(reasonOf(yield* decrypt(good, T0, `${apiV3Key}x`))).toBe("InvalidApiV3Key")
      // 31 characters, 32 bytes: the key is its UTF-8 bytes; it does not open this entry, but is not refused for length.
      expect(reasonOf(yield* decrypt(good, T0, `${apiV3Key.slice(2)}é`))).toBe("DecryptionFailed")
    }))

  it.effect("algorithm must be AEAD_AES_256_GCM; the plaintext an RSA X.509 certificate", () =>
    Effect.gen(function*() {
      const good = entryOf(pem.a, serial.a)
      expect(reasonOf(yield* decrypt({ ...good, encrypt_certificate: { ...good.encrypt_certificate, algorithm: "AEAD_SM4_GCM" } }, T0)))
        .toBe("UnsupportedAlgorithm")
      expect(reasonOf(yield* decrypt({ ...good, encrypt_certificate: seal("hello") }, T0))).toBe("NotACertificate")
      expect(reasonOf(yield* decrypt({ ...good, encrypt_certificate: seal(privateKey.a) }, T0))).toBe("NotACertificate")
      expect(reasonOf(yield* decrypt(entryOf(pem.ec, serial.ec), T0))).toBe("NotRsa")
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// The refreshing verifier against a fake WeChat

type Name = "a" | "b" | "s" | "x"

interface Fake {
  /** Certificates `GET /v3/certificates` lists (each sealed under `key`, default the APIv3 key). */
  listed: Array<{ readonly name: Name | "ec"; readonly key?: string; /** `serial_no` sent, if not the certificate's. */ readonly serialNo?: string }>
  /** The key that signs the answer, and the serial it is sent under. */
  signer: { readonly name: Name; readonly serial?: string }
  answer: "ok" | "404" | "500"
  downloads: number
  /** When set, a download waits for it. */
  gate: Deferred.Deferred<void> | undefined
  requests: Array<Transport.WireRequest>
}

const responseMessage = (timestamp: string, nonce: string, body: string) => `${timestamp}\n${nonce}\n${body}\n`

const makeFake = (init: Partial<Fake> = {}) => {
  const fake: Fake = {
    listed: [{ name: "a" }],
    signer: { name: "a" },
    answer: "ok",
    downloads: 0,
    gate: undefined,
    requests: [],
    ...init
  }
  const json = (status: number, text: string, signed: boolean) =>
    Effect.map(TestClockTime, (now) => {
      const headers: Record<string, string> = { "content-type": "application/json", "request-id": `req-${fake.downloads}` }
      if (signed) {
        const timestamp = String(Math.floor(now / 1000))
        const nonce = crypto.randomBytes(16).toString("hex")
        headers["wechatpay-timestamp"] = timestamp
        headers["wechatpay-nonce"] = nonce
        headers["wechatpay-serial"] = fake.signer.serial ?? serial[fake.signer.name]
        headers["wechatpay-signature"] = crypto
          .sign("sha256", Buffer.from(responseMessage(timestamp, nonce, text), "utf8"), privateKey[fake.signer.name])
          .toString("base64")
      }
      return { status, headers, body: new TextEncoder().encode(text) }
    })
  const transport: Transport.Service = {
    send: (request) =>
      Effect.gen(function*() {
        fake.requests.push(request)
        if (request.method !== "GET" || request.target !== "/v3/certificates") {
          return yield* json(404, `{"code":"NOT_FOUND","message":"no route"}`, false)
        }
        fake.downloads++
        if (fake.gate !== undefined) yield* Deferred.await(fake.gate)
        switch (fake.answer) {
          case "404":
            return yield* json(
              404,
              `{"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥"}`,
              false
            )
          case "500":
            return yield* json(500, `{"code":"SYSTEM_ERROR","message":"系统繁忙"}`, false)
        }
        const data = fake.listed.map(({ key, name, serialNo }) => entryOf(pem[name], serialNo ?? serial[name], key))
        return yield* json(200, JSON.stringify({ data }), true)
      })
  }
  const layer = Layer.mergeAll(
    Layer.succeed(Transport.Transport, transport),
    Layer.succeed(Signer.Signer, { local: true, sign: () => Effect.succeed("c2lnbmF0dXJl") })
  )
  return { fake, layer }
}

const TestClockTime = Effect.clockWith((clock) => clock.currentTimeMillis)

const options: PlatformCertificates.Options = {
  mchid: "1900000001",
  merchantSerialNumber: "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
  apiV3Key: Redacted.make(apiV3Key)
}

/** Build the layer in the test's scope at T0, with retries off (one request per download). */
const build = (layer: Layer.Layer<Signer.Signer | Transport.Transport>, extra: Partial<PlatformCertificates.Options> = {}) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(PlatformCertificates.layer({ ...options, ...extra }).pipe(Layer.provide(layer)))
    return { verifier: Context.get(context, Verifier.Verifier), certificates: Context.get(context, PlatformCertificates.Certificates) }
  })

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
  TestClock.setTime(T0).pipe(
    Effect.andThen(Effect.scoped(effect)),
    Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.disabled)
  )

/** A message signed by `name`'s key at the test clock's time (as WeChat signs responses and notifications). */
const message = (name: Name, options: { readonly serial?: string; readonly body?: string } = {}) =>
  Effect.map(TestClockTime, (now): Verifier.SignedMessage => {
    const timestamp = String(Math.floor(now / 1000))
    const nonce = crypto.randomBytes(16).toString("hex")
    const body = options.body ?? `{"signed_by":"${name}"}`
    return {
      headers: {
        "wechatpay-timestamp": timestamp,
        "wechatpay-nonce": nonce,
        "wechatpay-serial": options.serial ?? serial[name],
        "wechatpay-signature": crypto.sign("sha256", Buffer.from(responseMessage(timestamp, nonce, body), "utf8"), privateKey[name])
          .toString("base64")
      },
      body
    }
  })

const verifies = (verifier: Verifier.Service, name: Name, options?: { readonly serial?: string }) =>
  Effect.flatMap(message(name, options), (m) => Effect.result(verifier.verify(m)))

const serials = (certificates: PlatformCertificates.Service) =>
  Effect.map(certificates.current, (list) => list.map((c) => c.serial))

const hours = (n: number) => n * 3_600_000

describe("PlatformCertificates.layerVerifier", () => {
  it.effect("downloads once at start, trusting the answer by the certificate it carries (bootstrap), and verifies with it", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { certificates, verifier } = yield* build(layer)
      expect(fake.downloads).toBe(1)
      expect(fake.requests[0]!.target).toBe("/v3/certificates")
      expect(fake.requests[0]!.headers["wechatpay-serial"]).toBeUndefined()
      expect(verifier.serial).toBeUndefined()
      expect(yield* serials(certificates)).toEqual([serial.a])
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      // Signed by a key we do not hold: refused (and, within a minute of the last download, nothing is fetched).
      const forged = yield* verifies(verifier, "x")
      expect(Result.isFailure(forged) && forged.failure.reason).toBe("UnknownSerial")
    })))

  it.effect("the layerVerifier form gives the same Verifier (a drop-in for Verifier.layer)", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const context = yield* Layer.build(PlatformCertificates.layerVerifier(options).pipe(Layer.provide(layer)))
      expect(Result.isSuccess(yield* verifies(Context.get(context, Verifier.Verifier), "a"))).toBe(true)
      expect(fake.downloads).toBe(1)
    })))

  it.effect("scheduled refresh: nothing before refreshInterval (12 h), one download at it, and the new certificate verifies", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      // Lazy refreshes off (a year apart), so only the schedule can bring B.
      const { certificates, verifier } = yield* build(layer, { minRefreshInterval: "365 days" })
      // The first lazy refresh is allowed once (none has happened): spend it on a forged serial now.
      yield* verifies(verifier, "x")
      expect(fake.downloads).toBe(2)
      fake.listed = [{ name: "a" }, { name: "b" }]
      fake.signer = { name: "b" }
      const before = yield* verifies(verifier, "b")
      expect(Result.isFailure(before) && before.failure.reason).toBe("UnknownSerial")
      expect(fake.downloads).toBe(2)
      yield* TestClock.adjust(hours(12) - 1000)
      expect(fake.downloads).toBe(2)
      yield* TestClock.adjust(1000)
      expect(fake.downloads).toBe(3)
      expect(Result.isSuccess(yield* verifies(verifier, "b"))).toBe(true)
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      // Newest start of validity first (equal here: both listed), both held.
      expect([...(yield* serials(certificates))].sort()).toEqual([serial.b, serial.a].sort())
      yield* TestClock.adjust(hours(12))
      expect(fake.downloads).toBe(4)
    })))

  it.effect("refreshInterval is an option (1 s at least); minRefreshInterval 0 allowed", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      yield* build(layer, { refreshInterval: "1 hour", minRefreshInterval: 0 })
      yield* TestClock.adjust(hours(3))
      expect(fake.downloads).toBe(4)
      const tooShort = yield* Effect.flip(build(makeFake().layer, { refreshInterval: "999 millis" }))
      expect(tooShort.option).toBe("refreshInterval")
      const infinite = yield* Effect.flip(build(makeFake().layer, { refreshInterval: Duration.infinity }))
      expect(infinite.option).toBe("refreshInterval")
    })))

  it.effect("unknown serial: 20 concurrent messages signed by a new certificate cause one download, and all verify", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { verifier } = yield* build(layer)
      fake.listed = [{ name: "a" }, { name: "b" }]
      fake.signer = { name: "b" }
      fake.gate = yield* Deferred.make<void>()
      const messages = yield* Effect.all(Array.from({ length: 20 }, () => message("b")))
      const fibers = yield* Effect.forEach(messages, (m) => Effect.forkChild(Effect.result(verifier.verify(m))))
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow
      // All twenty are waiting on the one download.
      expect(fake.downloads).toBe(2)
      for (const fiber of fibers) expect(fiber.pollUnsafe()).toBeUndefined()
      yield* Deferred.succeed(fake.gate, undefined)
      fake.gate = undefined
      const results = yield* Fiber.joinAll(fibers).pipe(Effect.andThen(Effect.forEach(fibers, Fiber.join)))
      expect(results.filter(Result.isSuccess)).toHaveLength(20)
      expect(fake.downloads).toBe(2)
    })))

  it.effect("an unknown serial met while the scheduled download is under way joins it (one download)", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { verifier } = yield* build(layer)
      fake.listed = [{ name: "a" }, { name: "b" }]
      fake.signer = { name: "b" }
      fake.gate = yield* Deferred.make<void>()
      yield* TestClock.adjust(hours(12))
      expect(fake.downloads).toBe(2)
      const fiber = yield* Effect.forkChild(verifies(verifier, "b"))
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* Deferred.succeed(fake.gate, undefined)
      expect(Result.isSuccess(yield* Fiber.join(fiber))).toBe(true)
      expect(fake.downloads).toBe(2)
    })))

  it.effect("a downloaded certificate is found by its serial with or without leading zeros, in any letter case", () =>
    run(Effect.gen(function*() {
      const { layer } = makeFake({ listed: [{ name: "a" }, { name: "b" }] })
      const { verifier } = yield* build(layer)
      expect(serial.b.startsWith("0")).toBe(true)
      for (const sent of [serial.b, serial.b.slice(1), serial.b.toLowerCase(), `00${serial.b}`]) {
        expect(Result.isSuccess(yield* verifies(verifier, "b", { serial: sent }))).toBe(true)
      }
      const other = yield* verifies(verifier, "b", { serial: `1${serial.b}` })
      expect(Result.isFailure(other) && other.failure.reason).toBe("UnknownSerial")
    })))

  it.effect("forged serials cannot hammer WeChat: at most one lazy download per minute; a PUB_KEY_ID_ or non-hex serial never", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { verifier } = yield* build(layer)
      const forged = () => verifies(verifier, "x", { serial: crypto.randomBytes(20).toString("hex").toUpperCase() })
      // The start-up download does not count as a lazy one: the first unknown serial downloads.
      expect(Result.isFailure(yield* forged())).toBe(true)
      expect(fake.downloads).toBe(2)
      for (let i = 0; i < 50; i++) {
        const result = yield* forged()
        expect(Result.isFailure(result) && result.failure.reason).toBe("UnknownSerial")
      }
      expect(fake.downloads).toBe(2)
      yield* TestClock.adjust(59_999)
      yield* forged()
      expect(fake.downloads).toBe(2)
      yield* TestClock.adjust(1)
      yield* forged()
      expect(fake.downloads).toBe(3)
      yield* TestClock.adjust(hours(1) / 2)
      yield* verifies(verifier, "x", { serial: "PUB_KEY_ID_0114232019042900000000000000000001" })
      yield* verifies(verifier, "x", { serial: "not-a-serial" })
      expect(fake.downloads).toBe(3)
    })))

  it.effect("a message refusable without a key (stale timestamp, signature probe, not Base64) never triggers a download", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { verifier } = yield* build(layer)
      expect(fake.downloads).toBe(1)
      const unknownSerial = crypto.randomBytes(20).toString("hex").toUpperCase()
      const base = yield* message("x", { serial: unknownSerial })
      const variants: ReadonlyArray<readonly [string, Record<string, string>]> = [
        ["StaleTimestamp", { "wechatpay-timestamp": String(Number(base.headers["wechatpay-timestamp"]) - 301) }],
        ["InvalidSignature", { "wechatpay-signature": "WECHATPAY/SIGNTEST/abc" }],
        ["InvalidSignature", { "wechatpay-signature": "not base64!" }]
      ]
      for (const [reason, headers] of variants) {
        const refused = yield* Effect.flip(verifier.verify({ ...base, headers: { ...base.headers, ...headers } }))
        expect(refused.reason).toBe(reason)
      }
      expect(fake.downloads).toBe(1)
      // The same message, fresh and well-formed, is the one that looks for the unknown certificate.
      expect((yield* Effect.flip(verifier.verify(base))).reason).toBe("UnknownSerial")
      expect(fake.downloads).toBe(2)
    })))

  it.effect("a failed refresh keeps the keys held: calls still verify, the error is typed, a warning logged without secrets", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const capture = Logger.make(({ fiber, logLevel, message }) => {
        const annotations = Object.entries(fiber.getRef(References.CurrentLogAnnotations))
        logs.push(`${logLevel.toUpperCase()} ${JSON.stringify(message)} ${JSON.stringify(annotations)}`)
      })
      yield* run(Effect.gen(function*() {
        const { fake, layer } = makeFake()
        const { certificates, verifier } = yield* build(layer)
        fake.answer = "500"
        const error = yield* Effect.flip(certificates.refresh)
        expect(error._tag).toBe("SystemError")
        expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
        // The scheduled refresh fails too: still verifying with A.
        yield* TestClock.adjust(hours(12))
        expect(fake.downloads).toBe(3)
        expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
        // An unknown serial while WeChat fails: that message is refused as unknown, never with the download's error.
        fake.signer = { name: "b" }
        fake.listed = [{ name: "a" }, { name: "b" }]
        const unknown = yield* verifies(verifier, "b")
        expect(Result.isFailure(unknown) && unknown.failure._tag).toBe("ResponseVerificationError")
        expect(Result.isFailure(unknown) && unknown.failure.reason).toBe("UnknownSerial")
        expect(fake.downloads).toBe(4)
        expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
        expect(yield* serials(certificates)).toEqual([serial.a])
        // WeChat recovers: the next refresh brings B.
        fake.answer = "ok"
        yield* certificates.refresh
        expect(Result.isSuccess(yield* verifies(verifier, "b"))).toBe(true)
      }).pipe(Effect.provide(Logger.layer([capture]))))
      const warnings = logs.filter((line) => line.startsWith("WARN"))
      expect(warnings.length).toBe(3)
      expect(warnings[0]).toContain("platform certificate download failed")
      expect(warnings[0]).toContain("SystemError")
      for (const line of logs) {
        expect(line).not.toContain(apiV3Key)
        expect(line).not.toContain("PRIVATE KEY")
        expect(line).not.toContain("BEGIN CERTIFICATE")
      }
    }))

  it.effect("an expired certificate is dropped: accepted to its last second, refused one second later, even while listed", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake({ listed: [{ name: "a" }, { name: "s" }] })
      const { certificates, verifier } = yield* build(layer)
      expect([...(yield* serials(certificates))].sort()).toEqual([serial.a, serial.s].sort())
      const end = Date.parse("2030-06-02T00:00:00Z")
      yield* TestClock.setTime(end)
      expect(Result.isSuccess(yield* verifies(verifier, "s"))).toBe(true)
      yield* TestClock.setTime(end + 1000)
      const expired = yield* verifies(verifier, "s")
      expect(Result.isFailure(expired) && expired.failure.reason).toBe("UnknownSerial")
      expect(Result.isFailure(expired) && expired.failure.message).toContain("expired at 2030-06-02T00:00:00.000Z")
      expect(yield* serials(certificates)).toEqual([serial.a])
      // A refresh while WeChat still lists it does not bring it back.
      yield* certificates.refresh
      expect(yield* serials(certificates)).toEqual([serial.a])
      expect(Result.isFailure(yield* verifies(verifier, "s"))).toBe(true)
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      expect(fake.downloads).toBeGreaterThanOrEqual(3)
    })))

  it.effect("a certificate WeChat stops listing is kept until it expires (messages signed before a rotation still verify)", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake({ listed: [{ name: "a" }, { name: "b" }] })
      const { certificates, verifier } = yield* build(layer)
      fake.listed = [{ name: "b" }]
      fake.signer = { name: "b" }
      yield* certificates.refresh
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      expect(Result.isSuccess(yield* verifies(verifier, "b"))).toBe(true)
    })))

  it.effect("a held certificate past its last second, with no download since: out of current, refused for verification, not encrypted to", () =>
    run(Effect.gen(function*() {
      // S first: on equal starts of validity it is the one `current` lists first, i.e. the one to encrypt with.
      const { fake, layer } = makeFake({ listed: [{ name: "s" }, { name: "a" }] })
      // No scheduled download before S expires (a day after T0): only the clock can take it out.
      const refreshInterval = Duration.days(7)
      const { certificates, verifier } = yield* build(layer, { refreshInterval })
      const context = yield* Layer.build(
        WechatPay.layerWith({
          ...options,
          merchantPrivateKey: Redacted.make(privateKey.a),
          wechatpayPublicKeys: {},
          platformCertificates: { refreshInterval }
        }).pipe(Layer.provide(layer))
      )
      const encryptor = Context.get(context, Encryptor.Encryptor)
      expect(yield* serials(certificates)).toEqual([serial.s, serial.a])
      expect((yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))).serial).toBe(serial.s)
      const downloads = fake.downloads
      const end = Date.parse("2030-06-02T00:00:00Z")
      yield* TestClock.setTime(end + 1)
      // Nothing downloaded since S was held: it must drop out of `current` by the clock alone.
      expect(fake.downloads).toBe(downloads)
      expect(yield* serials(certificates)).toEqual([serial.a])
      const sealed = yield* encryptor.encryptWithSerial!(Redacted.make("13800138000"))
      expect(sealed.serial).toBe(serial.a)
      expect(encryptor.serial).toBe(serial.a)
      expect(
        crypto.privateDecrypt(
          { key: privateKey.a, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
          Buffer.from(sealed.ciphertext, "base64")
        ).toString()
      ).toBe("13800138000")
      // Verification: WeChat fails meanwhile, so S is still among the keys held; it is refused as expired all the same.
      fake.answer = "500"
      const expired = yield* verifies(verifier, "s")
      expect(Result.isFailure(expired) && expired.failure.reason).toBe("UnknownSerial")
      expect(Result.isFailure(expired) && expired.failure.message).toContain("expired at 2030-06-02T00:00:00.000Z")
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      expect(yield* serials(certificates)).toEqual([serial.a])
    })))

  it.effect("one entry whose serial_no is not its certificate's refuses the whole download, in any position; the keys held stay", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { certificates, verifier } = yield* build(layer)
      const other = "7F4E00000000000000000000000000000000000E"
      for (const listed of [
        [{ name: "b" as const }, { name: "x" as const, serialNo: other }],
        [{ name: "x" as const, serialNo: other }, { name: "b" as const }],
        // Even a serial_no naming another listed certificate (B's) over X's certificate.
        [{ name: "b" as const }, { name: "x" as const, serialNo: serial.b }]
      ]) {
        fake.listed = listed
        const error = yield* Effect.flip(certificates.refresh)
        expect(error._tag === "CertificateError" && error.reason).toBe("SerialMismatch")
        expect(error.message).toContain(`holds a certificate whose serial is ${serial.x}`)
        expect(yield* serials(certificates)).toEqual([serial.a])
        // B, well-formed in the refused answer, is not adopted either; nor X under any serial.
        for (const [name, sentAs] of [["b", serial.b], ["x", serial.x], ["x", other]] as const) {
          const refused = yield* verifies(verifier, name, { serial: sentAs })
          expect(Result.isFailure(refused) && refused.failure.reason, `${name} as ${sentAs}`).toBe("UnknownSerial")
        }
        expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
        yield* TestClock.adjust(Duration.minutes(1))
      }
      // At start, such an answer fails the build.
      const atStart = makeFake({ listed: [{ name: "a" }, { name: "b", serialNo: serial.x }] })
      const error = yield* Effect.flip(build(atStart.layer))
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.message).toContain("CertificateError")
      expect(error.message).toContain(`holds a certificate whose serial is ${serial.b}`)
    })))

  it.effect("404 RESOURCE_NOT_EXISTS at start: ConfigurationError saying to use public-key mode (with or without configured keys)", () =>
    run(Effect.gen(function*() {
      for (const publicKeys of [undefined, { [serial.a]: pem.a }]) {
        const { fake, layer } = makeFake({ answer: "404" })
        const error = yield* Effect.flip(build(layer, publicKeys === undefined ? {} : { publicKeys }))
        expect(error).toBeInstanceOf(ConfigurationError)
        expect(error.option).toBe("publicKeys")
        expect(error.message).toContain("404 RESOURCE_NOT_EXISTS")
        expect(error.message).toContain("public-key mode")
        expect(error.message).toContain("WECHATPAY_PUBLIC_KEY_ID")
        expect(error.message).toContain("wechatpayPublicKeys")
        expect(fake.downloads).toBe(1)
      }
    })))

  it.effect("a failed download at start: ConfigurationError without configured keys; with them, the layer starts on them", () =>
    run(Effect.gen(function*() {
      const bare = makeFake({ answer: "500" })
      const error = yield* Effect.flip(build(bare.layer))
      expect(error.option).toBe("platformCertificates")
      expect(error.message).toContain("could not be downloaded (SystemError")
      const held = makeFake({ answer: "500" })
      const { certificates, verifier } = yield* build(held.layer, { publicKeys: { [serial.a]: pem.a } })
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      expect(yield* serials(certificates)).toEqual([])
      held.fake.answer = "ok"
      held.fake.listed = [{ name: "b" }]
      held.fake.signer = { name: "b" }
      expect(Result.isSuccess(yield* verifies(verifier, "b"))).toBe(true)
      expect(held.fake.downloads).toBe(2)
    })))

  it.effect("forged download refused at start: signed by an unknown key, its certificate not sealed under our APIv3 key", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake({ listed: [{ name: "x", key: "Forger-knows-not-the-APIv3-key!!" }], signer: { name: "x" } })
      const error = yield* Effect.flip(build(layer))
      expect(error).toBeInstanceOf(ConfigurationError)
      expect(error.message).toContain("ResponseVerificationError")
      expect(error.message).not.toContain(apiV3Key)
      expect(fake.downloads).toBe(1)
    })))

  it.effect("forged download refused later: the keys held stay, the forger's key is never adopted", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const { certificates, verifier } = yield* build(layer)
      // 1. Signed by the forger, carrying the forger's certificate under another key.
      fake.listed = [{ name: "x", key: "Forger-knows-not-the-APIv3-key!!" }]
      fake.signer = { name: "x" }
      const unsigned = yield* Effect.flip(certificates.refresh)
      expect(unsigned._tag).toBe("ResponseVerificationError")
      // 2. Signed by the forger under a held serial.
      fake.signer = { name: "x", serial: serial.a }
      const mislabelled = yield* Effect.flip(certificates.refresh)
      expect(mislabelled._tag === "ResponseVerificationError" && mislabelled.reason).toBe("InvalidSignature")
      // 3. A genuine signature (A) over an answer in which one entry fails AEAD: the whole answer is refused, B too.
      fake.listed = [{ name: "b" }, { name: "x", key: "Forger-knows-not-the-APIv3-key!!" }]
      fake.signer = { name: "a" }
      const sealed = yield* Effect.flip(certificates.refresh)
      expect(sealed._tag === "CertificateError" && sealed.reason).toBe("DecryptionFailed")
      expect(yield* serials(certificates)).toEqual([serial.a])
      // A message signed by the forger's key is refused; A's still verifies.
      const forged = yield* verifies(verifier, "x")
      expect(Result.isFailure(forged) && forged.failure.reason).toBe("UnknownSerial")
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
    })))

  it.effect("the APIv3 key is 32 bytes: 16, 31 and 33 refused at build, before anything is sent", () =>
    run(Effect.gen(function*() {
      for (const key of [vectors["TV-6"].apiV3Key, apiV3Key.slice(1), `${apiV3Key}x`]) {
        const { fake, layer } = makeFake()
        const error = yield* Effect.flip(build(layer, { apiV3Key: Redacted.make(key) }))
        expect(error.option).toBe("apiV3Key")
        expect(error.message).toContain(`(it has ${Buffer.byteLength(key)})`)
        expect(error.message).not.toContain(key)
        expect(fake.downloads).toBe(0)
      }
    })))

  it.effect("a wrong (but 32-byte) APIv3 key fails the build: the download does not open", () =>
    run(Effect.gen(function*() {
      const { layer } = makeFake()
      const other = "Another-32-byte-APIv3-key-000000"
      const error = yield* Effect.flip(build(layer, { apiV3Key: Redacted.make(other) }))
      expect(error.option).toBe("apiV3Key")
      expect(error.message).toContain("could not be downloaded")
      expect(error.message).toContain("1 did not decrypt under the APIv3 key")
      expect(error.message).toContain("Check apiV3Key")
      expect(error.message).not.toContain(other)
      expect(error.message).not.toContain(apiV3Key)
    })))

  it.effect("a configured public key is kept beside the certificates and sent as Wechatpay-Serial; an unknown PUB_KEY_ID never downloads", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
      const publicKey = crypto.createPublicKey(privateKey.b).export({ type: "spki", format: "pem" }).toString()
      const { verifier } = yield* build(layer, { publicKeys: { [keyId]: publicKey } })
      expect(verifier.serial).toBe(keyId)
      expect(fake.requests[0]!.headers["wechatpay-serial"]).toBe(keyId)
      expect(Result.isSuccess(yield* verifies(verifier, "b", { serial: keyId }))).toBe(true)
      expect(Result.isSuccess(yield* verifies(verifier, "a"))).toBe(true)
      const other = yield* verifies(verifier, "b", { serial: "PUB_KEY_ID_0114232019042900000000000000000002" })
      expect(Result.isFailure(other) && other.failure.reason).toBe("UnknownSerial")
      expect(fake.downloads).toBe(1)
    })))

  it.effect("configured keys are checked as Verifier.layer checks them", () =>
    run(Effect.gen(function*() {
      const error = yield* Effect.flip(build(makeFake().layer, { publicKeys: { [serial.b]: pem.a } }))
      expect(error.option).toBe("publicKeys")
      expect(error.message).toContain(`has serial ${serial.a}`)
      const privateOne = yield* Effect.flip(build(makeFake().layer, { publicKeys: { [serial.a]: privateKey.a } }))
      expect(privateOne.message).toContain("is a private key")
      expect(privateOne.message).not.toContain("MII")
    })))

  it.effect("closing the layer stops the schedule", () =>
    run(Effect.gen(function*() {
      const { fake, layer } = makeFake()
      yield* Effect.scoped(build(layer))
      yield* TestClock.adjust(hours(48))
      expect(fake.downloads).toBe(1)
    })))
})
