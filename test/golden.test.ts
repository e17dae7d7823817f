/**
 * Golden tests: the fixed vectors of test/vectors/vectors.json (spec §8 and the §3.6 probe), each driven through
 * the public Signer / Verifier services or the shared protocol functions.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import * as Protocol from "../src/internal/protocol.js"
import * as Signer from "../src/Signer.js"
import * as Verifier from "../src/Verifier.js"
import { ResponseVerificationError } from "../src/WechatPayError.js"
import { fixture, vectorKeys } from "./vector-fixtures.js"

const { kGo, cGoF576, cGoD7CE, kJavaMch, kJavaMchCert, kJavaWxpPublic, kJavaWxpCert } = vectorKeys

interface Vectors {
  readonly "TV-1": { readonly message: string; readonly signature: string; readonly serial: string }
  readonly "TV-2": { readonly message: string; readonly signature: string }
  readonly "TV-3": {
    readonly mockSigner: { readonly algorithm: string; readonly signaturePrefix: string }
    readonly mchid: string
    readonly serial: string
    readonly ts: string
    readonly nonce: string
    readonly cases: ReadonlyArray<{
      readonly method: string
      readonly path: string
      readonly body: string
      readonly expectedHeader?: string
      readonly expectedMessage?: string
    }>
  }
  readonly "TV-4": {
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
    readonly clock: number
  }
  readonly "TV-7": { readonly message: string; readonly signature: string }
  readonly "TV-11": {
    readonly url: string
    readonly method: string
    readonly ts: string
    readonly nonce: string
    readonly mchid: string
    readonly body: string
    readonly expectedMessage: string
    readonly headerParameterOrder: ReadonlyArray<string>
  }
  readonly probeSignature: {
    readonly headerValue: string
    readonly ts: string
    readonly nonce: string
    readonly serial: string
  }
  readonly keys: {
    readonly "C-go-F576": { readonly serial: string }
    readonly "C-go-D7CE": { readonly serial: string }
    readonly "K-java-mch": { readonly serial: string }
    readonly "K-java-wxp": { readonly serial: string }
  }
}

const vectors = JSON.parse(fixture("vectors.json")) as Vectors

const serialF576 = vectors.keys["C-go-F576"].serial
const serialD7CE = vectors.keys["C-go-D7CE"].serial
const serialJavaMch = vectors.keys["K-java-mch"].serial
const serialJavaWxp = vectors.keys["K-java-wxp"].serial
const wxpPublicKeyId = "PUB_KEY_ID_0000000000000024101100397200000006"

/** Sign `message` with the in-memory RSA signer built from `pem`, through its layer. */
const signWith = (pem: string, message: string) =>
  Effect.flatMap(Signer.Signer, (signer) => signer.sign(message)).pipe(
    Effect.provide(Layer.orDie(Signer.layerRsa({ privateKey: Redacted.make(pem) })))
  )

/** Verify a message with a Verifier built through its layer. */
const verifyWith = (publicKeys: Record<string, string>, message: Verifier.SignedMessage) =>
  Effect.flatMap(Verifier.Verifier, (verifier) => verifier.verify(message)).pipe(
    Effect.provide(Layer.orDie(Verifier.layer({ publicKeys })))
  )

const headers = (ts: string, nonce: string, signature: string, serial: string) => ({
  "wechatpay-timestamp": ts,
  "wechatpay-nonce": nonce,
  "wechatpay-signature": signature,
  "wechatpay-serial": serial
})

/** A response signed by `pem` at TestClock time 1624523846, as WeChat would send it. */
const signedResponse = (pem: string, serial: string, body: string) =>
  Effect.gen(function*() {
    const ts = "1624523846"
    const nonce = "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"
    yield* TestClock.setTime(Number(ts) * 1000)
    const signature = yield* signWith(pem, Protocol.responseMessage(ts, nonce, body))
    return { headers: headers(ts, nonce, signature, serial), body } satisfies Verifier.SignedMessage
  })

describe("TV-1 sign \"source\" with K-go", () => {
  const tv1 = vectors["TV-1"]

  it.effect("the RSA signer (PKCS#8 PEM) gives exactly the TV-1 signature", () =>
    Effect.gen(function*() {
      expect(yield* signWith(kGo, tv1.message)).toBe(tv1.signature)
    }))

  it.effect("a PKCS#1 copy of the same key gives the same signature", () =>
    Effect.gen(function*() {
      const pkcs1 = crypto.createPrivateKey(kGo).export({ type: "pkcs1", format: "pem" }).toString()
      expect(pkcs1).toContain("-----BEGIN RSA PRIVATE KEY-----")
      expect(yield* signWith(pkcs1, tv1.message)).toBe(tv1.signature)
    }))

  it("the signature verifies with C-go-F576 (primitive check of the vector itself)", () => {
    const cert = new crypto.X509Certificate(cGoF576)
    expect(cert.serialNumber.toUpperCase()).toBe(tv1.serial)
    expect(crypto.verify("sha256", Buffer.from(tv1.message), cert.publicKey, Buffer.from(tv1.signature, "base64")))
      .toBe(true)
  })
})

describe("TV-2 verify with C-go-F576", () => {
  const tv2 = vectors["TV-2"]

  it("the TV-1 signature does not verify over \"wrong source\" (primitive check)", () => {
    const cert = new crypto.X509Certificate(cGoF576)
    expect(crypto.verify("sha256", Buffer.from(tv2.message), cert.publicKey, Buffer.from(tv2.signature, "base64")))
      .toBe(false)
  })

  it.effect("the Verifier holding C-go-F576 accepts a response signed with K-go by the Signer", () =>
    Effect.gen(function*() {
      const response = yield* signedResponse(kGo, serialF576, "{\"source\":\"source\"}")
      yield* verifyWith({ [serialF576]: cGoF576 }, response)
    }))

  it.effect("…and rejects it when the body is \"wrong source\"", () =>
    Effect.gen(function*() {
      const response = yield* signedResponse(kGo, serialF576, "source")
      const error = yield* Effect.flip(verifyWith({ [serialF576]: cGoF576 }, { ...response, body: "wrong source" }))
      expect(error).toBeInstanceOf(ResponseVerificationError)
      expect(error._tag).toBe("ResponseVerificationError")
      expect(error.reason).toBe("InvalidSignature")
      expect(error.serial).toBe(serialF576)
    }))

  it.effect("the raw TV-1 signature is not a valid response signature (message is ts\\nnonce\\nbody\\n)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1624523846 * 1000)
      const error = yield* Effect.flip(
        verifyWith({ [serialF576]: cGoF576 }, {
          headers: headers("1624523846", "nonce", tv2.signature, serialF576),
          body: "source"
        })
      )
      expect(error.reason).toBe("InvalidSignature")
    }))
})

describe("TV-3 Authorization assembly with a mock signer", () => {
  const tv3 = vectors["TV-3"]
  const mock = Signer.Signer.of({ sign: (message) => Effect.succeed(`${tv3.mockSigner.signaturePrefix}${message}`) })
  const scheme = `WECHATPAY2-${tv3.mockSigner.algorithm}`

  const assemble = (method: string, path: string, body: string) =>
    Effect.gen(function*() {
      const signer = yield* Signer.Signer
      const message = Protocol.requestMessage(method, path, tv3.ts, tv3.nonce, body)
      const signature = yield* signer.sign(message)
      const header = Protocol.authorization({
        scheme,
        mchid: tv3.mchid,
        nonce: tv3.nonce,
        timestamp: tv3.ts,
        serial: tv3.serial,
        signature
      })
      return { message, header }
    }).pipe(Effect.provideService(Signer.Signer, mock))

  it.effect("GET /v3/certificates, empty body → the exact header value", () =>
    Effect.gen(function*() {
      const c = tv3.cases[0]!
      expect(c.expectedHeader).toBeDefined()
      const { header, message } = yield* assemble(c.method, c.path, c.body)
      expect(message).toBe("GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n")
      expect(header).toBe(c.expectedHeader)
    }))

  it.effect("POST with a body ending in \\n still gets the terminating \\n", () =>
    Effect.gen(function*() {
      const c = tv3.cases[1]!
      expect(c.expectedMessage).toBeDefined()
      const { header, message } = yield* assemble(c.method, c.path, c.body)
      expect(message).toBe(c.expectedMessage)
      expect(header).toBe(
        `${scheme} mchid="${tv3.mchid}",nonce_str="${tv3.nonce}",timestamp="${tv3.ts}",serial_no="${tv3.serial}",` +
          `signature="Sign:${c.expectedMessage}"`
      )
    }))
})

describe("TV-4 notification signature (verification half)", () => {
  const tv4 = vectors["TV-4"]
  const lower = (h: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
  const keys = { [serialD7CE]: cGoD7CE }

  it("the vector is self-consistent with the shared response message", () => {
    const cert = new crypto.X509Certificate(cGoD7CE)
    const message = Protocol.responseMessage(
      tv4.headers["Wechatpay-Timestamp"]!,
      tv4.headers["Wechatpay-Nonce"]!,
      tv4.body
    )
    expect(
      crypto.verify("sha256", Buffer.from(message), cert.publicKey, Buffer.from(tv4.headers["Wechatpay-Signature"]!, "base64"))
    ).toBe(true)
  })

  it.effect("the Verifier with C-go-D7CE accepts the headers and body at the vector's clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(tv4.clock * 1000)
      yield* verifyWith(keys, { headers: lower(tv4.headers), body: tv4.body })
    }))

  it.effect("re-signing the message with K-go through the Signer reproduces the header signature", () =>
    Effect.gen(function*() {
      const message = Protocol.responseMessage(
        tv4.headers["Wechatpay-Timestamp"]!,
        tv4.headers["Wechatpay-Nonce"]!,
        tv4.body
      )
      expect(yield* signWith(kGo, message)).toBe(tv4.headers["Wechatpay-Signature"])
    }))

  it.effect("one changed byte in the body → InvalidSignature", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(tv4.clock * 1000)
      const tampered = tv4.body.replace("PAYSCORE.USER_OPEN_SERVICE", "PAYSCORE.USER_OPEN_SERVICF")
      expect(tampered).not.toBe(tv4.body)
      expect(Buffer.byteLength(tampered)).toBe(Buffer.byteLength(tv4.body))
      const error = yield* Effect.flip(verifyWith(keys, { headers: lower(tv4.headers), body: tampered }))
      expect(error._tag).toBe("ResponseVerificationError")
      expect(error.reason).toBe("InvalidSignature")
      expect(error.serial).toBe(serialD7CE)
    }))

  it.effect("a body with a trailing newline added → InvalidSignature (raw bytes, no normalisation)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(tv4.clock * 1000)
      const error = yield* Effect.flip(verifyWith(keys, { headers: lower(tv4.headers), body: `${tv4.body}\n` }))
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("the certificate for a different serial (C-go-F576, same key) is not used for D7CE", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(tv4.clock * 1000)
      const error = yield* Effect.flip(
        verifyWith({ [serialF576]: cGoF576 }, { headers: lower(tv4.headers), body: tv4.body })
      )
      expect(error.reason).toBe("UnknownSerial")
      expect(error.serial).toBe(serialD7CE)
    }))

  it.effect("301 s after the vector's timestamp → StaleTimestamp; 300 s after → accepted", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime((tv4.clock + 300) * 1000)
      yield* verifyWith(keys, { headers: lower(tv4.headers), body: tv4.body })
      yield* TestClock.setTime((tv4.clock + 301) * 1000)
      const error = yield* Effect.flip(verifyWith(keys, { headers: lower(tv4.headers), body: tv4.body }))
      expect(error.reason).toBe("StaleTimestamp")
      expect(error.skewSeconds).toBe(301)
    }))
})

describe("TV-7 sign \"message\" with K-java-mch", () => {
  const tv7 = vectors["TV-7"]

  it.effect("the RSA signer gives exactly the TV-7 signature", () =>
    Effect.gen(function*() {
      expect(yield* signWith(kJavaMch, tv7.message)).toBe(tv7.signature)
    }))

  it("the TV-7 signature verifies with the merchant certificate and not with K-java-wxp (primitive check)", () => {
    const data = Buffer.from(tv7.message)
    const signature = Buffer.from(tv7.signature, "base64")
    expect(crypto.verify("sha256", data, new crypto.X509Certificate(kJavaMchCert).publicKey, signature)).toBe(true)
    expect(crypto.verify("sha256", data, crypto.createPublicKey(kJavaWxpPublic), signature)).toBe(false)
  })

  it.effect("a Verifier holding K-java-wxp (public key) rejects a response signed by K-java-mch", () =>
    Effect.gen(function*() {
      const response = yield* signedResponse(kJavaMch, wxpPublicKeyId, "{\"code_url\":\"weixin://wxpay/bizpayurl\"}")
      const error = yield* Effect.flip(verifyWith({ [wxpPublicKeyId]: kJavaWxpPublic }, response))
      expect(error._tag).toBe("ResponseVerificationError")
      expect(error.reason).toBe("InvalidSignature")
      expect(error.serial).toBe(wxpPublicKeyId)
    }))

  it.effect("a Verifier holding K-java-wxp's certificate rejects it too", () =>
    Effect.gen(function*() {
      const response = yield* signedResponse(kJavaMch, serialJavaWxp, "{}")
      const error = yield* Effect.flip(verifyWith({ [serialJavaWxp]: kJavaWxpCert }, response))
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("with both keys configured, the key is chosen per message by Wechatpay-Serial", () =>
    Effect.gen(function*() {
      const keys = { [wxpPublicKeyId]: kJavaWxpPublic, [serialJavaMch]: kJavaMchCert }
      // Signed by K-java-mch, filed under its (expired) certificate: accepted, validity dates are not checked.
      yield* verifyWith(keys, yield* signedResponse(kJavaMch, serialJavaMch, "{}"))
      // The same signature presented under the public-key id: rejected.
      const error = yield* Effect.flip(verifyWith(keys, yield* signedResponse(kJavaMch, wxpPublicKeyId, "{}")))
      expect(error.reason).toBe("InvalidSignature")
    }))
})

describe("TV-11 canonical URL with query", () => {
  const tv11 = vectors["TV-11"]

  it("requestMessage over path + raw query equals the expected message", () => {
    const url = new URL(tv11.url)
    expect(Protocol.requestMessage(tv11.method, url.pathname + url.search, tv11.ts, tv11.nonce, tv11.body))
      .toBe(tv11.expectedMessage)
  })

  it("the Authorization header lists its parameters in the Go/Java order", () => {
    const header = Protocol.authorization({
      mchid: tv11.mchid,
      nonce: tv11.nonce,
      timestamp: tv11.ts,
      serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
      signature: "c2lnbmF0dXJl"
    })
    expect(header.startsWith(`${Protocol.scheme} `)).toBe(true)
    const order = [...header.slice(Protocol.scheme.length + 1).matchAll(/([a-z_]+)="/g)].map((m) => m[1])
    expect(order).toEqual(tv11.headerParameterOrder)
    const parsed = Protocol.parseAuthorization(header)
    expect(parsed?.scheme).toBe(Protocol.scheme)
    expect(parsed?.params).toEqual({
      mchid: tv11.mchid,
      nonce_str: tv11.nonce,
      timestamp: tv11.ts,
      serial_no: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
      signature: "c2lnbmF0dXJl"
    })
  })
})

describe("§3.6 signature probe", () => {
  const probe = vectors.probeSignature
  // No real key exists for the probe's serial; file one under it so that the verifier reaches the signature check.
  const keys = { [probe.serial]: kJavaWxpPublic }
  const body = "{\"data\":[],\"limit\":10,\"offset\":0,\"total_count\":0}"

  it.effect("fails with ResponseVerificationError InvalidSignature, as a typed failure (never a defect)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(probe.ts) * 1000)
      const exit = yield* Effect.exit(
        verifyWith(keys, { headers: headers(probe.ts, probe.nonce, probe.headerValue, probe.serial), body })
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) return
      expect(exit.cause.reasons.map((reason) => reason._tag)).toEqual(["Fail"])
      const error = Cause.squash(exit.cause) as ResponseVerificationError
      expect(error).toBeInstanceOf(ResponseVerificationError)
      expect(error.reason).toBe("InvalidSignature")
      expect(error.serial).toBe(probe.serial)
    }))

  it.effect("the Base64 part after the prefix, on its own, also fails as InvalidSignature", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(probe.ts) * 1000)
      const bare = probe.headerValue.slice(Protocol.probePrefix.length)
      expect(Protocol.isBase64(bare)).toBe(true)
      const error = yield* Effect.flip(
        verifyWith(keys, { headers: headers(probe.ts, probe.nonce, bare, probe.serial), body })
      )
      expect(error.reason).toBe("InvalidSignature")
    }))

  it.effect("with a key filed under a different serial, the probe is still refused as the probe (before any key lookup)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Number(probe.ts) * 1000)
      const error = yield* Effect.flip(
        verifyWith({ [serialD7CE]: cGoD7CE }, { headers: headers(probe.ts, probe.nonce, probe.headerValue, probe.serial), body })
      )
      expect(error.reason).toBe("InvalidSignature")
      expect(error.probe).toBe(true)
      expect(error.serial).toBe(probe.serial)
    }))
})
