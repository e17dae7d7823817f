/**
 * 手机号会员 (phone members, #12–#14): members known by their phone number. Numbers arrive encrypted
 * (`encrypted_phone_number`, RSA-OAEP under the key `Wechatpay-Serial` names) and are decrypted here with the
 * emulator's own private keys, never compared as ciphertexts (OAEP is randomised: the same number encrypts
 * differently each time).
 *
 * The route decrypts the number (with the key `Wechatpay-Serial` names) and checks the request as declared, so a
 * handler reads `call.request.phone_number` in plain.
 *
 * Model (where WeChat's pages are silent): importing a member's card by phone (#12) issues the card (a new
 * `SYSTEM_ALLOCATE` code, a deposited one for `MERCHANT_DEPOSIT` when given, the given code for `REAL_TIME`) and
 * records the number as `RECEIVED`; the reminder import (#14) records it as `UNSHOWED` (nothing to claim yet) and is
 * applied on every call (it re-notifies); a number never imported is `UNSHOWED` too. An applied card import notifies
 * `MEMBERCARD.ACCEPT_CARD` (`MEMBER_CARD_ACCEPT_BY_PHONE_NUMBER`; the number itself is not in the payload).
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import { ImportPhoneMember, ImportUserCardByPhone, SearchPhoneMember } from "../../../membercard/PhoneMembers.js"
import type { CardState } from "../model.js"
import { type Context, handle, type Handled, reply } from "../route.js"
import { cardKey } from "../store.js"
import { ApiFailure, randomHex } from "../wechatSide.js"
import { templateOf } from "./common.js"

interface PhoneRecord {
  readonly card_id: string
  status: "UNSHOWED" | "UNRECEIVED" | "RECEIVED"
  code?: string
  openid?: string
  receive_time?: string
}

const records = (ctx: Context) => ctx.local("phoneMembers", () => new Map<string, PhoneRecord>())
const recordKey = (card_id: string, phone: string) => `${card_id}\n${phone}`

const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString().replace("Z", "+00:00")

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(ImportUserCardByPhone, (call, ctx) => {
    const { card_id, out_request_no } = call.request
    const body = { code: call.request.code }
    const template = templateOf(ctx, card_id)
    if (template instanceof ApiFailure) return template
    const phone = Redacted.value(call.request.phone_number)
    if (template.code_mode === "REAL_TIME" && body.code === undefined) {
      return new ApiFailure(400, "INVALID_REQUEST", "会员卡为实时code模式，需传入code")
    }
    return ctx.apply({
      key: out_request_no,
      // The plain number, not its ciphertext: the same import re-encrypted is the same request.
      fingerprint: `${card_id}\n${phone}\n${body.code ?? ""}`,
      decide: () => {
        const existing = records(ctx).get(recordKey(card_id, phone))
        if (existing?.status === "RECEIVED") return new ApiFailure(400, "INVALID_REQUEST", "用户已领取过该会员卡")
        const code = body.code ?? String(100000000000 + Math.floor(Math.random() * 899999999999))
        if (ctx.store.cards.has(cardKey(card_id, code))) return new ApiFailure(400, "INVALID_REQUEST", "code已被使用")
        const openid = `o${randomHex(13)}`
        const card: CardState = {
          card_id,
          code,
          openid,
          membership_number: code,
          level: "普通会员",
          nickname: "",
          balance: 0,
          bonus_value: 0,
          user_card_status: "EFFECTIVE"
        }
        return {
          change: () => {
            ctx.store.cards.set(cardKey(card_id, code), card)
            ctx.store.emit({
              event_type: "MEMBERCARD.ACCEPT_CARD",
              inner: "MEMBER_CARD_ACCEPT_BY_PHONE_NUMBER",
              card_id,
              code,
              openid,
              at: ctx.now
            })
            records(ctx).set(recordKey(card_id, phone), {
              card_id,
              status: "RECEIVED",
              code,
              openid,
              receive_time: rfc3339(ctx.now)
            })
          },
          entry: { card_id, code },
          status: 200,
          json: { code }
        }
      }
    })
  }),

  handle(SearchPhoneMember, (call, ctx) => {
    const { card_id } = call.request
    const phone = Redacted.value(call.request.phone_number)
    const record = records(ctx).get(recordKey(card_id, phone))
    if (record?.status !== "RECEIVED") return reply(200, { receive_status: record?.status ?? "UNSHOWED" })
    const template = ctx.store.templates.get(card_id)
    return reply(200, {
      receive_status: "RECEIVED",
      user_card_information: {
        code: record.code,
        openid: record.openid,
        receive_time: record.receive_time,
        card_appid: template?.appid ?? "wx0000000000000000",
        card_id
      }
    })
  }),

  handle(ImportPhoneMember, (call, ctx) => {
    const card_id = call.request.member_information.card_id
    const template = templateOf(ctx, card_id)
    if (template instanceof ApiFailure) return template
    const phone = Redacted.value(call.request.phone_number)
    // No idempotency key: every call is applied (and would remind the member again).
    return ctx.apply({
      decide: () => ({
        change: () => {
          const key = recordKey(card_id, phone)
          if (records(ctx).get(key)?.status !== "RECEIVED") records(ctx).set(key, { card_id, status: "UNSHOWED" })
        },
        entry: { card_id }
      })
    })
  })
]
