/**
 * Schemas shared by the member-card endpoints. Limits are the ones official pages state (see
 * ../../README.md#validation-rules); rules that only unofficial sources state are deliberately not enforced.
 */
import * as Schema from "effect/Schema";
/** `Schema.optionalWith(S, { exact: true })`: absent is allowed, `undefined` is not. */
export declare const optional: <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith<S, {
    exact: true;
}>;
/** 会员卡 id (card template id), path parameter, string(32). */
export declare const CardId: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
/** 会员卡 code, path parameter, string(32). A dynamic code is accepted when the card uses them. */
export declare const Code: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
/** An integer (JSON number without fraction, within ±2^53). */
export declare const Int: Schema.refine<number, typeof Schema.Number>;
/** Path parameters of every user-card endpoint. */
export declare const UserCardPath: {
    card_id: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
    code: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
};
/**
 * 商户请求单号 on 修改用户会员卡信息: string(32) of letters, digits and `|`, `_`, `*`, `-` only. The idempotency key
 * of the write: repeat a write with the same value and the same body.
 */
export declare const OutRequestNo32: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
/** 商户请求单号 on 设置会员权益: string(128) (the official page states no character set). */
export declare const OutRequestNo128: Schema.filter<Schema.filter<typeof Schema.String>>;
/** 用户会员卡状态. */
export declare const UserCardStatus: Schema.Literal<["NOT_ACTIVATE", "EFFECTIVE", "EXPIRE", "UNAVAILABLE", "DELETE"]>;
/** 平台提供的通用开卡信息字段. */
export declare const CommonFieldName: Schema.Literal<["USER_FORM_FLAG_MOBILE", "USER_FORM_FLAG_SEX", "USER_FORM_FLAG_NAME", "USER_FORM_FLAG_BIRTHDAY", "USER_FORM_FLAG_ADDRESS", "USER_FORM_FLAG_EMAIL", "USER_FORM_FLAG_CITY"]>;
/** 会员专属咨询 (guide) shown on the card; no official length limits are visible, so none are enforced. */
export declare const Guide: Schema.Struct<{
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
}>;
/**
 * Body of 支付结果页展示会员积分 and 设置支付后展示的积分到账. Direct merchants send `mchid`, partners `sub_mchid`
 * (the official pages differ by caller type; sending both is accepted).
 */
export declare const BonusRequest: Schema.Struct<{
    /** 商户订单号 of the payment; the idempotency key of the bonus calls. string(32). */
    out_trade_no: Schema.filter<Schema.filter<typeof Schema.String>>;
    /** 直连商户号 (direct merchants). string(32). */
    mchid: Schema.optionalWith<Schema.filter<Schema.filter<typeof Schema.String>>, {
        exact: true;
    }>;
    /** 子商户号 (partners). string(32). */
    sub_mchid: Schema.optionalWith<Schema.filter<Schema.filter<typeof Schema.String>>, {
        exact: true;
    }>;
    /** Points of this order; a positive integer. */
    bonus_value: Schema.filter<Schema.refine<number, typeof Schema.Number>>;
    card_id: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
    code: Schema.filter<Schema.filter<Schema.filter<typeof Schema.String>>>;
}>;
/** @see BonusRequest */
export interface BonusRequest extends Schema.Schema.Type<typeof BonusRequest> {
}
//# sourceMappingURL=shared.d.ts.map