/**
 * Sensitive request fields (a member's phone number): RSAES-OAEP with SHA-1 and MGF1-SHA-1, empty label, Base64 —
 * under the WeChat Pay public key when one is configured, else the newest platform certificate valid at the time of
 * the encryption (never an expired one). The id of that key
 * goes out as `Wechatpay-Serial` with the request, so WeChat knows which private key to decrypt with.
 *
 * A service of its own: a KMS, an HSM or a test provides another layer for the same Tag.
 *
 * @since 0.3.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Bytes from "./internal/crypto/bytes.js"
import * as Crypto from "./internal/crypto/index.js"
import type { PublicKey } from "./internal/crypto/types.js"
import * as Keys from "./internal/keys.js"
import { ConfigurationError, SigningError } from "./WechatPayError.js"

/**
 * @since 0.3.0
 * @category models
 */
export interface Service {
  /** The key id sent as `Wechatpay-Serial` with a request carrying a field encrypted by this service. */
  readonly serial: string
  /** The most UTF-8 bytes one plaintext may have (214 for RSA-2048 with OAEP/SHA-1). */
  readonly maxPlaintextBytes: number
  /** Encrypt; the plaintext never leaves `Redacted` except into the cipher. */
  readonly encrypt: (plaintext: Redacted.Redacted<string>) => Effect.Effect<string, SigningError>
  /**
   * Encrypt and say under which key id, in one step: for an encryptor whose key can change while it runs (certificate
   * mode follows WeChat's certificate rotation), so that the `Wechatpay-Serial` sent always names the key used. When
   * absent, `encrypt` and then `serial` are used.
   *
   * @since 0.4.0
   */
  readonly encryptWithSerial?: (
    plaintext: Redacted.Redacted<string>
  ) => Effect.Effect<{ readonly ciphertext: string; readonly serial: string }, SigningError>
}

/**
 * @since 0.3.0
 * @category tags
 */
export class Encryptor extends Context.Service<Encryptor, Service>()("effect-wechatpay/Encryptor") {}

/** RSA-OAEP with SHA-1: a k-byte modulus holds at most k − 2·20 − 2 bytes. */
const oaepLimit = (key: PublicKey): number => (key.modulusBits >> 3) - 42

/** A key the encryptor may use, and when (a public key, or a bare key filed under a serial: always). */
interface Candidate {
  readonly serial: string
  readonly key: PublicKey
  readonly notBefore: number
  readonly notAfter: number
}

/**
 * The id sent as `Wechatpay-Serial`: WeChat matches it as WeChat spells it, although the key map compares serials as
 * numbers (a certificate filed under `0…` or lower-case hex is accepted). So a certificate's own serial (upper-case
 * hex as the certificate states it, leading `0` nibble kept — as WeChat prints it), never the configured spelling,
 * which WeChat refuses (400 PARAM_ERROR) after the ciphertext has gone out; a `PUB_KEY_ID_…` as configured (checked
 * exact); a bare key filed under a hex serial has nothing to spell it by but the id: upper case.
 */
const wireSerial = (id: string, certificateSerial: string | undefined): string =>
  Keys.isPublicKeyId(id) ? id : certificateSerial ?? Keys.normaliseSerial(id)

const iso = (millis: number): string => new Date(millis).toISOString()

/** Why no candidate can be used at `now`: each serial with its expiry or start, never any key text. */
const noValidKey = (candidates: ReadonlyArray<Candidate>, now: number): SigningError =>
  new SigningError({
    message: `No configured platform certificate is valid at ${iso(now)}: ${
      candidates.map(({ notAfter, notBefore, serial }) =>
        now > notAfter ? `"${serial}" expired at ${iso(notAfter)}` : `"${serial}" is valid only from ${iso(notBefore)}`
      ).join(", ")
    }. A sensitive field is never encrypted under such a certificate: configure the current one, or the WeChat Pay public key.`
  })

/**
 * The encryptor for a key map as `WechatPay` options give it (`PUB_KEY_ID_…` → public key PEM, certificate serial →
 * certificate PEM), checked exactly as `WechatPay.layer` checks it (a malformed id, or a certificate filed under
 * another serial, is a `ConfigurationError`: no such id is ever sent as `Wechatpay-Serial`). A certificate filed under
 * another spelling of its serial (lower case, leading zeros) is accepted, and its `Wechatpay-Serial` is the
 * certificate's own serial in WeChat's spelling (since 0.6.0; 0.5.0 sent the configured spelling, which WeChat
 * refuses). It encrypts under the public key when there is one, else under the certificate with the latest start of
 * validity among those valid at the time of the encryption (WeChat: "use the certificate with the latest effective
 * time"): never under an expired or not yet valid one — then it fails with a `SigningError` naming each certificate's
 * serial and expiry or start. Parsed once. Fails with `ConfigurationError` when no key can encrypt.
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: {
  readonly publicKeys: Readonly<Record<string, string>>
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.gen(function*() {
    const backend = Crypto.backend()
    const entries = yield* Keys.configuredKeys(options.publicKeys, backend)
    if (Keys.isProblem(entries)) {
      return yield* Effect.fail(new ConfigurationError({ option: "publicKeys", message: entries.problem }))
    }
    const publicKey = entries.find(({ id }) => Keys.isPublicKeyId(id))
    const candidates: ReadonlyArray<Candidate> = (publicKey === undefined ? entries : [publicKey]).map(
      ({ certificate, held, id }) => ({
        serial: wireSerial(id, certificate?.serial),
        key: held.key,
        notBefore: certificate?.notBefore ?? Number.NEGATIVE_INFINITY,
        notAfter: certificate?.notAfter ?? Number.POSITIVE_INFINITY
      })
    )
    if (candidates.length === 0) {
      return yield* Effect.fail(
        new ConfigurationError({
          option: "publicKeys",
          message: "No WeChat Pay public key or platform certificate configured: sensitive fields could not be encrypted."
        })
      )
    }
    /** The latest to start among the keys valid at `now` (the first listed on a tie). */
    const valid = (now: number): Candidate | undefined => {
      let best: Candidate | undefined
      for (const candidate of candidates) {
        if (now < candidate.notBefore || now > candidate.notAfter) continue
        if (best === undefined || candidate.notBefore > best.notBefore) best = candidate
      }
      return best
    }
    // Until the first encryption, `serial` names the key valid when the layer was built (or the latest to start).
    let last = valid(yield* Clock.currentTimeMillis) ??
      candidates.reduce((best, candidate) => candidate.notBefore > best.notBefore ? candidate : best)
    const encryptWithSerial = (plaintext: Redacted.Redacted<string>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const chosen = valid(now)
        if (chosen === undefined) return Effect.fail(noValidKey(candidates, now))
        last = chosen
        return Effect.suspend(() => backend.oaepEncrypt(chosen.key, Bytes.utf8(Redacted.value(plaintext)))).pipe(
          Effect.map((cipher) => ({ ciphertext: Bytes.toBase64(cipher), serial: chosen.serial })),
          // Never the plaintext, nor anything derived from it (a defect, e.g. no Redacted given, included).
          Effect.catchCause(() =>
            Effect.fail(new SigningError({ message: "RSA-OAEP encryption of a sensitive field failed" }))
          )
        )
      })
    return {
      get serial() {
        return last.serial
      },
      // The bound of the smallest key that may be chosen, so a value checked against it fits whichever is chosen.
      maxPlaintextBytes: Math.min(...candidates.map(({ key }) => oaepLimit(key))),
      encrypt: (plaintext) => Effect.map(encryptWithSerial(plaintext), ({ ciphertext }) => ciphertext),
      encryptWithSerial
    } satisfies Service
  })

/**
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: {
  readonly publicKeys: Readonly<Record<string, string>>
}): Layer.Layer<Encryptor, ConfigurationError> => Layer.effect(Encryptor, make(options))
