/**
 * The two bonus calls of one order, keyed by `out_trade_no`:
 * 支付结果页展示会员积分 — `POST …/codes/{code}/bonus/prepare` (show the order's points on the payment result
 * page) and 设置支付后展示的积分到账 — `POST …/codes/{code}/bonus/commit` (mark those points as credited). Both 204.
 *
 * @since 0.1.0
 */
import * as Endpoint from "../Endpoint.js"
import { BonusRequest } from "./shared.js"

export {
  /**
   * @since 0.1.0
   * @category schemas
   */
  BonusRequest
} from "./shared.js"

const bonus = (step: "prepare" | "commit") => ({
  method: "POST",
  path: `/v3/marketing/membercard-open/cards/{card_id}/codes/{code}/bonus/${step}`,
  request: BonusRequest,
  idempotencyKey: "out_trade_no",
  // A direct merchant must name itself (直连模式必填): WeChat refuses a body with neither mchid nor sub_mchid, so the
  // client's own mchid is sent then. A service provider (普通服务商, `serviceProvider: true`) has `sub_mchid` (optional,
  // string(32)) in place of `mchid` on its page (#25, 2024-11-18; #26 by symmetry, brand-card-member.md §2.C): its
  // client never fills an mchid in, and refuses one given, before sending.
  defaults: (request: BonusRequest, client: Endpoint.ClientFacts): Partial<BonusRequest> =>
    client.serviceProvider !== true && request.mchid === undefined && request.sub_mchid === undefined
      ? { mchid: client.mchid }
      : {},
  refuse: (request: BonusRequest, client: Endpoint.ClientFacts) =>
    client.serviceProvider === true && request.mchid !== undefined
      ? { path: "mchid", message: "a service provider names its sub-merchant with sub_mchid; mchid is the direct merchant's" }
      : undefined,
  spanAttributes: ["card_id"]
} as const)

/**
 * @since 0.1.0
 * @category tags
 */
export class PrepareBonus extends Endpoint.Service<PrepareBonus>()("MemberCard.PrepareBonus", bonus("prepare")) {}

/**
 * @since 0.1.0
 * @category tags
 */
export class CommitBonus extends Endpoint.Service<CommitBonus>()("MemberCard.CommitBonus", bonus("commit")) {}

/**
 * @since 0.1.0
 * @category errors
 */
export type PrepareBonusError = Endpoint.NoContentError

/**
 * @since 0.1.0
 * @category errors
 */
export type CommitBonusError = Endpoint.NoContentError

/**
 * @since 0.1.0
 * @category accessors
 */
export const prepareBonus = PrepareBonus.call

/**
 * @since 0.1.0
 * @category accessors
 */
export const commitBonus = CommitBonus.call
