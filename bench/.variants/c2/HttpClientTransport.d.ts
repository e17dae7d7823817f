import * as HttpClient from "@effect/platform/HttpClient";
import * as Layer from "effect/Layer";
import { Transport, type Service } from "./Transport.js";
/**
 * Wrap an `HttpClient`. The platform's own `http.client` span is turned off: the endpoint span is the call's span,
 * and the platform span would record every header of the signed request.
 *
 * @since 0.2.0
 * @category constructors
 */
export declare const fromHttpClient: (client: HttpClient.HttpClient) => Service;
/**
 * @since 0.2.0
 * @category layers
 */
export declare const layer: Layer.Layer<Transport, never, HttpClient.HttpClient>;
//# sourceMappingURL=HttpClientTransport.d.ts.map