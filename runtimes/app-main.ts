/** bench/runtimes.ts's one-endpoint app as a script (Node, Bun, Deno): prints its `Timings` as JSON. */
import { Effect } from "effect"
import { timed } from "./app.js"
import type { SmokeConfig } from "./smoke.js"

const config = JSON.parse(process.env["SMOKE_CONFIG"] ?? "{}") as SmokeConfig

Effect.runPromise(timed(config, Number(process.env["BENCH_CALLS"]), Number(process.env["BENCH_CONCURRENCY"]))).then(
  (timings) => console.log(JSON.stringify(timings))
)
