/**
 * A small DER reader for what the client needs from an X.509 certificate and a SubjectPublicKeyInfo: the serial, the
 * validity, the key's algorithm and its SPKI bytes (RFC 5280 §4.1). No signature or chain checks: a configured
 * certificate is trusted because the merchant configured it, a downloaded one because it decrypted under the APIv3
 * key — as with node:crypto's `X509Certificate`, which this replaces so that no runtime needs node:crypto for it.
 */
import * as Bytes from "./crypto/bytes.js"
import * as Pem from "./pem.js"

interface Tlv {
  readonly tag: number
  /** Offset of the first byte of the element (its tag). */
  readonly start: number
  /** Offset of the first content byte. */
  readonly body: number
  /** Offset just past the element. */
  readonly end: number
}

const malformed = (what: string): never => {
  throw new Error(`malformed DER: ${what}`)
}

/** The element at `offset`, which must end by `limit`. Definite lengths only (DER). */
const read = (der: Uint8Array, offset: number, limit: number): Tlv => {
  if (offset + 2 > limit) malformed("truncated header")
  const tag = der[offset]!
  if ((tag & 0x1f) === 0x1f) malformed("multi-byte tag")
  let length = der[offset + 1]!
  let body = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4) malformed("unsupported length")
    if (body + count > limit) malformed("truncated length")
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + der[body + i]!
    body += count
  }
  const end = body + length
  if (end > limit) malformed("element runs past its parent")
  return { tag, start: offset, body, end }
}

/** The children of a constructed element. */
const children = (der: Uint8Array, parent: Tlv): Array<Tlv> => {
  const out: Array<Tlv> = []
  for (let offset = parent.body; offset < parent.end;) {
    const child = read(der, offset, parent.end)
    out.push(child)
    offset = child.end
  }
  return out
}

const expect = (tlv: Tlv | undefined, tag: number, what: string): Tlv =>
  tlv !== undefined && tlv.tag === tag ? tlv : malformed(`${what} expected`)

const SEQUENCE = 0x30

/** Dotted OID text from an OBJECT IDENTIFIER's content. */
const oid = (der: Uint8Array, tlv: Tlv): string => {
  const parts: Array<number> = []
  let value = 0
  for (let i = tlv.body; i < tlv.end; i++) {
    value = value * 128 + (der[i]! & 0x7f)
    if ((der[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else parts.push(value)
      value = 0
    }
  }
  return parts.join(".")
}

/** Key algorithms by OID, named as node:crypto's `asymmetricKeyType` names them (for the same messages). */
const keyTypes: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.1": "rsa",
  "1.2.840.113549.1.1.10": "rsa-pss",
  "1.2.840.10040.4.1": "dsa",
  "1.2.840.10045.2.1": "ec",
  "1.2.840.113549.1.3.1": "dh",
  "1.3.101.110": "x25519",
  "1.3.101.111": "x448",
  "1.3.101.112": "ed25519",
  "1.3.101.113": "ed448"
}

/** What a SubjectPublicKeyInfo holds. */
export interface PublicKeyInfo {
  /** `rsa`, `ec`, `ed25519` …, or `undefined` for an algorithm not listed. */
  readonly keyType: string | undefined
  /** The whole SubjectPublicKeyInfo, DER. */
  readonly spki: Uint8Array
}

const publicKeyInfo = (der: Uint8Array, tlv: Tlv): PublicKeyInfo => {
  const [algorithm, key] = children(der, expect(tlv, SEQUENCE, "SubjectPublicKeyInfo"))
  const algorithmOid = expect(children(der, expect(algorithm, SEQUENCE, "AlgorithmIdentifier"))[0], 0x06, "algorithm OID")
  expect(key, 0x03, "subjectPublicKey BIT STRING")
  return { keyType: keyTypes[oid(der, algorithmOid)], spki: der.slice(tlv.start, tlv.end) }
}

/** Parse a DER SubjectPublicKeyInfo; throws when it is not one. */
export const parsePublicKeyInfo = (der: Uint8Array): PublicKeyInfo => {
  const top = read(der, 0, der.length)
  if (top.end !== der.length) malformed("trailing bytes")
  return publicKeyInfo(der, top)
}

const digits = (text: string, from: number, count: number): number => {
  const part = text.slice(from, from + count)
  if (!/^[0-9]+$/.test(part) || part.length !== count) malformed("time")
  return Number(part)
}

/** UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) → epoch milliseconds. */
const time = (der: Uint8Array, tlv: Tlv | undefined): number => {
  if (tlv === undefined || (tlv.tag !== 0x17 && tlv.tag !== 0x18)) return malformed("time expected")
  let text = ""
  for (let i = tlv.body; i < tlv.end; i++) text += String.fromCharCode(der[i]!)
  const utc = tlv.tag === 0x17
  const yearDigits = utc ? 2 : 4
  if (text.length !== yearDigits + 11 || !text.endsWith("Z")) malformed("time is not in DER form")
  let year = digits(text, 0, yearDigits)
  if (utc) year += year < 50 ? 2000 : 1900
  const at = (i: number) => digits(text, yearDigits + i * 2, 2)
  return Date.UTC(year, at(0) - 1, at(1), at(2), at(3), at(4))
}

/** What the client reads from a certificate. */
export interface Certificate extends PublicKeyInfo {
  /** The serial number, upper-case hex without leading zero bytes (as node:crypto's `serialNumber`). */
  readonly serial: string
  /** Start and end of validity, epoch milliseconds. */
  readonly notBefore: number
  readonly notAfter: number
}

/** Parse a DER X.509 certificate; throws when it is not one. */
export const parseDer = (der: Uint8Array): Certificate => {
  const certificate = read(der, 0, der.length)
  if (certificate.end !== der.length) malformed("trailing bytes")
  const [tbs, signatureAlgorithm, signature] = children(der, expect(certificate, SEQUENCE, "Certificate"))
  expect(signatureAlgorithm, SEQUENCE, "signatureAlgorithm")
  expect(signature, 0x03, "signature BIT STRING")
  const fields = children(der, expect(tbs, SEQUENCE, "TBSCertificate"))
  // version [0] EXPLICIT is absent from v1 certificates
  const at = fields[0]?.tag === 0xa0 ? 1 : 0
  const serial = expect(fields[at], 0x02, "serialNumber")
  expect(fields[at + 1], SEQUENCE, "signature AlgorithmIdentifier")
  expect(fields[at + 2], SEQUENCE, "issuer")
  const [notBefore, notAfter] = children(der, expect(fields[at + 3], SEQUENCE, "validity"))
  expect(fields[at + 4], SEQUENCE, "subject")
  let first = serial.body
  while (first < serial.end - 1 && der[first] === 0) first++
  return {
    serial: Bytes.toHex(der.subarray(first, serial.end)),
    notBefore: time(der, notBefore),
    notAfter: time(der, notAfter),
    ...publicKeyInfo(der, expect(fields[at + 5], SEQUENCE, "subjectPublicKeyInfo"))
  }
}

/** Parse a PEM X.509 certificate; throws when the text is not one. */
export const parse = (pem: string): Certificate => {
  const decoded = Pem.decode(pem)
  if (decoded === undefined || decoded.label !== "CERTIFICATE" || decoded.der === undefined) {
    return malformed("not a PEM certificate")
  }
  return parseDer(decoded.der)
}
