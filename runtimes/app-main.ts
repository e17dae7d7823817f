/** bench/runtimes.ts's one-endpoint app as a script (Node, Bun, Deno): prints its `Timings` as JSON. */
import * as Effect from "effect/Effect"
import { MemberCard, WechatPay } from "effect-wechatpay"
import { timed } from "./app.js"
import type { SmokeConfig } from "./smoke.js"

const config = JSON.parse(process.env["SMOKE_CONFIG"] ?? "{}") as SmokeConfig
const app = { endpoint: MemberCard.GetUserCard.layer, getUserCard: MemberCard.getUserCard, wechatPayLayer: WechatPay.layer }

Effect.runPromise(timed(app, config, Number(process.env["BENCH_CALLS"]), Number(process.env["BENCH_CONCURRENCY"]))).then(
  (timings) => console.log(JSON.stringify(timings))
)
