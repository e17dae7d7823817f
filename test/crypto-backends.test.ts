/**
 * The golden vectors (spec §8) through BOTH crypto implementations of src/internal/crypto: node:crypto (`node.ts`,
 * chosen on Node, Bun and Deno) and WebCrypto (`web.ts`, chosen on workerd, with or without nodejs_compat), each
 * built directly here; the same vectors, the same expectations. Then the two against each other (one signs, the other
 * verifies; OAEP by one, decrypted by node:crypto itself), and the DER reader (src/internal/x509.ts) against
 * node:crypto's X509Certificate for every certificate under test/vectors and for emulator-minted ones.
 */
import * as crypto from "node:crypto"
import { readdirSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as TestClock from "effect/testing/TestClock"
import * as Aead from "../src/internal/aead.js"
import * as Bytes from "../src/internal/crypto/bytes.js"
import * as Selected from "../src/internal/crypto/index.js"
import * as NodeBackend from "../src/internal/crypto/node.js"
import type { Backend } from "../src/internal/crypto/types.js"
import * as WebBackend from "../src/internal/crypto/web.js"
import * as Keys from "../src/internal/keys.js"
import * as Pem from "../src/internal/pem.js"
import * as Protocol from "../src/internal/protocol.js"
import * as X509 from "../src/internal/x509.js"
import { Emulator } from "../src/testing/index.js"
import { fixture, vectorKeys } from "./vector-fixtures.js"

const { kGo, cGoF576, cGoD7CE, kJavaMch, kJavaMchCert, kJavaWxpPublic } = vectorKeys

const vectors = JSON.parse(fixture("vectors.json"))
const aead = JSON.parse(fixture("aead.json"))
const certificates = JSON.parse(fixture("certificates.json"))

const backends: ReadonlyArray<Backend> = [NodeBackend.make(crypto), WebBackend.make(globalThis.crypto)]

const pkcs8 = (pem: string): Uint8Array => {
  const decoded = Pem.decode(pem)
  if (decoded?.der === undefined) throw new Error("fixture is not a PEM")
  return decoded.label === "RSA PRIVATE KEY" ? Pem.pkcs1ToPkcs8(decoded.der) : decoded.der
}

const publicKey = (backend: Backend, pem: string) =>
  Effect.flatMap(Keys.publicKey(pem, backend), (parsed) =>
    Keys.isProblem(parsed) ? Effect.die(new Error(parsed.problem)) : Effect.succeed(parsed))

it("on Node the selected implementation is node:crypto (the thread-pool signer)", () => {
  expect(Selected.backend().name).toBe("node")
})

for (const backend of backends) {
  describe(`${backend.name} implementation`, () => {
    it.effect("TV-1: K-go signs \"source\" to the published signature, which C-go-F576 verifies", () =>
      Effect.gen(function*() {
        const tv = vectors["TV-1"]
        const key = yield* backend.importPrivateKey(pkcs8(kGo))
        expect(yield* backend.sign(key, tv.message)).toBe(tv.signature)
        const { key: certKey } = yield* publicKey(backend, cGoF576)
        expect(yield* backend.verify(certKey, Bytes.utf8(tv.message), tv.signature)).toBe(true)
      }))

    it.effect("TV-2: the same signature does not verify over another message", () =>
      Effect.gen(function*() {
        const tv = vectors["TV-2"]
        const { key } = yield* publicKey(backend, cGoF576)
        expect(yield* backend.verify(key, Bytes.utf8(tv.message), tv.signature)).toBe(false)
      }))

    it.effect("TV-7: K-java-mch's signature verifies with its certificate, never with K-java-wxp", () =>
      Effect.gen(function*() {
        const tv = vectors["TV-7"]
        const key = yield* backend.importPrivateKey(pkcs8(kJavaMch))
        expect(yield* backend.sign(key, tv.message)).toBe(tv.signature)
        const mch = yield* publicKey(backend, kJavaMchCert)
        const wxp = yield* publicKey(backend, kJavaWxpPublic)
        expect(yield* backend.verify(mch.key, Bytes.utf8(tv.message), tv.signature)).toBe(true)
        expect(yield* backend.verify(wxp.key, Bytes.utf8(tv.message), tv.signature)).toBe(false)
      }))

    it.effect("TV-4: the notification verifies with C-go-D7CE and its resource decrypts (16-byte key)", () =>
      Effect.gen(function*() {
        const tv = vectors["TV-4"]
        yield* TestClock.setTime(tv.clock * 1000)
        const entries = yield* Keys.configuredKeys({ D7CE59D1F522D701: cGoD7CE }, backend)
        if (Keys.isProblem(entries)) throw new Error(entries.problem)
        const verify = Keys.verifier({ keys: () => Keys.keySet(entries, "configured"), maxSkewSeconds: 300, backend })
        const headers = Object.fromEntries(Object.entries(tv.headers).map(([k, v]) => [k.toLowerCase(), v as string]))
        yield* verify({ headers, body: tv.body })
        const tampered = yield* Effect.flip(verify({ headers, body: `${tv.body} ` }))
        expect(tampered.reason).toBe("InvalidSignature")
        const resource = JSON.parse(tv.body).resource
        const plain = yield* Aead.decrypt(Aead.keyBytes(tv.apiV3Key), {
          nonce: resource.nonce,
          associatedData: resource.associated_data,
          ciphertext: resource.ciphertext
        }, backend)
        if (Aead.isFailure(plain)) throw new Error(plain.problem)
        expect(Bytes.fromUtf8(plain)).toBe(tv.expectedPlaintext)
      }))

    it.effect("TV-5 (AES-128-GCM), TV-9 (AES-256-GCM) and TV-12 (16-byte IV): both directions, and refusals", () =>
      Effect.gen(function*() {
        const cases = [
          { ...aead["TV-5"] },
          { ...vectors["TV-9"] },
          ...aead["TV-12"].cases.map((c: object) => ({ ...c, key: aead["TV-12"].key, nonce: aead["TV-12"].nonce }))
        ]
        for (const tv of cases) {
          const key = Aead.keyBytes(tv.key)
          const sealed = { nonce: tv.nonce, associatedData: tv.associatedData, ciphertext: tv.ciphertext }
          const plain = yield* Aead.decrypt(key, sealed, backend)
          if (Aead.isFailure(plain)) throw new Error(plain.problem)
          expect(Bytes.fromUtf8(plain)).toBe(tv.plaintext)
          expect(yield* Aead.encrypt(key, tv.nonce, tv.associatedData, Bytes.utf8(tv.plaintext), backend)).toBe(tv.ciphertext)
          const wrongAad = yield* Aead.decrypt(key, { ...sealed, associatedData: `${tv.associatedData}x` }, backend)
          expect(Aead.isFailure(wrongAad) && wrongAad.problem).toMatch(/authentication failed/)
          const wrongNonce = yield* Aead.decrypt(key, { ...sealed, nonce: `${tv.nonce}x` }, backend)
          expect(Aead.isFailure(wrongNonce) && wrongNonce.problem).toMatch(/authentication failed/)
        }
        const tv5 = aead["TV-5"]
        const wrongKey = yield* Aead.decrypt(Aead.keyBytes(tv5.negative.wrongKey), tv5, backend)
        expect(Aead.isFailure(wrongKey) && wrongKey.problem).toMatch(/wrong APIv3 key/)
        const zeros = Bytes.toBase64(new Uint8Array(vectors["TV-9"].negative.zeroCiphertextBytes))
        const zeroed = yield* Aead.decrypt(Aead.keyBytes(vectors["TV-9"].key), { ...vectors["TV-9"], ciphertext: zeros }, backend)
        expect(Aead.isFailure(zeroed)).toBe(true)
      }))

    it.effect("TV-6 and TV-10: the downloaded certificates open, with serial and validity as node:crypto reads them", () =>
      Effect.gen(function*() {
        for (const name of ["TV-6", "TV-10"] as const) {
          const tv = certificates[name]
          for (const entry of tv.response.data) {
            const opened = yield* Keys.openCertificate(Aead.keyBytes(tv.apiV3Key), entry, Date.parse("2026-12-01T00:00:00Z"), backend)
            if (!Keys.isOpened(opened)) throw new Error(`${name} did not open: ${opened.problem}`)
            const x509 = new crypto.X509Certificate(opened.pem)
            expect(opened.serial).toBe(x509.serialNumber.toUpperCase())
            expect(Keys.numericSerial(opened.serial)).toBe(Keys.numericSerial(entry.serial_no))
            expect(opened.notBefore).toBe(Date.parse(x509.validFrom))
            expect(opened.notAfter).toBe(Date.parse(x509.validTo))
          }
        }
        const tv6 = certificates["TV-6"]
        const opened = yield* Keys.openCertificate(Aead.keyBytes(tv6.apiV3Key), tv6.response.data[0], Date.parse("2026-12-01T00:00:00Z"), backend)
        if (!Keys.isOpened(opened)) throw new Error(opened.problem)
        expect(`${opened.pem}\n`).toBe(fixture(tv6.plaintextFile))
        const refused = yield* Keys.openCertificate(Aead.keyBytes("mockAPIv3Key1235"), tv6.response.data[0], 0, backend)
        expect(Keys.isOpened(refused) ? undefined : refused.reason).toBe("DecryptionFailed")
      }))

    it.effect("TV-8: OAEP (SHA-1) under K-java-mch's certificate, decrypted by node:crypto with its private key", () =>
      Effect.gen(function*() {
        const { key } = yield* publicKey(backend, kJavaMchCert)
        expect(key.modulusBits).toBe(2048)
        for (const text of ["plaintext", "13800138000", "中文 ✓", "x".repeat(214)]) {
          const sealed = yield* backend.oaepEncrypt(key, Bytes.utf8(text))
          const opened = crypto.privateDecrypt(
            { key: kJavaMch, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
            sealed
          )
          expect(opened.toString("utf8")).toBe(text)
        }
        // One byte over RSA-2048's OAEP/SHA-1 limit (k − 42 = 214) is refused, never truncated.
        expect(Result.isFailure(yield* Effect.result(backend.oaepEncrypt(key, new Uint8Array(215))))).toBe(true)
        // The vector itself, as a check of the fixture pair.
        const tv = vectors["TV-8"]
        const decrypted = crypto.privateDecrypt(
          { key: kJavaMch, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
          Buffer.from(tv.ciphertext, "base64")
        )
        expect(decrypted.toString("utf8")).toBe(tv.plaintext)
      }))

    it.effect("keys: a public key refused as a private one, a damaged private key refused, no non-RSA key held", () =>
      Effect.gen(function*() {
        const spki = crypto.createPublicKey(kGo).export({ type: "spki", format: "der" })
        expect(yield* Effect.flip(backend.importPrivateKey(new Uint8Array(spki)))).toBe("Malformed")
        // The public exponent changed from 65537 to 65539: the key parses, and signs what its public half rejects.
        const der = new Uint8Array(crypto.createPrivateKey(kGo).export({ type: "pkcs8", format: "der" }))
        const exponent = [0x02, 0x03, 0x01, 0x00, 0x01]
        const at = der.findIndex((_, i) => exponent.every((b, j) => der[i + j] === b))
        der[at + 4] = 0x03
        const damaged = yield* Effect.result(backend.importPrivateKey(der))
        expect(Result.isFailure(damaged)).toBe(true)
        const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey
          .export({ type: "spki", format: "pem" }).toString()
        expect(yield* Keys.publicKey(ec, backend)).toEqual({ problem: "is a ec key; WeChat Pay APIv3 uses RSA" })
        const pkcs1 = crypto.createPublicKey(kGo).export({ type: "pkcs1", format: "pem" }).toString()
        const parsed = yield* publicKey(backend, pkcs1)
        const signature = crypto.sign("sha256", Buffer.from("pkcs1"), kGo).toString("base64")
        expect(yield* backend.verify(parsed.key, Bytes.utf8("pkcs1"), signature)).toBe(true)
      }))

    it.effect("SHA-256 (the image upload's meta digest): the FIPS 180-2 examples, one and two padding blocks", () =>
      Effect.gen(function*() {
        const hex = (text: string) => Effect.map(backend.sha256(Bytes.utf8(text)), Bytes.toLowerHex)
        expect(yield* hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        expect(yield* hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the length no longer fits the first block, so the padding takes a second one.
        expect(yield* hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
          .toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        expect(yield* hex("a".repeat(1_000_000))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // A view digests its own bytes, not its buffer's from the start.
        const buffer = crypto.randomBytes(200)
        const view = new Uint8Array(buffer.buffer, buffer.byteOffset + 13, 100)
        expect(Bytes.toLowerHex(yield* backend.sha256(view))).toBe(crypto.createHash("sha256").update(view).digest("hex"))
      }))
  })
}

describe("node:crypto and WebCrypto against each other", () => {
  const [node, web] = backends as [Backend, Backend]
  const messages = ["", "source", "GET\n/v3/certificates\n1624523846\nA1B2\n\n", "中文 body ✓\n".repeat(50)]

  it.effect("one signs, the other verifies (and node:crypto's own verify agrees); a one-byte change fails", () =>
    Effect.gen(function*() {
      for (const [signer, verifier] of [[web, node], [node, web]] as const) {
        const key = yield* signer.importPrivateKey(pkcs8(kGo))
        const { key: certKey } = yield* publicKey(verifier, cGoD7CE)
        for (const message of messages) {
          const signature = yield* signer.sign(key, message)
          expect(Protocol.isBase64(signature)).toBe(true)
          expect(yield* verifier.verify(certKey, Bytes.utf8(message), signature)).toBe(true)
          expect(yield* verifier.verify(certKey, Bytes.utf8(`${message}.`), signature)).toBe(false)
          expect(crypto.verify("sha256", Buffer.from(message), cGoD7CE, Buffer.from(signature, "base64"))).toBe(true)
        }
      }
    }))

  it.effect("AES-GCM: what one seals the other opens (32-byte key, 12-character nonce)", () =>
    Effect.gen(function*() {
      const key = Aead.keyBytes("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")
      for (const [sealer, opener] of [[web, node], [node, web]] as const) {
        const sealed = yield* Aead.encrypt(key, "fdasflkja484", "membercard", Bytes.utf8("{\"openid\":\"o\"}"), sealer)
        const plain = yield* Aead.decrypt(key, { nonce: "fdasflkja484", associatedData: "membercard", ciphertext: sealed }, opener)
        expect(Aead.isFailure(plain) ? plain.problem : Bytes.fromUtf8(plain)).toBe("{\"openid\":\"o\"}")
      }
    }))
})

describe("the DER reader (src/internal/x509.ts) against node:crypto's X509Certificate", () => {
  const same = (pem: string) => {
    const node = new crypto.X509Certificate(pem)
    const ours = X509.parse(pem)
    expect(ours.serial).toBe(node.serialNumber.toUpperCase())
    expect(ours.notBefore).toBe(Date.parse(node.validFrom))
    expect(ours.notAfter).toBe(Date.parse(node.validTo))
    expect(ours.keyType).toBe(node.publicKey.asymmetricKeyType)
    expect(Buffer.from(ours.spki)).toEqual(node.publicKey.export({ type: "spki", format: "der" }))
  }

  it("every certificate under test/vectors", () => {
    const pems = readdirSync(new URL("./vectors/", import.meta.url))
      .filter((name) => name.endsWith(".cert.pem"))
      .map(fixture)
    expect(pems.length).toBeGreaterThanOrEqual(9)
    pems.forEach(same)
  })

  it("emulator-minted certificates: the UTCTime/GeneralizedTime edge, high-bit, one-byte and leading-zero serials", () => {
    const emulator = new Emulator.EmulatorState()
    const minted = [
      emulator.rotateCertificate({
        serial: "7F00A1B2C3D4E5F60718293A4B5C6D7E8F901234",
        notBefore: new Date("2049-12-31T23:59:59Z"),
        notAfter: new Date("2050-01-01T00:00:00Z")
      }),
      emulator.rotateCertificate({ serial: "FF" }),
      emulator.rotateCertificate({ serial: "01" }),
      emulator.rotateCertificate({ serial: "0B2E00000000000000000000000000000000000B" }),
      emulator.rotateCertificate({ notBefore: new Date("1950-01-01T00:00:00Z"), notAfter: new Date("9999-12-31T23:59:59Z") }),
      emulator.rotateCertificate(),
      ...emulator.certificates()
    ]
    for (const { pem } of minted) same(pem)
  })

  it("refuses what is not a certificate, without echoing it", () => {
    const der = Pem.decode(cGoD7CE)!.der!
    const cut = `-----BEGIN CERTIFICATE-----\n${Bytes.toBase64(der.subarray(0, der.length - 10))}\n-----END CERTIFICATE-----\n`
    expect(() => X509.parse(cut)).toThrow(/^malformed DER/)
    expect(() => X509.parse(kJavaWxpPublic)).toThrow(/not a PEM certificate/)
    expect(() => X509.parseDer(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toThrow(/malformed DER/)
  })
})
