/**
 * The concurrent run of issue 10, over the product's new writes: every repeat-safe write (an `idempotencyKey`, or
 * `repeatable`) except the five seed endpoints (test/reliability-concurrency.test.ts covers those), found by walking
 * the `Endpoint` declarations. More than 1,000 calls, 48 in flight, against the emulator on 127.0.0.1 (node:http
 * transport, `RetryPolicy.immediate()` from the emulator's layer: waits are not the point), with seeded random faults
 * (Drop, DropAfterApply, 500, 503, 429) injected before a quarter of them. Each call has its own idempotency key, or,
 * for a write without one, its own target (its own template, codes, openid, phone number, URL, file).
 *
 * Afterwards:
 * - no call's write is in the ledger twice; every call that succeeded is there exactly once; nothing is in the ledger
 *   that no call asked for;
 * - the emulator's state matches the ledger: the cards imported into the shared template, the codes deposited into
 *   the shared pool, the activities on the shared template, the templates created, deleted, upgraded, the modules
 *   set, the callback URL;
 * - repeating every failed call with the same key and body (what a caller does with an unknown outcome) applies each
 *   write exactly once.
 *
 * A second run (issue 24) does the same over the repeat-safe writes of 商家名片会员卡, both surfaces at once: the service
 * provider's (`PartnerCardMember` on `WechatPayClient`) and the brand's (`BrandCardMember`, one `BrandClient` per brand
 * signing), over one emulator; see `cardPlanners` below for what each call gets to itself.
 *
 * Set RELIABILITY_SEED to replay a run; the seed is printed and included in every assertion message.
 */
import * as Crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Context from "effect/Context"
import * as Redacted from "effect/Redacted"
import { Media, MemberCard, MemberCardActivity, RetryPolicy } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import type { WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { cardMemberWrites, repeatSafe, shortName, writes } from "./reliability-product-support.js"
import { endpoints as seedEndpoints, prng } from "./support.js"

type Services = MemberCard.Services | MemberCardActivity.Services | Media.UploadImage | Emulator.Emulator

const SEED = Number(process.env["RELIABILITY_SEED"] ?? 20261201)
const TASKS = 1200
const CONCURRENCY = 48
const FAULT_RATE = 0.25
const MEMBERS = 16

const faults: ReadonlyArray<Emulator.Fault> = [
  { _tag: "Drop" },
  { _tag: "DropAfterApply" },
  { _tag: "Error", status: 500, code: "SYSTEM_ERROR", message: "系统错误" },
  { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE", message: "服务不可用" },
  { _tag: "Error", status: 429, code: "RATE_LIMITED", message: "频率限制" }
]

/** The writes under test: repeat-safe, not one of the seed endpoints. Walked, not listed. */
const underTest = writes.filter(repeatSafe).filter((definition) => !seedEndpoints.includes(shortName(definition) as never))

/** One call of the run. */
interface Task {
  readonly index: number
  /** The emulator's name of the endpoint. */
  readonly endpoint: string
  readonly call: Effect.Effect<unknown, WechatPayError.WechatPayError, Services>
  /** The ledger fields that name this call's write (its key, or the ids it writes). */
  readonly ledger?: Readonly<Record<string, unknown>>
  readonly fault: Emulator.Fault | undefined
  /** "pending", "ok", or the error's tag. */
  outcome: string
}

type Planned = Pick<Task, "call" | "ledger">

/** The shared targets of the run (templates several calls write into). */
interface Shared {
  readonly emulator: Emulator.EmulatorState
  /** SYSTEM_ALLOCATE: imports by openid and by phone, activities. */
  readonly imports: string
  /** MERCHANT_DEPOSIT: deposits. */
  readonly deposits: string
  /** With service module 666 and MEMBERS member cards: member data. */
  readonly modules: string
  readonly now: number
}

const appid = "wxea9c30890f48d5ae"
const logo = "https://wxpaylogo.qpic.cn/wxpaylogo/PiajxSqBRaEIPAeia7Imvtsn7sYGNcEj33YzVvJF88ECQ19LXId8ZL2Q/0"
const jump = { appid: "wx37178d097a6851d8", path: "pages/index/index" }
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)
const beijing = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().replace("Z", "+08:00")
const DAY = 86_400_000

/** A card_id of 28 characters (service modules want at least 16), unique in the run. */
const cardId = (tag: string, i: number) => `p${tag}${SEED}-${String(i).padStart(6, "0")}`.padEnd(28, "0").slice(0, 32)

/** Per-resource private state of the emulator, read for the state checks. */
const locals = (emulator: Emulator.EmulatorState): Map<string, unknown> =>
  (emulator as unknown as { readonly store: { readonly locals: Map<string, unknown> } }).store.locals

const moduleState = { state_id: "PARKED", content_template_data: { field_list: [{ field_id: "plate_number", field_value: "粤B12345" }] } }

/** One planner per write under test, keyed by the declaration's name: seeds what the call needs, returns the call. */
const planners: Readonly<Record<string, (shared: Shared, i: number, random: () => number) => Planned>> = {
  "MemberCard.SetCallback": (_, i) => {
    const notify_url = `https://shangjia.example.com/membercard/${SEED}/${i}`
    return { call: MemberCard.setCallback({ notify_url }), ledger: { notify_url } }
  },
  "MemberCard.CreateCardTemplate": (_, i) => {
    const out_request_no = `tpl-${SEED}-${i}`
    return {
      call: MemberCard.createCardTemplate({
        appid,
        logo_url: logo,
        brand: { brand_id: "1004", display_name: "微信支付" },
        title: "微信支付测试卡",
        background_picture_url: logo,
        description: "使用本会员卡表示你同意xxx公司的协议",
        code_type: "BAR_CODE",
        date_information: { type: "PERMANENT" },
        code_mode: "SYSTEM_ALLOCATE",
        out_request_no
      }),
      ledger: { key: out_request_no }
    }
  },
  "MemberCard.UpdateCardTemplate": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("u", i), appid, status: "APPROVED" }).card_id
    return { call: MemberCard.updateCardTemplate({ card_id, title: `第${i}张` }), ledger: { card_id } }
  },
  "MemberCard.DeleteCardTemplate": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("d", i), appid, status: "APPROVED" }).card_id
    return { call: MemberCard.deleteCardTemplate({ card_id }), ledger: { card_id } }
  },
  "MemberCard.SetCardTemplateRights": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("r", i), appid, status: "APPROVED" }).card_id
    return {
      call: MemberCard.setCardTemplateRights({ card_id, show_bonus: true, show_favor: false, bonus: { init_bonus: i, bonus_value_word: "积分", bonus_cost_word: "每消费1元可获得1积分" } }),
      ledger: { card_id }
    }
  },
  "MemberCard.UpgradeCardTemplate": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("g", i), status: "APPROVED", legacy: true }).card_id
    return { call: MemberCard.upgradeCardTemplate({ card_id, brand_id: "1004", appid }), ledger: { card_id } }
  },
  "MemberCard.DepositCodes": ({ deposits }, i) => {
    const code = [`D${SEED}-${i}-a`, `D${SEED}-${i}-b`]
    // Several deposits go to one template: this call's entry is the one holding its codes.
    return { call: MemberCard.depositCodes({ card_id: deposits, code }), ledger: { card_id: deposits, first: code[0] } }
  },
  "MemberCard.ImportUserCardByOpenid": ({ imports }, i) => {
    const out_request_no = `imp-${SEED}-${i}`
    return {
      call: MemberCard.importUserCardByOpenid({ card_id: imports, openid: `o-${SEED}-${i}`, out_request_no }),
      ledger: { key: out_request_no }
    }
  },
  "MemberCard.ImportUserCardByPhone": ({ imports }, i) => {
    const out_request_no = `ph-${SEED}-${i}`
    return {
      call: MemberCard.importUserCardByPhone({
        card_id: imports,
        phone_number: Redacted.make(`139${String(i).padStart(8, "0")}`),
        out_request_no
      }),
      ledger: { key: out_request_no }
    }
  },
  "MemberCard.CreatePermissionToken": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("t", i), appid, status: "APPROVED" }).card_id
    return { call: MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE" }), ledger: { card_id } }
  },
  "MemberCard.CreateQrCode": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("q", i), appid, status: "APPROVED" }).card_id
    return { call: MemberCard.createQrCode({ card_id, activate_type: "AUTO_ACTIVATE" }), ledger: { card_id } }
  },
  "MemberCard.UpdateServiceModule": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("m", i), service_modules: [{ service_module_id: "666" }] }).card_id
    return {
      call: MemberCard.updateServiceModule({ card_id, service_module_id: "666", jump_miniprogram: jump }),
      ledger: { card_id }
    }
  },
  "MemberCard.DeleteServiceModule": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("x", i), service_modules: [{ service_module_id: "666" }] }).card_id
    return { call: MemberCard.deleteServiceModule({ card_id, service_module_id: "666" }), ledger: { card_id } }
  },
  "MemberCard.ConfirmMembership": ({ emulator }, i) => {
    const card_id = emulator.putTemplate({ card_id: cardId("m", i), appid, status: "APPROVED" }).card_id
    const code = `cm${i}`
    emulator.putCard({ card_id, code, user_card_status: "NOT_ACTIVATE" })
    return {
      call: MemberCard.confirmMembership({ card_id, code, user_card_confirm_state: "CREATE_CARD_SUCCESS" }),
      ledger: { card_id, code }
    }
  },
  "MemberCard.SetServiceModuleData": ({ modules }, i, random) => {
    const out_request_no = `smd-${SEED}-${i}`
    const code = `m${Math.floor(random() * MEMBERS)}`
    return {
      call: MemberCard.setServiceModuleData({
        card_id: modules,
        code,
        out_request_no,
        service_module_id: "777",
        state_setting: moduleState
      }),
      ledger: { key: out_request_no, code }
    }
  },
  "MemberCardActivity.CreateActivity": ({ emulator, imports, now }, i) => {
    const out_request_no = `act-${SEED}-${i}`
    return {
      call: MemberCardActivity.createActivity({
        card_id: imports,
        activity_name: `回馈活动${i}`,
        activity_type: "NON_MEMBER_AFTERPAY",
        begin_time: beijing(now + DAY),
        end_time: beijing(now + 10 * DAY),
        stock_list: [{ stock_creator_mchid: emulator.mchid, stock_id: "98065001" }],
        out_request_no
      } as MemberCardActivity.CreateActivityRequest),
      ledger: { key: out_request_no }
    }
  },
  "Media.UploadImage": (_, i) => {
    const file = Buffer.concat([png, Buffer.from(`tail-${SEED}-${i}`)])
    const sha256 = Crypto.createHash("sha256").update(file).digest("hex")
    return { call: Media.uploadImage({ file, filename: `logo-${i}.png` }), ledger: { sha256 } }
  }
}

const plan = (shared: Shared, random: () => number): ReadonlyArray<Task> =>
  Array.from({ length: TASKS }, (_, index) => {
    const definition = underTest[Math.floor(random() * underTest.length)]!
    const fault = random() < FAULT_RATE ? faults[Math.floor(random() * faults.length)] : undefined
    const planner = planners[definition.name]!
    return { index, endpoint: shortName(definition), ...planner(shared, index, random), fault, outcome: "pending" }
  })

const TestLayer = Layer.mergeAll(MemberCard.layer, MemberCardActivity.layer, Media.layer).pipe(
  Layer.provideMerge(Emulator.layerLoopbackNode()),
  Layer.provideMerge(RetryPolicy.layerImmediate())
)

describe("reliability: concurrent run over the product's repeat-safe writes", () => {
  it("walks the declarations: every repeat-safe write but the seed endpoints has a planner", () => {
    expect(underTest.map((d) => d.name).filter((name) => planners[name] === undefined), "writes without a planner")
      .toEqual([])
    expect(Object.keys(planners).filter((name) => !underTest.some((d) => d.name === name)), "planners of no write")
      .toEqual([])
    expect(underTest.length).toBe(17)
  })

  it.live(`${TASKS} calls, ${CONCURRENCY} in flight, seeded faults (seed ${SEED})`, () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const seed = `seed ${SEED} (RELIABILITY_SEED=${SEED} to replay)`
      console.log(`product concurrent run: ${seed}`)
      const shared: Shared = {
        emulator,
        imports: emulator.putTemplate({ card_id: cardId("I", 0), appid, status: "APPROVED" }).card_id,
        deposits: emulator.putTemplate({ card_id: cardId("P", 0), appid, status: "APPROVED", code_mode: "MERCHANT_DEPOSIT" })
          .card_id,
        modules: emulator.putTemplate({
          card_id: cardId("S", 0),
          status: "APPROVED",
          service_modules: [{ service_module_id: "777" }]
        }).card_id,
        now: Date.now()
      }
      for (let m = 0; m < MEMBERS; m++) emulator.putCard({ card_id: shared.modules, code: `m${m}` })
      const tasks = plan(shared, prng(SEED))

      const ledgerOf = (task: Task) =>
        emulator.ledger.filter((entry) =>
          entry.endpoint === task.endpoint &&
          Object.entries(task.ledger ?? {}).every(([k, v]) =>
            k === "first" ? Array.isArray(entry["codes"]) && entry["codes"][0] === v : entry[k] === v
          )
        )
      const appliedOf = (task: Task) => ledgerOf(task).length

      let defects = 0
      const settle = (task: Task) =>
        Effect.map(Effect.exit(task.call), (exit) => {
          if (Exit.isSuccess(exit)) task.outcome = "ok"
          else {
            const failure = Cause.findErrorOption(exit.cause)
            if (failure._tag === "None") defects++
            task.outcome = failure._tag === "Some" ? failure.value._tag : "defect"
          }
        })
      const runTask = (task: Task) =>
        Effect.suspend(() => {
          if (task.fault !== undefined) emulator.inject({ endpoint: task.endpoint, fault: task.fault })
          return settle(task)
        })

      const started = Date.now()
      yield* Effect.forEach(tasks, runTask, { concurrency: CONCURRENCY, discard: true })
      const duration = Date.now() - started
      const requestsDuringRun = emulator.requests()
      emulator.clearFaults()

      // Nothing applied twice; every success applied once.
      const applied = tasks.map(appliedOf)
      const doubled = tasks.filter((_, i) => applied[i]! > 1)
      for (const endpoint of new Set(tasks.map((t) => t.endpoint))) {
        expect.soft(
          doubled.filter((t) => t.endpoint === endpoint).map((t) => `#${t.index} ${JSON.stringify(t.ledger ?? "image")} ×${applied[t.index]}`),
          `${seed}: ${endpoint} applied twice`
        ).toEqual([])
      }
      const succeeded = tasks.filter((t) => t.outcome === "ok")
      const failed = tasks.filter((t) => t.outcome !== "ok")
      for (const t of succeeded) expect.soft(applied[t.index], `${seed}: #${t.index} ${t.endpoint} succeeded`).toBeGreaterThanOrEqual(1)

      // Nothing in the ledger that no call asked for.
      const runEndpoints = new Set(tasks.map((t) => t.endpoint))
      const claimed = new Set(tasks.flatMap(ledgerOf))
      const strays = emulator.ledger.filter((entry) => runEndpoints.has(String(entry.endpoint)) && !claimed.has(entry))
      expect(strays, seed).toEqual([])

      /** The emulator's state against the ledger. */
      const checkState = (label: string) => {
        const entries = (endpoint: string) => emulator.ledger.filter((e) => e.endpoint === endpoint)
        // Imported cards: one per import entry, each with the code the entry names.
        const imported = [...entries("ImportUserCardByOpenid"), ...entries("ImportUserCardByPhone")]
        const cards = emulator.allCards().filter((card) => card.card_id === shared.imports)
        expect(cards.length, `${seed} ${label}: cards imported`).toBe(imported.length)
        expect(new Set(cards.map((c) => c.code)), `${seed} ${label}: imported codes`).toEqual(new Set(imported.map((e) => e.code)))
        for (const task of tasks.filter((t) => t.endpoint === "ImportUserCardByOpenid")) {
          const entry = ledgerOf(task)[0]
          if (entry !== undefined) {
            expect(emulator.card(shared.imports, String(entry.code))?.openid, `${seed} ${label}: #${task.index}`)
              .toBe(`o-${SEED}-${task.index}`)
          }
        }
        // Deposited codes: the pool holds exactly the codes of the deposit entries, each once.
        const pools = (locals(emulator).get("members") as { pools: Map<string, { stored: Set<string> }> }).pools
        const stored = [...(pools.get(shared.deposits)?.stored ?? [])]
        const deposited = entries("DepositCodes").flatMap((e) => e["codes"] as ReadonlyArray<string>)
        expect(deposited.length, `${seed} ${label}: a code deposited twice`).toBe(new Set(deposited).size)
        expect(new Set(stored), `${seed} ${label}: deposited codes`).toEqual(new Set(deposited))
        // Activities on the shared template: one per entry.
        const activities = (locals(emulator).get("activities") as { byId: Map<string, { card_id: string }> } | undefined)?.byId
        expect([...(activities?.values() ?? [])].filter((a) => a.card_id === shared.imports).length, `${seed} ${label}: activities`)
          .toBe(entries("CreateActivity").length)
        // Templates created: one per key that is in the ledger.
        const created = entries("CreateCardTemplate")
        for (const key of tasks.filter((t) => t.endpoint === "CreateCardTemplate").map((t) => String(t.ledger!["key"]))) {
          const templates = [...(emulator as unknown as { store: { templates: Map<string, Record<string, unknown>> } }).store
            .templates.values()].filter((t) => t["out_request_no"] === key)
          expect(templates.length, `${seed} ${label}: templates of ${key}`).toBe(created.filter((e) => e.key === key).length)
        }
        // Per-target writes: the target shows the write iff the ledger has it.
        for (const task of tasks) {
          const card_id = task.ledger?.["card_id"] as string | undefined
          const has = ledgerOf(task).length > 0
          const template = card_id === undefined ? undefined : emulator.template(card_id)
          const context = `${seed} ${label}: #${task.index} ${task.endpoint}`
          switch (task.endpoint) {
            case "DeleteCardTemplate":
              expect(template?.status === "DELETED", context).toBe(has)
              break
            case "UpgradeCardTemplate":
              expect(template?.legacy === false, context).toBe(has)
              break
            case "UpdateCardTemplate":
              expect(template?.title === `第${task.index}张`, context).toBe(has)
              break
            case "UpdateServiceModule":
              expect((template?.service_modules as Array<{ jump_miniprogram?: unknown }>)[0]?.jump_miniprogram !== undefined, context)
                .toBe(has)
              break
            case "DeleteServiceModule":
              expect((template?.service_modules as Array<unknown>).length === 0, context).toBe(has)
              break
          }
        }
        // The callback URL is the last one the ledger set.
        const lastSet = entries("SetCallback").at(-1)
        const callback = (locals(emulator).get("callback") as { notify_url?: string } | undefined)?.notify_url
        expect(callback, `${seed} ${label}: callback URL`).toBe(lastSet?.["notify_url"])
      }
      checkState("after the run")
      expect(defects, `${seed}: defects (crashes) instead of typed errors`).toBe(0)

      const appliedBeforeReconcile = applied.filter((n) => n > 0).length
      const failedButApplied = failed.filter((t) => applied[t.index]! > 0).length

      // Reconcile as a caller would: repeat a failed call that has an idempotency key with the same key and body; a
      // keyless one (a set, a delete, an upload) only after reading the state and finding it not applied.
      const keyless = (task: Task) => underTest.find((d) => shortName(d) === task.endpoint)?.idempotencyKey === undefined
      for (const task of failed) {
        if (keyless(task) && appliedOf(task) > 0) continue
        const exit = yield* Effect.exit(task.call)
        expect(Exit.isSuccess(exit), `${seed}: repeat of #${task.index} ${task.endpoint}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`)
          .toBe(true)
      }
      const reconciled = tasks.filter((t) => appliedOf(t) !== 1)
      expect.soft(
        reconciled.map((t) => `#${t.index} ${t.endpoint} ${JSON.stringify(t.ledger ?? "image")} ×${appliedOf(t)}`),
        `${seed}: after the repeats, every call applied exactly once`
      ).toEqual([])
      checkState("after the repeats")

      const count = <A>(as: ReadonlyArray<A>, key: (a: A) => string) =>
        Object.fromEntries(as.reduce((m, a) => m.set(key(a), (m.get(key(a)) ?? 0) + 1), new Map<string, number>()))
      const stats = {
        seed: SEED,
        calls: tasks.length,
        concurrency: CONCURRENCY,
        endpoints: underTest.length,
        callsPerEndpoint: count(tasks, (t) => t.endpoint),
        faultsInjected: tasks.filter((t) => t.fault !== undefined).length,
        faults: count(tasks.filter((t) => t.fault !== undefined), (t) => t.fault!._tag === "Error" ? String(t.fault!.status) : t.fault!._tag),
        requestsDuringRun,
        succeeded: succeeded.length,
        failed: count(failed, (t) => t.outcome),
        failedButApplied,
        appliedBeforeReconcile,
        duplicates: doubled.length,
        ledgerEntries: emulator.ledger.length,
        durationMillis: duration
      }
      console.log("product concurrent run:", JSON.stringify(stats, null, 2))
      expect(tasks.length, seed).toBeGreaterThanOrEqual(1000)
      expect(duration, seed).toBeLessThan(60_000)
    }).pipe(Effect.provide(TestLayer)), 120_000)

  // A keyless set ("repeating it with the same body changes nothing") is safe to repeat only while nobody else sets
  // it: were A's set repeated blindly after its answer was lost, a set by B in between would be undone and A applied
  // twice (this run found exactly that, before keyless writes were repeated only after a "not processed" answer).
  it.live("SetCallback: an answer lost after A's set is not repeated blindly, so B's later set stays", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const a = "https://a.example.com/membercard/notify"
      const b = "https://b.example.com/membercard/notify"
      const sets = () => emulator.ledger.filter((e) => e.endpoint === "SetCallback").map((e) => e["notify_url"])
      emulator.inject({ endpoint: "SetCallback", fault: { _tag: "DropAfterApply" } })
      // A repeats after ~0.5 s (not immediately), so that B lands in between, as it can under load.
      const callerA = yield* Effect.forkChild(
        MemberCard.setCallback({ notify_url: a }).pipe(
          Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make({ baseDelay: "500 millis", maxDelay: "500 millis" }))
        )
      )
      while (!sets().includes(a)) yield* Effect.sleep("5 millis")
      yield* MemberCard.setCallback({ notify_url: b })
      // A's outcome is unknown (its answer was lost): a keyless set is not repeated blindly, so A learns that.
      const outcomeA = yield* Effect.result(Fiber.join(callerA))
      expect(outcomeA._tag === "Failure" && outcomeA.failure._tag).toBe("TransportError")
      const callback = (locals(emulator).get("callback") as { notify_url?: string }).notify_url
      // Nothing applied twice, and the later set (B) stays.
      expect(sets()).toEqual([a, b])
      expect(callback).toBe(b)
    }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopbackNode())))), 30_000)
})

// ---------------------------------------------------------------------------------------------------------------
// 商家名片会员卡: the second run

const CARD_TASKS = 1200

/**
 * The brands the brand's own calls sign as, besides the shared one: each has a `BrandClient` (its keys cost ~0.5 s to
 * make), and holds at most two templates in effect (WeChat's limit per card type, which the emulator keeps), so the
 * brand surface's template writes (create, update, invalidate: each needs a template of its own) share the
 * 2 × CARD_POOL slots, a third each; the plan draws another write once a write's are taken. The provider's template
 * writes have a brand each (a provider's brand costs no key).
 */
const CARD_POOL = 9

/** The brand surface's writes that need a template slot of their own. */
const slotted = ["BrandCardMember.CreateCardTemplate", "BrandCardMember.UpdateCardTemplate", "BrandCardMember.InvalidateCardTemplate"]

/**
 * The documented refusal of a repeated key whose first request was applied (see the fault table): a caller repeating
 * such a call learns it was applied from this error.
 */
const refusedRepeat: Readonly<Record<string, string>> = {
  "PartnerCardMember.CreateCardTemplate": "ParamError",
  "BrandCardMember.CreateCardTemplate": "ParamError",
  "PartnerCardMember.CreateUserFeed": "AlreadyExists",
  "BrandCardMember.CreateUserFeed": "AlreadyExists"
}

/** The brands of the run: shared members, the brand surface's slots, one per provider task. */
const cardBrands = {
  members: `M${SEED}`,
  pool: Array.from({ length: CARD_POOL }, (_, k) => `B${SEED}-${k}`),
  provider: (i: number) => `P${SEED}-${String(i).padStart(5, "0")}`
}

/** The repeat-safe writes of both surfaces, walked. */
const cardUnderTest = cardMemberWrites.filter(repeatSafe)

/** A call of the second run: a brand's is provided with its client already; a provider's needs its endpoints. */
type Call = Effect.Effect<unknown, WechatPayError.WechatPayError, PartnerCardMember.Services>

/** One call of the second run: its call (fully provided but for the provider's endpoints) and how to check it. */
interface CardTask {
  readonly index: number
  readonly name: string
  readonly endpoint: string
  readonly call: Call
  /** The ledger fields that name this call's write. */
  readonly ledger: Readonly<Record<string, unknown>>
  /** How many times the brand's state shows this call's write (undefined: the ledger alone is checked). */
  readonly inState?: ((snapshot: (brand_id: string) => Emulator.BrandSnapshot) => number) | undefined
  readonly fault: Emulator.Fault | undefined
  outcome: string
}

type CardPlanned = Pick<CardTask, "call" | "ledger" | "inState">

/** What the planners share: the emulator, the shared template, the brand surface's clients and slots. */
interface CardShared {
  readonly emulator: Emulator.EmulatorState
  /** The template of the members' writes, both surfaces (brand `cardBrands.members`). */
  readonly card_id: string
  /** The brand surface's endpoints as brand `brand_id`. */
  readonly asBrand: (brand_id: string) => Context.Context<BrandCardMember.Services>
  /** A free template slot of the pool for this write: its brand (taken by the caller). */
  readonly slot: (write: string) => string
}

const brandAppid = "wxd678efh567hg6787"

/** The docs' 创建会员卡模板 body (the provider adds `brand_id`; `legal_agreement`, `member_information` are its page's). */
const templateBody = (out_request_no: string) => ({
  out_request_no,
  appid: brandAppid,
  card_type: "NORMAL" as const,
  code_mode: "SYSTEM_ALLOCATE" as const,
  code_type: "BAR_CODE" as const,
  card_title: "微信会员卡",
  card_color: "#FFFF00",
  card_picture_url: "https://qpic.cn/card.png",
  benefits: "会员专享9折",
  notify_url: "https://shop.example.com/brand/notify",
  valid_date_information: { type: "PERMANENT" as const }
})
const providerTemplateBody = (brand_id: string, out_request_no: string) => ({
  brand_id,
  ...templateBody(out_request_no),
  legal_agreement: "会员协议",
  member_information: { jump_appid: brandAppid, jump_path: "/member" }
})

/** A template of `brand_id`, created before the run (by the provider: the brand's state is one). */
const seedTemplate = (brand_id: string, i: number) =>
  Effect.map(
    PartnerCardMember.createCardTemplate(providerTemplateBody(brand_id, `seed-${SEED}-${i}`)),
    (template) => template.card_id
  )

/** A member of the shared template, in effect (imported before the run). */
const seedMember = ({ card_id }: CardShared, i: number) =>
  Effect.map(
    PartnerCardMember.importUserCardByOpenid({
      brand_id: cardBrands.members,
      card_id,
      openid: `oM${SEED}-${i}`,
      user_card_code: `7${SEED}${String(i).padStart(5, "0")}`
    }),
    (card) => ({ card_id, openid: card.openid!, user_card_code: card.user_card_code! })
  )

/** A user who opened a card of the shared template (before the run), waiting for the merchant's confirmation. */
const seedOpened = ({ card_id, emulator }: CardShared) => {
  const opened = emulator.userOpensBrandCard({ card_id, brand_id: cardBrands.members })
  return { card_id, openid: opened.openid, user_card_code: opened.user_card_code }
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19) + "Z"

/** 创建品牌会员发券活动's body, in effect from an hour ago. */
const activityBody = (brand_id: string, card_id: string, out_request_no: string) => ({
  brand_id,
  out_request_no,
  card_id,
  activity_channel: "MECHANT_APP_COMPONENT" as const,
  title: "开卡有礼",
  sub_title: "新会员专享",
  begin_time: utc(Date.now() - 3_600_000),
  end_time: utc(Date.now() + DAY),
  apply_total: 100,
  product_coupon_stock_list: [{ product_coupon_id: "1001", stock_id: "2001" }]
})

const one = (shown: boolean) => (shown ? 1 : 0)
const cardOf = (snapshot: Emulator.BrandSnapshot, card_id: string, user_card_code: string) =>
  snapshot.userCards.find((c) => c.card_id === card_id && c.user_card_code === user_card_code)

type CardPlanner = (
  shared: CardShared,
  i: number
) => Effect.Effect<CardPlanned, WechatPayError.WechatPayError, PartnerCardMember.Services>

/** The members' writes on one surface, each taking the brand's request (the provider's adds `brand_id`). */
interface MemberApi {
  readonly updateUserCard: (request: BrandCardMember.UpdateUserCardRequest) => Call
  readonly invalidateUserCard: (request: BrandCardMember.InvalidateUserCardRequest) => Call
  readonly confirmUserCard: (request: BrandCardMember.ConfirmUserCardRequest) => Call
  readonly createPreAuthToken: (request: BrandCardMember.CreatePreAuthTokenRequest) => Call
  readonly createUserFeed: (request: BrandCardMember.CreateUserFeedRequest) => Call
  readonly syncUserPoints: (request: BrandCardMember.SyncUserPointsRequest) => Call
  readonly confirmPointsExchange: (request: BrandCardMember.ConfirmPointsExchangeRequest) => Call
  readonly importUserCardByOpenid: (request: BrandCardMember.ImportUserCardByOpenidRequest) => Call
}

const partnerApi = (brand_id: string): MemberApi => ({
  updateUserCard: (request) => PartnerCardMember.updateUserCard({ brand_id, ...request }),
  invalidateUserCard: (request) => PartnerCardMember.invalidateUserCard({ brand_id, ...request }),
  confirmUserCard: (request) => PartnerCardMember.confirmUserCard({ brand_id, ...request }),
  createPreAuthToken: (request) => PartnerCardMember.createPreAuthToken({ brand_id, ...request }),
  createUserFeed: (request) => PartnerCardMember.createUserFeed({ brand_id, ...request }),
  syncUserPoints: (request) => PartnerCardMember.syncUserPoints({ brand_id, ...request }),
  confirmPointsExchange: (request) => PartnerCardMember.confirmPointsExchange({ brand_id, ...request }),
  importUserCardByOpenid: (request) => PartnerCardMember.importUserCardByOpenid({ brand_id, ...request })
})

const brandApi = (context: Context.Context<BrandCardMember.Services>): MemberApi => ({
  updateUserCard: (request) => Effect.provide(BrandCardMember.updateUserCard(request), context),
  invalidateUserCard: (request) => Effect.provide(BrandCardMember.invalidateUserCard(request), context),
  confirmUserCard: (request) => Effect.provide(BrandCardMember.confirmUserCard(request), context),
  createPreAuthToken: (request) => Effect.provide(BrandCardMember.createPreAuthToken(request), context),
  createUserFeed: (request) => Effect.provide(BrandCardMember.createUserFeed(request), context),
  syncUserPoints: (request) => Effect.provide(BrandCardMember.syncUserPoints(request), context),
  confirmPointsExchange: (request) => Effect.provide(BrandCardMember.confirmPointsExchange(request), context),
  importUserCardByOpenid: (request) => Effect.provide(BrandCardMember.importUserCardByOpenid(request), context)
})

/**
 * The members' writes of one surface, on the shared template: each call a member (or an opened card, an openid, a
 * key) of its own, seeded before the run, with what its state shows.
 */
const memberPlanners = (surface: "partner" | "brand"): Readonly<Record<string, CardPlanner>> => {
  const brand_id = cardBrands.members
  const on = (shared: CardShared): MemberApi =>
    surface === "partner" ? partnerApi(brand_id) : brandApi(shared.asBrand(brand_id))
  const prefix = surface === "partner" ? "PartnerCardMember" : "BrandCardMember"
  return {
    [`${prefix}.UpdateUserCard`]: (shared, i) =>
      Effect.map(seedMember(shared, i), (member) => ({
        call: on(shared).updateUserCard({ ...member, level: `L${i}` }),
        ledger: { brand_id, card_id: member.card_id, user_card_code: member.user_card_code },
        inState: (snap) => one(cardOf(snap(brand_id), member.card_id, member.user_card_code)?.level === `L${i}`)
      })),
    [`${prefix}.InvalidateUserCard`]: (shared) => {
      const card = seedOpened(shared)
      return Effect.succeed({
        call: on(shared).invalidateUserCard(card),
        ledger: { brand_id, card_id: card.card_id, user_card_code: card.user_card_code },
        inState: (snap) => one(cardOf(snap(brand_id), card.card_id, card.user_card_code)?.user_card_state === "INVALID")
      })
    },
    [`${prefix}.ConfirmUserCard`]: (shared) => {
      const card = seedOpened(shared)
      return Effect.succeed({
        call: on(shared).confirmUserCard({ ...card, user_card_confirm_state: "CREATE_CARD_SUCCESS" }),
        ledger: { brand_id, card_id: card.card_id, user_card_code: card.user_card_code },
        inState: (snap) => one(cardOf(snap(brand_id), card.card_id, card.user_card_code)?.user_card_state === "EFFECTIVE")
      })
    },
    [`${prefix}.CreatePreAuthToken`]: (shared, i) => {
      const openid = `oJ${SEED}-${i}`
      const { card_id } = shared
      return Effect.succeed({
        call: on(shared).createPreAuthToken({ card_id, openid }),
        ledger: { brand_id, card_id, openid },
        inState: (snap) => snap(brand_id).tokens.filter((t) => t.openid === openid && t.kind === "pre-auth").length
      })
    },
    [`${prefix}.CreateUserFeed`]: (shared, i) =>
      Effect.map(seedMember(shared, i), (member) => {
        const out_request_no = `feed-${SEED}-${i}`
        return {
          call: on(shared).createUserFeed({ ...member, out_request_no, cell: `消费满${i}元` }),
          ledger: { brand_id, key: out_request_no },
          inState: (snap) => snap(brand_id).feeds.filter((f) => f["out_request_no"] === out_request_no).length
        }
      }),
    [`${prefix}.SyncUserPoints`]: (shared, i) =>
      Effect.map(seedMember(shared, i), (member) => {
        const out_request_no = `pts-${SEED}-${i}`
        return {
          call: on(shared).syncUserPoints({ ...member, out_request_no, point_balance: i }),
          ledger: { brand_id, key: out_request_no },
          inState: (snap) =>
            one(snap(brand_id).points.some((p) => p.user_card_code === member.user_card_code && p.point_balance === i))
        }
      }),
    [`${prefix}.ImportUserCardByOpenid`]: (shared, i) => {
      const openid = `oI${surface}${SEED}-${i}`
      const user_card_code = `I${surface === "partner" ? 1 : 2}${String(i).padStart(6, "0")}`
      const { card_id } = shared
      return Effect.succeed({
        call: on(shared).importUserCardByOpenid({ card_id, openid, user_card_code }),
        ledger: { brand_id, card_id, user_card_code },
        inState: (snap) => one(cardOf(snap(brand_id), card_id, user_card_code)?.user_card_state === "EFFECTIVE")
      })
    },
    [`${prefix}.ConfirmPointsExchange`]: (shared, i) =>
      Effect.map(seedMember(shared, i), (member) => {
        const record = shared.emulator.userRedeemsBrandPoints({ ...member, brand_id, deduct_points: 10 })
        return {
          call: on(shared).confirmPointsExchange({
            ...member,
            record_id: record.record_id,
            exchange_coupon_template_id: record.exchange_coupon_template_id,
            result: "POINT_EXCHANGE_COUPON_ALLOW"
          }),
          ledger: { brand_id, record_id: record.record_id },
          inState: (snap) =>
            one(snap(brand_id).exchanges.some((e) => e.record_id === record.record_id && e.state !== undefined))
        }
      })
  }
}

const cardPlanners: Readonly<Record<string, CardPlanner>> = {
  ...memberPlanners("partner"),
  ...memberPlanners("brand"),

  // The provider's template writes: a brand each (cheap: the provider signs).
  "PartnerCardMember.CreateCardTemplate": (_, i) => {
    const brand_id = cardBrands.provider(i)
    const out_request_no = `tpl-${SEED}-${i}`
    return Effect.succeed({
      call: PartnerCardMember.createCardTemplate(providerTemplateBody(brand_id, out_request_no)),
      ledger: { brand_id, key: out_request_no },
      inState: (snap) => snap(brand_id).templates.filter((t) => t.out_request_no === out_request_no).length
    })
  },
  "PartnerCardMember.UpdateCardTemplate": (_, i) => {
    const brand_id = cardBrands.provider(i)
    return Effect.map(seedTemplate(brand_id, i), (card_id) => ({
      call: PartnerCardMember.updateCardTemplate({ brand_id, card_id, card_title: `第${i}张` }),
      ledger: { brand_id, card_id },
      inState: (snap) => one(snap(brand_id).templates.some((t) => t.card_id === card_id && t.card_title === `第${i}张`))
    }))
  },
  "PartnerCardMember.InvalidateCardTemplate": (_, i) => {
    const brand_id = cardBrands.provider(i)
    return Effect.map(seedTemplate(brand_id, i), (card_id) => ({
      call: PartnerCardMember.invalidateCardTemplate({ brand_id, card_id }),
      ledger: { brand_id, card_id },
      inState: (snap) => one(snap(brand_id).templates.some((t) => t.card_id === card_id && t.state === "CARD_INVALID"))
    }))
  },
  "PartnerCardMember.CreatePayViewToken": ({ card_id }, i) => {
    const brand_id = cardBrands.members
    const openid = `oV${SEED}-${i}`
    return Effect.succeed({
      call: PartnerCardMember.createPayViewToken({ brand_id, card_id, openid }),
      ledger: { brand_id, card_id, openid },
      inState: (snap) => snap(brand_id).tokens.filter((t) => t.openid === openid && t.kind === "pay-view").length
    })
  },
  "PartnerCardMember.ImportUserCardByPhone": ({ card_id }, i) => {
    const brand_id = cardBrands.members
    const user_card_code = `IP${String(i).padStart(6, "0")}`
    return Effect.succeed({
      call: PartnerCardMember.importUserCardByPhone({
        brand_id,
        card_id,
        user_card_code,
        phone_number: Redacted.make(`139${String(i).padStart(8, "0")}`)
      }),
      ledger: { brand_id, card_id, user_card_code },
      inState: (snap) => one(cardOf(snap(brand_id), card_id, user_card_code)?.user_card_state === "EFFECTIVE")
    })
  },
  "PartnerCardMember.CreateActivity": (_, i) => {
    const brand_id = cardBrands.provider(i)
    const out_request_no = `act-${SEED}-${i}`
    return Effect.map(seedTemplate(brand_id, i), (card_id) => ({
      call: PartnerCardMember.createActivity(activityBody(brand_id, card_id, out_request_no)),
      ledger: { brand_id, key: out_request_no },
      inState: (snap) => snap(brand_id).activities.filter((a) => a.out_request_no === out_request_no).length
    }))
  },
  "PartnerCardMember.UpdateActivity": (_, i) => {
    const brand_id = cardBrands.provider(i)
    return Effect.gen(function*() {
      const body = activityBody(brand_id, yield* seedTemplate(brand_id, i), `seed-act-${SEED}-${i}`)
      const { activity_id } = yield* PartnerCardMember.createActivity(body)
      return {
        call: PartnerCardMember.updateActivity({
          brand_id,
          activity_id,
          title: `第${i}期`,
          sub_title: body.sub_title,
          begin_time: body.begin_time,
          end_time: body.end_time
        }),
        ledger: { brand_id, activity_id },
        inState: (snap) => one(snap(brand_id).activities.some((a) => a.activity_id === activity_id && a.title === `第${i}期`))
      }
    })
  },
  "PartnerCardMember.TerminateActivity": (_, i) => {
    const brand_id = cardBrands.provider(i)
    return Effect.gen(function*() {
      const card_id = yield* seedTemplate(brand_id, i)
      const { activity_id } = yield* PartnerCardMember.createActivity(activityBody(brand_id, card_id, `seed-act-${SEED}-${i}`))
      return {
        call: PartnerCardMember.terminateActivity({ brand_id, activity_id }),
        ledger: { brand_id, activity_id },
        inState: (snap) =>
          one(snap(brand_id).activities.some((a) =>
            a.activity_id === activity_id && a.activity_state === "MEMBERSHIP_ACTIVITY_TERMINATED"
          ))
      }
    })
  },

  // The brand's template writes: a slot of the pool each.
  "BrandCardMember.CreateCardTemplate": (shared, i) => {
    const brand_id = shared.slot("BrandCardMember.CreateCardTemplate")
    const out_request_no = `tpl-${SEED}-${i}`
    return Effect.succeed({
      call: Effect.provide(BrandCardMember.createCardTemplate(templateBody(out_request_no)), shared.asBrand(brand_id)),
      ledger: { brand_id, key: out_request_no },
      inState: (snap) => snap(brand_id).templates.filter((t) => t.out_request_no === out_request_no).length
    })
  },
  "BrandCardMember.UpdateCardTemplate": (shared, i) => {
    const brand_id = shared.slot("BrandCardMember.UpdateCardTemplate")
    return Effect.map(seedTemplate(brand_id, i), (card_id) => ({
      call: Effect.provide(BrandCardMember.updateCardTemplate({ card_id, card_title: `第${i}张` }), shared.asBrand(brand_id)),
      ledger: { brand_id, card_id },
      inState: (snap) => one(snap(brand_id).templates.some((t) => t.card_id === card_id && t.card_title === `第${i}张`))
    }))
  },
  "BrandCardMember.InvalidateCardTemplate": (shared, i) => {
    const brand_id = shared.slot("BrandCardMember.InvalidateCardTemplate")
    return Effect.map(seedTemplate(brand_id, i), (card_id) => ({
      call: Effect.provide(BrandCardMember.invalidateCardTemplate({ card_id }), shared.asBrand(brand_id)),
      ledger: { brand_id, card_id },
      inState: (snap) => one(snap(brand_id).templates.some((t) => t.card_id === card_id && t.state === "CARD_INVALID"))
    }))
  },
  // The brand's upload: a file of its own (the ledger names its SHA-256; the stored images are not read).
  "BrandCardMember.UploadImage": (shared, i) => {
    const file = Buffer.concat([png, Buffer.from(`tail-${SEED}-${i}`)])
    const sha256 = Crypto.createHash("sha256").update(file).digest("hex")
    return Effect.succeed({
      call: Effect.provide(BrandCardMember.uploadImage({ file, filename: `card-${i}.png` }), shared.asBrand(cardBrands.members)),
      ledger: { brand_id: cardBrands.members, sha256 }
    })
  }
}

const CardTestLayer = PartnerCardMember.layer.pipe(
  Layer.provideMerge(Emulator.layerLoopbackNode({
    brands: [
      { brand_id: cardBrands.members },
      ...cardBrands.pool.map((brand_id) => ({ brand_id })),
      ...Array.from({ length: CARD_TASKS }, (_, i) => ({ brand_id: cardBrands.provider(i) }))
    ]
  })),
  Layer.provideMerge(RetryPolicy.layerImmediate())
)

describe("reliability: concurrent run over 商家名片会员卡's repeat-safe writes, both surfaces", () => {
  it("walks the declarations: every repeat-safe write of both surfaces has a planner", () => {
    expect(cardUnderTest.map((d) => d.name).filter((name) => cardPlanners[name] === undefined), "writes without a planner")
      .toEqual([])
    expect(Object.keys(cardPlanners).filter((name) => !cardUnderTest.some((d) => d.name === name)), "planners of no write")
      .toEqual([])
    // 14 of the provider's surface, 11 of the brand's (issue 24).
    expect(cardUnderTest.length).toBe(28)
  })

  it.live(`${CARD_TASKS} calls, ${CONCURRENCY} in flight, seeded faults, both surfaces (seed ${SEED})`, () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* Emulator.EmulatorServer
      const seed = `seed ${SEED} (RELIABILITY_SEED=${SEED} to replay)`
      console.log(`商家名片会员卡 concurrent run: ${seed}`)
      const random = prng(SEED)

      // Each brand of the brand surface, its endpoints on its own client (over node:http, as the provider's).
      const contexts = new Map<string, Context.Context<BrandCardMember.Services>>()
      for (const brand_id of [cardBrands.members, ...cardBrands.pool]) {
        contexts.set(
          brand_id,
          yield* Layer.build(BrandCardMember.layer.pipe(Layer.provide(BrandClient.layerNode(emulator.brandOptions(brand_id)))))
        )
      }
      // The pool's slots, two templates in effect per brand, dealt to the slotted writes in turn.
      const slots = new Map(slotted.map((write) => [write, [] as Array<string>]))
      cardBrands.pool.flatMap((brand_id) => [brand_id, brand_id])
        .forEach((brand_id, k) => slots.get(slotted[k % slotted.length]!)!.push(brand_id))
      const shared: CardShared = {
        emulator,
        // The members' template (its brand is not in the pool).
        card_id: yield* seedTemplate(cardBrands.members, -1),
        asBrand: (brand_id) => contexts.get(brand_id)!,
        slot: (write) => slots.get(write)!.shift()!
      }
      const tasks: Array<CardTask> = []
      let redrawn = 0
      for (let index = 0; index < CARD_TASKS; index++) {
        let definition = cardUnderTest[Math.floor(random() * cardUnderTest.length)]!
        while (slots.get(definition.name)?.length === 0) {
          redrawn++
          definition = cardUnderTest[Math.floor(random() * cardUnderTest.length)]!
        }
        const fault = random() < FAULT_RATE ? faults[Math.floor(random() * faults.length)] : undefined
        const planned = yield* cardPlanners[definition.name]!(shared, index)
        tasks.push({ index, name: definition.name, endpoint: shortName(definition), ...planned, fault, outcome: "pending" })
      }
      const seededEntries = emulator.ledger.length

      const ledgerOf = (task: CardTask) =>
        emulator.ledger.filter((entry) =>
          entry.endpoint === task.endpoint && Object.entries(task.ledger).every(([k, v]) => entry[k] === v)
        )
      const appliedOf = (task: CardTask) => ledgerOf(task).length

      let defects = 0
      const runTask = (task: CardTask) =>
        Effect.suspend(() => {
          if (task.fault !== undefined) emulator.inject({ endpoint: task.endpoint, fault: task.fault })
          return Effect.map(Effect.exit(task.call), (exit) => {
            if (Exit.isSuccess(exit)) task.outcome = "ok"
            else {
              const failure = Cause.findErrorOption(exit.cause)
              if (failure._tag === "None") defects++
              task.outcome = failure._tag === "Some" ? failure.value._tag : "defect"
            }
          })
        })

      const started = Date.now()
      yield* Effect.forEach(tasks, runTask, { concurrency: CONCURRENCY, discard: true })
      const duration = Date.now() - started
      emulator.clearFaults()

      // Nothing applied twice; every success applied once.
      const applied = tasks.map(appliedOf)
      const doubled = tasks.filter((_, i) => applied[i]! > 1)
      expect.soft(
        doubled.map((t) => `#${t.index} ${t.name} ${JSON.stringify(t.ledger)} ×${applied[t.index]}`),
        `${seed}: applied twice`
      ).toEqual([])
      const succeeded = tasks.filter((t) => t.outcome === "ok")
      const failed = tasks.filter((t) => t.outcome !== "ok")
      for (const t of succeeded) expect.soft(applied[t.index], `${seed}: #${t.index} ${t.name} succeeded`).toBe(1)

      // Nothing in the ledger that no call asked for (the seeds are on other endpoints, or before the run).
      const runEndpoints = new Set(tasks.map((t) => t.endpoint))
      const claimed = new Set(tasks.flatMap(ledgerOf))
      const strays = emulator.ledger.slice(seededEntries)
        .filter((entry) => runEndpoints.has(String(entry.endpoint)) && !claimed.has(entry))
      expect(strays, seed).toEqual([])

      /** The brands' state against the ledger: each call's write shows in the state as often as the ledger has it. */
      const checkState = (label: string) => {
        const snapshots = new Map<string, Emulator.BrandSnapshot>()
        const snapshot = (brand_id: string) => {
          const known = snapshots.get(brand_id)
          if (known !== undefined) return known
          const taken = emulator.brandState(brand_id)
          snapshots.set(brand_id, taken)
          return taken
        }
        const mismatched = tasks.filter((task) => task.inState !== undefined && task.inState(snapshot) !== appliedOf(task))
        expect.soft(
          mismatched.map((t) => `#${t.index} ${t.name}: state ×${t.inState!(snapshot)}, ledger ×${appliedOf(t)}`),
          `${seed} ${label}: state against ledger`
        ).toEqual([])
      }
      checkState("after the run")
      expect(defects, `${seed}: defects (crashes) instead of typed errors`).toBe(0)

      const failedButApplied = failed.filter((t) => applied[t.index]! > 0).length

      // Reconcile as a caller would: repeat a failed keyed call with the same key and body (a repeat of one WeChat
      // refuses, once applied, fails with the documented refusal); a keyless one only after reading the state and
      // finding it not applied.
      const byName = new Map(cardUnderTest.map((d) => [d.name, d]))
      for (const task of failed) {
        const keyless = byName.get(task.name)?.idempotencyKey === undefined
        const wasApplied = appliedOf(task) > 0
        if (keyless && wasApplied) continue
        const exit = yield* Effect.exit(task.call)
        const refusal = refusedRepeat[task.name]
        const context = `${seed}: repeat of #${task.index} ${task.name}: ${
          Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "ok"
        }`
        if (wasApplied && refusal !== undefined) {
          const failure = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : undefined
          expect(failure?._tag === "Some" ? failure.value._tag : "ok", context).toBe(refusal)
        } else expect(Exit.isSuccess(exit), context).toBe(true)
      }
      const reconciled = tasks.filter((t) => appliedOf(t) !== 1)
      expect.soft(
        reconciled.map((t) => `#${t.index} ${t.name} ${JSON.stringify(t.ledger)} ×${appliedOf(t)}`),
        `${seed}: after the repeats, every call applied exactly once`
      ).toEqual([])
      checkState("after the repeats")

      const count = <A>(as: ReadonlyArray<A>, key: (a: A) => string) =>
        Object.fromEntries(as.reduce((m, a) => m.set(key(a), (m.get(key(a)) ?? 0) + 1), new Map<string, number>()))
      console.log("商家名片会员卡 concurrent run:", JSON.stringify({
        seed: SEED,
        calls: tasks.length,
        concurrency: CONCURRENCY,
        endpoints: cardUnderTest.length,
        callsPerEndpoint: count(tasks, (t) => t.name),
        redrawnForWantOfSlots: redrawn,
        faultsInjected: tasks.filter((t) => t.fault !== undefined).length,
        succeeded: succeeded.length,
        failed: count(failed, (t) => t.outcome),
        failedButApplied,
        duplicates: doubled.length,
        durationMillis: duration
      }, null, 2))
      expect(tasks.length, seed).toBeGreaterThanOrEqual(1000)
      expect(duration, seed).toBeLessThan(60_000)
    }).pipe(Effect.scoped, Effect.provide(CardTestLayer)), 180_000)
})
