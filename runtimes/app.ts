/**
 * The one-endpoint app of bench/runtimes.ts: `GetUserCard` alone on `WechatPay.layer` + `FetchHttpClient.layer` (what a
 * bundle of the smallest real app weighs), timed: the first call, then `calls` reads `concurrency` at a time.
 *
 * The library's pieces come from the entry files, which import them either from the package root (`app-main.ts`,
 * `app-worker.ts`) or by module path (`app-worker-paths.ts`), so the bench can weigh both ways of importing. Only the
 * pieces are passed, never a module's namespace: a namespace handed around as a value keeps all of its exports.
 */
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { MemberCard, WechatPay } from "effect-wechatpay"
import type { SmokeConfig } from "./smoke.js"

export interface Timings {
  readonly firstCallMillis: number
  readonly calls: number
  readonly millis: number
}

/** What the app uses of the library. */
export interface App {
  readonly endpoint: typeof MemberCard.GetUserCard.layer
  readonly getUserCard: typeof MemberCard.getUserCard
  readonly wechatPayLayer: typeof WechatPay.layer
}

export const timed = (app: App, config: SmokeConfig, calls: number, concurrency: number): Effect.Effect<Timings, unknown> => {
  const layer = app.endpoint.pipe(
    Layer.provide(app.wechatPayLayer({
      mchid: config.mchid,
      merchantSerialNumber: config.merchantSerialNumber,
      merchantPrivateKey: Redacted.make(config.merchantPrivateKey),
      wechatpayPublicKeys: config.wechatpayPublicKeys,
      baseUrl: config.baseUrl
    })),
    Layer.provide(FetchHttpClient.layer)
  )
  const read = app.getUserCard(config.card)
  return Effect.gen(function*() {
    const start = performance.now()
    yield* read
    const first = performance.now()
    yield* Effect.forEach(Array.from({ length: calls }), () => read, { concurrency, discard: true })
    return { firstCallMillis: first - start, calls, millis: performance.now() - first }
  }).pipe(Effect.provide(layer))
}

/** The app as a Worker: POST { config, calls, concurrency } → its `Timings`. */
export const worker = (app: App) => ({
  async fetch(request: Request): Promise<Response> {
    const { calls, concurrency, config } = (await request.json()) as {
      config: SmokeConfig
      calls: number
      concurrency: number
    }
    return Response.json(await Effect.runPromise(timed(app, config, calls, concurrency)))
  }
})
