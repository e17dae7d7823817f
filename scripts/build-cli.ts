/**
 * The `effect-wechatpay` bin, bundled: `npm run build` runs this after `tsc`. It replaces what `tsc` emitted in
 * `dist/cli/` (one file per module of `src/cli/`, importing ~280 modules of `effect`, `effect/cli` and
 * `@effect/platform-node` one by one) with esbuild's bundle of `dist/cli/bin.js`: everything the command line runs,
 * those packages included, in a few chunks.
 *
 * - Why: Node spends most of a command's start-up resolving and linking ESM files, not running them — a call
 *   against the emulator took ~0.35–0.4 s unbundled and ~0.17 s bundled, on the same machine.
 * - Nothing is left external but Node's built-ins, so the bin needs no package installed: `@effect/platform-node`
 *   is not needed at run time (it is a devDependency, bundled here), and `effect` (the library's peer) is not read
 *   by the bin either. One copy of `effect` in the process, whatever version the user has installed.
 * - Code splitting keeps what a command does not use unloaded: the entry chunk holds only `Listen` (the signal
 *   handlers, caught before anything else loads) and imports the rest with `import()`; `emulator serve` and
 *   `notification parse` are chunks of their own. Chunks sit next to the entry in `dist/cli/` (the command line
 *   reads `../../package.json` relative to its own file).
 * - Not minified: a defect's stack trace (`--log-level debug`) stays readable without a source map. No source map:
 *   it would carry the bundled packages' sources.
 * - The licences of the bundled packages go into `dist/cli/LICENSES.md` (their MIT notices must ship with them).
 *
 * The bundle is built in memory and written only once esbuild has succeeded: a failed build leaves `tsc`'s output
 * in place and exits non-zero.
 */
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const outDir = Path.join(root, "dist", "cli")
const manifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as {
  readonly engines: { readonly node: string }
}

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: [Path.join(outDir, "bin.js")],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  // The oldest Node the package supports (engines: ">=22.19").
  target: `node${manifest.engines.node.replace(/^>=/, "")}`,
  outdir: outDir,
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  // `/*! … */` and `@license` comments of the bundled code are kept, at the end of each chunk.
  legalComments: "eof",
  // Paths as the package sees them (`node_modules/effect/…` in the bundle's comments), even when node_modules is a
  // symbolic link (a build in a copy of the sources).
  preserveSymlinks: true,
  metafile: true,
  write: false,
  logLevel: "warning"
})

// esbuild makes a chunk of every `import()` it finds before it drops unused code: a chunk whose only importer was
// dropped (`Notification`'s server side, which the command line never uses) would ship unreachable. Only the files
// the entry can reach are written.
const reachable = new Set<string>()
const reach = (output: string) => {
  if (reachable.has(output)) return
  reachable.add(output)
  for (const { external, path } of result.metafile.outputs[output]!.imports) if (!external) reach(path)
}
reach(Path.relative(root, Path.join(outDir, "bin.js")))

/** Each bundled package (name, version, licence text), from the files the written chunks hold. */
const bundled = new Map<string, { readonly version: string; readonly license: string; readonly text: string }>()
const inputs = [...reachable].flatMap((output) => Object.keys(result.metafile.outputs[output]!.inputs))
for (const input of inputs) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
  if (match === null || bundled.has(match[1]!)) continue
  const dir = Path.join(root, match[1]!)
  const pkg = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as {
    readonly name: string
    readonly version: string
    readonly license: string
  }
  const file = Fs.readdirSync(dir).find((name) => /^licen[cs]e(\.(md|txt))?$/i.test(name))
  if (file === undefined) throw new Error(`${pkg.name} is bundled into the bin but has no licence file to ship with it`)
  bundled.set(match[1]!, {
    version: `${pkg.name}@${pkg.version}`,
    license: pkg.license,
    text: Fs.readFileSync(Path.join(dir, file), "utf8").trim()
  })
}
const notices = [
  "# Bundled packages",
  "",
  "The `effect-wechatpay` command (the files of this folder) bundles the packages below. Their licences:",
  ...[...bundled.values()].sort((a, b) => a.version.localeCompare(b.version)).flatMap(({ license, text, version }) => [
    "",
    `## ${version} (${license})`,
    "",
    "```",
    text,
    "```"
  ]),
  ""
].join("\n")

Fs.rmSync(outDir, { recursive: true, force: true })
Fs.mkdirSync(outDir, { recursive: true })
for (const file of result.outputFiles) {
  if (reachable.has(Path.relative(root, file.path))) Fs.writeFileSync(file.path, file.contents)
}
Fs.writeFileSync(Path.join(outDir, "LICENSES.md"), notices)
