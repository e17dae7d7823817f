/**
 * The demo's last word: what the library's own metrics saw (calls, retries, p50/p99 per endpoint, notifications),
 * read from the metric registry with `Metric.snapshot` — the values an exporter would send, not a tally of the demo's.
 */
import { Console, Effect, Metric } from "effect"
import { check, step } from "./checks.js"

type Snapshot = Metric.Metric.Snapshot

/** The `q` quantile of a histogram from its cumulative buckets, interpolated within the bucket (as Prometheus does). */
export const quantile = (state: Metric.HistogramState, q: number): number => {
  if (state.count === 0) return Number.NaN
  const rank = q * state.count
  let lower = 0
  let below = 0
  for (const [boundary, cumulative] of state.buckets) {
    if (cumulative >= rank) {
      const inBucket = cumulative - below
      const upper = Number.isFinite(boundary) ? boundary : state.max
      const estimate = inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket
      // Never outside what was observed.
      return Math.min(Math.max(estimate, state.min), state.max)
    }
    lower = boundary
    below = cumulative
  }
  return state.max
}

/** Histogram states merged (same boundaries): the calls of one endpoint over all its outcomes. */
const merge = (states: ReadonlyArray<Metric.HistogramState>): Metric.HistogramState => ({
  buckets: states[0]!.buckets.map(([boundary], i) => [boundary, states.reduce((sum, s) => sum + s.buckets[i]![1], 0)]),
  count: states.reduce((sum, s) => sum + s.count, 0),
  min: Math.min(...states.map((s) => s.min)),
  max: Math.max(...states.map((s) => s.max)),
  sum: states.reduce((sum, s) => sum + s.sum, 0)
})

const counterTotal = (snapshot: ReadonlyArray<Snapshot>, id: string, filter: (s: Snapshot) => boolean = () => true) =>
  snapshot.reduce((sum, s) => s.id === id && s.type === "Counter" && filter(s) ? sum + Number(s.state.count) : sum, 0)

const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`

export const metricsSummary = Effect.gen(function*() {
  const snapshot = yield* Metric.snapshot
  yield* step("Telemetry: what the library's metrics saw (Metric.snapshot)")
  const calls = new Map<string, Array<{ readonly outcome: string; readonly state: Metric.HistogramState }>>()
  for (const s of snapshot) {
    if (s.id !== "wechatpay.client.call.duration" || s.type !== "Histogram") continue
    const endpoint = s.attributes?.["wechatpay.endpoint"] ?? "?"
    const list = calls.get(endpoint) ?? []
    list.push({ outcome: s.attributes?.["wechatpay.outcome"] ?? "?", state: s.state })
    calls.set(endpoint, list)
  }
  yield* Console.log(`   ${"endpoint".padEnd(40)} ${"calls".padStart(5)} ${"retries".padStart(7)} ${"p50".padStart(9)} ${"p99".padStart(9)}  not ok`)
  let totalCalls = 0
  let totalRetries = 0
  for (const [endpoint, list] of [...calls].sort(([a], [b]) => a.localeCompare(b))) {
    const all = merge(list.map((entry) => entry.state))
    const retries = counterTotal(snapshot, "wechatpay.client.retries", (s) => s.attributes?.["wechatpay.endpoint"] === endpoint)
    const failed = list.filter((entry) => entry.outcome !== "ok").map((entry) => `${entry.outcome}×${entry.state.count}`)
    totalCalls += all.count
    totalRetries += retries
    yield* Console.log(
      `   ${endpoint.padEnd(40)} ${String(all.count).padStart(5)} ${String(retries).padStart(7)} ${ms(quantile(all, 0.5)).padStart(9)} ${
        ms(quantile(all, 0.99)).padStart(9)
      }  ${failed.join(", ")}`
    )
  }
  const notifications = (id: string) => counterTotal(snapshot, `wechatpay.notifications.${id}`)
  yield* Console.log(
    `   ${totalCalls} calls, ${totalRetries} retries; notifications: ${notifications("received")} received, ` +
      `${notifications("handled")} handled, ${notifications("duplicates")} duplicates, ${notifications("refused")} refused`
  )
  const rateLimited = counterTotal(
    snapshot,
    "wechatpay.client.retries",
    (s) => s.attributes?.["wechatpay.retry.reason"] === "rate_limited"
  )
  yield* check(
    totalCalls > 0 && totalRetries === 1 && rateLimited === 1,
    "every call is in the metrics, and the one retry is the rate-limited call's (reason rate_limited)"
  )
  yield* check(
    notifications("duplicates") === 2 && notifications("handled") === notifications("received") - 2,
    "the two notifications WeChat delivered twice (the activation, the brand's points request) are each handled once"
  )
})
