import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Aead from "../src/internal/aead.js"

const vectors = JSON.parse(readFileSync(new URL("./vectors/vectors.json", import.meta.url), "utf8"))
const aead = JSON.parse(readFileSync(new URL("./vectors/aead.json", import.meta.url), "utf8"))

// The module's operations are Effects (WebCrypto's are asynchronous); node:crypto's run synchronously inside them.
const decrypt = (...args: Parameters<typeof Aead.decrypt>) => Effect.runSync(Aead.decrypt(...args))
const encrypt = (...args: Parameters<typeof Aead.encrypt>) => Effect.runSync(Aead.encrypt(...args))

const text = (out: Uint8Array | Aead.Failure): string => {
  if (Aead.isFailure(out)) throw new Error(`decryption failed: ${out.problem}`)
  return Buffer.from(out).toString("utf8")
}

/** A failure whose words carry neither the key nor anything of the plaintext. */
const refused = (out: Uint8Array | Aead.Failure, key: string, problem: RegExp) => {
  expect(out).not.toBeInstanceOf(Uint8Array)
  expect(Aead.isFailure(out)).toBe(true)
  const failure = out as Aead.Failure
  expect(failure.problem).toMatch(problem)
  expect(JSON.stringify(failure)).not.toContain(key)
}

describe("AEAD_AES_256_GCM (src/internal/aead.ts)", () => {
  describe("TV-5 (wechatpay-go, 16-byte key: AES-128-GCM)", () => {
    const tv = aead["TV-5"]
    const sealed = { nonce: tv.nonce, associatedData: tv.associatedData, ciphertext: tv.ciphertext }

    it("decrypts to the published plaintext", () => {
      expect(text(decrypt(Aead.keyBytes(tv.key), sealed))).toBe(tv.plaintext)
    })

    it("encrypts the plaintext back to the published ciphertext", () => {
      expect(encrypt(Aead.keyBytes(tv.key), tv.nonce, tv.associatedData, Buffer.from(tv.plaintext))).toBe(tv.ciphertext)
    })

    it("refuses a ciphertext that is not sealed with the key (12 bytes: shorter than a tag)", () => {
      refused(
        decrypt(Aead.keyBytes(tv.key), { ...sealed, ciphertext: tv.negative.ciphertext }),
        tv.key,
        /shorter than its authentication tag/
      )
    })

    it("refuses the wrong key", () => {
      refused(decrypt(Aead.keyBytes(tv.negative.wrongKey), sealed), tv.negative.wrongKey, /wrong APIv3 key/)
    })

    it("refuses a key of neither 16 nor 32 bytes", () => {
      refused(decrypt(Aead.keyBytes(tv.negative.invalidKey), sealed), tv.negative.invalidKey, /neither 16 nor 32/)
      expect(() => encrypt(Aead.keyBytes(tv.negative.invalidKey), tv.nonce, "", Buffer.from("x"))).toThrow()
    })
  })

  describe("TV-9 (wechatpay-java, 32-byte key)", () => {
    const tv = vectors["TV-9"]
    const key = Aead.keyBytes(tv.key)
    const sealed = { nonce: tv.nonce, associatedData: tv.associatedData, ciphertext: tv.ciphertext }

    it("is a 32-byte key used as its own UTF-8 bytes", () => {
      expect(key.length).toBe(32)
      expect(Buffer.from(key).toString("utf8")).toBe(tv.key)
    })

    it("decrypts and encrypts both ways", () => {
      expect(text(decrypt(key, sealed))).toBe(tv.plaintext)
      expect(encrypt(key, tv.nonce, tv.associatedData, Buffer.from(tv.plaintext))).toBe(tv.ciphertext)
    })

    it("refuses another associated data", () => {
      refused(decrypt(key, { ...sealed, associatedData: tv.negative.associatedData }), tv.key, /authentication failed/)
    })

    it("refuses an absent associated data when one was sealed in", () => {
      refused(decrypt(key, { nonce: tv.nonce, ciphertext: tv.ciphertext }), tv.key, /authentication failed/)
    })

    it("refuses another nonce", () => {
      refused(decrypt(key, { ...sealed, nonce: tv.negative.nonce }), tv.key, /authentication failed/)
    })

    it("refuses 128 zero bytes as ciphertext", () => {
      const zeros = Buffer.alloc(tv.negative.zeroCiphertextBytes).toString("base64")
      refused(decrypt(key, { ...sealed, ciphertext: zeros }), tv.key, /authentication failed/)
    })

    it("refuses every single-bit change of ciphertext or tag (no partial plaintext)", () => {
      const bytes = Buffer.from(tv.ciphertext, "base64")
      for (let i = 0; i < bytes.length; i++) {
        const flipped = Buffer.from(bytes)
        flipped[i] = flipped[i]! ^ 0x01
        refused(decrypt(key, { ...sealed, ciphertext: flipped.toString("base64") }), tv.key, /authentication failed/)
      }
    })

    it("refuses a missing nonce, non-Base64 data and data shorter than the tag", () => {
      refused(decrypt(key, { ...sealed, nonce: "" }), tv.key, /nonce is missing/)
      refused(decrypt(key, { ...sealed, ciphertext: "not base64!" }), tv.key, /not Base64/)
      // 15 bytes: one short of the 16-byte tag.
      refused(decrypt(key, { ...sealed, ciphertext: Buffer.alloc(15).toString("base64") }), tv.key, /shorter than/)
    })
  })

  describe("TV-12 (wechatpay-axios-plugin, 32-byte key, 16-byte IV)", () => {
    const tv = aead["TV-12"]
    const key = Aead.keyBytes(tv.key)

    it("decrypts and encrypts each case both ways", () => {
      for (const c of tv.cases) {
        expect(text(decrypt(key, { nonce: tv.nonce, associatedData: c.associatedData, ciphertext: c.ciphertext })))
          .toBe(c.plaintext)
        expect(encrypt(key, tv.nonce, c.associatedData, Buffer.from(c.plaintext))).toBe(c.ciphertext)
      }
    })

    it("accepts exactly a tag (16 bytes: empty plaintext), with an absent associated data read as empty", () => {
      const empty = tv.cases[1]
      expect(Buffer.from(empty.ciphertext, "base64").length).toBe(16)
      expect(text(decrypt(key, { nonce: tv.nonce, ciphertext: empty.ciphertext }))).toBe("")
    })

    it("refuses the first case with the second case's associated data", () => {
      refused(
        decrypt(key, { nonce: tv.nonce, associatedData: "", ciphertext: tv.cases[0].ciphertext }),
        tv.key,
        /authentication failed/
      )
    })
  })
})
