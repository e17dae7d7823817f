/**
 * Receiving WeChat Pay notifications (回调通知) for member cards (membercard-open's `MEMBERCARD.*`, and 商家名片会员卡's
 * `BRAND_MEMBER_CARD_SP.*` / `BRAND_MEMBER_CARD.*`, decrypted with the provider's APIv3 key or the brand API key): verify the signature over the exact body received,
 * decrypt the resource with the APIv3 key (AEAD_AES_256_GCM), and decode it into a typed event — or mount
 * `httpApp` on a route and get each event once, de-duplicated, with the answers WeChat expects.
 *
 * @since 0.4.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"
import * as Aead from "./internal/aead.js"
import { NotificationStore, NotificationStoreError } from "./NotificationStore.js"
import * as Verifier from "./Verifier.js"
import { ConfigurationError, ResponseVerificationError, ValidationIssue } from "./WechatPayError.js"
import type * as Http from "./notification/http.js"
import * as Wire from "./Wire.js"

export {
  /**
   * The de-duplication store `httpApp` uses (see `NotificationStore.ts`); `NotificationStore.layerMemory` builds an
   * in-memory one.
   *
   * @since 0.4.0
   * @category tags
   */
  NotificationStore,
  /**
   * @since 0.4.0
   * @category errors
   */
  NotificationStoreError
}

export {
  AcceptCard,
  AcceptCardEventType,
  AcceptCardResource,
  ActivateCard,
  ActivateCardEventType,
  ActivateCardResource,
  ActivateScene,
  BrandPointExchangeCoupon,
  BrandPointExchangeCouponResource,
  BrandSyncUserPoint,
  BrandSyncUserPointResource,
  BrandUserCardCreate,
  BrandUserCardDelete,
  BrandUserCardResource,
  Event,
  isEventType,
  UnknownEvent,
  UserCardManage,
  UserCardManageEventType,
  UserCardManageResource
} from "./notification/Events.js"
export type { KnownEventType } from "./notification/Events.js"
import {
  AcceptCardResource,
  ActivateCardResource,
  BrandPointExchangeCouponResource,
  BrandSyncUserPointResource,
  BrandUserCardResource,
  envelopeFields,
  type Event,
  UserCardManageResource
} from "./notification/Events.js"

const payloads: Readonly<Record<string, { readonly tag: Exclude<Event["_tag"], "Unknown">; readonly schema: Schema.Decoder<unknown> }>> = {
  "MEMBERCARD.ACCEPT_CARD": { tag: "AcceptCard", schema: AcceptCardResource },
  "MEMBERCARD.ACTIVATE_CARD": { tag: "ActivateCard", schema: ActivateCardResource },
  "MEMBERCARD.USERCARD_MANAGE": { tag: "UserCardManage", schema: UserCardManageResource },
  // 商家名片会员卡: a provider's events, their legacy names (still accepted if sent), a brand's.
  ...Object.fromEntries(["BRAND_MEMBER_CARD_SP", "MEMBERCARDSP", "BRAND_MEMBER_CARD"].flatMap((prefix) => [
    [`${prefix}.USER_CARD.CREATE`, { tag: "BrandUserCardCreate", schema: BrandUserCardResource }],
    [`${prefix}.USER_CARD.DELETE`, { tag: "BrandUserCardDelete", schema: BrandUserCardResource }],
    ...(prefix === "MEMBERCARDSP" ? [] : [
      [`${prefix}.SYNC_USER_POINT`, { tag: "BrandSyncUserPoint", schema: BrandSyncUserPointResource }],
      [`${prefix}.POINT_EXCHANGE_COUPON`, { tag: "BrandPointExchangeCoupon", schema: BrandPointExchangeCouponResource }]
    ])
  ]))
}

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/**
 * The notification could not be verified: treat it as forged (`httpApp` answers 401). `reason` as for responses;
 * `probe` is `true` for a `WECHATPAY/SIGNTEST/` probe, which WeChat re-sends later correctly signed.
 *
 * @since 0.4.0
 * @category errors
 */
export class NotificationVerificationError
  extends Schema.TaggedError<NotificationVerificationError>("effect-wechatpay/NotificationVerificationError")(
    "NotificationVerificationError",
    {
      /** As for responses, or `AmbiguousHeader`: a `Wechatpay-*` header came more than once with different values. */
      reason: Schema.Literals([...ResponseVerificationError.fields.reason.literals, "AmbiguousHeader"]),
      message: Schema.String,
      /** The `Wechatpay-Serial` received. */
      serial: Schema.optionalKey(Schema.String),
      /** How far `Wechatpay-Timestamp` was from our clock, for a stale one. */
      skewSeconds: Schema.optionalKey(Schema.Number),
      /** The `Request-ID` header. */
      requestId: Schema.optionalKey(Schema.String),
      probe: Schema.optionalKey(Schema.Boolean)
    }
  )
{}

/**
 * A verified notification whose resource could not be decrypted: a wrong APIv3 key (e.g. the APIv2 key), altered
 * data, or an algorithm other than AEAD_AES_256_GCM. The message says which; it never holds key or plaintext.
 *
 * @since 0.4.0
 * @category errors
 */
export class NotificationDecryptError
  extends Schema.TaggedError<NotificationDecryptError>("effect-wechatpay/NotificationDecryptError")(
    "NotificationDecryptError",
    {
      message: Schema.String,
      /** The notification id. */
      id: Schema.optionalKey(Schema.String),
      requestId: Schema.optionalKey(Schema.String)
    }
  )
{}

/**
 * A verified notification (or its decrypted resource) that is not JSON or lacks a documented field. `issues` name
 * each field by path and say what is wrong with it — never its value (the resource holds openid and unionid).
 *
 * @since 0.4.0
 * @category errors
 */
export class NotificationDecodeError
  extends Schema.TaggedError<NotificationDecodeError>("effect-wechatpay/NotificationDecodeError")(
    "NotificationDecodeError",
    {
      message: Schema.String,
      issues: Schema.Array(ValidationIssue),
      id: Schema.optionalKey(Schema.String),
      requestId: Schema.optionalKey(Schema.String)
    }
  )
{}

/**
 * @since 0.4.0
 * @category models
 */
export type NotificationError = NotificationVerificationError | NotificationDecryptError | NotificationDecodeError

// ---------------------------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------------------------

/**
 * A notification as received: the headers (any case) and the body as the exact bytes, or the exact string, that
 * arrived — never a re-serialised JSON object, never bytes decoded to text (a BOM or an invalid UTF-8 byte changes).
 *
 * A `Wechatpay-*` header given more than once — in two letter cases, as an array, or joined with commas as HTTP
 * servers join a repeated header — is refused (`AmbiguousHeader`) unless every copy has the same value: which copy
 * was signed is unknowable. Of another repeated header (`Request-ID`) the first value is used.
 *
 * @since 0.4.0
 * @category models
 */
export interface Input {
  readonly headers: { readonly [name: string]: string | ReadonlyArray<string> | undefined }
  readonly body: Uint8Array | string
}

/**
 * @since 0.4.0
 * @category models
 */
export interface Service {
  /** Verify, decrypt and decode one notification. */
  readonly parse: (input: Input) => Effect.Effect<Event, NotificationError>
}

/**
 * @since 0.4.0
 * @category tags
 */
export class Notifications extends Context.Service<Notifications, Service>()("effect-wechatpay/Notifications") {}

/**
 * @since 0.4.0
 * @category models
 */
export interface Options {
  /** The APIv3 key (APIv3密钥) set in the merchant platform: 32 characters. */
  readonly apiV3Key: Redacted.Redacted<string>
  /** Largest accepted distance between `Wechatpay-Timestamp` and our clock. Default 5 minutes. */
  readonly maxClockSkew?: Duration.Input | undefined
}

const defaultMaxClockSkew = Duration.minutes(5)
const decoder = new TextDecoder()
const algorithm = "AEAD_AES_256_GCM"

const EncryptedResource = Schema.Struct({
  algorithm: Schema.String,
  ciphertext: Schema.String,
  nonce: Schema.String,
  associated_data: Wire.optional(Schema.NullOr(Schema.String)),
  original_type: Wire.optional(Schema.String)
})

const Envelope = Schema.Struct({ ...envelopeFields, event_type: Schema.String, resource: EncryptedResource })

const decodeEnvelope = Schema.decodeUnknownResult(Envelope, { errors: "all" })
const decodePayload = (schema: Schema.Decoder<unknown>) => Schema.decodeUnknownResult(schema, { errors: "all" })

const expected = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "String":
      return "must be a string"
    case "Number":
      return "must be a number"
    case "Boolean":
      return "must be a boolean"
    case "Objects":
      return "must be an object"
    case "Arrays":
      return "must be an array"
    case "Literal":
      return "must be one of the documented values"
    default:
      return "has the wrong type"
  }
}

/** Each leaf of a schema issue as a path and a kind, never the value found (it may be personal data). */
const issuesOf = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<string | number>,
  out: Array<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>
): void => {
  switch (issue._tag) {
    case "Pointer":
      issuesOf(issue.issue, [...path, ...issue.path.map((k) => (typeof k === "number" ? k : String(k)))], out)
      return
    case "Composite":
      for (const i of issue.issues) issuesOf(i, path, out)
      return
    case "AnyOf":
      // No member of a union matched: its members' own issues, or the union's type when none was recorded.
      if (issue.issues.length === 0) out.push({ path, message: expected(issue.ast) })
      for (const i of issue.issues) issuesOf(i, path, out)
      return
    case "Filter":
    case "Encoding":
      issuesOf(issue.issue, path, out)
      return
    case "MissingKey":
      out.push({ path, message: "is missing" })
      return
    case "InvalidType":
      out.push({ path, message: expected(issue.ast) })
      return
    case "InvalidValue":
    case "OneOf":
      out.push({ path, message: "has the wrong type" })
      return
    case "UnexpectedKey":
      out.push({ path, message: "is not expected" })
      return
    case "Forbidden":
      out.push({ path, message: "could not be checked" })
      return
  }
}

const describe = (issues: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>) =>
  issues.slice(0, 10).map((i) => `${i.path.length === 0 ? "(the value)" : i.path.join(".")} ${i.message}`).join("; ") +
  (issues.length > 10 ? `; and ${issues.length - 10} more` : "")

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Lower-case names, absent values dropped; the first value of a repeated header, except that every copy of a
 * `Wechatpay-*` header must agree (its values hold no comma, so a comma means copies joined): else `ambiguous`. */
const normaliseHeaders = (
  headers: Input["headers"]
): { readonly headers: Record<string, string>; readonly ambiguous: string | undefined } => {
  const out: Record<string, string> = {}
  let ambiguous: string | undefined
  for (const name of Object.keys(headers)) {
    const raw = headers[name]
    const values = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw.filter((v) => typeof v === "string") : []
    const key = name.toLowerCase()
    if (!key.startsWith("wechatpay-")) {
      if (values.length > 0 && !Object.hasOwn(out, key)) out[key] = values[0]!
      continue
    }
    for (const joined of values) {
      const copies = joined.includes(",") ? joined.split(",").map((v) => v.trim()) : [joined]
      for (const value of copies) {
        if (!Object.hasOwn(out, key)) out[key] = value
        else if (out[key] !== value) ambiguous ??= key
      }
    }
  }
  return { headers: out, ambiguous }
}

/**
 * @since 0.4.0
 * @category models
 */
export interface MakeWithOptions {
  /** The AEAD key bytes (the APIv3 key's UTF-8 bytes). 32 bytes in production; 16 selects AES-128-GCM. */
  readonly key: Redacted.Redacted<Uint8Array>
  readonly maxClockSkew: Duration.Duration
}

/**
 * The service over key bytes, without the 32-byte check of `make`: the same verify → parse → decrypt → decode path,
 * usable with the SDKs' published 16-byte test vectors. Production code uses `make` or `layer`.
 *
 * @since 0.4.0
 * @category constructors
 */
export const makeWith = (options: MakeWithOptions): Effect.Effect<Service, never, Verifier.Verifier> =>
  Effect.map(Verifier.Verifier, (verifier): Service => {
    const { key, maxClockSkew } = options

    const open = (
      body: Uint8Array | string,
      base: { readonly requestId?: string }
    ): Effect.Effect<Event, NotificationDecryptError | NotificationDecodeError> => {
      const decodeError = (
        issues: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>,
        what: string,
        id: string | undefined
      ) =>
        Effect.fail(
          new NotificationDecodeError({
            message: `${what}: ${describe(issues)}.`,
            issues,
            ...(id !== undefined ? { id } : {}),
            ...base
          })
        )
      let json: unknown
      try {
        json = JSON.parse(typeof body === "string" ? body : decoder.decode(body))
      } catch {
        return decodeError([{ path: [], message: "is not JSON" }], "The notification body is not JSON", undefined)
      }
      const envelope = decodeEnvelope(json)
      if (Result.isFailure(envelope)) {
        const issues: Array<{ path: ReadonlyArray<string | number>; message: string }> = []
        issuesOf(envelope.failure.issue, [], issues)
        const id = isRecord(json) && typeof json.id === "string" ? json.id : undefined
        return decodeError(issues, "The notification envelope is not as documented", id)
      }
      const { id, resource } = envelope.success
      const known = { id, ...base }
      return Effect.andThen(
        Effect.annotateCurrentSpan({ "notification.id": id, "notification.event_type": envelope.success.event_type }),
        Effect.suspend((): Effect.Effect<Event, NotificationDecryptError | NotificationDecodeError> => {
          if (resource.algorithm !== algorithm) {
            const shown = resource.algorithm.length > 40 ? `${resource.algorithm.slice(0, 40)}…` : resource.algorithm
            return Effect.fail(
              new NotificationDecryptError({
                message: `Unsupported algorithm ${JSON.stringify(shown)}: only ${algorithm} is supported.`,
                ...known
              })
            )
          }
          return Effect.flatMap(Aead.decrypt(Redacted.value(key), {
            nonce: resource.nonce,
            associatedData: resource.associated_data ?? "",
            ciphertext: resource.ciphertext
          }), (plain): Effect.Effect<Event, NotificationDecryptError | NotificationDecodeError> => {
            if (Aead.isFailure(plain)) {
              return Effect.fail(
                new NotificationDecryptError({ message: `The resource could not be decrypted: ${plain.problem}.`, ...known })
              )
            }
            let payload: unknown
            try {
              payload = JSON.parse(decoder.decode(plain))
            } catch {
              return decodeError([{ path: ["resource"], message: "is not JSON" }], "The decrypted resource is not JSON", id)
            }
            const { create_time, event_type, resource_type, summary } = envelope.success
            const fields = { id, create_time, event_type, resource_type, summary }
            const declared = Object.hasOwn(payloads, event_type) ? payloads[event_type] : undefined
            if (declared === undefined) return Effect.succeed<Event>({ _tag: "Unknown", ...fields, resource: payload })
            const decoded = decodePayload(declared.schema)(payload)
            if (Result.isFailure(decoded)) {
              const issues: Array<{ path: ReadonlyArray<string | number>; message: string }> = []
              issuesOf(decoded.failure.issue, ["resource"], issues)
              return decodeError(issues, `The ${event_type} resource is not as documented`, id)
            }
            return Effect.succeed({ _tag: declared.tag, ...fields, resource: decoded.success } as Event)
          })
        })
      )
    }

    const parse = (input: Input): Effect.Effect<Event, NotificationError> =>
      Effect.suspend(() => {
        // The span ends with no value: the event holds openid and unionid, which a tracer could record.
        let event: Event | undefined
        return Effect.map(
          Effect.withSpan(Effect.map(verifyAndOpen(input), (e) => {
            event = e
          }), "Notification.parse"),
          () => event!
        )
      })

    const verifyAndOpen = (input: Input): Effect.Effect<Event, NotificationError> =>
      Effect.suspend(() => {
        const { ambiguous, headers } = normaliseHeaders(input.headers)
        const requestId = headers["request-id"]
        const base = requestId !== undefined ? { requestId } : {}
        if (ambiguous !== undefined) {
          return Effect.fail(
            new NotificationVerificationError({
              reason: "AmbiguousHeader",
              message: `The notification was not verified: ${ambiguous} was sent more than once with different values.`,
              ...base
            })
          )
        }
        return verifier.verify({ headers, body: input.body, requestId }, { maxClockSkew }).pipe(
          Effect.mapError((e) =>
            new NotificationVerificationError({
              reason: e.reason,
              message: `The notification was not verified: ${e.message}`,
              ...(e.serial !== undefined ? { serial: e.serial } : {}),
              ...(e.skewSeconds !== undefined ? { skewSeconds: e.skewSeconds } : {}),
              ...(e.probe !== undefined ? { probe: e.probe } : {}),
              ...base
            })
          ),
          Effect.andThen(Effect.suspend(() => open(input.body, base)))
        )
      })

    return { parse }
  })

/**
 * Build the service: checks that the APIv3 key is exactly 32 bytes (UTF-8) and computes its bytes once.
 *
 * @since 0.4.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigurationError, Verifier.Verifier> =>
  Effect.suspend(() => {
    if (!Redacted.isRedacted(options.apiV3Key)) {
      return Effect.fail(
        new ConfigurationError({ option: "apiV3Key", message: "apiV3Key must be a Redacted<string> (Redacted.make(key))." })
      )
    }
    const raw: unknown = Redacted.value(options.apiV3Key)
    const bytes = typeof raw === "string" ? Aead.keyBytes(raw) : undefined
    if (bytes === undefined || bytes.length !== 32) {
      return Effect.fail(
        new ConfigurationError({
          option: "apiV3Key",
          message: `The APIv3 key must be exactly 32 bytes (UTF-8); this one has ${
            bytes === undefined ? "no" : bytes.length
          } bytes. It is the APIv3 key of the merchant platform, not the APIv2 key or a certificate.`
        })
      )
    }
    const skew = Duration.fromInput(options.maxClockSkew ?? defaultMaxClockSkew)
    if (Option.isNone(skew) || !Duration.isFinite(skew.value)) {
      return Effect.fail(
        new ConfigurationError({ option: "maxClockSkew", message: "maxClockSkew must be a finite duration." })
      )
    }
    return makeWith({ key: Redacted.make(bytes), maxClockSkew: skew.value })
  })

/**
 * @since 0.4.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Notifications, ConfigurationError, Verifier.Verifier> =>
  Layer.effect(Notifications, make(options))

/**
 * Verify, decrypt and decode one notification with the `Notifications` in context.
 *
 * @since 0.4.0
 * @category accessors
 */
export const parse = (input: Input): Effect.Effect<Event, NotificationError, Notifications> =>
  Effect.flatMap(Notifications, (service) => service.parse(input))

// ---------------------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------------------

/**
 * A notification that was verified — WeChat sent it — but could not be decrypted or decoded, as it arrived: keep it
 * to replay it once the cause is fixed (a rotated APIv3 key, a schema that was too strict) with
 * `Notification.parse({ headers, body })` under a layer whose `maxClockSkew` covers the letter's age.
 *
 * @since 0.6.0
 * @category models
 */
export interface DeadLetter {
  /** The notification id, when the envelope had one. */
  readonly id?: string | undefined
  readonly requestId?: string | undefined
  /** Every header received, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body's bytes exactly as received (the signature covers them). */
  readonly body: Uint8Array
  readonly error: NotificationDecryptError | NotificationDecodeError
}

/**
 * @since 0.4.0
 * @category models
 */
export interface HttpAppOptions<R = never> {
  /** Largest body read, in bytes; a longer one is answered 413. Default 64 KiB (WeChat's bodies are ~1 KiB). */
  readonly maxBodyBytes?: number | undefined
  /**
   * Longest time for reading the body, from the app's start; a slower one is answered 408 and its connection closed.
   * Default 5 seconds: WeChat sends its few KiB at once and waits 5 s for the answer in all.
   *
   * @since 0.6.0
   */
  readonly bodyTimeout?: Duration.Input | undefined
  /**
   * Called with each verified notification that could not be decrypted or decoded, before it is answered 400 (the
   * answer stays 400, so a redelivery after a fix goes through). WeChat delivers it up to 15 times: store it by id.
   * A failure or defect of the hook is logged (id and reason only), never changes the answer.
   *
   * @since 0.6.0
   */
  readonly onDeadLetter?: ((letter: DeadLetter) => Effect.Effect<void, unknown, R>) | undefined
}

/**
 * The default body limit: 64 KiB.
 *
 * @since 0.4.0
 * @category constants
 */
export const defaultMaxBodyBytes = 64 * 1024

/**
 * The default time for reading a notification's body: 5 seconds.
 *
 * @since 0.6.0
 * @category constants
 */
export const defaultBodyTimeout: Duration.Duration = Duration.seconds(5)

/** The server side (src/notification/http.ts), loaded on the first request: see that module. */
let loadedHttp: typeof Http | undefined
// A function, not a top-level Effect: a bundler keeps a top-level call, and with it the import and the server modules.
// A module that does not load (a deployment that dropped the file) is said so in the log, on every request it fails.
const httpModule = (): Effect.Effect<typeof Http> =>
  loadedHttp !== undefined ? Effect.succeed(loadedHttp) : Effect.tryPromise(() => import("./notification/http.js")).pipe(
    Effect.tap((module) =>
      Effect.sync(() => {
        loadedHttp = module
      })
    ),
    Effect.tapError(() =>
      Effect.logError("effect-wechatpay: Notification.httpApp could not load its module notification/http.js")
    ),
    Effect.orDie
  )

/**
 * An HTTP app (an `effect/http` handler effect) for the notification URL: mount it with
 * `HttpRouter.add("POST", path, Notification.httpApp(h))`, or turn it into a fetch handler with
 * `HttpEffect.toWebHandler` (Bun, Deno, Workers).
 *
 * Reads the body (at most `maxBodyBytes`: 413 beyond; within `bodyTimeout`: 408 beyond, and the connection is
 * closed), verifies, decrypts and decodes it, claims its `id` in the `NotificationStore`, runs `handle(event)` and
 * answers 204. Answers `{"code":"FAIL","message":…}` with 401 for an unverifiable notification, 400 for one that
 * cannot be decrypted or decoded (in neither case does `handle` run; the latter goes to `onDeadLetter`); 204 without
 * running `handle` for an id already handled, 503 for one being handled right now; 500 when `handle` fails, dies or
 * is interrupted — the id is then released, so WeChat's redelivery runs `handle` again. Refusals and handler
 * failures are logged at warning level with the notification id and a reason only.
 *
 * While `handle` runs, its claim is extended every third of the store's lease; when the store refuses (the claim
 * was lost) or does not answer before two thirds of the lease are gone, `handle` is interrupted (answer 500), so that
 * the same id never runs twice at the same time. However the request ends — `handle` done, the claim in danger, or the
 * request interrupted from outside (the client hung up, a timeout) — `handle` is interrupted and awaited, and its
 * claim extended meanwhile: the id is completed or released only once `handle` has stopped, so an uninterruptible
 * region or a slow finalizer (a ROLLBACK) keeps it held. Only a store that answers `Lost` (or stops answering for a
 * whole lease) can let a redelivery run beside a handler that does not stop; that is logged as an error (`ClaimLost`).
 * A handler that awaits a Promise should pass the `AbortSignal` on (`Effect.tryPromise({ try: (signal) => … })`):
 * Effect does not wait for an aborted Promise, so one that ignores its signal keeps running after the id is released.
 * Wrap such a call in `Effect.uninterruptible` to keep the id held until the Promise settles.
 *
 * Provide `Notifications` (and any `NotificationStore`) once for the server's life — in the server's layer, or with
 * `HttpEffect.toWebHandlerLayer` — not with `Effect.provide` on the app: that builds the layers on every request, and a
 * fresh `NotificationStore.layerMemory()` per request forgets every id. Without a store, the process-wide default is
 * used.
 *
 * A body past the limit is read on and dropped (so the 413 reaches the sender) up to 17 times the limit (and within
 * `bodyTimeout`); beyond that the connection is closed without an answer. The request's headers are the server's to
 * bound (Node: `server.headersTimeout`, default 60 s; `server.requestTimeout`, default 300 s).
 *
 * Throws a `RangeError` when `maxBodyBytes` is not a non-negative integer, or `bodyTimeout` not a finite, positive
 * duration.
 *
 * @since 0.4.0
 * @category http
 */
export const httpApp = <E, R, R2 = never>(
  handle: (event: Event) => Effect.Effect<void, E, R>,
  options: HttpAppOptions<R2> = {}
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  R | R2 | Notifications | HttpServerRequest.HttpServerRequest
> => {
  const max = options.maxBodyBytes ?? defaultMaxBodyBytes
  if (!Number.isSafeInteger(max) || max < 0) throw new RangeError("maxBodyBytes must be a non-negative integer")
  const timeout = Duration.fromInput(options.bodyTimeout ?? defaultBodyTimeout)
  if (Option.isNone(timeout) || !Duration.isFinite(timeout.value) || Duration.toMillis(timeout.value) <= 0) {
    throw new RangeError("bodyTimeout must be a finite, positive duration")
  }
  let app:
    | Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | R2 | Notifications | HttpServerRequest.HttpServerRequest>
    | undefined
  return Effect.suspend(() =>
    app ?? Effect.flatMap(httpModule(), (module) =>
      (app = module.app(handle, { max, bodyTimeout: timeout.value, onDeadLetter: options.onDeadLetter })))
  )
}
