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
