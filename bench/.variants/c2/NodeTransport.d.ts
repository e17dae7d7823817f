import * as Https from "node:https";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { Transport, type Service } from "./Transport.js";
/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
    /** Most connections open at once per host. Default: unbounded (one per call in flight). */
    readonly maxSockets?: number | undefined;
    /**
     * How long an idle pooled connection is kept. Default 15 s. (A server's `Keep-Alive: timeout=…` hint, when
     * shorter, wins.)
     */
    readonly idleTimeout?: Duration.DurationInput | undefined;
    /** Extra TLS options for https, e.g. `ca` for a private CA in a test environment. */
    readonly tls?: Pick<Https.AgentOptions, "ca" | "servername" | "minVersion"> | undefined;
}
/**
 * Build the transport. Its agents (and their pooled connections) are closed when the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 */
export declare const make: (options?: Options) => Effect.Effect<Service, never, import("effect/Scope").Scope>;
/**
 * @since 0.2.0
 * @category layers
 */
export declare const layer: (options?: Options) => Layer.Layer<Transport>;
//# sourceMappingURL=NodeTransport.d.ts.map