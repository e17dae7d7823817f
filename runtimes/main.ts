/**
 * The smoke programme as a script, for Node, Bun and Deno (bundled by runtimes/run.ts): the harness passes its
 * configuration in `SMOKE_CONFIG` (JSON); prints one line per check and `runtime <name>: N passed, N failed`.
 */
import * as Effect from "effect/Effect"
import { report, type SmokeConfig, smoke } from "./smoke.js"

const config = JSON.parse(process.env["SMOKE_CONFIG"] ?? "{}") as SmokeConfig

Effect.runPromise(smoke(config)).then((results) => {
  console.log(report(config.runtime, results))
  process.exitCode = results.every((result) => result.ok) ? 0 : 1
})
