/**
 * 下载平台证书 (`GET /v3/certificates`): the platform certificates of certificate mode, each encrypted with the
 * merchant's APIv3 key (AEAD_AES_256_GCM, associated data `certificate`); their decryption and checks; and an opt-in
 * verifier that downloads them, keeps every unexpired one beside the configured keys and refreshes them (on a
 * schedule, and once on an unknown `Wechatpay-Serial`).
 *
 * @since 0.4.0
 */
import type * as Crypto from "node:crypto"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Endpoint from "./Endpoint.js"
import * as Aead from "./internal/aead.js"
import * as Keys from "./internal/keys.js"
import * as Telemetry from "./internal/telemetry.js"
import type { Signer } from "./Signer.js"
import type { Transport } from "./Transport.js"
import * as Verifier from "./Verifier.js"
import * as WechatPayClient from "./WechatPayClient.js"
import { ConfigurationError } from "./WechatPayError.js"
import * as Wire from "./Wire.js"

/**
 * 证书算法类型 (`algorithm_type`): `RSA` (default) or `SM2` (国密).
 *
 * @since 0.4.0
 * @category schemas
 */
export const AlgorithmType = Wire.Enum("RSA", "SM2")

/**
 * @since 0.4.0
 * @category schemas
 */
export const DownloadCertificatesRequest = Schema.Struct({
  /** 证书算法类型; WeChat answers RSA certificates when absent. */
  algorithm_type: Wire.optional(AlgorithmType.request)
})

/**
 * @since 0.4.0
 * @category models
 */
export interface DownloadCertificatesRequest extends Schema.Schema.Type<typeof DownloadCertificatesRequest> {}

/**
 * An encrypted certificate as WeChat sends it: decrypt `ciphertext` with the APIv3 key, `nonce` and
 * `associated_data` to get the PEM.
 *
 * @since 0.4.0
 * @category schemas
 */
export const EncryptedCertificate = Schema.Struct({
  /** `AEAD_AES_256_GCM` */
  algorithm: Schema.String,
  nonce: Schema.String,
  associated_data: Wire.optional(Schema.String),
  ciphertext: Schema.String
})

/**
 * @since 0.4.0
 * @category models
 */
export interface EncryptedCertificate extends Schema.Schema.Type<typeof EncryptedCertificate> {}

/**
 * One platform certificate entry.
 *
 * @since 0.4.0
 * @category schemas
 */
export const CertificateEntry = Schema.Struct({
  /** 证书序列号 (upper-case hex). */
  serial_no: Schema.String,
  /** 证书启用时间 (RFC 3339). */
  effective_time: Schema.String,
  /** 证书弃用时间 (RFC 3339). */
  expire_time: Schema.String,
  encrypt_certificate: EncryptedCertificate
})

/**
 * @since 0.4.0
 * @category models
 */
export interface CertificateEntry extends Schema.Schema.Type<typeof CertificateEntry> {}

/**
 * @since 0.4.0
 * @category schemas
 */
export const DownloadCertificatesResponse = Schema.Struct({
  data: Schema.Array(CertificateEntry)
})

/**
 * @since 0.4.0
 * @category models
 */
export interface DownloadCertificatesResponse extends Schema.Schema.Type<typeof DownloadCertificatesResponse> {}

/**
 * 下载平台证书 — `GET /v3/certificates`. A merchant without platform certificates (new since 2024) gets
 * `404 RESOURCE_NOT_EXISTS`: it is on public-key mode.
 *
 * @since 0.4.0
 * @category tags
 */
export class DownloadCertificates extends Endpoint.Service<DownloadCertificates>()("PlatformCertificates.DownloadCertificates", {
  method: "GET",
  path: "/v3/certificates",
  request: DownloadCertificatesRequest,
  response: DownloadCertificatesResponse
}) {}

/**
 * @since 0.4.0
 * @category errors
 */
export type DownloadCertificatesError = Endpoint.JsonError

/**
 * 下载平台证书, as sent (still encrypted).
 *
 * @since 0.4.0
 * @category accessors
 */
export const downloadCertificates = DownloadCertificates.call

/**
 * Why a downloaded certificate was not accepted. The message names the entry's `serial_no` and the reason, never the
 * APIv3 key or the certificate text.
 *
 * @since 0.4.0
 * @category errors
 */
export class CertificateError extends Schema.TaggedError<CertificateError>("effect-wechatpay/CertificateError")(
  "CertificateError",
  {
    reason: Schema.Literals([
      "InvalidApiV3Key",
      "UnsupportedAlgorithm",
      "DecryptionFailed",
      "NotACertificate",
      "NotRsa",
      "SerialMismatch",
      "NotYetValid",
      "Expired"
    ]),
    /** The entry's `serial_no`, as sent (at most 64 characters shown). */
    serial: Schema.String,
    message: Schema.String
  }
) {}

/**
 * A platform certificate, decrypted and checked; its public key parsed once.
 *
 * @since 0.4.0
 * @category models
 */
export interface PlatformCertificate {
  /** The certificate's serial number (upper-case hex, as the certificate states it). */
  readonly serial: string
  /** The certificate (PEM), as decrypted. */
  readonly certificate: string
  /**
   * The certificate's key as the runtime's crypto holds it: a node:crypto `KeyObject`, or a WebCrypto `CryptoKey`
   * (for RSASSA-PKCS1-v1_5/SHA-256) where node:crypto is absent.
   */
  readonly publicKey: Crypto.KeyObject | Crypto.webcrypto.CryptoKey
  /** Start of validity (`effective_time`). */
  readonly effectiveTime: Date
  /** End of validity (`expire_time`). */
  readonly expireTime: Date
}

const shownSerial = (serial: unknown): string => {
  const text = typeof serial === "string" ? serial : ""
  return text.length > 64 ? `${text.slice(0, 64)}…` : text
}

const toPublic = (opened: Keys.OpenedCertificate): PlatformCertificate => ({
  serial: opened.serial,
  certificate: opened.pem,
  publicKey: opened.key.native,
  effectiveTime: new Date(opened.notBefore),
  expireTime: new Date(opened.notAfter)
})

const certificateError = (
  entry: Keys.SealedCertificate,
  failure: { readonly reason: Keys.CertificateReason; readonly problem: string }
): CertificateError =>
  new CertificateError({
    reason: failure.reason,
    serial: shownSerial(entry.serial_no),
    message: `The platform certificate "${shownSerial(entry.serial_no)}" ${failure.problem}.`
  })

/** Exactly 32 bytes of UTF-8, or why not (its length only). */
const apiV3KeyBytes = (apiV3Key: Redacted.Redacted<string>): Uint8Array | string => {
  const bytes = Aead.keyBytes(Redacted.value(apiV3Key))
  return bytes.length === 32
    ? bytes
    : `The APIv3 key must be 32 bytes (it has ${bytes.length}): the key set in the merchant platform (API安全 → APIv3密钥).`
}

/**
 * Decrypt one entry of `GET /v3/certificates` with the APIv3 key (`AEAD_AES_256_GCM`) and check it: an RSA X.509
 * certificate, its serial equal to `serial_no` (compared as numbers: leading zeros may differ), our clock within its
 * validity.
 *
 * @since 0.4.0
 * @category decryption
 */
export const decryptCertificate = (
  entry: CertificateEntry,
  apiV3Key: Redacted.Redacted<string>
): Effect.Effect<PlatformCertificate, CertificateError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const key = apiV3KeyBytes(apiV3Key)
    if (typeof key === "string") {
      return Effect.fail(new CertificateError({ reason: "InvalidApiV3Key", serial: shownSerial(entry.serial_no), message: key }))
    }
    return Effect.flatMap(
      Keys.openCertificate(key, entry, now),
      (opened) => Keys.isOpened(opened) ? Effect.succeed(toPublic(opened)) : Effect.fail(certificateError(entry, opened))
    )
  })

/**
 * What a download (`refresh`) can fail with.
 *
 * @since 0.4.0
 * @category errors
 */
export type RefreshError = DownloadCertificatesError | CertificateError

/**
 * The downloaded platform certificates a refreshing verifier holds.
 *
 * @since 0.4.0
 * @category models
 */
export interface Service {
  /**
   * The unexpired downloaded certificates, newest start of validity first: the first is the one to encrypt
   * sensitive fields with (WeChat: "use the certificate with the latest effective time").
   */
  readonly current: Effect.Effect<ReadonlyArray<PlatformCertificate>>
  /**
   * Download now (shared with a download already under way). On failure the certificates held are kept and the
   * error is returned.
   */
  readonly refresh: Effect.Effect<void, RefreshError>
}

/**
 * @since 0.4.0
 * @category tags
 */
export class Certificates extends Context.Service<Certificates, Service>()("effect-wechatpay/PlatformCertificates") {}

/**
 * Options of the refreshing verifier: what the client needs to call WeChat, the APIv3 key that decrypts the
 * certificates, and the refresh rules.
 *
 * @since 0.4.0
 * @category models
 */
export interface Options extends WechatPayClient.Options {
  /** The APIv3 key (exactly 32 bytes). */
  readonly apiV3Key: Redacted.Redacted<string>
  /**
   * Keys held beside the downloaded certificates, as `Verifier` options take them: a WeChat Pay public key
   * (`PUB_KEY_ID_…` → PEM) and/or platform certificates (serial → PEM). A `PUB_KEY_ID_…` is sent as
   * `Wechatpay-Serial` (the certificate → public-key migration).
   */
  readonly publicKeys?: Readonly<Record<string, string>> | undefined
  /** Between two scheduled downloads. Default 12 hours (WeChat: less than 12 hours). */
  readonly refreshInterval?: Duration.Input | undefined
  /**
   * The least time between two downloads caused by an unknown `Wechatpay-Serial`, so that forged serials cannot
   * make us call WeChat at their pace. Default 1 minute.
   */
  readonly minRefreshInterval?: Duration.Input | undefined
  /** Largest accepted distance between `Wechatpay-Timestamp` and our clock. Default 5 minutes. */
  readonly maxClockSkew?: Duration.Input | undefined
}

const durationOption = (
  option: string,
  input: Duration.Input | undefined,
  fallback: Duration.Duration,
  least: Duration.Duration
): Effect.Effect<Duration.Duration, ConfigurationError> => {
  const decoded = Duration.fromInput(input ?? fallback)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.isGreaterThanOrEqualTo(decoded.value, least)
    ? Effect.succeed(decoded.value)
    : Effect.fail(
      new ConfigurationError({ option, message: `${option} must be a finite duration of at least ${Duration.format(least)}.` })
    )
}

/** Failures of a download at start-up that no configured key can make up for. */
const fatalAtStart = (error: RefreshError): boolean =>
  error._tag === "CertificateError" || error._tag === "ResponseVerificationError" ||
  error._tag === "ResponseDecodeError" || error._tag === "RequestValidationError" || error._tag === "NotFound" ||
  error._tag === "SignError" || error._tag === "NoAuth" || error._tag === "ParamError" || error._tag === "InvalidRequest"

const describe = (error: RefreshError): string => `${error._tag}: ${error.message}`

/**
 * Build the refreshing verifier and its certificate store: download at once (a `404 RESOURCE_NOT_EXISTS` means the
 * merchant is on public-key mode: `ConfigurationError`), then every `refreshInterval` in a fiber of the scope, and
 * once — shared by every caller, at most once per `minRefreshInterval` — when a message names a certificate serial
 * no held key matches. A failed download keeps the keys held (a warning is logged, without secrets); a certificate is
 * dropped once it has expired.
 *
 * @since 0.4.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const apiKey = apiV3KeyBytes(options.apiV3Key)
  if (typeof apiKey === "string") return yield* Effect.fail(new ConfigurationError({ option: "apiV3Key", message: apiKey }))
  const configured = options.publicKeys === undefined ? [] : yield* Keys.configuredKeys(options.publicKeys)
  if (Keys.isProblem(configured)) {
    return yield* Effect.fail(new ConfigurationError({ option: "publicKeys", message: configured.problem }))
  }
  const skew = Keys.maxSkewSeconds(options.maxClockSkew)
  if (skew === undefined) {
    return yield* Effect.fail(
      new ConfigurationError({ option: "maxClockSkew", message: "maxClockSkew must be a finite duration." })
    )
  }
  const interval = yield* durationOption("refreshInterval", options.refreshInterval, Duration.hours(12), Duration.seconds(1))
  const lazyGap = Duration.toMillis(
    yield* durationOption("minRefreshInterval", options.minRefreshInterval, Duration.minutes(1), Duration.zero)
  )
  const publicKeyId = configured.find((entry) => Keys.isPublicKeyId(entry.id))?.id

  // Downloaded certificates by numeric serial. Replaced as a whole (never mutated), like `keys` built from it.
  let downloaded: ReadonlyMap<string, Keys.OpenedCertificate> = new Map()
  const build = (): Keys.KeySet => {
    const certificates = [...downloaded.values()]
    return Keys.keySet(
      [
        ...certificates.map((c) => ({ id: c.serial, held: { key: c.key, notAfter: c.notAfter } })),
        ...configured
      ],
      `held: ${[...certificates.map((c) => c.serial), ...configured.map((c) => c.id)].join(", ") || "none"}`
    )
  }
  let keys = build()

  // The download's own answer is verified before anything in it is trusted: with a key we hold, or else with a
  // certificate it carries. Such a certificate is trusted because it decrypted under the APIv3 key: AES-GCM
  // authenticates the ciphertext, and only WeChat and the merchant know that key, so a forger can neither make a
  // certificate we would open nor sign the answer with a key we hold. This is how the first download bootstraps.
  const carried: Keys.OnUnknownSerial = (_serial, message, now) =>
    Effect.gen(function*() {
      let entries: unknown
      try {
        const text = typeof message.body === "string" ? message.body : new TextDecoder().decode(message.body)
        entries = (JSON.parse(text) as { readonly data?: unknown }).data
      } catch {
        return undefined
      }
      if (!Array.isArray(entries)) return undefined
      const opened: Array<{ readonly id: string; readonly held: Keys.HeldKey }> = []
      let sealedOtherwise = 0
      for (const entry of entries) {
        if (typeof entry !== "object" || entry === null || typeof entry.encrypt_certificate !== "object") continue
        const certificate = yield* Keys.openCertificate(apiKey, entry as Keys.SealedCertificate, now)
        if (Keys.isOpened(certificate)) {
          opened.push({ id: certificate.serial, held: { key: certificate.key, notAfter: certificate.notAfter } })
        } else if (certificate.reason === "DecryptionFailed") {
          sealedOtherwise++
        }
      }
      const refused = sealedOtherwise === 0
        ? ""
        : ` (${sealedOtherwise} did not decrypt under the APIv3 key: a wrong key, or not WeChat's answer)`
      return Keys.keySet(opened, `${keys.describe}; carried: ${opened.map((c) => c.id).join(", ") || "none"}${refused}`)
    })

  const client = yield* WechatPayClient.make(options).pipe(
    Effect.provideService(Verifier.Verifier, {
      serial: publicKeyId,
      verify: Keys.verifier({ keys: () => keys, maxSkewSeconds: skew, onUnknown: carried })
    })
  )
  const download = yield* DownloadCertificates.pipe(
    Effect.provide(DownloadCertificates.layer),
    Effect.provideService(WechatPayClient.WechatPayClient, client)
  )

  const refreshOnce: Effect.Effect<void, RefreshError> = Effect.gen(function*() {
    const response = yield* download({})
    const now = yield* Clock.currentTimeMillis
    // Every unexpired certificate is kept, including one WeChat no longer lists: a message signed with it may still
    // be on its way during a rotation.
    const next = new Map<string, Keys.OpenedCertificate>()
    for (const [serial, certificate] of downloaded) if (now <= certificate.notAfter) next.set(serial, certificate)
    for (const entry of response.data) {
      const opened = yield* Keys.openCertificate(apiKey, entry, now)
      if (Keys.isOpened(opened)) {
        next.set(Keys.numericSerial(opened.serial), opened)
      } else if (opened.reason === "DecryptionFailed" || opened.reason === "NotACertificate" || opened.reason === "SerialMismatch") {
        // An entry that does not open, or names another certificate, is not WeChat's: the whole answer is refused.
        return yield* Effect.fail(certificateError(entry, opened))
      } else {
        yield* Effect.logDebug("effect-wechatpay: platform certificate skipped").pipe(
          Effect.annotateLogs({ serial: shownSerial(entry.serial_no), reason: opened.reason })
        )
      }
    }
    downloaded = next
    keys = build()
  })

  // Telemetry goes to the context the verifier was built in (a download runs in whichever fiber asked first): each
  // download counted by outcome, and the age of the last good one computed whenever the registry is read.
  const context = yield* Effect.context<never>()
  const telemetry = Context.get(context, Telemetry.Enabled) ? context : undefined
  const age = telemetry === undefined ? undefined : Telemetry.trackCertificateAge(telemetry)
  if (age !== undefined) yield* Effect.addFinalizer(() => Effect.sync(age.release))
  const recordDownload = (outcome: string, now: number) => {
    if (telemetry === undefined) return
    Telemetry.certificateDownloads.get(outcome).updateUnsafe(1, telemetry)
    if (outcome === "ok") age!.success(now)
  }

  const logged = Effect.tapError(refreshOnce, (error) =>
    Effect.logWarning("effect-wechatpay: platform certificate download failed; the keys held are kept").pipe(
      Effect.annotateLogs({ error: error._tag, reason: describe(error) })
    )).pipe(
      Effect.onExit((exit) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          Exit.isSuccess(exit)
            ? recordDownload("ok", now)
            : Cause.hasInterruptsOnly(exit.cause)
            ? undefined
            : recordDownload(Option.match(Cause.findErrorOption(exit.cause), {
              onNone: () => "defect",
              onSome: Telemetry.outcomeOf
            }), now))
      )
    )

  // Single flight: every caller (the schedule, unknown serials, `refresh`) joins the download under way. It runs in
  // the layer's scope, so a caller that gives up does not cancel it for the others.
  const scope = yield* Effect.scope
  let inflight: Deferred.Deferred<void, RefreshError> | undefined
  const start = Effect.uninterruptible(Effect.suspend(() => {
    if (inflight !== undefined) return Effect.succeed(inflight)
    const done = Deferred.makeUnsafe<void, RefreshError>()
    inflight = done
    // Uninterruptible, as forks from this region were in 0.6 (they inherited it): closing the layer waits for a
    // download under way instead of cutting it off. Settled by the fiber's end: its own exit, or an interruption when
    // it never started (the scope was already closed).
    return Effect.flatMap(Effect.forkIn(Effect.exit(logged), scope, { uninterruptible: true }), (fiber) =>
      Effect.sync(() => {
        fiber.addObserver((exit) => {
          inflight = undefined
          Deferred.doneUnsafe(done, Exit.isSuccess(exit) ? exit.value : Exit.failCause(exit.cause))
        })
        return done
      }))
  }))
  const refresh: Effect.Effect<void, RefreshError> = Effect.flatMap(start, Deferred.await)

  const initial = yield* Effect.result(refresh)
  if (Result.isFailure(initial)) {
    const error = initial.failure
    if (error._tag === "NotFound") {
      return yield* Effect.fail(
        new ConfigurationError({
          option: "publicKeys",
          message: "This merchant has no platform certificate (GET /v3/certificates answered 404 RESOURCE_NOT_EXISTS): " +
            "it is on public-key mode. Configure the WeChat Pay public key instead (WECHATPAY_PUBLIC_KEY_ID and " +
            "WECHATPAY_PUBLIC_KEY, or wechatpayPublicKeys / Verifier.layer)."
        })
      )
    }
    if (configured.length === 0 || fatalAtStart(error)) {
      // An answer that does not verify or open at start is most often a wrong APIv3 key (the certificates it
      // carries, which sign it, do not decrypt); else it was not WeChat's.
      const integrity = error._tag === "ResponseVerificationError" || error._tag === "CertificateError"
      return yield* Effect.fail(
        new ConfigurationError({
          option: integrity ? "apiV3Key" : "platformCertificates",
          message: `The platform certificates could not be downloaded (${describe(error)}).${
            integrity ? " Check apiV3Key: the certificates WeChat sends are sealed with it." : ""
          }`
        })
      )
    }
  } else if (downloaded.size === 0 && configured.length === 0) {
    return yield* Effect.fail(
      new ConfigurationError({
        option: "platformCertificates",
        message: "GET /v3/certificates listed no unexpired RSA platform certificate: responses could not be verified."
      })
    )
  }

  yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(interval), Effect.exit(refresh))))

  let lastLazy = Number.NEGATIVE_INFINITY
  const onUnknown: Keys.OnUnknownSerial = (serial, _message, now) => {
    // A public-key id is never in a certificate download; a serial that is not hex cannot be a certificate's.
    if (Keys.isPublicKeyId(serial) || !Keys.serialPattern.test(serial)) return Effect.succeed(undefined)
    if (inflight === undefined) {
      if (now - lastLazy < lazyGap) return Effect.succeed(undefined)
      lastLazy = now
    }
    return Effect.andThen(Effect.exit(refresh), Effect.sync(() => keys))
  }

  const verifier: Verifier.Service = {
    serial: publicKeyId,
    verify: Keys.verifier({ keys: () => keys, maxSkewSeconds: skew, onUnknown })
  }
  const certificates: Service = {
    current: Effect.map(Clock.currentTimeMillis, (now) =>
      [...downloaded.values()]
        .filter((c) => now <= c.notAfter)
        .sort((a, b) => b.notBefore - a.notBefore)
        .map(toPublic)),
    refresh
  }
  return { verifier, certificates }
}) satisfies (options: Options) => Effect.Effect<
  { readonly verifier: Verifier.Service; readonly certificates: Service },
  ConfigurationError,
  Signer | Transport | Scope.Scope
>

/**
 * The refreshing verifier and its certificates, for certificate mode (see `make`).
 *
 * @since 0.4.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<Verifier.Verifier | Certificates, ConfigurationError, Signer | Transport> =>
  Layer.effectContext(
    Effect.map(make(options), ({ certificates, verifier }) =>
      Context.make(Verifier.Verifier, verifier).pipe(Context.add(Certificates, certificates)))
  )

/**
 * Opt-in replacement for `Verifier.layer` in certificate mode: downloads the platform certificates at start and
 * keeps them current (see `make`).
 *
 * @since 0.4.0
 * @category layers
 */
export const layerVerifier = (
  options: Options
): Layer.Layer<Verifier.Verifier, ConfigurationError, Signer | Transport> => layer(options)
