/**
 * One contract, three stores: the in-memory store, PostgreSQL and Redis keep the same owner-token lease promises —
 * one live claim per id, only the owner extends, completes or releases it, a done id stays done for its TTL, an
 * expired claim is free again — on real servers (127.0.0.1), on the real clock, and under copies of one notification
 * claimed at the same moment from separate connections.
 */
import { describe, expect, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redis from "effect/persistence/Redis"
import type * as SqlClient from "effect/sql/SqlClient"
import fc from "fast-check"
import type * as NotificationStore from "../src/NotificationStore.js"
import { kinds, StoresLive } from "./support-stores.js"

const ownerOf = (claim: NotificationStore.Claim): string => {
  if (claim._tag !== "Claimed") throw new Error(`expected Claimed, got ${claim._tag}`)
  return claim.owner
}

const tagOf = (effect: Effect.Effect<{ readonly _tag: string }, unknown>) => Effect.map(Effect.orDie(effect), (a) => a._tag)

/** Sleeps (on the live clock) until `Date.now()` reaches `at`. */
const sleepUntil = (at: number) => Effect.suspend(() => Effect.sleep(Duration.millis(Math.max(0, at - Date.now()))))

/** A model of one store with leases too long to end during a script: what each operation must answer. */
type Op =
  | { readonly op: "claim"; readonly id: number }
  | { readonly op: "extend" | "complete" | "release"; readonly run: number }
  | { readonly op: "stranger"; readonly act: "extend" | "complete" | "release"; readonly id: number }

const script: fc.Arbitrary<ReadonlyArray<Op>> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant("claim" as const), id: fc.nat(2) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constantFrom("extend" as const, "complete" as const, "release" as const),
        run: fc.nat(12)
      })
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("stranger" as const),
        act: fc.constantFrom("extend" as const, "complete" as const, "release" as const),
        id: fc.nat(2)
      })
    }
  ),
  { minLength: 1, maxLength: 30 }
)

layer(StoresLive, { excludeTestServices: true })("the store contract", (it) => {
  for (const kind of kinds) {
    describe(kind.name, () => {
      it.effect("the review's sequence: a late owner neither frees nor finishes the newer claim", () =>
        Effect.gen(function*() {
          // A 2 s lease: B's claim must outlive the round trips below, even on a loaded machine.
          const store = yield* kind.make({ lease: "2 seconds", ttl: "1 hour" })
          const a = ownerOf(yield* Effect.orDie(store.claim("n")))
          yield* Effect.sleep("2200 millis") // A's lease ran out while A still runs
          expect(yield* tagOf(store.extend("n", a))).toBe("Lost")
          const b = ownerOf(yield* Effect.orDie(store.claim("n")))
          expect(b).not.toBe(a)
          expect(yield* tagOf(store.release("n", a))).toBe("Lost")
          expect(yield* tagOf(store.claim("n"))).toBe("InProgress")
          expect(yield* tagOf(store.complete("n", a))).toBe("Lost")
          expect(yield* tagOf(store.claim("n"))).toBe("InProgress")
          expect(yield* tagOf(store.complete("n", b))).toBe("Settled")
          expect(yield* tagOf(store.claim("n"))).toBe("Done")
          expect(yield* tagOf(store.release("n", b))).toBe("Lost")
          expect(yield* tagOf(store.claim("n"))).toBe("Done")
        }))

      it.effect("a claim holds for its lease, an extension for one lease more; then the id is free", () =>
        Effect.gen(function*() {
          // Times are measured from when each call returned (the store's lease began before that), so a slow machine
          // only eats into the slack: 1.5 s for the extension to land within the first lease, ~1.4 s for the check
          // to land within the extended one.
          const lease = 3000
          const store = yield* kind.make({ lease: Duration.millis(lease), ttl: "1 hour" })
          const first = yield* Effect.orDie(store.claim("n"))
          const claimed = Date.now()
          expect(first).toMatchObject({ _tag: "Claimed", lease: Duration.millis(lease) })
          const a = ownerOf(first)
          yield* Effect.sleep("1500 millis")
          expect(yield* Effect.orDie(store.extend("n", a))).toEqual({ _tag: "Extended", lease: Duration.millis(lease) })
          const extended = Date.now()
          yield* sleepUntil(claimed + lease + 100) // past the first lease, within the extended one
          expect(yield* tagOf(store.claim("n"))).toBe("InProgress")
          expect(yield* tagOf(store.extend("n", "not-" + a))).toBe("Lost")
          yield* sleepUntil(extended + lease + 200) // 200 ms past the extension
          expect(yield* tagOf(store.extend("n", a))).toBe("Lost")
          expect(yield* tagOf(store.claim("n"))).toBe("Claimed")
        }))

      it.effect("a done id is remembered for its TTL, then free again", () =>
        Effect.gen(function*() {
          const ttl = 2000
          const store = yield* kind.make({ lease: "1 minute", ttl: Duration.millis(ttl) })
          const a = ownerOf(yield* Effect.orDie(store.claim("n")))
          expect(yield* tagOf(store.complete("n", a))).toBe("Settled")
          const completed = Date.now() // the TTL began before this
          yield* Effect.sleep("500 millis")
          expect(yield* tagOf(store.claim("n"))).toBe("Done")
          yield* sleepUntil(completed + ttl + 200)
          expect(yield* tagOf(store.claim("n"))).toBe("Claimed")
        }))

      it.effect("copies claimed at the same moment: exactly one claim per id (40 ids × 6 copies, concurrently)", () =>
        Effect.gen(function*() {
          const store = yield* kind.make({ lease: "1 minute", ttl: "1 hour" })
          const ids = Array.from({ length: 40 }, (_, i) => `EV-${i}`)
          const answers = yield* Effect.forEach(
            ids.flatMap((id) => Array.from({ length: 6 }, () => id)),
            (id) => Effect.map(Effect.orDie(store.claim(id)), (claim) => ({ id, claim })),
            { concurrency: "unbounded" }
          )
          for (const id of ids) {
            const mine = answers.filter((a) => a.id === id)
            expect(mine.filter((a) => a.claim._tag === "Claimed")).toHaveLength(1)
            expect(mine.filter((a) => a.claim._tag === "InProgress")).toHaveLength(5)
          }
          const owners = new Set(answers.flatMap((a) => a.claim._tag === "Claimed" ? [a.claim.owner] : []))
          expect(owners.size).toBe(40)
        }))

      it.effect("property: any sequence of claims, extensions, completions, releases and strangers' acts", () =>
        Effect.gen(function*() {
          const make = kind.make({ lease: "1 minute", ttl: "1 hour" })
          const check = (ops: ReadonlyArray<Op>) =>
            Effect.gen(function*() {
              const store = yield* make
              // The model: per id, free / held by a run / done; runs in claim order.
              const state = new Map<string, { readonly held: number } | "done">()
              const runs: Array<{ readonly id: string; readonly owner: string; finished: boolean }> = []
              for (const step of ops) {
                if (step.op === "claim") {
                  const id = `n${step.id}`
                  const claim = yield* Effect.orDie(store.claim(id))
                  const now = state.get(id)
                  expect(claim._tag).toBe(now === undefined ? "Claimed" : now === "done" ? "Done" : "InProgress")
                  if (claim._tag === "Claimed") {
                    expect(runs.some((r) => r.owner === claim.owner)).toBe(false)
                    state.set(id, { held: runs.length })
                    runs.push({ id, owner: claim.owner, finished: false })
                  }
                } else if (step.op === "stranger") {
                  const id = `n${step.id}`
                  const before = state.get(id)
                  expect(yield* tagOf(store[step.act](id, "stranger"))).toBe("Lost")
                  // Nothing changed: a held id is still held, a done one done, a free one free.
                  const again = yield* Effect.orDie(store.claim(id))
                  expect(again._tag).toBe(before === undefined ? "Claimed" : before === "done" ? "Done" : "InProgress")
                  if (again._tag === "Claimed") {
                    state.set(id, { held: runs.length })
                    runs.push({ id, owner: again.owner, finished: false })
                  }
                } else {
                  const run = runs[step.run % Math.max(1, runs.length)]
                  if (run === undefined) continue
                  const now = state.get(run.id)
                  const holds = now !== undefined && now !== "done" && runs[now.held] === run
                  const answer = yield* tagOf(store[step.op](run.id, run.owner))
                  if (step.op === "extend") {
                    expect(answer).toBe(holds ? "Extended" : "Lost")
                  } else if (step.op === "complete") {
                    // The owner of a done id may complete it again (a retried complete); nobody else.
                    const own = holds || (now === "done" && run.finished && runs.findLast((r) => r.id === run.id) === run)
                    expect(answer).toBe(own ? "Settled" : "Lost")
                    if (own) state.set(run.id, "done")
                    run.finished = true
                  } else {
                    expect(answer).toBe(holds ? "Settled" : "Lost")
                    if (holds) state.delete(run.id)
                    run.finished = true
                  }
                }
              }
            })
          const run = Effect.runPromiseWith(yield* Effect.context<SqlClient.SqlClient | Redis.Redis>())
          yield* Effect.promise(() =>
            fc.assert(fc.asyncProperty(script, (ops) => run(Effect.scoped(check(ops)))), {
              numRuns: kind.name === "memory" ? 200 : 60
            })
          )
        }))
    })
  }
})
