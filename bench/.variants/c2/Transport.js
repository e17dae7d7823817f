/**
 * The wire under `WechatPayClient`: send one already-signed request, read the whole response (bounded, within a
 * deadline), or fail with a `TransportError`. It never signs, verifies, retries or parses: those stay in the client,
 * so every transport gets them the same way.
 *
 * Two implementations ship: `NodeTransport` (node:http/https with a keep-alive agent, the fast path on Node) and
 * `HttpClientTransport` (any `@effect/platform` `HttpClient`: fetch, undici, a test double), which is what
 * `WechatPay.layer` uses.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context";
/**
 * @since 0.2.0
 * @category tags
 */
export class Transport extends Context.Tag("effect-wechatpay/Transport")() {
}
//# sourceMappingURL=Transport.js.map