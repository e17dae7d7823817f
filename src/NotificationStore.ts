/**
 * De-duplication of notifications by their `id`: WeChat delivers the same notification more than once (retries after
 * a slow or failed answer, and sometimes two copies at the same time), so `Notification.httpApp` claims an id before
 * running the handler, marks it done afterwards, and releases it when the handler fails so that the redelivery runs
 * it again.
 *
 * The default is an in-memory store (per process) that remembers an id for 25 hours, longer than WeChat's longest
 * retry window (15 attempts over about 24 h 4 min). Several instances behind a load balancer need a shared store:
 * provide your own `Service` (a database row keyed by id, a Redis `SET NX` …) with `Layer.succeed(NotificationStore,
 * …)`.
 *
 * @since 0.4.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * What a claim found:
 * - `claimed`: the id was free and is now held by the caller, who must `complete` or `release` it;
 * - `in-progress`: another delivery of the same notification is being handled right now;
 * - `done`: a delivery of it was handled successfully before.
 *
 * @since 0.4.0
 * @category models
 */
export type Claim = "claimed" | "in-progress" | "done"

/**
 * The store could not answer (a database down, a timeout). `httpApp` answers 500 so that WeChat delivers again.
 *
 * @since 0.4.0
 * @category errors
 */
export class NotificationStoreError
  extends Schema.TaggedError<NotificationStoreError>("effect-wechatpay/NotificationStoreError")(
    "NotificationStoreError",
    {
      operation: Schema.Literal("claim", "complete", "release"),
      /** The notification id. */
      id: Schema.String,
      message: Schema.String,
      /** The underlying failure, for logs (a store must not put notification contents here). */
      cause: Schema.optionalWith(Schema.Defect, { exact: true })
    }
  )
{}

/**
 * @since 0.4.0
 * @category models
 */
export interface Service {
  /**
   * Atomically take the id if it is neither being handled nor done. A claim is a lease: one held longer than the
   * store's lease (the handler's process died, or `release` failed) is free again, so WeChat's next delivery runs the
   * handler instead of being refused until its retries run out. A database store does the same with a claim
   * timestamp (`UPDATE … WHERE state = 'in-progress' AND claimed_at < now() - lease`).
   */
  readonly claim: (id: string) => Effect.Effect<Claim, NotificationStoreError>
  /** The handler succeeded: later deliveries of this id are answered without running it. */
  readonly complete: (id: string) => Effect.Effect<void, NotificationStoreError>
  /** The handler failed: forget the claim, so that the next delivery runs it again. */
  readonly release: (id: string) => Effect.Effect<void, NotificationStoreError>
}

/**
 * @since 0.4.0
 * @category models
 */
export interface MemoryOptions {
  /**
   * How long an id is remembered (claimed or done), by `Clock`. Default 25 hours: more than WeChat's retry window, so
   * a late redelivery of a handled notification is still recognised.
   */
  readonly ttl?: Duration.DurationInput | undefined
  /**
   * How long a claim (`in-progress`) holds without `complete` or `release`. Default 5 minutes: longer than any
   * handler should run (WeChat waits 5 s for the answer), shorter than WeChat's 11 deliveries a minute apart.
   */
  readonly lease?: Duration.DurationInput | undefined
}

/**
 * The in-memory store, with its current number of entries (to check that memory stays bounded).
 *
 * @since 0.4.0
 * @category models
 */
export interface MemoryService extends Service {
  readonly size: Effect.Effect<number>
}

/**
 * The default remembering time: 25 hours.
 *
 * @since 0.4.0
 * @category constants
 */
export const defaultTtl: Duration.Duration = Duration.hours(25)

/**
 * The default lease of a claim: 5 minutes.
 *
 * @since 0.4.0
 * @category constants
 */
export const defaultLease: Duration.Duration = Duration.minutes(5)

/** A finite, positive duration in milliseconds; a `RangeError` (a programming error) otherwise. */
const positiveMillis = (name: string, input: Duration.DurationInput): number => {
  const decoded = Duration.decodeUnknown(input)
  const millis = Option.isSome(decoded) && Duration.isFinite(decoded.value) ? Duration.toMillis(decoded.value) : Number.NaN
  if (!(millis > 0)) throw new RangeError(`${name} must be a finite, positive duration`)
  return millis
}

/** Expired entries are swept at most this often (by `Clock`), on a claim: memory stays proportional to the ids seen
 * within one TTL. */
const sweepEvery = 60_000

interface Entry {
  readonly state: "in-progress" | "done"
  readonly expiresAt: number
}

/**
 * An in-memory store, built synchronously (the default of the `NotificationStore` reference uses it). Entries
 * expire by `Clock`, so `TestClock` drives them in tests.
 *
 * @since 0.4.0
 * @category constructors
 */
export const unsafeMakeMemory = (options: MemoryOptions = {}): MemoryService => {
  const ttl = positiveMillis("ttl", options.ttl ?? defaultTtl)
  const lease = positiveMillis("lease", options.lease ?? defaultLease)
  const entries = new Map<string, Entry>()
  let nextSweep = Number.NEGATIVE_INFINITY

  const sweep = (now: number): void => {
    if (now < nextSweep) return
    nextSweep = now + sweepEvery
    for (const [id, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(id)
    }
  }

  // Read the clock, then check-and-set in one synchronous step: two deliveries of the same id cannot both claim it.
  const claim = (id: string): Effect.Effect<Claim> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync((): Claim => {
        sweep(now)
        const entry = entries.get(id)
        if (entry !== undefined && entry.expiresAt > now) return entry.state === "done" ? "done" : "in-progress"
        entries.set(id, { state: "in-progress", expiresAt: now + lease })
        return "claimed"
      }))

  const complete = (id: string): Effect.Effect<void> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        entries.set(id, { state: "done", expiresAt: now + ttl })
      }))

  const release = (id: string): Effect.Effect<void> =>
    Effect.sync(() => {
      const entry = entries.get(id)
      if (entry !== undefined && entry.state === "in-progress") entries.delete(id)
    })

  return { claim, complete, release, size: Effect.sync(() => entries.size) }
}

/**
 * An in-memory store as an Effect.
 *
 * @since 0.4.0
 * @category constructors
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<MemoryService> =>
  Effect.sync(() => unsafeMakeMemory(options))

/**
 * A fresh in-memory store for the layer's life.
 *
 * @since 0.4.0
 * @category layers
 */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<NotificationStore> =>
  Layer.sync(NotificationStore, () => unsafeMakeMemory(options))

/**
 * The store in force. Defaults to one in-memory store per process (25 h); provide `layerMemory` or your own
 * implementation to replace it.
 *
 * @since 0.4.0
 * @category tags
 */
export class NotificationStore extends Context.Reference<NotificationStore>()("effect-wechatpay/NotificationStore", {
  defaultValue: (): Service => unsafeMakeMemory()
}) {
  /** `layerMemory`, reachable as `Notification.NotificationStore.layerMemory`. */
  static readonly layerMemory: (options?: MemoryOptions) => Layer.Layer<NotificationStore> = layerMemory
  /** `makeMemory`, reachable as `Notification.NotificationStore.makeMemory`. */
  static readonly makeMemory: (options?: MemoryOptions) => Effect.Effect<MemoryService> = makeMemory
}
