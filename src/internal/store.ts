/**
 * What the notification stores share: their options' durations, owner tokens, and how a backend's failure becomes a
 * `NotificationStoreError` (its kind named, never a notification's contents).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import {
  defaultLease,
  defaultTtl,
  type Extended,
  NotificationStoreError,
  type Settled,
  type SharedOptions
} from "../NotificationStore.js"
import { positiveMillis } from "./duration.js"

export { positiveMillis }

/** A shared store's options, checked (RangeError) and in milliseconds, with the answers it gives. */
export const settings = (options: SharedOptions) => {
  const ttl = Math.round(positiveMillis("ttl", options.ttl ?? defaultTtl))
  const leaseMillis = Math.round(positiveMillis("lease", options.lease ?? defaultLease))
  const timeout = positiveMillis("timeout", options.timeout ?? "2 seconds")
  const lease = Duration.millis(leaseMillis)
  const extended: Extended = { _tag: "Extended", lease }
  return { ttl, leaseMillis, lease, timeout, extended }
}

export const settled: Settled = { _tag: "Settled" }
export const lost = { _tag: "Lost" } as const

/** An owner token no other claim gets: 122 random bits, shared stores being written by many processes. */
export const ownerToken = (): string => globalThis.crypto.randomUUID()

type Operation = NotificationStoreError["operation"]

/**
 * One store operation, bounded by `timeoutMillis` and with its failure typed: a backend that does not answer (a
 * dropped connection, a database that hangs) fails the operation instead of holding the delivery, so `httpApp`
 * answers 5xx and WeChat delivers again.
 */
export const guarded = <A, E>(
  backend: string,
  operation: Operation,
  id: string,
  timeoutMillis: number,
  effect: Effect.Effect<A, E>
): Effect.Effect<A, NotificationStoreError> => {
  const failed = (error: unknown) =>
    Effect.fail(new NotificationStoreError({ operation, id, message: `${backend} failed: ${kindOf(error)}`, cause: error }))
  // The operation runs in a fiber of its own, and the caller waits for it only until the timeout: a driver whose
  // interruption itself waits on the network (a query cancel sent to a database that hangs) must not hold the answer.
  return Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
    Fiber.join(fiber).pipe(
      Effect.catch(failed),
      Effect.catchDefect(failed),
      Effect.timeoutOrElse({
        duration: Duration.millis(timeoutMillis),
        orElse: () =>
          Effect.andThen(
            Effect.forkDetach(Fiber.interrupt(fiber)),
            Effect.fail(
              new NotificationStoreError({ operation, id, message: `${backend} did not answer within ${timeoutMillis} ms` })
            )
          )
      }),
      Effect.onInterrupt(() => Effect.forkDetach(Fiber.interrupt(fiber)))
    ))
}

/** The failure's kind: a tag (`SqlError: ConnectionError`, `RedisError`), never its message (it may hold values). */
const kindOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const tag = (error as { readonly _tag?: unknown })._tag
    const inner = (error as { readonly reason?: { readonly _tag?: unknown } }).reason?._tag
    if (typeof tag === "string") return typeof inner === "string" ? `${tag}: ${inner}` : tag
    if (error instanceof Error) return error.name
  }
  return "failure"
}
