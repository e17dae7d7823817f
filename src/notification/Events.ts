/**
 * The member-card notifications' types: the decrypted payloads (资源) of the three events and the events themselves
 * (envelope + decoded `resource`), as `Notification` exports them. Split from Notification.ts, which receives them.
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import { UserCard } from "../cardMember/userCard.js"
import * as Wire from "../Wire.js"

// ---------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------

/**
 * The inner `event_type` of an `MEMBERCARD.ACCEPT_CARD` resource (open: a new value is kept as sent).
 *
 * @since 0.4.0
 * @category schemas
 */
export const AcceptCardEventType = Wire.Enum("NEW_ACTIVATE", "RECOVER", "MEMBER_CARD_ACCEPT_BY_PHONE_NUMBER")

/**
 * The inner `event_type` of an `MEMBERCARD.ACTIVATE_CARD` resource.
 *
 * @since 0.4.0
 * @category schemas
 */
export const ActivateCardEventType = Wire.Enum("MEMBER_CARD_ACTIVATE")

/**
 * 激活场景 (`activate_scene`): a first activation or a recovered one.
 *
 * @since 0.4.0
 * @category schemas
 */
export const ActivateScene = Wire.Enum("NEW_ACTIVATE", "RECOVER")

/**
 * The inner `event_type` of an `MEMBERCARD.USERCARD_MANAGE` resource.
 *
 * @since 0.4.0
 * @category schemas
 */
export const UserCardManageEventType = Wire.Enum(
  "USER_VIEW_MEMBERCARD",
  "USER_DELETE_MEMBERCARD",
  "USER_MODIFY_INFORMATION"
)

/** The fields every member-card event's resource has: whose card, which one, when. */
const cardEventFields = {
  /** 会员卡模板 id. */
  card_id: Schema.String,
  /** 会员卡 code. */
  code: Wire.optional(Schema.String),
  /** 事件时间 (RFC 3339). */
  event_time: Schema.String,
  /** The user's openid (personal data: never logged by this library). */
  openid: Schema.String,
  /** The user's unionid. */
  unionid: Wire.optional(Schema.String)
}

/**
 * The decrypted resource of 领卡通知 (`MEMBERCARD.ACCEPT_CARD`): a user claimed a card.
 *
 * @since 0.4.0
 * @category schemas
 */
export const AcceptCardResource = Schema.Struct({
  /** 事件类型: `NEW_ACTIVATE` | `RECOVER` | `MEMBER_CARD_ACCEPT_BY_PHONE_NUMBER`. */
  event_type: AcceptCardEventType.response,
  ...cardEventFields,
  /** 加密手机号: encrypted with the merchant certificate's public key; decrypt with the merchant private key. */
  phone_number: Wire.optional(Schema.String),
  /** 场景值: the `outer_str` given when the card was distributed. */
  outer_str: Wire.optional(Schema.String)
})

/**
 * @since 0.4.0
 * @category models
 */
export interface AcceptCardResource extends Schema.Schema.Type<typeof AcceptCardResource> {}

/**
 * The decrypted resource of 激活通知 (`MEMBERCARD.ACTIVATE_CARD`): a card was activated.
 *
 * @since 0.4.0
 * @category schemas
 */
export const ActivateCardResource = Schema.Struct({
  /** 事件类型: `MEMBER_CARD_ACTIVATE`. */
  event_type: ActivateCardEventType.response,
  ...cardEventFields,
  /** 激活场景: `NEW_ACTIVATE` | `RECOVER` (required by one source, optional in another: optional here). */
  activate_scene: Wire.optional(ActivateScene.response),
  /** 场景值. */
  outer_str: Wire.optional(Schema.String)
})

/**
 * @since 0.4.0
 * @category models
 */
export interface ActivateCardResource extends Schema.Schema.Type<typeof ActivateCardResource> {}

/**
 * The decrypted resource of 用户管理会员卡通知 (`MEMBERCARD.USERCARD_MANAGE`): a user viewed, deleted or edited a card.
 *
 * @since 0.4.0
 * @category schemas
 */
export const UserCardManageResource = Schema.Struct({
  /** 事件类型: `USER_VIEW_MEMBERCARD` | `USER_DELETE_MEMBERCARD` | `USER_MODIFY_INFORMATION`. */
  event_type: UserCardManageEventType.response,
  ...cardEventFields
})

/**
 * @since 0.4.0
 * @category models
 */
export interface UserCardManageResource extends Schema.Schema.Type<typeof UserCardManageResource> {}

// ---------------------------------------------------------------------------------------------------------------
// 商家名片会员卡 payloads (both surfaces: a provider's BRAND_MEMBER_CARD_SP.*, a brand's BRAND_MEMBER_CARD.*)
// ---------------------------------------------------------------------------------------------------------------

/**
 * The decrypted `user_card` resource of 会员卡事件通知 (`…USER_CARD.CREATE` / `.DELETE`): the member's card as the
 * APIs answer it, except that `user_card_code` may be absent or empty — on a CREATE when the template is
 * `MERCHANT_ALLOCATE` (the merchant gives the code when it confirms), on a DELETE of such a card never confirmed
 * (official partner page 4015283692). `phone_number` is given when the user's WeChat has one bound (plain or
 * ciphertext: the sources differ).
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandUserCardResource = Schema.Struct({
  ...UserCard.fields,
  user_card_code: Wire.optional(Schema.String)
})

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandUserCardResource extends Schema.Schema.Type<typeof BrandUserCardResource> {}

/**
 * The decrypted `sync_user_point` resource of 用户积分同步事件通知 (`…SYNC_USER_POINT`): WeChat asks for the member's
 * current balance; answer with `SyncUserPoints` (official partner page 4016096820).
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandSyncUserPointResource = Schema.Struct({
  brand_id: Schema.String,
  card_id: Schema.String,
  openid: Schema.String,
  user_card_code: Schema.String
})

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandSyncUserPointResource extends Schema.Schema.Type<typeof BrandSyncUserPointResource> {}

/**
 * The decrypted `point_coupon` resource of 积分兑券事件通知 (`…POINT_EXCHANGE_COUPON`): a member redeems points for a
 * coupon; deduct `deduct_points`, then answer with `ConfirmPointsExchange` (official partner page 4015878622; all
 * fields required there — `appid` and the product coupon's fields are read leniently, as SDK S's sample omits some).
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandPointExchangeCouponResource = Schema.Struct({
  /** 积分兑券记录ID: what the confirm names. */
  record_id: Schema.String,
  brand_id: Schema.String,
  card_id: Schema.String,
  appid: Wire.optional(Schema.String),
  openid: Schema.String,
  user_card_code: Schema.String,
  exchange_coupon_template_id: Schema.String,
  /** 扣减积分. */
  deduct_points: Schema.Number,
  product_coupon_id: Wire.optional(Schema.String),
  product_coupon_stock_type: Wire.optional(Schema.String),
  stock_id: Schema.String
})

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandPointExchangeCouponResource extends Schema.Schema.Type<typeof BrandPointExchangeCouponResource> {}

// ---------------------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------------------

/** The envelope's fields (every event has them). @internal */
export const envelopeFields = {
  /** 通知 id: the de-duplication key (the same notification delivered twice has the same id). */
  id: Schema.String,
  /** 通知创建时间 (RFC 3339). */
  create_time: Schema.String,
  /** 通知数据类型: `encrypt-resource`. */
  resource_type: Schema.String,
  /** 回调摘要, e.g. 会员卡激活通知. */
  summary: Schema.String
}

/**
 * @since 0.4.0
 * @category schemas
 */
export const AcceptCard = Schema.TaggedStruct("AcceptCard", {
  ...envelopeFields,
  event_type: Schema.Literal("MEMBERCARD.ACCEPT_CARD"),
  resource: AcceptCardResource
})

/**
 * 领卡通知.
 *
 * @since 0.4.0
 * @category models
 */
export interface AcceptCard extends Schema.Schema.Type<typeof AcceptCard> {}

/**
 * @since 0.4.0
 * @category schemas
 */
export const ActivateCard = Schema.TaggedStruct("ActivateCard", {
  ...envelopeFields,
  event_type: Schema.Literal("MEMBERCARD.ACTIVATE_CARD"),
  resource: ActivateCardResource
})

/**
 * 激活通知.
 *
 * @since 0.4.0
 * @category models
 */
export interface ActivateCard extends Schema.Schema.Type<typeof ActivateCard> {}

/**
 * @since 0.4.0
 * @category schemas
 */
export const UserCardManage = Schema.TaggedStruct("UserCardManage", {
  ...envelopeFields,
  event_type: Schema.Literal("MEMBERCARD.USERCARD_MANAGE"),
  resource: UserCardManageResource
})

/**
 * 用户管理会员卡通知.
 *
 * @since 0.4.0
 * @category models
 */
export interface UserCardManage extends Schema.Schema.Type<typeof UserCardManage> {}

/** A 商家名片会员卡 event: the envelope, one of its `event_type` names (provider's, brand's, legacy), its resource. */
const brandEvent = <const Tag extends string, const Types extends readonly [string, ...Array<string>], S extends Schema.Top>(
  tag: Tag,
  eventTypes: Types,
  resource: S
) => Schema.TaggedStruct(tag, { ...envelopeFields, event_type: Schema.Literals(eventTypes), resource })

/**
 * 会员卡事件通知, a member opened a card (through the join component or 商家名片): confirm it with `ConfirmUserCard`.
 * A provider's event is `BRAND_MEMBER_CARD_SP.USER_CARD.CREATE` (its legacy name `MEMBERCARDSP.USER_CARD.CREATE` is
 * read too), a brand's `BRAND_MEMBER_CARD.USER_CARD.CREATE`.
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandUserCardCreate = brandEvent("BrandUserCardCreate", [
  "BRAND_MEMBER_CARD_SP.USER_CARD.CREATE",
  "BRAND_MEMBER_CARD.USER_CARD.CREATE",
  "MEMBERCARDSP.USER_CARD.CREATE"
], BrandUserCardResource)

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandUserCardCreate extends Schema.Schema.Type<typeof BrandUserCardCreate> {}

/**
 * 会员卡事件通知, a member deleted a card.
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandUserCardDelete = brandEvent("BrandUserCardDelete", [
  "BRAND_MEMBER_CARD_SP.USER_CARD.DELETE",
  "BRAND_MEMBER_CARD.USER_CARD.DELETE",
  "MEMBERCARDSP.USER_CARD.DELETE"
], BrandUserCardResource)

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandUserCardDelete extends Schema.Schema.Type<typeof BrandUserCardDelete> {}

/**
 * 用户积分同步事件通知: answer with `SyncUserPoints`.
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandSyncUserPoint = brandEvent(
  "BrandSyncUserPoint",
  ["BRAND_MEMBER_CARD_SP.SYNC_USER_POINT", "BRAND_MEMBER_CARD.SYNC_USER_POINT"],
  BrandSyncUserPointResource
)

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandSyncUserPoint extends Schema.Schema.Type<typeof BrandSyncUserPoint> {}

/**
 * 积分兑券事件通知: deduct the points, then answer with `ConfirmPointsExchange` (ALLOW or REJECT).
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandPointExchangeCoupon = brandEvent(
  "BrandPointExchangeCoupon",
  ["BRAND_MEMBER_CARD_SP.POINT_EXCHANGE_COUPON", "BRAND_MEMBER_CARD.POINT_EXCHANGE_COUPON"],
  BrandPointExchangeCouponResource
)

/**
 * @since 1.3.0
 * @category models
 */
export interface BrandPointExchangeCoupon extends Schema.Schema.Type<typeof BrandPointExchangeCoupon> {}

/**
 * @since 0.4.0
 * @category schemas
 */
export const UnknownEvent = Schema.TaggedStruct("Unknown", {
  ...envelopeFields,
  event_type: Schema.String,
  resource: Schema.Unknown
})

/**
 * A verified notification of a type this version does not model: its resource is still decrypted and given as
 * parsed JSON, so nothing WeChat sends is dropped.
 *
 * @since 0.4.0
 * @category models
 */
export interface UnknownEvent extends Schema.Schema.Type<typeof UnknownEvent> {}

/**
 * @since 0.4.0
 * @category schemas
 */
export const Event = Schema.Union([
  AcceptCard,
  ActivateCard,
  UserCardManage,
  BrandUserCardCreate,
  BrandUserCardDelete,
  BrandSyncUserPoint,
  BrandPointExchangeCoupon,
  UnknownEvent
])

/**
 * A verified, decrypted notification: the envelope with its decoded `resource`. Narrow with `_tag` (`AcceptCard`,
 * `ActivateCard`, `UserCardManage`, `Unknown`); `event_type` keeps WeChat's name.
 *
 * @since 0.4.0
 * @category models
 */
export type Event =
  | AcceptCard
  | ActivateCard
  | UserCardManage
  | BrandUserCardCreate
  | BrandUserCardDelete
  | BrandSyncUserPoint
  | BrandPointExchangeCoupon
  | UnknownEvent

/**
 * The event types this version models.
 *
 * @since 0.4.0
 * @category models
 */
export type KnownEventType = Exclude<Event, UnknownEvent>["event_type"]

/**
 * Narrow an event by WeChat's `event_type`. (A `switch` on `event.event_type` cannot narrow `resource` in TypeScript:
 * the `Unknown` member's `event_type` is any string, so it stays in every branch. `_tag` narrows directly; this guard
 * is the `event_type` spelling of it. It is exact: an event of a known type is always decoded as its own member,
 * never as `Unknown`.)
 *
 * @since 0.4.0
 * @category guards
 */
export const isEventType = <T extends KnownEventType>(
  event: Event,
  eventType: T
): event is Extract<Event, { readonly event_type: T }> => event._tag !== "Unknown" && event.event_type === eventType

