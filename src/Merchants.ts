/**
 * Many merchants in one process: a directory of merchants, each merchant's client built on first use from the
 * options a lookup gives (keys from a database, a KMS, files), shared by concurrent callers, and released after it sat
 * unused for `idleTimeToLive`. One combinator, `forMerchant(mchid)`, runs an effect (or a stream) as that merchant:
 * every endpoint accessor, `Paging` stream and `Media.uploadImage` works under it unchanged.
 *
 * ```ts
 * const merchants = Merchants.layerNode({ lookup: (mchid) => loadMerchantFromDatabase(mchid) })
 * const card = MemberCard.GetUserCard.call({ card_id, code }).pipe(Merchants.forMerchant("1900000001"))
 * ```
 *
 * A merchant that is unknown, whose lookup fails or whose keys are bad fails that call alone, with a typed error
 * (`UnknownMerchant`, `MerchantLookupError`, `ConfigurationError` naming the merchant); such a failure is not kept,
 * so the next call looks the merchant up again. A new directory entry (a rotated key) takes effect at
 * `invalidate(mchid)`, or by itself once the client is older than `maxAge`: calls already running finish on the old
 * client, the next ones get the new one.
 *
 * `httpApp` answers the notifications of every merchant on one route, the merchant named by the last segment of
 * the callback URL (each merchant sets its own URL with `MemberCard.SetCallback`, e.g.
 * `https://pay.example.com/wechatpay/notify/1900000001`): WeChat's notification carries no merchant id, and the URL
 * is the one thing each merchant chooses.
 *
 * @since 1.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RcMap from "effect/RcMap"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Encryptor } from "./Encryptor.js"
import * as Telemetry from "./internal/telemetry.js"
import * as Media from "./Media.js"
import * as MemberCard from "./MemberCard.js"
import * as MemberCardActivity from "./MemberCardActivity.js"
import * as NodeTransport from "./NodeTransport.js"
import * as Notification from "./Notification.js"
import { NotificationStore, type Service as StoreService } from "./NotificationStore.js"
import type { Transport } from "./Transport.js"
import type { Verifier } from "./Verifier.js"
import * as WechatPay from "./WechatPay.js"
import { WechatPayClient } from "./WechatPayClient.js"
import { ConfigurationError, MerchantLookupError, UnknownMerchant } from "./WechatPayError.js"

/**
 * What `forMerchant` provides: the merchant's client, `Encryptor` and `Verifier`, and every endpoint (member cards,
 * member activities, media) over that client. (`Notification.Notifications` too, when the merchant's options carry
 * its `apiV3Key`: `httpApp` uses it.)
 *
 * @since 1.2.0
 * @category models
 */
export type Provided =
  | WechatPayClient
  | Encryptor
  | Verifier
  | MemberCard.Services
  | MemberCardActivity.Services
  | Media.UploadImage

/**
 * How a call for one merchant can fail before anything is sent.
 *
 * @since 1.2.0
 * @category models
 */
export type MerchantError = UnknownMerchant | MerchantLookupError | ConfigurationError

/**
 * A merchant's options, or `undefined` for a merchant the directory does not have. A failure is the directory's own
 * (the call fails with `MerchantLookupError`, the failure as its `cause`). The options' `mchid` must be the one asked
 * for: anything else is refused (`ConfigurationError`), since it would sign this merchant's calls as another.
 *
 * @since 1.2.0
 * @category models
 */
export type Lookup<E = never, R = never> = (mchid: string) => Effect.Effect<WechatPay.Options | undefined, E, R>

/**
 * @since 1.2.0
 * @category models
 */
export interface Options<E = never, R = never> {
  readonly lookup: Lookup<E, R>
  /** How long a merchant's client is kept once no call uses it. Default 10 minutes. */
  readonly idleTimeToLive?: Duration.Input | undefined
  /**
   * Look a merchant up again once its client is this old, even while it is in use, so that a rotated key in the
   * directory takes effect without `invalidate`. Default: never (only `idleTimeToLive` and `invalidate`).
   */
  readonly maxAge?: Duration.Input | undefined
  /**
   * A lookup that has not answered by then fails the calls waiting for it (`MerchantLookupError`), and the next call
   * asks again. Default 10 seconds.
   */
  readonly lookupTimeout?: Duration.Input | undefined
}

/**
 * @since 1.2.0
 * @category models
 */
export interface Service {
  /**
   * The merchant's services, held for the life of the current scope (the merchant's client is built on first use and
   * shared; it is released `idleTimeToLive` after the last scope holding it closes).
   */
  readonly context: (mchid: string) => Effect.Effect<Context.Context<Provided>, MerchantError, Scope.Scope>
  /** Forget the merchant's client: the next call looks the merchant up again. Calls running keep the old one. */
  readonly invalidate: (mchid: string) => Effect.Effect<void>
  /** The merchants whose clients are held right now (built, being built, or idle). */
  readonly held: Effect.Effect<ReadonlyArray<string>>
}

/**
 * @since 1.2.0
 * @category tags
 */
export class Merchants extends Context.Service<Merchants, Service>()("effect-wechatpay/Merchants") {}

/**
 * The default time an unused merchant's client is kept: 10 minutes.
 *
 * @since 1.2.0
 * @category constants
 */
export const defaultIdleTimeToLive: Duration.Duration = Duration.minutes(10)

/**
 * The default time a lookup may take: 10 seconds.
 *
 * @since 1.2.0
 * @category constants
 */
export const defaultLookupTimeout: Duration.Duration = Duration.seconds(10)

const mchidPattern = /^[0-9]{1,32}$/

/** Every endpoint over the merchant's client: built per merchant (never shared: each holds its merchant's client). */
const endpoints = Layer.mergeAll(MemberCard.layer, MemberCardActivity.layer, Media.layer)

interface Entry {
  readonly context: Context.Context<Provided>
  readonly builtAt: number
}

const duration = (name: string, input: Duration.Input | undefined, fallback: Duration.Duration): Duration.Duration => {
  if (input === undefined) return fallback
  const decoded = Duration.fromInput(input)
  if (Option.isNone(decoded) || Duration.toMillis(decoded.value) <= 0) {
    throw new RangeError(`${name} must be a positive duration`)
  }
  return decoded.value
}

/** A failure of the layers as the call's error: a configuration error names its merchant. */
const forThe = (mchid: string) => (error: unknown): MerchantError =>
  error instanceof ConfigurationError
    ? new ConfigurationError({ option: error.option, message: error.message, mchid })
    : error as MerchantError

/**
 * The directory as a service. Needs a `Transport`, shared by every merchant (one connection pool to WeChat Pay's host).
 * Throws a `RangeError` when `idleTimeToLive`, `maxAge` or `lookupTimeout` is not a positive duration.
 *
 * @since 1.2.0
 * @category constructors
 */
export const make = <E, R>(options: Options<E, R>): Effect.Effect<Service, never, Scope.Scope | Transport | R> => {
  const idleTimeToLive = duration("idleTimeToLive", options.idleTimeToLive, defaultIdleTimeToLive)
  const maxAge = Duration.toMillis(duration("maxAge", options.maxAge, Duration.infinity))
  const lookupTimeout = duration("lookupTimeout", options.lookupTimeout, defaultLookupTimeout)
  return Effect.gen(function*() {
    // Each merchant is built in the directory's own context (its transport, tracer, metric registry, the lookup's
    // services), never in the context of whichever call happened to come first: a merchant outlives that call, and
    // its background work (certificate refreshes) must not run under that call's span or hold its request.
    const own = yield* Effect.context<Transport | R>()

    const lookup = (mchid: string) =>
      options.lookup(mchid).pipe(
        Effect.mapError((cause) =>
          new MerchantLookupError({ mchid, message: `The lookup of merchant ${mchid} failed.`, cause })
        ),
        Effect.timeoutOrElse({
          duration: lookupTimeout,
          orElse: () =>
            Effect.fail(
              new MerchantLookupError({
                mchid,
                message: `The lookup of merchant ${mchid} did not answer within ${Duration.format(lookupTimeout)}.`
              })
            )
        })
      )

    const build = (mchid: string): Effect.Effect<Entry, MerchantError, Scope.Scope | Transport | R> =>
      Effect.gen(function*() {
        const found = yield* lookup(mchid)
        if (found === undefined) {
          return yield* new UnknownMerchant({ mchid, message: `No merchant ${mchid} in the directory.` })
        }
        if (found.mchid !== mchid) {
          return yield* new ConfigurationError({
            option: "mchid",
            message: `The directory answered merchant ${mchid} with the options of another merchant.`,
            mchid
          })
        }
        // Memo maps of their own: layers are shared by reference within one, and the endpoint layers are the same
        // objects for every merchant — shared, merchant B's calls would go out over merchant A's client. The built
        // contexts are cut loose from their memo maps (`Layer.buildWithMemoMap` puts the map in the context it
        // returns), so that an idle merchant holds its services and not every intermediate context of the build.
        const merchant = Context.omit(Layer.CurrentMemoMap)(
          yield* Layer.buildWithMemoMap(WechatPay.layerWith(found), Layer.makeMemoMapUnsafe(), yield* Scope.Scope).pipe(
            Effect.mapError(forThe(mchid))
          )
        )
        // The endpoints hold nothing to release: built in a scope of their own that is never closed, and let go of
        // with their memo map once built (bench/merchants.ts: ~44 KiB per idle merchant instead of ~100 KiB).
        const built = yield* Layer.buildWithMemoMap(endpoints, Layer.makeMemoMapUnsafe(), Scope.makeUnsafe()).pipe(
          Effect.provideContext(merchant)
        )
        return {
          context: Context.merge(merchant, Context.omit(Layer.CurrentMemoMap)(built)) as Context.Context<Provided>,
          builtAt: yield* Clock.currentTimeMillis
        }
      })

    /**
     * The current entry of each merchant, by a token of its own: a caller drops an entry (failed, or too old) only
     * if it is still the current one, so that a late caller never drops the entry another has just built.
     */
    const current = new Map<string, object>()
    const acquire = (mchid: string) =>
      Effect.updateContext(
        Effect.gen(function*() {
          const token = {}
          current.set(mchid, token)
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              if (current.get(mchid) === token) current.delete(mchid)
            })
          )
          // The outcome is the entry's value: a failure is seen by every caller that joined it, then dropped by one.
          return { token, exit: yield* Effect.exit(build(mchid)) }
        }),
        (caller: Context.Context<Scope.Scope>) => Context.add(own, Scope.Scope, Context.get(caller, Scope.Scope))
      )
    const map = yield* RcMap.make({ lookup: acquire, idleTimeToLive })

    const drop = (mchid: string, token: object): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (current.get(mchid) !== token) return Effect.void
        current.delete(mchid)
        return RcMap.invalidate(map, mchid)
      })

    // A failure is not kept: the entry that failed is dropped, and the next call looks the merchant up again.
    const get = (mchid: string): Effect.Effect<{ readonly token: object; readonly entry: Entry }, MerchantError, Scope.Scope> =>
      Effect.flatMap(RcMap.get(map, mchid), ({ exit, token }) =>
        Exit.isSuccess(exit)
          ? Effect.succeed({ token, entry: exit.value })
          : Effect.andThen(drop(mchid, token), Effect.failCause(exit.cause)))

    const context = (mchid: string): Effect.Effect<Context.Context<Provided>, MerchantError, Scope.Scope> => {
      if (typeof mchid !== "string" || !mchidPattern.test(mchid)) {
        return Effect.fail(new UnknownMerchant({ mchid: String(mchid).slice(0, 40), message: "Not a merchant id." }))
      }
      if (maxAge === Number.POSITIVE_INFINITY) return Effect.map(get(mchid), ({ entry }) => entry.context)
      return Effect.flatMap(get(mchid), ({ entry, token }) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now - entry.builtAt < maxAge
            ? Effect.succeed(entry.context)
            // Too old: dropped from the map (whoever holds it keeps it until done) and looked up again; callers that
            // find it too old at the same time drop it once and share the new one.
            : drop(mchid, token).pipe(
              Effect.andThen(get(mchid)),
              Effect.map((fresh) => fresh.entry.context)
            )))
    }

    return Merchants.of({
      context,
      invalidate: (mchid) =>
        Effect.suspend(() => {
          current.delete(mchid)
          return RcMap.invalidate(map, mchid)
        }),
      held: Effect.map(RcMap.keys(map), (keys) => Array.from(keys))
    })
  })
}

/**
 * The directory as a layer, over the `Transport` you provide (e.g. `NodeTransport.layer()`), shared by every
 * merchant.
 *
 * @since 1.2.0
 * @category layers
 */
export const layer = <E, R>(options: Options<E, R>): Layer.Layer<Merchants, never, Transport | R> =>
  Layer.effect(Merchants, make(options))

/**
 * The directory over the built-in node:http(s) transport: one keep-alive pool for every merchant.
 *
 * @since 1.2.0
 * @category layers
 */
export const layerNode = <E, R>(
  options: Options<E, R> & { readonly transport?: NodeTransport.Options | undefined }
): Layer.Layer<Merchants, ConfigurationError, R> =>
  layer(options).pipe(Layer.provide(NodeTransport.layer(options.transport)))

/**
 * A lookup from a fixed record of merchants, keyed by mchid: the simple case, and tests.
 *
 * @since 1.2.0
 * @category constructors
 */
export const fromRecord = (merchants: Readonly<Record<string, WechatPay.Options>>): Lookup =>
(mchid) => Effect.succeed(Object.hasOwn(merchants, mchid) ? merchants[mchid] : undefined)

/**
 * The merchant the current call runs as (under `forMerchant`, or in `httpApp`'s handler).
 *
 * @since 1.2.0
 * @category accessors
 */
export const currentMchid: Effect.Effect<string, never, WechatPayClient> = Effect.map(
  WechatPayClient,
  (client) => client.mchid
)

/**
 * Forget the merchant's client (after its entry changed in the directory, e.g. a rotated key): the next call looks it
 * up again; calls running finish on the old client.
 *
 * @since 1.2.0
 * @category accessors
 */
export const invalidate = (mchid: string): Effect.Effect<void, never, Merchants> =>
  Effect.flatMap(Merchants, (merchants) => merchants.invalidate(mchid))

/**
 * `forMerchant(mchid)` applied to an effect or a stream.
 *
 * @since 1.2.0
 * @category models
 */
export type ForMerchant = <
  Self extends Effect.Effect<any, any, any> | Stream.Stream<any, any, any>
>(self: Self) => Self extends Stream.Stream<infer A, infer E, infer R>
  ? Stream.Stream<A, E | MerchantError, Exclude<R, Provided> | Merchants>
  : Self extends Effect.Effect<infer A, infer E, infer R>
    ? Effect.Effect<A, E | MerchantError, Exclude<R, Provided> | Merchants>
  : never

/**
 * `use` with the merchant's services, the merchant held until it is done. A scope of its own, not `Effect.scoped`,
 * which would also close the caller's own scoped resources.
 */
const holding = <A, E, R>(
  mchid: string,
  use: (context: Context.Context<Provided>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | MerchantError, R | Merchants> =>
  Effect.flatMap(Merchants, (merchants) =>
    Effect.acquireUseRelease(
      Scope.make(),
      (scope) => Effect.flatMap(Scope.provide(merchants.context(mchid), scope), use),
      (scope, exit) => Scope.close(scope, exit)
    ))

/**
 * Run an effect — or a stream — as the merchant `mchid`: its client, keys and endpoints are provided (built on
 * first use), and held until it is done.
 *
 * ```ts
 * MemberCard.GetUserCard.call({ card_id, code }).pipe(Merchants.forMerchant(mchid))
 * Paging.stream(…).pipe(Merchants.forMerchant(mchid))
 * ```
 *
 * @since 1.2.0
 * @category combinators
 */
export const forMerchant = (mchid: string): ForMerchant =>
  ((self: Effect.Effect<unknown, unknown, unknown> | Stream.Stream<unknown, unknown, unknown>) =>
    Stream.isStream(self)
      ? Stream.unwrap(
        Effect.flatMap(Merchants, (merchants) =>
          Effect.map(merchants.context(mchid), (context) => Stream.provideContext(self, context)))
      )
      : holding(mchid, (context) => Effect.provideContext(self, context))) as ForMerchant

// ---------------------------------------------------------------------------------------------------------------
// Notifications for every merchant on one route
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 1.2.0
 * @category models
 */
export interface HttpAppOptions<R = never> extends Notification.HttpAppOptions<R> {
  /**
   * Which merchant a request is for. Default: the last segment of the URL's path (`…/notify/1900000001`).
   */
  readonly merchantOf?: ((request: HttpServerRequest.HttpServerRequest) => string | undefined) | undefined
}

const lastSegment = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
  const path = request.url.split("?", 1)[0]!
  const segments = path.split("/")
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i] !== "") return segments[i]
  }
  return undefined
}

const refuse = (status: number, message: string) => HttpServerResponse.jsonUnsafe({ code: "FAIL", message }, { status })

/** The store as seen by one merchant: its notification ids apart from every other merchant's. */
const storeFor = (store: StoreService, mchid: string): StoreService => {
  const key = (id: string) => `${mchid}/${id}`
  return {
    claim: (id) => store.claim(key(id)),
    extend: (id, owner) => store.extend(key(id), owner),
    complete: (id, owner) => store.complete(key(id), owner),
    release: (id, owner) => store.release(key(id), owner)
  }
}

/**
 * `Notification.httpApp` for every merchant in the directory, on one route (mount it with a path parameter, e.g.
 * `HttpRouter.add("POST", "/wechatpay/notify/:mchid", Merchants.httpApp(handle))`). The merchant named by the URL
 * (`merchantOf`) verifies and decrypts with its own keys and APIv3 key; `handle` runs as that merchant (endpoint
 * calls in it go out as that merchant; `currentMchid` says which). Notification ids are de-duplicated per merchant
 * (the store's key is `mchid/id`).
 *
 * Answers, besides `Notification.httpApp`'s: 404 for a URL that names no merchant of the directory (WeChat keeps
 * delivering: add the merchant, and the next delivery goes through); 503 when the directory's lookup fails; 500 when
 * the merchant's options are wrong or carry no `apiV3Key`. Each is logged with the merchant id and a reason.
 *
 * @since 1.2.0
 * @category http
 */
export const httpApp = <E, R, R2 = never>(
  handle: (event: Notification.Event) => Effect.Effect<void, E, R>,
  options: HttpAppOptions<R2> = {}
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  Exclude<R | R2, Provided | Notification.Notifications> | Merchants | HttpServerRequest.HttpServerRequest
> => {
  const merchantOf = options.merchantOf ?? lastSegment
  const app = Notification.httpApp(handle, options)
  // Refused before `Notification.httpApp` sees it: counted here, as received and refused by reason.
  const logged = (status: number, reason: string, mchid: string, message: string) =>
    Effect.withFiber((fiber) => {
      const telemetry = Telemetry.contextOf(fiber)
      if (telemetry !== undefined) {
        Telemetry.notificationsReceived.updateUnsafe(1, telemetry)
        Telemetry.notificationsRefused.get(reason).updateUnsafe(1, telemetry)
      }
      return Effect.as(
        Effect.logWarning("effect-wechatpay: notification refused").pipe(
          Effect.annotateLogs({ mchid: mchid.slice(0, 40), reason })
        ),
        refuse(status, message)
      )
    })
  const refusal = (mchid: string, error: MerchantError) => {
    switch (error._tag) {
      case "UnknownMerchant":
        return logged(404, "UnknownMerchant", mchid, "unknown merchant")
      case "MerchantLookupError":
        return logged(503, "MerchantLookupError", mchid, "the merchant directory is unavailable")
      case "ConfigurationError":
        return logged(500, "ConfigurationError", mchid, "the merchant is not configured")
    }
  }
  const serve = (mchid: string, context: Context.Context<Provided>) => {
    if (Option.isNone(Context.getOption(context, Notification.Notifications))) {
      return logged(500, "NoApiV3Key", mchid, "the merchant is not configured for notifications")
    }
    return Effect.flatMap(NotificationStore, (store) =>
      app.pipe(
        Effect.provideContext(context),
        Effect.provideService(NotificationStore, storeFor(store, mchid))
      ))
  }
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const mchid = merchantOf(request) ?? ""
    // `serve` never fails (the app answers every failure): a failure here is the merchant's.
    return Effect.catch(holding(mchid, (context) => serve(mchid, context)), (error) => refusal(mchid, error))
  }) as Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    never,
    Exclude<R | R2, Provided | Notification.Notifications> | Merchants | HttpServerRequest.HttpServerRequest
  >
}
