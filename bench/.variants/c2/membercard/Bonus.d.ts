/**
 * The two bonus calls of one order, keyed by `out_trade_no`:
 * 支付结果页展示会员积分 — `POST …/codes/{code}/bonus/prepare` (show the order's points on the payment result
 * page) and 设置支付后展示的积分到账 — `POST …/codes/{code}/bonus/commit` (mark those points as credited). Both 204.
 *
 * @since 0.1.0
 */
import * as Endpoint from "../Endpoint.js";
export { 
/**
 * @since 0.1.0
 * @category schemas
 */
BonusRequest } from "./shared.js";
declare const PrepareBonus_base: Endpoint.ServiceClass<PrepareBonus, {
    readonly code: string;
    readonly card_id: string;
    readonly out_trade_no: string;
    readonly bonus_value: number;
    readonly mchid?: string;
    readonly sub_mchid?: string;
}, void, Endpoint.NoContentError>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class PrepareBonus extends PrepareBonus_base {
}
declare const CommitBonus_base: Endpoint.ServiceClass<CommitBonus, {
    readonly code: string;
    readonly card_id: string;
    readonly out_trade_no: string;
    readonly bonus_value: number;
    readonly mchid?: string;
    readonly sub_mchid?: string;
}, void, Endpoint.NoContentError>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class CommitBonus extends CommitBonus_base {
}
/**
 * @since 0.1.0
 * @category errors
 */
export type PrepareBonusError = Endpoint.NoContentError;
/**
 * @since 0.1.0
 * @category errors
 */
export type CommitBonusError = Endpoint.NoContentError;
/**
 * @since 0.1.0
 * @category accessors
 */
export declare const prepareBonus: (request: {
    readonly code: string;
    readonly card_id: string;
    readonly out_trade_no: string;
    readonly bonus_value: number;
    readonly mchid?: string;
    readonly sub_mchid?: string;
}) => import("effect/Effect").Effect<void, Endpoint.NoContentError, PrepareBonus>;
/**
 * @since 0.1.0
 * @category accessors
 */
export declare const commitBonus: (request: {
    readonly code: string;
    readonly card_id: string;
    readonly out_trade_no: string;
    readonly bonus_value: number;
    readonly mchid?: string;
    readonly sub_mchid?: string;
}) => import("effect/Effect").Effect<void, Endpoint.NoContentError, CommitBonus>;
//# sourceMappingURL=Bonus.d.ts.map