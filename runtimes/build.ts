/**
 * Bundles a programme as a user would ship it, with the pinned esbuild and the options of runtimes/runtimes.ts, against
 * the BUILT package (`dist/`, as `npm run build` leaves it; "effect-wechatpay" resolves there, as it would from
 * node_modules): `node`, one ESM file for Node, Bun and Deno; `worker`, one for workerd.
 */
import { mkdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import { esbuildOptions, type Platform } from "./runtimes.js"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..")
/** Under node_modules/.cache: built output, never committed. */
export const outDir = join(root, "node_modules", ".cache", "effect-wechatpay-runtimes")


/** A bundle on disk and the Node built-in modules it still imports (from esbuild's metafile). */
export interface Bundle {
  readonly file: string
  readonly bytes: number
  readonly nodeImports: ReadonlyArray<string>
  /** Each of them with the bundled modules that import it (`node:http ← dist/NodeTransport.js`), for the report. */
  readonly importers: ReadonlyArray<string>
  /**
   * Bytes of the output by origin: this package (`dist/`), `effect` without its HTTP modules, `effect/http` (what
   * `@effect/platform` was in Effect 3), fast-check (with pure-rand: Effect 3's Schema imported it for its arbitraries;
   * Effect 4's does not, so it should stay 0), the rest.
   */
  readonly origins: Readonly<Record<"ours" | "effect" | "effectHttp" | "fastCheck" | "other", number>>
}

const origin = (input: string): keyof Bundle["origins"] =>
  input.includes("node_modules/effect/dist/http/")
    ? "effectHttp"
    : input.includes("node_modules/effect/")
    ? "effect"
    : /node_modules\/(fast-check|pure-rand)\//.test(input)
    ? "fastCheck"
    : input.includes("node_modules/")
    ? "other"
    : input.includes("dist/")
    ? "ours"
    : "other"

const builtins = new Set(
  ["assert", "buffer", "child_process", "crypto", "events", "fs", "http", "https", "net", "os", "path", "stream", "tls", "url", "util", "zlib"]
)

/** "effect-wechatpay" and its subpaths → dist/, through package.json "exports" as a self-reference would resolve them. */
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly exports: Readonly<Record<string, { readonly import?: string } | null | string>>
  readonly sideEffects?: boolean
}
const exportsMap = manifest.exports

const selfReference: esbuild.Plugin = {
  name: "effect-wechatpay",
  setup(build) {
    build.onResolve({ filter: /^effect-wechatpay(\/.*)?$/ }, (args) => {
      const target = exportsMap[`.${args.path.slice("effect-wechatpay".length)}`]
      const file = typeof target === "object" && target !== null ? target.import : undefined
      return file === undefined
        ? { errors: [{ text: `${args.path} is not exported by package.json` }] }
        // A path a plugin resolves does not get package.json's "sideEffects" from esbuild: say it, as installed.
        : { path: join(root, file), sideEffects: manifest.sideEffects !== false }
    })
  }
}

export const bundle = async (
  entry: string,
  name: string,
  platform: Platform,
  options: { readonly minify?: boolean } = {}
): Promise<Bundle> => {
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `${name}.mjs`)
  const result = await esbuild.build({
    entryPoints: [join(root, entry)],
    outfile: file,
    ...esbuildOptions(platform),
    target: "es2022",
    minify: options.minify ?? false,
    metafile: true,
    logLevel: "silent",
    plugins: [selfReference]
  })
  // What the output still imports (an input's import that tree-shaking dropped does not count), and which of the
  // bundled modules import it.
  const nodeImports = new Set(
    Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((i) => i.external && (i.path.startsWith("node:") || builtins.has(i.path))).map((i) => i.path)
    )
  )
  const importers = [...nodeImports].sort().map((path) =>
    `${path} ← ${
      Object.entries(result.metafile.inputs)
        .filter(([, meta]) => meta.imports.some((imported) => imported.path === path))
        .map(([input]) => relative(root, input))
        .join(", ")
    }`
  )
  const origins = { ours: 0, effect: 0, effectHttp: 0, fastCheck: 0, other: 0 }
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) origins[origin(input)] += bytesInOutput
  }
  return {
    file,
    origins,
    bytes: statSync(file).size,
    nodeImports: [...nodeImports].sort(),
    importers
  }
}
