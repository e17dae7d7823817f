/**
 * The concurrent run of issue 4: more than 1,000 mixed calls, 64 in flight, against the emulator on 127.0.0.1, with
 * seeded random faults injected before more than 10 % of them. Afterwards:
 * - no idempotency key is applied twice (the ledger);
 * - every write the client reported as succeeded is in the ledger exactly once;
 * - each card's balance and points equal its starting values plus the sum over the ledger, i.e. the writes the
 *   client saw succeed plus the ones whose outcome it could not know (a forged response after the write was
 *   applied) — and nothing else;
 * - repeating every failed write with the same key and body (what a caller does with an unknown outcome) makes every
 *   card equal to the sum of *all* intended writes: nothing lost, nothing doubled;
 * - no fiber forked by the run is still alive, and no socket stays open (the client here uses a Node agent without
 *   keep-alive, so an open socket could only be a stuck request).
 *
 * Set RELIABILITY_SEED to replay a run; the seed is printed and included in every assertion message.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cause from "effect/Cause"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, prng } from "./support.js"

type EndpointName = Emulator.EndpointName


const SEED = Number(process.env["RELIABILITY_SEED"] ?? 20261125)
const TASKS = 1000
const CONCURRENCY = 64
const FAULT_RATE = 0.2
const CARDS = 16
const CLIENT_TIMEOUT_MILLIS = 1500
const DELAY_MILLIS = 2000

const faults: ReadonlyArray<Emulator.Fault> = [
  { _tag: "Error", status: 500, code: "SYSTEM_ERROR" },
  { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED" },
  { _tag: "EmptyError", status: 503 },
  { _tag: "Drop" },
  { _tag: "DropAfterApply" },
  { _tag: "Delay", millis: DELAY_MILLIS },
  { _tag: "TamperSignature" },
  { _tag: "ProbeSignature" },
  { _tag: "StaleTimestamp", seconds: 301 },
  { _tag: "UnknownSerial" },
  { _tag: "NonJsonBody" },
  { _tag: "WrongShape" }
]

interface Write {
  readonly endpoint: Exclude<EndpointName, "GetUserCard">
  readonly key: string
  readonly card: number
  readonly balanceDelta: number
  readonly pointsDelta: number
  readonly run: Effect.Effect<void, unknown, Services>
  /** "ok", an error tag, or "skipped" (a commit whose prepare failed). */
  outcome: string
}

type Services = MemberCard.Services

type Task =
  | { readonly _tag: "Read"; readonly card: number; readonly fault: Emulator.Fault | undefined }
  | { readonly _tag: "Write"; readonly write: Write; readonly fault: Emulator.Fault | undefined }
  | { readonly _tag: "Bonus"; readonly prepare: Write; readonly commit: Write; readonly fault: Emulator.Fault | undefined; readonly faultOn: "PrepareBonus" | "CommitBonus" }

const codeOf = (card: number) => `4785158${String(card).padStart(5, "0")}`

const plan = (random: () => number, mchid: string): ReadonlyArray<Task> => {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const pick = <A>(as: ReadonlyArray<A>): A => as[Math.floor(random() * as.length)]!
  const tasks: Array<Task> = []
  for (let i = 0; i < TASKS; i++) {
    const card = int(0, CARDS - 1)
    const code = codeOf(card)
    const fault = random() < FAULT_RATE ? pick(faults) : undefined
    const kind = random()
    if (kind < 0.25) {
      tasks.push({ _tag: "Read", card, fault })
    } else if (kind < 0.5) {
      const key = `upd-${SEED}-${i}`
      const add_balance = int(-50, 200)
      const write: Write = {
        endpoint: "UpdateUserCard",
        key,
        card,
        balanceDelta: add_balance,
        pointsDelta: 0,
        run: Effect.asVoid(MemberCard.UpdateUserCard.call({
          card_id,
          code,
          out_request_no: key,
          // The balance a deduction leaves is never negative (0.6: balance values are counts).
          balance_information: { before_balance: 50, balance: 50 + add_balance, add_balance, balance_remark: `run ${SEED}` }
        })),
        outcome: "pending"
      }
      tasks.push({ _tag: "Write", write, fault })
    } else if (kind < 0.75) {
      const key = `pts-${SEED}-${i}`
      const add_bonus_value = int(-20, 100)
      const write: Write = {
        endpoint: "SetUserCardRights",
        key,
        card,
        balanceDelta: 0,
        pointsDelta: add_bonus_value,
        run: Effect.asVoid(MemberCard.SetUserCardRights.call({ card_id, code, out_request_no: key, add_bonus_value })),
        outcome: "pending"
      }
      tasks.push({ _tag: "Write", write, fault })
    } else {
      const out_trade_no = `T${SEED}${String(i).padStart(6, "0")}`
      const order = { card_id, code, out_trade_no, mchid, bonus_value: int(1, 500) }
      const bonus = (endpoint: "PrepareBonus" | "CommitBonus"): Write => ({
        endpoint,
        key: out_trade_no,
        card,
        balanceDelta: 0,
        pointsDelta: 0,
        run: endpoint === "PrepareBonus" ? MemberCard.PrepareBonus.call(order) : MemberCard.CommitBonus.call(order),
        outcome: "pending"
      })
      tasks.push({ _tag: "Bonus", prepare: bonus("PrepareBonus"), commit: bonus("CommitBonus"), fault, faultOn: random() < 0.5 ? "PrepareBonus" : "CommitBonus" })
    }
  }
  return tasks
}

// A Node agent without keep-alive: every socket closes when its exchange ends, so an open socket after the run
// could only be a request still stuck somewhere.
const TestLayer = MemberCard.layer.pipe(
  Layer.provideMerge(Emulator.layerLoopbackWith({
    client: { timeout: `${CLIENT_TIMEOUT_MILLIS} millis` },
    cards: Array.from({ length: CARDS }, (_, card) => ({ card_id, code: codeOf(card), balance: 1000, bonus_value: 500 }))
  })),
  Layer.provide(NodeHttpClient.layerNodeHttpNoAgent),
  Layer.provide(NodeHttpClient.layerAgentOptions({ keepAlive: false })),
  Layer.provideMerge(RetryPolicy.layer({ baseDelay: "5 millis", maxDelay: "20 millis" }))
)

describe("reliability: concurrent run", () => {
  it.live(`${TASKS} tasks (> 1,000 calls), ${CONCURRENCY} in flight, seeded faults (seed ${SEED})`, () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const server = yield* Emulator.EmulatorServer
      const seed = `seed ${SEED} (RELIABILITY_SEED=${SEED} to replay)`
      console.log(`concurrent run: ${seed}`)
      const tasks = plan(prng(SEED), emulator.mchid)
      let calls = 0
      let injected = 0
      let defects = 0
      const readFailures = new Map<string, number>()
      const inject = (endpoint: EndpointName, fault: Emulator.Fault | undefined) =>
        Effect.sync(() => {
          if (fault === undefined) return
          injected++
          emulator.inject({ endpoint, fault })
        })
      const settle = (write: Write) =>
        Effect.suspend(() => {
          calls++
          return Effect.exit(write.run)
        }).pipe(Effect.map((exit) => {
          if (Exit.isSuccess(exit)) write.outcome = "ok"
          else {
            const failure = Cause.findErrorOption(exit.cause)
            if (failure._tag === "None") defects++
            write.outcome = failure._tag === "Some" ? (failure.value as { readonly _tag: string })._tag : "defect"
          }
          return write.outcome === "ok"
        }))

      const runTask = (task: Task) =>
        Effect.gen(function*() {
          switch (task._tag) {
            case "Read": {
              yield* inject("GetUserCard", task.fault)
              calls++
              const exit = yield* Effect.exit(MemberCard.GetUserCard.call({ card_id, code: codeOf(task.card) }))
              if (Exit.isFailure(exit)) {
                const failure = Cause.findErrorOption(exit.cause)
                if (failure._tag === "None") defects++
                const tag = failure._tag === "Some" ? failure.value._tag : "defect"
                readFailures.set(tag, (readFailures.get(tag) ?? 0) + 1)
              }
              return
            }
            case "Write": {
              yield* inject(task.write.endpoint, task.fault)
              yield* settle(task.write)
              return
            }
            case "Bonus": {
              if (task.faultOn === "PrepareBonus") yield* inject("PrepareBonus", task.fault)
              const prepared = yield* settle(task.prepare)
              if (!prepared) {
                task.commit.outcome = "skipped"
                return
              }
              if (task.faultOn === "CommitBonus") yield* inject("CommitBonus", task.fault)
              yield* settle(task.commit)
              return
            }
          }
        })

      // Effect 4 has no Supervisor: the runtime reports every fiber started (and ended) under the run's context to
      // this service, which counts those still alive.
      let alive = 0
      let forked = 0
      const tracker: Metric.FiberRuntimeMetricsService = {
        recordFiberStart: () => {
          forked++
          alive++
        },
        recordFiberEnd: () => void alive--
      }
      const started = Date.now()
      yield* Effect.forEach(tasks, runTask, { concurrency: CONCURRENCY, discard: true }).pipe(
        Effect.provideService(Metric.FiberRuntimeMetrics, tracker)
      )
      const duration = Date.now() - started
      const requestsDuringRun = emulator.requests()
      // Delayed requests abandoned by the client are still being handled server-side: let them finish.
      yield* Effect.sleep(`${DELAY_MILLIS + 500} millis`)

      const writes = tasks.flatMap((t) => t._tag === "Write" ? [t.write] : t._tag === "Bonus" ? [t.prepare, t.commit] : [])
      const key = (endpoint: string, k: string) => `${endpoint}\n${k}`
      const byKey = new Map(writes.map((w) => [key(w.endpoint, w.key), w]))
      const ledgerCount = new Map<string, number>()
      for (const entry of emulator.ledger) {
        const k = key(entry.endpoint, entry.key)
        ledgerCount.set(k, (ledgerCount.get(k) ?? 0) + 1)
      }

      // No write applied twice; nothing in the ledger that was not asked for, with the deltas that were asked for.
      const doubled = [...ledgerCount].filter(([, n]) => n > 1)
      expect(doubled, seed).toEqual([])
      for (const entry of emulator.ledger) {
        const write = byKey.get(key(entry.endpoint, entry.key))
        expect(write, `${seed}: unknown ledger entry ${entry.endpoint} ${entry.key}`).toBeDefined()
        expect(entry.balanceDelta, seed).toBe(write!.balanceDelta)
        expect(entry.pointsDelta, seed).toBe(write!.pointsDelta)
        expect(entry.code, seed).toBe(codeOf(write!.card))
      }
      // Every write the client saw succeed is applied exactly once.
      const succeeded = writes.filter((w) => w.outcome === "ok")
      for (const w of succeeded) expect(ledgerCount.get(key(w.endpoint, w.key)), `${seed}: ${w.endpoint} ${w.key}`).toBe(1)
      const failed = writes.filter((w) => w.outcome !== "ok" && w.outcome !== "skipped")
      const unknownButApplied = failed.filter((w) => ledgerCount.has(key(w.endpoint, w.key)))
      const skipped = writes.filter((w) => w.outcome === "skipped")
      for (const w of skipped) expect(ledgerCount.has(key(w.endpoint, w.key)), seed).toBe(false)

      // Each card = start + what the ledger holds = start + succeeded + applied-but-unknown.
      const expectedFrom = (selection: ReadonlyArray<Write>) => {
        const sums = Array.from({ length: CARDS }, () => ({ balance: 1000, bonus_value: 500 }))
        for (const w of selection) {
          sums[w.card]!.balance += w.balanceDelta
          sums[w.card]!.bonus_value += w.pointsDelta
        }
        return sums
      }
      const actual = () => Array.from({ length: CARDS }, (_, card) => {
        const c = emulator.card(card_id, codeOf(card))!
        return { balance: c.balance, bonus_value: c.bonus_value }
      })
      expect(actual(), seed).toEqual(expectedFrom([...succeeded, ...unknownButApplied]))
      expect(defects, `${seed}: defects (crashes) instead of typed errors`).toBe(0)

      // No fiber of the run is left, and no socket stays open.
      expect(forked, `${seed}: fibers tracked`).toBeGreaterThan(0)
      expect(alive, `${seed}: fibers still alive`).toBe(0)
      for (let i = 0; i < 100 && server.connections() > 0; i++) yield* Effect.sleep("20 millis")
      expect(server.connections(), `${seed}: sockets still open`).toBe(0)

      // Reconcile: repeat every failed or skipped write with the same key and body, as a caller would.
      emulator.clearFaults()
      const toRepeat = [...failed, ...skipped].sort((a, b) => (a.endpoint === "CommitBonus" ? 1 : 0) - (b.endpoint === "CommitBonus" ? 1 : 0))
      for (const w of toRepeat) {
        const exit = yield* Effect.exit(w.run)
        expect(Exit.isSuccess(exit), `${seed}: repeat of ${w.endpoint} ${w.key}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`).toBe(true)
      }
      for (const w of writes) expect(emulator.ledger.filter((e) => e.endpoint === w.endpoint && e.key === w.key).length, seed).toBe(1)
      expect(actual(), seed).toEqual(expectedFrom(writes))
      for (const t of tasks) if (t._tag === "Bonus") expect(emulator.order(t.prepare.key)?.committed, seed).toBe(true)

      const stats = {
        seed: SEED,
        tasks: TASKS,
        calls,
        concurrency: CONCURRENCY,
        faultsInjected: injected,
        faultRate: `${((injected / calls) * 100).toFixed(1)} % of calls`,
        requestsDuringRun,
        requestsIncludingReconcile: emulator.requests(),
        writes: writes.length,
        writesSucceeded: succeeded.length,
        writesFailedButApplied: unknownButApplied.length,
        writesFailedNotApplied: failed.length - unknownButApplied.length,
        commitsSkipped: skipped.length,
        ledgerBeforeReconcile: [...ledgerCount.values()].reduce((a, b) => a + b, 0),
        repeatedInReconcile: toRepeat.length,
        readFailures: Object.fromEntries(readFailures),
        writeFailures: Object.fromEntries(failed.reduce((m, w) => m.set(w.outcome, (m.get(w.outcome) ?? 0) + 1), new Map<string, number>())),
        durationMillis: duration
      }
      console.log("concurrent run:", JSON.stringify(stats, null, 2))
      expect(calls, seed).toBeGreaterThanOrEqual(1000)
      expect(injected / calls, seed).toBeGreaterThanOrEqual(0.1)
      expect(duration, seed).toBeLessThan(60_000)
    }).pipe(Effect.provide(TestLayer)), 120_000)
})
