/**
 * One column, in its own process (so CPU and peak RSS are that column's alone): construct the client, warm up,
 * then throughput at each in-flight level for a fixed time, then sequential latency. Reports a `ColumnResult` to
 * the parent over IPC. Run by bench/run.ts as plain `node bench/.build/column.js` with `BENCH_CONFIG` set.
 */
import { readFileSync } from "node:fs"
import { construct } from "./clients.js"
import {
  type ChildConfig,
  type ColumnResult,
  Keys,
  percentile,
  type PhasePlan,
  type PhaseResult,
  reportToParent
} from "./common.js"

const config = JSON.parse(process.env["BENCH_CONFIG"] ?? "{}") as ChildConfig

/** CPU time (user + system) of the emulator process, ms, from /proc (Linux; 100 ticks/s). */
const serverCpuMs = (): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${config.serverPid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** CPU time of this process's main thread (the JS thread), ms, from /proc (Linux; 100 ticks/s). */
const mainThreadCpuMs = (): number | undefined => {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

const main = async () => {
  const { client } = await construct(config)
  const keys = new Keys(config.keyPrefix)

  const phase = async (plan: Omit<PhasePlan, "deadline"> & { readonly durationMs?: number }): Promise<PhaseResult> => {
    const latencies = plan.latencies
    const server0 = serverCpuMs()
    const cpu0 = process.cpuUsage()
    const main0 = mainThreadCpuMs()
    const start = performance.now()
    const count = await client.run(
      {
        concurrency: plan.concurrency,
        calls: plan.calls,
        deadline: plan.durationMs === undefined ? undefined : start + plan.durationMs,
        latencies
      },
      keys
    )
    const wallMs = performance.now() - start
    const cpu = process.cpuUsage(cpu0)
    const main1 = mainThreadCpuMs()
    const server1 = serverCpuMs()
    const sorted = latencies === undefined ? undefined : [...latencies].sort((a, b) => a - b)
    return {
      concurrency: plan.concurrency,
      calls: count.calls,
      errors: count.errors,
      firstError: count.firstError,
      wallMs,
      cpuUs: cpu.user + cpu.system,
      mainCpuUs: main0 === undefined || main1 === undefined ? undefined : (main1 - main0) * 1000,
      serverCpuMs: server0 === undefined || server1 === undefined ? undefined : server1 - server0,
      p50Ms: sorted === undefined ? undefined : percentile(sorted, 50),
      p99Ms: sorted === undefined ? undefined : percentile(sorted, 99)
    }
  }

  const maxConcurrency = Math.max(...config.concurrency)
  // Warm-up at the highest level: JIT, and every connection of the pool opened.
  const warmup = await phase({ concurrency: maxConcurrency, calls: config.warmupCalls })
  const throughput: Array<PhaseResult> = []
  for (const concurrency of config.concurrency) {
    throughput.push(await phase({ concurrency, durationMs: config.durationMs }))
  }
  const sequential = await phase({ concurrency: 1, calls: config.seqCalls, latencies: [] })
  const result: ColumnResult = {
    column: config.column,
    variant: config.column === "effect-node" || config.column === "effect-node-notel" ? config.nodeClient : undefined,
    warmup,
    throughput,
    sequential,
    maxRssKb: process.resourceUsage().maxRSS
  }
  await client.close()
  return result
}

reportToParent("result", main)
