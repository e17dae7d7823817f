/**
 * Survivors of the Stryker run on the protocol core (MUTATE_SCOPE=core-protocol) that a user would meet: each key that
 * is not the merchant's RSA private key is refused with the message naming what it is, before anything is signed; an
 * infinite clock skew is refused by the verifier; the in-memory signer says it signs locally.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Signer from "../src/Signer.js"
import * as Verifier from "../src/Verifier.js"

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})

/** The body of a PEM under another label. */
const relabel = (pem: string, label: string) => pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, `-----$1 ${label}-----`)

const refusal = (pem: string) =>
  Effect.map(Effect.flip(Signer.makeRsa({ privateKey: Redacted.make(pem) })), (error) => {
    expect(error).toMatchObject({ _tag: "ConfigurationError", option: "privateKey" })
    expect(String(error.message)).not.toContain(pem.split("\n")[1]!.slice(0, 16))
    return error.message
  })

describe("the merchant private key, refused for what it is", () => {
  it.effect("an RSA PUBLIC KEY (PKCS#1) PEM: a public key", () =>
    Effect.gen(function*() {
      expect(yield* refusal(relabel(publicKey, "RSA PUBLIC KEY"))).toBe(
        "The merchant private key is a public key; the merchant API private key is expected here."
      )
    }))

  it.effect("a PEM of another type (EC PRIVATE KEY): named, with what is expected", () =>
    Effect.gen(function*() {
      expect(yield* refusal(relabel(privateKey, "EC PRIVATE KEY"))).toBe(
        "The merchant private key is a PEM of type \"EC PRIVATE KEY\"; a PKCS#8 or PKCS#1 RSA private key is expected."
      )
    }))

  it.effect("a PRIVATE KEY PEM whose body is not Base64: malformed, not imported", () =>
    Effect.gen(function*() {
      const broken = "-----BEGIN PRIVATE KEY-----\nMIIE%%%%notbase64%%%%\n-----END PRIVATE KEY-----\n"
      expect(yield* refusal(broken)).toBe("The merchant private key is a malformed PRIVATE KEY PEM (its body is not Base64).")
    }))

  it.effect("the merchant's own key is accepted, and the signer says it signs in this process", () =>
    Effect.gen(function*() {
      const signer = yield* Signer.makeRsa({ privateKey: Redacted.make(privateKey) })
      expect(signer.local).toBe(true)
      const signature = yield* signer.sign("GET\n/v3/x\n1\nn\n\n")
      expect(crypto.verify("sha256", Buffer.from("GET\n/v3/x\n1\nn\n\n"), publicKey, Buffer.from(signature, "base64")))
        .toBe(true)
    }))
})

describe("the verifier's clock skew", () => {
  it.effect("an infinite maxClockSkew is refused, naming the option", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Verifier.make({ publicKeys: { PUB_KEY_ID_0000000000000000000000000000000001: publicKey }, maxClockSkew: Duration.infinity })
      )
      expect(error).toMatchObject({
        _tag: "ConfigurationError",
        option: "maxClockSkew",
        message: "maxClockSkew must be a finite duration."
      })
    }))
})
