/**
 * 确认用户入会 — `POST /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/confirm`: a service provider tells
 * WeChat whether the member's opening succeeded in its own system (商户完成内部开卡动作后, 告知微信侧用户入会动作是否成功).
 * Published on the partner pages only (doc 4024293896, 2026-07-06); whether direct merchants have it is not known.
 * The answer's status and body are not visible in any stored copy: any 2xx is success, its body is not read.
 *
 * @since 1.3.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import * as Wire from "../Wire.js"
import { optional, UserCardPath } from "./shared.js"

/**
 * 用户入会确认状态: `DEFAULT` (no business meaning), `CREATE_CARD_SUCCESS`, `CREATE_CARD_FAIL`,
 * `CREATE_CARD_ALREADY_EXISTS` (opened, but already a member through another channel).
 *
 * @since 1.3.0
 * @category schemas
 */
export const MembershipConfirmState = Wire.Enum(
  "DEFAULT",
  "CREATE_CARD_SUCCESS",
  "CREATE_CARD_FAIL",
  "CREATE_CARD_ALREADY_EXISTS"
)

/**
 * @since 1.3.0
 * @category schemas
 */
export const ConfirmMembershipRequest = Schema.Struct({
  ...UserCardPath,
  /** 用户入会确认状态 (required). */
  user_card_confirm_state: MembershipConfirmState.request,
  /** 失败原因, string(128): fill it in with `CREATE_CARD_FAIL`. */
  fail_reason: optional(Wire.chars("fail_reason", 128))
})

/**
 * @since 1.3.0
 * @category models
 */
export interface ConfirmMembershipRequest extends Schema.Schema.Type<typeof ConfirmMembershipRequest> {}

/**
 * @since 1.3.0
 * @category tags
 */
export class ConfirmMembership extends Endpoint.Service<ConfirmMembership>()("MemberCard.ConfirmMembership", {
  method: "POST",
  path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}/confirm",
  request: ConfirmMembershipRequest,
  // A set of the opening's outcome for one (card_id, code): repeating the same state changes nothing. Repeated only
  // after an answer saying it was not processed; WeChat's own repeat semantics are not published.
  repeatable: "a set of one member's opening outcome: the same state again changes nothing",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 1.3.0
 * @category errors
 */
export type ConfirmMembershipError = Endpoint.NoContentError

/**
 * @since 1.3.0
 * @category accessors
 */
export const confirmMembership = ConfirmMembership.call
