/**
 * Bad configuration fails when the layer is built, with a `ConfigurationError` that names the problem and never
 * echoes key material.
 */
import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import * as HttpClient from "effect/http/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Signer from "../src/Signer.js"
import * as Transport from "../src/Transport.js"
import * as Verifier from "../src/Verifier.js"
import * as WechatPay from "../src/WechatPay.js"
import * as WechatPayClient from "../src/WechatPayClient.js"
import { ConfigurationError } from "../src/WechatPayError.js"

const fixture = (name: string): string => readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")

const kGo = fixture("k-go.private.pem")
const cGoD7CE = fixture("c-go-D7CE.cert.pem")
const wxpPublic = fixture("k-java-wxp.public.pem")
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"

/** A self-signed ECDSA P-256 certificate (serial 1234ABCD): a well-formed certificate that is not RSA. */
const ecCert = `-----BEGIN CERTIFICATE-----
MIIBajCCARGgAwIBAgIEEjSrzTAKBggqhkjOPQQDAjASMRAwDgYDVQQDDAdlYyB0
ZXN0MCAXDTI2MTEyNTIxNTA1NVoYDzIxMjYxMTAxMjE1MDU1WjASMRAwDgYDVQQD
DAdlYyB0ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHSbFwBWaXRVtqU4l
bR49j1j85yJ0b3d/Ki9vDc47o777nYHBkXIOxcX0n5lkpjV/KjZDXb4ITWPV4iIy
wQ8tOKNTMFEwHQYDVR0OBBYEFEGEXBeQIVOjNufTuDDOm1t3FV8YMB8GA1UdIwQY
MBaAFEGEXBeQIVOjNufTuDDOm1t3FV8YMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
zj0EAwIDRwAwRAIgH4apObcf51kV/CRQn1gS6zpSp/VuRm7Wq3ZFveC478cCIDok
J6loBf51pc77upaU9GtKvL8MMIwQUnwbW5FZMCXx
-----END CERTIFICATE-----
`

/** The body lines of a PEM (everything but the BEGIN/END lines). */
const bodyLines = (pem: string): ReadonlyArray<string> =>
  pem.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0 && !line.startsWith("-----"))

/** None of the ways an error gets printed may contain a line of any of these PEMs. */
const expectNoKeyMaterial = (error: ConfigurationError, cause: Cause.Cause<unknown>, pems: ReadonlyArray<string>) => {
  const renderings = [String(error), error.message, JSON.stringify(error), Cause.pretty(cause)]
  for (const pem of pems) {
    const lines = bodyLines(pem)
    expect(lines.length).toBeGreaterThan(0)
    for (const rendering of renderings) {
      for (const line of lines) expect(rendering).not.toContain(line)
    }
  }
}

/** Build the layer; it must fail with a ConfigurationError that leaks none of `pems`. */
const buildFails = <A, E>(layer: Layer.Layer<A, E>, pems: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isSuccess(exit)) throw new Error("the layer was built")
    expect(Option.isSome(Cause.findErrorOption(exit.cause))).toBe(true)
    const error = Cause.squash(exit.cause)
    expect(error).toBeInstanceOf(ConfigurationError)
    const configurationError = error as ConfigurationError
    expect(configurationError._tag).toBe("ConfigurationError")
    expectNoKeyMaterial(configurationError, exit.cause, pems)
    return configurationError
  })

const buildSucceeds = <A, E>(layer: Layer.Layer<A, E>) => Effect.asVoid(Effect.scoped(Layer.build(layer)))

const signer = (pem: string) => Signer.layerRsa({ privateKey: Redacted.make(pem) })

describe("Signer configuration", () => {
  it.effect("a malformed PEM (body lines that are not a key) → ConfigurationError", () =>
    Effect.gen(function*() {
      const pem = "-----BEGIN PRIVATE KEY-----\nTm90QUtleUF0QWxsSnVzdFNvbWVCYXNlNjRUZXh0VGhhdExvb2tzTGlrZUFLZXk=\n" +
        "QW5kQVNlY29uZExpbmVPZkJhc2U2NFRoYXRJc05vdEFLZXlFaXRoZXJSZWFsbHk=\n-----END PRIVATE KEY-----\n"
      const error = yield* buildFails(signer(pem), [pem])
      expect(error.option).toBe("privateKey")
      expect(error.message).toMatch(/malformed/)
      expect(error.message).toMatch(/private key/i)
    }))

  it.effect("a truncated real key (one body line dropped) → ConfigurationError, no line of it echoed", () =>
    Effect.gen(function*() {
      const lines = kGo.split("\n")
      const pem = [...lines.slice(0, 5), ...lines.slice(6)].join("\n")
      const error = yield* buildFails(signer(pem), [pem, kGo])
      expect(error.message).toMatch(/malformed/)
    }))

  it.effect("the Base64 body without BEGIN/END lines → ConfigurationError saying it is not a PEM", () =>
    Effect.gen(function*() {
      const body = bodyLines(kGo).join("\n")
      const error = yield* buildFails(signer(body), [kGo])
      expect(error.message).toMatch(/not a PEM/)
    }))

  it.effect("a certificate where the private key is expected → ConfigurationError naming both", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(signer(cGoD7CE), [cGoD7CE])
      expect(error.option).toBe("privateKey")
      expect(error.message).toMatch(/certificate/)
      expect(error.message).toMatch(/private key/)
    }))

  it.effect("a public key where the private key is expected → ConfigurationError", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(signer(wxpPublic), [wxpPublic])
      expect(error.message).toMatch(/public key/)
      expect(error.message).toMatch(/private key/)
    }))

  it.effect("a key that parses but is damaged (another modulus) → ConfigurationError at build, not SIGN_ERROR on every call", () =>
    Effect.gen(function*() {
      const jwk = crypto.createPrivateKey(kGo).export({ format: "jwk" })
      // Flip bits in the modulus: every field still parses, but signatures no longer verify under the key's own n.
      const n = Buffer.from(jwk.n!, "base64url")
      n.writeUInt8(n.readUInt8(n.length - 2) ^ 0x5a, n.length - 2)
      const damaged = crypto.createPrivateKey({ key: { ...jwk, n: n.toString("base64url") }, format: "jwk" })
        .export({ type: "pkcs8", format: "pem" }).toString()
      const error = yield* buildFails(signer(damaged), [damaged, kGo])
      expect(error.option).toBe("privateKey")
      expect(error.message).toMatch(/damaged/)
    }))

  it.effect("an encrypted private key → ConfigurationError asking to decrypt it", () =>
    Effect.gen(function*() {
      const pem = crypto.createPrivateKey(kGo).export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase: "secret"
      }).toString()
      expect(pem).toContain("ENCRYPTED PRIVATE KEY")
      const error = yield* buildFails(signer(pem), [pem, kGo])
      expect(error.message).toMatch(/encrypted/)
    }))

  it.effect("an EC private key → ConfigurationError saying RSA is needed", () =>
    Effect.gen(function*() {
      const pem = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey
        .export({ type: "pkcs8", format: "pem" }).toString()
      const error = yield* buildFails(signer(pem), [pem])
      expect(error.message).toMatch(/RSA/)
    }))

  it.effect("PKCS#8 and PKCS#1 RSA keys build", () =>
    Effect.gen(function*() {
      yield* buildSucceeds(signer(kGo))
      yield* buildSucceeds(signer(crypto.createPrivateKey(kGo).export({ type: "pkcs1", format: "pem" }).toString()))
    }))
})

describe("Verifier configuration", () => {
  const verifier = (publicKeys: Record<string, string>) => Verifier.layer({ publicKeys })

  it.effect("an empty key map → ConfigurationError", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(verifier({}), [])
      expect(error.option).toBe("publicKeys")
      expect(error.message).toMatch(/No WeChat Pay public key or platform certificate/)
    }))

  it.effect("a private key given as the WeChat Pay public key → ConfigurationError", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(verifier({ [keyId]: kGo }), [kGo])
      expect(error.message).toContain(keyId)
      expect(error.message).toMatch(/is a private key/)
    }))

  it.effect("a PKCS#1 private key given as a public key → ConfigurationError", () =>
    Effect.gen(function*() {
      const pkcs1 = crypto.createPrivateKey(kGo).export({ type: "pkcs1", format: "pem" }).toString()
      const error = yield* buildFails(verifier({ D7CE59D1F522D701: pkcs1 }), [pkcs1, kGo])
      expect(error.message).toMatch(/is a private key/)
    }))

  it.effect("a certificate filed under the wrong serial → ConfigurationError naming both serials", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(verifier({ F5765756002FDD77: cGoD7CE }), [cGoD7CE])
      expect(error.message).toContain("F5765756002FDD77")
      expect(error.message).toContain("D7CE59D1F522D701")
    }))

  it.effect("an id that is neither hex nor PUB_KEY_ID_… → ConfigurationError", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(verifier({ "wechatpay-platform-cert": wxpPublic }), [wxpPublic])
      expect(error.message).toContain("wechatpay-platform-cert")
      expect(error.message).toMatch(/PUB_KEY_ID_/)
      expect(error.message).toMatch(/hex/)
    }))

  it.effect("a malformed public key PEM → ConfigurationError", () =>
    Effect.gen(function*() {
      const lines = wxpPublic.split("\n")
      const pem = [...lines.slice(0, 3), ...lines.slice(4)].join("\n")
      const error = yield* buildFails(verifier({ [keyId]: pem }), [pem, wxpPublic])
      expect(error.message).toMatch(/malformed/)
    }))

  it.effect("a malformed certificate PEM → ConfigurationError", () =>
    Effect.gen(function*() {
      const lines = cGoD7CE.split("\n")
      const pem = [...lines.slice(0, 3), ...lines.slice(4)].join("\n")
      const error = yield* buildFails(verifier({ D7CE59D1F522D701: pem }), [pem, cGoD7CE])
      expect(error.message).toMatch(/malformed/)
    }))

  it.effect("an EC public key → ConfigurationError saying RSA is needed", () =>
    Effect.gen(function*() {
      const pem = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey
        .export({ type: "spki", format: "pem" }).toString()
      const error = yield* buildFails(verifier({ [keyId]: pem }), [pem])
      expect(error.message).toMatch(/RSA/)
    }))

  // BUG: src/internal/keys.ts `publicKey` checks `asymmetricKeyType === "rsa"` only for bare public keys; the
  // CERTIFICATE branch returns `cert.publicKey` unchecked, so a non-RSA certificate is accepted here.
  it.effect("an EC certificate (filed under its own serial) → ConfigurationError saying RSA is needed", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(verifier({ "1234ABCD": ecCert }), [ecCert])
      expect(error.message).toMatch(/RSA/)
    }))

  it.effect("a certificate filed under its serial, and a public key under its id, build", () =>
    buildSucceeds(verifier({ D7CE59D1F522D701: cGoD7CE, [keyId]: wxpPublic })))
})

describe("WechatPayClient option checks", () => {
  const stubTransport = Layer.succeed(Transport.Transport, { send: () => Effect.die("unused") })
  const deps = Layer.mergeAll(stubTransport, signer(kGo), Verifier.layer({ publicKeys: { [keyId]: wxpPublic } }))
  const base = { mchid: "1900000001", merchantSerialNumber: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1" }
  const client = (options: Partial<WechatPayClient.Options>) =>
    WechatPayClient.layer({ ...base, ...options }).pipe(Layer.provide(deps))

  const builtClient = (options: Partial<WechatPayClient.Options>) =>
    Effect.gen(function*() {
      const service = yield* WechatPayClient.WechatPayClient
      expect(service.mchid).toBe(base.mchid)
    }).pipe(Effect.provide(client(options)))

  for (
    const baseUrl of [
      "http://api.mch.weixin.qq.com",
      "http://10.0.0.1:8080",
      "http://127.0.0.2:8080",
      "http://localhost.example.com",
      "http://127.0.0.1.nip.io",
      "ftp://127.0.0.1"
    ]
  ) {
    it.effect(`baseUrl ${baseUrl} → ConfigurationError`, () =>
      Effect.gen(function*() {
        const error = yield* buildFails(client({ baseUrl }), [kGo, wxpPublic])
        expect(error.option).toBe("baseUrl")
        expect(error.message).toContain(baseUrl)
        expect(error.message).toMatch(/https/)
      }))
  }

  it.effect("a baseUrl that is not an absolute URL → ConfigurationError", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(client({ baseUrl: "api.mch.weixin.qq.com" }), [kGo, wxpPublic])
      expect(error.option).toBe("baseUrl")
      expect(error.message).toMatch(/absolute URL/)
    }))

  it.effect("a plain-http backupBaseUrl → ConfigurationError on backupBaseUrl", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(client({ backupBaseUrl: "http://api2.mch.weixin.qq.com" }), [kGo])
      expect(error.option).toBe("backupBaseUrl")
    }))

  for (
    const baseUrl of [
      "http://127.0.0.1",
      "http://127.0.0.1:8080",
      "http://localhost",
      "http://localhost:3000/",
      "http://[::1]",
      "http://[::1]:8080",
      "https://api.mch.weixin.qq.com",
      "https://api2.mch.weixin.qq.com/"
    ]
  ) {
    it.effect(`baseUrl ${baseUrl} is accepted`, () => builtClient({ baseUrl }))
  }

  it.effect("the default base URL (https) is accepted", () => builtClient({}))

  it.effect("an https backupBaseUrl is accepted", () => builtClient({ backupBaseUrl: WechatPayClient.backupBaseUrl }))

  it.effect("a non-numeric mchid → ConfigurationError on mchid", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(client({ mchid: "mch-1" }), [kGo])
      expect(error.option).toBe("mchid")
    }))

  it.effect("a non-hex merchantSerialNumber → ConfigurationError on merchantSerialNumber", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(client({ merchantSerialNumber: "serial no 1" }), [kGo])
      expect(error.option).toBe("merchantSerialNumber")
    }))
})

describe("WechatPay.layer (one-line setup)", () => {
  const stubHttp = Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.die("unused")))
  const options = {
    mchid: "1900000001",
    merchantSerialNumber: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    merchantPrivateKey: Redacted.make(kGo),
    wechatpayPublicKeys: { [keyId]: wxpPublic }
  }

  it.effect("builds with a good key pair", () =>
    buildSucceeds(WechatPay.layer(options).pipe(Layer.provide(stubHttp))))

  it.effect("a certificate given as the merchant private key → ConfigurationError without key material", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(
        WechatPay.layer({ ...options, merchantPrivateKey: Redacted.make(cGoD7CE) }).pipe(Layer.provide(stubHttp)),
        [cGoD7CE, wxpPublic]
      )
      expect(error.option).toBe("privateKey")
    }))

  it.effect("a private key given as the WeChat Pay public key → ConfigurationError without key material", () =>
    Effect.gen(function*() {
      const error = yield* buildFails(
        WechatPay.layer({ ...options, wechatpayPublicKeys: { [keyId]: kGo } }).pipe(Layer.provide(stubHttp)),
        [kGo]
      )
      expect(error.option).toBe("publicKeys")
    }))
})

describe("WechatPay.layerConfig (environment)", () => {
  const stubHttp = Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.die("unused")))
  const env = (privateKey: string) =>
    ConfigProvider.layer(ConfigProvider.fromEnvRecord({
      WECHATPAY_MCHID: "1900000001",
      WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
      WECHATPAY_MERCHANT_PRIVATE_KEY: privateKey,
      WECHATPAY_PUBLIC_KEY_ID: keyId,
      WECHATPAY_PUBLIC_KEY: wxpPublic
    }))
  const build = (privateKey: string) =>
    Effect.exit(Effect.scoped(Layer.build(
      WechatPay.layerConfig().pipe(Layer.provide(stubHttp), Layer.provide(env(privateKey)))
    )))

  it.effect("builds from a PEM given inline", () =>
    Effect.gen(function*() {
      expect(Exit.isSuccess(yield* build(kGo))).toBe(true)
    }))

  it.effect("a certificate as the private key → ConfigurationError without key material", () =>
    Effect.gen(function*() {
      const exit = yield* build(cGoD7CE)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) return
      const error = Cause.squash(exit.cause)
      expect(error).toBeInstanceOf(ConfigurationError)
      expectNoKeyMaterial(error as ConfigurationError, exit.cause, [cGoD7CE])
    }))

  // BUG: src/WechatPay.ts `pemOrPath` treats anything not starting with "-----BEGIN" as a file path; readFileSync
  // then throws ENOENT/ENAMETOOLONG whose message quotes the "path", i.e. the secret key body, and
  // Config.mapAttempt copies that message into the ConfigError.
  it.effect("the private key body without BEGIN/END lines fails without echoing the key", () =>
    Effect.gen(function*() {
      for (const value of [bodyLines(kGo).join("\n"), bodyLines(kGo).join("")]) {
        const exit = yield* build(value)
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isSuccess(exit)) return
        const renderings = [Cause.pretty(exit.cause), String(Cause.squash(exit.cause))]
        for (const rendering of renderings) {
          for (const line of bodyLines(kGo)) expect(rendering).not.toContain(line)
        }
      }
    }))
})

describe("1.3.0 configuration: a service provider, a brand", () => {
  it.effect("WECHATPAY_SERVICE_PROVIDER=true puts the client in partner mode; absent, it is a direct merchant", () =>
    Effect.gen(function*() {
      const base = {
        WECHATPAY_MCHID: "1900000001",
        WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        WECHATPAY_MERCHANT_PRIVATE_KEY: kGo,
        WECHATPAY_PUBLIC_KEY_ID: keyId,
        WECHATPAY_PUBLIC_KEY: wxpPublic
      }
      const read = (env: Record<string, string>) =>
        Effect.map(WechatPay.config, (options) => options).pipe(
          Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))
        )
      expect((yield* read({ ...base, WECHATPAY_SERVICE_PROVIDER: "true" })).serviceProvider).toBe(true)
      expect((yield* read(base)).serviceProvider).toBeUndefined()
      expect((yield* read({ ...base, WECHATPAY_SERVICE_PROVIDER: "false" })).serviceProvider).toBeUndefined()
    }))

  it.effect("BrandClient.config reads the brand's variables (ids trimmed, the key kept Redacted) and builds", () =>
    Effect.gen(function*() {
      const BrandClient = yield* Effect.promise(() => import("../src/BrandClient.js"))
      const provider = ConfigProvider.layer(ConfigProvider.fromEnvRecord({
        WECHATPAY_BRAND_ID: " 1000001\n",
        WECHATPAY_BRAND_SERIAL_NUMBER: "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A",
        WECHATPAY_BRAND_PRIVATE_KEY: kGo,
        WECHATPAY_BRAND_PUBLIC_KEY_ID: keyId,
        WECHATPAY_BRAND_PUBLIC_KEY: wxpPublic,
        WECHATPAY_BRAND_API_KEY: "b7Kd2Lq9Xw3Mz5Np8Rt1Vy4Hc6Fg0Js2\n"
      }))
      const options = yield* Effect.map(BrandClient.config, (options) => options).pipe(Effect.provide(provider))
      expect(options.brandId).toBe("1000001")
      expect(Redacted.isRedacted(options.brandPrivateKey)).toBe(true)
      expect(Redacted.value(options.brandApiKey!)).toBe("b7Kd2Lq9Xw3Mz5Np8Rt1Vy4Hc6Fg0Js2")
      const stub = Layer.succeed(Transport.Transport, { send: () => Effect.die("unused") })
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(BrandClient.layerWith(options).pipe(Layer.provide(stub)))))
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it.effect("a certificate given as the brand private key is a ConfigurationError naming the brand's key, not a merchant's", () =>
    Effect.gen(function*() {
      const BrandClient = yield* Effect.promise(() => import("../src/BrandClient.js"))
      const stub = Layer.succeed(Transport.Transport, { send: () => Effect.die("unused") })
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(BrandClient.layerWith({
        brandId: "1000001",
        brandSerialNumber: "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A",
        brandPrivateKey: Redacted.make(cGoD7CE),
        wechatpayPublicKeyId: keyId,
        wechatpayPublicKey: wxpPublic
      }).pipe(Layer.provide(stub)))))
      if (Exit.isSuccess(exit)) throw new Error("built with a certificate as the key")
      const error = Cause.squash(exit.cause) as ConfigurationError
      expect(error).toMatchObject({ _tag: "ConfigurationError", option: "brandPrivateKey" })
      expect(error.message).toBe("The brand private key is a certificate; the brand API private key (apiclient_key.pem) is expected here.")
    }))

  it.effect("a brand API key of the wrong length is a ConfigurationError naming brandApiKey, without the key", () =>
    Effect.gen(function*() {
      const BrandClient = yield* Effect.promise(() => import("../src/BrandClient.js"))
      const stub = Layer.succeed(Transport.Transport, { send: () => Effect.die("unused") })
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(BrandClient.layerWith({
        brandId: "1000001",
        brandSerialNumber: "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A",
        brandPrivateKey: Redacted.make(kGo),
        wechatpayPublicKeyId: keyId,
        wechatpayPublicKey: wxpPublic,
        brandApiKey: Redacted.make("short-brand-key")
      }).pipe(Layer.provide(stub)))))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) return
      const error = Cause.squash(exit.cause) as ConfigurationError
      expect(error).toMatchObject({ _tag: "ConfigurationError", option: "brandApiKey" })
      expect(error.message).toContain("brand API key")
      expect(error.message).not.toContain("short-brand-key")
    }))
})
