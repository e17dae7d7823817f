import * as crypto from "node:crypto"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { type Endpoint, MemberCard, RetryPolicy, WechatPay } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, fresh } from "./support.js"

const code = "478515832665"

// The seeds' own example requests, exactly as written in the WeChat docs pages.
const seedUpdate = {
  card_id,
  code,
  membership_number: "316510891298",
  background_picture_url: "https://wxpaylogo.qpic.cn/wxpaylogo/xxxxx/0",
  level: "钻石会员",
  out_request_no: "100002322019090134234sfdf",
  balance_information: {
    before_balance: 888,
    balance: 888,
    add_balance: 100,
    balance_remark: "购买一杯珍珠奶茶，消耗30元"
  }
}
const seedRights = {
  card_id,
  code,
  before_bonus_value: 500,
  bonus_value: 600,
  add_bonus_value: 100,
  out_request_no: "100002322019090134234sfdf"
}

type Services = MemberCard.Services
type Call = Effect.Effect<unknown, Endpoint.JsonError, Services>

const Live = MemberCard.layer.pipe(
  Layer.provideMerge(Emulator.layerLoopback()),
  Layer.provideMerge(RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "5 millis" }))
)


const newCard = (emulator: Emulator.EmulatorState, init: Partial<Emulator.CardState> = {}) =>
  emulator.putCard({ card_id, code: fresh("c").slice(0, 32), balance: 888, bonus_value: 500, ...init })

layer(Live, { excludeTestServices: true })("member-card endpoints on the loopback emulator", (it) => {
  describe("happy paths", () => {
    it.effect("getUserCard decodes the member's card", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator, { level: "金卡", nickname: "张三" })
        const got = yield* MemberCard.getUserCard({ card_id, code: card.code })
        expect(got).toMatchObject({
          card_id,
          code: card.code,
          balance: 888,
          bonus_value: 500,
          level: "金卡",
          user_card_status: "EFFECTIVE",
          openid: card.openid
        })
      }))

    it.effect("updateUserCard accepts the seed example as written and applies it once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id, code, balance: 888, bonus_value: 500 })
        yield* MemberCard.updateUserCard(seedUpdate)
        const card = emulator.card(card_id, code)!
        expect(card.level).toBe("钻石会员")
        expect(card.membership_number).toBe("316510891298")
        expect(card.balance).toBe(988)
        expect(emulator.ledger.filter((e) => e.endpoint === "UpdateUserCard" && e.key === seedUpdate.out_request_no))
          .toHaveLength(1)
      }))

    it.effect("setUserCardRights accepts the seed example and credits the points once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        yield* MemberCard.setUserCardRights({ ...seedRights, code: card.code, out_request_no: fresh("r") })
        expect(emulator.card(card_id, card.code)!.bonus_value).toBe(600)
      }))

    it.effect("prepareBonus and commitBonus accept mchid and sub_mchid side by side (seed example)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const order = {
          card_id,
          code: card.code,
          out_trade_no: fresh("T"),
          mchid: emulator.mchid,
          sub_mchid: "1900000110",
          bonus_value: 30
        }
        yield* MemberCard.prepareBonus(order)
        expect(emulator.order(order.out_trade_no)).toEqual({ bonus_value: 30, committed: false })
        yield* MemberCard.commitBonus(order)
        expect(emulator.order(order.out_trade_no)).toEqual({ bonus_value: 30, committed: true })
      }))

    it.effect("a partner's bonus call with only sub_mchid is accepted", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        yield* MemberCard.prepareBonus({
          card_id,
          code: card.code,
          out_trade_no: fresh("T"),
          sub_mchid: "1900000110",
          bonus_value: 1
        })
      }))

    it.effect("path parameters are percent-encoded and signed as sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id: "card|with space", code: "a/b?c", bonus_value: 7 })
        const got = yield* MemberCard.getUserCard({ card_id: "card|with space", code: "a/b?c" })
        expect(got.bonus_value).toBe(7)
      }))
  })

  describe("documented error paths", () => {
    const endpoints: ReadonlyArray<readonly [Emulator.EndpointName, (code: string) => Call]> = [
      ["GetUserCard", (c: string) => MemberCard.getUserCard({ card_id, code: c })],
      ["UpdateUserCard", (c: string) => MemberCard.updateUserCard({ ...seedUpdate, code: c, out_request_no: fresh("u") })],
      [
        "SetUserCardRights",
        (c: string) => MemberCard.setUserCardRights({ ...seedRights, code: c, out_request_no: fresh("r") })
      ],
      [
        "PrepareBonus",
        (c: string) => MemberCard.prepareBonus({ card_id, code: c, out_trade_no: fresh("T"), mchid: "1900000109", bonus_value: 5 })
      ],
      [
        "CommitBonus",
        (c: string) => MemberCard.commitBonus({ card_id, code: c, out_trade_no: fresh("T"), mchid: "1900000109", bonus_value: 5 })
      ]
    ]

    const codes = [
      [400, "PARAM_ERROR", "ParamError"],
      [400, "INVALID_REQUEST", "InvalidRequest"],
      [401, "SIGN_ERROR", "SignError"],
      [403, "NO_AUTH", "NoAuth"],
      [404, "RESOURCE_NOT_EXISTS", "NotFound"],
      [429, "FREQUENCY_LIMITED", "FrequencyLimited"],
      [429, "RATELIMIT_EXCEEDED", "FrequencyLimited"],
      [500, "SYSTEM_ERROR", "SystemError"],
      [418, "SOMETHING_NEW", "UnknownApiError"]
    ] as const

    for (const [endpoint, call] of endpoints) {
      for (const [status, wechatCode, tag] of codes) {
        it.effect(`${endpoint}: ${status} ${wechatCode} → ${tag} with status, code, message and Request-ID`, () =>
          Effect.gen(function*() {
            const emulator = yield* Emulator.Emulator
            const card = newCard(emulator)
            emulator.inject({ endpoint, fault: { _tag: "Error", status, code: wechatCode, message: "说明" }, times: 10 })
            const error = yield* Effect.flip(call(card.code))
            emulator.clearFaults()
            expect(error._tag).toBe(tag)
            expect(error).toMatchObject({ status, code: wechatCode, message: "说明" })
            expect((error as { requestId?: string }).requestId).toMatch(/^[0-9a-f]{32}$/)
            expect(emulator.ledger.some((e) => e.code === card.code)).toBe(false)
          }))
      }
    }

    it.effect("an unknown code is InvalidRequest from the real business rules (not a fault)", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(MemberCard.getUserCard({ card_id, code: "no-such-code" }))
        expect(error._tag).toBe("InvalidRequest")
        expect(error).toMatchObject({ status: 400, code: "INVALID_REQUEST", message: "code不存在" })
      }))

    it.effect("commit without prepare is refused with InvalidRequest", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const error = yield* Effect.flip(
          MemberCard.commitBonus({ card_id, code: card.code, out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 3 })
        )
        expect(error._tag).toBe("InvalidRequest")
      }))

    it.effect("reusing an out_request_no with a different body is refused and applies nothing", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const out_request_no = fresh("r")
        yield* MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no, add_bonus_value: 10 })
        const error = yield* Effect.flip(
          MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no, add_bonus_value: 20 })
        )
        expect(error._tag).toBe("InvalidRequest")
        expect(emulator.applied(out_request_no)).toBe(1)
        expect(emulator.card(card_id, card.code)!.bonus_value).toBe(510)
      }))

    it.effect("the same write sent again is answered without applying twice", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const request = { card_id, code: card.code, out_request_no: fresh("r"), add_bonus_value: 10 }
        yield* MemberCard.setUserCardRights(request)
        yield* MemberCard.setUserCardRights(request)
        expect(emulator.applied(request.out_request_no)).toBe(1)
        expect(emulator.card(card_id, card.code)!.bonus_value).toBe(510)
      }))

    it.effect("a request signed with the wrong key gets SignError with WeChat's sign_information", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const server = yield* Emulator.EmulatorServer
        const card = newCard(emulator)
        const wrongKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
          .export({ type: "pkcs8", format: "pem" }).toString()
        const ImpostorClient = WechatPay.layer({
          mchid: emulator.mchid,
          merchantSerialNumber: emulator.merchantSerialNumber,
          merchantPrivateKey: Redacted.make(wrongKey),
          wechatpayPublicKeys: emulator.wechatpayPublicKeys,
          baseUrl: server.baseUrl
        }).pipe(Layer.provide(FetchHttpClient.layer))
        const error = yield* Effect.flip(
          MemberCard.getUserCard({ card_id, code: card.code }).pipe(
            // Layer.fresh: on Effect 4, Effect.provide reuses the layers the surrounding `layer(Live)` already built
            // (its MemoMap is inherited), so without it this would be Live's GetUserCard on the real key.
            Effect.provide(Layer.fresh(MemberCard.GetUserCard.layer).pipe(Layer.provide(ImpostorClient)))
          )
        )
        expect(error._tag).toBe("SignError")
        if (error._tag !== "SignError") return
        expect(error.status).toBe(401)
        expect(error.signInformation).toMatchObject({
          method: "GET",
          url: `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}`
        })
        expect(error.message).not.toContain(wrongKey.split("\n")[1]!)
      }))
  })

  describe("validation: each documented rule fails before anything is sent", () => {
    const valid = {
      GetUserCard: { card_id, code },
      UpdateUserCard: seedUpdate,
      SetUserCardRights: seedRights,
      Bonus: { card_id, code, out_trade_no: "T1", mchid: "1900000109", bonus_value: 5 }
    }
    const call: Record<"GetUserCard" | "UpdateUserCard" | "SetUserCardRights" | "PrepareBonus" | "CommitBonus", (r: unknown) => Call> = {
      GetUserCard: (r: unknown) => MemberCard.getUserCard(r as MemberCard.GetUserCardRequest),
      UpdateUserCard: (r: unknown) => MemberCard.updateUserCard(r as MemberCard.UpdateUserCardRequest),
      SetUserCardRights: (r: unknown) => MemberCard.setUserCardRights(r as MemberCard.SetUserCardRightsRequest),
      PrepareBonus: (r: unknown) => MemberCard.prepareBonus(r as MemberCard.BonusRequest),
      CommitBonus: (r: unknown) => MemberCard.commitBonus(r as MemberCard.BonusRequest)
    }
    const long = (n: number) => "x".repeat(n)
    type Case = readonly [keyof typeof call, string, Record<string, unknown>, string]
    const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key))
    const cases: Array<Case> = []
    for (const endpoint of Object.keys(call) as Array<keyof typeof call>) {
      const base: Record<string, unknown> = endpoint === "PrepareBonus" || endpoint === "CommitBonus"
        ? valid.Bonus
        : valid[endpoint]
      cases.push([endpoint, "card_id is required", without(base, "card_id"), "card_id"])
      cases.push([endpoint, "code is required", without(base, "code"), "code"])
      cases.push([endpoint, "card_id ≤ 32", { ...base, card_id: long(33) }, "card_id"])
      cases.push([endpoint, "code ≤ 32", { ...base, code: long(33) }, "code"])
      cases.push([endpoint, "code must not be empty", { ...base, code: "" }, "code"])
      cases.push([endpoint, "card_id must be a string", { ...base, card_id: 12 }, "card_id"])
    }
    cases.push(
      ["UpdateUserCard", "out_request_no is required", without(seedUpdate, "out_request_no"), "out_request_no"],
      ["UpdateUserCard", "out_request_no ≤ 32", { ...seedUpdate, out_request_no: long(33) }, "out_request_no"],
      ["UpdateUserCard", "out_request_no character set", { ...seedUpdate, out_request_no: "abc def" }, "out_request_no"],
      ["UpdateUserCard", "out_request_no character set (non-ASCII)", { ...seedUpdate, out_request_no: "单号1" }, "out_request_no"],
      ["UpdateUserCard", "membership_number ≤ 32", { ...seedUpdate, membership_number: long(33) }, "membership_number"],
      ["UpdateUserCard", "membership_number character set", { ...seedUpdate, membership_number: "会员 1" }, "membership_number"],
      ["UpdateUserCard", "background_picture_url ≤ 128", { ...seedUpdate, background_picture_url: long(129) }, "background_picture_url"],
      ["UpdateUserCard", "level ≤ 5", { ...seedUpdate, level: "超级钻石会员" }, "level"],
      [
        "UpdateUserCard",
        "balance must be an integer",
        { ...seedUpdate, balance_information: { ...seedUpdate.balance_information, balance: 1.5 } },
        "balance_information"
      ],
      [
        "UpdateUserCard",
        "add_balance is required",
        { ...seedUpdate, balance_information: without(seedUpdate.balance_information, "add_balance") },
        "balance_information"
      ],
      ["UpdateUserCard", "need_inform_balance is a boolean", { ...seedUpdate, need_inform_balance: "yes" }, "need_inform_balance"],
      ["SetUserCardRights", "out_request_no is required", without(seedRights, "out_request_no"), "out_request_no"],
      ["SetUserCardRights", "out_request_no ≤ 128", { ...seedRights, out_request_no: long(129) }, "out_request_no"],
      ["SetUserCardRights", "bonus_value must be an integer", { ...seedRights, bonus_value: 600.5 }, "bonus_value"],
      ["SetUserCardRights", "add_bonus_value must be a number", { ...seedRights, add_bonus_value: "100" }, "add_bonus_value"],
      ["SetUserCardRights", "member_price_word ≤ 8", { ...seedRights, member_price_word: long(9) }, "member_price_word"],
      ["SetUserCardRights", "fapiao_jump_word ≤ 6", { ...seedRights, fapiao_jump_word: long(7) }, "fapiao_jump_word"]
    )
    for (const endpoint of ["PrepareBonus", "CommitBonus"] as const) {
      cases.push(
        [endpoint, "out_trade_no is required", without(valid.Bonus, "out_trade_no"), "out_trade_no"],
        [endpoint, "out_trade_no ≤ 32", { ...valid.Bonus, out_trade_no: long(33) }, "out_trade_no"],
        [endpoint, "bonus_value is required", without(valid.Bonus, "bonus_value"), "bonus_value"],
        [endpoint, "bonus_value must be positive", { ...valid.Bonus, bonus_value: 0 }, "bonus_value"],
        [endpoint, "bonus_value must not be negative", { ...valid.Bonus, bonus_value: -5 }, "bonus_value"],
        [endpoint, "bonus_value must be an integer", { ...valid.Bonus, bonus_value: 2.5 }, "bonus_value"],
        [endpoint, "bonus_value must be finite", { ...valid.Bonus, bonus_value: Number.POSITIVE_INFINITY }, "bonus_value"],
        [endpoint, "mchid ≤ 32", { ...valid.Bonus, mchid: long(33) }, "mchid"],
        [endpoint, "sub_mchid ≤ 32", { ...valid.Bonus, sub_mchid: long(33) }, "sub_mchid"]
      )
    }

    for (const [endpoint, rule, request, field] of cases) {
      it.effect(`${endpoint}: ${rule}`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const before = emulator.requests()
          const error = yield* Effect.flip(call[endpoint](request))
          expect(error._tag).toBe("RequestValidationError")
          if (error._tag !== "RequestValidationError") return
          expect(error.issues.map((i) => i.path[0])).toContain(field)
          expect(error.endpoint).toBe(`MemberCard.${endpoint}`)
          expect(error.message).toContain(field)
          expect(emulator.requests()).toBe(before)
        }))
    }

    it.effect("the seed examples pass validation unchanged (888 → 888 with add_balance 100 included)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id, code: "seed-check", balance: 888 })
        yield* MemberCard.updateUserCard({ ...seedUpdate, code: "seed-check", out_request_no: "seedcheck1" })
        yield* MemberCard.setUserCardRights({ ...seedRights, code: "seed-check", out_request_no: "seedcheck2" })
      }))
  })
})
