/**
 * Public keys for verification (the signer's private key is loaded in Signer.ts): PEM loading, the key set a
 * verifier holds (which may be replaced at run time by the platform-certificate refresher), the check of a signed
 * message against such a set, and the opening of a downloaded platform certificate. Keys are parsed once, into the
 * crypto implementation's handles (internal/crypto); messages name what is wrong with a key and never include any of
 * its text.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SignedMessage, VerifyOptions } from "../Verifier.js"
import { ResponseVerificationError } from "../WechatPayError.js"
import * as Aead from "./aead.js"
import * as Bytes from "./crypto/bytes.js"
import * as Crypto from "./crypto/index.js"
import type { Backend, PublicKey } from "./crypto/types.js"
import * as Pem from "./pem.js"
import * as Protocol from "./protocol.js"
import * as X509 from "./x509.js"

export type KeyProblem = { readonly problem: string }

/** A public key as parsed from a PEM: the key, and for a certificate what it states. */
export interface ParsedPublicKey {
  readonly key: PublicKey
  readonly certificate?: X509.Certificate | undefined
}

const notRsa = (keyType: string | undefined) => `${keyType ?? "non-RSA"}`

/**
 * Parse an RSA public key from a PEM public key (SPKI or PKCS#1) or a PEM X.509 certificate; the failure is a
 * problem to put in a sentence (no key text).
 */
export const publicKey = (
  pem: string,
  backend: Backend = Crypto.backend()
): Effect.Effect<ParsedPublicKey | KeyProblem> =>
  Effect.suspend(() => {
    const decoded = Pem.decode(pem)
    if (decoded === undefined) return Effect.succeed({ problem: "is not a PEM (no -----BEGIN … ----- line)" })
    const { der, label } = decoded
    if (label.includes("PRIVATE")) {
      return Effect.succeed({
        problem: "is a private key; the WeChat Pay public key or platform certificate is expected here"
      })
    }
    const malformed = { problem: `is a malformed ${label} PEM (its body could not be decoded)` }
    if (der === undefined) return Effect.succeed(malformed)
    let spki: Uint8Array
    let certificate: X509.Certificate | undefined
    try {
      if (label === "CERTIFICATE") {
        certificate = X509.parseDer(der)
        if (certificate.keyType !== "rsa") {
          return Effect.succeed({
            problem: `is a certificate for a ${notRsa(certificate.keyType)} key; WeChat Pay APIv3 uses RSA`
          })
        }
        spki = certificate.spki
      } else if (label === "RSA PUBLIC KEY") {
        spki = Pem.pkcs1PublicToSpki(der)
      } else if (label === "PUBLIC KEY") {
        const info = X509.parsePublicKeyInfo(der)
        if (info.keyType !== "rsa") {
          return Effect.succeed({ problem: `is a ${notRsa(info.keyType)} key; WeChat Pay APIv3 uses RSA` })
        }
        spki = info.spki
      } else {
        return Effect.succeed(malformed)
      }
    } catch {
      return Effect.succeed(malformed)
    }
    return backend.importPublicKey(spki).pipe(
      Effect.map((key): ParsedPublicKey | KeyProblem => certificate === undefined ? { key } : { key, certificate }),
      Effect.orElseSucceed(() => malformed)
    )
  })

export const isProblem = (u: unknown): u is KeyProblem =>
  typeof u === "object" && u !== null && "problem" in u && typeof (u as KeyProblem).problem === "string"

/**
 * Whether a key id names a WeChat Pay public key (`PUB_KEY_ID_…`, any case) rather than a platform certificate.
 * The one definition for the verifier, the encryptor and the certificate refresher (an unknown `PUB_KEY_ID_…` never
 * triggers a certificate download).
 */
export const isPublicKeyId = (id: string): boolean => /^PUB_KEY_ID_/i.test(id)

/** A WeChat Pay public-key id as WeChat issues it: `PUB_KEY_ID_` and digits (official examples have 34). */
export const publicKeyIdPattern = /^PUB_KEY_ID_[0-9]{1,64}$/

/** A certificate serial as configured or sent: hex. */
export const serialPattern = /^[0-9A-Fa-f]{1,64}$/

export const normaliseSerial = (serial: string): string => serial.toUpperCase()

/** Serials compare numerically (§3.7): `0C4A…` and `C4A…` are the same certificate. */
export const numericSerial = (serial: string): string => serial.toUpperCase().replace(/^0+(?=.)/, "")

/** A key a verifier holds, with the end of its validity (configured keys: never). */
export interface HeldKey {
  readonly key: PublicKey
  /** Epoch milliseconds after which the key is no longer accepted (`Infinity` for configured keys). */
  readonly notAfter: number
}

/** An immutable set of keys, looked up by `Wechatpay-Serial`. */
export interface KeySet {
  /** By the id as configured (`PUB_KEY_ID_…` exactly) or by the upper-case serial. */
  readonly exact: ReadonlyMap<string, HeldKey>
  /** By the serial without leading zeros. */
  readonly numeric: ReadonlyMap<string, HeldKey>
  /** What the set holds, for the UnknownSerial message: e.g. `configured: PUB_KEY_ID_…, 5DEA…`. */
  readonly describe: string
}

/** A key set from already parsed entries (`id` is a `PUB_KEY_ID_…` or a hex serial). */
export const keySet = (
  entries: ReadonlyArray<{ readonly id: string; readonly held: HeldKey }>,
  describe: string
): KeySet => {
  const exact = new Map<string, HeldKey>()
  const numeric = new Map<string, HeldKey>()
  for (const { held, id } of entries) {
    if (isPublicKeyId(id)) {
      exact.set(id, held)
      continue
    }
    exact.set(normaliseSerial(id), held)
    numeric.set(numericSerial(id), held)
  }
  return { exact, numeric, describe }
}

/** The held key a serial names, whether or not it has expired. */
export const lookup = (keys: KeySet, serial: string): HeldKey | undefined =>
  keys.exact.get(serial) ?? keys.exact.get(normaliseSerial(serial)) ?? keys.numeric.get(numericSerial(serial))

/** One configured key: its id, the key as a verifier holds it, and the certificate it came from (if a certificate). */
export interface ConfiguredKey {
  readonly id: string
  readonly held: HeldKey
  /** Its validity is what the encryptor goes by (a configured key is never expired for verification). */
  readonly certificate?: X509.Certificate | undefined
}

/**
 * Parse a configured key map (key id → PEM) as `Verifier`, `Encryptor` and `PlatformCertificates` options give it:
 * the one check of every configured key id (a `PUB_KEY_ID_` and digits, or a hex serial equal — numerically — to the
 * certificate's), so that no id a header could not carry is ever sent as `Wechatpay-Serial`. The failure is a
 * sentence to put in a `ConfigurationError` (no key text).
 */
export const configuredKeys = (
  publicKeys: Readonly<Record<string, string>>,
  backend: Backend = Crypto.backend()
): Effect.Effect<ReadonlyArray<ConfiguredKey> | KeyProblem> =>
  Effect.gen(function*() {
    const entries: Array<ConfiguredKey> = []
    for (const id of Object.keys(publicKeys)) {
      const parsed = yield* publicKey(publicKeys[id]!, backend)
      if (isProblem(parsed)) return { problem: `The key for "${id}" ${parsed.problem}.` }
      const certificateSerial = parsed.certificate?.serial
      if (isPublicKeyId(id)) {
        // An id with a stray space or newline (common from env files) would be sent as Wechatpay-Serial and match no
        // response: refuse it here rather than fail every call after WeChat has applied it.
        if (!publicKeyIdPattern.test(id)) {
          return { problem: `${JSON.stringify(id)} is not a WeChat Pay public-key id (PUB_KEY_ID_ followed by digits).` }
        }
      } else if (!serialPattern.test(id)) {
        return {
          problem: `${JSON.stringify(id)} is neither a WeChat Pay public-key id (PUB_KEY_ID_…) nor a hex certificate serial.`
        }
      } else if (certificateSerial !== undefined && numericSerial(certificateSerial) !== numericSerial(id)) {
        return { problem: `The certificate filed under "${id}" has serial ${certificateSerial}.` }
      }
      entries.push({ id, held: { key: parsed.key, notAfter: Number.POSITIVE_INFINITY }, certificate: parsed.certificate })
    }
    return entries
  })

/** The clock-skew window in whole seconds (default 5 minutes); `undefined` unless a finite duration. */
export const maxSkewSeconds = (input: Duration.Input | undefined): number | undefined => {
  const skew = Duration.fromInput(input ?? Duration.minutes(5))
  return Option.isSome(skew) && Duration.isFinite(skew.value) ? Duration.toSeconds(skew.value) : undefined
}

const requiredHeaders = [
  ["wechatpay-timestamp", "Wechatpay-Timestamp"],
  ["wechatpay-nonce", "Wechatpay-Nonce"],
  ["wechatpay-signature", "Wechatpay-Signature"],
  ["wechatpay-serial", "Wechatpay-Serial"]
] as const

const encoder = new TextEncoder()

/**
 * `TIMESTAMP\nNONCE\nBODY\n` over the body's own bytes: never a decoded and re-encoded copy of them. Written into one
 * buffer (UTF-8 takes at most 3 bytes per UTF-16 unit): one allocation per verification, not four.
 */
const signedBytes = (timestamp: string, nonce: string, body: Uint8Array | string): Uint8Array => {
  if (typeof body === "string") return Bytes.utf8(Protocol.responseMessage(timestamp, nonce, body))
  const head = `${timestamp}\n${nonce}\n`
  const out = new Uint8Array(head.length * 3 + body.length + 1)
  const { written } = encoder.encodeInto(head, out)
  out.set(body, written)
  out[written + body.length] = 0x0a
  return out.subarray(0, written + body.length + 1)
}

/**
 * What a verifier does when no held key matches a certificate serial: look elsewhere (download, or read the
 * certificates the message itself carries) and give the key set to try once more, or `undefined` to fail.
 */
export type OnUnknownSerial = (
  serial: string,
  message: SignedMessage,
  now: number
) => Effect.Effect<KeySet | undefined>

/**
 * The check of a signed message against the key set `keys()` returns at the time of the call: headers present,
 * timestamp a number, a held unexpired key for `Wechatpay-Serial` (else `onUnknown`, once), timestamp within the
 * window, not a probe, Base64, and a SHA256-RSA signature over the exact bytes.
 */
export const verifier = (options: {
  readonly keys: () => KeySet
  readonly maxSkewSeconds: number
  readonly onUnknown?: OnUnknownSerial | undefined
  readonly backend?: Backend | undefined
}) => {
  const { maxSkewSeconds, onUnknown } = options
  const backend = options.backend ?? Crypto.backend()
  const verifySync = backend.verifySync

  const fail = (
    message: SignedMessage,
    reason: ResponseVerificationError["reason"],
    text: string,
    extra: { readonly serial?: string; readonly skewSeconds?: number; readonly probe?: boolean } = {}
  ) =>
    Effect.fail(
      new ResponseVerificationError({
        reason,
        message: text,
        ...extra,
        ...(message.status !== undefined ? { status: message.status } : {}),
        ...(message.requestId !== undefined ? { requestId: message.requestId } : {})
      })
    )

  const unknown = (message: SignedMessage, serialHeader: string, keys: KeySet, expired: HeldKey | undefined) => {
    const shown = serialHeader.length > 64 ? `${serialHeader.slice(0, 64)}…` : serialHeader
    return fail(
      message,
      "UnknownSerial",
      expired !== undefined
        ? `The platform certificate "${shown}" expired at ${new Date(expired.notAfter).toISOString()}; it is no longer accepted.`
        : `No key for Wechatpay-Serial "${shown}" (${keys.describe}). Download the new platform certificate or public key.`,
      { serial: shown }
    )
  }

  /**
   * What can be refused without a key: a stale timestamp, WeChat's signature probe, a signature that is not Base64.
   * Checked before the key is looked up, so such a message never makes a refresher download certificates.
   */
  const precheck = (
    message: SignedMessage,
    now: number,
    maxSkew: number
  ): Effect.Effect<void, ResponseVerificationError> | undefined => {
    const h = message.headers
    const serialHeader = h["wechatpay-serial"]!
    const signature = h["wechatpay-signature"]!
    const skew = Math.abs(Math.floor(now / 1000) - Number(h["wechatpay-timestamp"]!))
    if (skew > maxSkew) {
      return fail(
        message,
        "StaleTimestamp",
        `Wechatpay-Timestamp is ${skew} s away from our clock (at most ${maxSkew} s accepted).`,
        { serial: serialHeader, skewSeconds: skew }
      )
    }
    if (signature.startsWith(Protocol.probePrefix)) {
      return fail(
        message,
        "InvalidSignature",
        "Signature probe (WECHATPAY/SIGNTEST/): WeChat checks that unverifiable responses are rejected.",
        { serial: serialHeader, probe: true }
      )
    }
    if (signature.length > 1024 || !Protocol.isBase64(signature)) {
      return fail(message, "InvalidSignature", "Wechatpay-Signature is not a Base64 signature.", { serial: serialHeader })
    }
    return undefined
  }

  const check = (message: SignedMessage, key: PublicKey): Effect.Effect<void, ResponseVerificationError> => {
    const h = message.headers
    const timestamp = h["wechatpay-timestamp"]!
    const serialHeader = h["wechatpay-serial"]!
    const signature = h["wechatpay-signature"]!
    const data = signedBytes(timestamp, h["wechatpay-nonce"]!, message.body)
    const verdict = (ok: boolean) =>
      ok ? Effect.void : fail(message, "InvalidSignature", "The signature does not match the message.", {
        serial: serialHeader
      })
    return verifySync !== undefined
      ? verdict(verifySync(key, data, signature))
      : Effect.flatMap(backend.verify(key, data, signature), verdict)
  }

  return (message: SignedMessage, verifyOptions?: VerifyOptions): Effect.Effect<void, ResponseVerificationError> => {
    const maxSkew = verifyOptions?.maxClockSkew === undefined
      ? maxSkewSeconds
      : Duration.toSeconds(verifyOptions.maxClockSkew)
    const h = message.headers
    for (const [name, display] of requiredHeaders) {
      const value = h[name]
      if (value === undefined || value === "") {
        return fail(message, "MissingHeader", `The ${display} header is missing: an unsigned response is treated as forged.`)
      }
    }
    if (!/^\d{1,12}$/.test(h["wechatpay-timestamp"]!)) {
      return fail(message, "InvalidTimestamp", "Wechatpay-Timestamp is not a number of seconds.")
    }
    const serialHeader = h["wechatpay-serial"]!
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const refused = precheck(message, now, maxSkew)
      if (refused !== undefined) return refused
      const keys = options.keys()
      const held = lookup(keys, serialHeader)
      if (held !== undefined && now <= held.notAfter) return check(message, held.key)
      if (onUnknown === undefined) return unknown(message, serialHeader, keys, held)
      return Effect.flatMap(onUnknown(serialHeader, message, now), (retry) => {
        const again = retry === undefined ? undefined : lookup(retry, serialHeader)
        return again !== undefined && now <= again.notAfter
          ? check(message, again.key)
          : unknown(message, serialHeader, retry ?? keys, again ?? held)
      })
    })
  }
}

/** Why a downloaded certificate entry was not accepted. */
export type CertificateReason =
  | "UnsupportedAlgorithm"
  | "DecryptionFailed"
  | "NotACertificate"
  | "NotRsa"
  | "SerialMismatch"
  | "NotYetValid"
  | "Expired"

/** A platform certificate, decrypted and checked; its key parsed once. */
export interface OpenedCertificate {
  /** The serial as the certificate states it (upper-case hex). */
  readonly serial: string
  /** The PEM as decrypted. */
  readonly pem: string
  readonly key: PublicKey
  /** Epoch milliseconds. */
  readonly notBefore: number
  readonly notAfter: number
}

/** The part of a `GET /v3/certificates` entry needed to open it. */
export interface SealedCertificate {
  readonly serial_no: string
  readonly encrypt_certificate: {
    readonly algorithm: string
    readonly nonce: string
    readonly associated_data?: string | undefined
    readonly ciphertext: string
  }
}

/**
 * Decrypt a downloaded certificate and check it: AEAD_AES_256_GCM under the APIv3 key's bytes (16 bytes are taken
 * too, for the SDKs' published vectors; the public layers admit 32 only), an RSA X.509 certificate, its serial equal
 * to `serial_no` (numerically), `now` within its validity. The failure's text holds no key and no certificate text.
 */
export const openCertificate = (
  key: Uint8Array,
  entry: SealedCertificate,
  now: number,
  backend: Backend = Crypto.backend()
): Effect.Effect<OpenedCertificate | { readonly reason: CertificateReason; readonly problem: string }> =>
  Effect.gen(function*() {
    const sealed = entry.encrypt_certificate
    if (sealed.algorithm !== "AEAD_AES_256_GCM") {
      return {
        reason: "UnsupportedAlgorithm",
        problem: `is encrypted with ${JSON.stringify(String(sealed.algorithm).slice(0, 40))}, not AEAD_AES_256_GCM`
      } as const
    }
    const plain = yield* Aead.decrypt(key, {
      nonce: sealed.nonce,
      associatedData: sealed.associated_data,
      ciphertext: sealed.ciphertext
    }, backend)
    if (Aead.isFailure(plain)) return { reason: "DecryptionFailed", problem: `could not be decrypted: ${plain.problem}` } as const
    const pem = Bytes.fromUtf8(plain)
    const notACertificate = { reason: "NotACertificate", problem: "does not decrypt to a PEM X.509 certificate" } as const
    let certificate: X509.Certificate
    try {
      certificate = X509.parse(pem)
    } catch {
      return notACertificate
    }
    const { notAfter, notBefore, serial } = certificate
    if (typeof entry.serial_no !== "string" || !serialPattern.test(entry.serial_no) ||
      numericSerial(entry.serial_no) !== numericSerial(serial)) {
      return { reason: "SerialMismatch", problem: `holds a certificate whose serial is ${serial}` } as const
    }
    if (certificate.keyType !== "rsa") {
      return {
        reason: "NotRsa",
        problem: `is a certificate for a ${notRsa(certificate.keyType)} key; WeChat Pay APIv3 uses RSA`
      } as const
    }
    if (now < notBefore) return { reason: "NotYetValid", problem: `is valid only from ${new Date(notBefore).toISOString()}` } as const
    if (now > notAfter) return { reason: "Expired", problem: `expired at ${new Date(notAfter).toISOString()}` } as const
    const publicKey = yield* Effect.result(backend.importPublicKey(certificate.spki))
    if (publicKey._tag === "Failure") return notACertificate
    return { serial, pem, key: publicKey.success, notBefore, notAfter }
  })

export const isOpened = (u: OpenedCertificate | { readonly reason: CertificateReason }): u is OpenedCertificate =>
  "key" in u
