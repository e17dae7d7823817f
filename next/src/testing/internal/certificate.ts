/**
 * Platform certificates minted at run time: a small DER encoder for self-signed X.509 v3 certificates
 * (sha256WithRSAEncryption), since node:crypto parses certificates but cannot make them; and the emulator's list of
 * platform certificates (the fixture one first, then each rotation), which `/v3/certificates` serves and certificate
 * mode signs with.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Fixtures from "../fixtures.js"

// ---- DER (X.690): only what a certificate needs ----

const length = (n: number): Buffer => {
  if (n < 0x80) return Buffer.of(n)
  const bytes: Array<number> = []
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, ...contents: ReadonlyArray<Uint8Array>): Buffer => {
  const body = Buffer.concat(contents)
  return Buffer.concat([Buffer.of(tag), length(body.length), body])
}

const sequence = (...items: ReadonlyArray<Uint8Array>) => tlv(0x30, ...items)
const set = (...items: ReadonlyArray<Uint8Array>) => tlv(0x31, ...items)
const octetString = (bytes: Uint8Array) => tlv(0x04, bytes)
const bitString = (bytes: Uint8Array) => tlv(0x03, Buffer.of(0), bytes)
const explicit = (n: number, item: Uint8Array) => tlv(0xa0 | n, item)
const nullValue = Buffer.of(0x05, 0x00)
const booleanTrue = Buffer.of(0x01, 0x01, 0xff)

/** A non-negative INTEGER from its big-endian magnitude: minimal, with a 0x00 when the high bit is set. */
export const unsignedInteger = (magnitude: Uint8Array): Buffer => {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const bytes = Buffer.from(magnitude.subarray(start))
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes)
}

/** An OBJECT IDENTIFIER from its dotted form (base-128 arcs after the first two). */
export const oid = (dotted: string): Buffer => {
  const arcs = dotted.split(".").map(Number)
  const bytes: Array<number> = [arcs[0]! * 40 + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const groups: Array<number> = []
    for (let rest = arc; ; rest = Math.floor(rest / 128)) {
      groups.unshift(rest % 128)
      if (rest < 128) break
    }
    bytes.push(...groups.map((group, i) => (i < groups.length - 1 ? group | 0x80 : group)))
  }
  return tlv(0x06, Buffer.from(bytes))
}

const two = (n: number) => String(n).padStart(2, "0")

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5), to the second, in UTC. */
export const time = (date: Date): Buffer => {
  const year = date.getUTCFullYear()
  const rest = two(date.getUTCMonth() + 1) + two(date.getUTCDate()) + two(date.getUTCHours()) +
    two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + "Z"
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(two(year % 100) + rest, "ascii"))
    : tlv(0x18, Buffer.from(String(year).padStart(4, "0") + rest, "ascii"))
}

const sha256WithRSAEncryption = sequence(oid("1.2.840.113549.1.1.11"), nullValue)

const name = (country: string, organization: string, commonName: string): Buffer =>
  sequence(
    set(sequence(oid("2.5.4.6"), tlv(0x13, Buffer.from(country, "ascii")))),
    set(sequence(oid("2.5.4.10"), tlv(0x0c, Buffer.from(organization, "utf8")))),
    set(sequence(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8"))))
  )

const extension = (id: string, value: Uint8Array, critical = false): Buffer =>
  critical ? sequence(oid(id), booleanTrue, octetString(value)) : sequence(oid(id), octetString(value))

/** What a certificate is minted from. */
export interface CertificateSpec {
  /** Upper-case hex, at most 20 bytes (RFC 5280), the first byte non-zero. */
  readonly serial: string
  readonly notBefore: Date
  readonly notAfter: Date
  /** The key pair the certificate is for; it also signs the certificate (self-signed). */
  readonly privateKey: crypto.KeyObject
  readonly publicKey: crypto.KeyObject
  readonly commonName?: string | undefined
}

/**
 * A self-signed X.509 v3 certificate (PEM): version 3, the given serial and validity, issuer = subject, the key's
 * SubjectPublicKeyInfo, subject and authority key identifiers (SHA-1 of the public key, RFC 5280 §4.2.1.2) and a
 * critical `cA` basic constraint (a self-signed certificate is its own issuer, as node's `checkIssued` expects),
 * signed with sha256WithRSAEncryption.
 */
export const mint = (spec: CertificateSpec): string => {
  const subject = name("CN", "effect-wechatpay emulator", spec.commonName ?? "Emulator Platform Certificate (TEST ONLY)")
  const keyId = crypto.createHash("sha1").update(spec.publicKey.export({ type: "pkcs1", format: "der" })).digest()
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.of(2))),
    unsignedInteger(Buffer.from(spec.serial, "hex")),
    sha256WithRSAEncryption,
    subject,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spec.publicKey.export({ type: "spki", format: "der" }),
    explicit(
      3,
      sequence(
        extension("2.5.29.14", octetString(keyId)),
        extension("2.5.29.35", sequence(tlv(0x80, keyId))),
        extension("2.5.29.19", sequence(booleanTrue), true)
      )
    )
  )
  const signature = crypto.sign("sha256", tbs, spec.privateKey)
  const der = sequence(tbs, sha256WithRSAEncryption, bitString(signature))
  const base64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`
}

// ---- the emulator's platform certificates ----

/** One platform certificate and its private key. */
export interface PlatformCertificate {
  /** Upper-case hex, as `Wechatpay-Serial` and `serial_no` carry it. */
  readonly serial: string
  readonly pem: string
  readonly notBefore: Date
  readonly notAfter: Date
  readonly privateKey: crypto.KeyObject
}

/** A random 20-byte serial (40 hex digits, like WeChat's), its first byte in 0x10–0x7F: positive, no leading zero. */
export const randomSerial = (): string =>
  (crypto.randomInt(0x10, 0x80).toString(16) + crypto.randomBytes(19).toString("hex")).toUpperCase()

const fiveYears = 5 * 365 * 24 * 3600 * 1000

/** The emulator's certificates: the fixture first, then one per rotation; one of them is current (signs). */
export class PlatformCertificates {
  private readonly list: Array<PlatformCertificate>

  constructor() {
    const fixture = new crypto.X509Certificate(Fixtures.certificate)
    this.list = [{
      serial: Fixtures.certificateSerial,
      pem: Fixtures.certificate,
      notBefore: new Date(fixture.validFrom),
      notAfter: new Date(fixture.validTo),
      privateKey: crypto.createPrivateKey(Fixtures.certificatePrivateKey)
    }]
  }

  private currentSerial: string = Fixtures.certificateSerial

  /** The certificate WeChat signs with now. */
  get current(): PlatformCertificate {
    return this.list.find((certificate) => certificate.serial === this.currentSerial)!
  }

  /** Sign with this certificate from now on (one already minted, expired or not). */
  use(serial: string): PlatformCertificate {
    const found = this.list.find((certificate) => certificate.serial === serial.toUpperCase())
    if (found === undefined) throw new Error(`useCertificate: no certificate ${serial}`)
    this.currentSerial = found.serial
    return found
  }

  /** Every certificate, oldest first. */
  all(): ReadonlyArray<PlatformCertificate> {
    return [...this.list]
  }

  /** Certificates not expired at `nowMillis` (what `/v3/certificates` lists, and what requests may name). */
  unexpired(nowMillis: number): ReadonlyArray<PlatformCertificate> {
    return this.list.filter((certificate) => certificate.notAfter.getTime() > nowMillis)
  }

  /** The certificate a serial names (case-insensitive), if it is not expired at `nowMillis`. */
  find(serial: string, nowMillis: number): PlatformCertificate | undefined {
    const wanted = serial.toUpperCase()
    return this.unexpired(nowMillis).find((certificate) => certificate.serial === wanted)
  }

  /** Mint a new key and certificate, and make it current unless `activate` is `false`. */
  rotate(
    options: {
      readonly serial?: string | undefined
      readonly notBefore?: Date | undefined
      readonly notAfter?: Date | undefined
      readonly activate?: boolean | undefined
    },
    nowMillis: number
  ): PlatformCertificate {
    const serial = (options.serial ?? randomSerial()).toUpperCase()
    if (!/^[0-9A-F]{2,40}$/.test(serial) || serial.length % 2 !== 0 || serial.startsWith("00")) {
      throw new Error("rotateCertificate: serial must be 1–20 bytes of upper-case hex without a leading zero byte")
    }
    if (this.list.some((certificate) => certificate.serial === serial)) {
      throw new Error(`rotateCertificate: serial ${serial} is taken`)
    }
    // Whole seconds: a certificate carries no more.
    const notBefore = new Date(Math.floor((options.notBefore?.getTime() ?? nowMillis) / 1000) * 1000)
    const notAfter = new Date(Math.floor((options.notAfter?.getTime() ?? notBefore.getTime() + fiveYears) / 1000) * 1000)
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
    const pem = mint({ serial, notBefore, notAfter, privateKey, publicKey })
    const certificate: PlatformCertificate = { serial, pem, notBefore, notAfter, privateKey }
    this.list.push(certificate)
    if (options.activate !== false) this.currentSerial = serial
    return certificate
  }
}
