/**
 * 会员 and codes (members & codes): deposit codes, import a member by openid, permission tokens, a user's cards, QR
 * codes, invalidate a card (#10, #11, #15, #16, #17, #23).
 *
 * Every call names a card template of `store.templates` (`INVALID_REQUEST` 「card_id无效」 otherwise, or when it is
 * deleted). Codes are allocated by the template's `code_mode`: `SYSTEM_ALLOCATE` 12 digits, `MERCHANT_DEPOSIT` from
 * the codes deposited by 导入会员Code (each deposited code answers `SUCCESS` once, `DUPLICATE` after), `REAL_TIME` the
 * code the merchant passes. Imported members land in `store.cards`, activated. A permission token or QR code is one
 * per card and settings: asking again answers the one already issued and applies nothing.
 *
 * An applied import by openid notifies `MEMBERCARD.ACCEPT_CARD` (`NEW_ACTIVATE`; `RECOVER` when the user had deleted a
 * card of this template).
 *
 * Ledger entries: `DepositCodes` `{ card_id, codes }` (the codes stored, only when some are new);
 * `ImportUserCardByOpenid` `{ card_id, code }` (key `out_request_no`); `CreatePermissionToken` `{ card_id,
 * permission_token }`; `CreateQrCode` `{ card_id, url }`; `InvalidateUserCard` `{ card_id, code }`.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import {
  CreatePermissionToken,
  CreateQrCode,
  DepositCodes,
  ImportUserCardByOpenid,
  InvalidateUserCard,
  ListUserCards
} from "../../../membercard/Members.js"
import type { CardState } from "../model.js"
import { type Call, type Context, handle, type Handled, reply } from "../route.js"
import { cardKey, type Store, type TemplateState } from "../store.js"
import { ApiFailure, randomHex } from "../wechatSide.js"
import { templateOf, validCardOf } from "./common.js"

/** Deposited codes of one card template. */
interface CodePool {
  /** Every code ever stored (a second deposit of one answers DUPLICATE). */
  readonly stored: Set<string>
  /** Stored codes not yet given to a member, in deposit order. */
  readonly available: Array<string>
}

/** This resource's private state. */
interface Members {
  readonly pools: Map<string, CodePool>
  /** `${endpoint}\n${card_id}\n${body}` → what was issued (permission tokens and QR codes, one per settings). */
  readonly issued: Map<string, Readonly<Record<string, string>>>
}

/** This resource's state in one emulator's store (also reached by the test helpers of activation.ts). */
export const membersOf = (store: Store): Members => {
  if (!store.locals.has("members")) store.locals.set("members", { pools: new Map(), issued: new Map() })
  return store.locals.get("members") as Members
}

const poolOf = (store: Store, card_id: string): CodePool => {
  const pools = membersOf(store).pools
  let pool = pools.get(card_id)
  if (pool === undefined) pools.set(card_id, pool = { stored: new Set(), available: [] })
  return pool
}

/** The template's code mode (`MERCHANT_UPLOAD`, an early name in the store, read as the docs' `MERCHANT_DEPOSIT`). */
export const codeModeOf = (template: TemplateState): "SYSTEM_ALLOCATE" | "MERCHANT_DEPOSIT" | "REAL_TIME" => {
  const mode: string = template.code_mode
  return mode === "MERCHANT_UPLOAD" || mode === "MERCHANT_DEPOSIT"
    ? "MERCHANT_DEPOSIT"
    : mode === "REAL_TIME"
    ? "REAL_TIME"
    : "SYSTEM_ALLOCATE"
}

const taken = (store: Store, card_id: string, code: string): boolean => store.cards.has(cardKey(card_id, code))

/**
 * The code a new member of this template gets, decided without changing anything: `take` removes it from the
 * deposited codes when the member is created. `REAL_TIME` cards take the merchant's `code` (MC-GENERIC row 13).
 */
export const allocateCode = (
  store: Store,
  template: TemplateState,
  code: string | undefined
): { readonly code: string; readonly take: () => void } | ApiFailure => {
  const mode = codeModeOf(template)
  if (mode === "REAL_TIME") {
    if (code === undefined) return new ApiFailure(400, "INVALID_REQUEST", "会员卡为实时code模式，必须传入code")
    if (taken(store, template.card_id, code)) return new ApiFailure(400, "INVALID_REQUEST", "code已被占用")
    return { code, take: () => {} }
  }
  if (mode === "MERCHANT_DEPOSIT") {
    const pool = poolOf(store, template.card_id)
    const next = pool.available[0]
    if (next === undefined) return new ApiFailure(400, "INVALID_REQUEST", "会员卡code库存不足，请先导入code")
    return { code: next, take: () => void pool.available.shift() }
  }
  let generated: string
  do generated = String(crypto.randomInt(1e11, 1e12)); while (taken(store, template.card_id, generated))
  return { code: generated, take: () => {} }
}

/** A new member's card, as `putCard` would make it. */
export const newCard = (fields: Pick<CardState, "card_id" | "code" | "openid" | "user_card_status">): CardState => ({
  membership_number: fields.code,
  level: "普通会员",
  nickname: "测试会员",
  balance: 0,
  bonus_value: 0,
  ...fields
})

/**
 * A write issuing a credential for a card's settings (token, QR link): the same settings again answer what was
 * issued, applying nothing; new settings are one ledger entry.
 */
const issue = (
  call: Call<{ readonly card_id: string }>,
  ctx: Context,
  refuse: (template: TemplateState) => ApiFailure | undefined,
  make: () => Readonly<Record<string, string>>
) => {
  const { card_id } = call.request
  const template = templateOf(ctx, card_id)
  if (template instanceof ApiFailure) return template
  const refused = refuse(template)
  if (refused !== undefined) return refused
  const issued = membersOf(ctx.store).issued
  const settings = `${call.endpoint}\n${card_id}\n${call.raw}`
  const earlier = issued.get(settings)
  if (earlier !== undefined) return reply(200, earlier)
  const fresh = make()
  return ctx.apply({
    decide: () => ({
      change: () => void issued.set(settings, fresh),
      entry: { card_id, ...fresh },
      status: 200,
      json: fresh
    })
  })
}

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(DepositCodes, (call, ctx) => {
    const { card_id, code: codes } = call.request
    const template = templateOf(ctx, card_id)
    if (template instanceof ApiFailure) return template
    if (codeModeOf(template) !== "MERCHANT_DEPOSIT") {
      return new ApiFailure(400, "INVALID_REQUEST", "仅code_mode为MERCHANT_DEPOSIT的会员卡可导入code")
    }
    const pool = poolOf(ctx.store, card_id)
    const fresh = new Set<string>()
    const data = codes.map((code) => {
      const duplicate = pool.stored.has(code) || fresh.has(code) || taken(ctx.store, card_id, code)
      if (!duplicate) fresh.add(code)
      return { code, result: duplicate ? "DUPLICATE" : "SUCCESS" }
    })
    // Nothing new (e.g. a repeat of a deposit already applied): answered, nothing applied.
    if (fresh.size === 0) return reply(200, { data })
    return ctx.apply({
      decide: () => ({
        change: () => {
          for (const code of fresh) {
            pool.stored.add(code)
            pool.available.push(code)
          }
        },
        entry: { card_id, codes: [...fresh] },
        status: 200,
        json: { data }
      })
    })
  }),

  handle(ImportUserCardByOpenid, (call, ctx) => {
    const { card_id, code, openid, out_request_no } = call.request
    return ctx.apply({
      key: out_request_no,
      fingerprint: `${card_id}\n${call.raw}`,
      decide: () => {
        const template = templateOf(ctx, card_id)
        if (template instanceof ApiFailure) return template
        const holds = [...ctx.store.cards.values()].some((c) =>
          c.card_id === card_id && c.openid === openid && c.user_card_status !== "DELETE"
        )
        if (holds) return new ApiFailure(400, "INVALID_REQUEST", "用户已领取过该会员卡")
        const allocated = allocateCode(ctx.store, template, code)
        if (allocated instanceof ApiFailure) return allocated
        const card = newCard({ card_id, code: allocated.code, openid, user_card_status: "EFFECTIVE" })
        const deletedBefore = [...ctx.store.cards.values()].some((c) =>
          c.card_id === card_id && c.openid === openid && c.user_card_status === "DELETE"
        )
        return {
          change: () => {
            allocated.take()
            ctx.store.cards.set(cardKey(card_id, card.code), card)
            ctx.store.emit({
              event_type: "MEMBERCARD.ACCEPT_CARD",
              inner: deletedBefore ? "RECOVER" : "NEW_ACTIVATE",
              card_id,
              code: card.code,
              openid,
              at: ctx.now
            })
          },
          entry: { card_id, code: card.code },
          status: 200,
          json: { code: card.code }
        }
      }
    })
  }),

  handle(CreatePermissionToken, (call, ctx) =>
    issue(call, ctx, () => undefined, () => ({ permission_token: crypto.randomBytes(96).toString("base64url") }))),

  handle(ListUserCards, (call, ctx) => {
    const { appid, limit, offset, openid } = call.request
    if (offset < 0) return new ApiFailure(400, "PARAM_ERROR", "offset不能小于0", { field: "/offset", location: "query" })
    if (limit < 1) return new ApiFailure(400, "PARAM_ERROR", "limit必须大于0", { field: "/limit", location: "query" })
    const held = [...ctx.store.cards.values()].filter((card) =>
      card.openid === openid && card.user_card_status !== "DELETE" &&
      (appid === undefined || ctx.store.templates.get(card.card_id)?.appid === appid)
    )
    // `offset` is a page index (分页页码).
    const page = held.slice(offset * limit, offset * limit + limit)
    return reply(200, {
      data: page.map((card) => ({ card_id: card.card_id, code: card.code })),
      total_count: held.length,
      offset,
      limit
    })
  }),

  handle(CreateQrCode, (call, ctx) =>
    issue(
      call,
      ctx,
      (template) =>
        codeModeOf(template) === "REAL_TIME"
          ? new ApiFailure(400, "INVALID_REQUEST", "二维码投放不支持实时code模式的会员卡")
          : undefined,
      () => ({ url: `https://pay.weixin.qq.com/membercard/qrcode?ticket=${randomHex(24)}` })
    )),

  handle(InvalidateUserCard, (call, ctx) => {
    const { card_id, code } = call.request
    const card = validCardOf(ctx, card_id, code)
    if (card instanceof ApiFailure) return card
    return ctx.apply({
      decide: () => ({
        change: () => {
          card.user_card_status = "UNAVAILABLE"
        },
        entry: { card_id, code }
      })
    })
  })
]
