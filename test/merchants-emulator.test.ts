/**
 * `Merchants` against an emulator serving three merchants (each with its own merchant key, WeChat Pay public key and
 * APIv3 key), over loopback HTTP: one directory, concurrent calls for all three, each request signed with its own
 * merchant's key (the emulator refuses any other), each write in its own merchant's state and ledger; and the
 * emulator's notifications for all three delivered to one `Merchants.httpApp` route, each handled once as its merchant.
 */
import * as Http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MemberCard from "../src/MemberCard.js"
import * as Merchants from "../src/Merchants.js"
import * as NodeTransport from "../src/NodeTransport.js"
import * as NotificationStore from "../src/NotificationStore.js"
import { Emulator } from "../src/testing/index.js"
import { fresh, listenLoopback } from "./support.js"

const A = "1230000109"
const B = "1230000201"
const C = "1230000302"

/** The directory over the emulator's merchants (their options as the emulator hands them out). */
const directoryOf = (emulator: Emulator.EmulatorState) => {
  const looked: Array<string> = []
  const lookup: Merchants.Lookup = (mchid) =>
    Effect.sync(() => {
      looked.push(mchid)
      return emulator.mchids.includes(mchid) ? emulator.merchantOptions(mchid) : undefined
    })
  return { looked, layer: Merchants.layer({ lookup }).pipe(Layer.provide(NodeTransport.layer())) }
}

describe("Merchants over an emulator serving three merchants", () => {
  it.live("3 merchants × 20 concurrent writes through one directory: each signed with its own key, applied once in its own state, under its mchid in the ledger", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ mchid: A, merchants: [{ mchid: B }, { mchid: C }] })
      yield* Emulator.serve(emulator)
      const directory = directoryOf(emulator)
      const context = yield* Layer.build(directory.layer)
      // Calls record into the registry of the calling fiber, as without `Merchants`: all merchants' calls here.
      const registry: Metric.MetricRegistry = new Map()
      const card_id = fresh("pDirectory")
      const code = fresh("8")
      const keys = Array.from({ length: 20 }, (_, i) => fresh(`dir-${i}-`))
      const merchants = [{ mchid: A, points: 1 }, { mchid: B, points: 2 }, { mchid: C, points: 3 }]
      for (const { mchid } of merchants) emulator.putCard({ card_id, code, bonus_value: 100 }, mchid)
      const before = emulator.ledger.length
      // Every write is its own `forMerchant`, all 60 at once: the directory builds each merchant once.
      yield* Effect.all(
        merchants.flatMap(({ mchid, points }) =>
          keys.map((out_request_no) =>
            MemberCard.setUserCardRights({ card_id, code, out_request_no, add_bonus_value: points }).pipe(
              Merchants.forMerchant(mchid)
            )
          )
        ),
        { concurrency: "unbounded", discard: true }
      ).pipe(Effect.provide(context), Effect.provideService(Metric.MetricRegistry, registry))
      const cards = yield* Effect.all(
        merchants.map(({ mchid }) => MemberCard.getUserCard({ card_id, code }).pipe(Merchants.forMerchant(mchid)))
      ).pipe(Effect.provide(context), Effect.provideService(Metric.MetricRegistry, registry))
      expect(cards.map((card) => card.bonus_value)).toEqual([120, 140, 160])
      expect([...directory.looked].sort()).toEqual([A, B, C])
      const calls = (endpoint: string) =>
        Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
          .filter((m) =>
            m.id === "wechatpay.client.call.duration" && m.attributes?.["wechatpay.endpoint"] === endpoint &&
            m.attributes?.["wechatpay.outcome"] === "ok"
          )
          .reduce((sum, m) => sum + (m.state as { readonly count: number }).count, 0)
      expect([calls("MemberCard.SetUserCardRights"), calls("MemberCard.GetUserCard")]).toEqual([60, 3])
      const written = emulator.ledger.slice(before)
      expect(written).toHaveLength(60)
      for (const { mchid, points } of merchants) {
        const mine = written.filter((entry) => entry.mchid === mchid)
        expect(mine).toHaveLength(20)
        expect(mine.every((entry) => entry.pointsDelta === points)).toBe(true)
        for (const key of keys) expect(emulator.applied(key, mchid)).toBe(1)
      }
    }).pipe(Effect.scoped))

  it.live("the emulator's notifications for three merchants, delivered to one route: each verified with its merchant's keys and handled once, as that merchant", () =>
    Effect.gen(function*() {
      const handled: Array<{ readonly mchid: string; readonly code: string | undefined }> = []
      const scope = yield* Effect.scope
      // The merchant's server: one route for every merchant.
      let emulator: Emulator.EmulatorState | undefined
      const directory = Merchants.layer({
        lookup: (mchid) => Effect.sync(() => emulator!.mchids.includes(mchid) ? emulator!.merchantOptions(mchid) : undefined)
      }).pipe(Layer.provide(NodeTransport.layer()))
      const services = yield* Layer.build(Layer.merge(directory, NotificationStore.layerMemory()))
      const handler = yield* NodeHttpServer.makeHandler(
        Merchants.httpApp((event) =>
          Effect.map(Merchants.currentMchid, (mchid) => {
            handled.push({ mchid, code: (event.resource as { readonly code?: string }).code })
          })
        ),
        { scope }
      ).pipe(Effect.provide(services))
      const server = Http.createServer(handler)
      const origin = yield* listenLoopback(server)
      const url = (mchid: string) => `${origin}/wechatpay/notify/${mchid}`
      emulator = yield* Emulator.make({
        mchid: A,
        notifyUrl: url(A),
        merchants: [{ mchid: B, notifyUrl: url(B) }, { mchid: C, notifyUrl: url(C) }]
      })
      yield* Layer.build(Emulator.layerNotifier.pipe(
        Layer.provide(Layer.succeed(Emulator.Emulator, emulator)),
        Layer.provide(FetchHttpClient.layer)
      ))
      const card_id = fresh("pNotifyAll")
      for (const [mchid, code] of [[A, "1"], [B, "2"], [C, "3"]] as const) {
        emulator.putCard({ card_id, code }, mchid)
        emulator.userManagesCard({ card_id, code, action: "USER_VIEW_MEMBERCARD", mchid })
      }
      const records = yield* emulator.awaitNotifications(3)
      expect(records.map((record) => record.state)).toEqual(["delivered", "delivered", "delivered"])
      expect([...handled].sort((x, y) => x.mchid.localeCompare(y.mchid))).toEqual([
        { mchid: A, code: "1" },
        { mchid: B, code: "2" },
        { mchid: C, code: "3" }
      ])
    }).pipe(Effect.scoped))
  it.live("certificate mode, two merchants in one registry: the age gauge is the stalest merchant's, and goes with the last one released; the merchants record into the directory's registry", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ mchid: A, mode: "certificate", merchants: [{ mchid: B }] })
      yield* Emulator.serve(emulator)
      const registry: Metric.MetricRegistry = new Map()
      const lookup: Merchants.Lookup = (mchid) =>
        Effect.sync(() => ({ ...emulator.merchantOptions(mchid), wechatpayPublicKeys: {}, platformCertificates: true }))
      const context = yield* Layer.build(
        Merchants.layer({ lookup }).pipe(
          Layer.provide(NodeTransport.layer()),
          Layer.provide(Layer.succeed(Metric.MetricRegistry, registry))
        )
      )
      const age = () => {
        const series = Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
          .filter((m) => m.id === "wechatpay.platform_certificates.age")
        return series.length === 0 ? undefined : (series[0]!.state as { readonly value: number }).value
      }
      const downloads = () =>
        Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
          .filter((m) => m.id === "wechatpay.platform_certificates.downloads")
          .reduce((sum, m) => sum + Number((m.state as { readonly count: number }).count), 0)
      const use = (mchid: string) => Merchants.currentMchid.pipe(Merchants.forMerchant(mchid), Effect.provide(context))
      yield* use(A)
      yield* Effect.sleep("400 millis")
      yield* use(B)
      // Both downloads counted in the directory's registry (the callers provided none).
      expect(downloads()).toBe(2)
      expect(age()).toBeGreaterThanOrEqual(0.39)
      yield* Merchants.invalidate(A).pipe(Effect.provide(context))
      yield* Effect.sleep("20 millis")
      expect(age()).toBeLessThan(0.39)
      yield* Merchants.invalidate(B).pipe(Effect.provide(context))
      yield* Effect.sleep("20 millis")
      expect(age()).toBeUndefined()
    }).pipe(Effect.scoped))
})
