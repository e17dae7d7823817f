/**
 * The one place that turns a declarative endpoint description — method, path template, request schema, response
 * schema, idempotency key — into a service function. Endpoint modules say *what*; this says *how*: validate before
 * anything is sent, split path parameters from body fields, encode once, call the transport, decode.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Either from "effect/Either";
import * as Layer from "effect/Layer";
import * as ParseResult from "effect/ParseResult";
import { WechatPayClient } from "./WechatPayClient.js";
import { RequestValidationError, ResponseDecodeError } from "./WechatPayError.js";
const compilePath = (template) => template.split(/(\{[a-z_]+\})/).filter((part) => part !== "").map((part) => part.startsWith("{") ? { param: part.slice(1, -1) } : { literal: part });
const issuesOf = (issue) => {
    try {
        return ParseResult.ArrayFormatter.formatIssueSync(issue).map((issue) => ({
            path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
            message: issue.message
        }));
    }
    catch {
        // Formatting prints the offending value; a pathologically nested one overflows the stack. Keep the failure typed.
        return [{ path: [], message: "value too deeply nested to describe" }];
    }
};
const describe = (issues) => issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
const validationError = (endpoint, error) => {
    const issues = issuesOf(error);
    return new RequestValidationError({ endpoint, issues, message: `Invalid ${endpoint} request: ${describe(issues)}` });
};
export function make(definition) {
    const { method, name } = definition;
    const segments = compilePath(definition.path);
    const pathParams = new Set(segments.flatMap((s) => ("param" in s ? [s.param] : [])));
    const hasBody = method !== "GET" && method !== "DELETE";
    const validate = ParseResultDecode(definition.request);
    const decodeResponse = definition.response === undefined ? undefined : ParseResultDecode(definition.response);
    const spanFields = definition.spanAttributes ?? [];
    const encode = (input) => {
        let path = "";
        for (const segment of segments) {
            path += "literal" in segment ? segment.literal : encodeURIComponent(String(input[segment.param]));
        }
        const rest = {};
        let restSize = 0;
        for (const key in input) {
            if (!pathParams.has(key) && input[key] !== undefined) {
                rest[key] = input[key];
                restSize++;
            }
        }
        if (hasBody)
            return { path, body: JSON.stringify(rest) };
        if (restSize === 0)
            return { path, body: undefined };
        const query = Object.entries(rest).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
        return { path: `${path}?${query.join("&")}`, body: undefined };
    };
    return (client) => (input) => {
        const attributes = { "wechatpay.endpoint": name };
        for (const field of spanFields) {
            const value = typeof input === "object" && input !== null ? input[field] : undefined;
            if (typeof value === "string")
                attributes[`wechatpay.${field}`] = value;
        }
        const validated = validate(input);
        if (Either.isLeft(validated)) {
            return Effect.useSpan(name, spanOptions(attributes), () => Effect.fail(validationError(name, validated.left)));
        }
        const value = validated.right;
        const wire = encode(value);
        const idempotent = method === "GET" ||
            (definition.idempotencyKey !== undefined && value[definition.idempotencyKey] !== undefined);
        // `useSpan`, not `withSpan`: the span is opened, recorded and ended, but not installed as the current span of
        // the call's own steps, which saves a context and fiber-ref copy per call (~20 µs of JS time, bench/README.md).
        // It is the caller's child either way; the library's internals open no spans of their own.
        return Effect.useSpan(name, spanOptions(attributes), (span) => Effect.flatMap(client.execute({ endpoint: name, method, path: wire.path, body: wire.body, idempotent }), (response) => {
            if (response.requestId !== undefined)
                span.attribute("wechatpay.request_id", response.requestId);
            return decodeResponse === undefined ? Effect.void : decodeBody(response);
        }));
    };
    function decodeBody(response) {
        const decodeError = (message) => new ResponseDecodeError({
            endpoint: name,
            status: response.status,
            message,
            ...(response.requestId !== undefined ? { requestId: response.requestId } : {})
        });
        let json;
        try {
            json = JSON.parse(response.body);
        }
        catch {
            return Effect.fail(decodeError("The response body is not JSON."));
        }
        const decoded = decodeResponse(json);
        return Either.isRight(decoded)
            ? Effect.succeed(decoded.right)
            : Effect.fail(decodeError(`The response does not match ${name}: ${describe(issuesOf(decoded.left))}`));
    }
}
// The span carries the endpoint and its ids; a captured stack trace per call would cost more than the call's own
// bookkeeping, and the endpoint name already says where it came from.
const spanOptions = (attributes) => ({ kind: "client", attributes, captureStackTrace: false });
function ParseResultDecode(schema) {
    return ParseResult.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" });
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
export const Service = () => (name, definition) => {
    const implementation = make({ ...definition, name });
    const tag = Context.Tag(`effect-wechatpay/${name}`)();
    return Object.assign(tag, {
        layer: Layer.effect(tag, Effect.map(WechatPayClient, implementation)),
        call: (request) => Effect.flatMap(tag, (endpoint) => endpoint(request))
    });
};
//# sourceMappingURL=Endpoint.js.map