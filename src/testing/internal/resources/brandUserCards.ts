/**
 * 商家名片会员卡 members' cards, both surfaces: list, get, update, invalidate, import (by openid; by phone, provider
 * only), confirm an opening, the components' tokens, feeds, points and points-for-coupon exchanges (A6–A17 / B6–B15).
 * A card is the brand's: a provider and the brand see the same ones. Rules and messages from the official partner
 * pages' error tables (MM, brand-research.md §2) unless marked the emulator's.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Redacted from "effect/Redacted"
import * as BrandCardMember from "../../../BrandCardMember.js"
import * as PartnerCardMember from "../../../PartnerCardMember.js"
import type { TemplateRecord, UserCardRecord, UserInformation } from "../brand.js"
import { type Handled, reply } from "../route.js"
import { ApiFailure } from "../wechatSide.js"
import {
  type BrandCall,
  cardsOf,
  digits,
  effectiveTemplateOf,
  memberSettings,
  newToken,
  openUserInformation,
  page,
  sameValidityType,
  serve,
  namedCard,
  templateOf,
  time,
  userCardOf,
  userCardView,
  validDateProblem
} from "./brandCards.js"

const invalidRequest = (message: string) => new ApiFailure(400, "INVALID_REQUEST", message)

/** A member's card as answered to this caller (sensitive values encrypted for it). */
const answer = (call: BrandCall<unknown>, template: TemplateRecord, card: UserCardRecord) =>
  userCardView(call.brand.brand_id, template, card, call.ctx.encryptForCaller)

/** What a request sets on a member's card besides its ids: settings, the phone in plain, the form decrypted. */
const changesOf = (
  call: BrandCall<unknown>,
  template: TemplateRecord,
  request: Record<string, unknown>
):
  | { readonly settings: Record<string, unknown>; readonly phone?: string; readonly information?: UserInformation }
  | ApiFailure =>
{
  const validity = request.valid_date_information as Record<string, unknown> | undefined
  const problem = validDateProblem(validity) ?? sameValidityType(template, validity)
  if (problem !== undefined) return problem
  const information = openUserInformation(call.ctx, request.user_information as UserInformation | undefined)
  if (information instanceof ApiFailure) return information
  const phone = request.phone_number as Redacted.Redacted<string> | undefined
  return {
    settings: memberSettings(request),
    ...(phone !== undefined ? { phone: Redacted.value(phone) } : {}),
    ...(information !== undefined ? { information } : {})
  }
}

/** Apply `changes` to `card` (at commit). */
const update = (card: UserCardRecord, changes: Exclude<ReturnType<typeof changesOf>, ApiFailure>, at: string) => {
  Object.assign(card.settings, changes.settings)
  if (changes.phone !== undefined) card.phone_number = changes.phone
  if (changes.information !== undefined) card.user_information = changes.information
  card.modify_time = at
}

/** A copy with the changes, for the answer decided before the commit. */
const updated = (card: UserCardRecord, changes: Exclude<ReturnType<typeof changesOf>, ApiFailure>, at: string) => {
  const copy: UserCardRecord = { ...card, settings: { ...card.settings } }
  update(copy, changes, at)
  return copy
}

/** An openid WeChat would know a phone number's user by (emulator's choice: stable per brand and number). */
const openidOfPhone = (brand_id: string, phone: string): string =>
  `o${crypto.createHash("sha256").update(`${brand_id}\n${phone}`).digest("base64url").slice(0, 27)}`

/**
 * 根据OPENID / 手机号导入用户会员卡: the card is in effect at once (MM A10 4015336981; no confirmation, not pushed to
 * the user's wallet). Refusals, in the order the emulator checks them, from MM A10's table.
 */
const importCard = (
  call: BrandCall<unknown>,
  request: Record<string, unknown> & { readonly card_id: string; readonly user_card_code: string },
  openid: string
) => {
  const { state } = call
  const template = effectiveTemplateOf(state, request.card_id)
  if (template instanceof ApiFailure) return template
  const cards = cardsOf(state, request.card_id)
  if (cards.some((card) => card.user_card_code === request.user_card_code)) return invalidRequest("该用户卡 code 已存在")
  const own = cards.filter((card) => card.openid === openid)
  if (own.some((card) => card.user_card_state === "EFFECTIVE")) return invalidRequest("用户已有已生效的会员卡")
  if (own.some((card) => card.user_card_state === "UNACTIVATED")) return invalidRequest("用户已有待激活的会员卡")
  if (own.some((card) => card.deleted === true)) return invalidRequest("用户主动删除了该会员卡，无法重新导入")
  const changes = changesOf(call, template, request)
  if (changes instanceof ApiFailure) return changes
  return call.apply({
    decide: () => {
      const at = time(call.now)
      const card: UserCardRecord = {
        id: state.next,
        card_id: request.card_id,
        openid,
        user_card_code: request.user_card_code,
        user_card_state: "EFFECTIVE",
        settings: {},
        pickup_time: typeof request.pickup_time === "string" ? request.pickup_time : at,
        create_time: at,
        modify_time: at
      }
      update(card, changes, at)
      return {
        change: () => {
          state.next++
          state.userCards.set(card.id, card)
        },
        entry: { card_id: card.card_id, user_card_code: card.user_card_code, openid },
        status: 200,
        json: answer(call, template, card)
      }
    }
  })
}

/** A token of a component: the template must be in effect (MM A13: 会员卡模板无效). */
const token = (call: BrandCall<unknown>, kind: "pre-auth" | "pay-view", card_id: string, openid: string) => {
  const template = effectiveTemplateOf(call.state, card_id)
  if (template instanceof ApiFailure) return template
  if (
    kind === "pre-auth" &&
    cardsOf(call.state, card_id).some((card) => card.openid === openid && card.user_card_state === "EFFECTIVE")
  ) {
    // MM A13: a user joins a template once.
    return invalidRequest("用户在一个卡模板下只能有一张有效的会员卡")
  }
  return call.apply({
    decide: () => {
      // 入会组件: valid 1 hour (ON-P 4015336986); 付款码组件: 10 minutes, once (ON-P 4016834476).
      const expire_time = time(call.now + (kind === "pre-auth" ? 3600 : 600))
      const record = { kind, token: newToken(), card_id, openid, expire_time }
      return {
        change: () => void call.state.tokens.push(record),
        entry: { card_id, openid },
        status: 200,
        json: { token: record.token, expire_time }
      }
    }
  })
}

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  ...serve<BrandCardMember.ListUserCardsRequest>(
    "ListUserCards",
    { partner: PartnerCardMember.ListUserCards, brand: BrandCardMember.ListUserCards },
    (call) => {
      const { request, state } = call
      const cards = [...state.userCards.values()].filter((card) =>
        card.openid === request.openid &&
        (request.user_card_state === undefined || card.user_card_state === request.user_card_state)
      )
      return reply(
        200,
        page(cards.map((card) => answer(call, state.templates.get(card.card_id)!, card)), request.offset, request.limit)
      )
    }
  ),

  ...serve<BrandCardMember.GetUserCardRequest>(
    "GetUserCard",
    { partner: PartnerCardMember.GetUserCard, brand: BrandCardMember.GetUserCard },
    (call) => {
      const { request, state } = call
      const named = namedCard(state, request)
      return named instanceof ApiFailure ? named : reply(200, answer(call, named.template, named.card))
    }
  ),

  ...serve<BrandCardMember.UpdateUserCardRequest>(
    "UpdateUserCard",
    { partner: PartnerCardMember.UpdateUserCard, brand: BrandCardMember.UpdateUserCard },
    (call) => {
      const { request, state } = call
      const named = namedCard(state, request)
      if (named instanceof ApiFailure) return named
      const { card, template } = named
      // MM A8 4015336985.
      if (card.user_card_state !== "EFFECTIVE") return invalidRequest("用户卡状态不正确，只能操作已激活的会员卡")
      const changes = changesOf(call, template, request as unknown as Record<string, unknown>)
      if (changes instanceof ApiFailure) return changes
      return call.apply({
        decide: () => {
          const at = time(call.now)
          return {
            change: () => update(card, changes, at),
            entry: { card_id: card.card_id, user_card_code: card.user_card_code, openid: card.openid },
            status: 200,
            json: answer(call, template, updated(card, changes, at))
          }
        }
      })
    }
  ),

  ...serve<BrandCardMember.InvalidateUserCardRequest>(
    "InvalidateUserCard",
    { partner: PartnerCardMember.InvalidateUserCard, brand: BrandCardMember.InvalidateUserCard },
    (call) => {
      const { request, state } = call
      const named = namedCard(state, request)
      if (named instanceof ApiFailure) return named
      const { card, template } = named
      // MM A9 4015336983: irreversible, and only a card waiting for activation or in effect.
      if (card.user_card_state !== "UNACTIVATED" && card.user_card_state !== "EFFECTIVE") {
        return invalidRequest("用户卡状态不正确，只能作废待激活或已生效的会员卡")
      }
      return call.apply({
        decide: () => {
          const at = time(call.now)
          const invalidate = (target: UserCardRecord) => {
            target.user_card_state = "INVALID"
            target.invalid_time = at
            target.modify_time = at
            if (request.invalid_reason !== undefined) target.invalid_reason = request.invalid_reason
          }
          const after: UserCardRecord = { ...card }
          invalidate(after)
          return {
            change: () => invalidate(card),
            entry: { card_id: card.card_id, user_card_code: card.user_card_code, openid: card.openid },
            status: 200,
            json: answer(call, template, after)
          }
        }
      })
    }
  ),

  ...serve<BrandCardMember.ImportUserCardByOpenidRequest>(
    "ImportUserCardByOpenid",
    { partner: PartnerCardMember.ImportUserCardByOpenid, brand: BrandCardMember.ImportUserCardByOpenid },
    (call) => importCard(call, call.request as never, call.request.openid)
  ),

  ...serve<PartnerCardMember.ImportUserCardByPhoneRequest>(
    "ImportUserCardByPhone",
    { partner: PartnerCardMember.ImportUserCardByPhone },
    (call) =>
      importCard(call, call.request as never, openidOfPhone(call.brand.brand_id, Redacted.value(call.request.phone_number)))
  ),

  ...serve<BrandCardMember.ConfirmUserCardRequest>(
    "ConfirmUserCard",
    { partner: PartnerCardMember.ConfirmUserCard, brand: BrandCardMember.ConfirmUserCard },
    (call) => {
      const { request, state } = call
      const template = templateOf(state, request.card_id)
      if (template instanceof ApiFailure) return template
      // MM A12 4015336979: only a card the user opened and that waits for this answer.
      const card = cardsOf(state, request.card_id).find((c) =>
        c.openid === request.openid && c.user_card_state === "UNACTIVATED"
      )
      if (card === undefined) return new ApiFailure(404, "NOT_FOUND", "用户不存在未激活的会员卡")
      const code = request.user_card_code
      if (template.fields.code_mode === "SYSTEM_ALLOCATE") {
        if (code !== card.user_card_code) return invalidRequest("会员卡号分配方式为系统分配，不允许修改会员卡号")
      } else if (cardsOf(state, request.card_id).some((c) => c !== card && c.user_card_code === code)) {
        return invalidRequest("该用户卡 code 已存在")
      }
      const changes = changesOf(call, template, request as unknown as Record<string, unknown>)
      if (changes instanceof ApiFailure) return changes
      return call.apply({
        decide: () => {
          const at = time(call.now)
          // With MERCHANT_ALLOCATE the code sent becomes the member's, success or not (ON-P 4015336979).
          // CREATE_CARD_ALREADY_EXISTS (a member through another channel): emulator's choice, the card is in effect.
          const confirm = (target: UserCardRecord) => {
            update(target, changes, at)
            target.user_card_code = code
            if (request.user_card_confirm_state === "CREATE_CARD_FAIL") {
              target.user_card_state = "INVALID"
              target.invalid_time = at
            } else target.user_card_state = "EFFECTIVE"
          }
          const after: UserCardRecord = { ...card, settings: { ...card.settings } }
          confirm(after)
          return {
            change: () => confirm(card),
            entry: { card_id: card.card_id, user_card_code: code, openid: card.openid },
            status: 200,
            json: answer(call, template, after)
          }
        }
      })
    }
  ),

  ...serve<BrandCardMember.CreatePreAuthTokenRequest>(
    "CreatePreAuthToken",
    { partner: PartnerCardMember.CreatePreAuthToken, brand: BrandCardMember.CreatePreAuthToken },
    (call) => token(call, "pre-auth", call.request.card_id, call.request.openid)
  ),

  ...serve<PartnerCardMember.CreatePayViewTokenRequest>(
    "CreatePayViewToken",
    { partner: PartnerCardMember.CreatePayViewToken },
    (call) => token(call, "pay-view", call.request.card_id, call.request.openid)
  ),

  ...serve<BrandCardMember.CreateUserFeedRequest>(
    "CreateUserFeed",
    { partner: PartnerCardMember.CreateUserFeed, brand: BrandCardMember.CreateUserFeed },
    (call) => {
      const { request, state } = call
      return call.apply({
        key: request.out_request_no,
        // MM A15 4015336987: a repeated out_request_no is refused, never shown twice.
        repeated: new ApiFailure(400, "ALREADY_EXISTS", "该用户动态已存在"),
        decide: () => {
          const template = effectiveTemplateOf(state, request.card_id)
          if (template instanceof ApiFailure) return template
          const member = cardsOf(state, request.card_id).some((card) =>
            card.user_card_code === request.user_card_code && card.openid === request.openid &&
            card.user_card_state === "EFFECTIVE"
          )
          if (!member) return invalidRequest("当前用户非会员")
          const json = {
            brand_id: call.brand.brand_id,
            card_id: request.card_id,
            user_card_code: request.user_card_code,
            openid: request.openid,
            out_request_no: request.out_request_no,
            cell: request.cell
          }
          return {
            change: () => void state.feeds.set(request.out_request_no, json),
            entry: { card_id: request.card_id, user_card_code: request.user_card_code, openid: request.openid },
            status: 200,
            json
          }
        }
      })
    },
    // MM A15 words the product not enabled its own way.
    { disabled: "品牌未开通名片会员" }
  ),

  ...serve<BrandCardMember.SyncUserPointsRequest>(
    "SyncUserPoints",
    { partner: PartnerCardMember.SyncUserPoints, brand: BrandCardMember.SyncUserPoints },
    (call) => {
      const { request, state } = call
      // Keyed by out_request_no: the same request again answers as the first time, another is refused (Context.apply) —
      // the emulator's choice: no page says what WeChat does with a repeated out_request_no here, which is why the
      // client repeats a sync only when WeChat says it was not processed.
      return call.apply({
        key: request.out_request_no,
        decide: () => {
          const card = userCardOf(state, request.card_id, request.user_card_code, request.openid)
          if (card instanceof ApiFailure) return card
          const key = `${request.card_id}/${request.user_card_code}`
          return {
            change: () => void state.points.set(key, request.point_balance),
            entry: {
              card_id: request.card_id,
              user_card_code: request.user_card_code,
              openid: request.openid,
              point_balance: request.point_balance
            },
            status: 200,
            json: {
              out_request_no: request.out_request_no,
              brand_id: call.brand.brand_id,
              card_id: request.card_id,
              openid: request.openid,
              user_card_code: request.user_card_code,
              point_balance: request.point_balance
            }
          }
        }
      })
    }
  ),

  ...serve<BrandCardMember.ConfirmPointsExchangeRequest>(
    "ConfirmPointsExchange",
    { partner: PartnerCardMember.ConfirmPointsExchange, brand: BrandCardMember.ConfirmPointsExchange },
    (call) => {
      const { request, state } = call
      const rejected = request.result === "POINT_EXCHANGE_COUPON_REJECT"
      // "reject_reason … 拒绝时必填" (ON-P 4015897268): a request check, before the lookups.
      if (rejected && (request.reject_reason ?? "") === "") {
        return new ApiFailure(400, "PARAM_ERROR", "兑换结果为拒绝时，reject_reason必填")
      }
      const card = userCardOf(state, request.card_id, request.user_card_code, request.openid)
      if (card instanceof ApiFailure) return card
      const record = state.exchanges.get(request.record_id)
      // MM A17 4015897268. Emulator's choice: a record of another member or coupon template is not this one.
      if (
        record === undefined || record.card_id !== request.card_id || record.openid !== request.openid ||
        record.user_card_code !== request.user_card_code ||
        record.exchange_coupon_template_id !== request.exchange_coupon_template_id
      ) {
        return new ApiFailure(404, "NOT_FOUND", "积分兑券记录不存在")
      }
      if (record.answer !== undefined) {
        // The same answer again changes nothing and is answered as before; another answer is refused (emulator's
        // choice: WeChat has issued the coupon, or not, already).
        return record.answer.result === request.result
          ? reply(200, record.answer.json)
          : invalidRequest("该积分兑券记录已处理，不能修改兑换结果")
      }
      return call.apply({
        decide: () => {
          const json: Record<string, unknown> = {
            record_id: record.record_id,
            exchange_coupon_template_id: record.exchange_coupon_template_id,
            brand_id: call.brand.brand_id,
            card_id: record.card_id,
            openid: record.openid,
            user_card_code: record.user_card_code,
            state: rejected ? "POINT_EXCHANGE_COUPON_FAIL" : "POINT_EXCHANGE_COUPON_SUCCESS",
            product_coupon_id: record.product_coupon_id,
            product_coupon_stock_type: record.product_coupon_stock_type,
            stock_id: record.stock_id,
            // WeChat issues the coupon only on ALLOW (ON-P 4015897268).
            ...(rejected ? { reject_reason: request.reject_reason } : { coupon_code: digits(12) })
          }
          return {
            change: () => void (record.answer = { result: request.result, json }),
            entry: { card_id: record.card_id, user_card_code: record.user_card_code, record_id: record.record_id },
            status: 200,
            json
          }
        }
      })
    }
  )
]
