/**
 * 设置/查询回调地址: the URL WeChat posts the member-card events to (#1, #2). One URL per merchant.
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Struct from "effect/Struct"
import * as Endpoint from "../Endpoint.js"
import type { WechatPayClient } from "../WechatPayClient.js"
import * as Wire from "../Wire.js"
import { optional } from "./shared.js"

/**
 * 通知URL地址: https only, no query string (the official notice pages: "必须为HTTPS协议 … 不能携带参数"), string(256)
 * (the official 查询回调地址 page; the set page was not found, its limit is taken to be the same).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CallbackNotifyUrl = Wire.chars("notify_url", 256, 1).pipe(
  Schema.check(Schema.makeFilter((url) => /^https:\/\/[^/?#\s]+/i.test(url) || "notify_url must be an https:// URL")),
  Schema.check(Schema.makeFilter((url) => !/[?#]/.test(url) || "notify_url cannot carry a query string or fragment"))
)

/**
 * @since 0.3.0
 * @category schemas
 */
export const SetCallbackRequest = Schema.Struct({
  /** 通知URL地址 (required). */
  notify_url: CallbackNotifyUrl
})

/**
 * @since 0.3.0
 * @category models
 */
export interface SetCallbackRequest extends Schema.Schema.Type<typeof SetCallbackRequest> {}

/**
 * The member-card notification URL as 查询回调地址 answers it (`notify_url` is 必填 on the official page). Unknown
 * extra keys are ignored.
 *
 * @since 0.3.0
 * @category schemas
 */
export const MemberCardCallback = Schema.Struct({
  /** 通知URL地址 */
  notify_url: Schema.String,
  /** 商户号 */
  mchid: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface MemberCardCallback extends Schema.Schema.Type<typeof MemberCardCallback> {}

/**
 * What 设置回调地址 answers: the same object, every field optional (no official page of the set call was found).
 *
 * @since 0.3.0
 * @category schemas
 */
export const SetCallbackResponse = MemberCardCallback.mapFields(Struct.map(Schema.optionalKey))

/**
 * @since 0.3.0
 * @category models
 */
export interface SetCallbackResponse extends Schema.Schema.Type<typeof SetCallbackResponse> {}

/**
 * 设置回调地址 — `PATCH /v3/marketing/membercard-open/callback`. Needs the 营销事件推送 permission.
 *
 * @since 0.3.0
 * @category tags
 */
export class SetCallback extends Endpoint.Service<SetCallback>()("MemberCard.SetCallback", {
  // PATCH as W and Y document it (citing the official wiki); S sends POST. The spec recommends PATCH.
  method: "PATCH",
  path: "/v3/marketing/membercard-open/callback",
  request: SetCallbackRequest,
  response: SetCallbackResponse,
  repeatable: "a set: the same notify_url again leaves the callback as it is"
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type SetCallbackError = Endpoint.JsonError

/**
 * 设置回调地址.
 *
 * @since 0.3.0
 * @category accessors
 */
export const setCallback = SetCallback.call

/**
 * 查询回调地址 takes no parameters: call it with `{}`.
 *
 * @since 0.3.0
 * @category schemas
 */
export const GetCallbackRequest = Schema.Struct({})

/**
 * @since 0.3.0
 * @category models
 */
export interface GetCallbackRequest extends Schema.Schema.Type<typeof GetCallbackRequest> {}

/**
 * 查询回调地址 — `GET /v3/marketing/membercard-open/callback`.
 *
 * @since 0.3.0
 * @category tags
 */
export class GetCallback extends Endpoint.Service<GetCallback>()("MemberCard.GetCallback", {
  method: "GET",
  path: "/v3/marketing/membercard-open/callback",
  request: GetCallbackRequest,
  response: MemberCardCallback
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type GetCallbackError = Endpoint.JsonError

/**
 * 查询回调地址.
 *
 * @since 0.3.0
 * @category accessors
 */
export const getCallback = GetCallback.call

/**
 * Every endpoint of this resource.
 *
 * @since 0.3.0
 * @category layers
 */
export const callbackLayer: Layer.Layer<SetCallback | GetCallback, never, WechatPayClient> = Layer.mergeAll(SetCallback.layer, GetCallback.layer)
