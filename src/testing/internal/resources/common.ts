/**
 * What every resource checks about the template and the member's card a call names (MC-GENERIC rows 4, 5, 10 and
 * the user-card rows), written once so that the resources answer alike.
 *
 * @internal
 */
import type { CardState } from "../model.js"
import type { Context } from "../route.js"
import { cardKey, type TemplateState } from "../store.js"
import { ApiFailure } from "../wechatSide.js"

/** What the checks read: a handler's context, or an emulator's own store and merchant (test hooks). */
export type Caller = Pick<Context, "store" | "mchid">

const invalidRequest = (message: string) => new ApiFailure(400, "INVALID_REQUEST", message)

/**
 * The template a call names, if the caller may act on it: it exists and is not deleted (else `INVALID_REQUEST`
 * 「card_id无效」), the caller created it (a template put by a test without `mchid` is anyone's), and it is not a
 * legacy card awaiting 老会员卡模板升级. The templates resource reads deleted and legacy templates too, and words the
 * unknown id as its pages do (`unknown`).
 */
export const templateOf = (
  caller: Caller,
  card_id: string,
  options: { readonly deleted?: boolean; readonly legacy?: boolean; readonly unknown?: string } = {}
): TemplateState | ApiFailure => {
  const template = caller.store.templates.get(card_id)
  if (template === undefined || (template.status === "DELETED" && options.deleted !== true)) {
    return invalidRequest(options.unknown ?? "card_id无效")
  }
  if (template.mchid !== undefined && template.mchid !== caller.mchid) {
    return invalidRequest("会员卡的创建商户号不等于调用方商户号")
  }
  if (template.legacy === true && options.legacy !== true) return invalidRequest("请先升级会员卡才能使用此功能")
  return template
}

/**
 * The member's card a call names, or WeChat's answer when there is none: 「code不存在」 when `card_id` names a
 * template the caller may use or cards the emulator holds (a test may put cards without their template), else
 * 「card_id无效」.
 */
export const cardOf = (caller: Caller, card_id: string, code: string): CardState | ApiFailure => {
  const card = caller.store.cards.get(cardKey(card_id, code))
  if (card !== undefined) return card
  const known = !(templateOf(caller, card_id) instanceof ApiFailure) ||
    [...caller.store.cards.values()].some((c) => c.card_id === card_id)
  return invalidRequest(known ? "code不存在" : "card_id无效")
}

/** The member's card a call names, if it is still valid (not invalidated or deleted): else 「用户会员卡已失效」. */
export const validCardOf = (caller: Caller, card_id: string, code: string): CardState | ApiFailure => {
  const card = cardOf(caller, card_id, code)
  if (card instanceof ApiFailure) return card
  return card.user_card_status === "UNAVAILABLE" || card.user_card_status === "DELETE"
    ? invalidRequest("用户会员卡已失效")
    : card
}
