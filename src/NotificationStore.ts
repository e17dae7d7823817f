/**
 * De-duplication of notifications by their `id`: WeChat delivers the same notification more than once (retries after
 * a slow or failed answer, and sometimes two copies at the same time), so `Notification.httpApp` claims an id before
 * running the handler, keeps the claim alive while it runs, marks it done afterwards, and releases it when the
 * handler fails so that the redelivery runs it again. Each claim carries an owner token, so a delivery can only
 * finish or free its own claim (see `Service` for how to write a store of your own).
 *
 * The default is an in-memory store (per process) that remembers an id for 25 hours, longer than WeChat's longest
 * retry window (15 attempts over about 24 h 4 min). Several instances behind a load balancer need a shared store:
 * provide your own `Service` (a database row keyed by id, a Redis hash with a Lua script …) with `Layer.succeed(NotificationStore,
 * …)`.
 *
 * @since 0.4.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { positiveMillis } from "./internal/duration.js"

/**
 * The caller now holds the id: it must `complete` or `release` it with `owner`, and `extend` the claim while the
 * handler runs longer than `lease`.
 *
 * @since 0.6.0
 * @category models
 */
export interface Claimed {
  readonly _tag: "Claimed"
  /** This claim's token: a value no other claim of the same id gets. `complete`, `release` and `extend` need it. */
  readonly owner: string
  /**
   * How long the claim holds from the moment `claim` answered, unless extended. A duration, not an instant, so that a
   * store on another machine (a database's clock) and the app need not agree on the time.
   */
  readonly lease: Duration.Duration
}

/**
 * What a claim found:
 * - `Claimed`: the id was free (new, released, or its last claim's lease ran out) and is now held by the caller;
 * - `InProgress`: another delivery of the same notification holds a live claim;
 * - `Done`: a delivery of it was handled successfully before.
 *
 * @since 0.4.0
 * @category models
 */
export type Claim = Claimed | { readonly _tag: "InProgress" } | { readonly _tag: "Done" }

/**
 * What `extend` found: the caller's claim holds for `lease` more, or it is `Lost` — its lease ran out (another
 * delivery may have claimed the id since), or it was completed or released — and nothing was changed.
 *
 * @since 0.6.0
 * @category models
 */
export type Extended = { readonly _tag: "Extended"; readonly lease: Duration.Duration } | { readonly _tag: "Lost" }

/**
 * What `complete` and `release` found: `Settled` when the caller's own claim was acted on, `Lost` when the id is
 * held by another claim (or by none, or `release` met a done id) — then nothing was changed.
 *
 * @since 0.6.0
 * @category models
 */
export type Settled = { readonly _tag: "Settled" } | { readonly _tag: "Lost" }

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
      /** `sweep`: a shared store's removal of expired entries (since 1.1.0). */
      operation: Schema.Literals(["claim", "extend", "complete", "release", "sweep"]),
      /** The notification id. */
      id: Schema.String,
      message: Schema.String,
      /** The underlying failure, for logs (a store must not put notification contents here). */
      cause: Schema.optionalKey(Schema.Defect())
    }
  )
{}

/**
 * A de-duplication store. Each claim is a lease with an owner token: only the claim's owner can extend, complete or
 * release it, so a delivery whose lease ran out can never free or finish a newer delivery's claim.
 *
 * Each operation must be one atomic step of the store. For a SQL table
 * `notification (id text primary key, state text, owner text, expires_at timestamptz)`:
 *
 * - `claim(id)`: a fresh token `$2` (e.g. `crypto.randomUUID()`), then
 *   `INSERT INTO notification VALUES ($1, 'in-progress', $2, now() + $lease) ON CONFLICT (id) DO UPDATE
 *   SET state = 'in-progress', owner = $2, expires_at = now() + $lease WHERE notification.expires_at <= now()
 *   RETURNING owner` — the row came back with `$2`: `Claimed`; otherwise read its state: `InProgress` or `Done`.
 * - `extend(id, owner)`: `UPDATE notification SET expires_at = now() + $lease WHERE id = $1 AND owner = $2
 *   AND state = 'in-progress' AND expires_at > now()` — one row: `Extended`, none: `Lost`.
 * - `complete(id, owner)`: `UPDATE notification SET state = 'done', expires_at = now() + $ttl WHERE id = $1
 *   AND owner = $2` — one row: `Settled`, none: `Lost`.
 * - `release(id, owner)`: `DELETE FROM notification WHERE id = $1 AND owner = $2 AND state = 'in-progress'`.
 *
 * In Redis, each is a Lua script over a hash `{state, owner}` with the key's TTL as the lease (compare the owner,
 * then set, `PEXPIRE` or `DEL`). A store that rejects a stale owner by a typed answer, never by touching another
 * claim, keeps `httpApp`'s promise: one id is never handled by two runs at the same time, and a done id stays done.
 *
 * `httpApp` extends the claim every third of its lease while the handler runs, and interrupts the handler when an
 * extension is refused (`Lost`) or does not answer before two thirds of the lease are gone — before the lease can run
 * out and another delivery claim it.
 *
 * @since 0.4.0
 * @category models
 */
export interface Service {
  /**
   * Atomically take the id if it is neither done nor held by a live claim. A claim held longer than its lease
   * (the process died, or `release` failed) is free again, so WeChat's next delivery runs the handler instead of
   * being refused until its retries run out.
   */
  readonly claim: (id: string) => Effect.Effect<Claim, NotificationStoreError>
  /** Renew the caller's live claim for another lease (a heartbeat while the handler runs). */
  readonly extend: (id: string, owner: string) => Effect.Effect<Extended, NotificationStoreError>
  /**
   * The handler succeeded: later deliveries of this id are answered without running it. Acts only on the caller's
   * own claim (also one whose lease ran out that nobody claimed since).
   */
  readonly complete: (id: string, owner: string) => Effect.Effect<Settled, NotificationStoreError>
  /** The handler failed: forget the caller's own claim, so that the next delivery runs it again. Never a done id. */
  readonly release: (id: string, owner: string) => Effect.Effect<Settled, NotificationStoreError>
}

/**
 * What every shared store (`NotificationStore/Postgres`, `NotificationStore/Redis`) takes.
 *
 * @since 1.1.0
 * @category models
 */
export interface SharedOptions {
  /** How long a done id is remembered. Default 25 hours (more than WeChat's retry window). */
  readonly ttl?: Duration.Input | undefined
  /** How long a claim holds without `extend`, `complete` or `release`. Default 5 minutes. */
  readonly lease?: Duration.Input | undefined
  /**
   * Each operation fails with `NotificationStoreError` when the store has not answered by then (a dropped
   * connection, a database that hangs), so that `httpApp` answers 5xx and WeChat delivers again. Default 2 seconds:
   * WeChat waits 5 seconds for an answer.
   */
  readonly timeout?: Duration.Input | undefined
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
  readonly ttl?: Duration.Input | undefined
  /**
   * How long a claim (`in-progress`) holds without `extend`, `complete` or `release`. Default 5 minutes: `httpApp`
   * extends it while the handler runs, so it only matters when the process dies with a claim held — then the id is
   * free again well within WeChat's 11 deliveries a minute apart.
   */
  readonly lease?: Duration.Input | undefined
  /**
   * Expired entries are swept at most this often, on a claim: memory stays proportional to the ids seen within one
   * TTL. Default 1 minute.
   *
   * @since 0.6.0
   */
  readonly sweepInterval?: Duration.Input | undefined
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

/** The default of `MemoryOptions.sweepInterval`. */
const sweepEvery = 60_000

interface Entry {
  readonly state: "in-progress" | "done"
  readonly owner: string
  readonly expiresAt: number
}

const settled: Settled = { _tag: "Settled" }
const lost: { readonly _tag: "Lost" } = { _tag: "Lost" }

/**
 * An in-memory store, built synchronously (the default of the `NotificationStore` reference uses it). Entries
 * expire by `Clock`'s monotonic time (`monotonicTimeNanos`), so `TestClock` drives them in tests and a wall-clock step
 * does not move them.
 *
 * @since 0.4.0
 * @category constructors
 */
export const unsafeMakeMemory = (options: MemoryOptions = {}): MemoryService => {
  const ttl = positiveMillis("ttl", options.ttl ?? defaultTtl)
  const lease = positiveMillis("lease", options.lease ?? defaultLease)
  const sweepInterval = positiveMillis("sweepInterval", options.sweepInterval ?? sweepEvery)
  const leaseDuration = Duration.millis(lease)
  const entries = new Map<string, Entry>()
  let nextSweep = Number.NEGATIVE_INFINITY
  // Unique per store, which is all a token needs here: it tells this store's claims of one id apart.
  let claims = 0

  const sweep = (now: number): void => {
    if (now < nextSweep) return
    nextSweep = now + sweepInterval
    for (const [id, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(id)
    }
  }

  // Each operation reads the clock, then checks and sets in one synchronous step: nothing runs in between. The clock
  // is monotonic (`Clock.monotonicTimeNanos`: process.hrtime on Node, TestClock in tests): a wall-clock step (NTP)
  // neither lapses a lease early nor keeps a claim too long.
  const atomically = <A>(f: (now: number) => A): Effect.Effect<A> =>
    Effect.flatMap(Clock.monotonicTimeNanos, (nanos) => Effect.sync(() => f(Number(nanos / 1_000_000n))))

  const claim = (id: string): Effect.Effect<Claim> =>
    atomically((now): Claim => {
      sweep(now)
      const entry = entries.get(id)
      if (entry !== undefined && entry.expiresAt > now) {
        return entry.state === "done" ? { _tag: "Done" } : { _tag: "InProgress" }
      }
      const owner = `${++claims}`
      entries.set(id, { state: "in-progress", owner, expiresAt: now + lease })
      return { _tag: "Claimed", owner, lease: leaseDuration }
    })

  const extend = (id: string, owner: string): Effect.Effect<Extended> =>
    atomically((now): Extended => {
      const entry = entries.get(id)
      if (entry === undefined || entry.owner !== owner || entry.state !== "in-progress" || entry.expiresAt <= now) {
        return lost
      }
      entries.set(id, { state: "in-progress", owner, expiresAt: now + lease })
      return { _tag: "Extended", lease: leaseDuration }
    })

  const complete = (id: string, owner: string): Effect.Effect<Settled> =>
    atomically((now): Settled => {
      const entry = entries.get(id)
      if (entry === undefined || entry.owner !== owner) return lost
      entries.set(id, { state: "done", owner, expiresAt: now + ttl })
      return settled
    })

  const release = (id: string, owner: string): Effect.Effect<Settled> =>
    Effect.sync((): Settled => {
      const entry = entries.get(id)
      if (entry === undefined || entry.owner !== owner || entry.state !== "in-progress") return lost
      entries.delete(id)
      return settled
    })

  return { claim, extend, complete, release, size: Effect.sync(() => entries.size) }
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
export const NotificationStore: NotificationStore.Reference = Object.assign(
  Context.Reference<Service>("effect-wechatpay/NotificationStore", {
    defaultValue: (): Service => unsafeMakeMemory()
  }),
  { layerMemory, makeMemory }
)

/**
 * What providing a `NotificationStore` adds to the context: nothing a program requires, since the reference has a
 * default (Effect 4 gives a reference no identifier type of its own).
 *
 * @since 1.0.0
 * @category tags
 */
export type NotificationStore = never

/**
 * @since 1.0.0
 */
export declare namespace NotificationStore {
  /**
   * The reference, with `layerMemory` and `makeMemory` reachable from it (as `Notification.NotificationStore.…`).
   *
   * @since 1.0.0
   * @category tags
   */
  export interface Reference extends Context.Reference<Service> {
    readonly layerMemory: (options?: MemoryOptions) => Layer.Layer<NotificationStore>
    readonly makeMemory: (options?: MemoryOptions) => Effect.Effect<MemoryService>
  }
}
