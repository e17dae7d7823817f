/**
 * The demo (`npm run demo`, the README's first command) as a user runs it, and its metrics summary: the numbers it
 * prints are read from the library's metrics, so they are checked here against what the demo is known to do — every
 * call counted, one retry (the rate-limited call), two duplicate notifications (WeChat's second deliveries of the
 * activation and of the brand's points request) — and the quantile estimate it prints them with is checked on its own.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import type * as Metric from "effect/Metric"
import { quantile } from "../demo/metrics.js"

const root = fileURLToPath(new URL("..", import.meta.url))

describe("the demo", () => {
  it("runs against the embedded emulator and ends with the metrics summary: calls per endpoint, the one retry, the duplicate", () => {
    const run = spawnSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, "demo/main.ts"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: "1" }
    })
    expect(run.status, run.stderr).toBe(0)
    const out = run.stdout
    expect(out).toContain("All steps behaved as expected.")
    const summary = out.slice(out.indexOf("Telemetry: what the library's metrics saw"))
    expect(summary).toMatch(/^ {3}endpoint +calls retries +p50 +p99 {2}not ok$/m)
    // The rate-limited read is the only retry; the second delivery of the activation the only duplicate.
    expect(summary).toMatch(/^ {3}MemberCard\.GetUserCard +\d+ +1 +[\d.]+ ms +[\d.]+ ms/m)
    expect(summary).toMatch(/^ {3}\d+ calls, 1 retries; notifications: 7 received, 5 handled, 2 duplicates, 0 refused$/m)
    // The brand's story: its own client's calls are in the same metrics.
    expect(summary).toMatch(/^ {3}BrandCardMember\.SyncUserPoints +1 +0 /m)
    expect(out).toContain("✔ delivered twice, handled once: one points sync applied, WeChat now shows 120 points")
    const rows = [...summary.matchAll(/^ {3}(\w+\.\w+) +(\d+) +(\d+) +([\d.]+) ms +([\d.]+) ms/gm)]
    expect(rows.length).toBeGreaterThanOrEqual(10)
    const total = Number(/^ {3}(\d+) calls,/m.exec(summary)![1])
    expect(rows.reduce((sum, row) => sum + Number(row[2]), 0)).toBe(total)
    for (const row of rows) expect(Number(row[4])).toBeLessThanOrEqual(Number(row[5]))
    expect(summary).toContain("✔ every call is in the metrics, and the one retry is the rate-limited call's")
  }, 90_000)
})

describe("the demo's quantile estimate", () => {
  const state = (buckets: ReadonlyArray<[number, number]>, min: number, max: number): Metric.HistogramState => ({
    buckets,
    count: buckets[buckets.length - 1]![1],
    min,
    max,
    sum: 0
  })

  it("interpolates within the bucket that holds the rank, never outside what was observed", () => {
    // 10 observations: 4 in (0, 0.01], 6 in (0.01, 0.1].
    const s = state([[0.01, 4], [0.1, 10], [Number.POSITIVE_INFINITY, 10]], 0.002, 0.09)
    expect(quantile(s, 0.2)).toBeCloseTo(0.005, 10) // rank 2 of 4 in the first bucket: halfway to 0.01
    expect(quantile(s, 0.4)).toBeCloseTo(0.01, 10) // rank 4: the first bucket's upper bound
    expect(quantile(s, 0.7)).toBeCloseTo(0.055, 10) // rank 7: half of the second bucket's six
    expect(quantile(s, 1)).toBe(0.09) // clamped to the largest observed, not the bucket's 0.1
    expect(quantile(s, 0.05)).toBe(0.002) // rank 0.5 → 0.00125, clamped up to the smallest observed
  })

  it("the last (infinite) bucket is bounded by the largest observation; an empty histogram has no quantile", () => {
    const s = state([[0.01, 1], [Number.POSITIVE_INFINITY, 2]], 0.005, 3)
    expect(quantile(s, 1)).toBe(3)
    expect(quantile(s, 0.75)).toBeCloseTo(0.01 + (3 - 0.01) * 0.5, 10)
    expect(Number.isNaN(quantile(state([[1, 0], [Number.POSITIVE_INFINITY, 0]], 0, 0), 0.5))).toBe(true)
  })
})
