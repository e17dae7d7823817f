/**
 * Per runtime (issue 13): the bundle of a one-endpoint app (runtimes/app.ts: `GetUserCard` on `WechatPay.layer` +
 * `FetchHttpClient.layer`), minified and gzipped; its cold start (process or isolate start → first verified call);
 * and its throughput against the emulator served from Node on 127.0.0.1. Writes bench/runtimes.md.
 *
 *   npm run bench:runtimes          (BENCH_CALLS, BENCH_CONCURRENCY, BENCH_COLD_RUNS to change the defaults)
 */
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { Miniflare } from "miniflare"
import { type Bundle, bundle, root } from "../runtimes/build.js"
import { serve } from "../runtimes/emulator.js"
import { localCommand, run, workerOptions } from "../runtimes/run.js"
import { scriptRuntimes } from "../runtimes/runtimes.js"
import type { Timings } from "../runtimes/app.js"

const calls = Number(process.env["BENCH_CALLS"] ?? 1000)
const concurrency = Number(process.env["BENCH_CONCURRENCY"] ?? 10)
const coldRuns = Number(process.env["BENCH_COLD_RUNS"] ?? 5)

interface Row {
  readonly runtime: string
  readonly bundle: string
  readonly coldStartMillis?: number
  readonly callsPerSecond?: number
  readonly note?: string
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`

const sizes = ({ file, origins }: Bundle) => {
  const text = readFileSync(file)
  return `${kb(text.length)} / ${kb(gzipSync(text, { level: 9 }).length)} (effect ${kb(origins.effect)}, ` +
    `effect/http ${kb(origins.effectHttp)}, ${origins.fastCheck > 0 ? `fast-check ${kb(origins.fastCheck)}, ` : ""}` +
    `effect-wechatpay ${kb(origins.ours)})`
}

/** One process of the app: wall time from spawn to its answer (the cold start), and its timings. */
const scriptOnce = async (runtime: (typeof scriptRuntimes)[number], file: string, n: number) => {
  const served = await serve(runtime.runtime, { reuseSignatures: true })
  try {
    const started = performance.now()
    const { stderr, stdout } = await run(localCommand(runtime, file), {
      SMOKE_CONFIG: JSON.stringify(served.config),
      BENCH_CALLS: String(n),
      BENCH_CONCURRENCY: String(concurrency)
    }, 300_000)
    const line = stdout.split("\n").find((l) => l.startsWith("{"))
    if (line === undefined) throw new Error(`${runtime.runtime}: ${stderr.split("\n")[0]}`)
    return { wall: performance.now() - started, timings: JSON.parse(line) as Timings }
  } finally {
    await served.close()
  }
}

/** One isolate of the app in workerd: time from `new Miniflare` to the answer of the first request. */
const workerOnce = async (file: string, nodejsCompat: boolean, n: number) => {
  const served = await serve("workerd", { reuseSignatures: true })
  const started = performance.now()
  const mf = new Miniflare({ ...workerOptions(file, nodejsCompat), handleRuntimeStdio: () => undefined })
  try {
    const response = await mf.dispatchFetch("http://bench.local/", {
      method: "POST",
      body: JSON.stringify({ config: served.config, calls: n, concurrency })
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.split("\n")[0]}`)
    return { wall: performance.now() - started, timings: JSON.parse(text) as Timings }
  } finally {
    await mf.dispose().catch(() => undefined)
    await served.close()
  }
}

const measure = async (
  runtime: string,
  bundleSizes: string,
  once: (n: number) => Promise<{ wall: number; timings: Timings }>
): Promise<Row> => {
  try {
    const colds: Array<number> = []
    for (let i = 0; i < coldRuns; i++) colds.push((await once(0)).wall)
    const { timings } = await once(calls)
    console.log(`${runtime}: cold ${median(colds).toFixed(0)} ms, ${(calls / timings.millis * 1000).toFixed(0)} calls/s`)
    return {
      runtime,
      bundle: bundleSizes,
      coldStartMillis: median(colds),
      callsPerSecond: (timings.calls / timings.millis) * 1000
    }
  } catch (error) {
    const note = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 160)
    console.log(`${runtime}: ${note}`)
    return { runtime, bundle: bundleSizes, note }
  }
}

const version = (argv: ReadonlyArray<string>) => {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" }).split("\n")[0]!.trim()
  } catch {
    return "?"
  }
}

const miniflareVersion = (JSON.parse(readFileSync(join(root, "node_modules", "miniflare", "package.json"), "utf8")) as {
  version: string
}).version

const main = async () => {
  const script = await bundle("runtimes/app-main.ts", "app-node.min", "node", { minify: true })
  const worker = await bundle("runtimes/app-worker.ts", "app-worker.min", "worker", { minify: true })
  const workerPaths = await bundle("runtimes/app-worker-paths.ts", "app-worker-paths.min", "worker", { minify: true })
  const rows: Array<Row> = []
  for (const runtime of scriptRuntimes) {
    rows.push(await measure(runtime.runtime, sizes(script), (n) => scriptOnce(runtime, script.file, n)))
  }
  for (const nodejsCompat of [true, false]) {
    rows.push(
      await measure(
        nodejsCompat ? "workerd-nodejs_compat" : "workerd",
        sizes(worker),
        (n) => workerOnce(worker.file, nodejsCompat, n)
      )
    )
  }
  rows.push(await measure("workerd, imported by module path", sizes(workerPaths), (n) => workerOnce(workerPaths.file, false, n)))
  const bin = (name: string) => join(root, "node_modules", ".bin", name)
  const cpu = os.cpus()[0]?.model ?? "?"
  const md = [
    "# effect-wechatpay per runtime",
    "",
    "The one-endpoint app `runtimes/app.ts` (`MemberCard.GetUserCard` on `WechatPay.layer` + `FetchHttpClient.layer`),",
    "bundled from `dist/` with esbuild as `runtimes/runtimes.ts` says (Node 24 and 22, Bun and Deno share the node-platform",
    "bundle; workerd gets the browser-platform one), against the emulator served from Node on 127.0.0.1",
    "(`reuseSignatures`; it verifies every request). The library is imported from the package root",
    "(`import { MemberCard, WechatPay } from \"effect-wechatpay\"`), and in the last row by module path",
    "(`import * as MemberCard from \"effect-wechatpay/MemberCard\"`: a bundler then keeps only the declarations used).",
    "Made by:",
    "",
    "```sh",
    `npm run bench:runtimes   # BENCH_CALLS=${calls} BENCH_CONCURRENCY=${concurrency} BENCH_COLD_RUNS=${coldRuns}`,
    "```",
    "",
    "- **bundle**: minified / gzipped (level 9), everything but `node:` built-ins included; in brackets, the minified",
    "  bytes by origin (esbuild's metafile): `effect` without its HTTP modules, `effect/http` (the HttpClient and",
    "  FetchHttpClient, `@effect/platform` in Effect 3), this library.",
    `- **cold start**: median of ${coldRuns}: process spawn (Node, Bun, Deno) or \`new Miniflare\` (workerd: process,`,
    "  isolate, script) until the first call's verified answer is back in the harness. Key import and layer",
    "  construction are included.",
    `- **calls/s**: ${calls} \`getUserCard\` calls, ${concurrency} at a time, after the first, in one process or request.`,
    "",
    "| runtime | bundle (min / gzip) | cold start | calls/s |",
    "|---|---|---|---|",
    ...rows.map((row) =>
      row.note === undefined
        ? `| ${row.runtime} | ${row.bundle} | ${row.coldStartMillis!.toFixed(0)} ms | ${row.callsPerSecond!.toFixed(0)} |`
        : `| ${row.runtime} | ${row.bundle} | — | — (${row.note.replaceAll("|", "\\|")}) |`
    ),
    "",
    `Machine: ${cpu}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}, load average ${
      os.loadavg()[0]!.toFixed(1)
    } at the end (the harness, the emulator and the runtime share the cores); Node ${
      scriptRuntimes.filter((r) => r.runtime.startsWith("node")).map((r) => version([localCommand(r, "")[0]!, "--version"])).join(" and ")
    } (the harness on ${process.version}), ` +
    `Bun ${version([bin("bun"), "--version"])}, ${version([bin("deno"), "--version"]).replace(/ \(.*/, "")}, ` +
    `${version([bin("workerd"), "--version"])} (miniflare ${miniflareVersion}); ${new Date().toISOString().slice(0, 10)}.`,
    ""
  ].join("\n")
  writeFileSync(join(root, "bench", "runtimes.md"), md)
  console.log(`\n${md}`)
}

main()
