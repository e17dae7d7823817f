/**
 * The one-endpoint app of bench/runtimes.ts: `MemberCard.GetUserCard` alone on `WechatPay.layer` +
 * `FetchHttpClient.layer` (what a bundle of the smallest real app weighs), timed: the first call, then `calls` reads
 * `concurrency` at a time.
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { MemberCard, WechatPay } from "effect-wechatpay"
import type { SmokeConfig } from "./smoke.js"

export interface Timings {
  readonly firstCallMillis: number
  readonly calls: number
  readonly millis: number
}

export const timed = (config: SmokeConfig, calls: number, concurrency: number): Effect.Effect<Timings, unknown> => {
  const layer = MemberCard.GetUserCard.layer.pipe(
    Layer.provide(WechatPay.layer({
      mchid: config.mchid,
      merchantSerialNumber: config.merchantSerialNumber,
      merchantPrivateKey: Redacted.make(config.merchantPrivateKey),
      wechatpayPublicKeys: config.wechatpayPublicKeys,
      baseUrl: config.baseUrl
    })),
    Layer.provide(FetchHttpClient.layer)
  )
  const read = MemberCard.getUserCard(config.card)
  return Effect.gen(function*() {
    const start = performance.now()
    yield* read
    const first = performance.now()
    yield* Effect.forEach(Array.from({ length: calls }), () => read, { concurrency, discard: true })
    return { firstCallMillis: first - start, calls, millis: performance.now() - first }
  }).pipe(Effect.provide(layer))
}
