import * as HttpClient from "@effect/platform/HttpClient";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Redacted from "effect/Redacted";
import type * as Scope from "effect/Scope";
import * as NodeTransport from "../NodeTransport.js";
import type * as Transport from "../Transport.js";
import * as WechatPay from "../WechatPay.js";
import type * as WechatPayClient from "../WechatPayClient.js";
import type { ConfigurationError } from "../WechatPayError.js";
/**
 * The endpoints the emulator serves.
 *
 * @since 0.1.0
 * @category models
 */
export type EndpointName = "GetUserCard" | "UpdateUserCard" | "SetUserCardRights" | "PrepareBonus" | "CommitBonus";
/**
 * A scripted misbehaviour.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = 
/** Answer with this status and WeChat error code (unsigned, like real error responses); nothing is applied. */
{
    readonly _tag: "Error";
    readonly status: number;
    readonly code: string;
    readonly message?: string;
}
/** Answer with this status and no body (gateway / overload). Nothing is applied. */
 | {
    readonly _tag: "EmptyError";
    readonly status: number;
}
/** Wait before handling (the write is applied after the wait, if the client is still there). */
 | {
    readonly _tag: "Delay";
    readonly millis: number;
}
/** Drop the connection before anything is applied. */
 | {
    readonly _tag: "Drop";
}
/** Apply the write, then drop the connection: the client never learns it succeeded. */
 | {
    readonly _tag: "DropAfterApply";
}
/** Flip a byte of the response signature (still valid Base64). */
 | {
    readonly _tag: "TamperSignature";
}
/** Change the response body after signing it. */
 | {
    readonly _tag: "TamperBody";
}
/** A `WECHATPAY/SIGNTEST/` probe signature. */
 | {
    readonly _tag: "ProbeSignature";
}
/** Sign with a timestamp this many seconds in the past. */
 | {
    readonly _tag: "StaleTimestamp";
    readonly seconds: number;
}
/** Sign with a key whose serial the client does not know. */
 | {
    readonly _tag: "UnknownSerial";
}
/** Omit the `Wechatpay-*` signature headers. */
 | {
    readonly _tag: "Unsigned";
}
/** A correctly signed 200 whose body is not JSON. */
 | {
    readonly _tag: "NonJsonBody";
}
/** A correctly signed 200 whose body is JSON of the wrong shape. */
 | {
    readonly _tag: "WrongShape";
}
/** A correctly signed 200 whose body is this large (bytes). */
 | {
    readonly _tag: "OversizedBody";
    readonly bytes: number;
}
/** A correctly signed 200 whose body is JSON nested this deep. */
 | {
    readonly _tag: "DeepJson";
    readonly depth: number;
}
/** A `Wechatpay-Timestamp` that is not a number. */
 | {
    readonly _tag: "InvalidTimestamp";
}
/** A huge `Wechatpay-Serial` header value. */
 | {
    readonly _tag: "HugeHeader";
    readonly bytes: number;
};
/**
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
    /** Only calls to this endpoint; all endpoints when absent. */
    readonly endpoint?: EndpointName | undefined;
    readonly fault: Fault;
    /** How many matching requests it hits. Default 1. */
    readonly times?: number | undefined;
}
/**
 * A member's card as the emulator stores it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CardState {
    card_id: string;
    code: string;
    openid: string;
    membership_number: string;
    level: string;
    nickname: string;
    background_picture_url?: string;
    balance: number;
    bonus_value: number;
    user_card_status: "NOT_ACTIVATE" | "EFFECTIVE" | "EXPIRE" | "UNAVAILABLE" | "DELETE";
}
/**
 * One write the emulator applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface LedgerEntry {
    readonly endpoint: EndpointName;
    readonly card_id: string;
    readonly code: string;
    /** `out_request_no` or `out_trade_no`. */
    readonly key: string;
    readonly balanceDelta: number;
    readonly pointsDelta: number;
}
/**
 * A request as the emulator sees it: header names lower case, the body as sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorRequest {
    readonly method: string;
    /** Path and query exactly as received (the request-target). */
    readonly target: string;
    readonly headers: Readonly<Record<string, string | undefined>>;
    readonly body: string;
}
/**
 * @since 0.1.0
 * @category models
 */
export type EmulatorResult = {
    readonly _tag: "Respond";
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
} | {
    readonly _tag: "Drop";
};
/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
    readonly mchid?: string | undefined;
    readonly merchantSerialNumber?: string | undefined;
    /** The merchant's public key (PEM). When absent a merchant key pair is generated (see `merchantPrivateKey`). */
    readonly merchantPublicKey?: string | undefined;
    /** `auto` (default): public-key mode when the request sends `Wechatpay-Serial: PUB_KEY_ID_…`, else certificate. */
    readonly mode?: "auto" | "publicKey" | "certificate" | undefined;
    /** Cache one response signature per (second, body) — lets a benchmark server keep up; still always valid. */
    readonly reuseSignatures?: boolean | undefined;
    /** Cards to start with. */
    readonly cards?: ReadonlyArray<Partial<CardState> & Pick<CardState, "card_id" | "code">> | undefined;
}
/**
 * The emulated server. Its state is plain and synchronous; read it in tests to check what was applied.
 *
 * @since 0.1.0
 * @category models
 */
export declare class EmulatorState {
    readonly mchid: string;
    readonly merchantSerialNumber: string;
    /** Present when the emulator generated the merchant key pair. TEST ONLY. */
    readonly merchantPrivateKey: Redacted.Redacted<string> | undefined;
    readonly publicKeyId: string;
    /** The platform public key (PEM) of public-key mode. */
    readonly publicKey: string;
    readonly certificateSerial = "3C9A2F4E1D7B60A58E13F2C4D6B8A0E29F7C5D31";
    readonly certificate = "-----BEGIN CERTIFICATE-----\nMIIDqzCCApOgAwIBAgIUPJovTh17YKWOE/LE1rig4p98XTEwDQYJKoZIhvcNAQEL\nBQAwZTELMAkGA1UEBhMCQ04xIjAgBgNVBAoMGWVmZmVjdC13ZWNoYXRwYXkgZW11\nbGF0b3IxMjAwBgNVBAMMKUVtdWxhdG9yIFBsYXRmb3JtIENlcnRpZmljYXRlIChU\nRVNUIE9OTFkpMB4XDTI2MTEyNTIxNDk1M1oXDTQ2MTEyMDIxNDk1M1owZTELMAkG\nA1UEBhMCQ04xIjAgBgNVBAoMGWVmZmVjdC13ZWNoYXRwYXkgZW11bGF0b3IxMjAw\nBgNVBAMMKUVtdWxhdG9yIFBsYXRmb3JtIENlcnRpZmljYXRlIChURVNUIE9OTFkp\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2kWKpARKHaZYEibc05n5\nXewhYWnh0jUo56M07TmMbqpCAQ2RtqE7th6jA18DUgEmNPBcYayGzz6FMlaWgn88\nXf3Eu8MiYnFc2HPbVXRm4RgI5IYiykjgaQlHlf6bviqUHRODWvgYLtAlejbRS4Vr\nxkBi3flcz/0m5h5UyKsnjGcoYQHbxQSUM8rsgr0tmAsE1IJS0VisxnDH03TiAnsc\naVOq8QxMROX0RMa8GyQ37zxstqGFX8eflsD7bnqH3ZxZub5aGgwcD4NpCajtU71g\n9oBEwMMC5GebmzBzkMoi4X93uMZ+Qgtp8SUP5UM4Rx6LsUVy8NsJC6CgTuVCSXNF\nZwIDAQABo1MwUTAdBgNVHQ4EFgQU1+r18JpXSCceMP4Z8FtiML7/PZkwHwYDVR0j\nBBgwFoAU1+r18JpXSCceMP4Z8FtiML7/PZkwDwYDVR0TAQH/BAUwAwEB/zANBgkq\nhkiG9w0BAQsFAAOCAQEAmr24SxQsU9mO2vunfmnh5OnLOaSnRDlYJVZ5BmQO+qSz\npFG+H4ajAixFB4oO4LwEPRYm4pA6Fs/s7u0aGE4gu2+6r4Xn4SbHtEQKSRtTW3gk\n8uszTPxS3jtphYEmMdtGbEKVijz3kPUy9yRNqjtUJRhypNoxZb4iGPKjRvsxEaxR\n+VTPRNcphV/UWYJ5X+W/uNstNJU1wNNcP5gGhP1DmbiGUfxAPfJi65F73E6W0TZ0\nkKPRIHtr0Zi/yF059eFba2dGD9vKp+CBI1C1/+9kdpiH6/TTrmNN96E8QscHivza\nT/RQZjx6rVf18LOmH8oqdpAqHr83FW+FeT6HadOhfA==\n-----END CERTIFICATE-----\n";
    /** What a client should be configured with to verify this emulator (both modes). */
    readonly wechatpayPublicKeys: Readonly<Record<string, string>>;
    /** Every write applied, in order. */
    readonly ledger: Array<LedgerEntry>;
    /** Requests received per endpoint (including rejected ones); `"other"` for unknown routes. */
    readonly received: Map<EndpointName | "other", number>;
    private readonly cards;
    private readonly idempotency;
    private readonly orders;
    private faults;
    private readonly merchantKey;
    private readonly platformKey;
    private readonly certificateKey;
    private readonly strangerKey;
    private readonly mode;
    private readonly reuseSignatures;
    private readonly signatureCache;
    constructor(options?: Options);
    /** Add or replace a member's card. */
    putCard(card: Partial<CardState> & Pick<CardState, "card_id" | "code">): CardState;
    /** A copy of a member's card, if it exists. */
    card(card_id: string, code: string): CardState | undefined;
    /** All cards (copies). */
    allCards(): ReadonlyArray<CardState>;
    /** How many times a write with this idempotency key was applied. */
    applied(key: string): number;
    /** Requests received for an endpoint (or all). */
    requests(endpoint?: EndpointName): number;
    /** Script a fault. */
    inject(rule: FaultRule): void;
    /** Remove all scripted faults. */
    clearFaults(): void;
    private takeFault;
    /** Serve one request. */
    handle(request: EmulatorRequest): Effect.Effect<EmulatorResult>;
    private error;
    private signed;
    /** Authenticate as WeChat does, then route. */
    private process;
    private authenticate;
    private business;
    /** Bonus orders (`out_trade_no` → state), for assertions. */
    order(out_trade_no: string): {
        readonly bonus_value: number;
        readonly committed: boolean;
    } | undefined;
}
declare const Emulator_base: Context.TagClass<Emulator, "effect-wechatpay/testing/Emulator", EmulatorState>;
/**
 * The emulator instance in context.
 *
 * @since 0.1.0
 * @category tags
 */
export declare class Emulator extends Emulator_base {
}
/**
 * Create an emulator (generates its platform key and, unless given a public key, the merchant key pair).
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const make: (options?: Options) => Effect.Effect<EmulatorState>;
/**
 * An emulator in context.
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layer: (options?: Options) => Layer.Layer<Emulator>;
/**
 * An in-process `HttpClient` that hands every request to the emulator: the same checks and faults as the loopback
 * server, without sockets. Runs on the caller's `Clock`, so `TestClock` works.
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const httpClient: (emulator: EmulatorState) => HttpClient.HttpClient;
/**
 * @since 0.1.0
 * @category layers
 */
export declare const layerHttpClient: Layer.Layer<HttpClient.HttpClient, never, Emulator>;
/**
 * A running loopback server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server {
    /** e.g. `http://127.0.0.1:49152` */
    readonly baseUrl: string;
    /** Sockets currently open. */
    readonly connections: () => number;
}
declare const EmulatorServer_base: Context.TagClass<EmulatorServer, "effect-wechatpay/testing/EmulatorServer", Server>;
/**
 * @since 0.1.0
 * @category tags
 */
export declare class EmulatorServer extends EmulatorServer_base {
}
/**
 * Serve the emulator over real HTTP on 127.0.0.1 (ephemeral port unless given), for the life of the scope.
 * Request handling uses the live clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export declare const serve: (emulator: EmulatorState, options?: {
    readonly port?: number | undefined;
}) => Effect.Effect<Server, never, Scope.Scope>;
/**
 * @since 0.1.0
 * @category layers
 */
export declare const layerServer: (options?: {
    readonly port?: number | undefined;
}) => Layer.Layer<EmulatorServer, never, Emulator>;
/**
 * Client options for the emulator (everything but identity and keys, which come from the emulator).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions = Partial<Omit<WechatPay.Options, "mchid" | "merchantSerialNumber" | "merchantPrivateKey">>;
/**
 * A `WechatPayClient` configured with the emulator's merchant identity, merchant key and platform keys.
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layerClient: (options?: ClientOptions) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, Emulator | HttpClient.HttpClient>;
/**
 * `layerClient` over the `Transport` you provide (e.g. `NodeTransport.layer()`).
 *
 * @since 0.2.0
 * @category layers
 */
export declare const layerClientWith: (options?: ClientOptions) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, Emulator | Transport.Transport>;
/**
 * Emulator + client wired in-process: `MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))`.
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layerInProcess: (options?: Options & {
    readonly client?: ClientOptions | undefined;
}) => Layer.Layer<Emulator | WechatPayClient.WechatPayClient, ConfigurationError>;
/**
 * Emulator on a real 127.0.0.1 socket + client on `FetchHttpClient` (or the `HttpClient` you provide with
 * `layerLoopbackWith`).
 *
 * @since 0.1.0
 * @category layers
 */
export declare const layerLoopback: (options?: Options & {
    readonly client?: ClientOptions | undefined;
    readonly port?: number | undefined;
}) => Layer.Layer<Emulator | EmulatorServer | WechatPayClient.WechatPayClient, ConfigurationError>;
/**
 * @since 0.1.0
 * @category layers
 */
export declare const layerLoopbackWith: (options?: Options & {
    readonly client?: ClientOptions | undefined;
    readonly port?: number | undefined;
}) => Layer.Layer<Emulator | EmulatorServer | WechatPayClient.WechatPayClient, ConfigurationError, HttpClient.HttpClient>;
/**
 * Emulator on a real 127.0.0.1 socket + client on the built-in node:http transport (`NodeTransport`).
 *
 * @since 0.2.0
 * @category layers
 */
export declare const layerLoopbackNode: (options?: Options & {
    readonly client?: ClientOptions | undefined;
    readonly port?: number | undefined;
    readonly transport?: NodeTransport.Options | undefined;
}) => Layer.Layer<Emulator | EmulatorServer | WechatPayClient.WechatPayClient, ConfigurationError>;
export {};
//# sourceMappingURL=Emulator.d.ts.map