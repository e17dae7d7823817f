/**
 * Which crypto implementation this runtime gets, chosen once, on first use (never at import: workerd forbids some
 * work in the global scope). node:crypto where the runtime has it — Node ≥ 20.16, Bun, Deno — found through
 * `process.getBuiltinModule`, which is a function call and not an import: no bundler sees a `node:` module, so one
 * build serves every runtime with no conditions in package.json. WebCrypto everywhere else: workerd (with or without
 * `nodejs_compat`: its node:crypto is a partial layer over the same library, with no thread pool to gain, and its
 * `publicEncrypt` refuses a KeyObject), browsers, and Node 20 before 20.16.
 */
import type * as NodeCrypto from "node:crypto"
import { builtin, isWorkerd } from "../builtin.js"
import * as Node from "./node.js"
import type { Backend } from "./types.js"
import * as Web from "./web.js"

let chosen: Backend | undefined


/** node:crypto when the runtime offers it through `process.getBuiltinModule` (and is not workerd), else `undefined`. */
export const nodeCrypto = (): typeof NodeCrypto | undefined => {
  if (isWorkerd()) return undefined
  const module = builtin<typeof NodeCrypto>("node:crypto")
  return typeof module?.sign === "function" && typeof module.createPrivateKey === "function" ? module : undefined
}

/** The implementation for this runtime. */
export const backend = (): Backend => (chosen ??= select())

const select = (): Backend => {
  const node = nodeCrypto()
  return node !== undefined ? Node.make(node) : Web.make(globalThis.crypto)
}
