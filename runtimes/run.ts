/**
 * The runtime smoke harness (CI, issue 13): bundles runtimes/smoke.ts as a user would ship it, serves a fresh emulator
 * from Node on 127.0.0.1 for each runtime, and runs the programme on Node 24 and Node 22 (both from devDependencies),
 * Bun, Deno, and workerd (through miniflare, offline) with and without `nodejs_compat`. Each runtime prints its own lines; then every
 * runtime/check pair is counted, and a last line `runtimes: N passed, N failed (N expected to fail)` follows.
 *
 * Pairs in `expectedToFail` are known not to work yet: printed with their reason, counted neither way; one that
 * passes is reported so the entry is removed. The goal is an empty list.
 *
 *   npm run runtimes [-- --report file.json]
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Miniflare } from "miniflare"
import { type Bundle, bundle, root } from "./build.js"
import { serve } from "./emulator.js"
import { type Runtime, type ScriptRuntime, scriptRuntimes, workerCompatibilityFlags } from "./runtimes.js"
import { type Check, checkNames, type SmokeConfig } from "./smoke.js"

/** `runtime/check` (or `runtime/*`) → why it cannot pass yet. Shrink it; never grow it to make CI green. */
export const expectedToFail: Readonly<Record<string, string>> = {}

/** workerd's compatibility date: the one the pinned workerd was released with. */
export const compatibilityDate = "2026-07-30"

/** How the harness and bench/runtimes.ts load a bundled Worker into workerd (miniflare), offline. */
export const workerOptions = (file: string, nodejsCompat: boolean) => ({
  modules: true,
  scriptPath: file,
  compatibilityDate,
  // No request.cf download (workers.cloudflare.com): CI reaches only the npm registry.
  cf: false,
  compatibilityFlags: [...workerCompatibilityFlags(nodejsCompat)]
})

/** The extra checks the harness itself makes (besides the programme's). */
const globalScopeCheck = "no disallowed operation in global scope"
const nodeImportsCheck = "Worker bundle imports no node: module"


interface Outcome {
  readonly runtime: Runtime | "bundle"
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

const bin = (name: string) => join(root, "node_modules", ".bin", name)

/**
 * The executable of a script runtime: the pinned Node 24 (`node` in devDependencies; this process's own Node where it
 * is not installed), the pinned Node 22 (`node22`, an npm alias of `node@22`), the pinned Bun and Deno.
 */
const executable = (runtime: ScriptRuntime["runtime"], name: string): string => {
  if (runtime === "node22") return join(root, "node_modules", "node22", "bin", "node")
  if (name !== "node") return bin(name)
  return existsSync(bin("node")) ? bin("node") : process.execPath
}

/** A script runtime's command as CI runs it: the pinned executables, and the emulator's host. */
export const localCommand = (runtime: ScriptRuntime, file: string): ReadonlyArray<string> => {
  const [name, ...args] = runtime.command(file, "127.0.0.1")
  return [executable(runtime.runtime, name!), ...args]
}

/** What a script runtime's executable says its version is (first line of `--version`), for the report. */
const versionOf = (runtime: ScriptRuntime): string => {
  const [name] = runtime.command("", "127.0.0.1")
  const result = spawnSync(executable(runtime.runtime, name!), ["--version"], { encoding: "utf8", timeout: 30_000 })
  return result.status === 0 ? result.stdout.split("\n")[0]!.trim() : "version unknown"
}

const firstLines = (text: string, n = 3) =>
  text.split("\n").map((line) => line.trim()).filter((line) => line !== "").slice(0, n).join(" | ")

/** Runs a command with a time limit; resolves with its output whatever happens. */
export const run = (argv: ReadonlyArray<string>, env: Record<string, string>, timeoutMs = 60_000) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Offline: no update check (Deno), no telemetry (Bun); CI reaches only the npm registry.
    const quiet = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DO_NOT_TRACK: "1" }
    const child = spawn(argv[0]!, argv.slice(1), { cwd: root, env: { ...process.env, ...env, ...quiet } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      resolve({ code: null, stdout, stderr: `${stderr}${String(error)}` })
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** The programme's own `✔/✘ name — detail` lines; a check it never printed fails with the runtime's error. */
const parseLines = (runtime: Runtime, stdout: string, failure: string): ReadonlyArray<Outcome> =>
  checkNames.map((name) => {
    const line = stdout.split("\n").find((l) => l.startsWith(`✔ ${name} — `) || l.startsWith(`✘ ${name} — `))
    return line === undefined
      ? { runtime, name, ok: false, detail: `not run: ${failure}` }
      : { runtime, name, ok: line.startsWith("✔"), detail: line.slice(`✔ ${name} — `.length) }
  })

const runScript = async (script: ScriptRuntime, file: string): Promise<ReadonlyArray<Outcome>> => {
  const { runtime } = script
  const served = await serve(runtime)
  try {
    const { code, stderr, stdout } = await run(localCommand(script, file), { SMOKE_CONFIG: JSON.stringify(served.config) })
    process.stdout.write(stdout)
    if (stderr.trim() !== "") process.stdout.write(`  (${runtime} stderr) ${firstLines(stderr, 6)}\n`)
    return parseLines(runtime, stdout, `exit ${code}: ${firstLines(stderr)}`)
  } finally {
    await served.close()
  }
}

/**
 * workerd's reports of an operation a Worker may not do outside a request ("Disallowed operation called within global
 * scope"), each with where it came from: workerd gives the offset in the bundle (`scriptLocation`), and esbuild's
 * `// path` comments say which module holds it.
 */
export const globalScopeReports = (output: string, bundleText: string): ReadonlyArray<string> =>
  output.split("\n").filter((line) => line.includes("Disallowed operation called within global scope")).map((line) => {
    const at = /scriptLocation = \S+?:(\d+)/.exec(line)?.[1]
    if (at === undefined) return line.slice(0, 200)
    const before = bundleText.slice(0, Number(at))
    const module = ([...before.matchAll(/^\s*\/\/ (\S+\.[cm]?[jt]s)$/gm)].at(-1)?.[1] ?? "?").replace(/^(\.\.\/)+/, "").replace(/^.*?(node_modules\/)/, "$1")
    const code = bundleText.slice(Number(at)).split("\n")[0]!.trim().slice(0, 60)
    return `bundle offset ${at} in ${module}: \`${code}\``
  })

/**
 * Runs the Worker bundle in workerd through miniflare; `output` is everything workerd printed. After the smoke request
 * the harness asks for garbage (GET /churn) so that V8 collects now: work a library leaves to a FinalizationRegistry
 * runs outside any request, and workerd reports it only then.
 */
export const runWorker = async (
  file: string,
  config: SmokeConfig,
  nodejsCompat: boolean
): Promise<{
  readonly results?: ReadonlyArray<Check>
  readonly report?: string
  readonly codeGeneration?: string
  readonly error?: string
  readonly output: string
}> => {
  let output = ""
  const collect = (stream: NodeJS.ReadableStream) => stream.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
  const mf = new Miniflare({
    ...workerOptions(file, nodejsCompat),
    handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
      collect(stdout)
      collect(stderr)
    }
  })
  try {
    const response = await mf.dispatchFetch("http://smoke.local/", { method: "POST", body: JSON.stringify(config) })
    const text = await response.text()
    if (!response.ok) return { error: `HTTP ${response.status}: ${firstLines(text)}`, output }
    for (let round = 0; round < 3; round++) {
      await (await mf.dispatchFetch("http://smoke.local/churn")).text()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const { codeGeneration, report, results } = JSON.parse(text) as {
      results: ReadonlyArray<Check>
      report: string
      codeGeneration: string
    }
    return { results, report, codeGeneration, output }
  } catch (error) {
    return { error: firstLines(error instanceof Error ? error.message : String(error), 1), output }
  } finally {
    await mf.dispose().catch(() => undefined)
  }
}

/**
 * What the harness notes about a Worker run without counting it: whether the isolate compiles code from strings, and
 * whether the bundle holds Effect's Schema JIT (`SchemaJITCompiler`, which needs `new Function`; where that is refused
 * it falls back to interpreting: the library enables it for its request and response schemas, and on workerd it
 * interprets, with the same results — test/schema-jit.test.ts).
 */
export const codeGenerationNote = (codeGeneration: string, bundleText: string): string => {
  const jit = /effect\/dist\/schema\/SchemaJITCompiler/.test(bundleText)
  return `code generation from strings: ${codeGeneration}; ` +
    (jit
      ? "the bundle holds Schema's JIT (SchemaJITCompiler), which interprets where code generation is refused"
      : "the bundle holds no Schema JIT (SchemaJITCompiler): every decode above was interpreted")
}

const runWorkerd = async (
  runtime: Runtime,
  file: string,
  nodejsCompat: boolean,
  notes: Array<{ readonly runtime: Runtime; readonly note: string }>
): Promise<ReadonlyArray<Outcome>> => {
  const served = await serve(runtime)
  try {
    const { codeGeneration, error, output, report, results } = await runWorker(file, served.config, nodejsCompat)
    if (report !== undefined) console.log(report)
    else console.log(`runtime ${runtime}: the Worker did not answer — ${error}`)
    const bundleText = readFileSync(file, "utf8")
    if (codeGeneration !== undefined) {
      const note = codeGenerationNote(codeGeneration, bundleText)
      notes.push({ runtime, note })
      console.log(`  (${runtime}) ${note}`)
    }
    const reports = globalScopeReports(output, bundleText)
    for (const report of new Set(reports)) console.log(`  (workerd) Disallowed operation called within global scope, from ${report}`)
    const checks: ReadonlyArray<Outcome> = results === undefined
      ? checkNames.map((name) => ({ runtime, name, ok: false, detail: `not run: ${error}` }))
      : results.map((result) => ({ runtime, ...result }))
    return [
      ...checks,
      {
        runtime,
        name: globalScopeCheck,
        ok: results !== undefined && reports.length === 0,
        detail: results === undefined
          ? "the Worker did not run"
          : reports.length === 0
          ? "workerd reported nothing"
          : `workerd reported ${reports.length} disallowed operation(s) outside a request, from ${reports[0]}`
      }
    ]
  } finally {
    await served.close()
  }
}

const expectation = (outcome: Outcome): string | undefined =>
  expectedToFail[`${outcome.runtime}/${outcome.name}`] ?? expectedToFail[`${outcome.runtime}/*`]

/** Runs everything; prints each runtime's lines, then the tally. */
export const main = async (reportFile: string | undefined): Promise<number> => {
  const started = Date.now()
  const outcomes: Array<Outcome> = []
  const notes: Array<{ readonly runtime: Runtime; readonly note: string }> = []
  let script: Bundle | undefined
  let worker: Bundle | undefined
  try {
    script = await bundle("runtimes/main.ts", "smoke-node", "node")
    worker = await bundle("runtimes/worker.ts", "smoke-worker", "worker")
  } catch (error) {
    console.log(`✘ bundling failed — ${firstLines(String(error))}`)
  }

  console.log(`\n— bundle —`)
  if (worker !== undefined) {
    const ok = worker.nodeImports.length === 0
    console.log(
      `${ok ? "✔" : "✘"} ${nodeImportsCheck} — ${
        ok ? "none" : worker.importers.join("; ")
      }`
    )
    outcomes.push({
      runtime: "bundle",
      name: nodeImportsCheck,
      ok,
      detail: ok ? "none" : worker.nodeImports.join(", ")
    })
  }

  const versions: Record<string, string> = {}
  for (const runtime of scriptRuntimes) {
    versions[runtime.runtime] = versionOf(runtime)
    console.log(`\n— ${runtime.runtime} (${versions[runtime.runtime]}) —`)
    outcomes.push(
      ...(script === undefined
        ? checkNames.map((name) => ({ runtime: runtime.runtime, name, ok: false, detail: "no bundle" }))
        : await runScript(runtime, script.file))
    )
  }
  for (const nodejsCompat of [true, false]) {
    const runtime: Runtime = nodejsCompat ? "workerd-nodejs_compat" : "workerd"
    console.log(`\n— ${runtime} —`)
    outcomes.push(
      ...(worker === undefined
        ? [...checkNames, globalScopeCheck].map((name) => ({ runtime, name, ok: false, detail: "no bundle" }))
        : await runWorkerd(runtime, worker.file, nodejsCompat, notes))
    )
  }

  console.log(`\n— tally —`)
  let passed = 0
  let failed = 0
  let expected = 0
  for (const outcome of outcomes) {
    const reason = expectation(outcome)
    const pair = `${outcome.runtime}: ${outcome.name}`
    if (outcome.ok) {
      passed++
      if (reason !== undefined) console.log(`! ${pair} passed: remove it from expectedToFail in runtimes/run.ts`)
    } else if (reason !== undefined) {
      expected++
      console.log(`✘ ${pair} — ${outcome.detail} (expected to fail until ${reason})`)
    } else {
      failed++
      console.log(`✘ ${pair} — ${outcome.detail}`)
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`runtimes: ${passed} passed, ${failed} failed (${expected} expected to fail) in ${seconds} s`)
  if (reportFile !== undefined) writeFileSync(reportFile, JSON.stringify({ passed, failed, expected, versions, notes, outcomes }, null, 2))
  return failed === 0 ? 0 : 1
}

if (process.argv[1]?.endsWith("run.ts")) {
  const at = process.argv.indexOf("--report")
  main(at === -1 ? undefined : process.argv[at + 1]).then((code) => (process.exitCode = code))
}
