/**
 * 会员卡服务项: service modules on a card template and their per-member data (#31–#34):
 * 添加会员卡服务项, 修改会员卡服务项, 移除会员卡服务项, 设置会员服务项用户信息.
 *
 * Limits are the official (new doc centre) pages': `card_id` string[16,32], `service_module_id` string[1,9], `code`
 * string[1,32], `out_request_no` string[8,128] of letters, digits and `|` `_` `*` `-`.
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import type { WechatPayClient } from "../WechatPayClient.js"
import * as Wire from "../Wire.js"
import { CardId, Code, optional, pathParam } from "./shared.js"

/** 会员卡ID on the service-module pages: string[16,32]. */
const ServiceModuleCardId = CardId.pipe(
  Schema.check(Schema.makeFilter((s) => Wire.characters(s) >= 16 || "card_id must be at least 16 characters"))
)

/** 会员服务项ID: string[1,9], assigned by WeChat when the module is created. */
const ServiceModuleId = pathParam("service_module_id", 9)

/**
 * 跳转小程序: the mini-program a member reaches by tapping the module on the card.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ServiceModuleMiniProgram = Schema.Struct({
  /** 小程序AppID (required) */
  appid: Wire.nonEmpty("appid"),
  /** 小程序path (required) */
  path: Wire.nonEmpty("path")
})

/**
 * A module on a card, as WeChat answers 添加/修改会员卡服务项. Every field optional (no official page marks them
 * required); `jump_miniprogram` is absent when none was set. Unknown extra keys are ignored.
 *
 * @since 0.3.0
 * @category schemas
 */
export const CardServiceModule = Schema.Struct({
  /** 会员卡ID */
  card_id: optional(Schema.String),
  /** 会员服务项ID */
  service_module_id: optional(Schema.String),
  /** 跳转小程序 */
  jump_miniprogram: optional(Schema.Struct({ appid: optional(Schema.String), path: optional(Schema.String) }))
})

/**
 * @since 0.3.0
 * @category models
 */
export interface CardServiceModule extends Schema.Schema.Type<typeof CardServiceModule> {}

/**
 * 添加会员卡服务项 request.
 *
 * @since 0.3.0
 * @category schemas
 */
export const AddServiceModuleRequest = Schema.Struct({
  card_id: ServiceModuleCardId,
  /** 会员服务项ID */
  service_module_id: ServiceModuleId,
  // Optional: the official page says the module is tappable only "when filled" (unofficial sources mark it required).
  /** 跳转小程序: without it the module is shown but cannot be tapped. */
  jump_miniprogram: optional(ServiceModuleMiniProgram)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface AddServiceModuleRequest extends Schema.Schema.Type<typeof AddServiceModuleRequest> {}

/**
 * 添加会员卡服务项 — `POST /v3/marketing/membercard-open/cards/{card_id}/service-modules`: show a module on the
 * card. Never repeated: a second call is refused (会员卡已添加该会员服务项).
 *
 * @since 0.3.0
 * @category tags
 */
export class AddServiceModule extends Endpoint.Service<AddServiceModule>()("MemberCard.AddServiceModule", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/service-modules",
  request: AddServiceModuleRequest,
  response: CardServiceModule,
  spanAttributes: ["card_id", "service_module_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type AddServiceModuleError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const addServiceModule = AddServiceModule.call

const ServiceModulePath = { card_id: ServiceModuleCardId, service_module_id: ServiceModuleId }

/**
 * 修改会员卡服务项 request. Each call replaces the module's `jump_miniprogram`; leaving it out clears it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const UpdateServiceModuleRequest = Schema.Struct({
  ...ServiceModulePath,
  /** 跳转小程序: replaces the current one; absent ⇒ the module is no longer tappable. */
  jump_miniprogram: optional(ServiceModuleMiniProgram)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface UpdateServiceModuleRequest extends Schema.Schema.Type<typeof UpdateServiceModuleRequest> {}

/**
 * 修改会员卡服务项 — `PATCH /v3/marketing/membercard-open/cards/{card_id}/service-modules/{service_module_id}`.
 *
 * @since 0.3.0
 * @category tags
 */
export class UpdateServiceModule extends Endpoint.Service<UpdateServiceModule>()("MemberCard.UpdateServiceModule", {
  method: "PATCH",
  path: "/v3/marketing/membercard-open/cards/{card_id}/service-modules/{service_module_id}",
  request: UpdateServiceModuleRequest,
  response: CardServiceModule,
  repeatable: "a set: the module's jump is replaced by the body, so the same body again changes nothing",
  spanAttributes: ["card_id", "service_module_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type UpdateServiceModuleError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const updateServiceModule = UpdateServiceModule.call

/**
 * 移除会员卡服务项 path.
 *
 * @since 0.3.0
 * @category schemas
 */
export const DeleteServiceModuleRequest = Schema.Struct(ServiceModulePath)

/**
 * @since 0.3.0
 * @category models
 */
export interface DeleteServiceModuleRequest extends Schema.Schema.Type<typeof DeleteServiceModuleRequest> {}

/**
 * 移除会员卡服务项 — `DELETE /v3/marketing/membercard-open/cards/{card_id}/service-modules/{service_module_id}` (204):
 * the card no longer shows the module.
 *
 * @since 0.3.0
 * @category tags
 */
export class DeleteServiceModule extends Endpoint.Service<DeleteServiceModule>()("MemberCard.DeleteServiceModule", {
  method: "DELETE",
  path: "/v3/marketing/membercard-open/cards/{card_id}/service-modules/{service_module_id}",
  request: DeleteServiceModuleRequest,
  repeatable: "a delete: removing a module that is already gone changes nothing",
  spanAttributes: ["card_id", "service_module_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type DeleteServiceModuleError = Endpoint.NoContentError

/**
 * @since 0.3.0
 * @category accessors
 */
export const deleteServiceModule = DeleteServiceModule.call

/**
 * A template field and its value (内容字段 / 消息模板字段).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ServiceModuleField = Schema.Struct({
  /** 字段ID (required) */
  field_id: Wire.nonEmpty("field_id"),
  /** 字段值 (required; WeChat refuses a message template whose field values are partly empty) */
  field_value: Wire.nonEmpty("field_value")
})

/**
 * 服务状态设置: the member's state in the module, shown on the card, and the service message sent about it.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ServiceModuleStateSetting = Schema.Struct({
  /** 状态ID (required): one of the module template's states. */
  state_id: Wire.nonEmpty("state_id"),
  /** 内容模板数据: the fields shown, and a button. */
  content_template_data: Schema.Struct({
    field_list: optional(Schema.Array(ServiceModuleField)),
    /** 按钮设置 */
    action_setting: optional(Schema.Struct({ action_name: Wire.nonEmpty("action_name"), jump_miniprogram: ServiceModuleMiniProgram }))
  }),
  /** 消息模板设置: a service message to the member. */
  message_template_setting: optional(Schema.Struct({
    message_template_id: Wire.nonEmpty("message_template_id"),
    /** 消息模板字段 (required): at least one. */
    field_list: Wire.array("field_list", ServiceModuleField)
  }))
})

/**
 * 设置会员服务项用户信息 request.
 *
 * @since 0.3.0
 * @category schemas
 */
export const SetServiceModuleDataRequest = Schema.Struct({
  card_id: ServiceModuleCardId,
  code: Code,
  /** 商户请求单号 (required): string[8,128], letters, digits and `|` `_` `*` `-`; the idempotency key of this write. */
  out_request_no: Wire.chars("out_request_no", 128, 8).pipe(
    Schema.check(Schema.isPattern(/^[A-Za-z0-9|_*-]+$/, {
      message: "out_request_no may contain only letters, digits and the symbols | _ * -"
    }))
  ),
  /** 会员服务项ID */
  service_module_id: ServiceModuleId,
  /** 服务状态设置 */
  state_setting: ServiceModuleStateSetting
})

/**
 * @since 0.3.0
 * @category models
 */
export interface SetServiceModuleDataRequest extends Schema.Schema.Type<typeof SetServiceModuleDataRequest> {}

/**
 * 设置会员服务项用户信息 — `POST /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/set-service-module-data`
 * (204): a member's state in a module, and optionally a service message to them. Repeat it with the same
 * `out_request_no` and body: it is applied (and the member messaged) once.
 *
 * @since 0.3.0
 * @category tags
 */
export class SetServiceModuleData extends Endpoint.Service<SetServiceModuleData>()("MemberCard.SetServiceModuleData", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}/set-service-module-data",
  request: SetServiceModuleDataRequest,
  idempotencyKey: "out_request_no",
  spanAttributes: ["card_id", "service_module_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type SetServiceModuleDataError = Endpoint.NoContentError

/**
 * @since 0.3.0
 * @category accessors
 */
export const setServiceModuleData = SetServiceModuleData.call

/**
 * Every service-module endpoint.
 *
 * @since 0.3.0
 * @category layers
 */
export const serviceModulesLayer: Layer.Layer<
  AddServiceModule | UpdateServiceModule | DeleteServiceModule | SetServiceModuleData,
  never,
  WechatPayClient
> = Layer.mergeAll(AddServiceModule.layer, UpdateServiceModule.layer, DeleteServiceModule.layer, SetServiceModuleData.layer)
