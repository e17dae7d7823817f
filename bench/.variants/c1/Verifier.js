/**
 * Verifies what WeChat Pay signs — 2xx responses and notifications — against the WeChat Pay public key or the
 * platform certificates, chosen per message by `Wechatpay-Serial`. Both kinds may be configured at once (the
 * certificate → public-key migration sends both).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto";
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Keys from "./internal/keys.js";
import * as Protocol from "./internal/protocol.js";
import { ConfigurationError, ResponseVerificationError } from "./WechatPayError.js";
/**
 * @since 0.1.0
 * @category tags
 */
export class Verifier extends Context.Tag("effect-wechatpay/Verifier")() {
}
const isPublicKeyId = (id) => /^PUB_KEY_ID_/i.test(id);
const normaliseSerial = (serial) => serial.toUpperCase();
const numericSerial = (serial) => serial.toUpperCase().replace(/^0+(?=.)/, "");
const requiredHeaders = [
    ["wechatpay-timestamp", "Wechatpay-Timestamp"],
    ["wechatpay-nonce", "Wechatpay-Nonce"],
    ["wechatpay-signature", "Wechatpay-Signature"],
    ["wechatpay-serial", "Wechatpay-Serial"]
];
/**
 * Build a verifier. Keys are parsed here, once. Fails with `ConfigurationError` on an empty map, an unreadable PEM,
 * a private key where a public one belongs, or a certificate whose serial is not the one it is filed under.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options) => Effect.suspend(() => {
    const ids = Object.keys(options.publicKeys);
    if (ids.length === 0) {
        return Effect.fail(new ConfigurationError({
            option: "publicKeys",
            message: "No WeChat Pay public key or platform certificate configured: responses could not be verified."
        }));
    }
    const exact = new Map();
    const numeric = new Map();
    for (const id of ids) {
        const parsed = Keys.publicKey(options.publicKeys[id]);
        if (Keys.isProblem(parsed)) {
            return Effect.fail(new ConfigurationError({ option: "publicKeys", message: `The key for "${id}" ${parsed.problem}.` }));
        }
        if (isPublicKeyId(id)) {
            exact.set(id, parsed.key);
            continue;
        }
        if (!/^[0-9A-Fa-f]{1,64}$/.test(id)) {
            return Effect.fail(new ConfigurationError({
                option: "publicKeys",
                message: `"${id}" is neither a WeChat Pay public-key id (PUB_KEY_ID_…) nor a hex certificate serial.`
            }));
        }
        if (parsed.certificateSerial !== undefined && numericSerial(parsed.certificateSerial) !== numericSerial(id)) {
            return Effect.fail(new ConfigurationError({
                option: "publicKeys",
                message: `The certificate filed under "${id}" has serial ${parsed.certificateSerial}.`
            }));
        }
        exact.set(normaliseSerial(id), parsed.key);
        numeric.set(numericSerial(id), parsed.key);
    }
    const known = ids.join(", ");
    const maxSkewSeconds = Duration.toSeconds(options.maxClockSkew ?? Duration.minutes(5));
    const serial = ids.find(isPublicKeyId);
    const fail = (message, reason, text, extra = {}) => Effect.fail(new ResponseVerificationError({
        reason,
        message: text,
        ...extra,
        ...(message.status !== undefined ? { status: message.status } : {}),
        ...(message.requestId !== undefined ? { requestId: message.requestId } : {})
    }));
    const verify = (message) => {
        const h = message.headers;
        for (const [name, display] of requiredHeaders) {
            const value = h[name];
            if (value === undefined || value === "") {
                return fail(message, "MissingHeader", `The ${display} header is missing: an unsigned response is treated as forged.`);
            }
        }
        const timestamp = h["wechatpay-timestamp"];
        const serialHeader = h["wechatpay-serial"];
        const signature = h["wechatpay-signature"];
        if (!/^\d{1,12}$/.test(timestamp)) {
            return fail(message, "InvalidTimestamp", "Wechatpay-Timestamp is not a number of seconds.");
        }
        const key = exact.get(serialHeader) ?? exact.get(normaliseSerial(serialHeader)) ??
            numeric.get(numericSerial(serialHeader));
        if (key === undefined) {
            const shown = serialHeader.length > 64 ? `${serialHeader.slice(0, 64)}…` : serialHeader;
            return fail(message, "UnknownSerial", `No key for Wechatpay-Serial "${shown}" (configured: ${known}). Download the new platform certificate or public key.`, { serial: shown });
        }
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const skew = Math.abs(Math.floor(now / 1000) - Number(timestamp));
            if (skew > maxSkewSeconds) {
                return fail(message, "StaleTimestamp", `Wechatpay-Timestamp is ${skew} s away from our clock (at most ${maxSkewSeconds} s accepted).`, { serial: serialHeader, skewSeconds: skew });
            }
            if (signature.startsWith(Protocol.probePrefix)) {
                return fail(message, "InvalidSignature", "Signature probe (WECHATPAY/SIGNTEST/): WeChat checks that unverifiable responses are rejected.", { serial: serialHeader });
            }
            if (signature.length > 1024 || !Protocol.isBase64(signature)) {
                return fail(message, "InvalidSignature", "Wechatpay-Signature is not a Base64 signature.", { serial: serialHeader });
            }
            let ok = false;
            try {
                ok = crypto.verify("sha256", Buffer.from(Protocol.responseMessage(timestamp, h["wechatpay-nonce"], message.body), "utf8"), key, Buffer.from(signature, "base64"));
            }
            catch {
                // A key the primitive refuses is a failed verification, never a defect.
            }
            return ok ? Effect.void : fail(message, "InvalidSignature", "The signature does not match the message.", {
                serial: serialHeader
            });
        });
    };
    return Effect.succeed({ serial, verify });
});
/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options) => Layer.effect(Verifier, make(options));
//# sourceMappingURL=Verifier.js.map