/**
 * 设置会员权益 — `PATCH /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/rights` (204): points and the
 * rights shown on the member's card.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema";
import * as Endpoint from "../Endpoint.js";
/**
 * @since 0.1.0
 * @category schemas
 */
export declare const SetUserCardRightsRequest: Schema.Struct<{
    /** 商户请求单号 (required), string(128): the idempotency key of this write. */
    out_request_no: Schema.filter<Schema.filter<typeof Schema.String>>;
    /** 变更前的会员积分值 */
    before_bonus_value: Schema.optionalWith<Schema.refine<number, typeof Schema.Number>, {
        exact: true;
    }>;
    /** 变更后的会员积分值 */
    bonus_value: Schema.optionalWith<Schema.refine<number, typeof Schema.Number>, {
        exact: true;
    }>;
    /** 会员积分变动值: positive adds, negative subtracts. */
    add_bonus_value: Schema.optionalWith<Schema.refine<number, typeof Schema.Number>, {
        exact: true;
    }>;
    /** Send a template message about the points change. Default true. */
    need_inform_bonus: Schema.optionalWith<typeof Schema.Boolean, {
        exact: true;
    }>;
    /** 会员价文案, string(8). */
    member_price_word: Schema.optionalWith<Schema.filter<typeof Schema.String>, {
        exact: true;
    }>;
    /** 发票入口文案, string(6). */
    fapiao_jump_word: Schema.optionalWith<Schema.filter<typeof Schema.String>, {
        exact: true;
    }>;
    /** 会员专属咨询 */
    guide: Schema.optionalWith<Schema.Struct<{
        staff_name: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
        head_image_url: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
        contact_information_name: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
        contact_information_value: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
        phone_number: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
    }>, {
        exact: true;
    }>;
    card_id: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
    code: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
}>;
/**
 * @since 0.1.0
 * @category models
 */
export interface SetUserCardRightsRequest extends Schema.Schema.Type<typeof SetUserCardRightsRequest> {
}
declare const SetUserCardRights_base: Endpoint.ServiceClass<SetUserCardRights, {
    readonly code: string;
    readonly card_id: string;
    readonly out_request_no: string;
    readonly bonus_value?: number;
    readonly before_bonus_value?: number;
    readonly add_bonus_value?: number;
    readonly need_inform_bonus?: boolean;
    readonly member_price_word?: string;
    readonly fapiao_jump_word?: string;
    readonly guide?: {
        readonly staff_name?: string;
        readonly head_image_url?: string;
        readonly contact_information_name?: string;
        readonly contact_information_value?: string;
        readonly phone_number?: string;
    };
}, void, Endpoint.NoContentError>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class SetUserCardRights extends SetUserCardRights_base {
}
/**
 * @since 0.1.0
 * @category errors
 */
export type SetUserCardRightsError = Endpoint.NoContentError;
/**
 * @since 0.1.0
 * @category accessors
 */
export declare const setUserCardRights: (request: {
    readonly code: string;
    readonly card_id: string;
    readonly out_request_no: string;
    readonly bonus_value?: number;
    readonly before_bonus_value?: number;
    readonly add_bonus_value?: number;
    readonly need_inform_bonus?: boolean;
    readonly member_price_word?: string;
    readonly fapiao_jump_word?: string;
    readonly guide?: {
        readonly staff_name?: string;
        readonly head_image_url?: string;
        readonly contact_information_name?: string;
        readonly contact_information_value?: string;
        readonly phone_number?: string;
    };
}) => import("effect/Effect").Effect<void, Endpoint.NoContentError, SetUserCardRights>;
export {};
//# sourceMappingURL=SetUserCardRights.d.ts.map