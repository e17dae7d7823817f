/**
 * Key loading for the Node signer/verifier. Keys are parsed once, here, into `KeyObject`s; error messages name
 * what is wrong with a key and never include any of its text.
 */
import * as crypto from "node:crypto";
const pemLabel = (pem) => /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
/** Parse an RSA private key from PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
export const privateKey = (pem) => {
    const label = pemLabel(pem);
    if (label === undefined)
        return { problem: "is not a PEM (no -----BEGIN … ----- line)" };
    if (label === "CERTIFICATE") {
        return { problem: "is a certificate; the merchant API private key (apiclient_key.pem) is expected here" };
    }
    if (label === "PUBLIC KEY")
        return { problem: "is a public key; the merchant API private key is expected here" };
    if (label === "ENCRYPTED PRIVATE KEY")
        return { problem: "is encrypted; decrypt it first (openssl pkcs8)" };
    if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") {
        return { problem: `is a PEM of type "${label}"; a PKCS#8 or PKCS#1 RSA private key is expected` };
    }
    try {
        const key = crypto.createPrivateKey({ key: pem, format: "pem" });
        if (key.asymmetricKeyType !== "rsa") {
            return { problem: `is a ${key.asymmetricKeyType ?? "non-RSA"} key; WeChat Pay APIv3 uses RSA` };
        }
        return key;
    }
    catch {
        return { problem: `is a malformed ${label} PEM (its body could not be decoded)` };
    }
};
/** Parse an RSA public key from a PEM public key (SPKI or PKCS#1) or a PEM X.509 certificate. */
export const publicKey = (pem) => {
    const label = pemLabel(pem);
    if (label === undefined)
        return { problem: "is not a PEM (no -----BEGIN … ----- line)" };
    if (label.includes("PRIVATE")) {
        return { problem: "is a private key; the WeChat Pay public key or platform certificate is expected here" };
    }
    try {
        if (label === "CERTIFICATE") {
            const cert = new crypto.X509Certificate(pem);
            if (cert.publicKey.asymmetricKeyType !== "rsa") {
                return { problem: `is a certificate for a ${cert.publicKey.asymmetricKeyType ?? "non-RSA"} key; WeChat Pay APIv3 uses RSA` };
            }
            return { key: cert.publicKey, certificateSerial: cert.serialNumber.toUpperCase() };
        }
        const key = crypto.createPublicKey({ key: pem, format: "pem" });
        if (key.asymmetricKeyType !== "rsa") {
            return { problem: `is a ${key.asymmetricKeyType ?? "non-RSA"} key; WeChat Pay APIv3 uses RSA` };
        }
        return { key };
    }
    catch {
        return { problem: `is a malformed ${label} PEM (its body could not be decoded)` };
    }
};
export const isProblem = (u) => typeof u === "object" && u !== null && "problem" in u && typeof u.problem === "string";
//# sourceMappingURL=keys.js.map