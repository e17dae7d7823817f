/**
 * One brand the emulator serves (商家名片会员卡): its identity for the brand APIs (品牌ID, the brand API certificate's
 * serial and public key), its own WeChat Pay public key (`PUB_KEY_ID_…`, public-key mode only: the brand APIs have no
 * platform certificates), its brand API key (品牌API密钥, AES-256-GCM for its notifications), the service providers
 * that may act for it, and its state — templates, members' cards, activities, feeds, points, exchanges and
 * idempotency keys — which the provider's surface (`/v3/brand/partner/card-member`) and the brand's own
 * (`/brand/card-member`) share: a provider and the brand see the same cards. RSA keys are made on first use, as for
 * the merchants of `merchant.ts`.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Redacted from "effect/Redacted"
import * as Aead from "./aead.js"
import { type CallerKey, callerKeyOf, makePlatformKey, type PlatformKey } from "./merchant.js"
import type { BrandOptions, LedgerEntry } from "./model.js"
import { type Applied, makeStore, type Store } from "./store.js"
import { randomHex } from "./wechatSide.js"

/** Who created a template: its notifications follow (a provider's: `BRAND_MEMBER_CARD_SP.*`; the brand's: `BRAND_MEMBER_CARD.*`). */
export type Creator = { readonly kind: "merchant"; readonly mchid: string } | { readonly kind: "brand" }

/** A card template as kept: the fields WeChat answers with (`CardTemplate`), and who created it. */
export interface TemplateRecord {
  readonly card_id: string
  readonly creator: Creator
  /** The template as answered (request fields, `card_id`, `brand_id`, `state`, `create_time`, `modify_time`). */
  fields: Record<string, unknown>
}

/** A member's card as kept. Sensitive values are kept in plain; answers encrypt them for the caller. */
export interface UserCardRecord {
  readonly id: number
  readonly card_id: string
  readonly openid: string
  /** `""` until allocated (a `MERCHANT_ALLOCATE` template's card before its opening is confirmed). */
  user_card_code: string
  user_card_state: "UNACTIVATED" | "EFFECTIVE" | "EXPIRED" | "INVALID"
  /** Per-member settings (`card_color`, `card_picture_url`, `level`, `valid_date_information`, `attach`). */
  settings: Record<string, unknown>
  /** 手机号, plain. */
  phone_number?: string
  /** 开卡信息 with plain values. */
  user_information?: UserInformation
  pickup_time: string
  create_time: string
  modify_time: string
  invalid_reason?: string
  invalid_time?: string
  /** The user deleted it in WeChat (USER_CARD.DELETE): it cannot be imported again. */
  deleted?: boolean
}

/** 开卡信息 as the member filled it in. */
export interface UserInformation {
  readonly common_field_list?: ReadonlyArray<{ readonly name: string; readonly value?: string }>
  readonly custom_field_list?: ReadonlyArray<{ readonly name: string; readonly user_chosen_values?: ReadonlyArray<string> }>
}

/** 品牌会员发券活动 as kept (provider surface only). */
export interface ActivityRecord {
  readonly activity_id: string
  readonly out_request_no: string
  readonly card_id: string
  readonly activity_channel: string
  title: string
  sub_title: string
  begin_time: string
  end_time: string
  readonly apply_total: number
  readonly apply_available: number
  readonly product_coupon_stock_list: ReadonlyArray<{ readonly product_coupon_id: string; readonly stock_id: string }>
  readonly create_time: string
  modify_time: string
  terminated: boolean
}

/** A points-for-coupon exchange a user asked for (POINT_EXCHANGE_COUPON), and the merchant's answer once given. */
export interface ExchangeRecord {
  readonly record_id: string
  readonly card_id: string
  readonly appid: string
  readonly openid: string
  readonly user_card_code: string
  readonly exchange_coupon_template_id: string
  readonly deduct_points: number
  readonly product_coupon_id: string
  readonly product_coupon_stock_type: string
  readonly stock_id: string
  /** The confirmation applied: its `result` and the answer it got. */
  answer?: { readonly result: string; readonly json: Record<string, unknown> }
}

/** A token of 入会组件预授权 / 付款码组件预授权. */
export interface TokenRecord {
  readonly kind: "pre-auth" | "pay-view"
  readonly token: string
  readonly card_id: string
  readonly openid: string
  readonly expire_time: string
}

/** A brand's state, shared by both surfaces. Plain maps, read and written synchronously. */
export interface BrandState {
  readonly templates: Map<string, TemplateRecord>
  /** `out_request_no` values of created templates (a repeat is refused, never applied twice). */
  readonly templateRequests: Set<string>
  readonly userCards: Map<number, UserCardRecord>
  readonly activities: Map<string, ActivityRecord>
  /** 用户动态 by `out_request_no`: the answer given. */
  readonly feeds: Map<string, Record<string, unknown>>
  /** Points balances by `${card_id}/${user_card_code}`. */
  readonly points: Map<string, number>
  readonly exchanges: Map<string, ExchangeRecord>
  readonly tokens: Array<TokenRecord>
  /** Idempotency keys (`${operation}\n${key}`): the brand's, whichever surface sends them. */
  readonly idempotency: Map<string, Applied>
  next: number
}

const makeBrandState = (): BrandState => ({
  templates: new Map(),
  templateRequests: new Set(),
  userCards: new Map(),
  activities: new Map(),
  feeds: new Map(),
  points: new Map(),
  exchanges: new Map(),
  tokens: [],
  idempotency: new Map(),
  next: 1
})

/** The brand API key given, checked (32 letters and digits, as the 品牌API密钥 page requires), or a generated one. */
const brandApiKeyOf = (given: string | undefined): string => {
  const key = given ?? Aead.randomAlphanumeric(32)
  // The key itself stays out of the message: it may be a real one pasted by mistake.
  if (!/^[0-9A-Za-z]{32}$/.test(key)) throw new Error("Emulator: brandApiKey must be 32 letters and digits")
  return key
}

/** A brand of the emulator. Implements `WechatSide.Brand` (who a brand request's Authorization must match). */
export class BrandAccount {
  readonly brand_id: string
  readonly serialNumber: string
  readonly brandApiKey: Redacted.Redacted<string>
  /** The brand API key's 32 ASCII bytes, the AEAD key of its notifications. */
  readonly brandApiKeyBytes: Uint8Array
  readonly state: BrandState = makeBrandState()
  /** A `Store` for what the generic request flow keeps per caller (`Context.local`: uploaded images). */
  readonly store: Store
  private readonly providers: ReadonlySet<string> | undefined
  private readonly publicKeyPem: string | undefined
  private brandKey: CallerKey | undefined
  private platform: PlatformKey | undefined

  constructor(options: BrandOptions, ledger: Array<LedgerEntry>) {
    if (!/^[0-9A-Za-z_-]{1,32}$/.test(options.brand_id)) {
      throw new Error("Emulator: brand_id must be 1–32 letters, digits, _ or -")
    }
    this.brand_id = options.brand_id
    this.serialNumber = options.brandSerialNumber ?? randomHex(20).toUpperCase()
    const key = brandApiKeyOf(options.brandApiKey)
    this.brandApiKey = Redacted.make(key)
    this.brandApiKeyBytes = Buffer.from(key, "ascii")
    this.providers = options.providers === undefined ? undefined : new Set(options.providers)
    this.publicKeyPem = options.brandPublicKey
    // A PEM that does not parse is a set-up error: say so now, not on the first request.
    if (options.brandPublicKey !== undefined) this.brandKey = callerKeyOf(options.brandPublicKey)
    this.store = makeStore(() => {}, ledger)
  }

  /** The brand API certificate's public key: what the brand's signatures are verified with. */
  get publicKey(): crypto.KeyObject {
    return this.ownKey().publicKey
  }

  /** The brand API private key when the emulator generated it (no `brandPublicKey` given). TEST ONLY. */
  get privateKey(): Redacted.Redacted<string> | undefined {
    return this.ownKey().privateKey
  }

  /** WeChat's key for this brand's `PUB_KEY_ID_…`: signs answers and notifications, decrypts sensitive fields. */
  get platformKey(): PlatformKey {
    return this.platform ??= makePlatformKey()
  }

  /** Whether service provider `mchid` may act for this brand (`BrandOptions.providers`; every merchant by default). */
  allows(mchid: string): boolean {
    return this.providers === undefined || this.providers.has(mchid)
  }

  private ownKey(): CallerKey {
    return this.brandKey ??= callerKeyOf(this.publicKeyPem)
  }
}
