/**
 * 修改用户会员卡信息 — `PATCH /v3/marketing/membercard-open/cards/{card_id}/codes/{code}` (204).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema";
import * as Endpoint from "../Endpoint.js";
/**
 * 用户储值变更信息.
 *
 * @since 0.1.0
 * @category schemas
 */
export declare const BalanceInformation: Schema.Struct<{
    /** 更新前用户储值余额 */
    before_balance: Schema.refine<number, typeof Schema.Number>;
    /** 更新后用户储值余额 */
    balance: Schema.refine<number, typeof Schema.Number>;
    /** 本次余额变动值 */
    add_balance: Schema.refine<number, typeof Schema.Number>;
    /** 储值消耗记录 */
    balance_remark: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
}>;
/**
 * @since 0.1.0
 * @category schemas
 */
export declare const UpdateUserCardRequest: Schema.Struct<{
    /** 会员卡编号: string(32), letters, digits and half-width punctuation; defaults to the code. */
    membership_number: Schema.optionalWith<Schema.filter<Schema.filter<typeof Schema.String>>, {
        exact: true;
    }>;
    /** 会员卡背景图: a URL from the marketing image-upload API, string(128). */
    background_picture_url: Schema.optionalWith<Schema.filter<typeof Schema.String>, {
        exact: true;
    }>;
    /** 用户等级: string(5). */
    level: Schema.optionalWith<Schema.filter<typeof Schema.String>, {
        exact: true;
    }>;
    /** 商户请求单号 (required): the idempotency key of this write. */
    out_request_no: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
    /** 用户储值变更信息 */
    balance_information: Schema.optionalWith<Schema.Struct<{
        /** 更新前用户储值余额 */
        before_balance: Schema.refine<number, typeof Schema.Number>;
        /** 更新后用户储值余额 */
        balance: Schema.refine<number, typeof Schema.Number>;
        /** 本次余额变动值 */
        add_balance: Schema.refine<number, typeof Schema.Number>;
        /** 储值消耗记录 */
        balance_remark: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
    }>, {
        exact: true;
    }>;
    /** Send a template message about the balance change. Default true. */
    need_inform_balance: Schema.optionalWith<typeof Schema.Boolean, {
        exact: true;
    }>;
    /** Send a template message about the level change. Default true. */
    need_inform_level: Schema.optionalWith<typeof Schema.Boolean, {
        exact: true;
    }>;
    card_id: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
    code: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
}>;
/**
 * @since 0.1.0
 * @category models
 */
export interface UpdateUserCardRequest extends Schema.Schema.Type<typeof UpdateUserCardRequest> {
}
declare const UpdateUserCard_base: Endpoint.ServiceClass<UpdateUserCard, {
    readonly code: string;
    readonly card_id: string;
    readonly out_request_no: string;
    readonly membership_number?: string;
    readonly level?: string;
    readonly background_picture_url?: string;
    readonly balance_information?: {
        readonly balance: number;
        readonly before_balance: number;
        readonly add_balance: number;
        readonly balance_remark?: string;
    };
    readonly need_inform_balance?: boolean;
    readonly need_inform_level?: boolean;
}, void, Endpoint.NoContentError>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class UpdateUserCard extends UpdateUserCard_base {
}
/**
 * @since 0.1.0
 * @category errors
 */
export type UpdateUserCardError = Endpoint.NoContentError;
/**
 * @since 0.1.0
 * @category accessors
 */
export declare const updateUserCard: (request: {
    readonly code: string;
    readonly card_id: string;
    readonly out_request_no: string;
    readonly membership_number?: string;
    readonly level?: string;
    readonly background_picture_url?: string;
    readonly balance_information?: {
        readonly balance: number;
        readonly before_balance: number;
        readonly add_balance: number;
        readonly balance_remark?: string;
    };
    readonly need_inform_balance?: boolean;
    readonly need_inform_level?: boolean;
}) => import("effect/Effect").Effect<void, Endpoint.NoContentError, UpdateUserCard>;
export {};
//# sourceMappingURL=UpdateUserCard.d.ts.map