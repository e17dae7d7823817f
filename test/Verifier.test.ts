import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/testing/TestClock"
import * as Protocol from "../src/internal/protocol.js"
import * as Verifier from "../src/Verifier.js"
import { ResponseVerificationError } from "../src/WechatPayError.js"

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
const now = 1_700_000_000
const nonce = "d824f2e086d3c1df967785d13fcd22ef"
const body = "{\"code_url\":\"weixin://wxpay/bizpayurl?pr=JyC91EIz1\"}"

const sign = (pem: string, ts: string, n: string, b: string): string =>
  crypto.sign("sha256", Buffer.from(Protocol.responseMessage(ts, n, b), "utf8"), pem).toString("base64")

type Headers = Record<string, string | undefined>

/** A response correctly signed by the generated key at `ts` (default: the test clock time). */
const signed = (
  options: { readonly ts?: number; readonly serial?: string; readonly body?: string; readonly key?: string } = {}
): { headers: Headers; body: string } => {
  const ts = String(options.ts ?? now)
  const b = options.body ?? body
  return {
    headers: {
      "wechatpay-timestamp": ts,
      "wechatpay-nonce": nonce,
      "wechatpay-signature": sign(options.key ?? privateKey, ts, nonce, b),
      "wechatpay-serial": options.serial ?? keyId,
      "wechatpay-signature-type": Protocol.scheme
    },
    body: b
  }
}

const verify = (message: Verifier.SignedMessage, options: Partial<Verifier.Options> = {}) =>
  Effect.gen(function*() {
    const verifier = yield* Verifier.Verifier
    return yield* verifier.verify(message)
  }).pipe(Effect.provide(Layer.orDie(Verifier.layer({ publicKeys: { [keyId]: publicKey }, ...options }))))

/** Verify at the test clock `now`; fail the test unless a ResponseVerificationError comes back. */
const rejected = (message: Verifier.SignedMessage, options: Partial<Verifier.Options> = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now * 1000)
    const error = yield* Effect.flip(verify(message, options))
    expect(error).toBeInstanceOf(ResponseVerificationError)
    expect(error._tag).toBe("ResponseVerificationError")
    expect(error.category).toBe("integrity")
    return error
  })

const accepted = (message: Verifier.SignedMessage, options: Partial<Verifier.Options> = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now * 1000)
    yield* verify(message, options)
  })

describe("Verifier (public-key mode)", () => {
  it.effect("accepts a correctly signed, fresh response", () => accepted(signed()))

  it.effect("accepts an empty body (204: ts\\nnonce\\n\\n)", () => accepted(signed({ body: "" })))

  it.effect("accepts a header serial in another letter case (pub_key_id_…)", () => {
    const message = signed()
    return accepted({ ...message, headers: { ...message.headers, "wechatpay-serial": keyId.toLowerCase() } })
  })

  it.effect("tampered body → InvalidSignature, with serial, status and requestId copied into the error", () =>
    Effect.gen(function*() {
      const message = signed()
      const error = yield* rejected({
        ...message,
        body: message.body.replace("JyC91EIz1", "JyC91EIz2"),
        status: 200,
        requestId: "08F4C1A5A10610A4BFDE8E0518BA8B4A2B-0"
      })
      expect(error.reason).toBe("InvalidSignature")
      expect(error.serial).toBe(keyId)
      expect(error.status).toBe(200)
      expect(error.requestId).toBe("08F4C1A5A10610A4BFDE8E0518BA8B4A2B-0")
      expect(error.skewSeconds).toBeUndefined()
    }))

  it.effect("tampered nonce → InvalidSignature", () =>
    Effect.gen(function*() {
      const message = signed()
      const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-nonce": "x".repeat(32) } })
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("tampered signature (valid Base64 of 256 bytes, one bit flipped) → InvalidSignature", () =>
    Effect.gen(function*() {
      const message = signed()
      const bytes = Buffer.from(message.headers["wechatpay-signature"]!, "base64")
      bytes[10] = bytes[10]! ^ 0x01
      const tampered = bytes.toString("base64")
      expect(Protocol.isBase64(tampered)).toBe(true)
      const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-signature": tampered } })
      expect(error.reason).toBe("InvalidSignature")
      expect(error.serial).toBe(keyId)
    }))

  it.effect("valid Base64 of the wrong length (\"AAAA\") → InvalidSignature", () =>
    Effect.gen(function*() {
      const message = signed()
      const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-signature": "AAAA" } })
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("signature by another key → InvalidSignature", () =>
    Effect.gen(function*() {
      const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
        .export({ type: "pkcs8", format: "pem" }).toString()
      const error = yield* rejected(signed({ key: other }))
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("a WECHATPAY/SIGNTEST/ probe signature → InvalidSignature (typed failure, not a defect)", () =>
    Effect.gen(function*() {
      const message = signed()
      const probe = `${Protocol.probePrefix}${message.headers["wechatpay-signature"]!}`
      yield* TestClock.setTime(now * 1000)
      const exit = yield* Effect.exit(verify({ ...message, headers: { ...message.headers, "wechatpay-signature": probe } }))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-signature": probe } })
      expect(error.reason).toBe("InvalidSignature")
      expect(error.message).toContain("WECHATPAY/SIGNTEST/")
      expect(error.serial).toBe(keyId)
    }))

  it.effect("a 5000-char garbage signature → InvalidSignature", () =>
    Effect.gen(function*() {
      const message = signed()
      const garbage = "!@#$%^&*()_+{}|:<>?~`-=[]\\;',./\"é漢字".repeat(200).slice(0, 5000)
      expect(garbage.length).toBe(5000)
      const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-signature": garbage } })
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("a 5000-char signature that is valid Base64 → InvalidSignature", () =>
    Effect.gen(function*() {
      const message = signed()
      const error = yield* rejected({
        ...message,
        headers: { ...message.headers, "wechatpay-signature": "A".repeat(5000) }
      })
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("a signature with line breaks (MIME Base64) → InvalidSignature", () =>
    Effect.gen(function*() {
      const message = signed()
      const sig = message.headers["wechatpay-signature"]!
      const wrapped = `${sig.slice(0, 76)}\n${sig.slice(76)}`
      const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-signature": wrapped } })
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("unknown serial → UnknownSerial; the message and the serial field name the received serial", () =>
    Effect.gen(function*() {
      const unknown = "PUB_KEY_ID_0114232019042900000000000000000999"
      const error = yield* rejected(signed({ serial: unknown }))
      expect(error.reason).toBe("UnknownSerial")
      expect(error.serial).toBe(unknown)
      expect(error.message).toContain(unknown)
      expect(error.message).toContain(keyId)
    }))

  it.effect("an over-long unknown serial is cut in the error (64 chars + …)", () =>
    Effect.gen(function*() {
      const unknown = "A".repeat(200)
      const error = yield* rejected(signed({ serial: unknown }))
      expect(error.reason).toBe("UnknownSerial")
      expect(error.serial).toBe(`${"A".repeat(64)}…`)
      expect(error.message).not.toContain("A".repeat(65))
    }))

  describe("timestamp skew (TestClock)", () => {
    it.effect("301 s old → StaleTimestamp with skewSeconds 301", () =>
      Effect.gen(function*() {
        const error = yield* rejected(signed({ ts: now - 301 }))
        expect(error.reason).toBe("StaleTimestamp")
        expect(error.skewSeconds).toBe(301)
        expect(error.serial).toBe(keyId)
        expect(error.message).toContain("301")
      }))

    it.effect("300 s old → accepted", () => accepted(signed({ ts: now - 300 })))

    it.effect("300 s in the future → accepted", () => accepted(signed({ ts: now + 300 })))

    it.effect("301 s in the future → StaleTimestamp with skewSeconds 301", () =>
      Effect.gen(function*() {
        const error = yield* rejected(signed({ ts: now + 301 }))
        expect(error.reason).toBe("StaleTimestamp")
        expect(error.skewSeconds).toBe(301)
      }))

    it.effect("advancing the clock turns an accepted response into a stale one", () =>
      Effect.gen(function*() {
        const message = signed()
        yield* TestClock.setTime(now * 1000)
        yield* verify(message)
        yield* TestClock.adjust(Duration.seconds(301))
        const error = yield* Effect.flip(verify(message))
        expect(error.reason).toBe("StaleTimestamp")
        expect(error.skewSeconds).toBe(301)
      }))

    it.effect("maxClockSkew is configurable: 60 s accepts 60, rejects 61", () =>
      Effect.gen(function*() {
        yield* accepted(signed({ ts: now - 60 }), { maxClockSkew: Duration.seconds(60) })
        const error = yield* rejected(signed({ ts: now - 61 }), { maxClockSkew: Duration.seconds(60) })
        expect(error.reason).toBe("StaleTimestamp")
        expect(error.skewSeconds).toBe(61)
      }))

    it.effect("a timestamp in milliseconds is rejected, never accepted", () =>
      Effect.gen(function*() {
        const error = yield* rejected(signed({ ts: now * 1000 }))
        expect(["InvalidTimestamp", "StaleTimestamp"]).toContain(error.reason)
      }))
  })

  describe("missing headers", () => {
    const cases = [
      ["wechatpay-timestamp", "Wechatpay-Timestamp"],
      ["wechatpay-nonce", "Wechatpay-Nonce"],
      ["wechatpay-signature", "Wechatpay-Signature"],
      ["wechatpay-serial", "Wechatpay-Serial"]
    ] as const
    for (const [name, display] of cases) {
      it.effect(`no ${display} → MissingHeader naming it`, () =>
        Effect.gen(function*() {
          const message = signed()
          const { [name]: _removed, ...rest } = message.headers
          const error = yield* rejected({ ...message, headers: rest, status: 200 })
          expect(error.reason).toBe("MissingHeader")
          expect(error.message).toContain(display)
          expect(error.status).toBe(200)
        }))

      it.effect(`empty ${display} → MissingHeader naming it`, () =>
        Effect.gen(function*() {
          const message = signed()
          const error = yield* rejected({ ...message, headers: { ...message.headers, [name]: "" } })
          expect(error.reason).toBe("MissingHeader")
          expect(error.message).toContain(display)
        }))
    }

    it.effect("no headers at all → MissingHeader", () =>
      Effect.gen(function*() {
        const error = yield* rejected({ headers: {}, body })
        expect(error.reason).toBe("MissingHeader")
      }))
  })

  for (const bad of ["abc", "1700000000.5", "-1700000000", " 1700000000", "1e9", "0x6553F100"]) {
    it.effect(`non-numeric timestamp ${JSON.stringify(bad)} → InvalidTimestamp`, () =>
      Effect.gen(function*() {
        const message = signed()
        const error = yield* rejected({ ...message, headers: { ...message.headers, "wechatpay-timestamp": bad } })
        expect(error.reason).toBe("InvalidTimestamp")
        expect(error.message).toContain("Wechatpay-Timestamp")
      }))
  }
})

describe("Verifier (certificate mode)", () => {
  const fixture = (name: string): string => readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")
  const kGo = fixture("k-go.private.pem")
  const cGoD7CE = fixture("c-go-D7CE.cert.pem")
  const serialD7CE = "D7CE59D1F522D701"
  /**
   * A self-signed certificate for the K-go public key whose serial has a leading zero nibble
   * (0C4AEF34B89340881BB2B25226393DC2E47F094B, the serial style of wechatpay-go's own test certificate).
   * Made with `openssl req -x509 -new -key test/vectors/k-go.private.pem -set_serial 0x0C4A…`.
   */
  const leadingZeroCert = `-----BEGIN CERTIFICATE-----
MIIDSzCCAjOgAwIBAgIUDErvNLiTQIgbsrJSJjk9wuR/CUswDQYJKoZIhvcNAQEL
BQAwNDEyMDAGA1UEAwwpZWZmZWN0LXdlY2hhdHBheSBsZWFkaW5nLXplcm8gc2Vy
aWFsIHRlc3QwIBcNMjYxMTI1MjE1MDU1WhgPMjEyNjExMDEyMTUwNTVaMDQxMjAw
BgNVBAMMKWVmZmVjdC13ZWNoYXRwYXkgbGVhZGluZy16ZXJvIHNlcmlhbCB0ZXN0
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2VCTd91fnUn73Xy9DLvt
/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXagHQ4vGeZN0yqm++rDsGK+
U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOmDeJf2vg6byms9RUipiq4
SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B834uxl1zNLYQCrkdBzb8oU
xwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGfy8wus7hwKz6clt3Whmmd
a7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtkaSef4FdEEgEXJiw0VAJT
8wIDAQABo1MwUTAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZumNUJv1R5PwwHwYDVR0j
BBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDwYDVR0TAQH/BAUwAwEB/zANBgkq
hkiG9w0BAQsFAAOCAQEAzPdzz9SY7LGLhjHyOtwVZeHvrMWJGIWr7ciQAGnZWTIE
p0n8I52YU8BwxcPIr+Q6XH6oU9UlNG576VMTI3YHjLzEG5Cw8Nj+Jj5glmHYxKZM
IYOH8SMgwcpLLdyiPcEvF66XxTY7XNavugde/AR0AZS5haQAzMe3lsTmWvvbBa7p
ErEUq1QhqH28dKwpXkEzpedoFoiyICdbnbtJuCGFuYyPf5eN2u23Rii6NG2wcF28
2pu8HrOF441psXvL47Y+zGJoR3c46zmPUq8k78v5bBRta4OskFOPHYR3U2unltpo
vuNIu4QembF/lBiSdt28U/oWXLUT+pWW5yhr+ReiEQ==
-----END CERTIFICATE-----
`
  const leadingZeroSerial = "0C4AEF34B89340881BB2B25226393DC2E47F094B"

  /**
   * A self-signed Ed25519 certificate (not RSA). Made with `openssl genpkey -algorithm ed25519` +
   * `openssl req -x509 -set_serial 0x5678`.
   */
  const ed25519Cert = `-----BEGIN CERTIFICATE-----
MIIBMjCB5aADAgECAgJWeDAFBgMrZXAwFzEVMBMGA1UEAwwMZWQyNTUxOSB0ZXN0
MCAXDTI2MTEyNTIxNTA1OVoYDzIxMjYxMTAxMjE1MDU5WjAXMRUwEwYDVQQDDAxl
ZDI1NTE5IHRlc3QwKjAFBgMrZXADIQBaqGGm03udkRhFOvW3W5a58y8sa7LvOz76
DfwWrp/c/6NTMFEwHQYDVR0OBBYEFBX3HbdUyOcYlM8fVNlJFJzeP8jpMB8GA1Ud
IwQYMBaAFBX3HbdUyOcYlM8fVNlJFJzeP8jpMA8GA1UdEwEB/wQFMAMBAf8wBQYD
K2VwA0EA8Hg4lx2LugXAMqFaCfXwCHmopSLPwndNCnOpUIAr16hkl+XyZuU5W+Ga
LMr1O0CWM+wZ1XpiSu27yiOjW4/NCQ==
-----END CERTIFICATE-----
`

  const verifyWith = (publicKeys: Record<string, string>, message: Verifier.SignedMessage) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const verifier = yield* Effect.orDie(Verifier.make({ publicKeys }))
      return yield* verifier.verify(message)
    })

  const byGo = (serial: string) => signed({ serial, key: kGo })

  it("the inline leading-zero certificate really has that serial", () => {
    expect(new crypto.X509Certificate(leadingZeroCert).serialNumber.toUpperCase()).toBe(leadingZeroSerial)
  })

  it.effect("a certificate PEM filed under its serial verifies a response carrying that serial", () =>
    verifyWith({ [serialD7CE]: cGoD7CE }, byGo(serialD7CE)))

  it.effect("lookup is case-insensitive: lower-case header, upper-case key", () =>
    verifyWith({ [serialD7CE]: cGoD7CE }, byGo(serialD7CE.toLowerCase())))

  it.effect("lookup is case-insensitive: upper-case header, lower-case key", () =>
    verifyWith({ [serialD7CE.toLowerCase()]: cGoD7CE }, byGo(serialD7CE)))

  it.effect("header without the leading zero finds the certificate filed with it", () =>
    verifyWith({ [leadingZeroSerial]: leadingZeroCert }, byGo(leadingZeroSerial.slice(1))))

  it.effect("header with the leading zero finds the certificate filed without it", () =>
    verifyWith({ [leadingZeroSerial.slice(1)]: leadingZeroCert }, byGo(leadingZeroSerial)))

  it.effect("header without the leading zero, lower case, still found", () =>
    verifyWith({ [leadingZeroSerial]: leadingZeroCert }, byGo(leadingZeroSerial.slice(1).toLowerCase())))

  it.effect("a public key PEM may be filed under a certificate serial", () =>
    verifyWith({ [serialD7CE]: crypto.createPublicKey(kGo).export({ type: "spki", format: "pem" }).toString() }, byGo(serialD7CE)))

  it.effect("a different serial is not matched by the numeric fallback", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(verifyWith({ [serialD7CE]: cGoD7CE }, byGo(`1${serialD7CE}`)))
      expect(error.reason).toBe("UnknownSerial")
      expect(error.serial).toBe(`1${serialD7CE}`)
    }))

  it.effect("certificates and a public key side by side: each message picks its own key", () =>
    Effect.gen(function*() {
      const keys = { [serialD7CE]: cGoD7CE, [keyId]: publicKey }
      yield* verifyWith(keys, byGo(serialD7CE))
      yield* verifyWith(keys, signed())
      // K-go's signature under the public-key id is checked against the generated key, and fails.
      const error = yield* Effect.flip(verifyWith(keys, byGo(keyId)))
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("serial is the PUB_KEY_ID when one is configured (also next to certificates)", () =>
    Effect.gen(function*() {
      expect((yield* Verifier.make({ publicKeys: { [keyId]: publicKey } })).serial).toBe(keyId)
      expect((yield* Verifier.make({ publicKeys: { [serialD7CE]: cGoD7CE, [keyId]: publicKey } })).serial).toBe(keyId)
    }))

  it.effect("serial is undefined when only certificates are configured", () =>
    Effect.gen(function*() {
      const verifier = yield* Verifier.make({ publicKeys: { [serialD7CE]: cGoD7CE, [leadingZeroSerial]: leadingZeroCert } })
      expect(verifier.serial).toBeUndefined()
    }))

  // BUG: Keys.publicKey only checks `asymmetricKeyType === "rsa"` for bare public keys, not for certificates, so an
  // Ed25519 certificate is accepted; verify then calls crypto.verify("sha256", …, ed25519Key, …), which throws
  // ERR_OSSL_INVALID_DIGEST inside Effect.flatMap → a defect instead of a typed failure.
  it.effect("a non-RSA (Ed25519) certificate is refused at build time, or at least never makes verify die", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const built = yield* Effect.exit(Verifier.make({ publicKeys: { "5678": ed25519Cert } }))
      if (Exit.isFailure(built)) return // refused at build time: fine
      const exit = yield* Effect.exit(built.value.verify(byGo("5678")))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        // Must be a typed ResponseVerificationError, not a defect.
        expect(exit.cause.reasons.map((reason) => reason._tag)).toEqual(["Fail"])
        expect(Cause.squash(exit.cause)).toBeInstanceOf(ResponseVerificationError)
      }
    }))
})
