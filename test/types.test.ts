/**
 * Type-level specifications, checked by `tsc` (npm test runs the typecheck first) and by vitest's expectTypeOf.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Encryptor, Endpoint, WechatPayClient } from "../src/index.js"
import {
  FrequencyLimited,
  InvalidRequest,
  MemberCard,
  NoAuth,
  NotFound,
  ParamError,
  RequestValidationError,
  ResponseDecodeError,
  ResponseVerificationError,
  ServiceUnavailable,
  SignError,
  SigningError,
  SystemError,
  TransportError,
  UnknownApiError
} from "../src/index.js"
import { AlreadyExists } from "../src/WechatPayError.js"
import { Emulator } from "../src/testing/index.js"

type ApiOrTransport =
  | ParamError
  | InvalidRequest
  | SignError
  | NoAuth
  | NotFound
  | AlreadyExists
  | FrequencyLimited
  | ServiceUnavailable
  | SystemError
  | UnknownApiError
  | TransportError
  | ResponseVerificationError
  | SigningError
  | RequestValidationError

const card_id = "c"
const code = "1"

describe("accessor types", () => {
  it("getUserCard: UserCard, its closed error union, and only its own Tag", () => {
    const call = MemberCard.getUserCard({ card_id, code })
    expectTypeOf(call).toEqualTypeOf<
      Effect.Effect<MemberCard.UserCard, MemberCard.GetUserCardError, MemberCard.GetUserCard>
    >()
    expectTypeOf<MemberCard.GetUserCardError>().toEqualTypeOf<ApiOrTransport | ResponseDecodeError>()
    expectTypeOf<Effect.Success<typeof call>["bonus_value"]>().toEqualTypeOf<number | undefined>()
    // Open enum (finding 3 of the 0.2.0 review): the documented literals for autocomplete, any other string kept.
    expectTypeOf<Effect.Success<typeof call>["user_card_status"]>().toEqualTypeOf<
      "NOT_ACTIVATE" | "EFFECTIVE" | "EXPIRE" | "UNAVAILABLE" | "DELETE" | (string & {}) | undefined
    >()
  })

  it("the 204 endpoints succeed with void and cannot fail with ResponseDecodeError", () => {
    const update = MemberCard.updateUserCard({ card_id, code, out_request_no: "r" })
    const rights = MemberCard.setUserCardRights({ card_id, code, out_request_no: "r" })
    const prepare = MemberCard.prepareBonus({ card_id, code, out_trade_no: "t", mchid: "1", bonus_value: 1 })
    const commit = MemberCard.commitBonus({ card_id, code, out_trade_no: "t", sub_mchid: "2", bonus_value: 1 })
    expectTypeOf(update).toEqualTypeOf<Effect.Effect<void, MemberCard.UpdateUserCardError, MemberCard.UpdateUserCard>>()
    expectTypeOf(rights).toEqualTypeOf<
      Effect.Effect<void, MemberCard.SetUserCardRightsError, MemberCard.SetUserCardRights>
    >()
    expectTypeOf(prepare).toEqualTypeOf<Effect.Effect<void, MemberCard.PrepareBonusError, MemberCard.PrepareBonus>>()
    expectTypeOf(commit).toEqualTypeOf<Effect.Effect<void, MemberCard.CommitBonusError, MemberCard.CommitBonus>>()
    for (
      const E of [
        {} as MemberCard.UpdateUserCardError,
        {} as MemberCard.SetUserCardRightsError,
        {} as MemberCard.PrepareBonusError,
        {} as MemberCard.CommitBonusError
      ]
    ) expectTypeOf(E).toEqualTypeOf<ApiOrTransport>()
  })

  it("a program's requirements list exactly the endpoints it uses", () => {
    const program = Effect.zip(
      MemberCard.getUserCard({ card_id, code }),
      MemberCard.prepareBonus({ card_id, code, out_trade_no: "t", mchid: "1", bonus_value: 1 })
    )
    expectTypeOf<Effect.Services<typeof program>>().toEqualTypeOf<MemberCard.GetUserCard | MemberCard.PrepareBonus>()
  })

  it("catchTags over every member of an endpoint's error union leaves never", () => {
    const handled = MemberCard.getUserCard({ card_id, code }).pipe(
      Effect.catchTags({
        ParamError: () => Effect.succeed(null),
        InvalidRequest: () => Effect.succeed(null),
        SignError: () => Effect.succeed(null),
        NoAuth: () => Effect.succeed(null),
        NotFound: () => Effect.succeed(null),
        AlreadyExists: () => Effect.succeed(null),
        FrequencyLimited: () => Effect.succeed(null),
        ServiceUnavailable: () => Effect.succeed(null),
        SystemError: () => Effect.succeed(null),
        UnknownApiError: () => Effect.succeed(null),
        TransportError: () => Effect.succeed(null),
        ResponseVerificationError: () => Effect.succeed(null),
        ResponseDecodeError: () => Effect.succeed(null),
        RequestValidationError: () => Effect.succeed(null),
        SigningError: () => Effect.succeed(null)
      })
    )
    expectTypeOf<Effect.Error<typeof handled>>().toEqualTypeOf<never>()
    const handledWrite = MemberCard.commitBonus({ card_id, code, out_trade_no: "t", bonus_value: 1 }).pipe(
      Effect.catchTags({
        ParamError: () => Effect.void,
        InvalidRequest: () => Effect.void,
        SignError: () => Effect.void,
        NoAuth: () => Effect.void,
        NotFound: () => Effect.void,
        AlreadyExists: () => Effect.void,
        FrequencyLimited: () => Effect.void,
        ServiceUnavailable: () => Effect.void,
        SystemError: () => Effect.void,
        UnknownApiError: () => Effect.void,
        TransportError: () => Effect.void,
        ResponseVerificationError: () => Effect.void,
        RequestValidationError: () => Effect.void,
        SigningError: () => Effect.void
      })
    )
    expectTypeOf<Effect.Error<typeof handledWrite>>().toEqualTypeOf<never>()
  })

  it("object literals with path and body fields side by side typecheck; wrong ones do not", () => {
    MemberCard.updateUserCard({
      card_id,
      code,
      out_request_no: "r",
      level: "金卡",
      balance_information: { before_balance: 1, balance: 2, add_balance: 1 }
    })
    // @ts-expect-error out_request_no is required on the write
    MemberCard.updateUserCard({ card_id, code })
    // @ts-expect-error bonus_value is a number
    MemberCard.prepareBonus({ card_id, code, out_trade_no: "t", bonus_value: "1" })
    // @ts-expect-error under exactOptionalPropertyTypes, optional fields are exact (at run time, for callers compiled
    // without it, `undefined` is treated as absent: finding 9 of the 0.2.0 review)
    MemberCard.setUserCardRights({ card_id, code, out_request_no: "r", bonus_value: undefined })
    // @ts-expect-error required fields stay required, undefined or not
    MemberCard.setUserCardRights({ card_id, code, out_request_no: undefined })
  })

  it("MemberCard.layer provides every endpoint Tag and needs only the client (and the Encryptor)", () => {
    type Provided = Layer.Success<typeof MemberCard.layer>
    expectTypeOf<
      MemberCard.GetUserCard | MemberCard.UpdateUserCard | MemberCard.SetUserCardRights | MemberCard.PrepareBonus |
        MemberCard.CommitBonus
    >().toMatchTypeOf<Provided>()
    expectTypeOf<Layer.Error<typeof MemberCard.layer>>().toEqualTypeOf<never>()
    expectTypeOf<Layer.Services<typeof MemberCard.layer>>().toMatchTypeOf<
      WechatPayClient.WechatPayClient | Encryptor.Encryptor
    >()
  })

  it("an endpoint service is a plain function, so a stub is a lambda", () => {
    expectTypeOf<MemberCard.GetUserCard["Service"]>().toEqualTypeOf<
      Endpoint.Endpoint<MemberCard.GetUserCardRequest, MemberCard.UserCard, MemberCard.GetUserCardError>
    >()
  })
})

describe("stubbing one endpoint", () => {
  it.effect("a user program stubs GetUserCard and keeps the other four real", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id, code, bonus_value: 0 })
      // The user's program: read the points, then grant 10 more and show them for the order.
      const reward = Effect.gen(function*() {
        const card = yield* MemberCard.getUserCard({ card_id, code })
        const before = card.bonus_value ?? 0
        yield* MemberCard.setUserCardRights({
          card_id,
          code,
          out_request_no: "stub-1",
          before_bonus_value: before,
          bonus_value: before + 10,
          add_bonus_value: 10
        })
        yield* MemberCard.prepareBonus({ card_id, code, out_trade_no: "T-stub", mchid: emulator.mchid, bonus_value: 10 })
        return before
      })
      const before = yield* reward
      expect(before).toBe(42) // from the stub, not from the emulator (which says 0)
      expect(emulator.requests("GetUserCard")).toBe(0)
      expect(emulator.requests("SetUserCardRights")).toBe(1)
      expect(emulator.card(card_id, code)!.bonus_value).toBe(10)
      expect(emulator.order("T-stub")).toEqual({ bonus_value: 10, committed: false })
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          Layer.succeed(MemberCard.GetUserCard, () => Effect.succeed({ card_id, code, bonus_value: 42 })),
          MemberCard.UpdateUserCard.layer,
          MemberCard.SetUserCardRights.layer,
          MemberCard.PrepareBonus.layer,
          MemberCard.CommitBonus.layer
        ).pipe(Layer.provideMerge(Emulator.layerInProcess()))
      )
    ))
})
