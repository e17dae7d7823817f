/**
 * 跳转型激活 (jump activation): decrypt the code, read the activation form, activate (#18–#20).
 *
 * The user's side is simulated by `openActivationPage`: a user claims a card of a template and is sent to the
 * merchant's activation page; WeChat creates the member's card `NOT_ACTIVATE` (its code allocated by the template's
 * `code_mode`, as an import would) and puts an `encrypt_code` (→ the code, for 加密code解码) and an
 * `activate_ticket` (→ what the user filled in, for 获取用户信息) in the jump URL. 激活会员卡 makes the card
 * `EFFECTIVE` once; a second activation is refused. Ledger entry: `ActivateUserCard` `{ card_id, code }`. Opening the
 * page notifies `MEMBERCARD.ACCEPT_CARD` (`NEW_ACTIVATE`), an activation `MEMBERCARD.ACTIVATE_CARD`
 * (`MEMBER_CARD_ACTIVATE`, scene `NEW_ACTIVATE`).
 *
 * @internal
 */
import * as crypto from "node:crypto"
import { ActivateUserCard, DecryptCode, GetActivateInformation } from "../../../membercard/Activation.js"
import type * as Model from "../model.js"
import type { EmulatorState } from "../state.js"
import { handle, type Handled, reply } from "../route.js"
import { cardKey, type Store } from "../store.js"
import { ApiFailure } from "../wechatSide.js"
import { type Caller, templateOf, validCardOf } from "./common.js"
import { allocateCode, codeModeOf, newCard } from "./members.js"

/** What the user filled in on the activation form (the public `Emulator.ActivationForm`). */
export type ActivationForm = Model.ActivationForm

/** The parameters WeChat puts in the jump URL of the merchant's activation page (the public `Emulator.ActivationPage`). */
export type JumpUrl = Model.ActivationPage

/** This resource's private state. */
interface Activation {
  /** `encrypt_code` → the card it stands for. */
  readonly encrypted: Map<string, { readonly card_id: string; readonly code: string }>
  /** `activate_ticket` → the form the user filled in. */
  readonly tickets: Map<string, ActivationForm>
}

const activationOf = (store: Store): Activation => {
  if (!store.locals.has("activation")) store.locals.set("activation", { encrypted: new Map(), tickets: new Map() })
  return store.locals.get("activation") as Activation
}

/**
 * Simulate a user claiming a card of `card_id` (a template the emulator's merchant may use, not `REAL_TIME`) and
 * opening the merchant's activation page: the member's card is created `NOT_ACTIVATE`, and the jump URL's parameters
 * are returned with the jump URL. The issued `encrypt_code` is standard Base64 unless given (it may hold `+`, `/`,
 * `=`); the URL, and the returned `encrypt_code` and `activate_ticket`, carry both percent-encoded, as a merchant page
 * receives them (pass them on unchanged). A given `encrypt_code` / `activate_ticket` lets a test choose its length and
 * characters. Throws when the template is missing or its
 * codes cannot be allocated (a test set-up error). Public as `EmulatorState.openActivationPage`.
 */
export const openPage = (caller: Caller, options: Model.ActivationPageOptions): JumpUrl => {
  const store = caller.store
  const { card_id } = options
  const template = templateOf(caller, card_id)
  if (template instanceof ApiFailure) throw new Error(`openActivationPage: no template ${card_id}`)
  if (codeModeOf(template) === "REAL_TIME") throw new Error("openActivationPage: REAL_TIME cards are not modelled")
  const allocated = allocateCode(store, template, undefined)
  if (allocated instanceof ApiFailure) throw new Error(`openActivationPage: ${allocated.message}`)
  const openid = options.openid ?? `o${crypto.randomBytes(14).toString("base64url")}`
  allocated.take()
  store.cards.set(
    cardKey(card_id, allocated.code),
    newCard({ card_id, code: allocated.code, openid, user_card_status: "NOT_ACTIVATE" })
  )
  store.emit({ event_type: "MEMBERCARD.ACCEPT_CARD", inner: "NEW_ACTIVATE", card_id, code: allocated.code, openid })
  return jumpUrl(store, { card_id, code: allocated.code, openid }, options)
}

/**
 * Simulate the member of a claimed card (`NOT_ACTIVATE`) filling the activation form and being sent to the
 * merchant's activation page again: a new `encrypt_code` and `activate_ticket` (→ this form, for 获取用户信息). WeChat
 * notifies nothing for a form; the merchant's 激活会员卡 then notifies `MEMBERCARD.ACTIVATE_CARD`. Throws when the
 * card does not exist or is not waiting for activation. Public as `EmulatorState.userFillsActivationForm`.
 */
export const fillForm = (
  store: Store,
  options: Model.ActivationForm & {
    readonly card_id: string
    readonly code: string
    readonly activate_url?: string | undefined
  }
): JumpUrl => {
  const card = store.cards.get(cardKey(options.card_id, options.code))
  if (card === undefined) throw new Error(`userFillsActivationForm: no card ${options.card_id}/${options.code}`)
  if (card.user_card_status !== "NOT_ACTIVATE") {
    throw new Error(`userFillsActivationForm: card ${options.card_id}/${options.code} is ${card.user_card_status}, not NOT_ACTIVATE`)
  }
  return jumpUrl(store, card, options)
}

/** Issue an `encrypt_code` for the card and an `activate_ticket` for the form, and the jump URL that carries them. */
const jumpUrl = (
  store: Store,
  card: { readonly card_id: string; readonly code: string; readonly openid: string },
  options: Model.ActivationForm & {
    readonly encrypt_code?: string | undefined
    readonly activate_ticket?: string | undefined
    readonly activate_url?: string | undefined
  }
): JumpUrl => {
  const { card_id, code, openid } = card
  const { head_image_url, nickname, user_information } = options
  // 48 bytes: 64 Base64 characters, within encrypt_code's string(128).
  const issued = options.encrypt_code ?? crypto.randomBytes(48).toString("base64")
  const activate_ticket = options.activate_ticket ?? crypto.randomBytes(64).toString("base64url")
  const state = activationOf(store)
  // Keyed by the values as issued: 加密code解码 and 获取用户信息 decode the query / path segment once and must find them.
  state.encrypted.set(issued, { card_id, code })
  state.tickets.set(activate_ticket, {
    ...(nickname !== undefined ? { nickname } : {}),
    ...(head_image_url !== undefined ? { head_image_url } : {}),
    ...(user_information !== undefined ? { user_information } : {})
  })
  const base = options.activate_url ?? "https://merchant.example.com/membercard/activate"
  const query = [["card_id", card_id], ["encrypt_code", issued], ["openid", openid], ["activate_ticket", activate_ticket]]
    .map(([name, value]) => `${name}=${inUrl(value!)}`).join("&")
  return {
    card_id,
    openid,
    encrypt_code: inUrl(issued),
    activate_ticket: inUrl(activate_ticket),
    url: `${base}${base.includes("?") ? "&" : "?"}${query}`
  }
}

/** A query value as WeChat writes it into the jump URL: every character but the unreserved ones percent-encoded. */
const inUrl = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** `emulator.openActivationPage(options)`, for tests written against this module. */
export const openActivationPage = (emulator: EmulatorState, options: Model.ActivationPageOptions): JumpUrl =>
  emulator.openActivationPage(options)

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(DecryptCode, (call, ctx) => {
    const { card_id, encrypt_code } = call.request
    const template = templateOf(ctx, card_id)
    if (template instanceof ApiFailure) return template
    const decrypted = activationOf(ctx.store).encrypted.get(encrypt_code)
    if (decrypted === undefined || decrypted.card_id !== card_id) {
      return new ApiFailure(400, "INVALID_REQUEST", "encrypt_code无效")
    }
    return reply(200, { code: decrypted.code })
  }),

  handle(GetActivateInformation, (call, ctx) => {
    const form = activationOf(ctx.store).tickets.get(call.request.activate_ticket)
    if (form === undefined) return new ApiFailure(400, "INVALID_REQUEST", "activate_ticket无效")
    return reply(200, form)
  }),

  handle(ActivateUserCard, (call, ctx) => {
    const { card_id, code, membership_number } = call.request
    const card = validCardOf(ctx, card_id, code)
    if (card instanceof ApiFailure) return card
    if (card.user_card_status !== "NOT_ACTIVATE") return new ApiFailure(400, "INVALID_REQUEST", "会员卡已激活")
    return ctx.apply({
      decide: () => ({
        change: () => {
          card.user_card_status = "EFFECTIVE"
          if (membership_number !== undefined) card.membership_number = membership_number
          ctx.store.emit({
            event_type: "MEMBERCARD.ACTIVATE_CARD",
            inner: "MEMBER_CARD_ACTIVATE",
            activate_scene: "NEW_ACTIVATE",
            card_id,
            code,
            openid: card.openid,
            at: ctx.now
          })
        },
        entry: { card_id, code }
      })
    })
  })
]
