/**
 * The rate budget's reference, apart from `RateLimit.ts` so that the client reads it without loading Effect's
 * RateLimiter (a program without a budget never loads it).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

export interface Service {
  /** Waits until the call may go. Never fails. */
  readonly take: (mchid: string, endpoint: string) => Effect.Effect<void>
  /** WeChat refused a call as rate limited: the calls after it wait a window. */
  readonly refused: (mchid: string, endpoint: string) => Effect.Effect<void>
}

export const RateLimit: Context.Reference<Service | undefined> = Context.Reference<Service | undefined>(
  "effect-wechatpay/RateLimit",
  { defaultValue: () => undefined }
)
