/**
 * Cold start of one column in a fresh plain-`node` process: time from just before the client library is first
 * imported until the client is constructed (keys parsed, layers built), and until the first call has returned a
 * verified response. Run by bench/run.ts as `node bench/.build/coldstart.js` with `BENCH_CONFIG` set.
 */
import type { ChildConfig, ColdResult } from "./common.js"

const start = performance.now()
const config = JSON.parse(process.env["BENCH_CONFIG"] ?? "{}") as ChildConfig

const main = async (): Promise<ColdResult> => {
  const { construct } = config.bundled === true ? await import("./bundled.js") : await import("./clients.js")
  const constructed = await construct(config)
  const built = performance.now()
  await constructed.firstCall()
  const called = performance.now()
  return {
    column: config.column,
    bundled: config.bundled === true,
    importConstructMs: built - start,
    firstCallMs: called - start,
    sinceProcessStartMs: built
  }
}

main().then(
  (result) => {
    if (process.send) process.send({ type: "cold", result }, () => process.exit(0))
    else {
      console.log(JSON.stringify(result))
      process.exit(0)
    }
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
