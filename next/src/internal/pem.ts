/**
 * PEM handling without node:crypto: PEM → DER, PKCS#1 `RSA PRIVATE KEY` → PKCS#8 and `RSA PUBLIC KEY` → SPKI, so that
 * every crypto implementation imports one format per key kind, and the signer can tell a certificate, a public key or
 * a non-RSA key from the merchant private key.
 */

export interface Pem {
  readonly label: string
  readonly der: Uint8Array
}

/** Decode the first PEM block; `undefined` when there is none or its body is not Base64. */
export const decode = (text: string): Pem | { readonly label: string; readonly der: undefined } | undefined => {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text)
  if (match === null) {
    const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1]
    return label === undefined ? undefined : { label, der: undefined }
  }
  const body = match[2]!.replace(/\s+/g, "")
  if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    return { label: match[1]!, der: undefined }
  }
  const binary = atob(body)
  const der = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i)
  return { label: match[1]!, der }
}

const length = (n: number): Array<number> =>
  n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]

/** AlgorithmIdentifier { rsaEncryption, NULL } */
const rsaAlgorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]

/** Wrap a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo. */
export const pkcs1ToPkcs8 = (pkcs1: Uint8Array): Uint8Array => {
  const octet = [0x04, ...length(pkcs1.length)]
  const inner = [0x02, 0x01, 0x00, ...rsaAlgorithm, ...octet]
  const header = [0x30, ...length(inner.length + pkcs1.length), ...inner]
  const out = new Uint8Array(header.length + pkcs1.length)
  out.set(header, 0)
  out.set(pkcs1, header.length)
  return out
}

/** Whether a PKCS#8 PrivateKeyInfo names rsaEncryption as its algorithm (it sits within the first bytes). */
export const isRsaPkcs8 = (der: Uint8Array): boolean => {
  const oid = rsaAlgorithm.slice(4, 13)
  outer: for (let i = 0; i < Math.min(der.length - oid.length, 32); i++) {
    for (let j = 0; j < oid.length; j++) if (der[i + j] !== oid[j]) continue outer
    return true
  }
  return false
}

/** Wrap a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo. */
export const pkcs1PublicToSpki = (pkcs1: Uint8Array): Uint8Array => {
  const bits = [0x03, ...length(pkcs1.length + 1), 0x00]
  const header = [0x30, ...length(rsaAlgorithm.length + bits.length + pkcs1.length), ...rsaAlgorithm, ...bits]
  const out = new Uint8Array(header.length + pkcs1.length)
  out.set(header, 0)
  out.set(pkcs1, header.length)
  return out
}
