/**
 * 商家名片会员卡, the member's side: what a WeChat user does (opens a card through the join component or 商家名片,
 * deletes it, redeems points for a coupon) and WeChat's own request for a balance, each notified to the template's
 * `notify_url` (spec §3.3): `USER_CARD.CREATE`, `USER_CARD.DELETE`, `POINT_EXCHANGE_COUPON`, `SYNC_USER_POINT`. The
 * emulator's test hooks (`EmulatorState.userOpensBrandCard` …) call these; a wrong set-up throws.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import type { BrandAccount, ExchangeRecord, TemplateRecord, UserCardRecord } from "../brand.js"
import type { BrandCardEvent } from "../notifications.js"
import { cardsOf, digits, time, userCardView } from "./brandCards.js"

/** Notify an event (the emulator stamps and delivers it). */
export type Notify = (event: BrandCardEvent) => void

/** The brand and template of `card_id` (a card id is unique across brands: the emulator made it). */
export const templateOwner = (
  brands: Iterable<BrandAccount>,
  card_id: string,
  brand_id?: string
): { readonly brand: BrandAccount; readonly template: TemplateRecord } => {
  for (const brand of brands) {
    if (brand_id !== undefined && brand.brand_id !== brand_id) continue
    const template = brand.state.templates.get(card_id)
    if (template !== undefined) return { brand, template }
  }
  throw new Error(`no 商家名片会员卡 template ${card_id}${brand_id === undefined ? "" : ` of brand ${brand_id}`}`)
}

/** Notify `event` about template `template` of `brand`: the provider's when a provider created it, else the brand's. */
const notify = (
  send: Notify,
  brand: BrandAccount,
  template: TemplateRecord,
  event: BrandCardEvent["event"],
  resource: Readonly<Record<string, unknown>>
) =>
  send({
    event,
    brand_id: brand.brand_id,
    ...(template.creator.kind === "merchant" ? { mchid: template.creator.mchid } : {}),
    notify_url: String(template.fields.notify_url),
    resource
  })

/** A member's card as notified (plain values, MM 4015283692). */
export const notified = (brand: BrandAccount, template: TemplateRecord, card: UserCardRecord) =>
  userCardView(brand.brand_id, template, card, undefined)

/**
 * A user opens a card of the template (入会组件 / 商家名片): `UNACTIVATED` until the merchant confirms it; with
 * `SYSTEM_ALLOCATE` WeChat gives it a 24-digit code now, with `MERCHANT_ALLOCATE` it has none until the confirmation
 * names it (spec §2.0 CodeMode; MM 4015283692: `user_card_code` empty then). Refused (throws) when the template is
 * invalid, when the user already has a card waiting or in effect, or deleted one (FAQ 4017418554: no rejoining).
 */
export const opensCard = (
  send: Notify,
  brand: BrandAccount,
  template: TemplateRecord,
  options: { readonly openid?: string | undefined; readonly phone_number?: string | undefined },
  nowSeconds: number
): UserCardRecord => {
  if (template.fields.state !== "CARD_EFFECTIVE") throw new Error(`template ${template.card_id} is not in effect`)
  const openid = options.openid ?? `o${crypto.randomBytes(21).toString("base64url").slice(0, 27)}`
  const own = cardsOf(brand.state, template.card_id).filter((card) => card.openid === openid)
  if (own.some((card) => card.user_card_state === "UNACTIVATED" || card.user_card_state === "EFFECTIVE")) {
    throw new Error(`${openid} already has a card of ${template.card_id}`)
  }
  if (own.some((card) => card.deleted === true)) throw new Error(`${openid} deleted a card of ${template.card_id}: no rejoining`)
  let code = ""
  if (template.fields.code_mode === "SYSTEM_ALLOCATE") {
    const taken = new Set(cardsOf(brand.state, template.card_id).map((card) => card.user_card_code))
    do code = digits(24)
    while (taken.has(code))
  }
  const at = time(nowSeconds)
  const card: UserCardRecord = {
    id: brand.state.next++,
    card_id: template.card_id,
    openid,
    user_card_code: code,
    user_card_state: "UNACTIVATED",
    settings: {},
    ...(options.phone_number !== undefined ? { phone_number: options.phone_number } : {}),
    pickup_time: at,
    create_time: at,
    modify_time: at
  }
  brand.state.userCards.set(card.id, card)
  notify(send, brand, template, "USER_CARD.CREATE", notified(brand, template, card))
  return card
}

/** The user's card of the template, not deleted (by its code when given). Throws when there is none. */
const cardOf = (
  brand: BrandAccount,
  template: TemplateRecord,
  openid: string,
  user_card_code: string | undefined
): UserCardRecord => {
  const card = cardsOf(brand.state, template.card_id).find((c) =>
    c.openid === openid && c.deleted !== true && (user_card_code === undefined || c.user_card_code === user_card_code)
  )
  if (card === undefined) throw new Error(`${openid} has no card of ${template.card_id}`)
  return card
}

/**
 * A user deletes their card in WeChat: it is no longer the member's (emulator's choice: `INVALID`, the one state of
 * the four that says so) and cannot be imported again (MM A10: 用户主动删除了该会员卡，无法重新导入).
 */
export const deletesCard = (
  send: Notify,
  brand: BrandAccount,
  template: TemplateRecord,
  options: { readonly openid: string; readonly user_card_code?: string | undefined },
  nowSeconds: number
): UserCardRecord => {
  const card = cardOf(brand, template, options.openid, options.user_card_code)
  const at = time(nowSeconds)
  card.deleted = true
  card.user_card_state = "INVALID"
  card.invalid_time = at
  card.modify_time = at
  notify(send, brand, template, "USER_CARD.DELETE", notified(brand, template, card))
  return card
}

/** WeChat asks for the member's balance (SYNC_USER_POINT, MM 4016096820): the member must hold the card in effect. */
export const asksPoints = (
  send: Notify,
  brand: BrandAccount,
  template: TemplateRecord,
  options: { readonly openid: string; readonly user_card_code?: string | undefined }
): Readonly<Record<string, unknown>> => {
  const card = cardOf(brand, template, options.openid, options.user_card_code)
  if (card.user_card_state !== "EFFECTIVE") throw new Error(`the card of ${options.openid} is not in effect`)
  const resource = { brand_id: brand.brand_id, card_id: card.card_id, openid: card.openid, user_card_code: card.user_card_code }
  notify(send, brand, template, "SYNC_USER_POINT", resource)
  return resource
}

/**
 * A user redeems points for a product coupon (POINT_EXCHANGE_COUPON, MM 4015878622): an exchange record the merchant
 * answers with 同步积分兑券结果 (`ConfirmPointsExchange`). The ids not given are generated.
 */
export const redeemsPoints = (
  send: Notify,
  brand: BrandAccount,
  template: TemplateRecord,
  options: {
    readonly openid: string
    readonly user_card_code?: string | undefined
    readonly deduct_points: number
    readonly exchange_coupon_template_id?: string | undefined
    readonly product_coupon_id?: string | undefined
    readonly product_coupon_stock_type?: string | undefined
    readonly stock_id?: string | undefined
  }
): ExchangeRecord => {
  const card = cardOf(brand, template, options.openid, options.user_card_code)
  if (card.user_card_state !== "EFFECTIVE") throw new Error(`the card of ${options.openid} is not in effect`)
  const record: ExchangeRecord = {
    record_id: `${digits(20)}`,
    card_id: card.card_id,
    appid: String(template.fields.appid),
    openid: card.openid,
    user_card_code: card.user_card_code,
    exchange_coupon_template_id: options.exchange_coupon_template_id ?? `ECT${digits(12)}`,
    deduct_points: options.deduct_points,
    product_coupon_id: options.product_coupon_id ?? digits(10),
    // The one value the samples show (S sample).
    product_coupon_stock_type: options.product_coupon_stock_type ?? "PRODUCT_COUPON_STOCK_TYPE_BUSI_FAVOR",
    stock_id: options.stock_id ?? digits(10)
  }
  brand.state.exchanges.set(record.record_id, record)
  notify(send, brand, template, "POINT_EXCHANGE_COUPON", exchangeResource(brand, record))
  return record
}

/** The POINT_EXCHANGE_COUPON payload (MM 4015878622). */
export const exchangeResource = (brand: BrandAccount, record: ExchangeRecord) => ({
  record_id: record.record_id,
  brand_id: brand.brand_id,
  card_id: record.card_id,
  appid: record.appid,
  openid: record.openid,
  user_card_code: record.user_card_code,
  exchange_coupon_template_id: record.exchange_coupon_template_id,
  deduct_points: record.deduct_points,
  product_coupon_id: record.product_coupon_id,
  product_coupon_stock_type: record.product_coupon_stock_type,
  stock_id: record.stock_id
})
