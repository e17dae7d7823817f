/**
 * Verifies what WeChat Pay signs — 2xx responses and notifications — against the WeChat Pay public key or the
 * platform certificates, chosen per message by `Wechatpay-Serial`. Both kinds may be configured at once (the
 * certificate → public-key migration sends both).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Keys from "./internal/keys.js"
import * as Protocol from "./internal/protocol.js"
import { ConfigurationError, ResponseVerificationError } from "./WechatPayError.js"

/**
 * The signed parts of a response or notification. Header names are lower case (as `@effect/platform` `Headers`
 * are); `body` is the raw body exactly as received.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignedMessage {
  readonly headers: { readonly [name: string]: string | undefined }
  /** The body exactly as received: the bytes, or (for a notification read as text) the string. */
  readonly body: Uint8Array | string
  /** Copied into the error, for support. */
  readonly requestId?: string | undefined
  readonly status?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * The WeChat Pay public-key id (`PUB_KEY_ID_…`) to send as `Wechatpay-Serial` on requests, so that WeChat signs
   * the response with that key; `undefined` when only platform certificates are configured.
   */
  readonly serial: string | undefined
  /**
   * Fail with `ResponseVerificationError` unless the message is fresh and correctly signed by a known key.
   * `options.maxClockSkew` replaces the configured window for this message (notifications use their own).
   */
  readonly verify: (message: SignedMessage, options?: VerifyOptions) => Effect.Effect<void, ResponseVerificationError>
}

/**
 * @since 0.4.0
 * @category models
 */
export interface VerifyOptions {
  /** Largest accepted distance between `Wechatpay-Timestamp` and our clock, for this message. */
  readonly maxClockSkew?: Duration.Duration | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Verifier extends Context.Tag("effect-wechatpay/Verifier")<Verifier, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Key id → PEM. A key id is a WeChat Pay public-key id (`PUB_KEY_ID_…`, value: the PEM public key) or a platform
   * certificate serial (value: the PEM certificate, or its public key).
   */
  readonly publicKeys: Readonly<Record<string, string>>
  /** Largest accepted distance between `Wechatpay-Timestamp` and our clock. Default 5 minutes (300 s accepted). */
  readonly maxClockSkew?: Duration.DurationInput | undefined
}

/** A WeChat Pay public-key id as WeChat issues it: `PUB_KEY_ID_` and digits (official examples have 34). */
const publicKeyIdPattern = /^PUB_KEY_ID_[0-9]{1,64}$/
const isPublicKeyId = (id: string): boolean => /^PUB_KEY_ID_/i.test(id)
const normaliseSerial = (serial: string): string => serial.toUpperCase()
const numericSerial = (serial: string): string => serial.toUpperCase().replace(/^0+(?=.)/, "")

const requiredHeaders = [
  ["wechatpay-timestamp", "Wechatpay-Timestamp"],
  ["wechatpay-nonce", "Wechatpay-Nonce"],
  ["wechatpay-signature", "Wechatpay-Signature"],
  ["wechatpay-serial", "Wechatpay-Serial"]
] as const

/** `TIMESTAMP\nNONCE\nBODY\n` over the body's own bytes: never a decoded and re-encoded copy of them. */
const signedBytes = (timestamp: string, nonce: string, body: Uint8Array | string): Uint8Array =>
  typeof body === "string"
    ? Buffer.from(Protocol.responseMessage(timestamp, nonce, body), "utf8")
    : Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, "utf8"), body, newline])

const newline = Buffer.from("\n", "utf8")

/**
 * Build a verifier. Keys are parsed here, once. Fails with `ConfigurationError` on an empty map, an unreadable PEM,
 * a private key where a public one belongs, or a certificate whose serial is not the one it is filed under.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigurationError> =>
  Effect.suspend(() => {
    const ids = Object.keys(options.publicKeys)
    if (ids.length === 0) {
      return Effect.fail(
        new ConfigurationError({
          option: "publicKeys",
          message: "No WeChat Pay public key or platform certificate configured: responses could not be verified."
        })
      )
    }
    const exact = new Map<string, crypto.KeyObject>()
    const numeric = new Map<string, crypto.KeyObject>()
    for (const id of ids) {
      const parsed = Keys.publicKey(options.publicKeys[id]!)
      if (Keys.isProblem(parsed)) {
        return Effect.fail(new ConfigurationError({ option: "publicKeys", message: `The key for "${id}" ${parsed.problem}.` }))
      }
      if (isPublicKeyId(id)) {
        // An id with a stray space or newline (common from env files) would be sent as Wechatpay-Serial and match no
        // response: refuse it here rather than fail every call after WeChat has applied it.
        if (!publicKeyIdPattern.test(id)) {
          return Effect.fail(
            new ConfigurationError({
              option: "publicKeys",
              message: `${JSON.stringify(id)} is not a WeChat Pay public-key id (PUB_KEY_ID_ followed by digits).`
            })
          )
        }
        exact.set(id, parsed.key)
        continue
      }
      if (!/^[0-9A-Fa-f]{1,64}$/.test(id)) {
        return Effect.fail(
          new ConfigurationError({
            option: "publicKeys",
            message: `${JSON.stringify(id)} is neither a WeChat Pay public-key id (PUB_KEY_ID_…) nor a hex certificate serial.`
          })
        )
      }
      if (parsed.certificateSerial !== undefined && numericSerial(parsed.certificateSerial) !== numericSerial(id)) {
        return Effect.fail(
          new ConfigurationError({
            option: "publicKeys",
            message: `The certificate filed under "${id}" has serial ${parsed.certificateSerial}.`
          })
        )
      }
      exact.set(normaliseSerial(id), parsed.key)
      numeric.set(numericSerial(id), parsed.key)
    }
    const known = ids.join(", ")
    const skew = Duration.decodeUnknown(options.maxClockSkew ?? Duration.minutes(5))
    if (Option.isNone(skew) || !Duration.isFinite(skew.value)) {
      return Effect.fail(
        new ConfigurationError({ option: "maxClockSkew", message: "maxClockSkew must be a finite duration." })
      )
    }
    const maxSkewSeconds = Duration.toSeconds(skew.value)
    const serial = ids.find(isPublicKeyId)

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

    const verify = (message: SignedMessage, options?: VerifyOptions): Effect.Effect<void, ResponseVerificationError> => {
      const maxSkew = options?.maxClockSkew === undefined ? maxSkewSeconds : Duration.toSeconds(options.maxClockSkew)
      const h = message.headers
      for (const [name, display] of requiredHeaders) {
        const value = h[name]
        if (value === undefined || value === "") {
          return fail(message, "MissingHeader", `The ${display} header is missing: an unsigned response is treated as forged.`)
        }
      }
      const timestamp = h["wechatpay-timestamp"]!
      const serialHeader = h["wechatpay-serial"]!
      const signature = h["wechatpay-signature"]!
      if (!/^\d{1,12}$/.test(timestamp)) {
        return fail(message, "InvalidTimestamp", "Wechatpay-Timestamp is not a number of seconds.")
      }
      const key = exact.get(serialHeader) ?? exact.get(normaliseSerial(serialHeader)) ??
        numeric.get(numericSerial(serialHeader))
      if (key === undefined) {
        const shown = serialHeader.length > 64 ? `${serialHeader.slice(0, 64)}…` : serialHeader
        return fail(
          message,
          "UnknownSerial",
          `No key for Wechatpay-Serial "${shown}" (configured: ${known}). Download the new platform certificate or public key.`,
          { serial: shown }
        )
      }
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const skew = Math.abs(Math.floor(now / 1000) - Number(timestamp))
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
        let ok = false
        try {
          ok = crypto.verify("sha256", signedBytes(timestamp, h["wechatpay-nonce"]!, message.body), key, Buffer.from(signature, "base64"))
        } catch {
          // A key the primitive refuses is a failed verification, never a defect.
        }
        return ok ? Effect.void : fail(message, "InvalidSignature", "The signature does not match the message.", {
          serial: serialHeader
        })
      })
    }
    return Effect.succeed<Service>({ serial, verify })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Verifier, ConfigurationError> => Layer.effect(Verifier, make(options))
