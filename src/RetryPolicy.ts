/**
 * Which failures are repeated, on which calls, on what schedule.
 *
 * The client only ever consults this for idempotent calls — GETs, and writes that carry an idempotency key
 * (`out_request_no`, or `out_trade_no` on bonus calls) — and re-sends the very same bytes, signed afresh. By
 * default it repeats transport failures, `SystemError`, `FrequencyLimited` and body-less 5xx, at most 3 times, with
 * jittered exponential backoff, within 10 seconds. Provide another policy with `layer`, or none with
 * `layerDisabled`; `RetryPolicy` is a `Context.Reference`, so it can also be changed for a single call with
 * `Effect.provideService`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type { CallError } from "./WechatPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Delays between attempts; when it ends, the last error is returned. */
  readonly schedule: Schedule.Schedule<unknown, CallError>
  /** Whether this failure may be repeated at all (the call must also be idempotent). */
  readonly isRetryable: (error: CallError) => boolean
}

/**
 * The default rule: repeat what says the request was not processed, or may not have been (`retryable`: transport
 * failures, `SystemError`, `ServiceUnavailable`, any 5xx, a 202), and what was throttled (`FrequencyLimited`, any
 * 429). Never `ParamError`, `InvalidRequest`, `SignError`, `NoAuth`, `NotFound`, a redirect, or a verification or
 * decode failure — except a `WECHATPAY/SIGNTEST/` signature probe, which the client asks again once, on a GET only.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: CallError): boolean =>
  error.category === "retryable" || error.category === "throttled" ||
  (error._tag === "ResponseVerificationError" && error.probe === true)

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Repeats after the first attempt. Default 3. */
  readonly maxRetries?: number | undefined
  /** First delay; doubles each time, with ±20 % jitter. Default 100 ms. */
  readonly baseDelay?: Duration.Input | undefined
  /** Cap on one delay. Default 2 s. */
  readonly maxDelay?: Duration.Input | undefined
  /**
   * No retry starts after this much time, counted from the first failed attempt (so a call can last up to about
   * this plus `maxRetries + 1` attempt timeouts). Default 10 s.
   */
  readonly maxElapsed?: Duration.Input | undefined
  readonly isRetryable?: ((error: CallError) => boolean) | undefined
}

/**
 * A bounded, jittered exponential policy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Service => {
  const maxDelay = Duration.fromInputUnsafe(options.maxDelay ?? Duration.seconds(2))
  const capped = Schedule.exponential(options.baseDelay ?? Duration.millis(100), 2).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, maxDelay))),
    Schedule.jittered
  )
  // Both must go on (at most `maxRetries` repeats), within `maxElapsed` of the first failure.
  const schedule: Schedule.Schedule<unknown, CallError> = Schedule.max([capped, Schedule.recurs(options.maxRetries ?? 3)])
    .pipe(Schedule.upTo({ duration: options.maxElapsed ?? Duration.seconds(10) }))
  return { schedule, isRetryable: options.isRetryable ?? isTransient }
}

/**
 * The same decisions as `make` (which failures, how many repeats) without waiting between attempts: for tests on
 * `TestClock` (`it.effect`), where a backoff sleep would never end unless the clock is moved. The emulator's test
 * layers provide it.
 *
 * @since 0.3.0
 * @category constructors
 */
export const immediate = (options: Pick<Options, "maxRetries" | "isRetryable"> = {}): Service => ({
  schedule: Schedule.recurs(options.maxRetries ?? 3),
  isRetryable: options.isRetryable ?? isTransient
})

/**
 * Never repeat.
 *
 * @since 0.1.0
 * @category constructors
 */
export const disabled: Service = { schedule: Schedule.recurs(0), isRetryable: () => false }

/**
 * The policy in force; defaults to `make()`.
 *
 * @since 0.1.0
 * @category tags
 */
export const RetryPolicy: Context.Reference<Service> = Context.Reference<Service>("effect-wechatpay/RetryPolicy", {
  defaultValue: (): Service => make()
})

/**
 * What providing a `RetryPolicy` adds to the context: nothing a program requires, since the reference has a default
 * (Effect 4 gives a reference no identifier type of its own).
 *
 * @since 1.0.0
 * @category tags
 */
export type RetryPolicy = never

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RetryPolicy> => Layer.succeed(RetryPolicy, make(options))

/**
 * `immediate` as a layer.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerImmediate = (options: Pick<Options, "maxRetries" | "isRetryable"> = {}): Layer.Layer<RetryPolicy> =>
  Layer.succeed(RetryPolicy, immediate(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerDisabled: Layer.Layer<RetryPolicy> = Layer.succeed(RetryPolicy, disabled)
