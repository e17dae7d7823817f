/**
 * One instance of a merchant's notification endpoint, as the fleet test runs four of them in separate processes:
 * `Notification.httpApp` on NodeHttpServer (127.0.0.1, a free port), de-duplicated by the shared store the config
 * names (PostgreSQL or Redis). It prints `{"port":…}` once it listens.
 *
 * The handler is the merchant's work, with the faults the test wants: it records each notification it handled in
 * the shared ledger (`handled.log`: one line, appended, per handled notification); it fails the first time any
 * instance meets one of the ids picked for failure (an exclusive file marks that first time); and the victim instance
 * hangs in the handler of its `hangAfter`-th notification, after saying so in `hang`, until the test kills it.
 *
 * Usage: node --import tsx test/fleet/instance.ts <config.json>
 */
import * as fs from "node:fs"
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { PgClient } from "@effect/sql-pg"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import type * as NetAddress from "effect/net/NetAddress"
import * as Redacted from "effect/Redacted"
import * as Notification from "../../src/Notification.js"
import * as NotificationStore from "../../src/NotificationStore.js"
import * as Postgres from "../../src/NotificationStore/Postgres.js"
import * as RedisStore from "../../src/NotificationStore/Redis.js"
import * as Verifier from "../../src/Verifier.js"

export interface InstanceConfig {
  /** `memory`: each process its own in-memory store (what a fleet must not use; the test shows why). */
  readonly store: "postgres" | "redis" | "memory"
  readonly pgUrl: string
  readonly redisUrl: string
  /** The PostgreSQL table or the Redis key prefix, this run's own. */
  readonly namespace: string
  readonly leaseMillis: number
  readonly apiV3Key: string
  readonly publicKeys: Readonly<Record<string, string>>
  /** The folder of the shared ledger and the markers. */
  readonly dir: string
  /** An id whose hash is a multiple of this fails its first handling (by any instance). */
  readonly failModulo: number
  /** The victim hangs on its n-th notification; undefined on the other instances. */
  readonly hangAfter?: number | undefined
  /** The handler's own work in milliseconds; default 2 to 11 at random. `bench/stores.ts` sets 0. */
  readonly workMillis?: number | undefined
}

const config = JSON.parse(fs.readFileSync(process.argv[2]!, "utf8")) as InstanceConfig
const failsFirst = (id: string) => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % config.failModulo === 0
let seen = 0
/** The victim, once hanging, finishes no more work: its handlers still running stop short of the ledger. */
let hanging = false

const handle = (event: Notification.Event) =>
  Effect.gen(function*() {
    seen++
    if (hanging) return yield* Effect.never
    if (config.hangAfter !== undefined && seen === config.hangAfter) {
      hanging = true
      fs.writeFileSync(`${config.dir}/hang`, event.id)
      return yield* Effect.never
    }
    if (failsFirst(event.id)) {
      const first = yield* Effect.sync(() => {
        try {
          fs.closeSync(fs.openSync(`${config.dir}/failed-${event.id}`, "wx"))
          return true
        } catch {
          return false
        }
      })
      if (first) return yield* Effect.fail("injected failure")
    }
    // The merchant's work: a few milliseconds of I/O.
    const work = config.workMillis ?? 2 + Math.floor(Math.random() * 10)
    if (work > 0) yield* Effect.sleep(`${work} millis`)
    if (hanging) return yield* Effect.never
    fs.appendFileSync(`${config.dir}/handled.log`, `${event.id} ${process.pid}\n`)
  })

const Store: Layer.Layer<never, unknown> = config.store === "memory"
  ? NotificationStore.layerMemory({ lease: config.leaseMillis })
  : config.store === "postgres"
  ? Postgres.layer({ table: config.namespace, lease: config.leaseMillis, sweepInterval: false }).pipe(
    Layer.provide(PgClient.layer({ url: Redacted.make(config.pgUrl), maxConnections: 8 }))
  )
  : RedisStore.layer({ prefix: config.namespace, lease: config.leaseMillis }).pipe(
    Layer.provide(NodeRedis.layer({ url: config.redisUrl }))
  )

const Notifications = Notification.layer({ apiV3Key: Redacted.make(config.apiV3Key) }).pipe(
  Layer.provide(Verifier.layer({ publicKeys: config.publicKeys }))
)

const Announce = Layer.effectDiscard(Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const { port } = server.address as NetAddress.InetAddress
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`)
}))

const Main = HttpRouter.add("POST", "/wechatpay/notify", Notification.httpApp(handle)).pipe(
  HttpRouter.serve,
  Layer.merge(Announce),
  Layer.provide(Notifications),
  Layer.provide(Store),
  Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
)

Effect.runFork(Layer.launch(Main).pipe(
  Effect.tapCause((cause) => Effect.sync(() => console.error(String(cause)))),
  Effect.ensuring(Effect.sync(() => process.exit(1)))
))
