/**
 * Key loading for the Node signer/verifier. Keys are parsed once, here, into `KeyObject`s; error messages name
 * what is wrong with a key and never include any of its text.
 */
import * as crypto from "node:crypto";
export type KeyProblem = {
    readonly problem: string;
};
/** Parse an RSA private key from PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
export declare const privateKey: (pem: string) => crypto.KeyObject | KeyProblem;
/** Parse an RSA public key from a PEM public key (SPKI or PKCS#1) or a PEM X.509 certificate. */
export declare const publicKey: (pem: string) => {
    readonly key: crypto.KeyObject;
    readonly certificateSerial?: string;
} | KeyProblem;
export declare const isProblem: (u: unknown) => u is KeyProblem;
//# sourceMappingURL=keys.d.ts.map