/**
 * The smoke programme as a Cloudflare Worker (workerd, bundled by runtimes/run.ts for the browser platform): the
 * harness POSTs its configuration; the answer is the report. Everything, the client's layers included, is built
 * inside `fetch`: a Worker may not generate random values, start timers or do I/O in global scope.
 *
 * The answer also says whether this isolate compiles code from strings (`new Function`): workerd refuses it, so
 * Effect's Schema JIT (`SchemaJITCompiler`), were it enabled, would fall back to interpreting here.
 */
import * as Effect from "effect/Effect"
import { report, type SmokeConfig, smoke } from "./smoke.js"

export default {
  async fetch(request: Request): Promise<Response> {
    // The harness's GET /churn: garbage, so that V8 collects and runs FinalizationRegistry callbacks now, outside any
    // request, where workerd reports what a library left to them.
    if (request.method === "GET") return new Response(String(churn()))
    const config = (await request.json()) as SmokeConfig
    // runtimes:handler
    const results = await Effect.runPromise(smoke(config))
    return Response.json({ results, report: report(config.runtime, results), codeGeneration: codeGeneration() })
  }
}

/** Whether `new Function` works here: workerd throws an EvalError ("Code generation from strings disallowed"). */
const codeGeneration = (): string => {
  try {
    return new Function("return 'allowed'")() as string
  } catch (error) {
    return `refused (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`
  }
}

const churn = (): number => {
  let kept = 0
  for (let round = 0; round < 64; round++) kept += Array.from({ length: 100_000 }, (_, i) => ({ i })).length
  return kept
}
