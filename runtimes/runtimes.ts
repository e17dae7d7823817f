/**
 * How each runtime is set up and run: the harness (runtimes/run.ts) runs exactly these commands, flags and bundle
 * options, and the README's "Runtimes" lines are rendered from them (test/runtimes.test.ts checks that they match),
 * so the documented setup is the one CI proves.
 */
import type * as esbuild from "esbuild"

/** `node` is the Node the harness runs on (24, from devDependencies), `node22` the oldest major `engines` allows. */
export type Runtime = "node" | "node22" | "bun" | "deno" | "workerd" | "workerd-nodejs_compat"

export type Platform = "node" | "worker"

/** The esbuild options a user ships each kind of bundle with (besides entry, output and minification). */
export const esbuildOptions = (platform: Platform): esbuild.BuildOptions =>
  platform === "node"
    ? { bundle: true, format: "esm", platform: "node" }
    // What wrangler does: the browser platform with workerd's conditions; node:* left to the runtime (nodejs_compat).
    : { bundle: true, format: "esm", platform: "browser", conditions: ["workerd", "worker", "browser"], external: ["node:*"] }

/** The same options as esbuild's command line flags. */
export const esbuildFlags = (platform: Platform): string => {
  const options = esbuildOptions(platform)
  return [
    "--bundle",
    `--format=${options.format}`,
    `--platform=${options.platform}`,
    ...(options.conditions === undefined ? [] : [`--conditions=${options.conditions.join(",")}`]),
    ...(options.external ?? []).map((name) => `--external:${name}`)
  ].join(" ")
}

/** A script runtime's command for a bundle `file` that calls the API at `host`. */
export interface ScriptRuntime {
  readonly runtime: Extract<Runtime, "node" | "node22" | "bun" | "deno">
  readonly title: string
  readonly command: (file: string, host: string) => ReadonlyArray<string>
}

/** The Node range the harness proves (package.json `engines`): its oldest major and the current one both run. */
const nodeTitle = "Node ≥ 22.19"

export const scriptRuntimes: ReadonlyArray<ScriptRuntime> = [
  { runtime: "node", title: nodeTitle, command: (file) => ["node", file] },
  { runtime: "node22", title: nodeTitle, command: (file) => ["node", file] },
  { runtime: "bun", title: "Bun", command: (file) => ["bun", file] },
  {
    runtime: "deno",
    title: "Deno",
    command: (file, host) => ["deno", "run", "--no-prompt", `--allow-net=${host}`, "--allow-env", file]
  }
]

/** workerd's compatibility flags for the two Worker runs. */
export const workerCompatibilityFlags = (nodejsCompat: boolean): ReadonlyArray<string> =>
  nodejsCompat ? ["nodejs_compat"] : []

/** The README's lines, rendered from the commands and options above (one line for both Nodes: the same command). */
export const readmeLines = (): ReadonlyArray<string> => [
  ...new Set(scriptRuntimes.map(({ command, title }) => `| ${title} | \`${command("app.mjs", "api.mch.weixin.qq.com").join(" ")}\` |`)),
  `| Cloudflare Workers | \`esbuild worker.ts ${esbuildFlags("worker")} --outfile=worker.mjs\`, with \`compatibility_flags = ${
    JSON.stringify(workerCompatibilityFlags(true))
  }\` in wrangler.toml or \`${JSON.stringify(workerCompatibilityFlags(false))}\`, the layers built inside \`fetch\` |`,
  `\`esbuild app.ts ${esbuildFlags("node")} --outfile=app.mjs\``
]
