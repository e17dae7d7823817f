/**
 * 跳转型激活: jump activation — decrypt code, activate, activation form data (#18, #19, #20). A card distributed with
 * `activate_type: "JUMP_ACTIVATE"` sends the user to the merchant's page with an `encrypt_code` and an
 * `activate_ticket`: the merchant decrypts the code (`decryptCode`), reads what the user filled in
 * (`getActivateInformation`) and activates the card (`activateUserCard`).
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import type { WechatPayClient } from "../WechatPayClient.js"
import * as Wire from "../Wire.js"
import { UserInformation } from "./GetUserCard.js"
import { CardId, optional, UserCardPath } from "./shared.js"
import { UpdateUserCardRequest } from "./UpdateUserCard.js"

/** `.` or `..`, also written `%2E`: a path segment URL normalisation resolves away. */
const dotSegment = /^(?:\.|%2[Ee]){1,2}$/

// ---------------------------------------------------------------------------------------------------------------
// #18 加密code解码
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const DecryptCodeRequest = Schema.Struct({
  card_id: CardId,
  /**
   * 加密code (required): the value exactly as it appears in the jump URL, still percent-encoded — do not decode it.
   * It is URL text (`Wire.urlText`): sent verbatim, so WeChat decodes it once. A jump URL
   * `https://shop.example.com/activate?card_id=pXXX&encrypt_code=12Xj%2BqW%3D%3D&activate_ticket=…` gives
   * `encrypt_code: "12Xj%2BqW%3D%3D"` (not `"12Xj+qW=="`: its `+` would be read as a space). Refused before sending
   * unless it is unreserved characters and `%XX` escapes decoding to printable ASCII (a Base64-like value: a control
   * character or a BOM can only be a mistake); string(128) is the decoded value's length.
   */
  encrypt_code: Wire.urlText("encrypt_code", 128, { printable: true })
})

/**
 * @since 0.3.0
 * @category models
 */
export interface DecryptCodeRequest extends Schema.Schema.Type<typeof DecryptCodeRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const DecryptCodeResponse = Schema.Struct({
  /** 会员卡code (string(32), required on the official page). */
  code: Schema.String
})

/**
 * @since 0.3.0
 * @category models
 */
export interface DecryptCodeResponse extends Schema.Schema.Type<typeof DecryptCodeResponse> {}

/**
 * 加密code解码（跳转型激活） — `GET /v3/marketing/membercard-open/cards/{card_id}/decrypt-code`.
 *
 * @since 0.3.0
 * @category tags
 */
export class DecryptCode extends Endpoint.Service<DecryptCode>()("MemberCard.DecryptCode", {
  method: "GET",
  path: "/v3/marketing/membercard-open/cards/{card_id}/decrypt-code",
  request: DecryptCodeRequest,
  response: DecryptCodeResponse,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type DecryptCodeError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const decryptCode = DecryptCode.call

// ---------------------------------------------------------------------------------------------------------------
// #19 激活会员卡
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const ActivateUserCardRequest = Schema.Struct({
  ...UserCardPath,
  /**
   * 会员卡编号: string(32), letters, digits and half-width punctuation; defaults to the code (the same rule as on
   * 修改用户会员卡信息).
   */
  membership_number: UpdateUserCardRequest.fields.membership_number
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ActivateUserCardRequest extends Schema.Schema.Type<typeof ActivateUserCardRequest> {}

/**
 * 激活会员卡（跳转型激活） — `POST /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/activate` (204).
 * Never repeated: it notifies the merchant (`MEMBERCARD.ACTIVATE_CARD`) and a second call is refused.
 *
 * @since 0.3.0
 * @category tags
 */
export class ActivateUserCard extends Endpoint.Service<ActivateUserCard>()("MemberCard.ActivateUserCard", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}/activate",
  request: ActivateUserCardRequest,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type ActivateUserCardError = Endpoint.NoContentError

/**
 * @since 0.3.0
 * @category accessors
 */
export const activateUserCard = ActivateUserCard.call

// ---------------------------------------------------------------------------------------------------------------
// #20 获取用户信息（跳转型激活）
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.3.0
 * @category schemas
 */
export const GetActivateInformationRequest = Schema.Struct({
  /**
   * 激活票据 (required path parameter): the value exactly as it appears in the jump URL, still percent-encoded — the
   * same rule as `encrypt_code`. It is URL text (`Wire.urlText`): sent verbatim as the path segment, so WeChat decodes
   * it once; a jump URL `…&activate_ticket=tk%2Bt%2Fx%3D%3D` gives `activate_ticket: "tk%2Bt%2Fx%3D%3D"`. Refused
   * before sending unless it is unreserved characters and `%XX` escapes decoding to printable ASCII; string(256) is the
   * decoded value's length. A value decoding to `.` or `..` is refused: URL normalisation would resolve it away.
   */
  activate_ticket: Wire.urlText("activate_ticket", 256, { printable: true }).pipe(
    Schema.check(Schema.makeFilter((s) => !dotSegment.test(s), { message: `activate_ticket cannot be "." or ".."` }))
  )
})

/**
 * @since 0.3.0
 * @category models
 */
export interface GetActivateInformationRequest extends Schema.Schema.Type<typeof GetActivateInformationRequest> {}

/**
 * What the user filled in on the activation form. Every field is optional.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivateInformation = Schema.Struct({
  /** 微信昵称 (personal data), string(32). */
  nickname: optional(Schema.String),
  /** 微信头像url, string(128). */
  head_image_url: optional(Schema.String),
  /** 用户填写的开卡信息 */
  user_information: optional(UserInformation)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ActivateInformation extends Schema.Schema.Type<typeof ActivateInformation> {}

/**
 * 获取用户信息（跳转型激活） — `GET /v3/marketing/membercard-open/activate-informations/{activate_ticket}`.
 *
 * @since 0.3.0
 * @category tags
 */
export class GetActivateInformation
  extends Endpoint.Service<GetActivateInformation>()("MemberCard.GetActivateInformation", {
    method: "GET",
    path: "/v3/marketing/membercard-open/activate-informations/{activate_ticket}",
    request: GetActivateInformationRequest,
    response: ActivateInformation
  })
{}

/**
 * @since 0.3.0
 * @category errors
 */
export type GetActivateInformationError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const getActivateInformation = GetActivateInformation.call

/**
 * Every endpoint of this resource.
 *
 * @since 0.3.0
 * @category layers
 */
export const activationLayer: Layer.Layer<
  DecryptCode | ActivateUserCard | GetActivateInformation,
  never,
  WechatPayClient
> = Layer.mergeAll(DecryptCode.layer, ActivateUserCard.layer, GetActivateInformation.layer)
