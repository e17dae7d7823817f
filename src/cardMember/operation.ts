/**
 * One declaration per operation of 商家名片会员卡, served by two surfaces: a service provider's (`partner`: the APIv3
 * client, `/v3/brand/partner/card-member…`, the brand named by a `brand_id` field) and a brand's (BrandCardMember.ts:
 * the `BrandClient`, `/brand/card-member…`, the brand being the signer; declared there, so that a provider's program
 * never loads the brand's client). The operation says what the call is — method,
 * path, fields, answer, repeat safety, WeChat's rate limit — once; each surface adds only what makes it that surface.
 *
 * @since 1.3.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "../Endpoint.js"
import type * as Effect from "effect/Effect"
import type { Encryptor } from "../Encryptor.js"
import type { Method, Upload, WechatPayClient } from "../WechatPayClient.js"
import { BrandId } from "./schemas.js"

/**
 * @since 1.3.0
 * @category models
 */
export interface Operation<
  F extends Schema.Struct.Fields,
  P extends Schema.Struct.Fields,
  A,
  AE,
  S extends string | undefined = undefined
> {
  /** The accessor's name on both surfaces (`CreateCardTemplate`). */
  readonly name: string
  readonly method: Method
  /** Below the surface's prefix, e.g. `/cards/{card_id}`. */
  readonly path: string
  /** The fields (path parameters, query or body) of the brand's request; the provider's adds `brand_id`. */
  readonly fields: F
  /** Fields the provider's official page declares differently (e.g. required there): they replace the shared ones. */
  readonly partnerFields?: P | undefined
  readonly response?: Schema.Codec<A, AE> | undefined
  readonly repeatable?: string | undefined
  /** A sensitive field, given in plain (`Redacted`) and sent encrypted under the same name. */
  readonly encrypt?: S
  readonly body?: ((fields: Record<string, unknown>) => Upload | Effect.Effect<Upload>) | undefined
  /** WeChat's printed limit per signer, requests per second, on each surface (absent where no page prints one). */
  readonly rateLimit?: { readonly partner?: number | undefined; readonly brand?: number | undefined } | undefined
  /** A rule across fields, checked before sending (e.g. a reason required with REJECT). */
  readonly refuse?: ((request: any) => { readonly path: string; readonly message: string } | undefined) | undefined
  /** The brand's call has nothing but path parameters and sends no body (its page shows none). */
  readonly brandOmitsEmptyBody?: boolean | undefined
  /** Which surfaces have it (default both). */
  readonly surfaces?: "partner" | "brand" | undefined
}

/**
 * Declare an operation (checked: a key, an encrypted field and span attributes name fields it has).
 *
 * @since 1.3.0
 * @category constructors
 */
export const operation = <
  const F extends Schema.Struct.Fields,
  A = void,
  AE = never,
  const P extends Schema.Struct.Fields = {},
  const S extends string | undefined = undefined
>(op: Operation<F, P, A, AE, S>): Operation<F, P, A, AE, S> => op

/** What the provider sends: `brand_id`, the shared fields, its page's own. */
type PartnerFields<F extends Schema.Struct.Fields, P extends Schema.Struct.Fields> =
  & { readonly brand_id: typeof BrandId }
  & Omit<F, keyof P>
  & P

/**
 * @since 1.3.0
 * @category models
 */
export type PartnerRequest<O> = O extends Operation<infer F, infer P, any, any, any> ? Schema.Struct<PartnerFields<F, P>>["Type"]
  : never

/**
 * @since 1.3.0
 * @category models
 */
export type BrandRequest<O> = O extends Operation<infer F, any, any, any, any> ? Schema.Struct<F>["Type"] : never

/**
 * @since 1.3.0
 * @category models
 */
export type Response<O> = O extends Operation<any, any, infer A, any, any> ? A : never

/**
 * The provider surface's prefix.
 *
 * @since 1.3.0
 * @category constants
 */
export const partnerPrefix = "/v3/brand/partner/card-member"

/**
 * The brand surface's prefix (no `/v3`).
 *
 * @since 1.3.0
 * @category constants
 */
export const brandPrefix = "/brand/card-member"

/** Request fields safe on a span: the ids an operation has (never personal data). */
export const spanFieldsOf = (fields: Schema.Struct.Fields): ReadonlyArray<string> =>
  ["brand_id", "card_id", "activity_id"].filter((field) => field === "brand_id" || field in fields)

/** What both surfaces' declarations of an operation share. */
export const common = (op: Operation<any, any, any, any, any>): any => ({
  method: op.method,
  response: op.response,
  ...(op.repeatable !== undefined ? { repeatable: op.repeatable } : {}),
  ...(op.refuse !== undefined ? { refuse: op.refuse } : {}),
  // A call with a sensitive field names its key whether or not the field is given (ON-P 4015336981, 4015336979:
  // Wechatpay-Serial required), so form answers the caller encrypted are decrypted with the right key.
  ...(op.encrypt !== undefined ? { serialAlways: true } : {}),
  ...(op.body !== undefined ? { body: op.body } : {})
})

/**
 * The provider's endpoint: `PartnerCardMember.<name>` on `WechatPayClient` (and the `Encryptor`, for a sensitive field).
 *
 * @since 1.3.0
 * @category constructors
 */
export const partner = <Self>() =>
<F extends Schema.Struct.Fields, P extends Schema.Struct.Fields, A, AE, S extends string | undefined>(
  op: Operation<F, P, A, AE, S>
): Endpoint.ServiceClass<
  Self,
  Schema.Struct<PartnerFields<F, P>>["Type"],
  A,
  [A] extends [void] ? Endpoint.NoContentError : Endpoint.JsonError,
  [S] extends [undefined] ? WechatPayClient : WechatPayClient | Encryptor
> => {
  const fields = { brand_id: BrandId, ...op.fields, ...op.partnerFields }
  return Endpoint.Service<Self>()(`PartnerCardMember.${op.name}`, {
    ...common(op),
    path: partnerPrefix + op.path,
    request: Schema.Struct(fields) as any,
    spanAttributes: spanFieldsOf(fields) as any,
    encrypt: (op.encrypt === undefined ? undefined : { field: op.encrypt, as: op.encrypt }) as any,
    ...(op.rateLimit?.partner !== undefined ? { rateLimit: op.rateLimit.partner } : {})
  }) as any
}

/**
 * A surface's printed rate limits, as `RateLimit` budgets by endpoint name (requests per second).
 *
 * @since 1.3.0
 * @category constructors
 */
export const rateLimitsOf = (
  endpoints: ReadonlyArray<{ readonly definition: Endpoint.Definition<any> }>
): Readonly<Record<string, { readonly limit: number; readonly window: "1 second" }>> =>
  Object.fromEntries(
    endpoints.flatMap(({ definition }) =>
      definition.rateLimit === undefined ? [] : [[definition.name, { limit: definition.rateLimit, window: "1 second" }]]
    )
  )
