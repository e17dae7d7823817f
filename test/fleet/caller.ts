/**
 * One instance of a merchant's back office, as the rate test runs four of them: `concurrency` fibers call
 * `MemberCard.getUserCard` against the emulator for `seconds`, as fast as the shared rate budget on Redis lets them.
 * Prints `{"ok":…,"failed":…,"slots":[…]}` at the end: `slots` are the times (epoch ms) the budget gave its takes —
 * when the limiter answered, plus the delay it asked for — which a loaded machine does not blur as it does arrivals.
 *
 * Usage: node --import tsx test/fleet/caller.ts <config.json>
 */
import * as fs from "node:fs"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Effect from "effect/Effect"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import * as Redacted from "effect/Redacted"
import { MemberCard } from "../../src/index.js"
import * as RateLimit from "../../src/RateLimit.js"
import * as RetryPolicy from "../../src/RetryPolicy.js"
import * as WechatPay from "../../src/WechatPay.js"

export interface CallerConfig {
  readonly baseUrl: string
  readonly mchid: string
  readonly merchantSerialNumber: string
  readonly merchantPrivateKey: string
  readonly wechatpayPublicKeys: Readonly<Record<string, string>>
  readonly redisUrl: string
  readonly prefix: string
  readonly limit: number
  readonly seconds: number
  readonly concurrency: number
  readonly card_id: string
  readonly code: string
}

const config = JSON.parse(fs.readFileSync(process.argv[2]!, "utf8")) as CallerConfig

const Client = MemberCard.layer.pipe(
  Layer.provide(WechatPay.layerNode({
    baseUrl: config.baseUrl,
    mchid: config.mchid,
    merchantSerialNumber: config.merchantSerialNumber,
    merchantPrivateKey: Redacted.make(config.merchantPrivateKey),
    wechatpayPublicKeys: config.wechatpayPublicKeys
  }))
)

const slots: Array<number> = []

/** Effect's RateLimiter (as `RateLimit.layerRedis` builds it), each token bucket's answer turned into a slot. */
const Recording = Layer.effect(
  RateLimiter.RateLimiter,
  Effect.map(RateLimiter.make, (limiter): RateLimiter.RateLimiter => ({
    ...limiter,
    consume: (options) =>
      Effect.tap(limiter.consume(options), ({ delay }) => Effect.sync(() => slots.push(Date.now() + Duration.toMillis(delay))))
  }))
)

const Budget = RateLimit.layer({
  perMerchant: { limit: config.limit, window: "1 second" },
  prefix: config.prefix
}).pipe(
  Layer.provide(Recording),
  Layer.provide(RateLimiter.layerStoreRedis()),
  Layer.provide(NodeRedis.layer({ url: config.redisUrl }))
)

const program = Effect.gen(function*() {
  let ok = 0
  let failed = 0
  const until = Date.now() + config.seconds * 1000
  const loop = Effect.gen(function*() {
    while (Date.now() < until) {
      const exit = yield* Effect.exit(MemberCard.getUserCard({ card_id: config.card_id, code: config.code }))
      if (exit._tag === "Success") ok++
      else failed++
    }
  })
  yield* Effect.all(Array.from({ length: config.concurrency }, () => loop), { concurrency: "unbounded" })
  process.stdout.write(`${JSON.stringify({ ok, failed, slots })}\n`)
})

Effect.runPromise(program.pipe(
  Effect.provide(Client),
  Effect.provide(Budget),
  Effect.provide(RetryPolicy.layerDisabled),
  Effect.scoped
)).then(() => process.exit(0), (error) => {
  console.error(String(error))
  process.exit(1)
})
