/**
 * A fleet, with processes: four Node processes each serve `Notification.httpApp` on their own 127.0.0.1 port over
 * one shared store (PostgreSQL, then Redis), behind a TCP load balancer that sends each connection to a random live
 * instance. The emulator delivers 500 notifications to the balancer on a compressed WeChat schedule (a wait of 500 ms
 * between attempts), 30 % of them as two copies at the same moment; one notification in ten fails its first handling;
 * one instance is killed with SIGKILL while inside a handler.
 *
 * Afterwards: every notification handled exactly once (the handlers' own ledger, appended by each process), none lost
 * (the killed instance's notification is handled by another once its lease ran out), and WeChat's side saw a 2xx for
 * each. The figures are printed (`fleet …`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as Net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Emulator } from "../src/testing/index.js"
import type { InstanceConfig } from "./fleet/instance.js"
import { pgUrl, redisUrl, runId, servicesUp, StoresLive } from "./support-stores.js"

const instances = 4
const notifications = 500
const duplicated = 150
const leaseMillis = 2000
const wait = "500 millis"

/** The ids whose first handling fails: the same rule as the instances' (`failOnce`), decided here. */
const failsFirst = (id: string) => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 10 === 0

/** A TCP balancer: each connection to a random live instance. */
const balancer = (ports: Array<number>, alive: Array<boolean>) =>
  Effect.acquireRelease(
    Effect.callback<Net.Server>((resume) => {
      const sockets = new Set<Net.Socket>()
      const server = Net.createServer((client) => {
        sockets.add(client)
        client.on("close", () => sockets.delete(client))
        const live = ports.filter((_, i) => alive[i])
        const port = live[Math.floor(Math.random() * live.length)]
        if (port === undefined) return void client.destroy()
        const upstream = Net.connect(port, "127.0.0.1")
        sockets.add(upstream)
        upstream.on("close", () => {
          sockets.delete(upstream)
          client.destroy()
        })
        client.on("close", () => upstream.destroy())
        upstream.on("error", () => client.destroy())
        client.on("error", () => upstream.destroy())
        client.pipe(upstream).pipe(client)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(Object.assign(server, { sockets }))))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        for (const socket of (server as Net.Server & { sockets: Set<Net.Socket> }).sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  )

/** Starts an instance; its port once it listens. Killed (if still running) when the scope closes. */
const start = (configFile: string) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly child: ChildProcess; readonly port: number }>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "fleet/instance.ts"), configFile], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let errors = ""
      child.stderr!.on("data", (chunk) => void (errors += chunk))
      // Its log lines (logfmt, on stdout) are kept for the report of a failure; the announcement is JSON.
      const lines = readline.createInterface({ input: child.stdout! })
      lines.on("line", (line) => {
        if (line.startsWith("{\"port\":")) resume(Effect.succeed({ child, port: (JSON.parse(line) as { port: number }).port }))
        else errors += line + "\n"
      })
      child.once("exit", (code) => resume(Effect.die(new Error(`instance exited (${code}) before listening: ${errors}`))))
    }),
    ({ child }) => Effect.sync(() => void (child.exitCode === null && child.kill("SIGKILL")))
  )

/** Runs the fleet over `store`; what WeChat's side and the handlers' ledger saw. */
const fleet = (store: InstanceConfig["store"]) =>
  Effect.gen(function*() {
    const started = Date.now()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wxp-fleet-${store}-`))
    yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
    const ports: Array<number> = []
    const alive: Array<boolean> = []
    const lb = yield* balancer(ports, alive)
    const { port: lbPort } = lb.address() as Net.AddressInfo
    const emulator = new Emulator.EmulatorState({
      notifyUrl: `http://127.0.0.1:${lbPort}/wechatpay/notify`,
      notificationSchedule: Array.from({ length: 24 }, () => wait)
    })
    const config = (victim: boolean): InstanceConfig => ({
      store,
      pgUrl,
      redisUrl,
      namespace: store === "postgres" ? `${runId}.fleet` : `${runId}:fleet:`,
      leaseMillis,
      apiV3Key: Redacted.value(emulator.apiV3Key),
      publicKeys: emulator.wechatpayPublicKeys as Record<string, string>,
      dir,
      failModulo: 10,
      ...(victim ? { hangAfter: 12 } : {})
    })
    fs.writeFileSync(path.join(dir, "victim.json"), JSON.stringify(config(true)))
    fs.writeFileSync(path.join(dir, "instance.json"), JSON.stringify(config(false)))
    // All four start together (their migrations meet; the advisory lock serialises them).
    const children = yield* Effect.forEach(
      Array.from({ length: instances }, (_, i) => path.join(dir, i === 0 ? "victim.json" : "instance.json")),
      start,
      { concurrency: "unbounded" }
    )
    for (const { child, port } of children) {
      const index = ports.push(port) - 1
      alive.push(true)
      child.once("exit", () => void (alive[index] = false))
    }
    const victim = children[0]!.child

    yield* Layer.build(
      Emulator.layerNotifier.pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeed(Emulator.Emulator, emulator))
      )
    )
    emulator.injectNotificationFault({ fault: { _tag: "Duplicate" }, times: duplicated })
    for (let i = 0; i < notifications; i++) {
      const code = `fleet${String(i).padStart(6, "0")}`
      emulator.putCard({ card_id: "pFleetCard000001", code, openid: `oFleet${i}` })
      emulator.userManagesCard({ card_id: "pFleetCard000001", code, action: "USER_VIEW_MEMBERCARD" })
    }

    // Kill the victim while it is inside a handler. Once hanging, the victim finishes no more work: its lines in the
    // ledger are final. It is killed, with handlers in flight, once WeChat's side has a 2xx for each of those
    // handlings — `httpApp` answers only after the store recorded the id as done — and not after a fixed wait: a
    // handler killed after its work but before the store recorded it (one store round trip, longer on a loaded
    // machine) runs again on the redelivery, as the README's "Leases and handler time" says (and how to make that
    // harmless). That window is the product's stated limit, not what this test measures.
    const hung = yield* Effect.callback<string>((resume) => {
      const timer = setInterval(() => {
        const marker = path.join(dir, "hang")
        const id = fs.existsSync(marker) ? fs.readFileSync(marker, "utf8") : ""
        if (id === "") return
        clearInterval(timer)
        resume(Effect.succeed(id))
      }, 10)
    }).pipe(Effect.timeout("30 seconds"))
    const ledgerFile = path.join(dir, "handled.log")
    const doneByVictim = (fs.existsSync(ledgerFile) ? fs.readFileSync(ledgerFile, "utf8").split("\n").slice(0, -1) : [])
      .map((line) => line.split(" "))
      .filter(([, pid]) => Number(pid) === victim.pid)
      .map(([id]) => id!)
    yield* emulator.awaitNotifications((records) => {
      const delivered = new Set(records.filter((r) => r.state === "delivered").map((r) => r.id))
      return doneByVictim.every((id) => delivered.has(id))
    }).pipe(Effect.timeout("10 seconds"))
    victim.kill("SIGKILL")

    const records = yield* emulator.awaitNotifications(notifications).pipe(Effect.timeout("45 seconds"))
    const elapsed = Date.now() - started
    const ledger = fs.readFileSync(path.join(dir, "handled.log"), "utf8").trim().split("\n").map((line) => {
      const [id, pid] = line.split(" ")
      return { id: id!, pid: Number(pid) }
    })
    const ids = records.map((r) => r.id)
    const attempts = records.flatMap((r) => r.attempts)
    const statuses: Record<string, number> = {}
    for (const a of attempts) {
      const key = a.status !== undefined ? String(a.status) : "no answer"
      statuses[key] = (statuses[key] ?? 0) + 1
    }
    const failedFirst = fs.readdirSync(dir).filter((f) => f.startsWith("failed-")).length
    console.log(
      `fleet ${store}: ${records.length} notifications, ${attempts.length} delivery attempts ` +
        `(${duplicated} sent as two copies at once) to ${instances} instances in ${elapsed} ms; answers ` +
        `${JSON.stringify(statuses)}; ${failedFirst} first handlings failed on purpose; ` +
        `instance ${victim.pid} killed inside the handler of ${hung}; handled ${ledger.length} times`
    )

    // WeChat's side: each notification ends delivered (a 2xx).
    expect(records).toHaveLength(notifications)
    expect(records.filter((r) => r.state !== "delivered").map((r) => r.id)).toEqual([])
    expect(new Set(ledger.map((l) => l.id))).toEqual(new Set(ids))
    return { ledger, ids, hung, victim, failedFirst, statuses, attempts }
  }).pipe(Effect.scoped)

/** What a shared store promises the fleet: each notification handled exactly once, the killed one included. */
const exactlyOnce = (store: "postgres" | "redis") =>
  Effect.gen(function*() {
    const { attempts, failedFirst, hung, ids, ledger, statuses, victim } = yield* fleet(store)
    // The merchant's side: each handled exactly once, nothing else handled.
    expect(ledger).toHaveLength(notifications)
    // The killed instance's notification was handled by another instance, after its lease.
    expect(ids).toContain(hung)
    expect(ledger.find((l) => l.id === hung)!.pid).not.toBe(victim.pid)
    expect(victim.signalCode).toBe("SIGKILL")
    // The planted failures happened and were handled again on redelivery.
    expect(failedFirst).toBe(ids.filter(failsFirst).length)
    expect(failedFirst).toBeGreaterThan(20)
    expect(statuses["500"]).toBeGreaterThanOrEqual(failedFirst)
    // Copies met: answered 503 while the first copy ran, or 204 once it was done — never handled twice.
    expect(attempts.length).toBeGreaterThan(notifications + duplicated)
  })

layer(StoresLive, { excludeTestServices: true, timeout: "2 minutes" })("a fleet of four processes", (it) => {
  describe.skipIf(!servicesUp)("over one shared store", () => {
    it.effect("PostgreSQL: 500 notifications, 30 % doubled, failures, an instance killed: each handled exactly once", () =>
      exactlyOnce("postgres"), { timeout: 90_000 })

    it.effect("Redis: 500 notifications, 30 % doubled, failures, an instance killed: each handled exactly once", () =>
      exactlyOnce("redis"), { timeout: 90_000 })

    it.effect("each process on its own in-memory store: copies that reach two instances are handled twice", () =>
      Effect.gen(function*() {
        const { ledger } = yield* fleet("memory")
        expect(ledger.length).toBeGreaterThan(notifications)
      }), { timeout: 90_000 })
  })
})
