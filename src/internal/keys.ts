/**
 * Public-key loading for the verifier (the signer's private key is loaded in Signer.ts). Keys are parsed once,
 * here, into `KeyObject`s; error messages name what is wrong with a key and never include any of its text.
 */
import * as crypto from "node:crypto"

const pemLabel = (pem: string): string | undefined => /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1]

export type KeyProblem = { readonly problem: string }

/** Parse an RSA public key from a PEM public key (SPKI or PKCS#1) or a PEM X.509 certificate. */
export const publicKey = (
  pem: string
): { readonly key: crypto.KeyObject; readonly certificateSerial?: string } | KeyProblem => {
  const label = pemLabel(pem)
  if (label === undefined) return { problem: "is not a PEM (no -----BEGIN … ----- line)" }
  if (label.includes("PRIVATE")) {
    return { problem: "is a private key; the WeChat Pay public key or platform certificate is expected here" }
  }
  try {
    if (label === "CERTIFICATE") {
      const cert = new crypto.X509Certificate(pem)
      if (cert.publicKey.asymmetricKeyType !== "rsa") {
        return { problem: `is a certificate for a ${cert.publicKey.asymmetricKeyType ?? "non-RSA"} key; WeChat Pay APIv3 uses RSA` }
      }
      return { key: cert.publicKey, certificateSerial: cert.serialNumber.toUpperCase() }
    }
    const key = crypto.createPublicKey({ key: pem, format: "pem" })
    if (key.asymmetricKeyType !== "rsa") {
      return { problem: `is a ${key.asymmetricKeyType ?? "non-RSA"} key; WeChat Pay APIv3 uses RSA` }
    }
    return { key }
  } catch {
    return { problem: `is a malformed ${label} PEM (its body could not be decoded)` }
  }
}

export const isProblem = (u: unknown): u is KeyProblem =>
  typeof u === "object" && u !== null && "problem" in u && typeof (u as KeyProblem).problem === "string"
