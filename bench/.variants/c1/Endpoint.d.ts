/**
 * The one place that turns a declarative endpoint description — method, path template, request schema, response
 * schema, idempotency key — into a service function. Endpoint modules say *what*; this says *how*: validate before
 * anything is sent, split path parameters from body fields, encode once, call the transport, decode.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Schema from "effect/Schema";
import { type Method, WechatPayClient } from "./WechatPayClient.js";
import { type CallError, RequestValidationError, ResponseDecodeError } from "./WechatPayError.js";
/**
 * An endpoint as a service: a function from the request to the decoded response.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint<in I, out A, out E> {
    (request: I): Effect.Effect<A, E>;
}
/**
 * What an endpoint with no response body (204) can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type NoContentError = CallError | RequestValidationError;
/**
 * What an endpoint with a JSON response body can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonError = NoContentError | ResponseDecodeError;
/**
 * @since 0.1.0
 * @category models
 */
export interface Definition<I extends object> {
    /** Span and error name, e.g. `MemberCard.GetUserCard`. */
    readonly name: string;
    readonly method: Method;
    /** Path with `{param}` placeholders, each a field of the request. */
    readonly path: string;
    /** The wire shape (snake_case) of path parameters and body fields together, with the documented rules. */
    readonly request: Schema.Schema<I, I>;
    /**
     * The request field that makes a repeated write safe (`out_request_no`, `out_trade_no`). GETs are always
     * repeatable; a write without an idempotency key is never repeated.
     */
    readonly idempotencyKey?: keyof I & string;
    /** Request fields safe to record on the span (ids, never personal data). */
    readonly spanAttributes?: ReadonlyArray<keyof I & string>;
}
/**
 * Compile a definition into a function of the transport. Everything that can be done once is done here.
 *
 * @since 0.1.0
 * @category constructors
 */
export declare function make<I extends object, A, AE>(definition: Definition<I> & {
    readonly response: Schema.Schema<A, AE>;
}): (client: WechatPayClient["Type"]) => Endpoint<I, A, JsonError>;
export declare function make<I extends object>(definition: Definition<I> & {
    readonly response?: undefined;
}): (client: WechatPayClient["Type"]) => Endpoint<I, void, NoContentError>;
/**
 * An endpoint's Tag class, with its layer and accessor attached.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceClass<Self, I, A, E> extends Context.TagClass<Self, string, Endpoint<I, A, E>> {
    /** The real endpoint over `WechatPayClient`. */
    readonly layer: Layer.Layer<Self, never, WechatPayClient>;
    /** `(request) => Effect<A, E, Self>`: the accessor. */
    readonly call: (request: I) => Effect.Effect<A, E, Self>;
}
/**
 * Declare an endpoint: its Tag (named after it), its real layer and its accessor, from the definition alone.
 *
 * ```ts
 * export class GetUserCard extends Endpoint.Service<GetUserCard>()("MemberCard.GetUserCard", {
 *   method: "GET", path: "/v3/…/cards/{card_id}/codes/{code}", request: GetUserCardRequest, response: UserCard
 * }) {}
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const Service: <Self>() => <I extends object, A = void, AE = never>(name: string, definition: Omit<Definition<I>, "name"> & {
    readonly response?: Schema.Schema<A, AE> | undefined;
}) => ServiceClass<Self, I, A, [A] extends [void] ? NoContentError : JsonError>;
//# sourceMappingURL=Endpoint.d.ts.map