/**
 * What each shared store does beyond the common contract: PostgreSQL's migration (idempotent, concurrent, the table
 * name checked at 63 characters and one past), its sweep of expired rows, a missing table as a typed failure; Redis's
 * key layout (the prefix, a claim's time to live is its lease and a done id's its TTL).
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type * as NotificationStore from "../src/NotificationStore.js"
import * as Postgres from "../src/NotificationStore/Postgres.js"
import * as RedisStore from "../src/NotificationStore/Redis.js"
import { runId, servicesUp, StoresLive } from "./support-stores.js"

const claimed = (claim: NotificationStore.Claim) => {
  if (claim._tag !== "Claimed") throw new Error(`expected Claimed, got ${claim._tag}`)
  return claim.owner
}

describe("the table name", () => {
  it("letters, digits and _, optionally schema-qualified, 63 characters a part; anything else is a RangeError", () => {
    const ok = ["wechatpay_notification", "_t1", "billing.wechatpay_notification", "a".repeat(63), `${"s".repeat(63)}.${"t".repeat(63)}`]
    for (const table of ok) {
      expect(() => Postgres.make({ table }), table).not.toThrow()
      expect(() => Postgres.migrate({ table }), table).not.toThrow()
    }
    const refused = ["a".repeat(64), "1table", "t-1", "t;drop table x", "\"t\"", "a.b.c", "", "s.", ".t", "tä"]
    for (const table of refused) {
      expect(() => Postgres.make({ table }), table).toThrow(RangeError)
      expect(() => Postgres.migrate({ table }), table).toThrow(RangeError)
      expect(() => Postgres.layer({ table }), table).toThrow(RangeError)
    }
    for (const lease of [0, -1, Number.NaN, "forever" as never]) {
      expect(() => Postgres.make({ lease }), String(lease)).toThrow(RangeError)
      expect(() => RedisStore.make({ lease }), String(lease)).toThrow(RangeError)
    }
  })
})

layer(StoresLive, { excludeTestServices: true })("PostgreSQL", (it) => {
  describe.skipIf(!servicesUp)("migration and sweep", () => {
    it.effect("migrate is idempotent and safe from four callers at once; the table and index exist after", () =>
      Effect.gen(function*() {
        const table = `${runId}.migrated`
        yield* Effect.all(Array.from({ length: 4 }, () => Postgres.migrate({ table })), { concurrency: "unbounded" })
        yield* Postgres.migrate({ table })
        const sql = yield* SqlClient.SqlClient
        const tables = yield* sql.unsafe<{ readonly n: number }>(
          "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'migrated'",
          [runId]
        )
        expect(tables[0]!.n).toBe(1)
        const indexes = yield* sql.unsafe<{ readonly indexname: string }>(
          "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'migrated' ORDER BY indexname",
          [runId]
        )
        expect(indexes.map((i) => i.indexname)).toEqual(["migrated_expires_at", "migrated_pkey"])
      }))

    it.effect("sweep deletes expired claims and done ids past their TTL, never a live one", () =>
      Effect.gen(function*() {
        const table = `${runId}.swept`
        yield* Postgres.migrate({ table })
        const short = yield* Postgres.make({ table, lease: "100 millis", ttl: "100 millis" })
        const long = yield* Postgres.make({ table, lease: "1 hour", ttl: "1 hour" })
        yield* short.claim("expired-claim")
        yield* short.complete("expired-done", claimed(yield* short.claim("expired-done")))
        yield* long.claim("live-claim")
        yield* long.complete("live-done", claimed(yield* long.claim("live-done")))
        yield* Effect.sleep("250 millis")
        expect(yield* long.sweep()).toBe(2)
        expect(yield* long.sweep()).toBe(0)
        const sql = yield* SqlClient.SqlClient
        const ids = yield* sql.unsafe<{ readonly id: string }>(`SELECT id FROM "${runId}".swept ORDER BY id`)
        expect(ids.map((r) => r.id)).toEqual(["live-claim", "live-done"])
        expect((yield* long.claim("live-done"))._tag).toBe("Done")
        expect((yield* long.claim("live-claim"))._tag).toBe("InProgress")
      }))

    it.effect("a missing table (migrate: false, never migrated): each operation fails typed, naming the store", () =>
      Effect.gen(function*() {
        const store = yield* Postgres.make({ table: `${runId}.never_created` })
        const error = yield* Effect.flip(store.claim("n"))
        expect(error).toMatchObject({ _tag: "NotificationStoreError", operation: "claim", id: "n" })
        expect(error.message).toMatch(/^PostgreSQL failed: SqlError/)
      }))
  })
})

layer(StoresLive, { excludeTestServices: true })("Redis", (it) => {
  describe.skipIf(!servicesUp)("key layout", () => {
    it.effect("one key per id under the prefix; its time to live is the lease while claimed, the TTL once done", () =>
      Effect.gen(function*() {
        const prefix = `${runId}:layout:`
        const store = yield* RedisStore.make({ prefix, lease: "30 seconds", ttl: "2 hours" })
        const redis = yield* NodeRedis.NodeRedis
        const owner = claimed(yield* store.claim("EV-1"))
        const pttl = () => Effect.orDie(redis.use((client) => client.pTTL(`${prefix}EV-1`)))
        const leased = yield* pttl()
        expect(leased).toBeGreaterThan(29_000)
        expect(leased).toBeLessThanOrEqual(30_000)
        yield* store.extend("EV-1", owner)
        yield* store.complete("EV-1", owner)
        const done = yield* pttl()
        expect(done).toBeGreaterThan(2 * 3_600_000 - 5_000)
        expect(done).toBeLessThanOrEqual(2 * 3_600_000)
        const keys = yield* Effect.orDie(redis.use((client) => client.keys(`${prefix}*`)))
        expect(keys).toEqual([`${prefix}EV-1`])
        yield* store.release("EV-1", owner) // a done id is never released
        expect(yield* pttl()).toBeGreaterThan(0)
      }))
  })
})
