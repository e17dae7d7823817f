/**
 * A rate budget for outgoing calls: WeChat limits some APIs per merchant (the brand member-card APIs: 5 requests/s
 * per merchant or brand, refused with `429 RATELIMIT_EXCEEDED`). With a budget in force, each attempt of a call —
 * retries included — first takes a token for its merchant (and, if configured, for its endpoint), waiting for one
 * rather than failing; a call WeChat refuses as rate limited (`FrequencyLimited`) takes a whole window's tokens, so
 * the calls after it wait a window.
 *
 * The budget lives in Effect's `RateLimiter` (`effect/persistence/RateLimiter`): in memory (`layerMemory`, one
 * process) or in Redis (`layerRedis`, shared by every instance that names the same Redis and prefix). Effect's Redis
 * store dates each take by the calling instance's clock: keep the instances' clocks in step (NTP), as a skew of a
 * second lets a fast clock take a window early.
 *
 * What it is not: it counts only the calls made through it. WeChat counts every call made with the merchant's
 * credentials — another system of yours, a colleague's script, the merchant platform's own tools — so keep a margin
 * (a budget of 4/s for a limit of 5/s), and keep the `RetryPolicy`: a refusal still retries, after the window.
 *
 * When the budget's store fails (Redis down), calls go ahead unthrottled and a warning is logged: the budget protects
 * WeChat's limit, it must not stop payments; WeChat's own 429 is typed and retried.
 *
 * @since 1.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type * as Redis from "effect/persistence/Redis"
import { RateLimit, type Service } from "./internal/budget.js"
import * as Telemetry from "./internal/telemetry.js"

/**
 * At most `limit` calls per `window` (e.g. `{ limit: 5, window: "1 second" }`). Calls are spaced `window / limit`
 * apart; `burst` (default 1) lets that many go at once after a quiet spell, so a one-second window may then see
 * `limit + burst - 1` calls.
 *
 * @since 1.1.0
 * @category models
 */
export interface Budget {
  readonly limit: number
  readonly window: Duration.Input
  readonly burst?: number | undefined
}

/**
 * @since 1.1.0
 * @category models
 */
export interface Options {
  /** Every call of a merchant (by mchid). */
  readonly perMerchant?: Budget | undefined
  /** Calls of one endpoint of a merchant, by the endpoint's name (`MemberCard.GetUserCard`, …), on top of `perMerchant`. */
  readonly perEndpoint?: Readonly<Record<string, Budget>> | undefined
  /** Prepended to the budget's keys (`<prefix><mchid>`, `<prefix><mchid>:<endpoint>`). Default `wechatpay:rate:`. */
  readonly prefix?: string | undefined
}

export {
  /**
   * The budget in force; none by default (calls are not throttled).
   *
   * @since 1.1.0
   * @category tags
   */
  RateLimit,
  /**
   * What the client asks of a budget: a token before each attempt (waits, never fails), and word of each refusal.
   *
   * @since 1.1.0
   * @category models
   */
  type Service
} from "./internal/budget.js"

/**
 * What providing a budget adds to the context: nothing a program requires (the reference has a default).
 *
 * @since 1.1.0
 * @category tags
 */
export type RateLimit = never

interface Bucket {
  readonly limit: number
  readonly window: Duration.Duration
  /** Tokens a refusal takes: one window's worth. */
  readonly penalty: number
}

/** A budget as Effect's token bucket: `burst` tokens, one more every `window / limit`. */
const bucket = (name: string, budget: Budget): Bucket => {
  const burst = budget.burst ?? 1
  const window = Duration.fromInput(budget.window)
  if (!(Number.isSafeInteger(budget.limit) && budget.limit >= 1)) throw new RangeError(`${name}: limit must be a whole number, at least 1`)
  if (!(Number.isSafeInteger(burst) && burst >= 1)) throw new RangeError(`${name}: burst must be a whole number, at least 1`)
  if (window._tag === "None" || !Duration.isFinite(window.value) || Duration.toMillis(window.value) <= 0) {
    throw new RangeError(`${name}: window must be a finite, positive duration`)
  }
  return {
    limit: burst,
    window: Duration.millis((Duration.toMillis(window.value) * burst) / budget.limit),
    penalty: budget.limit
  }
}

/**
 * The budget on the `RateLimiter` in context.
 *
 * @since 1.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, RateLimiter.RateLimiter> => {
  // Checked here, when the program is put together: a budget that is not one is a programming error (RangeError).
  const prefix = options.prefix ?? "wechatpay:rate:"
  const merchant = options.perMerchant === undefined ? undefined : bucket("perMerchant", options.perMerchant)
  const endpoints = new Map(
    Object.entries(options.perEndpoint ?? {}).map(([endpoint, budget]) => [endpoint, bucket(endpoint, budget)])
  )
  return Effect.map(RateLimiter.RateLimiter, (limiter): Service => {
    // A take's wait is the delay the limiter answers (no clock read), recorded by budget and endpoint; a refusal's
    // penalty is not a wait.
    const consume = (key: string, b: Bucket, tokens: number, budget: string | undefined, endpoint: string) =>
      limiter.consume({ algorithm: "token-bucket", onExceeded: "delay", key, limit: b.limit, window: b.window, tokens })
        .pipe(
          Effect.flatMap(({ delay }) =>
            Effect.withFiber((fiber) => {
              const telemetry = Telemetry.contextOf(fiber)
              if (budget !== undefined && telemetry !== undefined) {
                Telemetry.rateLimitWait.get(budget, endpoint).updateUnsafe(Duration.toMillis(delay) / 1000, telemetry)
              }
              return Duration.isZero(delay) ? Effect.void : Effect.sleep(delay)
            })
          ),
          Effect.catch((error) =>
            Effect.logWarning("effect-wechatpay: rate budget unavailable; the call goes unthrottled").pipe(
              Effect.annotateLogs({ key, reason: error.reason._tag })
            )
          )
        )
    const both = (mchid: string, endpoint: string, tokens: (b: Bucket) => number, take: boolean) => {
      const own = endpoints.get(endpoint)
      const steps: Array<Effect.Effect<void>> = []
      if (merchant !== undefined) steps.push(consume(prefix + mchid, merchant, tokens(merchant), take ? "merchant" : undefined, endpoint))
      if (own !== undefined) steps.push(consume(`${prefix}${mchid}:${endpoint}`, own, tokens(own), take ? "endpoint" : undefined, endpoint))
      return steps.length === 0 ? Effect.void : Effect.asVoid(Effect.all(steps, { concurrency: "unbounded" }))
    }
    return {
      take: (mchid, endpoint) => both(mchid, endpoint, () => 1, true),
      refused: (mchid, endpoint) => both(mchid, endpoint, (b) => b.penalty, false)
    }
  })
}

/**
 * The budget, on the `RateLimiter` in context (bring your own store).
 *
 * @since 1.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<RateLimit, never, RateLimiter.RateLimiter> =>
  Layer.effect(RateLimit, make(options))

/**
 * The budget in this process's memory.
 *
 * @since 1.1.0
 * @category layers
 */
export const layerMemory = (options: Options): Layer.Layer<RateLimit> =>
  layer(options).pipe(Layer.provide(RateLimiter.layer), Layer.provide(RateLimiter.layerStoreMemory))

/**
 * The budget in Redis, shared by every instance with the same Redis and `prefix` (needs the `Redis` service:
 * `NodeRedis.layer` from `@effect/platform-node`).
 *
 * @since 1.1.0
 * @category layers
 */
export const layerRedis = (options: Options): Layer.Layer<RateLimit, never, Redis.Redis> =>
  layer(options).pipe(
    Layer.provide(RateLimiter.layer),
    Layer.provide(RateLimiter.layerStoreRedis())
  )
