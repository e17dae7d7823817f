/**
 * 会员卡模板 (card templates): create, list, get, update, delete, rights, upgrade (#3–#9). Fills `store.templates`,
 * which the other resources read.
 *
 * A template is kept flat in its `TemplateState`: the named fields (`card_id`, `brand_id`, `appid`, `code_mode`,
 * `status`, `title`) plus every other field of 创建/修改会员卡模板 and the rights of 设置会员卡模板权益项 under their
 * wire names, and:
 * - `display_name`: the brand's 展示名称;
 * - `mchid`: the creator merchant (absent on a template put by a test: then any caller is the creator);
 * - `legacy: true`: a card made in the 公众平台 that 老会员卡模板升级 has not bound to a brand yet (the other
 *   resources should refuse it with `请先升级会员卡才能使用此功能`).
 *
 * Writes that change nothing (the same fields, rights or brand again; deleting a deleted template) answer as a
 * success and record nothing, so a repeated set is applied once.
 *
 * @internal
 */
import {
  CreateCardTemplate,
  DeleteCardTemplate,
  GetCardTemplate,
  ListCardTemplates,
  SetCardTemplateRights,
  UpdateCardTemplate,
  UpgradeCardTemplate
} from "../../../membercard/CardTemplates.js"
import { type Context, handle, type Handled, reply } from "../route.js"
import type { TemplateState } from "../store.js"
import { ApiFailure, randomHex } from "../wechatSide.js"
import { templateOf as named } from "./common.js"

/** The fields the view fills in for a template a test put with only some of them (the official 必填 ones). */
const defaults = {
  appid: "wxea9c30890f48d5ae",
  logo_url: "https://wxpaylogo.qpic.cn/wxpaylogo/logo/0",
  title: "测试会员卡",
  background_picture_url: "https://wxpaylogo.qpic.cn/wxpaylogo/background/0",
  description: "测试会员卡使用须知",
  code_type: "BAR_CODE",
  date_information: { type: "PERMANENT" }
}

/** Fields kept by the emulator that are not template fields on the wire. */
const internal = new Set(["brand_id", "display_name", "mchid", "legacy", "show_bonus", "show_favor", "show_fapiao", "show_guide"])

/** `2020-05-20T13:29:35.000+08:00`: Beijing time, as WeChat writes template times. */
const beijingTime = (seconds: number): string =>
  new Date((seconds + 8 * 3600) * 1000).toISOString().replace("Z", "+08:00")

/** A template as 查询会员卡模板信息 answers it. */
const view = (template: TemplateState, ctx: Context): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...defaults }
  for (const [field, value] of Object.entries(template)) if (!internal.has(field)) out[field] = value
  out.brand = { brand_id: template.brand_id, display_name: template.display_name ?? "测试品牌" }
  if (typeof template.total_quantity === "number") {
    let issued = 0
    for (const card of ctx.store.cards.values()) if (card.card_id === template.card_id) issued++
    out.remain_quantity = Math.max(0, template.total_quantity - issued)
  }
  return out
}

/**
 * The template a call names (the shared check), with the card-template pages' wording of an unknown id: 会员卡ID无效
 * (MC-GENERIC row 10).
 */
const templateOf = (
  ctx: Context,
  card_id: string,
  options: { readonly deleted?: boolean; readonly legacy?: boolean } = {}
): TemplateState | ApiFailure => named(ctx, card_id, { ...options, unknown: "会员卡ID无效" })

/** The template as it would be with `fields` applied: the rules that hold across fields. */
const checkTemplate = (template: Readonly<Record<string, unknown>>): ApiFailure | undefined => {
  const balance = template.balance_information as Record<string, unknown> | undefined
  if (balance?.need_balance === true && balance.balance_appid !== undefined && !balance.balance_path) {
    return new ApiFailure(400, "INVALID_REQUEST", "储值小程序path为空")
  }
  if (template.need_display_level === true && !template.init_level) {
    return new ApiFailure(400, "PARAM_ERROR", "展示会员等级时必须填写init_level")
  }
  return undefined
}

/** Whether every field of `fields` already has this value in `template` (compared as JSON). */
const unchanged = (template: Readonly<Record<string, unknown>>, fields: Readonly<Record<string, unknown>>): boolean =>
  Object.entries(fields).every(([field, value]) => JSON.stringify(template[field]) === JSON.stringify(value))

/**
 * A set of fields on one template: refused by `rule`, answered 204 without a change when nothing would change,
 * else applied (one ledger entry naming the fields).
 */
const setFields = (
  ctx: Context,
  template: TemplateState,
  fields: Readonly<Record<string, unknown>>,
  rule: (next: Readonly<Record<string, unknown>>) => ApiFailure | undefined = checkTemplate
) => {
  const refused = rule({ ...template, ...fields })
  if (refused !== undefined) return refused
  if (unchanged(template, fields)) return reply(204)
  return ctx.apply({
    decide: () => ({
      change: () => {
        Object.assign(template, fields, { update_time: beijingTime(ctx.now) })
      },
      entry: { card_id: template.card_id, fields: Object.keys(fields) }
    })
  })
}

/** 会员卡code分配类型 cannot change once set (MC-GENERIC rows 7 and 8; the official update page). */
const codeModeChange = (template: TemplateState, code_mode: unknown): ApiFailure | undefined => {
  if (code_mode === undefined || code_mode === template.code_mode) return undefined
  return code_mode === "SYSTEM_ALLOCATE" && template.code_mode !== "SYSTEM_ALLOCATE"
    ? new ApiFailure(400, "INVALID_REQUEST", "会员卡code分配类型不支持修改为“系统分配”")
    : new ApiFailure(400, "INVALID_REQUEST", "会员卡code分配类型不支持修改")
}

/** The body without the path parameter. */
const bodyOf = (body: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const { card_id: _, ...fields } = body
  return fields
}

/** The card-template endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(CreateCardTemplate, (call, ctx) => {
    const { brand, ...fields } = call.body as Record<string, unknown> & { brand: { brand_id: string; display_name: string } }
    const refused = checkTemplate(fields)
    if (refused !== undefined) return refused
    return ctx.apply({
      key: call.request.out_request_no,
      fingerprint: call.raw,
      decide: () => {
        const time = beijingTime(ctx.now)
        const template: TemplateState = {
          ...fields,
          card_id: `p${randomHex(14)}`,
          brand_id: brand.brand_id,
          display_name: brand.display_name,
          appid: call.request.appid,
          code_mode: call.request.code_mode,
          // Created templates await WeChat's review; a test approves one with putTemplate({ …, status: "APPROVED" }).
          status: "NOT_APPROVE",
          mchid: ctx.mchid,
          create_time: time,
          update_time: time
        }
        if (template.code_mode === "SYSTEM_ALLOCATE" && template.total_quantity === undefined) {
          template.total_quantity = 5_000_000
        }
        return {
          status: 200,
          json: view(template, ctx),
          change: () => ctx.store.templates.set(template.card_id, template),
          entry: { card_id: template.card_id }
        }
      }
    })
  }),

  handle(ListCardTemplates, (call, ctx) => {
    const { appid, brand_id, limit, offset } = call.request
    const mine = [...ctx.store.templates.values()].filter((t) =>
      (t.mchid === undefined || t.mchid === ctx.mchid) && t.appid === appid &&
      (brand_id === undefined || t.brand_id === brand_id)
    )
    // `offset` is a page index (the official page: 分页页码, from 0).
    const data = mine.slice(offset * limit, (offset + 1) * limit).map((t) => view(t, ctx))
    return reply(200, { total_count: mine.length, offset, limit, data })
  }),

  handle(GetCardTemplate, (call, ctx) => {
    const template = templateOf(ctx, call.request.card_id, { deleted: true, legacy: true })
    return template instanceof ApiFailure ? template : reply(200, view(template, ctx))
  }),

  handle(UpdateCardTemplate, (call, ctx) => {
    const template = templateOf(ctx, call.request.card_id)
    if (template instanceof ApiFailure) return template
    const fields = bodyOf(call.body)
    return codeModeChange(template, fields.code_mode) ?? setFields(ctx, template, fields)
  }),

  handle(DeleteCardTemplate, (call, ctx) => {
    const template = templateOf(ctx, call.request.card_id, { deleted: true, legacy: true })
    if (template instanceof ApiFailure) return template
    // Members who hold the card keep it (official page): user cards are left as they are.
    return setFields(ctx, template, { status: "DELETED" }, () => undefined)
  }),

  handle(SetCardTemplateRights, (call, ctx) => {
    const template = templateOf(ctx, call.request.card_id)
    if (template instanceof ApiFailure) return template
    const rights = bodyOf(call.body)
    const bonus = call.request.bonus
    if (bonus?.bonus_jump_appid !== undefined && !bonus.bonus_jump_path) {
      return new ApiFailure(400, "INVALID_REQUEST", "积分跳转path为空")
    }
    return setFields(ctx, template, rights, () => undefined)
  }),

  handle(UpgradeCardTemplate, (call, ctx) => {
    const template = templateOf(ctx, call.request.card_id, { legacy: true })
    if (template instanceof ApiFailure) return template
    const { appid, brand_id } = call.request
    if (template.legacy !== true) {
      // Already bound: to the same brand again changes nothing; to another is refused.
      return template.brand_id === brand_id && template.appid === appid
        ? reply(204)
        : new ApiFailure(400, "INVALID_REQUEST", "会员卡已升级，不能绑定到其他品牌")
    }
    return setFields(ctx, template, { legacy: false, brand_id, appid }, () => undefined)
  })
]
