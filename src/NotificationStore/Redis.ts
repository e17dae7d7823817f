/**
 * Notification de-duplication shared by every instance, in Redis: the owner-token lease contract of
 * `NotificationStore.Service`, one key per notification id whose time to live is the lease (a claim) or the TTL (a done
 * id), so that Redis's own clock ends leases and nothing needs sweeping.
 *
 * - `claim`: `SET key "p<owner>" NX PX lease`; when the key exists, its state — in one script, so nothing runs between.
 * - `extend`, `complete`, `release`: compare-and-set scripts — they act only when the key still holds the caller's own
 *   claim (`PEXPIRE`, `SET … PX ttl`, `DEL`).
 *
 * Runs on Effect's `Redis` service (`effect/persistence/Redis`), which loads each script once and calls it by its
 * SHA. On Node, `NodeRedis.layer` from `@effect/platform-node` provides it over the `redis` client (both optional peer
 * dependencies of this package: install them when you import this module):
 *
 * ```ts
 * import * as NodeRedis from "@effect/platform-node/NodeRedis"
 * import * as RedisStore from "effect-wechatpay/NotificationStore/Redis"
 *
 * const Store = RedisStore.layer({ prefix: "shop:wechatpay:notification:" }).pipe(
 *   Layer.provide(NodeRedis.layer({ url: process.env["REDIS_URL"]! }))
 * )
 * ```
 *
 * Redis keeps these keys in memory: about 100 bytes per notification id for the TTL (25 hours by default). With
 * persistence off (`--save "" --appendonly no`) a Redis restart forgets done ids: a late redelivery is then handled
 * again. Turn on AOF (`appendonly yes`) where that matters.
 *
 * @since 1.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import { guarded, lost, ownerToken, settings, settled } from "../internal/store.js"
import {
  type Claim,
  NotificationStore,
  type NotificationStoreError,
  type Service,
  type SharedOptions
} from "../NotificationStore.js"

/**
 * @since 1.1.0
 * @category models
 */
export interface Options extends SharedOptions {
  /** Prepended to each notification id to make its key. Default `wechatpay:notification:`. */
  readonly prefix?: string | undefined
}

/**
 * The default key prefix.
 *
 * @since 1.1.0
 * @category constants
 */
export const defaultPrefix = "wechatpay:notification:"

// A key holds "p" + owner while claimed, "d" + owner once done.
const claimScript = Redis.script((key: string, owner: string, lease: number) => [key, owner, lease], {
  numberOfKeys: 1,
  lua: `if redis.call("SET", KEYS[1], "p" .. ARGV[1], "NX", "PX", ARGV[2]) then return "claimed" end
local value = redis.call("GET", KEYS[1])
if value and string.sub(value, 1, 1) == "d" then return "done" end
return "in-progress"`
}).withReturnType<string>()

const extendScript = Redis.script((key: string, owner: string, lease: number) => [key, owner, lease], {
  numberOfKeys: 1,
  lua: `if redis.call("GET", KEYS[1]) == "p" .. ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
return 0`
}).withReturnType<number>()

const completeScript = Redis.script((key: string, owner: string, ttl: number) => [key, owner, ttl], {
  numberOfKeys: 1,
  lua: `local value = redis.call("GET", KEYS[1])
if value == "p" .. ARGV[1] or value == "d" .. ARGV[1] then
  redis.call("SET", KEYS[1], "d" .. ARGV[1], "PX", ARGV[2])
  return 1
end
return 0`
}).withReturnType<number>()

const releaseScript = Redis.script((key: string, owner: string) => [key, owner], {
  numberOfKeys: 1,
  lua: `if redis.call("GET", KEYS[1]) == "p" .. ARGV[1] then
  redis.call("DEL", KEYS[1])
  return 1
end
return 0`
}).withReturnType<number>()

/**
 * The store on the `Redis` service in context.
 *
 * @since 1.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Redis.Redis> => {
  // Checked when called: a bad duration is a programming error (RangeError).
  const prefix = options.prefix ?? defaultPrefix
  const { extended, lease, leaseMillis, timeout, ttl } = settings(options)
  return Effect.map(Redis.Redis, (redis): Service => {
    const claimOf = redis.eval(claimScript)
    const extendOf = redis.eval(extendScript)
    const completeOf = redis.eval(completeScript)
    const releaseOf = redis.eval(releaseScript)
    const op = <A>(operation: NotificationStoreError["operation"], id: string, effect: Effect.Effect<A, Redis.RedisError>) =>
      guarded("Redis", operation, id, timeout, effect)
    const answered = <A, B>(yes: A, no: B) => (reply: unknown): A | B => Number(reply) === 1 ? yes : no

    return {
      claim: (id) => {
        const owner = ownerToken()
        return op(
          "claim",
          id,
          Effect.map(claimOf(prefix + id, owner, leaseMillis), (reply): Claim =>
            reply === "claimed"
              ? { _tag: "Claimed", owner, lease }
              : reply === "done"
              ? { _tag: "Done" }
              : { _tag: "InProgress" })
        )
      },
      extend: (id, owner) => op("extend", id, Effect.map(extendOf(prefix + id, owner, leaseMillis), answered(extended, lost))),
      complete: (id, owner) => op("complete", id, Effect.map(completeOf(prefix + id, owner, ttl), answered(settled, lost))),
      release: (id, owner) => op("release", id, Effect.map(releaseOf(prefix + id, owner), answered(settled, lost)))
    }
  })
}

/**
 * The `NotificationStore` on the `Redis` service in context.
 *
 * @since 1.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<NotificationStore, never, Redis.Redis> =>
  Layer.effect(NotificationStore, make(options))
