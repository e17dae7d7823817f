/**
 * 用户会员卡 (a member's card): read it, update it, set its rights, the two bonus calls of a payment
 * (#21, #22, #24, #25, #26), and a provider's 确认用户入会 (partner page 4024293896). Cards live in the shared store (`store.cards`); bonus orders in `store.bonusOrders`.
 *
 * @internal
 */
import { CommitBonus, PrepareBonus } from "../../../membercard/Bonus.js"
import { ConfirmMembership } from "../../../membercard/ConfirmMembership.js"
import { GetUserCard } from "../../../membercard/GetUserCard.js"
import { SetUserCardRights } from "../../../membercard/SetUserCardRights.js"
import { UpdateUserCard } from "../../../membercard/UpdateUserCard.js"
import type { CardState } from "../model.js"
import { type Call, type Context, type Decision, handle, type Handled, type Outcome, reply } from "../route.js"
import { cardKey } from "../store.js"
import { ApiFailure } from "../wechatSide.js"
import { cardOf, validCardOf } from "./common.js"

/**
 * A write to one card, idempotent on `key`: the same key with the same card and body repeats the first answer
 * (applying nothing); with a different request it is refused. Balance and points move on commit, with the change.
 */
const cardWrite = (
  call: Call<{ readonly card_id: string; readonly code: string }>,
  ctx: Context,
  key: string,
  decide: (card: CardState) => (Decision & { readonly balanceDelta?: number; readonly pointsDelta?: number }) | ApiFailure
): Outcome | ApiFailure => {
  const { card_id, code } = call.request
  const card = validCardOf(ctx, card_id, code)
  if (card instanceof ApiFailure) return card
  return ctx.apply({
    key,
    fingerprint: `${cardKey(card_id, code)}\n${call.raw}`,
    decide: () => {
      const decided = decide(card)
      if (decided instanceof ApiFailure) return decided
      const balanceDelta = decided.balanceDelta ?? 0
      const pointsDelta = decided.pointsDelta ?? 0
      return {
        change: () => {
          decided.change?.()
          card.balance += balanceDelta
          card.bonus_value += pointsDelta
        },
        entry: { card_id, code, balanceDelta, pointsDelta }
      }
    }
  })
}

/**
 * The bonus calls name the merchant in the body: a direct merchant its `mchid` (直连模式必填); a service provider its
 * sub-merchant as `sub_mchid`, optional on its page.
 */
const bonusMerchant = (body: Readonly<Record<string, unknown>>, ctx: Context): ApiFailure | undefined => {
  const mchid = ctx.mchid
  if (body.sub_mchid === undefined && body.mchid === undefined && !ctx.serviceProvider) {
    return new ApiFailure(400, "INVALID_REQUEST", "直连商户须传入mchid")
  }
  if (body.mchid !== undefined && body.mchid !== mchid) return new ApiFailure(400, "INVALID_REQUEST", "mchid无效")
  return undefined
}

/**
 * A bonus call (支付后展示积分 and its commit): the card must be valid and the body name the caller, then a card write
 * keyed by `out_trade_no`; `decide` gets the key and the card's store key.
 */
const bonusWrite = (
  call: Call<{ readonly card_id: string; readonly code: string }>,
  ctx: Context,
  decide: (key: string, cardAt: string) => Decision | ApiFailure
): Outcome | ApiFailure => {
  const card = validCardOf(ctx, call.request.card_id, call.request.code)
  if (card instanceof ApiFailure) return card
  const merchant = bonusMerchant(call.body, ctx)
  if (merchant !== undefined) return merchant
  const key = String(call.body.out_trade_no)
  const cardAt = cardKey(call.request.card_id, call.request.code)
  return cardWrite(call, ctx, key, () => decide(key, cardAt))
}

/** The user-card endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(GetUserCard, (call, ctx) => {
    const card = cardOf(ctx, call.request.card_id, call.request.code)
    if (card instanceof ApiFailure) return card
    return reply(200, { ...card, user_information: { common_field_list: [] } })
  }),

  handle(UpdateUserCard, (call, ctx) =>
    cardWrite(call, ctx, String(call.body.out_request_no), (card) => {
      const body = call.body
      const info = body.balance_information as { add_balance: number } | undefined
      return {
        change: () => {
          if (typeof body.membership_number === "string") card.membership_number = body.membership_number
          if (typeof body.level === "string") card.level = body.level
          if (typeof body.background_picture_url === "string") card.background_picture_url = body.background_picture_url
        },
        balanceDelta: info !== undefined ? info.add_balance : 0
      }
    })),

  handle(SetUserCardRights, (call, ctx) =>
    cardWrite(call, ctx, String(call.body.out_request_no), (card) => {
      const body = call.body
      return {
        pointsDelta: typeof body.add_bonus_value === "number"
          ? body.add_bonus_value
          : typeof body.bonus_value === "number"
          ? body.bonus_value - card.bonus_value
          : 0
      }
    })),

  // 确认用户入会: the page's answer is not visible; the emulator's choice is WeChat's usual for such a write, 204, with
  // the outcome kept on the card (`membership_confirm_state`). A card that is gone (invalidated, deleted) is refused
  // as every user-card write refuses it. Each call applies (a set: no idempotency key).
  handle(ConfirmMembership, (call, ctx) => {
    const { card_id, code, user_card_confirm_state } = call.request
    const card = validCardOf(ctx, card_id, code)
    if (card instanceof ApiFailure) return card
    return ctx.apply({
      decide: () => ({
        change: () => {
          card.membership_confirm_state = user_card_confirm_state
        },
        entry: { card_id, code, user_card_confirm_state }
      })
    })
  }),

  handle(PrepareBonus, (call, ctx) =>
    bonusWrite(call, ctx, (key, cardAt) => ({
      change: () => ctx.store.bonusOrders.set(key, { card: cardAt, bonus_value: call.body.bonus_value as number, committed: false })
    })), { ownMchid: true }),

  handle(CommitBonus, (call, ctx) =>
    bonusWrite(call, ctx, (key, cardAt) => {
      const order = ctx.store.bonusOrders.get(key)
      if (order === undefined || order.card !== cardAt) {
        return new ApiFailure(400, "INVALID_REQUEST", "该订单未设置支付后展示积分")
      }
      if (order.bonus_value !== call.body.bonus_value) return new ApiFailure(400, "INVALID_REQUEST", "积分值与展示时不一致")
      return {
        change: () => {
          order.committed = true
        }
      }
    }), { ownMchid: true })
]
