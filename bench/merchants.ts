/**
 * Many merchants in one process (`Merchants`), measured against the emulator on 127.0.0.1:
 * - memory per idle merchant: 1,000 merchants built (each merchant's keys parsed, its verifier, encryptor, client and
 *   every endpoint; each from options made by the lookup, with strings of its own, as read from a database), then left
 *   idle; heap and RSS growth after a full GC, divided by 1,000;
 * - time to first call: a merchant not yet held (lookup from memory, build, sign, send, verify, decode),
 *   against a call for a merchant already held, and against the same call on a plain `WechatPay.layerNode` client
 *   (what `forMerchant` costs per call);
 * - 1,000 merchants' first use at once: the time until all are built.
 *
 *   npm run bench:merchants           # node --expose-gc; prints a table, writes bench/results/merchants.md
 *
 * A real directory adds its own lookup latency (a database round trip) to the first call only.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as MemberCard from "../src/MemberCard.js"
import * as Merchants from "../src/Merchants.js"
import * as NodeTransport from "../src/NodeTransport.js"
import * as WechatPay from "../src/WechatPay.js"
import { Emulator } from "../src/testing/index.js"

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench:merchants)")

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
const stats = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) }
}
const ms = (n: number) => n.toFixed(2)

const settle = () => {
  for (let i = 0; i < 4; i++) gc()
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, rss: usage.rss, external: usage.external }
}

const program = Effect.gen(function*() {
  const emulator = yield* Emulator.make()
  emulator.putCard({ card_id: "pBenchMerchants01", code: "990000001" })
  const server = yield* Emulator.serve(emulator)
  // Each merchant's options as a lookup would return them: strings of its own (copied, not shared), as read from a
  // database row, so that whatever a merchant keeps of them is counted per merchant.
  const copy = (text: string) => Buffer.from(text, "utf8").toString("utf8")
  const optionsFor = (mchid: string): WechatPay.Options => ({
    mchid,
    merchantSerialNumber: copy(emulator.merchantSerialNumber),
    merchantPrivateKey: Redacted.make(copy(Redacted.value(emulator.merchantPrivateKey!))),
    wechatpayPublicKeys: Object.fromEntries(
      Object.entries(emulator.wechatpayPublicKeys).map(([id, pem]) => [copy(id), copy(pem)])
    ),
    apiV3Key: Redacted.make(copy(Redacted.value(emulator.apiV3Key))),
    baseUrl: server.baseUrl
  })
  const n = 1000
  // The directory: the options are made when looked up, as a database read would (what a merchant keeps of them is
  // then counted as its own).
  const ids = [emulator.mchid, ...Array.from({ length: n }, (_, i) => String(1_800_000_000 + i))]
  const known = new Set(ids)
  const lookup = (mchid: string) => Effect.sync(() => known.has(mchid) ? optionsFor(mchid) : undefined)
  const context = yield* Layer.build(
    Merchants.layer({ lookup, idleTimeToLive: "1 hour" }).pipe(
      Layer.provide(NodeTransport.layer())
    )
  )
  const directory = yield* Effect.provide(Merchants.Merchants, context)
  const read = MemberCard.getUserCard({ card_id: "pBenchMerchants01", code: "990000001" })

  // 1,000 merchants' first use at once, then idle.
  const before = settle()
  const started = performance.now()
  yield* Effect.all(
    ids.filter((mchid) => mchid !== emulator.mchid).map((mchid) =>
      Merchants.currentMchid.pipe(Merchants.forMerchant(mchid))
    ),
    { concurrency: Number(process.env["BENCH_MERCHANTS_CONCURRENCY"] ?? Infinity), discard: true }
  ).pipe(Effect.provide(context))
  const buildAll = performance.now() - started
  const after = settle()
  const held = (yield* directory.held).length

  // Time to first call vs a held merchant vs a plain client.
  const rounds = 200
  const first: Array<number> = []
  const warm: Array<number> = []
  const plain: Array<number> = []
  const asMerchant = read.pipe(Merchants.forMerchant(emulator.mchid), Effect.provide(context))
  const client = yield* Layer.build(MemberCard.layer.pipe(Layer.provideMerge(WechatPay.layerNode(optionsFor(emulator.mchid)))))
  const direct = Effect.provide(read, client)
  for (let i = 0; i < 50; i++) yield* asMerchant, yield* direct
  for (let i = 0; i < rounds; i++) {
    yield* directory.invalidate(emulator.mchid)
    const t = performance.now()
    yield* asMerchant
    first.push(performance.now() - t)
  }
  // Held against plain, alternated, apart from the first calls (whose garbage would land on the next call's GC).
  for (let i = 0; i < 5 * rounds; i++) {
    let t = performance.now()
    yield* asMerchant
    warm.push(performance.now() - t)
    t = performance.now()
    yield* direct
    plain.push(performance.now() - t)
  }
  // What forMerchant itself costs: hold the merchant, provide its services, release (no call).
  const only = Merchants.currentMchid.pipe(Merchants.forMerchant(emulator.mchid), Effect.provide(context))
  for (let i = 0; i < 2000; i++) yield* only
  const loops = 20_000
  const cpu = process.cpuUsage()
  for (let i = 0; i < loops; i++) yield* only
  const used = process.cpuUsage(cpu)
  const forMerchantMicros = (used.user + used.system) / loops
  return {
    n,
    held,
    buildAll,
    heapPerMerchant: (after.heap - before.heap) / n,
    rssPerMerchant: (after.rss - before.rss) / n,
    externalPerMerchant: (after.external - before.external) / n,
    forMerchantMicros,
    first: stats(first),
    warm: stats(warm),
    plain: stats(plain)
  }
})

const result = await Effect.runPromise(Effect.scoped(program))
const kib = (bytes: number) => (bytes / 1024).toFixed(1)
const lines = [
  `# Merchants: ${result.n} merchants in one process`,
  "",
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, \`npm run bench:merchants\` (emulator on 127.0.0.1, public-key mode).`,
  "",
  "| measure | value |",
  "|---|---:|",
  `| merchants held after first use | ${result.held} |`,
  `| heap per idle merchant | ${kib(result.heapPerMerchant)} KiB |`,
  `| RSS per idle merchant | ${kib(result.rssPerMerchant)} KiB |`,
  `| external (key buffers) per idle merchant | ${kib(result.externalPerMerchant)} KiB |`,
  `| ${result.n} merchants built at once | ${ms(result.buildAll)} ms |`,
  `| first call of a merchant not held, p50 / p99 | ${ms(result.first.p50)} / ${ms(result.first.p99)} ms |`,
  `| call of a merchant held, p50 / p99 | ${ms(result.warm.p50)} / ${ms(result.warm.p99)} ms |`,
  `| same call on a plain WechatPay.layerNode client, p50 / p99 | ${ms(result.plain.p50)} / ${ms(result.plain.p99)} ms |`,
  `| forMerchant alone (hold, provide, release; no call), CPU | ${result.forMerchantMicros.toFixed(1)} µs |`,
  ""
]
const text = lines.join("\n")
console.log(text)
fs.writeFileSync(path.join(import.meta.dirname, "results", "merchants.md"), text)
