/**
 * A runtime's built-in module (node:crypto, node:fs, node:http…) found at run time rather than imported: through
 * `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno), a function call that no bundler follows, so a bundle for a
 * runtime without these modules (workerd without `nodejs_compat`, a browser) holds no `node:` import and one build
 * serves every runtime with no conditions in package.json. (A dynamic `import()` of a computed specifier is no
 * alternative: workerd refuses to load a module holding one.) Node before 20.16 has no `getBuiltinModule`: there the
 * crypto falls back to WebCrypto and NodeTransport says it needs Node ≥ 20.16.
 */

type Process = { readonly getBuiltinModule?: (id: string) => unknown }

/** The module, or `undefined` where the runtime has no `process.getBuiltinModule` or no such module. */
export const builtin = <M>(id: `node:${string}`): M | undefined => {
  const process = (globalThis as { readonly process?: Process }).process
  if (typeof process?.getBuiltinModule !== "function") return undefined
  try {
    return (process.getBuiltinModule(id) as M | null | undefined) ?? undefined
  } catch {
    return undefined
  }
}

/**
 * Cloudflare's runtime (it says so in `navigator.userAgent`). With `nodejs_compat` it offers node:crypto and node:http
 * through `getBuiltinModule`, but as partial layers: its `publicEncrypt` refuses a KeyObject, and its `http.Agent`
 * neither pools connections nor honours TLS options. The crypto uses WebCrypto there, and NodeTransport refuses.
 */
export const isWorkerd = (): boolean =>
  (globalThis as { readonly navigator?: { readonly userAgent?: unknown } }).navigator?.userAgent === "Cloudflare-Workers"
