/**
 * 查询用户会员卡信息 — `GET /v3/marketing/membercard-open/cards/{card_id}/codes/{code}`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema";
import * as Endpoint from "../Endpoint.js";
/**
 * @since 0.1.0
 * @category schemas
 */
export declare const GetUserCardRequest: Schema.Struct<{
    card_id: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
    code: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
}>;
/**
 * @since 0.1.0
 * @category models
 */
export interface GetUserCardRequest extends Schema.Schema.Type<typeof GetUserCardRequest> {
}
/**
 * 用户开卡时填写的个人信息.
 *
 * @since 0.1.0
 * @category schemas
 */
export declare const UserInformation: Schema.Struct<{
    /** 平台提供的通用开卡信息字段 */
    common_field_list: Schema.optionalWith<Schema.Array$<Schema.Struct<{
        name: Schema.Literal<["USER_FORM_FLAG_MOBILE", "USER_FORM_FLAG_SEX", "USER_FORM_FLAG_NAME", "USER_FORM_FLAG_BIRTHDAY", "USER_FORM_FLAG_ADDRESS", "USER_FORM_FLAG_EMAIL", "USER_FORM_FLAG_CITY"]>;
        value: typeof Schema.String;
    }>>, {
        exact: true;
    }>;
    /** 商户自定义的开卡信息字段 */
    custom_field_list: Schema.optionalWith<Schema.Array$<Schema.Struct<{
        name: typeof Schema.String;
        value: Schema.optionalWith<typeof Schema.String, {
            exact: true;
        }>;
        value_list: Schema.optionalWith<Schema.Array$<typeof Schema.String>, {
            exact: true;
        }>;
    }>>, {
        exact: true;
    }>;
}>;
/**
 * A member's card. Every field is optional (the official page marks them 选填; `openid`, `nickname` and
 * `head_image_url` are absent for members synced by phone whose card is not yet in the wallet). Unknown extra keys
 * are ignored.
 *
 * @since 0.1.0
 * @category schemas
 */
export declare const UserCard: Schema.Struct<{
    /** 会员卡id */
    card_id: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 会员卡code */
    code: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 用户标识 (personal data: never logged by this library) */
    openid: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 会员卡编号 */
    membership_number: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 用户等级 */
    level: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 微信昵称 (personal data) */
    nickname: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 微信头像url */
    head_image_url: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 会员卡背景图 */
    background_picture_url: Schema.optionalWith<typeof Schema.String, {
        exact: true;
    }>;
    /** 用户储值余额 */
    balance: Schema.optionalWith<Schema.refine<number, typeof Schema.Number>, {
        exact: true;
    }>;
    /** 用户会员卡状态 */
    user_card_status: Schema.optionalWith<Schema.Literal<["NOT_ACTIVATE", "EFFECTIVE", "EXPIRE", "UNAVAILABLE", "DELETE"]>, {
        exact: true;
    }>;
    /** 用户开卡时填写的个人信息 */
    user_information: Schema.optionalWith<Schema.Struct<{
        /** 平台提供的通用开卡信息字段 */
        common_field_list: Schema.optionalWith<Schema.Array$<Schema.Struct<{
            name: Schema.Literal<["USER_FORM_FLAG_MOBILE", "USER_FORM_FLAG_SEX", "USER_FORM_FLAG_NAME", "USER_FORM_FLAG_BIRTHDAY", "USER_FORM_FLAG_ADDRESS", "USER_FORM_FLAG_EMAIL", "USER_FORM_FLAG_CITY"]>;
            value: typeof Schema.String;
        }>>, {
            exact: true;
        }>;
        /** 商户自定义的开卡信息字段 */
        custom_field_list: Schema.optionalWith<Schema.Array$<Schema.Struct<{
            name: typeof Schema.String;
            value: Schema.optionalWith<typeof Schema.String, {
                exact: true;
            }>;
            value_list: Schema.optionalWith<Schema.Array$<typeof Schema.String>, {
                exact: true;
            }>;
        }>>, {
            exact: true;
        }>;
    }>, {
        exact: true;
    }>;
    /** 用户当前积分 */
    bonus_value: Schema.optionalWith<Schema.refine<number, typeof Schema.Number>, {
        exact: true;
    }>;
}>;
/**
 * @since 0.1.0
 * @category models
 */
export interface UserCard extends Schema.Schema.Type<typeof UserCard> {
}
declare const GetUserCard_base: Endpoint.ServiceClass<GetUserCard, {
    readonly code: string;
    readonly card_id: string;
}, {
    readonly code?: string;
    readonly card_id?: string;
    readonly head_image_url?: string;
    readonly bonus_value?: number;
    readonly openid?: string;
    readonly membership_number?: string;
    readonly level?: string;
    readonly nickname?: string;
    readonly background_picture_url?: string;
    readonly balance?: number;
    readonly user_card_status?: "DELETE" | "NOT_ACTIVATE" | "EFFECTIVE" | "EXPIRE" | "UNAVAILABLE";
    readonly user_information?: {
        readonly common_field_list?: readonly {
            readonly value: string;
            readonly name: "USER_FORM_FLAG_MOBILE" | "USER_FORM_FLAG_SEX" | "USER_FORM_FLAG_NAME" | "USER_FORM_FLAG_BIRTHDAY" | "USER_FORM_FLAG_ADDRESS" | "USER_FORM_FLAG_EMAIL" | "USER_FORM_FLAG_CITY";
        }[];
        readonly custom_field_list?: readonly {
            readonly value?: string;
            readonly name: string;
            readonly value_list?: readonly string[];
        }[];
    };
}, Endpoint.JsonError>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class GetUserCard extends GetUserCard_base {
}
/**
 * @since 0.1.0
 * @category errors
 */
export type GetUserCardError = Endpoint.JsonError;
/**
 * @since 0.1.0
 * @category accessors
 */
export declare const getUserCard: (request: {
    readonly code: string;
    readonly card_id: string;
}) => import("effect/Effect").Effect<{
    readonly code?: string;
    readonly card_id?: string;
    readonly head_image_url?: string;
    readonly bonus_value?: number;
    readonly openid?: string;
    readonly membership_number?: string;
    readonly level?: string;
    readonly nickname?: string;
    readonly background_picture_url?: string;
    readonly balance?: number;
    readonly user_card_status?: "DELETE" | "NOT_ACTIVATE" | "EFFECTIVE" | "EXPIRE" | "UNAVAILABLE";
    readonly user_information?: {
        readonly common_field_list?: readonly {
            readonly value: string;
            readonly name: "USER_FORM_FLAG_MOBILE" | "USER_FORM_FLAG_SEX" | "USER_FORM_FLAG_NAME" | "USER_FORM_FLAG_BIRTHDAY" | "USER_FORM_FLAG_ADDRESS" | "USER_FORM_FLAG_EMAIL" | "USER_FORM_FLAG_CITY";
        }[];
        readonly custom_field_list?: readonly {
            readonly value?: string;
            readonly name: string;
            readonly value_list?: readonly string[];
        }[];
    };
}, Endpoint.JsonError, GetUserCard>;
export {};
//# sourceMappingURL=GetUserCard.d.ts.map