/**
 * The emulator's models: the types its internals and its public module (`Emulator.ts`, which re-exports them) both
 * use. They live here so that imports flow one way, from the public module to its internals.
 *
 * @internal
 */
import type * as Duration from "effect/Duration"
import type * as BrandClient from "../../BrandClient.js"
import type { Activity, CardTemplate, UserCard } from "../../cardMember/schemas.js"
import type * as WechatPay from "../../WechatPay.js"

/**
 * The endpoints the emulator served first (0.1). Kept closed, as code matches on it exhaustively; every API of the
 * emulator takes `AnyEndpointName`.
 *
 * @since 0.1.0
 * @category models
 */
export type EndpointName = "GetUserCard" | "UpdateUserCard" | "SetUserCardRights" | "PrepareBonus" | "CommitBonus"

/**
 * An endpoint the emulator serves, by its short name: the declaration's name without the product prefix
 * (`MemberCard.GetUserCard` → `GetUserCard`, `MemberCardActivity.…` → `…`). Any string; `EndpointName`s autocomplete.
 * The 商家名片会员卡 endpoints (since 1.3.0) keep their surface's prefix, as both surfaces have the same operations:
 * `PartnerCardMember.CreateCardTemplate`, `BrandCardMember.CreateCardTemplate`.
 *
 * @since 0.3.0
 * @category models
 */
export type AnyEndpointName = EndpointName | (string & {})

/**
 * A member's card as the emulator stores it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CardState {
  card_id: string
  code: string
  openid: string
  membership_number: string
  level: string
  nickname: string
  background_picture_url?: string
  balance: number
  bonus_value: number
  user_card_status: "NOT_ACTIVATE" | "EFFECTIVE" | "EXPIRE" | "UNAVAILABLE" | "DELETE"
  /** A provider's 确认用户入会 outcome, once given (since 1.3.0). */
  membership_confirm_state?: string
}

/**
 * One write the emulator applied: the endpoint, its idempotency key's value, and what the resource records (user
 * cards: `card_id`, `code`, `balanceDelta`, `pointsDelta`; other resources their own ids).
 *
 * @since 0.1.0
 * @category models
 */
export interface LedgerEntry {
  readonly endpoint: AnyEndpointName
  /** The idempotency key's value (`out_request_no`, `out_trade_no` …); `""` for a write without one. */
  readonly key: string
  readonly card_id?: string
  readonly code?: string
  /** User-card writes: the balance added. */
  readonly balanceDelta?: number
  /** User-card writes: the points added. */
  readonly pointsDelta?: number
  /**
   * (1.2.0) The merchant whose request applied the write. Always readable; enumerable (seen by deep equality and
   * `JSON.stringify`) only when the emulator serves more than one merchant (`Options.merchants`), so that a
   * single-merchant ledger compares as it did before 1.2.0.
   */
  readonly mchid: string
  /**
   * (1.3.0) 商家名片会员卡 writes: the brand whose state it changed (a provider's call names it in `brand_id`; a
   * brand's own call is the brand's, and its `mchid` is `""`).
   */
  readonly brand_id?: string
  readonly [field: string]: unknown
}

/**
 * A request as the emulator sees it: header names lower case, the body as sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorRequest {
  readonly method: string
  /** Path and query exactly as received (the request-target). */
  readonly target: string
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The body as UTF-8 text. */
  readonly body: string
  /** The body bytes as received (an upload's multipart body is not text); `body` encoded as UTF-8 when absent. */
  readonly bytes?: Uint8Array | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type EmulatorResult =
  | { readonly _tag: "Respond"; readonly status: number; readonly headers: Record<string, string>; readonly body: string }
  | { readonly _tag: "Drop" }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly mchid?: string | undefined
  readonly merchantSerialNumber?: string | undefined
  /** The merchant's public key (PEM). When absent a merchant key pair is generated (see `merchantPrivateKey`). */
  readonly merchantPublicKey?: string | undefined
  /** `auto` (default): public-key mode when the request sends `Wechatpay-Serial: PUB_KEY_ID_…`, else certificate. */
  readonly mode?: "auto" | "publicKey" | "certificate" | undefined
  /** Cache one response signature per (second, body) — lets a benchmark server keep up; still always valid. */
  readonly reuseSignatures?: boolean | undefined
  /** Cards to start with. */
  readonly cards?: ReadonlyArray<Partial<CardState> & Pick<CardState, "card_id" | "code">> | undefined
  /** (0.4.0) The merchant's APIv3 key, 32 ASCII characters; generated when absent (`emulator.apiV3Key`). */
  readonly apiV3Key?: string | undefined
  /** (0.4.0) Where `layerNotifier` delivers, e.g. `http://127.0.0.1:port/path`; wins over `setCallback`'s URL. */
  readonly notifyUrl?: string | undefined
  /** (1.3.0) The primary merchant is a service provider (see `MerchantOptions.serviceProvider`). */
  readonly serviceProvider?: boolean | undefined
  /**
   * (0.4.0) The waits between delivery attempts. Default ten waits of 60 s (11 attempts): the member-card notice
   * pages' "every 60 s, 11 attempts", which membercard-api.md §3 prefers to the webhook pages' generic 15 s … 6 h.
   */
  readonly notificationSchedule?: ReadonlyArray<Duration.Input> | undefined
  /** (0.4.0) Which key signs notifications. Default `certificate` when `mode` is `certificate`, else `publicKey`. */
  readonly notificationSigning?: "publicKey" | "certificate" | undefined
  /**
   * (0.4.0) `false`: a merchant without platform certificates (new since 2024): `GET /v3/certificates` answers 404
   * RESOURCE_NOT_EXISTS and everything is signed with the public key. Default `true`.
   */
  readonly platformCertificates?: boolean | undefined
  /**
   * More merchants to serve besides the one above (the primary merchant, which `mchid`, `merchantSerialNumber`,
   * `merchantPublicKey`, `apiV3Key` and `notifyUrl` describe): each is authenticated with its own key, has its own
   * APIv3 key, WeChat Pay public key (`PUB_KEY_ID_…`), callback URL, idempotency keys and state (templates, cards,
   * members … one merchant cannot see another's). `emulator.merchantOptions(mchid)` gives a client's options for one.
   * The platform certificates (certificate mode), faults and the ledger are shared. Each mchid must be unique.
   *
   * @since 1.2.0
   */
  readonly merchants?: ReadonlyArray<MerchantOptions> | undefined
  /**
   * The brands of 商家名片会员卡 it serves (`/brand/card-member/*` signed by the brand, and
   * `/v3/brand/partner/card-member/*` by a service provider naming the brand). Each has its own brand API key pair,
   * WeChat Pay public key (`PUB_KEY_ID_…`), brand API key and state, shared by both surfaces;
   * `emulator.brandOptions(brand_id)` configures a `BrandClient` as one. Absent: one brand, `1000001`, for which
   * every merchant of the emulator may act. Each brand_id must be unique.
   *
   * @since 1.3.0
   */
  readonly brands?: ReadonlyArray<BrandOptions> | undefined
}

/**
 * A brand the emulator serves (`Options.brands`). Keys not given are generated on first use.
 *
 * @since 1.3.0
 * @category models
 */
export interface BrandOptions {
  /** 品牌ID. */
  readonly brand_id: string
  /** The serial of its brand API certificate (品牌API证书序列号, the `serial_no` it signs with); random when absent. */
  readonly brandSerialNumber?: string | undefined
  /** Its brand API certificate's public key (PEM). When absent a key pair is generated (`brandOptions(id).brandPrivateKey`). */
  readonly brandPublicKey?: string | undefined
  /** Its brand API key (品牌API密钥): 32 letters and digits; generated when absent. Seals its notifications. */
  readonly brandApiKey?: string | undefined
  /**
   * The service providers (mchids of this emulator) that may act for it on `/v3/brand/partner/card-member/*`; any
   * other is answered `400 INVALID_REQUEST 商家未开通商家名片会员功能`. Default: every merchant of the emulator.
   */
  readonly providers?: ReadonlyArray<string> | undefined
}

/**
 * A merchant the emulator serves besides the primary one (`Options.merchants`). Keys not given are generated on
 * first use (the merchant key pair unless `merchantPublicKey` is given; its `PUB_KEY_ID_…` key), so a few merchants
 * cost nothing until a test uses them.
 *
 * @since 1.2.0
 * @category models
 */
export interface MerchantOptions {
  /** 商户号. */
  readonly mchid: string
  /** The serial number of its API certificate; random when absent. */
  readonly merchantSerialNumber?: string | undefined
  /** Its public key (PEM). When absent a key pair is generated (`merchantOptions(mchid).merchantPrivateKey`). */
  readonly merchantPublicKey?: string | undefined
  /** Its APIv3 key, 32 ASCII characters; generated when absent. */
  readonly apiV3Key?: string | undefined
  /** Where `layerNotifier` delivers its notifications; wins over the URL it sets with `setCallback`. */
  readonly notifyUrl?: string | undefined
  /**
   * (1.3.0) The mchid is a service provider's (普通服务商): its bonus calls may name no merchant (`sub_mchid` is optional
   * on the partner page), and `merchantOptions` says `serviceProvider: true`.
   */
  readonly serviceProvider?: boolean | undefined
}

/**
 * What a user filled in on the activation form (开卡信息), as 获取用户信息 answers it.
 *
 * @since 0.3.0
 * @category models
 */
export interface ActivationForm {
  readonly nickname?: string
  readonly head_image_url?: string
  readonly user_information?: {
    readonly common_field_list?: ReadonlyArray<{ readonly name: string; readonly value: string }>
    readonly custom_field_list?: ReadonlyArray<
      { readonly name: string; readonly value?: string; readonly value_list?: ReadonlyArray<string> }
    >
  }
}

/**
 * Who opens the activation page (`EmulatorState.openActivationPage`): a template's `card_id` and what the user filled
 * in; `openid`, `encrypt_code` and `activate_ticket` are generated unless given (to choose their length).
 *
 * @since 0.3.0
 * @category models
 */
export interface ActivationPageOptions extends ActivationForm {
  readonly card_id: string
  readonly openid?: string
  /** The code's ciphertext as WeChat issues it (e.g. Base64 with `+`, `/`, `=`); the jump URL carries it encoded. */
  readonly encrypt_code?: string
  /** The ticket as WeChat issues it (base64url unless given); the jump URL carries it encoded. */
  readonly activate_ticket?: string
  /** The merchant's activation page the jump URL starts with (since 0.6.0); default `https://merchant.example.com/membercard/activate`. */
  readonly activate_url?: string
  /** (1.2.0) Whose template and card: a merchant of `Options.merchants`; the primary merchant when absent. */
  readonly mchid?: string
}

/**
 * The parameters WeChat puts in the jump URL of the merchant's activation page (跳转型激活).
 *
 * @since 0.3.0
 * @category models
 */
export interface ActivationPage {
  readonly card_id: string
  readonly openid: string
  /** As written in `url`: percent-encoded URL text, to pass to `decryptCode` unchanged (since 0.6.0). */
  readonly encrypt_code: string
  /**
   * As written in `url`: percent-encoded URL text, to pass to `getActivateInformation` unchanged (since 0.6.0; it was
   * the decoded ticket).
   */
  readonly activate_ticket: string
  /** The jump URL the user lands on: `activate_url?card_id=…&encrypt_code=…&openid=…&activate_ticket=…` (since 0.6.0). */
  readonly url: string
}

/**
 * A running loopback server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server {
  /** e.g. `http://127.0.0.1:49152` */
  readonly baseUrl: string
  /** Sockets currently open. */
  readonly connections: () => number
  /**
   * (1.4.0) The console's URL (`${baseUrl}/console`), when served with `{ console: true }`: open it in a browser to
   * watch requests, signatures, state and notifications live.
   */
  readonly console?: string
}

/**
 * Client options for the emulator (everything but identity and keys, which come from the emulator). `mchid` (since
 * 1.2.0) picks which of its merchants the client is: one of `Options.merchants`; the primary merchant when absent.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions =
  & Partial<Omit<WechatPay.Options, "mchid" | "merchantSerialNumber" | "merchantPrivateKey">>
  & { readonly mchid?: string | undefined }

/**
 * Client options for a brand of the emulator (everything but the brand's identity and keys, which come from the
 * emulator): what `emulator.brandOptions(brand_id, options)` adds.
 *
 * @since 1.3.0
 * @category models
 */
export type BrandClientOptions = Partial<
  Omit<
    BrandClient.Options,
    "brandId" | "brandSerialNumber" | "brandPrivateKey" | "wechatpayPublicKeyId" | "wechatpayPublicKey"
  >
>

/**
 * A points-for-coupon exchange a user asked for (`emulator.userRedeemsBrandPoints`): the POINT_EXCHANGE_COUPON
 * payload, and once the merchant answered (`ConfirmPointsExchange`) its outcome.
 *
 * @since 1.3.0
 * @category models
 */
export interface BrandPointsExchange {
  readonly record_id: string
  readonly brand_id: string
  readonly card_id: string
  readonly appid: string
  readonly openid: string
  readonly user_card_code: string
  readonly exchange_coupon_template_id: string
  readonly deduct_points: number
  readonly product_coupon_id: string
  readonly product_coupon_stock_type: string
  readonly stock_id: string
  /** Once answered: `POINT_EXCHANGE_COUPON_SUCCESS` or `_FAIL`. */
  readonly state?: string
  readonly coupon_code?: string
  readonly reject_reason?: string
}

/**
 * A brand's 商家名片会员卡 state as the emulator holds it now (copies; sensitive values in plain), for assertions:
 * `emulator.brandState(brand_id)`.
 *
 * @since 1.3.0
 * @category models
 */
export interface BrandSnapshot {
  readonly brand_id: string
  /** Its templates, as answered, with who created them (`mchid` of the provider; absent: the brand). */
  readonly templates: ReadonlyArray<CardTemplate & { readonly created_by?: string }>
  /** Its members' cards, as notified (values in plain). */
  readonly userCards: ReadonlyArray<UserCard>
  readonly activities: ReadonlyArray<Activity>
  /** 用户动态, as answered. */
  readonly feeds: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** The balances synchronised (同步积分余额). */
  readonly points: ReadonlyArray<{ readonly card_id: string; readonly user_card_code: string; readonly point_balance: number }>
  readonly exchanges: ReadonlyArray<BrandPointsExchange>
  /** The components' tokens issued. */
  readonly tokens: ReadonlyArray<{
    readonly kind: "pre-auth" | "pay-view"
    readonly token: string
    readonly card_id: string
    readonly openid: string
    readonly expire_time: string
  }>
}
