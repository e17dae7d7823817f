/**
 * Cold start of one column in a fresh plain-`node` process: time from just before the client library is first
 * imported until the client is constructed (keys parsed, layers built), and until the first call has returned a
 * verified response. Run by bench/run.ts as `node bench/.build/coldstart.js` with `BENCH_CONFIG` set.
 */
import { type ChildConfig, type ColdResult, reportToParent } from "./common.js"

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

reportToParent("cold", main)
