/**
 * 商家名片会员卡, what its resources share: `serve` registers one behaviour for both surfaces of an operation — the
 * provider's (`PartnerCardMember.*`, `/v3/brand/partner/card-member`, the brand named by `brand_id`) and the brand's
 * (`BrandCardMember.*`, `/brand/card-member`, the brand being the signer) — handing it the brand's state and who is
 * calling; the lookups every operation makes, with WeChat's official answers (MM = the official partner pages'
 * Markdown, brand-research.md §2); and how templates and members' cards are answered.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import type * as Endpoint from "../../../Endpoint.js"
import type { BrandAccount, BrandState, Creator, TemplateRecord, UserCardRecord, UserInformation } from "../brand.js"
import { beijingTime } from "../notifications.js"
import { type Call, type Context, type Decision, handle, type HandleOptions, type Handled, type Outcome } from "../route.js"
import { ApiFailure } from "../wechatSide.js"

/** One call of a 商家名片会员卡 operation, as its behaviour sees it. */
export interface BrandCall<I> {
  readonly call: Call<I>
  /** The validated request (a provider's carries `brand_id` too). */
  readonly request: I
  readonly ctx: Context
  readonly brand: BrandAccount
  readonly state: BrandState
  /** The service provider acting for the brand; `undefined` when the brand calls itself. */
  readonly provider: string | undefined
  /** Who this caller is as a template's creator (whose notifications a template it creates makes). */
  readonly creator: Creator
  /** The request's time, Unix seconds. */
  readonly now: number
  /**
   * A write, as `Context.apply`, its idempotency key remembered in the brand's state under the operation's name, so a
   * key is the brand's whichever surface sends it; every application is a ledger entry naming the brand.
   */
  readonly apply: (write: {
    readonly key?: string | undefined
    readonly repeated?: ApiFailure | undefined
    readonly decide: () => Decision | ApiFailure
  }) => Outcome | ApiFailure
}

/** The official answer of a brand the provider may not act for (MM A1–A13: "商家未开通商家名片会员功能"). */
export const notEnabled = "商家未开通商家名片会员功能"

/**
 * Serve operation `operation` on the surfaces given (a provider-only or brand-only operation names one): each route
 * keeps its surface's prefix as its endpoint name (`PartnerCardMember.SyncUserPoints`, see `shortName`). A provider's call is served
 * only for a brand it may act for (`BrandOptions.providers`), else `400 INVALID_REQUEST` with `disabled` (the
 * official answer, worded per page).
 */
export const serve = <I>(
  operation: string,
  surfaces: {
    readonly partner?: { readonly definition: Endpoint.Definition<any> } | undefined
    readonly brand?: { readonly definition: Endpoint.Definition<any> } | undefined
  },
  behaviour: (call: BrandCall<I>) => Outcome | ApiFailure,
  options: HandleOptions & { readonly disabled?: string } = {}
): ReadonlyArray<Handled> => {
  const { disabled = notEnabled, ...handleOptions } = options
  const run = (call: Call<I>, ctx: Context): Outcome | ApiFailure => {
    let brand: BrandAccount | undefined
    let provider: string | undefined
    if (ctx.principal.kind === "brand") brand = ctx.principal.brand
    else {
      provider = ctx.mchid
      brand = ctx.brands.get((call.request as { readonly brand_id: string }).brand_id)
      if (brand === undefined || !brand.allows(provider)) return new ApiFailure(400, "INVALID_REQUEST", disabled)
    }
    const own = brand
    return behaviour({
      call,
      request: call.request,
      ctx,
      brand: own,
      state: own.state,
      provider,
      creator: provider === undefined ? { kind: "brand" } : { kind: "merchant", mchid: provider },
      now: ctx.now,
      apply: ({ decide, key, repeated }) =>
        ctx.apply({
          key,
          repeated,
          // The same request from either surface: the fields without `brand_id`, in a fixed order.
          fingerprint: fingerprint(call.request),
          idempotency: { keys: own.state.idempotency, scope: operation },
          decide: () => {
            const decided = decide()
            return decided instanceof ApiFailure ? decided : { ...decided, entry: { brand_id: own.brand_id, ...decided.entry } }
          }
        })
    })
  }
  const routes: Array<Handled> = []
  if (surfaces.partner !== undefined) routes.push(handle(surfaces.partner, run as any, handleOptions))
  if (surfaces.brand !== undefined) routes.push(handle(surfaces.brand, run as any, handleOptions))
  return routes
}

/** A request's fields without `brand_id`, keys sorted: the same request from either surface compares equal. */
const fingerprint = (request: unknown): string => {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : typeof value === "object" && value !== null
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Record<string, unknown>)[key])]))
      : value
  const { brand_id: _brand, ...fields } = request as Record<string, unknown>
  return JSON.stringify(sorted(fields))
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups, with the official answers
// ---------------------------------------------------------------------------------------------------------------

/** `404 NOT_FOUND 会员卡模板不存在` (MM A3, A4, A5, A7, A8, A9, A12). */
export const templateOf = (state: BrandState, card_id: string): TemplateRecord | ApiFailure =>
  state.templates.get(card_id) ?? new ApiFailure(404, "NOT_FOUND", "会员卡模板不存在")

/** A template that may still be given out: else `400 INVALID_REQUEST 会员卡模板无效` (MM A10, A13, A15). */
export const effectiveTemplateOf = (state: BrandState, card_id: string): TemplateRecord | ApiFailure => {
  const template = state.templates.get(card_id)
  return template === undefined || template.fields.state !== "CARD_EFFECTIVE"
    ? new ApiFailure(400, "INVALID_REQUEST", "会员卡模板无效")
    : template
}

/** The member's card `code` of template `card_id` (and of `openid`): else `404 NOT_FOUND 用户会员卡不存在` (MM A7–A9, A16, A17). */
export const userCardOf = (
  state: BrandState,
  card_id: string,
  code: string,
  openid: string
): UserCardRecord | ApiFailure => {
  for (const card of state.userCards.values()) {
    if (card.card_id === card_id && card.user_card_code === code && code !== "" && card.openid === openid) return card
  }
  return new ApiFailure(404, "NOT_FOUND", "用户会员卡不存在")
}

/** The template and the member's card a call names (`card_id`, `user_card_code`, `openid`), or the 404 WeChat answers. */
export const namedCard = (
  state: BrandState,
  request: { readonly card_id: string; readonly user_card_code: string; readonly openid: string }
): { readonly template: TemplateRecord; readonly card: UserCardRecord } | ApiFailure => {
  const template = templateOf(state, request.card_id)
  if (template instanceof ApiFailure) return template
  const card = userCardOf(state, request.card_id, request.user_card_code, request.openid)
  return card instanceof ApiFailure ? card : { template, card }
}

/** The cards of template `card_id` (all members). */
export const cardsOf = (state: BrandState, card_id: string): ReadonlyArray<UserCardRecord> =>
  [...state.userCards.values()].filter((card) => card.card_id === card_id)

/** `{ data, total_count, offset, limit }`, `offset` counted in items (分页开始位置: "offset=10 表示从第11条记录开始返回", 4015336976). */
export const page = <A>(items: ReadonlyArray<A>, offset: number, limit: number) => ({
  data: items.slice(offset, offset + limit),
  total_count: items.length,
  offset,
  limit
})

// ---------------------------------------------------------------------------------------------------------------
// Values WeChat makes
// ---------------------------------------------------------------------------------------------------------------

/** RFC 3339 in Beijing time, as WeChat writes times. */
export const time = (seconds: number): string => beijingTime(seconds)

/** A template id as WeChat's look (`pbLatjvWOibDc5-TBnbUk1pD12o0`: `p` and 27 URL-safe characters). */
export const newCardId = (): string => `p${crypto.randomBytes(21).toString("base64url").slice(0, 27)}`

/** `n` random decimal digits (the first not 0). */
export const digits = (n: number): string => {
  let text = String(crypto.randomInt(1, 10))
  while (text.length < n) text += String(crypto.randomInt(0, 10))
  return text
}

/** A token of the components (32 characters, as `Token.token` is documented). */
export const newToken = (): string => crypto.randomBytes(24).toString("base64url").slice(0, 32)

// ---------------------------------------------------------------------------------------------------------------
// Checks of what a request sets (messages: the emulator's, of the PARAM_ERROR rows MM A1/A4/A8/A12 list)
// ---------------------------------------------------------------------------------------------------------------

const paramError = (message: string) => new ApiFailure(400, "PARAM_ERROR", message)

/** 有效期信息 consistent with its type (SP's field notes: the range for FIX_TIME_RANGE, the days for FIX_TERM). */
export const validDateProblem = (information: Record<string, unknown> | undefined): ApiFailure | undefined => {
  if (information === undefined) return undefined
  if (information.type === "FIX_TIME_RANGE") {
    const begin = Date.parse(String(information.available_begin_time))
    const end = Date.parse(String(information.available_end_time))
    if (Number.isNaN(begin) || Number.isNaN(end)) return paramError("有效期类型为固定时间范围时，须填写有效期起始时间和结束时间")
    if (end <= begin) return paramError("有效期结束时间须晚于起始时间")
  }
  if (information.type === "FIX_TERM" && information.available_day_after_receive === undefined) {
    return paramError("有效期类型为领取后生效时，须填写领取后有效天数")
  }
  return undefined
}

/** A member's validity must be of the template's type (SP: "类型须与模板一致"). */
export const sameValidityType = (template: TemplateRecord, information: Record<string, unknown> | undefined) =>
  information === undefined ||
    (template.fields.valid_date_information as Record<string, unknown> | undefined)?.type === information.type
    ? undefined
    : paramError("会员有效期类型须与会员卡模板的有效期类型一致")

/**
 * 事件通知地址: https without a query (spec §3.1, ON-P 4015283692). Emulator's choice: `http` is accepted on a
 * loopback host (127.0.0.1, localhost, [::1]), so a test can receive the notifications.
 */
export const notifyUrlProblem = (url: unknown): ApiFailure | undefined => {
  if (url === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    return paramError("事件通知地址须为合法的https地址")
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname)
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    return paramError("事件通知地址须为合法的https地址")
  }
  if (parsed.search !== "") return paramError("事件通知地址不能携带参数")
  return undefined
}

/**
 * 开卡信息 of a request: each value is RSA-OAEP ciphertext for WeChat's key (`Wechatpay-Serial`), decrypted as WeChat
 * does (its PARAM_ERROR when not made with that key); kept in plain.
 */
export const openUserInformation = (
  ctx: Context,
  information: UserInformation | undefined
): UserInformation | undefined | ApiFailure => {
  if (information === undefined) return undefined
  const common: Array<{ name: string; value?: string }> = []
  for (const field of information.common_field_list ?? []) {
    if (field.value === undefined) common.push({ name: field.name })
    else {
      const value = ctx.decrypt(field.value)
      if (value instanceof ApiFailure) return value
      common.push({ name: field.name, value })
    }
  }
  const custom: Array<{ name: string; user_chosen_values?: Array<string> }> = []
  for (const field of information.custom_field_list ?? []) {
    if (field.user_chosen_values === undefined) custom.push({ name: field.name })
    else {
      const values: Array<string> = []
      for (const chosen of field.user_chosen_values) {
        const value = ctx.decrypt(chosen)
        if (value instanceof ApiFailure) return value
        values.push(value)
      }
      custom.push({ name: field.name, user_chosen_values: values })
    }
  }
  return {
    ...(information.common_field_list !== undefined ? { common_field_list: common } : {}),
    ...(information.custom_field_list !== undefined ? { custom_field_list: custom } : {})
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------------

/** A template as answered (a copy). */
export const templateView = (template: TemplateRecord): Record<string, unknown> => structuredClone(template.fields)

/**
 * A member's card as answered (`UserCard`) or notified. `encrypt`: the API answers' sensitive values, encrypted for
 * the caller's API certificate (spec §2.0 UserInformation note); a notification carries them in plain (MM
 * 4015283692: `phone_number` string(32), `value` string(128)).
 */
export const userCardView = (
  brand_id: string,
  template: TemplateRecord,
  card: UserCardRecord,
  encrypt: ((plain: string) => string) | undefined
): Record<string, unknown> => {
  const t = template.fields
  const s = card.settings
  const seal = (value: string) => encrypt === undefined ? value : encrypt(value)
  const information = card.user_information
  const level = s.level ?? (t.need_display_level === true ? t.init_level : undefined)
  return {
    user_card_code: card.user_card_code,
    card_id: card.card_id,
    openid: card.openid,
    brand_id,
    card_type: t.card_type,
    card_color: s.card_color ?? t.card_color,
    card_picture_url: s.card_picture_url ?? t.card_picture_url,
    ...(card.phone_number !== undefined ? { phone_number: seal(card.phone_number) } : {}),
    ...(level !== undefined ? { level } : {}),
    valid_date_information: structuredClone(s.valid_date_information ?? t.valid_date_information),
    pickup_time: card.pickup_time,
    ...(information !== undefined
      ? {
        user_information: {
          ...(information.common_field_list !== undefined
            ? {
              common_field_list: information.common_field_list.map((field) => ({
                name: field.name,
                ...(field.value !== undefined ? { value: seal(field.value) } : {})
              }))
            }
            : {}),
          ...(information.custom_field_list !== undefined
            ? {
              custom_field_list: information.custom_field_list.map((field) => ({
                name: field.name,
                ...(field.user_chosen_values !== undefined ? { user_chosen_values: field.user_chosen_values.map(seal) } : {})
              }))
            }
            : {})
        }
      }
      : {}),
    ...(s.attach !== undefined ? { attach: s.attach } : {}),
    user_card_state: card.user_card_state,
    ...(card.invalid_reason !== undefined ? { invalid_reason: card.invalid_reason } : {}),
    ...(card.invalid_time !== undefined ? { invalid_time: card.invalid_time } : {}),
    create_time: card.create_time,
    modify_time: card.modify_time
  }
}

/** The per-member settings a request sets (import, confirm, update). */
export const memberSettings = (request: Record<string, unknown>): Record<string, unknown> => {
  const settings: Record<string, unknown> = {}
  for (const field of ["card_color", "card_picture_url", "level", "valid_date_information", "attach"]) {
    if (request[field] !== undefined) settings[field] = structuredClone(request[field])
  }
  return settings
}
