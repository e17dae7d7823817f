/** bench/runtimes.ts's one-endpoint app as a Worker: POST { config, calls, concurrency } → its `Timings`. */
import { Effect } from "effect"
import { timed } from "./app.js"
import type { SmokeConfig } from "./smoke.js"

export default {
  async fetch(request: Request): Promise<Response> {
    const { calls, concurrency, config } = (await request.json()) as {
      config: SmokeConfig
      calls: number
      concurrency: number
    }
    return Response.json(await Effect.runPromise(timed(config, calls, concurrency)))
  }
}
