/**
 * The operations of 商家名片会员卡, each declared once for both surfaces (`PartnerCardMember`, `BrandCardMember`). Doc ids:
 * A = the provider's page (`pay.weixin.qq.com/doc/v3/partner/<id>`), B = the brand's (`…/doc/brand/<id>`). The
 * provider's pages were read in full (WeChat's own Markdown export, mirrored daily: minibear2021/wechatpay_docs
 * @e07d153); the brand's only up to their first fields, so where a brand page is not visible the provider's reading is
 * used. Repeat safety is stated per write. WeChat does not replay a repeated `out_request_no` here: where its pages say
 * what happens, it refuses the repeat (创建会员卡模板: `PARAM_ERROR 商家请求单号重复`; 创建用户动态信息: `ALREADY_EXISTS`),
 * and elsewhere they say nothing. So no write of this product is repeated after an unknown outcome (a timeout, a
 * dropped connection, a 500): the repeat would report a write that was applied as a failure, or — for an absolute
 * points balance — overwrite a newer one. Writes are repeated only after an answer saying they were not processed
 * (429, 501–503), with the same `out_request_no` and bytes.
 *
 * @since 1.3.0
 */
import * as Schema from "effect/Schema"
import * as Media from "../Media.js"
import * as Wire from "../Wire.js"
import { operation } from "./operation.js"
import {
  Activity,
  ActivityChannel,
  ActivityId,
  ActivityState,
  CardId,
  CardState,
  CardTemplate,
  createTemplateFields,
  ExchangeResult,
  ExchangeState,
  JumpInformation,
  Openid,
  Page,
  pageQuery,
  Token,
  updateTemplateFields,
  UserCard,
  UserCardCode,
  UserCardConfirmState,
  UserCardState,
  UserInformation,
  ValidDateInformation
} from "./schemas.js"

const optional = Wire.optional

/** What a member's card may carry besides its ids (import, confirm, update; lengths from ON-B 4015582719/4015582744). */
const memberCardFields = {
  /** 会员卡背景颜色 for this member, `#RRGGBB`. */
  card_color: optional(Wire.chars("card_color", 7)),
  /** 会员卡背景图 for this member, string(256). */
  card_picture_url: optional(Wire.chars("card_picture_url", 256)),
  /** 手机号, given in plain and sent encrypted to the WeChat Pay public key (string(512) as ciphertext). */
  phone_number: optional(Wire.secret("phone_number")),
  /** 会员等级, string(10). */
  level: optional(Wire.chars("level", 10)),
  /** 有效期 for this member (its type must be the template's). */
  valid_date_information: optional(ValidDateInformation),
  /** 开卡信息: values are ciphertext (`Encryptor.encrypt`). */
  user_information: optional(UserInformation)
}

/** 附加信息, string(256): echoed back. */
const attach = optional(Wire.chars("attach", 256))

// ---------------------------------------------------------------------------------------------------------------
// Card templates
// ---------------------------------------------------------------------------------------------------------------

/**
 * 创建会员卡模板 — `POST /cards` (A 4015336970, B 4015582711). A repeated `out_request_no` is refused
 * (`400 PARAM_ERROR 商家请求单号重复`, A's error table), never applied twice: the client repeats the call only after
 * an answer saying it was not processed. After an unknown outcome (a `TransportError`, a `SystemError`), look the
 * template up with `ListCardTemplates` before creating it again; a manual repeat answered 商家请求单号重复 means the
 * first one made it.
 *
 * @since 1.3.0
 * @category operations
 */
export const CreateCardTemplate = operation({
  name: "CreateCardTemplate",
  method: "POST",
  path: "/cards",
  fields: {
    ...createTemplateFields,
    /** 会员协议: required on the provider's page. */
    legal_agreement: optional(Wire.chars("legal_agreement", 20480)),
    member_information: optional(JumpInformation)
  },
  // The provider's official page (4015336970) requires both; the brand's page is not visible that far.
  partnerFields: {
    /** 会员协议 (plain text), string(20480). */
    legal_agreement: Wire.chars("legal_agreement", 20480),
    /** 会员中心入口: both the mini-program and its page (required there). */
    member_information: Schema.Struct({
      jump_appid: Wire.chars("jump_appid", 32),
      jump_path: Wire.chars("jump_path", 128)
    })
  },
  response: CardTemplate,
  repeatable: "only when not processed: WeChat refuses a repeated out_request_no (商家请求单号重复) rather than replaying",
  rateLimit: { brand: 5 }
})

/**
 * 查询会员卡模板列表 — `GET /cards` (A 4015336976, B 4015582712).
 *
 * @since 1.3.0
 * @category operations
 */
export const ListCardTemplates = operation({
  name: "ListCardTemplates",
  method: "GET",
  path: "/cards",
  fields: { state: optional(CardState.request), ...pageQuery },
  response: Page(CardTemplate),
  rateLimit: { partner: 5, brand: 5 }
})

/**
 * 查询会员卡模板信息 — `GET /cards/{card_id}` (A 4015336974, B 4015582715).
 *
 * @since 1.3.0
 * @category operations
 */
export const GetCardTemplate = operation({
  name: "GetCardTemplate",
  method: "GET",
  path: "/cards/{card_id}",
  fields: { card_id: CardId },
  response: CardTemplate,
  // ON-P 4015336974 prints "按服务商商户号维度 5次/秒" (docs corpus copy).
  rateLimit: { partner: 5, brand: 5 }
})

/**
 * 修改会员卡模板信息 — `PATCH /cards/{card_id}` (A 4015336977, B 4015582722). A set: repeated only after an answer
 * saying it was not processed.
 *
 * @since 1.3.0
 * @category operations
 */
export const UpdateCardTemplate = operation({
  name: "UpdateCardTemplate",
  method: "PATCH",
  path: "/cards/{card_id}",
  fields: { card_id: CardId, ...updateTemplateFields },
  response: CardTemplate,
  repeatable: "a set of the template's settings: the same body again changes nothing"
})

/**
 * 作废会员卡模板 — `POST /cards/{card_id}/invalidate` (A 4015336972, 10/s; B 4015582724, no body): the template can no
 * longer be given out through any channel. Terminal.
 *
 * @since 1.3.0
 * @category operations
 */
export const InvalidateCardTemplate = operation({
  name: "InvalidateCardTemplate",
  method: "POST",
  path: "/cards/{card_id}/invalidate",
  fields: { card_id: CardId },
  response: CardTemplate,
  // The brand's page (4015582724, 2025-08-01) shows no body and no Content-Type; the provider's sends `{ brand_id }`.
  brandOmitsEmptyBody: true,
  repeatable: "terminal: an invalidated template stays invalid",
  rateLimit: { partner: 10 }
})

// ---------------------------------------------------------------------------------------------------------------
// Members' cards
// ---------------------------------------------------------------------------------------------------------------

/**
 * 查询用户在品牌下所有会员卡 — `GET /user-cards` (A 4015336984, B 4015582718).
 *
 * @since 1.3.0
 * @category operations
 */
export const ListUserCards = operation({
  name: "ListUserCards",
  method: "GET",
  path: "/user-cards",
  fields: { openid: Openid, user_card_state: optional(UserCardState.request), ...pageQuery },
  response: Page(UserCard),
  rateLimit: { partner: 5, brand: 5 }
})

/**
 * 查询用户会员卡信息 — `GET /user-cards/{user_card_code}` (A 4015336980, B 4015582716).
 *
 * @since 1.3.0
 * @category operations
 */
export const GetUserCard = operation({
  name: "GetUserCard",
  method: "GET",
  path: "/user-cards/{user_card_code}",
  fields: { user_card_code: UserCardCode, card_id: CardId, openid: Openid },
  response: UserCard
})

/**
 * 修改用户会员卡信息 — `PATCH /user-cards/{user_card_code}` (A 4015336985, B 4015582719): only an activated card.
 * `card_id` in the body (the current pages; an older revision, copied by W/Y/S, had it in the query). A set: repeated
 * only after an answer saying it was not processed.
 *
 * @since 1.3.0
 * @category operations
 */
export const UpdateUserCard = operation({
  name: "UpdateUserCard",
  method: "PATCH",
  path: "/user-cards/{user_card_code}",
  fields: { user_card_code: UserCardCode, card_id: CardId, openid: Openid, ...memberCardFields, attach },
  response: UserCard,
  encrypt: "phone_number",
  repeatable: "a set of the member's card: the same body again changes nothing",
  rateLimit: { brand: 5 }
})

/**
 * 作废用户会员卡 — `POST /user-cards/{user_card_code}/invalidate` (A 4015336983, B 4015582726): irreversible (the user
 * cannot rejoin that template); only a card waiting for activation or in effect. Get the member's consent first.
 *
 * @since 1.3.0
 * @category operations
 */
export const InvalidateUserCard = operation({
  name: "InvalidateUserCard",
  method: "POST",
  path: "/user-cards/{user_card_code}/invalidate",
  fields: {
    user_card_code: UserCardCode,
    card_id: CardId,
    openid: Openid,
    /** 作废原因, string(32). */
    invalid_reason: optional(Wire.chars("invalid_reason", 32))
  },
  response: UserCard,
  repeatable: "terminal: an invalidated card stays invalid"
})

const importFields = {
  card_id: CardId,
  /** 用户会员卡号 chosen by the merchant, string(32). */
  user_card_code: Wire.chars("user_card_code", 32),
  ...memberCardFields,
  /** 领取时间 (RFC 3339), for a relative validity. */
  pickup_time: optional(Wire.rfc3339("pickup_time"))
}

/**
 * 根据OPENID导入用户会员卡 — `POST /user-cards/import-by-openid` (A 4015336981, B 4015582744 at 10/s): the card is
 * active at once, with no confirmation step. Repeated only when not processed: a second import of the same code or
 * member is refused (`该用户卡 code 已存在`, `用户已有已生效的会员卡`), so after an unknown outcome look the card up.
 *
 * @since 1.3.0
 * @category operations
 */
export const ImportUserCardByOpenid = operation({
  name: "ImportUserCardByOpenid",
  method: "POST",
  path: "/user-cards/import-by-openid",
  fields: { openid: Openid, ...importFields },
  response: UserCard,
  encrypt: "phone_number",
  repeatable: "only when not processed: a second import is refused, never applied twice",
  rateLimit: { partner: 5, brand: 10 }
})

/**
 * 根据手机号导入用户会员卡 — `POST /user-cards/import-by-phone` (A 4015336982; provider only). UNVERIFIED: the page
 * was published (2025-06-22) but is missing from WeChat's own page index since April 2026 — it may be withdrawn.
 * Repeated only when not processed, as import by openid.
 *
 * @since 1.3.0
 * @category operations
 */
export const ImportUserCardByPhone = operation({
  name: "ImportUserCardByPhone",
  method: "POST",
  path: "/user-cards/import-by-phone",
  fields: { ...importFields, phone_number: Wire.secret("phone_number") },
  response: UserCard,
  encrypt: "phone_number",
  repeatable: "only when not processed: a second import is refused, never applied twice",
  surfaces: "partner"
})

/**
 * 同步会员开通结果 — `POST /user-cards/{user_card_code}/confirm` (A 4015336979, B 4015582750): after every opening by
 * a user (the `USER_CARD.CREATE` notification) — only then is the card opened. With `MERCHANT_ALLOCATE` the code in the
 * path becomes the member's code, success or not. `card_id` in the body (current pages). A set of one opening's
 * outcome: repeated only after an answer saying it was not processed.
 *
 * @since 1.3.0
 * @category operations
 */
export const ConfirmUserCard = operation({
  name: "ConfirmUserCard",
  method: "POST",
  path: "/user-cards/{user_card_code}/confirm",
  fields: {
    user_card_code: UserCardCode,
    card_id: CardId,
    openid: Openid,
    ...memberCardFields,
    attach,
    /** 会员开通结果. */
    user_card_confirm_state: UserCardConfirmState.request
  },
  response: UserCard,
  encrypt: "phone_number",
  repeatable: "a set of one opening's outcome: the same answer again changes nothing",
  rateLimit: { partner: 5 }
})

// ---------------------------------------------------------------------------------------------------------------
// Components, feeds, points
// ---------------------------------------------------------------------------------------------------------------

const tokenFields = { card_id: CardId, openid: Openid }

/**
 * 入会组件预授权 — `POST /pre-auth-tokens` (A 4015336986, B 4015582733): a token (1 hour) to open the join component.
 * A new token each call: repeated.
 *
 * @since 1.3.0
 * @category operations
 */
export const CreatePreAuthToken = operation({
  name: "CreatePreAuthToken",
  method: "POST",
  path: "/pre-auth-tokens",
  fields: tokenFields,
  response: Token,
  repeatable: "a new token each call; none is spent until used",
  rateLimit: { partner: 5 }
})

/**
 * 品牌会员展示付款码组件预授权 — `POST /pay-view-tokens` (A 4016834476; provider only, 10/s): a token for the pay-code
 * component, valid 10 minutes and once — fetch one before every launch. Repeated, as the join token.
 *
 * @since 1.3.0
 * @category operations
 */
export const CreatePayViewToken = operation({
  name: "CreatePayViewToken",
  method: "POST",
  path: "/pay-view-tokens",
  fields: tokenFields,
  response: Token,
  repeatable: "a new token each call; none is spent until used",
  rateLimit: { partner: 10 },
  surfaces: "partner"
})

/**
 * 创建用户动态信息 — `POST /user-feeds` (A 4015336987, B 4015582679). A repeated `out_request_no` is refused as
 * `400 ALREADY_EXISTS 该用户动态已存在` (A's error table): never shown twice. Repeated only when not processed; an
 * `AlreadyExists` answer to your own repeat means the first one was shown.
 *
 * @since 1.3.0
 * @category operations
 */
export const CreateUserFeed = operation({
  name: "CreateUserFeed",
  method: "POST",
  path: "/user-feeds",
  fields: {
    card_id: CardId,
    user_card_code: Wire.chars("user_card_code", 32),
    openid: Openid,
    /** 商户请求单号, string(64). */
    out_request_no: Wire.chars("out_request_no", 64),
    /** 动态信息 (the format of 下单同步用户实时动态's `cell`), string(128). W's `cell_message` is an older name. */
    cell: Wire.chars("cell", 128)
  },
  response: Schema.Struct({
    brand_id: optional(Schema.String),
    card_id: optional(Schema.String),
    user_card_code: optional(Schema.String),
    openid: optional(Schema.String),
    out_request_no: optional(Schema.String),
    cell: optional(Schema.String)
  }),
  repeatable: "only when not processed: WeChat refuses a repeated out_request_no (ALREADY_EXISTS) rather than replaying",
  rateLimit: { partner: 5 }
})

/**
 * 同步积分余额 — `POST /user-points/sync` (A 4015897280, B 4015897319 at 10/s): the member's absolute balance, after a
 * `SYNC_USER_POINT` notification or whenever it changes. Repeated only when not processed: no page says WeChat drops a
 * repeated `out_request_no` here, and a late repeat of an older balance could overwrite a newer one. After an unknown
 * outcome, sync the balance as it is then (a new `out_request_no`).
 *
 * @since 1.3.0
 * @category operations
 */
export const SyncUserPoints = operation({
  name: "SyncUserPoints",
  method: "POST",
  path: "/user-points/sync",
  fields: {
    out_request_no: Wire.chars("out_request_no", 128),
    card_id: CardId,
    openid: Openid,
    user_card_code: Wire.chars("user_card_code", 32),
    /** 积分余额: not negative (no maximum is printed). */
    point_balance: Wire.count("point_balance")
  },
  response: Schema.Struct({
    out_request_no: optional(Schema.String),
    brand_id: optional(Schema.String),
    card_id: optional(Schema.String),
    openid: optional(Schema.String),
    user_card_code: optional(Schema.String),
    point_balance: optional(Schema.Number)
  }),
  repeatable: "only when not processed: an absolute balance repeated late could overwrite a newer one",
  rateLimit: { partner: 5, brand: 10 }
})

/**
 * 同步积分兑券结果 — `POST /user-points/exchange-coupon/confirm` (A 4015897268, B 4015897310): the answer to a
 * `POINT_EXCHANGE_COUPON` notification, after deducting the points. WeChat issues the coupon only on ALLOW; when the
 * final state is a failure, give the points back. `reject_reason` is required with REJECT. A set of one exchange's
 * answer: repeated only after an answer saying it was not processed.
 *
 * @since 1.3.0
 * @category operations
 */
export const ConfirmPointsExchange = operation({
  name: "ConfirmPointsExchange",
  method: "POST",
  path: "/user-points/exchange-coupon/confirm",
  fields: {
    /** 积分兑券记录ID (from the notification), string(64). */
    record_id: Wire.chars("record_id", 64),
    /** 兑券模板ID, string(32). */
    exchange_coupon_template_id: Wire.chars("exchange_coupon_template_id", 32),
    card_id: CardId,
    openid: Openid,
    user_card_code: Wire.chars("user_card_code", 32),
    result: ExchangeResult.request,
    /** 拒绝原因, string(32): required with REJECT. */
    reject_reason: optional(Wire.chars("reject_reason", 32))
  },
  response: Schema.Struct({
    record_id: optional(Schema.String),
    exchange_coupon_template_id: optional(Schema.String),
    brand_id: optional(Schema.String),
    card_id: optional(Schema.String),
    openid: optional(Schema.String),
    user_card_code: optional(Schema.String),
    state: optional(ExchangeState.response),
    product_coupon_id: optional(Schema.String),
    product_coupon_stock_type: optional(Schema.String),
    stock_id: optional(Schema.String),
    coupon_code: optional(Schema.String),
    reject_reason: optional(Schema.String)
  }),
  // 拒绝原因: "result 为 POINT_EXCHANGE_COUPON_REJECT 时必填" (official partner page 4015897268).
  refuse: (request: { readonly result: string; readonly reject_reason?: string }) =>
    request.result === "POINT_EXCHANGE_COUPON_REJECT" && (request.reject_reason ?? "") === ""
      ? { path: "reject_reason", message: "is required when result is POINT_EXCHANGE_COUPON_REJECT" }
      : undefined,
  repeatable: "a set of one exchange's answer: the same answer again changes nothing",
  rateLimit: { partner: 5 }
})

// ---------------------------------------------------------------------------------------------------------------
// Activities (provider only)
// ---------------------------------------------------------------------------------------------------------------

const activityText = {
  /** 活动标题, string(128). */
  title: Wire.chars("title", 128),
  /** 活动副标题, string(128). */
  sub_title: Wire.chars("sub_title", 128),
  /** 活动开始时间 (RFC 3339, without milliseconds). */
  begin_time: Wire.rfc3339("begin_time"),
  /** 活动结束时间. */
  end_time: Wire.rfc3339("end_time")
}

/**
 * 创建品牌会员发券活动 — `POST /membership-activities` (A 4016464918): gift product-coupon batches to new members
 * through the join component. Repeated only when not processed: WeChat's answer to a repeated `out_request_no` is not
 * published, and `400 ALREADY_EXISTS` (the template already has an activity in effect) may well be it — after an
 * unknown outcome, look the activity up with `ListActivities`.
 *
 * @since 1.3.0
 * @category operations
 */
export const CreateActivity = operation({
  name: "CreateActivity",
  method: "POST",
  path: "/membership-activities",
  fields: {
    out_request_no: Wire.chars("out_request_no", 128),
    card_id: CardId,
    activity_channel: ActivityChannel.request,
    ...activityText,
    /** 活动总参与次数: below the smallest stock of the gifted batches. */
    apply_total: Wire.int("apply_total", { min: 1, max: Number.MAX_SAFE_INTEGER }),
    /** 商品券批次. */
    product_coupon_stock_list: Wire.array(
      "product_coupon_stock_list",
      Schema.Struct({ product_coupon_id: Wire.chars("product_coupon_id", 64), stock_id: Wire.chars("stock_id", 128) })
    )
  },
  response: Activity,
  repeatable: "only when not processed: WeChat's answer to a repeated out_request_no is not published",
  rateLimit: { partner: 5 },
  surfaces: "partner"
})

/**
 * 查询品牌会员发券活动列表 — `GET /membership-activities` (A 4016588039).
 *
 * @since 1.3.0
 * @category operations
 */
export const ListActivities = operation({
  name: "ListActivities",
  method: "GET",
  path: "/membership-activities",
  fields: { card_id: optional(CardId), activity_state: optional(ActivityState.request), ...pageQuery },
  response: Page(Activity),
  rateLimit: { partner: 5 },
  surfaces: "partner"
})

/**
 * 查询品牌会员发券活动 — `GET /membership-activities/{activity_id}` (A 4016588015).
 *
 * @since 1.3.0
 * @category operations
 */
export const GetActivity = operation({
  name: "GetActivity",
  method: "GET",
  path: "/membership-activities/{activity_id}",
  fields: { activity_id: ActivityId },
  response: Activity,
  rateLimit: { partner: 5 },
  surfaces: "partner"
})

/**
 * 修改品牌会员发券活动信息 — `PATCH /membership-activities/{activity_id}` (A 4016588044). A set: repeated only after
 * an answer saying it was not processed.
 *
 * @since 1.3.0
 * @category operations
 */
export const UpdateActivity = operation({
  name: "UpdateActivity",
  method: "PATCH",
  path: "/membership-activities/{activity_id}",
  fields: { activity_id: ActivityId, ...activityText },
  response: Activity,
  repeatable: "a set of the activity's texts and times: the same body again changes nothing",
  rateLimit: { partner: 5 },
  surfaces: "partner"
})

/**
 * 终止品牌会员发券活动 — `POST /membership-activities/{activity_id}/terminate` (A 4016588028): the activity stops
 * being shown; the component keeps working. Terminal.
 *
 * @since 1.3.0
 * @category operations
 */
export const TerminateActivity = operation({
  name: "TerminateActivity",
  method: "POST",
  path: "/membership-activities/{activity_id}/terminate",
  fields: { activity_id: ActivityId },
  response: Activity,
  repeatable: "terminal: a terminated activity stays terminated",
  surfaces: "partner"
})

// ---------------------------------------------------------------------------------------------------------------
// Media (brand only: a provider uploads with `Media.UploadImage`, which its card-member pages link to)
// ---------------------------------------------------------------------------------------------------------------

/**
 * 图片上传 — `POST /media/image-upload` (B 4015680641), multipart: the `meta` JSON is signed. JPG, BMP or PNG, at most
 * 2 MB; the URL is permanent (use it as `card_picture_url`). Changes no member's state: repeated.
 *
 * @since 1.3.0
 * @category operations
 */
export const UploadImage = operation({
  name: "UploadImage",
  method: "POST",
  path: "/media/image-upload",
  fields: Media.UploadImageRequest.fields,
  response: Media.UploadImageResponse,
  body: Media.uploadBody,
  repeatable: "an upload changes no member's state: a repeat at worst stores the same image twice",
  surfaces: "brand"
})
