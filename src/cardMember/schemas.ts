/**
 * 商家名片会员卡: the shapes both of its doors share — the service provider's (`/v3/brand/partner/card-member`) and the
 * brand's (`/brand/card-member`): card templates, members' cards, activities, their enums. Sources are graded in the
 * project's spec (brand-card-member.md §0): ON = the official pages (authoritative, cut after ~3,000 characters, so
 * response and error tables are never visible), W/Y = wechatpay-im's tables, S and SP = two independent C# SDKs. A limit
 * is enforced when an official page or SP states it; where sources disagree the request follows the official page,
 * and responses accept every reading (fields optional, enums open).
 *
 * @since 1.3.0
 */
import * as Schema from "effect/Schema"
import * as Wire from "../Wire.js"
import { CardType, CommonFieldName, ValidDateInformationResponse, ValidDateType } from "./userCard.js"

export { CardType, CommonFieldName, UserCard, UserCardState, ValidDateType } from "./userCard.js"

const optional = Wire.optional

// ---------------------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------------------

/**
 * A path parameter of 1–`max` characters; `.` and `..` are refused (URL normalisation would resolve them away and the
 * request would reach another route).
 */
const pathParam = (field: string, max: number) =>
  Wire.chars(field, max).pipe(
    Schema.check(Schema.makeFilter((s) => s !== "." && s !== "..", { message: `${field} cannot be "." or ".."` }))
  )

/**
 * 品牌ID, string(32) (ON-P; two partner pages print string(16), sic: 32 accepts both).
 *
 * @since 1.3.0
 * @category schemas
 */
export const BrandId = Wire.chars("brand_id", 32)

/**
 * 会员卡模板ID (card_id), string(32): a path parameter or a field.
 *
 * @since 1.3.0
 * @category schemas
 */
export const CardId = pathParam("card_id", 32)

/**
 * 用户会员卡号 (user_card_code), string(32): digits, letters and half-width punctuation.
 *
 * @since 1.3.0
 * @category schemas
 */
export const UserCardCode = pathParam("user_card_code", 32)

/**
 * 活动ID (activity_id), a path parameter (no length is printed: 64 is a bound, not a documented limit).
 *
 * @since 1.3.0
 * @category schemas
 */
export const ActivityId = pathParam("activity_id", 64)

/**
 * 用户标识 (openid under the template's appid), string(128).
 *
 * @since 1.3.0
 * @category schemas
 */
export const Openid = Wire.chars("openid", 128)

/**
 * 商户请求单号, string(128) of letters, digits, `_` and `-` (ON-B 创建会员卡模板: "品牌ID+时间戳+流水号"): the
 * idempotency key of the write that carries it.
 *
 * @since 1.3.0
 * @category schemas
 */
export const OutRequestNo = Wire.chars("out_request_no", 128).pipe(
  Schema.check(Schema.isPattern(/^[0-9A-Za-z_-]+$/, {
    message: "out_request_no may contain only letters, digits, _ and -"
  }))
)

/** The paging query of every list: `offset` from 0, `limit` 1–20 (ON-P / ON-B list pages). */
export const pageQuery = {
  /** 分页开始位置: the records to skip, from 0 ("offset=10 表示从第11条记录开始返回", 4015336976). */
  offset: Wire.int("offset", { min: 0, max: Number.MAX_SAFE_INTEGER }),
  /** 分页大小, 1–20. */
  limit: Wire.int("limit", { min: 1, max: 20 })
}

// ---------------------------------------------------------------------------------------------------------------
// Enums (closed in requests, open in responses)
// ---------------------------------------------------------------------------------------------------------------

/**
 * 会员卡code分配类型: `SYSTEM_ALLOCATE` (WeChat assigns a 24-digit code when claimed) or `MERCHANT_ALLOCATE` (the
 * merchant gives the code when it confirms the opening).
 *
 * @since 1.3.0
 * @category schemas
 */
export const CodeMode = Wire.Enum("SYSTEM_ALLOCATE", "MERCHANT_ALLOCATE")

/**
 * 会员卡code展示类型 (note `QR_CODE` with an underscore, unlike membercard-open's `QRCODE`).
 *
 * @since 1.3.0
 * @category schemas
 */
export const CodeType = Wire.Enum("NONE_CODE", "BAR_CODE", "QR_CODE", "BAR_CODE_AND_QR_CODE", "JUMP_MINI_PROGRAM")

/**
 * 会员卡模板状态: `CARD_EFFECTIVE` 生效中, `CARD_INVALID` 已失效.
 *
 * @since 1.3.0
 * @category schemas
 */
export const CardState = Wire.Enum("CARD_EFFECTIVE", "CARD_INVALID")

/**
 * 自定义开卡信息字段类型.
 *
 * @since 1.3.0
 * @category schemas
 */
export const CustomFieldType = Wire.Enum("CHECK_BOX", "RADIO")

/**
 * 会员开通结果: `CREATE_CARD_SUCCESS`, `CREATE_CARD_FAIL` (W, Y, S) and `CREATE_CARD_ALREADY_EXISTS` (SP; also on the
 * official membercard-open confirm page). The official card-member text is not visible: all three are accepted.
 *
 * @since 1.3.0
 * @category schemas
 */
export const UserCardConfirmState = Wire.Enum("CREATE_CARD_SUCCESS", "CREATE_CARD_FAIL", "CREATE_CARD_ALREADY_EXISTS")

/**
 * 积分兑券结果 (ON-P 4015897268, 2025-08-20): WeChat issues the coupon only on ALLOW.
 *
 * @since 1.3.0
 * @category schemas
 */
export const ExchangeResult = Wire.Enum("POINT_EXCHANGE_COUPON_ALLOW", "POINT_EXCHANGE_COUPON_REJECT")

/**
 * 兑券状态 in the confirm's answer (SP).
 *
 * @since 1.3.0
 * @category schemas
 */
export const ExchangeState = Wire.Enum("POINT_EXCHANGE_COUPON_SUCCESS", "POINT_EXCHANGE_COUPON_FAIL")

/**
 * 品牌会员发券活动状态.
 *
 * @since 1.3.0
 * @category schemas
 */
export const ActivityState = Wire.Enum(
  "MEMBERSHIP_ACTIVITY_CREATED",
  "MEMBERSHIP_ACTIVITY_EFFECTIVE",
  "MEMBERSHIP_ACTIVITY_TERMINATED",
  "MEMBERSHIP_ACTIVITY_EXPIRED"
)

/**
 * 活动渠道: `MECHANT_APP_COMPONENT` (sic, as WeChat spells it).
 *
 * @since 1.3.0
 * @category schemas
 */
export const ActivityChannel = Wire.Enum("MECHANT_APP_COMPONENT")

// ---------------------------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------------------------

/**
 * 跳转信息: a mini-program page (lengths from SP).
 *
 * @since 1.3.0
 * @category schemas
 */
export const JumpInformation = Schema.Struct({
  /** 跳转小程序appid, string(32). */
  jump_appid: optional(Wire.chars("jump_appid", 32)),
  /** 跳转小程序路径, string(128). */
  jump_path: optional(Wire.chars("jump_path", 128))
})

/**
 * 付费会员卡购买信息 (`price` in fen).
 *
 * @since 1.3.0
 * @category schemas
 */
export const PurchaseInformation = Schema.Struct({
  /** 价格 (分). */
  price: optional(Wire.count("price")),
  jump_appid: optional(Wire.chars("jump_appid", 32)),
  jump_path: optional(Wire.chars("jump_path", 128))
})

const validDateFields = {
  /** 有效期起始时间 (FIX_TIME_RANGE), RFC 3339. */
  available_begin_time: optional(Wire.rfc3339("available_begin_time")),
  /** 有效期结束时间 (FIX_TIME_RANGE), RFC 3339. */
  available_end_time: optional(Wire.rfc3339("available_end_time")),
  /** 领取后有效天数 (FIX_TERM), at most 10958 (SP). */
  available_day_after_receive: optional(Wire.int("available_day_after_receive", { min: 1, max: 10958 }))
}

/**
 * 有效期信息 in a request: `type` required.
 *
 * @since 1.3.0
 * @category schemas
 */
export const ValidDateInformation = Schema.Struct({ type: ValidDateType.request, ...validDateFields })

/**
 * 开卡信息表单 of a template: common fields, and at most one custom field of at most 10 choices of ≤ 8 characters (SP).
 *
 * @since 1.3.0
 * @category schemas
 */
export const UserInformationForm = Schema.Struct({
  common_field_list: optional(Schema.Array(CommonFieldName.request)),
  custom_field_list: optional(Wire.array(
    "custom_field_list",
    Schema.Struct({
      type: CustomFieldType.request,
      /** 字段名, ≤ 32 characters. */
      name: Wire.chars("name", 32),
      /** 选项, ≤ 10 of ≤ 8 characters each. */
      values: optional(Wire.array("values", Wire.chars("value", 8), { max: 10 }))
    }),
    { max: 1 }
  ))
})

const UserInformationFormResponse = Schema.Struct({
  common_field_list: optional(Schema.Array(CommonFieldName.response)),
  custom_field_list: optional(Schema.Array(Schema.Struct({
    type: optional(CustomFieldType.response),
    name: optional(Schema.String),
    values: optional(Schema.Array(Schema.String))
  })))
})

/**
 * A member's answers to the form. Each `value` and `user_chosen_values` item is RSA-OAEP ciphertext: in a request,
 * encrypted with the WeChat Pay public key (`Encryptor.encrypt`; the key's id goes out as `Wechatpay-Serial`); in a
 * response or notification, encrypted to the caller's API certificate (decrypt with its private key).
 *
 * @since 1.3.0
 * @category schemas
 */
export const UserInformation = Schema.Struct({
  common_field_list: optional(Schema.Array(Schema.Struct({
    name: CommonFieldName.request,
    /** Ciphertext (see above), string(512). */
    value: optional(Wire.chars("value", 512))
  }))),
  custom_field_list: optional(Schema.Array(Schema.Struct({
    name: Wire.chars("name", 32),
    user_chosen_values: optional(Schema.Array(Wire.chars("user_chosen_value", 512)))
  })))
})

/**
 * The template fields a create or an update may set (lengths from ON-B 4015582711; `init_level`, `service_phone`,
 * `legal_agreement` from SP). `brand_id`, `out_request_no`, `appid`, the type and the code settings are the create's.
 */
export const templateSettings = {
  /** 会员卡标题, ≤ 10 characters. */
  card_title: Wire.chars("card_title", 10),
  /** 会员卡背景颜色, `#RRGGBB`, string(7). */
  card_color: Wire.chars("card_color", 7),
  /** 会员卡背景图 (from 图片上传), string(256). */
  card_picture_url: Wire.chars("card_picture_url", 256),
  /** 会员卡code跳转信息 (needed with `JUMP_MINI_PROGRAM`). */
  code_jump_information: optional(JumpInformation),
  /** 会员权益, string(32). */
  benefits: Wire.chars("benefits", 32),
  /** 事件通知地址 (https, no query): where this template's notifications go, string(256). */
  notify_url: Wire.chars("notify_url", 256),
  /** 是否置顶. Default false. */
  need_pinned: optional(Schema.Boolean),
  /** 是否展示会员等级. Default false. */
  need_display_level: optional(Schema.Boolean),
  /** 初始会员等级, string(10) (required when levels are displayed, SP). */
  init_level: optional(Wire.chars("init_level", 10)),
  /** 客服电话, string(32). */
  service_phone: optional(Wire.chars("service_phone", 32)),
  /** 会员协议 (plain text), string(20480). */
  legal_agreement: optional(Wire.chars("legal_agreement", 20480)),
  /** 有效期信息. */
  valid_date_information: ValidDateInformation,
  /** 会员中心入口. */
  member_information: optional(JumpInformation),
  /** 积分入口 (empty: no entry). */
  points_information: optional(JumpInformation),
  /** 储值入口 (empty: no entry). */
  balance_information: optional(JumpInformation),
  /** 付费会员卡购买信息. */
  purchase_information: optional(PurchaseInformation),
  /** 开卡信息表单. */
  user_information: optional(UserInformationForm)
}

/**
 * The body of 创建会员卡模板 (the brand's; a provider adds `brand_id`).
 *
 * @since 1.3.0
 * @category schemas
 */
export const createTemplateFields = {
  /** 商户请求单号: the idempotency key. */
  out_request_no: OutRequestNo,
  /** 公众号/小程序 appid bound to the brand, string(32). */
  appid: Wire.chars("appid", 32),
  /** 会员卡类型 (only `NORMAL` is accepted today). */
  card_type: CardType.request,
  /** code分配类型. */
  code_mode: CodeMode.request,
  /** code展示类型. */
  code_type: CodeType.request,
  ...templateSettings
}

/**
 * The fields of 修改会员卡模板信息: any of the settings except `init_level` and `legal_agreement` (official partner page
 * 4015336977; SP's brand list agrees). The type, the code settings, the appid and the request number cannot change.
 *
 * @since 1.3.0
 * @category schemas
 */
export const updateTemplateFields = {
  card_title: optional(templateSettings.card_title),
  card_color: optional(templateSettings.card_color),
  card_picture_url: optional(templateSettings.card_picture_url),
  code_jump_information: templateSettings.code_jump_information,
  benefits: optional(templateSettings.benefits),
  notify_url: optional(templateSettings.notify_url),
  need_pinned: templateSettings.need_pinned,
  need_display_level: templateSettings.need_display_level,
  service_phone: templateSettings.service_phone,
  valid_date_information: optional(ValidDateInformation),
  member_information: templateSettings.member_information,
  points_information: templateSettings.points_information,
  balance_information: templateSettings.balance_information,
  purchase_information: templateSettings.purchase_information,
  user_information: templateSettings.user_information
}

const JumpInformationResponse = Schema.Struct({ jump_appid: optional(Schema.String), jump_path: optional(Schema.String) })

/**
 * 会员卡模板 as WeChat answers it. Only `card_id` is required (the official partner tables mark the rest required too,
 * but the brand's are not visible). The update time is `modify_time` (official partner pages; W's `update_time` is
 * an older reading, read too).
 *
 * @since 1.3.0
 * @category schemas
 */
export const CardTemplate = Schema.Struct({
  card_id: Schema.String,
  brand_id: optional(Schema.String),
  out_request_no: optional(Schema.String),
  appid: optional(Schema.String),
  card_type: optional(CardType.response),
  card_title: optional(Schema.String),
  card_color: optional(Schema.String),
  card_picture_url: optional(Schema.String),
  code_mode: optional(CodeMode.response),
  code_type: optional(CodeType.response),
  code_jump_information: optional(JumpInformationResponse),
  benefits: optional(Schema.String),
  notify_url: optional(Schema.String),
  need_pinned: optional(Schema.Boolean),
  need_display_level: optional(Schema.Boolean),
  init_level: optional(Schema.String),
  service_phone: optional(Schema.String),
  legal_agreement: optional(Schema.String),
  valid_date_information: optional(ValidDateInformationResponse),
  member_information: optional(JumpInformationResponse),
  points_information: optional(JumpInformationResponse),
  balance_information: optional(JumpInformationResponse),
  purchase_information: optional(Schema.Struct({
    price: optional(Schema.Number),
    jump_appid: optional(Schema.String),
    jump_path: optional(Schema.String)
  })),
  user_information: optional(UserInformationFormResponse),
  /** 模板状态. */
  state: optional(CardState.response),
  create_time: optional(Schema.String),
  modify_time: optional(Schema.String),
  update_time: optional(Schema.String)
})

/**
 * @since 1.3.0
 * @category models
 */
export interface CardTemplate extends Schema.Schema.Type<typeof CardTemplate> {}

/**
 * 品牌会员发券活动 (provider surface only).
 *
 * @since 1.3.0
 * @category schemas
 */
export const Activity = Schema.Struct({
  activity_id: Schema.String,
  out_request_no: optional(Schema.String),
  brand_id: optional(Schema.String),
  card_id: optional(Schema.String),
  activity_channel: optional(ActivityChannel.response),
  title: optional(Schema.String),
  sub_title: optional(Schema.String),
  begin_time: optional(Schema.String),
  end_time: optional(Schema.String),
  apply_total: optional(Schema.Number),
  apply_available: optional(Schema.Number),
  product_coupon_stock_list: optional(Schema.Array(Schema.Struct({
    product_coupon_id: optional(Schema.String),
    stock_id: optional(Schema.String)
  }))),
  activity_state: optional(ActivityState.response),
  create_time: optional(Schema.String),
  modify_time: optional(Schema.String)
})

/**
 * @since 1.3.0
 * @category models
 */
export interface Activity extends Schema.Schema.Type<typeof Activity> {}

/**
 * A page of a list: `data` (absent when empty), `total_count`, `offset`, `limit`.
 *
 * @since 1.3.0
 * @category constructors
 */
export const Page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    data: optional(Schema.Array(item)),
    total_count: optional(Schema.Number),
    offset: optional(Schema.Number),
    limit: optional(Schema.Number)
  })

/**
 * 预授权 token (入会组件 valid 1 hour; 付款码组件 10 minutes, single use).
 *
 * @since 1.3.0
 * @category schemas
 */
export const Token = Schema.Struct({
  token: Schema.String,
  /** 过期时间 (RFC 3339). */
  expire_time: optional(Schema.String)
})

/**
 * @since 1.3.0
 * @category models
 */
export interface Token extends Schema.Schema.Type<typeof Token> {}
