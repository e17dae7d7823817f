/**
 * The rate budget: calls wait for their merchant's token rather than fail; a call WeChat refuses as rate limited
 * makes the calls after it wait a window; no budget, no wait. In process on the test clock (Effect's in-memory
 * RateLimiter store); `layerRedis` as shipped, in one process; and across four processes sharing a 5/s budget on Redis
 * for 10 s, counted as the budget granted them and where they arrived (the emulator's server).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import type * as Net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import { MemberCard } from "../src/index.js"
import * as RateLimit from "../src/RateLimit.js"
import { Emulator } from "../src/testing/index.js"
import type { CallerConfig } from "./fleet/caller.js"
import { redisUrl, runId, servicesUp, StoresLive } from "./support-stores.js"

const InProcess = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))
const card = { card_id: "pRateCard0000001", code: "rate0001" }

/** Lets the calls' real asynchronous work (signing on the thread pool) finish before the clock moves on. */
const settle = TestClock.withLive(Effect.sleep("40 millis"))

/** Moves the test clock, then lets the calls that were woken run. */
const adjust = (duration: Duration.Input) => Effect.andThen(TestClock.adjust(duration), settle)

/**
 * The emulator has received exactly `count` requests, the clock unmoved: up to 10 s of real time for the ones due to
 * arrive (a loaded machine signs slowly), then one more settle for any that should not have.
 */
const requestsAre = (count: number, label?: string) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    for (let i = 0; i < 1000 && emulator.requests("GetUserCard") < count; i++) yield* TestClock.withLive(Effect.sleep("10 millis"))
    yield* settle
    expect(emulator.requests("GetUserCard"), label).toBe(count)
  })

const calls = (n: number) =>
  Effect.forkChild(Effect.forEach(Array.from({ length: n }), () => MemberCard.getUserCard(card), { concurrency: "unbounded" }))

describe("in one process (memory store, test clock)", () => {
  it.effect("5/s: twelve calls at once go 200 ms apart — one at 0, the twelfth at 2.2 s", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ ...card, openid: "oRate" })
      const running = yield* calls(12)
      for (let step = 0; step < 12; step++) {
        yield* adjust(Duration.zero)
        yield* requestsAre(step + 1, `at ${step * 200} ms`)
        yield* adjust("199 millis")
        yield* requestsAre(step + 1, `at ${step * 200 + 199} ms`)
        yield* adjust("1 millis")
      }
      expect(yield* Fiber.join(running)).toHaveLength(12)
    }).pipe(Effect.provide(RateLimit.layerMemory({ perMerchant: { limit: 5, window: "1 second" } })), Effect.provide(InProcess)))

  it.effect("burst 3: three at once after a quiet spell, then one every 200 ms", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ ...card, openid: "oRate" })
      const running = yield* calls(5)
      yield* adjust(Duration.zero)
      yield* requestsAre(3)
      yield* adjust("199 millis")
      yield* requestsAre(3)
      yield* adjust("1 millis")
      yield* requestsAre(4)
      yield* adjust("200 millis")
      yield* requestsAre(5)
      yield* Fiber.join(running)
    }).pipe(
      Effect.provide(RateLimit.layerMemory({ perMerchant: { limit: 5, window: "1 second", burst: 3 } })),
      Effect.provide(InProcess)
    ))

  it.effect("per endpoint: 2/s for GetUserCard within 5/s per merchant: the stricter budget decides", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ ...card, openid: "oRate" })
      const running = yield* calls(3)
      yield* adjust(Duration.zero)
      yield* requestsAre(1)
      yield* adjust("499 millis")
      yield* requestsAre(1)
      yield* adjust("1 millis")
      yield* requestsAre(2)
      yield* adjust("500 millis")
      yield* requestsAre(3)
      yield* Fiber.join(running)
    }).pipe(
      Effect.provide(RateLimit.layerMemory({
        perMerchant: { limit: 5, window: "1 second" },
        perEndpoint: { "MemberCard.GetUserCard": { limit: 2, window: "1 second" } }
      })),
      Effect.provide(InProcess)
    ))

  it.effect("a 429 RATELIMIT_EXCEEDED from WeChat: its retry and the calls after it wait one window", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ ...card, openid: "oRate" })
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 429, code: "RATELIMIT_EXCEEDED" } })
      const running = yield* calls(1)
      yield* adjust(Duration.zero)
      yield* requestsAre(1) // refused
      yield* adjust("999 millis")
      yield* requestsAre(1) // the retry waits the window (5 tokens at 200 ms)
      yield* adjust("201 millis")
      yield* requestsAre(2)
      expect(yield* Fiber.join(running)).toHaveLength(1)
    }).pipe(Effect.provide(RateLimit.layerMemory({ perMerchant: { limit: 5, window: "1 second" } })), Effect.provide(InProcess)))

  it.effect("no budget: twelve calls at once all go at once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ ...card, openid: "oRate" })
      const running = yield* calls(12)
      yield* adjust(Duration.zero)
      yield* Fiber.join(running)
      yield* requestsAre(12)
    }).pipe(Effect.provide(InProcess)))

  it("a budget that is not one is refused when the layer is made", () => {
    for (const budget of [{ limit: 0, window: "1 second" }, { limit: 5, window: "0 millis" }, { limit: 5, window: "1 second", burst: 0 }, { limit: 1.5, window: "1 second" }] as const) {
      expect(() => RateLimit.layerMemory({ perMerchant: budget }), JSON.stringify(budget)).toThrow(RangeError)
      expect(() => RateLimit.layerMemory({ perEndpoint: { "MemberCard.GetUserCard": budget } })).toThrow(RangeError)
    }
  })
})

const processes = 4
const seconds = 10
const limit = 5

layer(StoresLive, { excludeTestServices: true })("across processes (Redis)", (it) => {
  it.effect.skipIf(!servicesUp)(
    "RateLimit.layerRedis as shipped: six calls at once at 5/s go 200 ms apart (a second from the first to the sixth), the bucket kept in Redis under its prefix",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ ...card, openid: "oRate" })
        const running = yield* calls(6)
        const redis = yield* NodeRedis.NodeRedis
        for (let i = 0; i < 500 && emulator.requests("GetUserCard") === 0; i++) yield* Effect.sleep("10 millis")
        // While the calls wait, their merchant's bucket is in Redis under the prefix (it expires once refilled).
        const keys = yield* Effect.orDie(redis.use((client) => client.keys(`ratelimiter:*${runId}*`)))
        // Effect's Redis store: `ratelimiter:` + the key escaped (the bucket, and its refill time).
        expect(keys.sort()).toEqual([
          `ratelimiter:${runId}%3Arate-layer%3A${emulator.mchid}`,
          `ratelimiter:${runId}%3Arate-layer%3A${emulator.mchid}:refill`
        ])
        yield* Fiber.join(running)
        const arrived = emulator.requestJournal().filter((entry) => entry.endpoint === "GetUserCard").map((entry) => entry.at)
          .sort((a, b) => a - b)
        expect(arrived).toHaveLength(6)
        // Five waits of 200 ms; arrival jitter (signing) can only shave a little off, an unthrottled run takes ~0.
        expect(arrived[5]! - arrived[0]!).toBeGreaterThanOrEqual(800)
      }).pipe(
        Effect.provide(RateLimit.layerRedis({ perMerchant: { limit: 5, window: "1 second" }, prefix: `${runId}:rate-layer:` })),
        Effect.provide(InProcess)
      )
  )

  it.effect.skipIf(!servicesUp)(
    "four processes share 5/s for 10 s: granted at most 5 + 1 (the burst) in any one-second window and 5/s on average, arrived at most one more (jitter), none fails",
    () =>
      Effect.gen(function*() {
        const emulator = new Emulator.EmulatorState()
        emulator.putCard({ ...card, openid: "oRate" })
        const arrivals: Array<number> = []
        const listener = Emulator.requestListener(emulator)
        const server = http.createServer((req, res) => {
          if (req.url?.includes("/codes/")) arrivals.push(performance.now())
          listener(req, res)
        })
        yield* Effect.acquireRelease(
          Effect.callback<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
          () => Effect.callback<void>((resume) => {
            server.closeAllConnections()
            server.close(() => resume(Effect.void))
          })
        )
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxp-rate-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
        const config: CallerConfig = {
          baseUrl: `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`,
          mchid: emulator.mchid,
          merchantSerialNumber: emulator.merchantSerialNumber,
          merchantPrivateKey: Redacted.value(emulator.merchantPrivateKey!),
          wechatpayPublicKeys: emulator.wechatpayPublicKeys as Record<string, string>,
          redisUrl,
          prefix: `${runId}:rate:`,
          limit,
          seconds,
          concurrency: 4,
          ...card
        }
        fs.writeFileSync(path.join(dir, "caller.json"), JSON.stringify(config))
        const results = yield* Effect.forEach(Array.from({ length: processes }), () =>
          Effect.callback<{ readonly ok: number; readonly failed: number; readonly slots: ReadonlyArray<number> }>((resume) => {
            const child = spawn(
              process.execPath,
              ["--import", "tsx", path.join(import.meta.dirname, "fleet/caller.ts"), path.join(dir, "caller.json")],
              { stdio: ["ignore", "pipe", "pipe"] }
            )
            let out = ""
            let err = ""
            child.stdout.on("data", (chunk) => void (out += chunk))
            child.stderr.on("data", (chunk) => void (err += chunk))
            child.once("exit", (code) => {
              const line = out.split("\n").find((l) => l.startsWith("{\"ok\""))
              resume(
                code === 0 && line !== undefined
                  ? Effect.succeed(JSON.parse(line))
                  : Effect.die(new Error(`caller exited ${code}: ${err}`))
              )
            })
          }), { concurrency: "unbounded" })
        /** The most times within any one second (a window starting at each), and times per second over their span. */
        const measure = (times: ReadonlyArray<number>) => {
          const sorted = [...times].sort((a, b) => a - b)
          let most = 0
          for (let i = 0, j = 0; i < sorted.length; i++) {
            while (sorted[i]! - sorted[j]! >= 1000) j++
            most = Math.max(most, i - j + 1)
          }
          const span = (sorted[sorted.length - 1]! - sorted[0]!) / 1000
          return { most, span, rate: times.length / span }
        }
        const slots = results.flatMap((r) => r.slots)
        const given = measure(slots)
        const arrived = measure(arrivals)
        const ok = results.reduce((n, r) => n + r.ok, 0)
        const failed = results.reduce((n, r) => n + r.failed, 0)
        console.log(
          `rate: ${processes} processes × 4 fibers, ${limit}/s shared on Redis: ${arrivals.length} calls in ${arrived.span.toFixed(1)} s ` +
            `(${arrived.rate.toFixed(2)}/s), at most ${arrived.most} arrived and ${given.most} given in any one-second window, ` +
            `${failed} failed`
        )
        expect(failed).toBe(0)
        expect(ok).toBe(arrivals.length)
        expect(slots).toHaveLength(arrivals.length)
        // The budget's own times (when Redis's bucket said each take may go): at most `limit + burst` (burst 1, the
        // default) in any one second, 5/s over the run.
        expect(given.most).toBeLessThanOrEqual(limit + 1)
        expect(given.rate).toBeLessThanOrEqual(limit * 1.05)
        // On the wire, calls arrive with the machine's jitter (signing, four processes on two cores): one more in a
        // window at most. A budget not shared, or not kept, would show 4× the rate here.
        expect(arrived.most).toBeLessThanOrEqual(limit + 2)
        expect(arrived.rate).toBeLessThanOrEqual(limit * 1.1)
        // The budget is used, not starved: at least 80 % of 5/s over the time the callers overlapped.
        expect(arrivals.length).toBeGreaterThanOrEqual(Math.floor(limit * (seconds - 2) * 0.8))
      }).pipe(Effect.scoped),
    { timeout: 60_000 }
  )
})
