/**
 * 会员有礼 activities (#27–#30): createActivity, listActivities / streamActivities, getActivity, terminateActivity.
 *
 * - Over real loopback HTTP (wall clock): each endpoint's happy path with the emulator's state, the activity's status
 *   life-cycle, lazy paging by item offset, what a dropped answer does to each write, business refusals.
 * - In process on a TestClock fixed at 2026-12-01 12:00 Beijing time (so hand-written times stay valid forever): the
 *   status moving with the clock, and every request rule at exactly its limit (validated and sent once) and one
 *   past it (RequestValidationError naming the field, nothing sent).
 * - Types: each accessor's success, error and requirement.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import { MemberCardActivity, type WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, fresh, refused as notSent, sentOnce } from "./support.js"

type Services = MemberCardActivity.Services | Emulator.Emulator

/** A time as WeChat writes it: RFC 3339 with milliseconds, Beijing time. */
const beijing = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().replace("Z", "+08:00")
const DAY = 86_400_000

/** The docs' example body, with times around `now` (ms). */
const example = (now: number, init: Partial<MemberCardActivity.CreateActivityRequest> = {}) => ({
  card_id,
  activity_name: "良品铺子回馈活动",
  activity_type: "NON_MEMBER_AFTERPAY" as const,
  begin_time: beijing(now + DAY),
  end_time: beijing(now + 10 * DAY),
  award_send_period: {
    award_send_time: [{ begin_time: beijing(now + 2 * DAY), end_time: beijing(now + 8 * DAY) }],
    award_send_day_time: [{
      begin_day_time: { hours: 9, minutes: 34, seconds: 6 },
      end_day_time: { hours: 21, minutes: 0, seconds: 0 }
    }]
  },
  stock_list: [{ stock_creator_mchid: "1900000109", stock_id: "98065001" }],
  out_request_no: fresh("act-"),
  pay_activity_setting: {
    logo_url: "https://wxpaylogo.qpic.cn/wxpaylogo/xxxxx/0",
    activity_second_title: "湖南麻辣美食券",
    activate_setting: { activate_type: "AUTO_ACTIVATE", activate_url: "https://w.url.cn/s/Ahz3p2C" },
    payment_setting: { payment_mode: { payment_scene_list: ["APP"] }, limit_bank: "CFT", goods_tags: ["member"] }
  },
  ...init
})

const Loopback = MemberCardActivity.layer.pipe(Layer.provideMerge(Emulator.layerLoopbackNode()))

layer(Loopback, { excludeTestServices: true })("activities over loopback HTTP", (it) => {
  const seeded = Effect.map(Emulator.Emulator, (emulator) => {
    emulator.putTemplate({ card_id })
    return emulator
  })

  /** A new template with one activity of each of these types, in order. */
  const onNewCard = (types: ReadonlyArray<MemberCardActivity.CreateActivityRequest["activity_type"]>) =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = fresh("card-")
      emulator.putTemplate({ card_id: card })
      const now = Date.now()
      const ids: Array<string> = []
      for (const activity_type of types) {
        ids.push((yield* MemberCardActivity.createActivity(example(now, { card_id: card, activity_type }))).activity_id)
      }
      return { emulator, card, ids }
    })

  it.effect("createActivity answers the new activity (CREATED before begin_time) and records it once", () =>
    Effect.gen(function*() {
      const emulator = yield* seeded
      const request = example(Date.now())
      const created = yield* MemberCardActivity.createActivity(request)
      expect(created).toMatchObject({
        activity_status: "CREATED",
        card_id,
        activity_name: "良品铺子回馈活动",
        activity_type: "NON_MEMBER_AFTERPAY",
        begin_time: request.begin_time,
        end_time: request.end_time,
        out_request_no: request.out_request_no,
        stock_list: request.stock_list,
        award_send_period: request.award_send_period,
        pay_activity_setting: request.pay_activity_setting
      })
      expect(created.activity_id).toMatch(/^\d{1,16}$/)
      expect(created.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/)
      expect(emulator.ledger.filter((e) => e.endpoint === "CreateActivity" && e.key === request.out_request_no))
        .toEqual([{ endpoint: "CreateActivity", key: request.out_request_no, activity_id: created.activity_id, card_id }])
    }))

  it.effect("getActivity answers what was created; an activity already begun is ONGOING", () =>
    Effect.gen(function*() {
      yield* seeded
      const now = Date.now()
      const created = yield* MemberCardActivity.createActivity(
        example(now, { begin_time: beijing(now - 3_600_000), activity_type: "MEMBER_MINIPROGRAM" })
      )
      const got = yield* MemberCardActivity.getActivity({ activity_id: created.activity_id })
      expect(got).toEqual({ ...created, activity_status: "ONGOING" })
    }))

  it.effect("terminateActivity answers the id and time; the activity is TERMINATED, and a second call is refused", () =>
    Effect.gen(function*() {
      const emulator = yield* seeded
      const { activity_id } = yield* MemberCardActivity.createActivity(example(Date.now()))
      const answer = yield* MemberCardActivity.terminateActivity({ activity_id })
      expect(answer.activity_id).toBe(activity_id)
      expect(answer.terminate_time).toMatch(/\+08:00$/)
      expect((yield* MemberCardActivity.getActivity({ activity_id })).activity_status).toBe("TERMINATED")
      expect(emulator.ledger.filter((e) => e.endpoint === "TerminateActivity" && e.activity_id === activity_id))
        .toHaveLength(1)
      const again = yield* Effect.flip(MemberCardActivity.terminateActivity({ activity_id }))
      expect(again).toMatchObject({ _tag: "InvalidRequest", code: "INVALID_REQUEST", message: "活动已终止" })
    }))

  it.effect("listActivities filters by card, type and status and pages by item offset", () =>
    Effect.gen(function*() {
      const { card, ids } = yield* onNewCard(["MEMBER_AFTERPAY", "MEMBER_AFTERPAY", "MEMBER_AFTERPAY", "NON_MEMBER_MINIPROGRAM"])
      yield* MemberCardActivity.terminateActivity({ activity_id: ids[0]! })
      const page = yield* MemberCardActivity.listActivities({ card_id: card, activity_type: "MEMBER_AFTERPAY", offset: 1, limit: 1 })
      expect(page).toMatchObject({ offset: 1, limit: 1, total_count: 3 })
      expect(page.data!.map((a) => a.activity_id)).toEqual([ids[1]])
      const created = yield* MemberCardActivity.listActivities({ card_id: card, activity_status: "CREATED" })
      expect(created.data!.map((a) => a.activity_id)).toEqual(ids.slice(1))
      expect(created.data![0]).toMatchObject({ card_id: card, activity_status: "CREATED", activity_name: "良品铺子回馈活动" })
    }))

  it.effect("streamActivities reads 3 pages of 10 lazily: taking page 1's items never asks for page 3", () =>
    Effect.gen(function*() {
      const { card, emulator, ids } = yield* onNewCard(Array.from({ length: 23 }, () => "MEMBER_AFTERPAY" as const))
      const before = emulator.requests("ListActivities")
      const all = yield* Stream.runCollect(MemberCardActivity.streamActivities({ card_id: card }))
      expect(all.map((a) => a.activity_id)).toEqual(ids)
      expect(emulator.requests("ListActivities") - before).toBe(3)

      const lazily = emulator.requests("ListActivities")
      const first = yield* Stream.runCollect(Stream.take(MemberCardActivity.streamActivities({ card_id: card }), 10))
      expect(first.length).toBe(10)
      expect(emulator.requests("ListActivities") - lazily).toBeLessThan(3)
      expect(emulator.requests("ListActivities") - lazily).toBe(1)
    }))

  it.effect("createActivity after DropAfterApply is retried with its out_request_no: one activity, one ledger entry", () =>
    Effect.gen(function*() {
      const emulator = yield* seeded
      const card = fresh("drop-card-")
      emulator.putTemplate({ card_id: card })
      const request = example(Date.now(), { card_id: card })
      emulator.inject({ endpoint: "CreateActivity", fault: { _tag: "DropAfterApply" } })
      const before = emulator.requests("CreateActivity")
      const created = yield* MemberCardActivity.createActivity(request)
      expect(emulator.requests("CreateActivity") - before).toBe(2)
      expect(emulator.applied(request.out_request_no)).toBe(1)
      const listed = yield* MemberCardActivity.listActivities({ card_id: card })
      expect(listed.data!.map((a) => a.activity_id)).toEqual([created.activity_id])
    }))

  it.effect("terminateActivity after DropAfterApply is not repeated: TransportError, one request, terminated once", () =>
    Effect.gen(function*() {
      const emulator = yield* seeded
      const { activity_id } = yield* MemberCardActivity.createActivity(example(Date.now()))
      emulator.inject({ endpoint: "TerminateActivity", fault: { _tag: "DropAfterApply" } })
      const before = emulator.requests("TerminateActivity")
      const error = yield* Effect.flip(MemberCardActivity.terminateActivity({ activity_id }))
      expect(error._tag).toBe("TransportError")
      expect(emulator.requests("TerminateActivity") - before).toBe(1)
      expect((yield* MemberCardActivity.getActivity({ activity_id })).activity_status).toBe("TERMINATED")
      expect(emulator.ledger.filter((e) => e.endpoint === "TerminateActivity" && e.activity_id === activity_id))
        .toHaveLength(1)
    }))

  it.effect("business refusals: unknown card_id, a REAL_TIME card, a stock of another merchant, an unknown activity", () =>
    Effect.gen(function*() {
      const emulator = yield* seeded
      const now = Date.now()
      const refused = (request: MemberCardActivity.CreateActivityRequest) =>
        Effect.map(Effect.flip(MemberCardActivity.createActivity(request)), (e) => [e._tag, (e as { message: string }).message])
      expect(yield* refused(example(now, { card_id: "pNoSuchTemplate" }))).toEqual(["InvalidRequest", "card_id无效"])
      emulator.putTemplate({ card_id: "pRealTimeCodeCard", code_mode: "REAL_TIME" })
      expect((yield* refused(example(now, { card_id: "pRealTimeCodeCard" })))[0]).toBe("InvalidRequest")
      expect(yield* refused(example(now, { stock_list: [{ stock_creator_mchid: "1230000109", stock_id: "1" }] })))
        .toEqual(["InvalidRequest", "活动创建方无权发放该商家券批次"])
      expect(yield* refused(example(now, { begin_time: beijing(now + 2 * DAY), end_time: beijing(now + DAY) })))
        .toEqual(["InvalidRequest", "活动结束时间须晚于活动开始时间"])
      const missing = yield* Effect.flip(MemberCardActivity.getActivity({ activity_id: "404" }))
      expect(missing).toMatchObject({ _tag: "NotFound", status: 404, code: "RESOURCE_NOT_EXISTS" })
      expect(emulator.ledger.some((e) => e.endpoint === "CreateActivity" && e.card_id === "pRealTimeCodeCard")).toBe(false)
    }))

  it.effect("the same out_request_no with another body is refused and creates nothing", () =>
    Effect.gen(function*() {
      const emulator = yield* seeded
      const request = example(Date.now())
      yield* MemberCardActivity.createActivity(request)
      const error = yield* Effect.flip(MemberCardActivity.createActivity({ ...request, activity_name: "另一个活动" }))
      expect(error._tag).toBe("InvalidRequest")
      expect(emulator.applied(request.out_request_no)).toBe(1)
    }))
})

const InProcess = MemberCardActivity.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))

/** 2026-12-01T12:00:00.000+08:00 */
const FIXED = Date.parse("2026-12-01T12:00:00.000+08:00")

// Hand-written values of known length.
const s16 = "0123456789abcdef"
const s17 = "0123456789abcdefg"
const s32 = "0123456789abcdefghijklmnopqrstuv"
const s33 = "0123456789abcdefghijklmnopqrstuvw"
const name10 = "良品铺子回馈活动一二"
const name11 = "良品铺子回馈活动一二三"
const emoji10 = "🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁"
const emoji11 = "🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁"
/** 32 characters: RFC 3339 with microseconds. */
const time32 = "2026-12-02T00:00:00.000000+08:00"
const time33 = "2026-12-02T00:00:00.0000000+08:00"

/** A valid body on the fixed clock: 2026-12-02 to 2026-12-20. */
const base = (): MemberCardActivity.CreateActivityRequest => ({
  card_id,
  activity_name: "回馈活动",
  activity_type: "MEMBER_AFTERPAY",
  begin_time: "2026-12-02T00:00:00.000+08:00",
  end_time: "2026-12-20T00:00:00.000+08:00",
  out_request_no: fresh("lim-")
})

type Call = (request: any) => Effect.Effect<unknown, WechatPayError.WechatPayError, Services>

// `layer` (TestClock) for the rest of the file: it also rebinds the module-level `it`.
layer(InProcess)("on a TestClock: the status life-cycle, and every request rule at its limit (sent once) and one past it (nothing sent)", (it) => {
  const create: Call = MemberCardActivity.createActivity
  const list: Call = MemberCardActivity.listActivities
  const get: Call = MemberCardActivity.getActivity
  const terminate: Call = MemberCardActivity.terminateActivity

  const setUp = Effect.gen(function*() {
    yield* TestClock.setTime(FIXED)
    const emulator = yield* Emulator.Emulator
    emulator.putTemplate({ card_id })
    emulator.putTemplate({ card_id: s32 })
    emulator.putTemplate({ card_id: "p" })
    return emulator
  })

  /** Validated and sent exactly once (WeChat may still refuse it on business grounds), after `setUp`. */
  const accepted = (call: Call, request: unknown) => Effect.andThen(setUp, sentOnce(call(request)))

  /** RequestValidationError naming `field`, nothing sent, after `setUp`. */
  const refused = (call: Call, request: unknown, field: string) => Effect.andThen(setUp, notSent(call(request), field, "top"))

  // First: the activities it lists as OVER_TIME are the ones made so far.
  it.effect("CREATED → ONGOING from begin_time through end_time → OVER_TIME after it; an activity over cannot be terminated", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(FIXED)
      const emulator = yield* Emulator.Emulator
      emulator.putTemplate({ card_id })
      const { activity_id } = yield* MemberCardActivity.createActivity({
        ...example(FIXED),
        begin_time: "2026-12-02T00:00:00.000+08:00",
        end_time: "2026-12-05T00:00:00.000+08:00"
      })
      const status = Effect.map(MemberCardActivity.getActivity({ activity_id }), (a) => a.activity_status)
      expect(yield* status).toBe("CREATED")
      yield* TestClock.adjust("12 hours")
      expect(yield* status).toBe("ONGOING")
      yield* TestClock.adjust("3 days")
      expect(yield* status).toBe("ONGOING") // at end_time exactly
      yield* TestClock.adjust("1 second")
      expect(yield* status).toBe("OVER_TIME")
      const listed = yield* MemberCardActivity.listActivities({ activity_status: "OVER_TIME" })
      expect(listed.data!.map((a) => a.activity_id)).toEqual([activity_id])
      const error = yield* Effect.flip(MemberCardActivity.terminateActivity({ activity_id }))
      expect(error).toMatchObject({ _tag: "InvalidRequest", message: "活动已过期" })
    }))

  it.effect("the hand-written values have the lengths they claim", () =>
    Effect.sync(() => {
      expect([s16, s17, s32, s33, time32, time33].map((s) => s.length)).toEqual([16, 17, 32, 33, 32, 33])
      expect([...name10, ...emoji10].length).toBe(20)
      expect([...name11].length + [...emoji11].length).toBe(22)
    }))

  it.effect("the minimal body is created (and succeeds)", () =>
    Effect.map(accepted(create, base()), (r) => expect(r._tag).toBe("Success")))

  describe("createActivity", () => {
    const cases: ReadonlyArray<readonly [string, () => unknown, () => unknown, string]> = [
      ["card_id ≤ 32", () => ({ ...base(), card_id: s32 }), () => ({ ...base(), card_id: s33 }), "card_id"],
      ["card_id required and not empty", () => ({ ...base(), card_id: "p" }), () => ({ ...base(), card_id: "" }), "card_id"],
      ["activity_name ≤ 10 characters", () => ({ ...base(), activity_name: name10 }), () => ({ ...base(), activity_name: name11 }), "activity_name"],
      ["activity_name ≤ 10 code points", () => ({ ...base(), activity_name: emoji10 }), () => ({ ...base(), activity_name: emoji11 }), "activity_name"],
      ["activity_name not empty", () => ({ ...base(), activity_name: "a" }), () => ({ ...base(), activity_name: "" }), "activity_name"],
      ["activity_type is a documented type", () => ({ ...base(), activity_type: "NON_MEMBER_MINIPROGRAM" }), () => ({ ...base(), activity_type: "MEMBER_GIFT" }), "activity_type"],
      ["begin_time ≤ 32", () => ({ ...base(), begin_time: time32 }), () => ({ ...base(), begin_time: time33 }), "begin_time"],
      ["end_time ≤ 32", () => ({ ...base(), end_time: "2026-12-20T00:00:00.000000+08:00" }), () => ({ ...base(), end_time: "2026-12-20T00:00:00.0000000+08:00" }), "end_time"],
      ["begin_time is RFC 3339", () => ({ ...base(), begin_time: "2026-12-02T00:00:00Z" }), () => ({ ...base(), begin_time: "2026-12-02 00:00:00+08:00" }), "begin_time"],
      ["end_time is a real date", () => ({ ...base(), end_time: "2026-12-31T23:59:59+08:00" }), () => ({ ...base(), end_time: "2026-13-01T00:00:00+08:00" }), "end_time"],
      [
        "at most 90 days (2026-12-02 → 2027-03-02 is 90 days)",
        () => ({ ...base(), end_time: "2027-03-02T00:00:00.000+08:00" }),
        () => ({ ...base(), end_time: "2027-03-02T00:00:00.001+08:00" }),
        "end_time"
      ],
      ["out_request_no required, not empty", () => ({ ...base(), out_request_no: fresh("o") }), () => ({ ...base(), out_request_no: "" }), "out_request_no"],
      [
        "award_send_day_time hours are integers",
        () => ({ ...base(), award_send_period: { award_send_day_time: [{ begin_day_time: { hours: 9, minutes: 0, seconds: 0 }, end_day_time: { hours: 21, minutes: 0, seconds: 0 } }] } }),
        () => ({ ...base(), award_send_period: { award_send_day_time: [{ begin_day_time: { hours: 9.5, minutes: 0, seconds: 0 }, end_day_time: { hours: 21, minutes: 0, seconds: 0 } }] } }),
        "award_send_period"
      ],
      [
        "award_send_time times are RFC 3339",
        () => ({ ...base(), award_send_period: { award_send_time: [{ begin_time: "2026-12-03T00:00:00+08:00", end_time: "2026-12-04T00:00:00+08:00" }] } }),
        () => ({ ...base(), award_send_period: { award_send_time: [{ begin_time: "2026/12/03", end_time: "2026-12-04T00:00:00+08:00" }] } }),
        "award_send_period"
      ],
      [
        "stock_list items need stock_id",
        () => ({ ...base(), stock_list: [{ stock_creator_mchid: "1900000109", stock_id: "98065001" }] }),
        () => ({ ...base(), stock_list: [{ stock_creator_mchid: "1900000109" }] }),
        "stock_list"
      ],
      [
        "pay_activity_setting needs logo_url",
        () => ({ ...base(), pay_activity_setting: { logo_url: "https://x/0", activity_second_title: "券" } }),
        () => ({ ...base(), pay_activity_setting: { activity_second_title: "券" } }),
        "pay_activity_setting"
      ],
      [
        "activate_miniprogram needs activate_path",
        () => ({ ...base(), pay_activity_setting: { logo_url: "https://x/0", activity_second_title: "券", activate_setting: { activate_type: "AUTO_ACTIVATE", activate_miniprogram: { activate_appid: "wx1", activate_path: "p" } } } }),
        () => ({ ...base(), pay_activity_setting: { logo_url: "https://x/0", activity_second_title: "券", activate_setting: { activate_type: "AUTO_ACTIVATE", activate_miniprogram: { activate_appid: "wx1" } } } }),
        "pay_activity_setting"
      ]
    ]
    for (const [rule, ok, bad, field] of cases) {
      it.effect(`${rule}: at the limit`, () => Effect.map(accepted(create, ok()), (r) => expect(r._tag).toBe("Success")))
      it.effect(`${rule}: one past it`, () => refused(create, bad(), field))
    }

    it.effect("begin_time at most one year ahead is WeChat's rule (sent, refused by the emulator past it)", () =>
      Effect.gen(function*() {
        const yearAhead = { ...base(), begin_time: "2027-12-01T12:00:00.000+08:00", end_time: "2027-12-02T00:00:00.000+08:00" }
        expect((yield* accepted(create, yearAhead))._tag).toBe("Success")
        const past = yield* accepted(create, { ...yearAhead, begin_time: "2027-12-01T12:00:00.001+08:00", out_request_no: fresh("y") })
        expect(past._tag === "Failure" && past.failure).toMatchObject({ _tag: "InvalidRequest", message: "最长可以配置1年内的活动" })
      }))
  })

  describe("listActivities", () => {
    const cases: ReadonlyArray<readonly [string, unknown, unknown, string]> = [
      ["card_id ≤ 32", { card_id: s32 }, { card_id: s33 }, "card_id"],
      ["activity_type is a documented type", { activity_type: "MEMBER_MINIPROGRAM" }, { activity_type: "member_miniprogram" }, "activity_type"],
      ["activity_status is a documented status", { activity_status: "OVER_TIME" }, { activity_status: "EXPIRED" }, "activity_status"],
      ["limit is an integer", { limit: 20 }, { limit: 2.5 }, "limit"],
      ["offset is an integer", { offset: 0 }, { offset: 0.5 }, "offset"]
    ]
    for (const [rule, ok, bad, field] of cases) {
      it.effect(`${rule}: at the limit`, () => Effect.map(accepted(list, ok), (r) => expect(r._tag).toBe("Success")))
      it.effect(`${rule}: one past it`, () => refused(list, bad, field))
    }
  })

  describe("getActivity and terminateActivity: activity_id string[1,16]", () => {
    for (const [name, call] of [["getActivity", get], ["terminateActivity", terminate]] as const) {
      it.effect(`${name}: 16 characters are sent (an unknown activity: NotFound)`, () =>
        Effect.map(accepted(call, { activity_id: s16 }), (r) => expect(r._tag === "Failure" && r.failure._tag).toBe("NotFound")))
      it.effect(`${name}: 17 characters are refused`, () => refused(call, { activity_id: s17 }, "activity_id"))
      it.effect(`${name}: empty is refused`, () => refused(call, { activity_id: "" }, "activity_id"))
      it.effect(`${name}: ".." is refused (URL normalisation would drop it)`, () => refused(call, { activity_id: ".." }, "activity_id"))
    }
  })
})

describe("types", () => {
  it("each accessor's success, error and requirement", () => {
    expectTypeOf(MemberCardActivity.createActivity).returns.toEqualTypeOf<
      Effect.Effect<MemberCardActivity.Activity, MemberCardActivity.CreateActivityError, MemberCardActivity.CreateActivity>
    >()
    expectTypeOf(MemberCardActivity.listActivities).returns.toEqualTypeOf<
      Effect.Effect<MemberCardActivity.ActivityPage, MemberCardActivity.ListActivitiesError, MemberCardActivity.ListActivities>
    >()
    expectTypeOf(MemberCardActivity.getActivity).returns.toEqualTypeOf<
      Effect.Effect<MemberCardActivity.Activity, MemberCardActivity.GetActivityError, MemberCardActivity.GetActivity>
    >()
    expectTypeOf(MemberCardActivity.terminateActivity).returns.toEqualTypeOf<
      Effect.Effect<
        MemberCardActivity.TerminateActivityResponse,
        MemberCardActivity.TerminateActivityError,
        MemberCardActivity.TerminateActivity
      >
    >()
    expectTypeOf(MemberCardActivity.streamActivities).returns.toEqualTypeOf<
      Stream.Stream<
        MemberCardActivity.ActivityListItem,
        MemberCardActivity.ListActivitiesError | WechatPayError.ResponseDecodeError,
        MemberCardActivity.ListActivities
      >
    >()
    expectTypeOf(MemberCardActivity.streamActivities).parameter(0).toEqualTypeOf<
      Omit<MemberCardActivity.ListActivitiesRequest, "offset" | "limit">
    >()
    expectTypeOf<MemberCardActivity.CreateActivityError>().toEqualTypeOf<
      WechatPayError.CallError | WechatPayError.RequestValidationError | WechatPayError.ResponseDecodeError
    >()
    // Optional since 0.6.0: the official list page and W mark it 选填 (see Activity).
    expectTypeOf<MemberCardActivity.Activity["activity_status"]>().toEqualTypeOf<
      "CREATED" | "ONGOING" | "TERMINATED" | "OVER_TIME" | (string & {}) | undefined
    >()
    expectTypeOf<MemberCardActivity.ListActivitiesRequest["activity_status"]>().toEqualTypeOf<
      "CREATED" | "ONGOING" | "TERMINATED" | "OVER_TIME" | undefined
    >()
    expectTypeOf<MemberCardActivity.Services>().toEqualTypeOf<
      | MemberCardActivity.CreateActivity
      | MemberCardActivity.ListActivities
      | MemberCardActivity.GetActivity
      | MemberCardActivity.TerminateActivity
    >()
  })
})
