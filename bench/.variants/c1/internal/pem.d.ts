/**
 * PEM handling without node:crypto: PEM → DER, and PKCS#1 `RSA PRIVATE KEY` → PKCS#8, so that the signer imports
 * one format and can tell a certificate, a public key or a non-RSA key from the merchant private key.
 */
export interface Pem {
    readonly label: string;
    readonly der: Uint8Array;
}
/** Decode the first PEM block; `undefined` when there is none or its body is not Base64. */
export declare const decode: (text: string) => Pem | {
    readonly label: string;
    readonly der: undefined;
} | undefined;
/** Wrap a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo. */
export declare const pkcs1ToPkcs8: (pkcs1: Uint8Array) => Uint8Array;
/** Whether a PKCS#8 PrivateKeyInfo names rsaEncryption as its algorithm (it sits within the first bytes). */
export declare const isRsaPkcs8: (der: Uint8Array) => boolean;
//# sourceMappingURL=pem.d.ts.map