/**
 * The three notification stores under one interface for the contract suite and the fleet tests: in memory, on the
 * machine's PostgreSQL and on its Redis (127.0.0.1; `.ci/run` makes sure both answer). Each run works in its own
 * PostgreSQL schema and under its own Redis key prefix, and removes them when done, so two runs on one machine never
 * meet.
 */
import * as Net from "node:net"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { PgClient } from "@effect/sql-pg"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Redis from "effect/persistence/Redis"
import type * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Postgres from "../src/NotificationStore/Postgres.js"
import * as RedisStore from "../src/NotificationStore/Redis.js"

export const pgUrl = process.env["WECHATPAY_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
export const redisUrl = process.env["WECHATPAY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379"

const answers = (url: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port: given } = new URL(url)
    const socket = Net.connect(Number(given || port), hostname)
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/**
 * Whether both services answer. `.ci/run` sets WECHATPAY_TEST_SERVICES=required (after `scripts/services.sh` made
 * sure they run): there a missing service fails the run. Elsewhere the store tests that need one are skipped, saying so.
 */
export const servicesUp = await (async () => {
  const [postgres, redis] = await Promise.all([answers(pgUrl, 5432), answers(redisUrl, 6379)])
  if (postgres && redis) return true
  const missing = [postgres ? [] : [`PostgreSQL (${new URL(pgUrl).host})`], redis ? [] : [`Redis (${new URL(redisUrl).host})`]]
    .flat().join(" and ")
  if (process.env["WECHATPAY_TEST_SERVICES"] === "required") throw new Error(`${missing} not answering`)
  console.warn(`${missing} not answering: the PostgreSQL and Redis store tests are skipped (npm run services starts them)`)
  return false
})()

/** This run's name: its PostgreSQL schema and (with `:`) its Redis key prefix. */
export const runId = `wxp_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

export const PgLive = PgClient.layer({ url: Redacted.make(pgUrl), maxConnections: 8 })
export const RedisLive = NodeRedis.layer({ url: redisUrl })

/** This run's schema, created now and dropped (with everything in it) when the layer is released. */
export const PgSchema = Layer.effectDiscard(Effect.acquireRelease(
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE SCHEMA "${runId}"`)),
  () => Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA "${runId}" CASCADE`)).pipe(Effect.orDie)
))

/** Removes this run's Redis keys when the layer is released. */
export const RedisKeys = Layer.effectDiscard(Effect.addFinalizer(() => deleteRedisKeys(`${runId}:*`)))

export const deleteRedisKeys = (pattern: string) =>
  Effect.flatMap(NodeRedis.NodeRedis, (redis) =>
    redis.use(async (client) => {
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys)
      }
    })).pipe(Effect.orDie)

/** Both services, with this run's schema and key cleanup. */
const BothLive = Layer.mergeAll(
  PgSchema.pipe(Layer.provideMerge(PgLive)),
  RedisKeys.pipe(Layer.provideMerge(RedisLive))
).pipe(Layer.orDie)
export const StoresLive: typeof BothLive = servicesUp ? BothLive : (Layer.empty as unknown as typeof BothLive)

let tables = 0

export interface StoreOptions {
  readonly lease: Duration.Input
  readonly ttl: Duration.Input
}

export interface StoreKind {
  readonly name: "memory" | "postgres" | "redis"
  /** A fresh, empty store (its own table or key prefix). */
  readonly make: (
    options: StoreOptions
  ) => Effect.Effect<NotificationStore.Service, never, SqlClient.SqlClient | Redis.Redis | Scope.Scope>
}

const allKinds: ReadonlyArray<StoreKind> = [
  { name: "memory", make: (options) => NotificationStore.makeMemory(options) },
  {
    name: "postgres",
    make: (options) =>
      Effect.gen(function*() {
        const table = `${runId}.t${++tables}`
        yield* Effect.orDie(Postgres.migrate({ table }))
        return yield* Postgres.make({ ...options, table })
      })
  },
  {
    name: "redis",
    make: (options) => Effect.suspend(() => RedisStore.make({ ...options, prefix: `${runId}:${++tables}:` }))
  }
]

/** The stores this run can reach: all three, or only memory when the services are not there (and not required). */
export const kinds = servicesUp ? allKinds : allKinds.filter((kind) => kind.name === "memory")

export type ProxyMode = "pass" | "blackhole" | "drop-replies" | "down"

/**
 * A TCP proxy to a service on 127.0.0.1 that can misbehave: `blackhole` swallows everything both ways (a database
 * that hangs, a partition), `drop-replies` forwards the requests but cuts the connection at the first byte of an answer
 * (the write happened; the client never learns it), `down` closes every connection and refuses new ones (a database
 * restarting). Back to `pass`, the connections that misbehaved are closed, as a
 * network that recovers leaves them, and new ones pass.
 */
export const faultyProxy = (targetPort: number) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly port: number; readonly mode: (mode: ProxyMode) => void; readonly close: () => void }>(
      (resume) => {
        let mode: ProxyMode = "pass"
        const pairs = new Set<readonly [Net.Socket, Net.Socket]>()
        const server = Net.createServer((client) => {
          if (mode === "down") return void client.destroy()
          const upstream = Net.connect(targetPort, "127.0.0.1")
          const pair = [client, upstream] as const
          pairs.add(pair)
          const close = () => {
            pairs.delete(pair)
            client.destroy()
            upstream.destroy()
          }
          client.on("data", (chunk) => void (mode !== "blackhole" && upstream.write(chunk)))
          upstream.on("data", (chunk) => {
            if (mode === "pass") client.write(chunk)
            else if (mode === "drop-replies") close()
          })
          for (const socket of pair) {
            socket.on("error", close)
            socket.on("close", close)
          }
        })
        server.listen(0, "127.0.0.1", () =>
          resume(Effect.succeed({
            port: (server.address() as Net.AddressInfo).port,
            mode: (next) => {
              if ((next === "pass" && mode !== "pass") || next === "down") {
                for (const [client, upstream] of pairs) {
                  client.destroy()
                  upstream.destroy()
                }
                pairs.clear()
              }
              mode = next
            },
            close: () => {
              for (const [client, upstream] of pairs) {
                client.destroy()
                upstream.destroy()
              }
              server.close()
            }
          })))
      }
    ),
    (proxy) => Effect.sync(() => proxy.close())
  )
