/**
 * Shared by every benchmark process: the column names, the configuration a child receives, the mixed workload
 * (one cycle = GET, PATCH card, GET, PATCH rights, POST prepare N, POST commit N) and small statistics helpers.
 *
 * This module must stay free of heavy imports: the cold-start child loads it before the library under test.
 */

export const columns = [
  "effect-fetch",
  "effect-node",
  "effect-node-notel",
  "axios-plugin",
  "node-v3",
  "floor-fetch",
  "floor-http"
] as const

export type Column = (typeof columns)[number]

export const columnTitles: Record<Column, string> = {
  "effect-fetch": "effect-wechatpay · FetchHttpClient",
  "effect-node": "effect-wechatpay · node:http (NodeTransport)",
  "effect-node-notel": "the same, telemetry off (Telemetry.layerDisabled)",
  "axios-plugin": "wechatpay-axios-plugin 0.9.6",
  "node-v3": "wechatpay-node-v3 2.2.1",
  "floor-fetch": "floor A: fetch + node:crypto",
  "floor-http": "floor B: node:http + node:crypto"
}

/**
 * What the `effect-node` column sends with (README: `transport`, the library's NodeTransport, is the default; the
 * others are `@effect/platform-node` `NodeHttpClient` layers under `WechatPay.layer`).
 */
export type NodeClientVariant = "transport" | "http-keepalive" | "http" | "undici"

/** Everything a column or cold-start child needs; passed as JSON in `BENCH_CONFIG`. */
export interface ChildConfig {
  readonly column: Column
  /** Absolute path of the built library (`dist/`). */
  readonly dist: string
  readonly baseUrl: string
  readonly mchid: string
  readonly merchantSerial: string
  readonly merchantPrivateKey: string
  readonly merchantPublicKey: string
  readonly publicKeyId: string
  readonly publicKey: string
  /** Prefix of every idempotency key this child sends (unique per child). */
  readonly keyPrefix: string
  readonly nodeClient: NodeClientVariant
  /** Cold start only: load the esbuild bundle of bench/bundled.ts instead of dist/ (effect columns). */
  readonly bundled?: boolean | undefined
  readonly warmupCalls: number
  readonly durationMs: number
  readonly seqCalls: number
  readonly concurrency: ReadonlyArray<number>
  /** pid of the emulator process, to read its CPU time from /proc (Linux) per phase. */
  readonly serverPid: number
}

export const readCard = { card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: "478515832665" }
export const writeCard = { card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: "478515832666" }
export const userAgent = "effect-wechatpay-bench/0.1.0"

export type OpKind = "get" | "update" | "rights" | "prepare" | "commit"

export interface Op {
  readonly kind: OpKind
  /** `out_request_no` (update, rights) or `out_trade_no` (prepare, commit); empty for get. */
  readonly key: string
}

/** The path (request-target) of an op; identical for every column. */
export const opPath = (op: Op): string => {
  const base = "/v3/marketing/membercard-open/cards/"
  switch (op.kind) {
    case "get":
      return `${base}${readCard.card_id}/codes/${readCard.code}`
    case "update":
      return `${base}${writeCard.card_id}/codes/${writeCard.code}`
    case "rights":
      return `${base}${writeCard.card_id}/codes/${writeCard.code}/rights`
    case "prepare":
      return `${base}${writeCard.card_id}/codes/${writeCard.code}/bonus/prepare`
    case "commit":
      return `${base}${writeCard.card_id}/codes/${writeCard.code}/bonus/commit`
  }
}

export const opMethod = (op: Op): "GET" | "PATCH" | "POST" =>
  op.kind === "get" ? "GET" : op.kind === "update" || op.kind === "rights" ? "PATCH" : "POST"

/**
 * The JSON body fields of an op, in the order of the library's request schemas, so that every column sends the
 * very same bytes (`JSON.stringify` of this object).
 */
export const opBody = (op: Op, mchid: string): Record<string, unknown> | undefined => {
  switch (op.kind) {
    case "get":
      return undefined
    case "update":
      return {
        level: "金卡",
        out_request_no: op.key,
        balance_information: { before_balance: 0, balance: 1, add_balance: 1, balance_remark: "bench" }
      }
    case "rights":
      return { out_request_no: op.key, add_bonus_value: 1, need_inform_bonus: false }
    case "prepare":
    case "commit":
      return { out_trade_no: op.key, mchid, bonus_value: 10 }
  }
}

/** Expected success status of an op. */
export const opStatus = (op: Op): number => (op.kind === "get" ? 200 : 204)

/**
 * One in-flight slot's stream of ops: GET, PATCH card, GET, PATCH rights, prepare N, commit N, … — GET 1/3, each
 * write 1/6, and every commit follows the prepare of the same order on the same slot.
 */
export class Cycle {
  private position = 0
  private order = ""
  constructor(private readonly keys: Keys) {}
  next(): Op {
    const position = this.position
    this.position = (position + 1) % 6
    switch (position) {
      case 0:
      case 2:
        return { kind: "get", key: "" }
      case 1:
        return { kind: "update", key: this.keys.next() }
      case 3:
        return { kind: "rights", key: this.keys.next() }
      case 4:
        this.order = this.keys.next()
        return { kind: "prepare", key: this.order }
      default:
        return { kind: "commit", key: this.order }
    }
  }
}

/** Unique idempotency keys: `<prefix><counter base 36>` (letters, digits and `-` only, at most 32 characters). */
export class Keys {
  private n = 0
  constructor(private readonly prefix: string) {}
  next(): string {
    return this.prefix + (this.n++).toString(36)
  }
}

/** What one phase of a column measured. */
export interface PhaseResult {
  readonly concurrency: number
  readonly calls: number
  readonly errors: number
  readonly firstError?: string | undefined
  readonly wallMs: number
  /** Client process CPU (user + system) over the phase, µs. */
  readonly cpuUs: number
  /** CPU of the client's main (JS) thread alone over the phase, µs (undefined where /proc is unavailable). */
  readonly mainCpuUs?: number | undefined
  /** Emulator process CPU over the phase, ms (undefined where /proc is unavailable). */
  readonly serverCpuMs?: number | undefined
  readonly p50Ms?: number | undefined
  readonly p99Ms?: number | undefined
}

export interface ColumnResult {
  readonly column: Column
  readonly variant?: string | undefined
  readonly warmup: PhaseResult
  readonly throughput: ReadonlyArray<PhaseResult>
  readonly sequential: PhaseResult
  /** `process.resourceUsage().maxRSS`, KiB. */
  readonly maxRssKb: number
}

/** A client plus one verified call to make right after construction (for the cold-start measurement). */
export interface Constructed {
  readonly client: BenchClient
  readonly firstCall: () => Promise<void>
}

export interface ColdResult {
  readonly column: Column
  /** Measured on the app bundled by esbuild (bench/bundled.ts) instead of the unbundled dist/ + node_modules. */
  readonly bundled?: boolean | undefined
  /** From just before the first import of the client library until it is constructed (keys parsed), ms. */
  readonly importConstructMs: number
  /** … until the first call returned a verified response, ms. */
  readonly firstCallMs: number
  /** Process start (performance.timeOrigin) until constructed, ms: includes Node's own bootstrap. */
  readonly sinceProcessStartMs: number
}

/** Driver of one phase. `latencies` is given only in the sequential phase. */
export interface PhasePlan {
  readonly concurrency: number
  /** Stop starting calls after this `performance.now()` instant … */
  readonly deadline?: number | undefined
  /** … or after this many calls. */
  readonly calls?: number | undefined
  readonly latencies?: Array<number> | undefined
}

export interface PhaseCount {
  calls: number
  errors: number
  firstError?: string | undefined
}

/** A client under test. */
export interface BenchClient {
  /** Run one phase; resolves when every worker has stopped. */
  readonly run: (plan: PhasePlan, keys: Keys) => Promise<PhaseCount>
  readonly close: () => Promise<void>
}

export const percentile = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}

export const median = (values: ReadonlyArray<number>): number => {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (finite.length === 0) return Number.NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2
}

export const describeError = (error: unknown): string => {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300)
  if (typeof error === "object" && error !== null) {
    const tagged = error as { _tag?: unknown; message?: unknown }
    return `${String(tagged._tag ?? "error")}: ${String(tagged.message ?? JSON.stringify(error))}`.slice(0, 300)
  }
  return String(error).slice(0, 300)
}

/**
 * The promise-based driver shared by the anchors and the floors: `concurrency` workers, each running its own
 * op cycle, each call awaited before the next; a rejected call is counted as an error.
 */
export const runPromiseWorkers = async (
  plan: PhasePlan,
  keys: Keys,
  call: (op: Op) => Promise<void>
): Promise<PhaseCount> => {
  const count: PhaseCount = { calls: 0, errors: 0 }
  let budget = plan.calls ?? Number.POSITIVE_INFINITY
  const deadline = plan.deadline ?? Number.POSITIVE_INFINITY
  const latencies = plan.latencies
  const worker = async () => {
    const cycle = new Cycle(keys)
    while (budget > 0 && performance.now() < deadline) {
      budget--
      const op = cycle.next()
      const start = latencies === undefined ? 0 : performance.now()
      try {
        await call(op)
      } catch (error) {
        count.errors++
        if (count.firstError === undefined) count.firstError = `${op.kind}: ${describeError(error)}`
      }
      if (latencies !== undefined) latencies.push(performance.now() - start)
      count.calls++
    }
  }
  await Promise.all(Array.from({ length: plan.concurrency }, worker))
  return count
}

/**
 * Run a child's measurement and hand its result to the parent over IPC (or print it when run by hand), then exit:
 * 0 with a result, 1 with the error on stderr.
 */
export const reportToParent = <A>(type: string, main: () => Promise<A>): void => {
  main().then(
    (result) => {
      if (process.send) process.send({ type, result }, () => process.exit(0))
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
}
