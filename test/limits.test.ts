/**
 * Every documented request limit (README.md "Validation rules", the schemas in src/membercard), tested from the
 * outside at exactly the limit (accepted: validated, sent once, answered by the emulator) and one past it
 * (RequestValidationError naming the field, nothing sent).
 *
 * The values are written by hand, never generated from the schema under test: a limit that drifts (32 → 31, or
 * 8 → 9) must break a test here, whichever way it drifts. Lengths count characters (Unicode code points), so five
 * emoji are a 5-character `level`; an optional field given as `undefined` is the same as an absent one.
 */
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { recordingClient, type SentRequest } from "./support.js"

// Hand-written values of known length (each checked by the first test, so a typo here cannot hide).
const s5 = "abcde"
const s6 = "abcdef"
const s8 = "abcdefgh"
const s9 = "abcdefghi"
const s32 = "0123456789abcdefghijklmnopqrstuv"
const s33 = "0123456789abcdefghijklmnopqrstuvw"
const s128 = "0123456789abcdefghijklmnopqrstuv" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" +
  "6789abcdefghijklmnopqrstuvwxyzAB" + "CDEFGHIJKLMNOPQRSTUVWXYZ01234567"
const s129 = s128 + "8"
const diamonds5 = "💎💎💎💎💎"
const diamonds6 = "💎💎💎💎💎💎"
const gifts8 = "🎁🎁🎁🎁🎁🎁🎁🎁"
const gifts9 = "🎁🎁🎁🎁🎁🎁🎁🎁🎁"
const receipts6 = "🧾🧾🧾🧾🧾🧾"
const receipts7 = "🧾🧾🧾🧾🧾🧾🧾"
/** 32 digits: a merchant id at the limit, which the emulator then also is. */
const mchid32 = "12345678901234567890123456789012"
const mchid33 = "123456789012345678901234567890123"

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"

/** What reached the HttpClient: one entry per request. */
const sent: Array<SentRequest> = []
const Client = recordingClient(sent)

const Live = MemberCard.layer.pipe(
  Layer.provideMerge(Client),
  Layer.provideMerge(Emulator.layer({ mchid: mchid32 })),
  Layer.provideMerge(RetryPolicy.layerDisabled)
)

type Services = MemberCard.Services | Emulator.Emulator

let codes = 0
/** A card of its own for each check (so writes never collide), with the given card_id / code. */
const card = (init: { readonly card_id?: string; readonly code?: string } = {}) =>
  Effect.map(Emulator.Emulator, (emulator) =>
    emulator.putCard({ card_id: init.card_id ?? card_id, code: init.code ?? `L${++codes}`, balance: 100, bonus_value: 50 }))

/** The call is validated, sent exactly `requests` times and answered with success. */
const accepted = <A, E>(call: Effect.Effect<A, E, Services>, requests = 1) =>
  Effect.gen(function*() {
    const before = sent.length
    const result = yield* Effect.result(call)
    expect(result._tag, JSON.stringify(result)).toBe("Success")
    expect(sent.length - before).toBe(requests)
    return sent.slice(before)
  })

/** The call fails with RequestValidationError naming `field`, and nothing is sent. */
const refused = <A, E>(call: Effect.Effect<A, E, Services>, field: string) =>
  Effect.gen(function*() {
    const before = sent.length
    const error = yield* Effect.flip(call)
    expect(error).toMatchObject({ _tag: "RequestValidationError" })
    expect((error as { readonly fields: ReadonlyArray<string> }).fields).toContain(field)
    expect(sent.length).toBe(before)
  })

/** A request with fields the static type may not allow yet (`undefined` for an optional field). */
const loose = <T>(value: Record<string, unknown>): T => value as T

layer(Live)("request limits, at the limit and one past it", (it) => {
  it.effect("the hand-written values have the lengths their names say (in characters)", () =>
    Effect.sync(() => {
      const count = (s: string) => [...s].length
      expect([s5, s6, s8, s9, s32, s33, s128, s129].map(count)).toEqual([5, 6, 8, 9, 32, 33, 128, 129])
      expect([diamonds5, diamonds6, gifts8, gifts9, receipts6, receipts7].map(count)).toEqual([5, 6, 8, 9, 6, 7])
      expect([mchid32, mchid33].map(count)).toEqual([32, 33])
    }))

  // -------------------------------------------------------------------------------------------------------------
  // card_id and code: every endpoint, 1–32 characters, never "." or ".."
  // -------------------------------------------------------------------------------------------------------------
  const order = (c: { readonly card_id: string; readonly code: string }, out_trade_no: string) => ({
    card_id: c.card_id,
    code: c.code,
    out_trade_no,
    mchid: mchid32,
    bonus_value: 10
  })
  let keys = 0
  const key = (prefix: string) => `${prefix}${++keys}`
  const calls: ReadonlyArray<readonly [string, (c: { readonly card_id: string; readonly code: string }) => Effect.Effect<unknown, unknown, Services>, number]> = [
    ["GetUserCard", (c) => MemberCard.getUserCard(c), 1],
    ["UpdateUserCard", (c) => MemberCard.updateUserCard({ ...c, out_request_no: key("upd") }), 1],
    ["SetUserCardRights", (c) => MemberCard.setUserCardRights({ ...c, out_request_no: key("pts"), add_bonus_value: 1 }), 1],
    ["PrepareBonus", (c) => MemberCard.prepareBonus(order(c, key("T"))), 1],
    [
      "CommitBonus",
      (c) =>
        Effect.suspend(() => {
          const o = order(c, key("T"))
          return Effect.andThen(MemberCard.prepareBonus(o), MemberCard.commitBonus(o))
        }),
      2
    ]
  ]
  for (const [name, call, requests] of calls) {
    describe(name, () => {
      it.effect("card_id of 32 characters is accepted", () =>
        Effect.flatMap(card({ card_id: s32 }), (c) => accepted(call(c), requests)))
      it.effect("card_id of 33 characters is refused, nothing sent", () =>
        Effect.flatMap(card(), (c) => refused(call({ ...c, card_id: s33 }), "card_id")))
      it.effect("card_id of 1 character is accepted", () =>
        Effect.flatMap(card({ card_id: "p" }), (c) => accepted(call(c), requests)))
      it.effect("an empty card_id is refused, nothing sent", () =>
        Effect.flatMap(card(), (c) => refused(call({ ...c, card_id: "" }), "card_id")))
      it.effect("code of 32 characters is accepted", () =>
        Effect.flatMap(card({ code: s32 }), (c) => accepted(call(c), requests)))
      it.effect("code of 33 characters is refused, nothing sent", () =>
        Effect.flatMap(card(), (c) => refused(call({ ...c, code: s33 }), "code")))
      it.effect("an empty code is refused, nothing sent", () =>
        Effect.flatMap(card(), (c) => refused(call({ ...c, code: "" }), "code")))
      it.effect("\".\" and \"..\" as card_id or code are refused, nothing sent", () =>
        Effect.gen(function*() {
          const c = yield* card()
          yield* refused(call({ ...c, card_id: "." }), "card_id")
          yield* refused(call({ ...c, card_id: ".." }), "card_id")
          yield* refused(call({ ...c, code: "." }), "code")
          yield* refused(call({ ...c, code: ".." }), "code")
        }))
      it.effect("\"...\" and \".a\" are ordinary values (accepted)", () =>
        Effect.gen(function*() {
          yield* Effect.flatMap(card({ code: "..." }), (c) => accepted(call(c), requests))
          yield* Effect.flatMap(card({ card_id: ".a" }), (c) => accepted(call(c), requests))
        }))
    })
  }

  // -------------------------------------------------------------------------------------------------------------
  // UpdateUserCard
  // -------------------------------------------------------------------------------------------------------------
  describe("UpdateUserCard", () => {
    const update = (fields: Record<string, unknown>) =>
      Effect.flatMap(card(), (c) =>
        MemberCard.updateUserCard(loose<MemberCard.UpdateUserCardRequest>({ card_id: c.card_id, code: c.code, ...fields })))

    it.effect("out_request_no of 32 characters (letters, digits, | _ * -) is accepted", () =>
      accepted(update({ out_request_no: "AZaz09|_*-0123456789abcdefghijkl" })))
    it.effect("out_request_no of 33 characters is refused, nothing sent", () =>
      refused(update({ out_request_no: "AZaz09|_*-0123456789abcdefghijklm" }), "out_request_no"))
    it.effect("out_request_no of 1 character is accepted; empty or missing is refused", () =>
      Effect.gen(function*() {
        yield* accepted(update({ out_request_no: "u" }))
        yield* refused(update({ out_request_no: "" }), "out_request_no")
        yield* refused(update({}), "out_request_no")
      }))
    it.effect("out_request_no with any other character (space, dot, #, CJK) is refused, nothing sent", () =>
      Effect.gen(function*() {
        for (const bad of ["upd 1", "upd.1", "upd#1", "upd金"]) yield* refused(update({ out_request_no: bad }), "out_request_no")
      }))

    it.effect("membership_number of 32 characters of half-width punctuation, letters and digits is accepted", () =>
      accepted(update({ out_request_no: "mn-32", membership_number: "!~0123456789ABCDEFabcdef{}[]()<>" })))
    it.effect("membership_number of 33 characters is refused, nothing sent", () =>
      refused(update({ out_request_no: "mn-33", membership_number: s33 }), "membership_number"))
    it.effect("membership_number with a space or a full-width character is refused, nothing sent; \"\" (optional) is sent", () =>
      Effect.gen(function*() {
        for (const bad of ["123 456", "１２３", "会员"]) {
          yield* refused(update({ out_request_no: "mn-bad", membership_number: bad }), "membership_number")
        }
        yield* accepted(update({ out_request_no: "mn-empty", membership_number: "" }))
      }))

    it.effect("background_picture_url of 128 characters is accepted", () =>
      accepted(update({ out_request_no: "bg-128", background_picture_url: s128 })))
    it.effect("background_picture_url of 129 characters is refused, nothing sent", () =>
      refused(update({ out_request_no: "bg-129", background_picture_url: s129 }), "background_picture_url"))

    it.effect("level of 5 characters is accepted (ASCII, CJK)", () =>
      Effect.gen(function*() {
        yield* accepted(update({ out_request_no: "lv-5", level: s5 }))
        yield* accepted(update({ out_request_no: "lv-5cjk", level: "钻石会员卡" }))
      }))
    it.effect("level of 6 characters is refused, nothing sent (ASCII, CJK)", () =>
      Effect.gen(function*() {
        yield* refused(update({ out_request_no: "lv-6", level: s6 }), "level")
        yield* refused(update({ out_request_no: "lv-6cjk", level: "钻石会员卡片" }), "level")
      }))
    it.effect("level of 5 emoji (10 UTF-16 units) is accepted: lengths count characters", () =>
      accepted(update({ out_request_no: "lv-5emoji", level: diamonds5 })))
    it.effect("level of 6 emoji is refused, nothing sent", () =>
      refused(update({ out_request_no: "lv-6emoji", level: diamonds6 }), "level"))

    it.effect("balance_information: the three amounts are required integers (balances 0–2^53−1, the change ±(2^53−1); 2^53 refused)", () =>
      Effect.gen(function*() {
        yield* accepted(update({
          out_request_no: "bal-ok",
          balance_information: { before_balance: 9007199254740991, balance: 0, add_balance: -9007199254740991 }
        }))
        yield* accepted(update({
          out_request_no: "bal-ok2",
          balance_information: { before_balance: 0, balance: 9007199254740991, add_balance: 9007199254740991 }
        }))
        for (const field of ["before_balance", "balance"] as const) {
          yield* refused(
            update({ out_request_no: "bal-x", balance_information: { before_balance: 1, balance: 1, add_balance: 0, [field]: -1 } }),
            `balance_information.${field}`
          )
        }
        const ok = { before_balance: 100, balance: 112, add_balance: 12 }
        for (const field of ["before_balance", "balance", "add_balance"] as const) {
          const { [field]: _, ...missing } = ok
          yield* refused(update({ out_request_no: "bal-x", balance_information: missing }), `balance_information.${field}`)
          for (const bad of [1.5, 9007199254740992, "12"]) {
            yield* refused(update({ out_request_no: "bal-x", balance_information: { ...ok, [field]: bad } }), `balance_information.${field}`)
          }
        }
      }))

    it.effect("optional fields given as undefined are accepted as absent (and not sent)", () =>
      Effect.gen(function*() {
        const [request] = yield* accepted(update({
          out_request_no: "undef-upd",
          membership_number: undefined,
          background_picture_url: undefined,
          level: undefined,
          balance_information: undefined,
          need_inform_balance: undefined,
          need_inform_level: undefined
        }))
        expect(JSON.parse(request!.body)).toEqual({ out_request_no: "undef-upd" })
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // SetUserCardRights
  // -------------------------------------------------------------------------------------------------------------
  describe("SetUserCardRights", () => {
    const rights = (fields: Record<string, unknown>) =>
      Effect.flatMap(card(), (c) =>
        MemberCard.setUserCardRights(loose<MemberCard.SetUserCardRightsRequest>({ card_id: c.card_id, code: c.code, ...fields })))

    it.effect("out_request_no of 128 characters (any characters) is accepted", () =>
      accepted(rights({ out_request_no: s128 })))
    it.effect("out_request_no of 129 characters is refused, nothing sent", () =>
      refused(rights({ out_request_no: s129 }), "out_request_no"))
    it.effect("out_request_no of 1 character is accepted; empty or missing is refused", () =>
      Effect.gen(function*() {
        yield* accepted(rights({ out_request_no: "p" }))
        yield* refused(rights({ out_request_no: "" }), "out_request_no")
        yield* refused(rights({}), "out_request_no")
      }))
    it.effect("out_request_no with characters UpdateUserCard refuses (space, CJK) is accepted here", () =>
      accepted(rights({ out_request_no: "权益 2026-11-25 #1" })))

    it.effect("member_price_word of 8 characters is accepted (ASCII, emoji)", () =>
      Effect.gen(function*() {
        yield* accepted(rights({ out_request_no: "mpw-8", member_price_word: s8 }))
        yield* accepted(rights({ out_request_no: "mpw-8cjk", member_price_word: "会员专享价格优惠" }))
        yield* accepted(rights({ out_request_no: "mpw-8emoji", member_price_word: gifts8 }))
      }))
    it.effect("member_price_word of 9 characters is refused, nothing sent", () =>
      Effect.gen(function*() {
        yield* refused(rights({ out_request_no: "mpw-9", member_price_word: s9 }), "member_price_word")
        yield* refused(rights({ out_request_no: "mpw-9emoji", member_price_word: gifts9 }), "member_price_word")
      }))

    it.effect("fapiao_jump_word of 6 characters is accepted (ASCII, CJK, emoji)", () =>
      Effect.gen(function*() {
        yield* accepted(rights({ out_request_no: "fjw-6", fapiao_jump_word: s6 }))
        yield* accepted(rights({ out_request_no: "fjw-6cjk", fapiao_jump_word: "开具电子发票" }))
        yield* accepted(rights({ out_request_no: "fjw-6emoji", fapiao_jump_word: receipts6 }))
      }))
    it.effect("fapiao_jump_word of 7 characters is refused, nothing sent", () =>
      Effect.gen(function*() {
        yield* refused(rights({ out_request_no: "fjw-7", fapiao_jump_word: "abcdefg" }), "fapiao_jump_word")
        yield* refused(rights({ out_request_no: "fjw-7emoji", fapiao_jump_word: receipts7 }), "fapiao_jump_word")
      }))

    it.effect("before_bonus_value, bonus_value: 0–2^53−1; add_bonus_value ±(2^53−1); 0.5, 2^53, \"1\" refused", () =>
      Effect.gen(function*() {
        yield* accepted(rights({ out_request_no: "int-ok", before_bonus_value: 0, bonus_value: 9007199254740991, add_bonus_value: 9007199254740991 }))
        yield* accepted(rights({ out_request_no: "int-ok2", before_bonus_value: 9007199254740991, bonus_value: 0, add_bonus_value: -9007199254740991 }))
        for (const field of ["before_bonus_value", "bonus_value"]) yield* refused(rights({ out_request_no: "int-x", [field]: -1 }), field)
        for (const field of ["before_bonus_value", "bonus_value", "add_bonus_value"]) {
          for (const bad of [0.5, 9007199254740992, "1"]) yield* refused(rights({ out_request_no: "int-x", [field]: bad }), field)
        }
      }))

    it.effect("optional fields given as undefined are accepted as absent (and not sent)", () =>
      Effect.gen(function*() {
        const [request] = yield* accepted(rights({
          out_request_no: "undef-pts",
          before_bonus_value: undefined,
          bonus_value: undefined,
          add_bonus_value: undefined,
          need_inform_bonus: undefined,
          member_price_word: undefined,
          fapiao_jump_word: undefined,
          guide: undefined
        }))
        expect(JSON.parse(request!.body)).toEqual({ out_request_no: "undef-pts" })
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // PrepareBonus / CommitBonus (one schema, both endpoints)
  // -------------------------------------------------------------------------------------------------------------
  for (const [name, bonusCall] of [
    ["PrepareBonus", MemberCard.prepareBonus],
    ["CommitBonus", MemberCard.commitBonus]
  ] as const) {
    describe(name, () => {
      /** PrepareBonus alone, or CommitBonus after a PrepareBonus of the same order (2 requests). */
      const bonus = (fields: Record<string, unknown>) =>
        Effect.flatMap(card(), (c) => {
          const request = loose<MemberCard.BonusRequest>({ card_id: c.card_id, code: c.code, bonus_value: 10, ...fields })
          return name === "PrepareBonus"
            ? bonusCall(request)
            : Effect.andThen(MemberCard.prepareBonus(request), bonusCall(request))
        })
      const requests = name === "PrepareBonus" ? 1 : 2
      const unique = (s: string) => (name === "PrepareBonus" ? "P" : "C") + s.slice(1)

      it.effect("out_trade_no of 32 characters is accepted", () =>
        accepted(bonus({ out_trade_no: unique(s32), mchid: mchid32 }), requests))
      it.effect("out_trade_no of 33 characters is refused, nothing sent", () =>
        refused(bonus({ out_trade_no: unique(s33), mchid: mchid32 }), "out_trade_no"))
      it.effect("out_trade_no of 1 character is accepted; empty or missing is refused, nothing sent", () =>
        Effect.gen(function*() {
          yield* accepted(bonus({ out_trade_no: unique("x"), mchid: mchid32 }), requests)
          yield* refused(bonus({ out_trade_no: "", mchid: mchid32 }), "out_trade_no")
          yield* refused(bonus({ mchid: mchid32 }), "out_trade_no")
        }))

      it.effect("mchid of 32 characters is accepted (the emulator's own 32-digit mchid)", () =>
        accepted(bonus({ out_trade_no: unique("Tm32"), mchid: mchid32 }), requests))
      it.effect("mchid of 33 characters is refused, nothing sent", () =>
        refused(bonus({ out_trade_no: unique("Tm33"), mchid: mchid33 }), "mchid"))
      it.effect("an empty mchid is refused, nothing sent", () =>
        refused(bonus({ out_trade_no: unique("Tm0"), mchid: "" }), "mchid"))
      it.effect("sub_mchid of 32 characters is accepted (without mchid)", () =>
        accepted(bonus({ out_trade_no: unique("Ts32"), sub_mchid: s32 }), requests))
      it.effect("sub_mchid of 33 characters is refused, nothing sent", () =>
        refused(bonus({ out_trade_no: unique("Ts33"), sub_mchid: s33 }), "sub_mchid"))
      it.effect("an empty sub_mchid is refused, nothing sent", () =>
        refused(bonus({ out_trade_no: unique("Ts0"), sub_mchid: "" }), "sub_mchid"))

      it.effect("bonus_value 1 and 2^53−1 are accepted", () =>
        Effect.gen(function*() {
          yield* accepted(bonus({ out_trade_no: unique("Tb1"), mchid: mchid32, bonus_value: 1 }), requests)
          yield* accepted(bonus({ out_trade_no: unique("Tbmax"), mchid: mchid32, bonus_value: 9007199254740991 }), requests)
        }))
      it.effect("bonus_value 0, -1, 1.5, 2^53, \"10\" or missing is refused, nothing sent", () =>
        Effect.gen(function*() {
          for (const bad of [0, -1, 1.5, 9007199254740992, "10"]) {
            yield* refused(bonus({ out_trade_no: unique("Tbad"), mchid: mchid32, bonus_value: bad }), "bonus_value")
          }
          yield* refused(
            Effect.flatMap(card(), (c) =>
              bonusCall(loose<MemberCard.BonusRequest>({ card_id: c.card_id, code: c.code, out_trade_no: "Tnone", mchid: mchid32 }))),
            "bonus_value"
          )
        }))

      it.effect("mchid or sub_mchid given as undefined is accepted as absent (and not sent)", () =>
        Effect.gen(function*() {
          const requestsSent = yield* accepted(bonus({ out_trade_no: unique("Tundef"), mchid: mchid32, sub_mchid: undefined }), requests)
          expect(JSON.parse(requestsSent.at(-1)!.body)).toEqual({ out_trade_no: unique("Tundef"), mchid: mchid32, bonus_value: 10 })
          const more = yield* accepted(bonus({ out_trade_no: unique("Tundef2"), mchid: undefined, sub_mchid: s32 }), requests)
          expect(JSON.parse(more.at(-1)!.body)).toEqual({ out_trade_no: unique("Tundef2"), sub_mchid: s32, bonus_value: 10 })
        }))
    })
  }
})
