/**
 * 会员卡模板: card templates — create, list, get, update, delete, rights, upgrade (#3–#9).
 *
 * Limits are the official pages' (创建/修改/查询会员卡模板, 查询会员卡模板列表); `logo_url` and
 * `background_picture_url` are URLs returned by the marketing image-upload API.
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Struct from "effect/Struct"
import * as Endpoint from "../Endpoint.js"
import * as Paging from "../Paging.js"
import type { WechatPayClient } from "../WechatPayClient.js"
import * as Wire from "../Wire.js"
import { CardId, CommonFieldName, Guide, Int, optional } from "./shared.js"

// ---------------------------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------------------------

/**
 * 会员码型: the code shown on the card (derived from `membership_number`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateCodeType = Wire.Enum("BAR_CODE", "QRCODE", "BAR_CODE_AND_QRCODE", "NONE_CODE")

/**
 * 会员卡code分配类型: `SYSTEM_ALLOCATE` (WeChat assigns 12 digits), `MERCHANT_DEPOSIT` (picked from the codes
 * deposited beforehand), `REAL_TIME` (the merchant passes the code at activation). Cannot be changed once set.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateCodeMode = Wire.Enum("SYSTEM_ALLOCATE", "MERCHANT_DEPOSIT", "REAL_TIME")

/**
 * 有效期类型.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateDateType = Wire.Enum("FIX_TIME_RANGE", "FIX_TERM", "PERMANENT")

/**
 * 会员卡状态 (of the template): 待审核, 审核不通过, 审核通过, 已删除.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateStatus = Wire.Enum("NOT_APPROVE", "APPROVE_FAIL", "APPROVED", "DELETED")

/**
 * 自定义开卡字段类型.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateCustomFieldType = Wire.Enum("TEXT", "SELECT", "RADIO", "CHECK_BOX")

/**
 * 会员价入口标题 of the favor rights.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateMemberPriceTitle = Wire.Enum("MEMBER_PRICE", "MEMBER_ACTIVITY")

/**
 * 优惠模块标题 of the favor rights.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateFavorModuleTitle = Wire.Enum("FAVOR", "VIP")

// ---------------------------------------------------------------------------------------------------------------
// Shapes, once per direction: requests take the closed enums, responses the open ones (WeChat adds values).
// ---------------------------------------------------------------------------------------------------------------

const shapes = <D extends "request" | "response">(d: D) => {
  // Requests enforce the documented rules; responses decode what WeChat sends.
  const time = (field: string) => (d === "request" ? Wire.rfc3339(field) : Schema.String)
  const text = (field: string, max: number) => (d === "request" ? Wire.chars(field, max) : Schema.String)
  // A value the docs mark required, with no documented length: never empty in a request.
  const required = (field: string) => (d === "request" ? Wire.nonEmpty(field) : Schema.String)
  // A count of days or points: never negative in a request (no maximum is documented).
  const count = (field: string) => (d === "request" ? Wire.count(field) : Int)
  return {
    /** 品牌信息 */
    brand: Schema.Struct({
      /** 品牌ID: string(16) (查询会员卡模板列表). */
      brand_id: text("brand_id", 16),
      /** 品牌展示名称 */
      display_name: required("display_name")
    }),
    /** 有效期 */
    date: Schema.Struct({
      /** 有效期类型 (required when the object is sent). */
      type: CardTemplateDateType[d],
      /** 有效期开始时间 (FIX_TIME_RANGE) */
      available_begin_time: optional(time("available_begin_time")),
      /** 有效期结束时间 (FIX_TIME_RANGE) */
      available_end_time: optional(time("available_end_time")),
      /** 领取后N天有效 (FIX_TERM) */
      available_day_after_receive: optional(count("available_day_after_receive")),
      /** 领取后N天开始生效 (FIX_TERM) */
      wait_days_after_receive: optional(count("wait_days_after_receive"))
    }),
    /** 开卡信息 */
    form: Schema.Struct({
      /** 平台提供的通用开卡字段 */
      common_field_list: optional(Schema.Array(CommonFieldName[d])),
      /** 商户自定义开卡字段 */
      custom_field_list: optional(Schema.Array(Schema.Struct({
        type: CardTemplateCustomFieldType[d],
        name: required("name"),
        values: optional(Schema.Array(required("values")))
      })))
    }),
    /** 积分权益 */
    bonus: Schema.Struct({
      /** 初始积分 */
      init_bonus: count("init_bonus"),
      /** 积分文案 */
      bonus_value_word: required("bonus_value_word"),
      /** 积分消耗标题 */
      bonus_cost_title: optional(Schema.String),
      /** 积分消耗文案 */
      bonus_cost_word: required("bonus_cost_word"),
      /** 积分跳转文案 */
      bonus_jump_word: optional(Schema.String),
      /** 积分跳转小程序appid */
      bonus_jump_appid: optional(Schema.String),
      /** 积分跳转小程序path */
      bonus_jump_path: optional(Schema.String),
      /** 积分支持小程序appid */
      bonus_support_appid: optional(Schema.String),
      /** 积分支持小程序path */
      bonus_support_path: optional(Schema.String)
    }),
    /** 优惠权益 */
    favor: Schema.Struct({
      /** 是否展示优惠券 */
      show_coupon: Schema.Boolean,
      /** 会员价文案 */
      member_price_word: optional(Schema.String),
      /** 会员价小程序appid */
      member_price_appid: optional(Schema.String),
      /** 会员价小程序path */
      member_price_path: optional(Schema.String),
      /** 会员价入口标题 */
      member_price_title: optional(CardTemplateMemberPriceTitle[d]),
      /** 优惠模块标题 */
      favor_module_title: optional(CardTemplateFavorModuleTitle[d])
    }),
    /** 发票入口 */
    fapiao: Schema.Struct({
      /** 发票入口文案 */
      fapiao_jump_word: optional(Schema.String),
      /** 发票小程序appid */
      fapiao_jump_appid: optional(Schema.String),
      /** 发票小程序path */
      fapiao_jump_path: optional(Schema.String)
    })
  }
}

const requestShapes = shapes("request")
const responseShapes = shapes("response")
/** A response object: every field optional (only unofficial sources show them, or their requiredness). */
const lenient = <F extends Schema.Struct.Fields>(struct: Schema.Struct<F>) => struct.mapFields(Struct.map(Schema.optionalKey))

/**
 * 品牌信息 (request): the brand the template belongs to.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateBrand = requestShapes.brand

/**
 * 储值信息. `balance_path` is needed when stored value goes through a mini program.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateBalanceInformation = Schema.Struct({
  /** 是否支持储值 */
  need_balance: optional(Schema.Boolean),
  /** 储值小程序appid */
  balance_appid: optional(Schema.String),
  /** 储值小程序path */
  balance_path: optional(Schema.String),
  /** 储值H5链接 */
  balance_url: optional(Schema.String)
})

/**
 * 补充说明.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateAdditionalStatement = Schema.Struct({
  title: optional(Schema.String),
  url: optional(Schema.String),
  appid: optional(Schema.String),
  path: optional(Schema.String)
})

/**
 * 有效期 (request): `type` is required when the object is sent; times are RFC 3339.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateDateInformation = requestShapes.date

/**
 * 开卡信息 on 创建会员卡模板.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateUserInformationForm = requestShapes.form

/**
 * 开卡信息 on 修改会员卡模板信息: adds 激活后是否可修改.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateUserInformationFormUpdate = Schema.Struct({
  ...requestShapes.form.fields,
  /** 激活后是否可修改 */
  can_modify_after_activate: optional(Schema.Boolean)
})

// ---------------------------------------------------------------------------------------------------------------
// The template (responses of #3, #5 and items of #4)
// ---------------------------------------------------------------------------------------------------------------

/**
 * 服务项 attached to a template (see 添加会员卡服务项). Only one unofficial source shows it on the template.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateServiceModule = Schema.Struct({
  service_module_id: optional(Schema.String),
  jump_miniprogram: optional(Schema.Struct({ appid: optional(Schema.String), path: optional(Schema.String) }))
})

/**
 * A card template as WeChat answers it. Required: what the official 查询会员卡模板信息 page marks 必填. `code_mode`
 * and `out_request_no` are optional: a template upgraded from the 公众平台 (老会员卡模板升级) was never created here
 * with them, and one source types `code_mode` as nullable. Rights (`bonus`, `favor`, `fapiao`, `guide`) and
 * `service_modules` come from one unofficial source only. Unknown extra keys are ignored.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplate = Schema.Struct({
  /** 会员卡模板ID */
  card_id: Schema.String,
  /** 创建时间 (RFC 3339) */
  create_time: optional(Schema.String),
  /** 更新时间 (RFC 3339) */
  update_time: optional(Schema.String),
  /** 剩余库存 */
  remain_quantity: optional(Int),
  /** 会员卡状态 */
  status: optional(CardTemplateStatus.response),
  /** 品牌信息 */
  brand: lenient(responseShapes.brand),
  /** 商户AppID (服务号) */
  appid: Schema.String,
  /** 会员卡logo */
  logo_url: Schema.String,
  /** 卡名称 */
  title: Schema.String,
  /** 会员卡背景图 */
  background_picture_url: Schema.String,
  /** 使用须知 */
  description: Schema.String,
  /** 服务电话 */
  service_phone: optional(Schema.String),
  /** 会员码型 */
  code_type: CardTemplateCodeType.response,
  /** 会员卡总库存 */
  total_quantity: optional(Int),
  /** 有效期 */
  date_information: responseShapes.date,
  /** 会员卡code分配类型 */
  code_mode: optional(CardTemplateCodeMode.response),
  /** 是否展示等级 */
  need_display_level: optional(Schema.Boolean),
  /** 会员初始等级 */
  init_level: optional(Schema.String),
  /** 商户请求单号 of the creation */
  out_request_no: optional(Schema.String),
  /** 储值信息 */
  balance_information: optional(CardTemplateBalanceInformation),
  /** 开卡信息 */
  user_information_form: optional(Schema.Struct({
    ...responseShapes.form.fields,
    can_modify_after_activate: optional(Schema.Boolean)
  })),
  /** 补充说明 */
  additional_statement: optional(CardTemplateAdditionalStatement),
  /** 是否启用动态码 (18 digits, rotating) */
  need_dynamic_code: optional(Schema.Boolean),
  /** 积分权益 */
  bonus: optional(lenient(responseShapes.bonus)),
  /** 优惠权益 */
  favor: optional(lenient(responseShapes.favor)),
  /** 发票入口 */
  fapiao: optional(responseShapes.fapiao),
  /** 会员专属咨询 */
  guide: optional(Guide),
  /** 服务项 */
  service_modules: optional(Schema.Array(CardTemplateServiceModule))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CardTemplate extends Schema.Schema.Type<typeof CardTemplate> {}

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

/** 商户AppID: a 服务号 appid with a B-A relation to the brand, string(32). */
const AppId = Wire.chars("appid", 32, 1)

/** The template's own fields that 创建会员卡模板 requires and 修改会员卡模板信息 may change. */
const coreFields = {
  /** 商户AppID (服务号), string(32). */
  appid: AppId,
  /** 会员卡logo: an image-upload API URL (120×120, < 1 MB), string(128). */
  logo_url: Wire.chars("logo_url", 128, 1),
  /** 卡名称: up to 10 characters. */
  title: Wire.chars("title", 10, 1),
  /** 会员卡背景图: an image-upload API URL (1000×600, < 1 MB), string(128). */
  background_picture_url: Wire.chars("background_picture_url", 128, 1),
  /** 使用须知: up to 500 characters. */
  description: Wire.chars("description", 500, 1),
  /** 会员码型 */
  code_type: CardTemplateCodeType.request,
  /** 有效期 */
  date_information: CardTemplateDateInformation,
  /** 会员卡code分配类型: cannot be changed once set. */
  code_mode: CardTemplateCodeMode.request
}

/** The same fields, each optional (a PATCH changes only what it carries). */
const allOptional = <F extends Record<string, Schema.Top>>(fields: F) =>
  Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, optional(schema)])) as {
    readonly [K in keyof F]: Schema.optionalKey<F[K]>
  }

/** The template's optional fields, on both 创建 and 修改. */
const extraFields = {
  /** 服务电话, string(32). */
  service_phone: optional(Wire.chars("service_phone", 32)),
  /** 会员卡总库存: only for SYSTEM_ALLOCATE; default 5,000,000. Not negative (no maximum is documented). */
  total_quantity: optional(Wire.count("total_quantity")),
  /** 是否展示等级 */
  need_display_level: optional(Schema.Boolean),
  /** 会员初始等级, string(5): required when levels are displayed. */
  init_level: optional(Wire.chars("init_level", 5)),
  /** 储值信息 */
  balance_information: optional(CardTemplateBalanceInformation),
  /** 补充说明 */
  additional_statement: optional(CardTemplateAdditionalStatement),
  /** 是否启用动态码 (default false) */
  need_dynamic_code: optional(Schema.Boolean)
}

/**
 * @since 0.3.0
 * @category schemas
 */
export const CreateCardTemplateRequest = Schema.Struct({
  ...coreFields,
  ...extraFields,
  /** 品牌信息 */
  brand: CardTemplateBrand,
  /** 商户请求单号 (required): the idempotency key of the creation (no official length is visible), never empty. */
  out_request_no: Wire.nonEmpty("out_request_no"),
  /** 开卡信息 */
  user_information_form: optional(CardTemplateUserInformationForm)
}).pipe(Schema.check(Schema.makeFilter((template) =>
  template.need_display_level !== true || (template.init_level !== undefined && template.init_level !== "") ||
  { path: ["init_level"], issue: "init_level is required when need_display_level is true" })))

/**
 * @since 0.3.0
 * @category models
 */
export interface CreateCardTemplateRequest extends Schema.Schema.Type<typeof CreateCardTemplateRequest> {}

/**
 * 创建会员卡模板 — `POST /v3/marketing/membercard-open/cards`: answers the new template (`card_id`).
 *
 * @since 0.3.0
 * @category tags
 */
export class CreateCardTemplate extends Endpoint.Service<CreateCardTemplate>()("MemberCard.CreateCardTemplate", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards",
  request: CreateCardTemplateRequest,
  response: CardTemplate,
  idempotencyKey: "out_request_no",
  spanAttributes: ["appid"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type CreateCardTemplateError = Endpoint.JsonError

/**
 * 创建会员卡模板.
 *
 * @since 0.3.0
 * @category accessors
 */
export const createCardTemplate = CreateCardTemplate.call

/**
 * @since 0.3.0
 * @category schemas
 */
export const ListCardTemplatesRequest = Schema.Struct({
  /** 品牌ID, string(16). */
  brand_id: optional(Wire.chars("brand_id", 16, 1)),
  // Required as the official partner page and the merchant page of the old doc centre say (the new merchant page
  // says optional): a merchant always has the appid its templates were created with.
  /** 商户AppID (服务号), string(32). */
  appid: AppId,
  /** 分页页码: the page index, from 0. */
  offset: Wire.int("offset", { min: 0, max: Number.MAX_SAFE_INTEGER }),
  /** 分页大小: 1–20 ("最大值20"). */
  limit: Wire.int("limit", { min: 1, max: 20 })
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ListCardTemplatesRequest extends Schema.Schema.Type<typeof ListCardTemplatesRequest> {}

/**
 * One page of templates.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplatePage = Schema.Struct({
  /** 总数量 */
  total_count: Int,
  /** 分页页码 */
  offset: Int,
  /** 分页大小 */
  limit: Int,
  /** 会员卡列表 */
  data: optional(Schema.Array(CardTemplate))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CardTemplatePage extends Schema.Schema.Type<typeof CardTemplatePage> {}

/**
 * 查询会员卡模板列表 — `GET /v3/marketing/membercard-open/cards`: one page (`offset` is the page index).
 *
 * @since 0.3.0
 * @category tags
 */
export class ListCardTemplates extends Endpoint.Service<ListCardTemplates>()("MemberCard.ListCardTemplates", {
  method: "GET",
  path: "/v3/marketing/membercard-open/cards",
  request: ListCardTemplatesRequest,
  response: CardTemplatePage,
  spanAttributes: ["appid", "brand_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type ListCardTemplatesError = Endpoint.JsonError

/**
 * 查询会员卡模板列表: one page.
 *
 * @since 0.3.0
 * @category accessors
 */
export const listCardTemplates = ListCardTemplates.call

/**
 * 查询会员卡模板列表: every template of every page, 20 per page, each page requested only when the consumer reaches
 * it.
 *
 * @since 0.3.0
 * @category accessors
 */
export const streamCardTemplates = Paging.stream(ListCardTemplates.call, {
  name: "MemberCard.ListCardTemplates",
  pageSize: 20,
  offset: "page"
})

/**
 * The path of the endpoints on one template.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplatePath = Schema.Struct({
  /** 会员卡模板ID, string(32). */
  card_id: CardId
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CardTemplatePath extends Schema.Schema.Type<typeof CardTemplatePath> {}

const onTemplate = (suffix: "" | "/rights" | "/upgrade") => `/v3/marketing/membercard-open/cards/{card_id}${suffix}`

/**
 * 查询会员卡模板信息 — `GET /v3/marketing/membercard-open/cards/{card_id}`.
 *
 * @since 0.3.0
 * @category tags
 */
export class GetCardTemplate extends Endpoint.Service<GetCardTemplate>()("MemberCard.GetCardTemplate", {
  method: "GET",
  path: onTemplate(""),
  request: CardTemplatePath,
  response: CardTemplate,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type GetCardTemplateError = Endpoint.JsonError

/**
 * 查询会员卡模板信息.
 *
 * @since 0.3.0
 * @category accessors
 */
export const getCardTemplate = GetCardTemplate.call

/**
 * Only the fields sent change. `code_mode` cannot be changed once set: WeChat refuses another value
 * (INVALID_REQUEST), so send the template's own value or leave it out.
 *
 * @since 0.3.0
 * @category schemas
 */
export const UpdateCardTemplateRequest = Schema.Struct({
  ...CardTemplatePath.fields,
  // The merchant page of 2024-09-20 marks code_mode 必填; the partner page and W/Y optional. Optional, as the spec
  // recommends: a PATCH changes only what it carries.
  ...allOptional(coreFields),
  ...extraFields,
  /** 开卡信息 (with 激活后是否可修改) */
  user_information_form: optional(CardTemplateUserInformationFormUpdate)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface UpdateCardTemplateRequest extends Schema.Schema.Type<typeof UpdateCardTemplateRequest> {}

/**
 * 修改会员卡模板信息 — `PATCH /v3/marketing/membercard-open/cards/{card_id}` (204).
 *
 * @since 0.3.0
 * @category tags
 */
export class UpdateCardTemplate extends Endpoint.Service<UpdateCardTemplate>()("MemberCard.UpdateCardTemplate", {
  method: "PATCH",
  path: onTemplate(""),
  request: UpdateCardTemplateRequest,
  repeatable: "a set of fields: the same body again leaves the template as it is",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type UpdateCardTemplateError = Endpoint.NoContentError

/**
 * 修改会员卡模板信息.
 *
 * @since 0.3.0
 * @category accessors
 */
export const updateCardTemplate = UpdateCardTemplate.call

/**
 * 删除会员卡模板 — `DELETE /v3/marketing/membercard-open/cards/{card_id}` (204). Members who hold the card keep it.
 *
 * @since 0.3.0
 * @category tags
 */
export class DeleteCardTemplate extends Endpoint.Service<DeleteCardTemplate>()("MemberCard.DeleteCardTemplate", {
  method: "DELETE",
  path: onTemplate(""),
  request: CardTemplatePath,
  repeatable: "a delete: a deleted template stays deleted",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type DeleteCardTemplateError = Endpoint.NoContentError

/**
 * 删除会员卡模板.
 *
 * @since 0.3.0
 * @category accessors
 */
export const deleteCardTemplate = DeleteCardTemplate.call

/**
 * 积分权益 (request).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateBonus = requestShapes.bonus

/**
 * 优惠权益 (request).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateFavor = requestShapes.favor

/**
 * 发票入口.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardTemplateFapiao = requestShapes.fapiao

/**
 * The rights shown on every card of the template. Sub-field lengths are not visible on any official page, so none
 * are enforced.
 *
 * @since 0.3.0
 * @category schemas
 */
export const SetCardTemplateRightsRequest = Schema.Struct({
  ...CardTemplatePath.fields,
  /** 是否展示积分 (required). */
  show_bonus: Schema.Boolean,
  /** 是否展示优惠 (required). */
  show_favor: Schema.Boolean,
  /** 积分权益 */
  bonus: optional(CardTemplateBonus),
  /** 优惠权益 */
  favor: optional(CardTemplateFavor),
  /** 是否展示发票入口 (default false) */
  show_fapiao: optional(Schema.Boolean),
  /** 发票入口 */
  fapiao: optional(CardTemplateFapiao),
  /** 是否展示会员专属咨询 (default false) */
  show_guide: optional(Schema.Boolean),
  /** 会员专属咨询 */
  guide: optional(Guide)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface SetCardTemplateRightsRequest extends Schema.Schema.Type<typeof SetCardTemplateRightsRequest> {}

/**
 * 设置会员卡模板权益项 — `PATCH /v3/marketing/membercard-open/cards/{card_id}/rights` (204).
 *
 * @since 0.3.0
 * @category tags
 */
export class SetCardTemplateRights
  extends Endpoint.Service<SetCardTemplateRights>()("MemberCard.SetCardTemplateRights", {
    method: "PATCH",
    path: onTemplate("/rights"),
    request: SetCardTemplateRightsRequest,
    repeatable: "a set: the same rights again leave the template as it is",
    spanAttributes: ["card_id"]
  })
{}

/**
 * @since 0.3.0
 * @category errors
 */
export type SetCardTemplateRightsError = Endpoint.NoContentError

/**
 * 设置会员卡模板权益项.
 *
 * @since 0.3.0
 * @category accessors
 */
export const setCardTemplateRights = SetCardTemplateRights.call

/**
 * Bind a card made in the 公众平台 (old card API) to a brand, so the new features work on it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const UpgradeCardTemplateRequest = Schema.Struct({
  ...CardTemplatePath.fields,
  /** 品牌ID (required), string(16) as on 查询会员卡模板列表. */
  brand_id: CardTemplateBrand.fields.brand_id,
  /** 商户AppID (服务号, required), string(32). */
  appid: AppId
})

/**
 * @since 0.3.0
 * @category models
 */
export interface UpgradeCardTemplateRequest extends Schema.Schema.Type<typeof UpgradeCardTemplateRequest> {}

/**
 * 老会员卡模板升级 — `POST /v3/marketing/membercard-open/cards/{card_id}/upgrade` (204).
 *
 * @since 0.3.0
 * @category tags
 */
export class UpgradeCardTemplate extends Endpoint.Service<UpgradeCardTemplate>()("MemberCard.UpgradeCardTemplate", {
  method: "POST",
  path: onTemplate("/upgrade"),
  request: UpgradeCardTemplateRequest,
  repeatable: "a binding: binding the card to the same brand again changes nothing",
  spanAttributes: ["card_id", "brand_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type UpgradeCardTemplateError = Endpoint.NoContentError

/**
 * 老会员卡模板升级.
 *
 * @since 0.3.0
 * @category accessors
 */
export const upgradeCardTemplate = UpgradeCardTemplate.call

/**
 * Every endpoint of this resource.
 *
 * @since 0.3.0
 * @category layers
 */
export const cardTemplatesLayer: Layer.Layer<
  | CreateCardTemplate
  | ListCardTemplates
  | GetCardTemplate
  | UpdateCardTemplate
  | DeleteCardTemplate
  | SetCardTemplateRights
  | UpgradeCardTemplate,
  never,
  WechatPayClient
> = Layer.mergeAll(
  CreateCardTemplate.layer,
  ListCardTemplates.layer,
  GetCardTemplate.layer,
  UpdateCardTemplate.layer,
  DeleteCardTemplate.layer,
  SetCardTemplateRights.layer,
  UpgradeCardTemplate.layer
)
