/**
 * The notification stores, measured: notifications handled per second by one instance (`Notification.httpApp` in its
 * own process, test/fleet/instance.ts, a handler that does nothing) with each store, and the latency a store adds to
 * each notification (its `claim` + `complete`, p50 / p99, one at a time and 16 in flight), on the machine's PostgreSQL
 * and Redis (127.0.0.1; PostgreSQL with its default `synchronous_commit = on`: each write waits for the WAL flush).
 *
 *   npm run bench:stores            # 3 rounds of 2,000 notifications per store, 16 in flight
 *   BENCH_STORES_N=500 npm run bench:stores
 *
 * Prints a table and writes bench/results/stores.md. Needs the services (`npm run services`).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { PgClient } from "@effect/sql-pg"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Postgres from "../src/NotificationStore/Postgres.js"
import * as RedisStore from "../src/NotificationStore/Redis.js"
import { Emulator } from "../src/testing/index.js"
import type { InstanceConfig } from "../test/fleet/instance.js"

const n = Number(process.env["BENCH_STORES_N"] ?? 2000)
const rounds = Number(process.env["BENCH_STORES_ROUNDS"] ?? 3)
const inFlight = 16
const pgUrl = process.env["WECHATPAY_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
const redisUrl = process.env["WECHATPAY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379"
const run = `wxp_bench_${process.pid}`
type Kind = InstanceConfig["store"]
const kinds: ReadonlyArray<Kind> = ["memory", "postgres", "redis"]

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
const median = (values: ReadonlyArray<number>) => quantile([...values].sort((a, b) => a - b), 0.5)

/** Sends every request, `inFlight` at a time, over keep-alive connections; the elapsed milliseconds. */
const send = async (port: number, requests: ReadonlyArray<{ readonly headers: Record<string, string>; readonly body: string }>) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight })
  let next = 0
  let failed = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < requests.length) {
      const { body, headers } = requests[next++]!
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ port, host: "127.0.0.1", path: "/wechatpay/notify", method: "POST", headers, agent }, (res) => {
          res.resume()
          res.on("end", () => resolve(res.statusCode ?? 0))
        })
        req.on("error", reject)
        req.end(body)
      })
      if (status !== 204) failed++
    }
  }))
  const elapsed = performance.now() - started
  agent.destroy()
  if (failed > 0) throw new Error(`${failed} notifications not answered 204`)
  return elapsed
}

/** One instance process over `kind`, with `n` fresh notifications for it: notifications per second. */
const throughput = async (kind: Kind, round: number) => {
  const emulator = new Emulator.EmulatorState()
  for (let i = 0; i < n; i++) {
    const code = `bench${String(i).padStart(6, "0")}`
    emulator.putCard({ card_id: "pBenchCard000001", code, openid: `oBench${i}` })
    emulator.userManagesCard({ card_id: "pBenchCard000001", code, action: "USER_VIEW_MEMBERCARD" })
  }
  const requests = await Effect.runPromise(
    Effect.forEach(emulator.notifications(), (record) => emulator.notificationRequest(record.id))
  )
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxp-bench-stores-"))
  const config: InstanceConfig = {
    store: kind,
    pgUrl,
    redisUrl,
    namespace: kind === "postgres" ? `${run}.t${round}` : `${run}:${kind}:${round}:`,
    leaseMillis: 60_000,
    apiV3Key: Redacted.value(emulator.apiV3Key),
    publicKeys: emulator.wechatpayPublicKeys as Record<string, string>,
    dir,
    failModulo: 2 ** 31,
    workMillis: 0
  }
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config))
  const child = spawn(process.execPath, ["--import", "tsx", "test/fleet/instance.ts", path.join(dir, "config.json")], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("{\"port\":")) resolve((JSON.parse(line) as { port: number }).port)
      })
      child.once("exit", (code) => reject(new Error(`instance exited ${code}`)))
    })
    // Warm up on a copy of the first 200 (answered as done or handled: both pass through the store).
    await send(port, requests.slice(0, 200))
    const elapsed = await send(port, requests.slice(200))
    return ((n - 200) / elapsed) * 1000
  } finally {
    child.kill("SIGKILL")
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** `claim` + `complete` of fresh ids, `inFlight` at a time, in this process: each pair's milliseconds. */
const storeLatency = (store: NotificationStore.Service, round: number, concurrency: number) =>
  Effect.gen(function*() {
    const times: Array<number> = []
    yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => `EV-${round}-${concurrency}-${i}`),
      (id) =>
        Effect.gen(function*() {
          const started = performance.now()
          const claim = yield* store.claim(id)
          if (claim._tag !== "Claimed") return yield* Effect.die(new Error(`not claimed: ${claim._tag}`))
          yield* store.complete(id, claim.owner)
          times.push(performance.now() - started)
        }),
      { concurrency, discard: true }
    )
    return times.slice(200).sort((a, b) => a - b)
  })

const Services = Layer.mergeAll(
  PgClient.layer({ url: Redacted.make(pgUrl), maxConnections: 8 }),
  NodeRedis.layer({ url: redisUrl })
)

const main = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${run}"`)
  yield* Effect.addFinalizer(() => Effect.orDie(sql.unsafe(`DROP SCHEMA IF EXISTS "${run}" CASCADE`)))
  const redis = yield* NodeRedis.NodeRedis
  yield* Effect.addFinalizer(() =>
    Effect.orDie(redis.use(async (client) => {
      for await (const keys of client.scanIterator({ MATCH: `${run}:*`, COUNT: 500 })) if (keys.length > 0) await client.del(keys)
    }))
  )
  const rows: Array<string> = []
  for (const kind of kinds) {
    const rates: Array<number> = []
    const p50s: Array<number> = []
    const p99s: Array<number> = []
    const p50s16: Array<number> = []
    const p99s16: Array<number> = []
    for (let round = 0; round < rounds; round++) {
      rates.push(yield* Effect.promise(() => throughput(kind, round)))
      const store = kind === "memory"
        ? NotificationStore.unsafeMakeMemory()
        : kind === "postgres"
        ? yield* Effect.andThen(Postgres.migrate({ table: `${run}.latency${round}` }), Postgres.make({ table: `${run}.latency${round}` }))
        : yield* RedisStore.make({ prefix: `${run}:latency:${round}:` })
      const one = yield* storeLatency(store, round, 1)
      p50s.push(quantile(one, 0.5))
      p99s.push(quantile(one, 0.99))
      const many = yield* storeLatency(store, round, inFlight)
      p50s16.push(quantile(many, 0.5))
      p99s16.push(quantile(many, 0.99))
    }
    const row = `| ${kind} | ${median(rates).toFixed(0)} [${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}] | ` +
      `${median(p50s).toFixed(2)} / ${median(p99s).toFixed(2)} | ${median(p50s16).toFixed(2)} / ${median(p99s16).toFixed(2)} |`
    console.log(row)
    rows.push(row)
  }
  const table = [
    `Notification stores — ${n - 200} notifications per round after 200 warm-up, ${inFlight} in flight, ${rounds} rounds (median [min–max]); ` +
    `Node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
    "",
    "| store | notifications/s, one instance (handler does nothing), 16 in flight | store latency per notification (claim + complete), one at a time: p50 / p99 ms | the same, 16 in flight |",
    "|---|---|---|---|",
    ...rows
  ].join("\n")
  fs.mkdirSync("bench/results", { recursive: true })
  fs.writeFileSync("bench/results/stores.md", table + "\n")
  console.log("\n" + table)
}).pipe(Effect.scoped, Effect.provide(Services))

Effect.runPromise(main).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
