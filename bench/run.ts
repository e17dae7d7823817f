/**
 * `npm run bench`: effect-wechatpay against the Node anchors and two hand-written floors, in one run.
 *
 * 1. builds the library (`npm run build`; the benchmark measures `dist/`, as users get it);
 * 2. transpiles bench/*.ts to bench/.build/*.js (esbuild), so every child runs on plain `node` (no loader in the
 *    numbers);
 * 3. starts the emulator in its own process (bench/server.ts);
 * 4. per round, per column (order rotated each round): a fresh emulator, then a fresh child process that warms up
 *    and measures throughput at each in-flight level, client CPU per call, sequential latency and peak RSS;
 * 5. cold start: fresh child processes, interleaved across columns;
 * 6. prints the tables and writes bench/results/<name>.md and .json.
 *
 * Environment (all optional): see bench/README.md.
 */
import { spawn, spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { buildSync, transformSync } from "esbuild"
import {
  type ChildConfig,
  type ColdResult,
  type Column,
  type ColumnResult,
  columns as allColumns,
  columnTitles,
  median,
  type NodeClientVariant
} from "./common.js"

const benchDir = dirname(fileURLToPath(import.meta.url))
const root = dirname(benchDir)
const buildDir = join(benchDir, ".build")
const resultsDir = join(benchDir, "results")

// ------------------------------------------------------------------------------------------------ configuration

/**
 * The previous release's effect columns: its own bench children (column.js, coldstart.js, bundled.js, transpiled from
 * that release's bench/ sources) with its own dist/ and node_modules, so each release runs on the Effect it was built
 * for. They run as `effect-node` / `effect-fetch` there; this process relabels their results.
 */
const previousColumns = ["prev-node", "prev-fetch"] as const
type PreviousColumn = (typeof previousColumns)[number]
type RunColumn = Column | PreviousColumn
const isPrevious = (column: string): column is PreviousColumn => (previousColumns as ReadonlyArray<string>).includes(column)
const childColumn = (column: RunColumn): Column =>
  column === "prev-node" ? "effect-node" : column === "prev-fetch" ? "effect-fetch" : column
/** The effect-node column with telemetry off: the same client, `Telemetry.layerDisabled` merged into its runtime. */
const isEffectNode = (column: RunColumn): boolean =>
  childColumn(column) === "effect-node" || column === "effect-node-notel"

const env = process.env
const quick = env["BENCH_QUICK"] === "1"
const int = (name: string, fallback: number): number => {
  const value = env[name]
  if (value === undefined || value === "") return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${value} is not a non-negative number`)
  return Math.floor(n)
}
const settings = {
  rounds: int("BENCH_ROUNDS", quick ? 1 : 3),
  durationMs: int("BENCH_DURATION_MS", quick ? 1500 : 5000),
  warmupCalls: int("BENCH_WARMUP_CALLS", quick ? 600 : 3000),
  seqCalls: int("BENCH_SEQ_CALLS", quick ? 300 : 1500),
  coldSamples: int("BENCH_COLD_SAMPLES", quick ? 1 : 5),
  concurrency: (env["BENCH_CONCURRENCY"] ?? "16,64").split(",").map((s) => Number(s.trim())),
  /** A git ref (commit, tag) of an earlier release to measure in the same run: adds the prev-node and prev-fetch columns. */
  previous: env["BENCH_PREVIOUS"] ?? "",
  columns: (env["BENCH_COLUMNS"]
    ? env["BENCH_COLUMNS"].split(",").map((s) => s.trim())
    : [...allColumns, ...(env["BENCH_PREVIOUS"] ? previousColumns : [])]) as Array<RunColumn>,
  nodeClient: (env["BENCH_NODE_CLIENT"] ?? "transport") as NodeClientVariant,
  skipBuild: env["BENCH_SKIP_BUILD"] === "1",
  cpuProf: env["BENCH_CPU_PROF"] === "1",
  /** Diagnostic: extra Node flags for every column process (e.g. `--max-semi-space-size=8`). */
  nodeArgs: (env["BENCH_NODE_ARGS"] ?? "").split(" ").filter((arg) => arg !== ""),
  out: env["BENCH_OUT"] ?? (quick ? "quick" : "latest"),
  /** The library build the client columns load (default: this repository's dist/, built first). */
  clientDist: env["BENCH_CLIENT_DIST"] ?? join(root, "dist")
}
for (const column of settings.columns) {
  if (![...allColumns, ...previousColumns].includes(column)) throw new Error(`Unknown column ${column}`)
  if (isPrevious(column) && settings.previous === "") throw new Error(`Column ${column} needs BENCH_PREVIOUS=<git ref>`)
}
if (!["transport", "http-keepalive", "http", "undici"].includes(settings.nodeClient)) {
  throw new Error(`BENCH_NODE_CLIENT must be transport, http-keepalive, http or undici`)
}

const log = (line: string) => process.stdout.write(`${line}\n`)
const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s`

// ------------------------------------------------------------------------------------------------ build + transpile

const build = () => {
  if (settings.skipBuild) return log("build: skipped (BENCH_SKIP_BUILD=1)")
  const started = performance.now()
  const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" })
  if (result.status === 0) return log(`build: npm run build ok (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  process.stderr.write(result.stdout + result.stderr)
  try {
    readFileSync(join(root, "dist", "index.js"))
  } catch {
    throw new Error("npm run build failed and there is no dist/ to measure")
  }
  log("build: npm run build FAILED — measuring the existing dist/ (see the errors above)")
}

/**
 * Transpile a bench/ folder's children to plain JavaScript in `<bench>/.build`, and bundle its bundled.ts there.
 * File by file, types stripped and nothing else (TypeScript 7 has no transpiler API: esbuild does it, with
 * `verbatimModuleSyntax` as the sources are written, so an import is kept or dropped exactly as tsc would).
 */
const transpile = (bench = benchDir) => {
  const out = join(bench, ".build")
  mkdirSync(out, { recursive: true })
  if (bench === benchDir) writeFileSync(join(benchDir, ".gitignore"), ".build/\n.variants/\nresults/profiles/\n")
  for (const name of ["common", "clients", "effect-client", "column", "coldstart", "server"]) {
    const source = readFileSync(join(bench, `${name}.ts`), "utf8")
    const output = transformSync(source, {
      sourcefile: `${name}.ts`,
      loader: "ts",
      format: "esm",
      target: "es2022",
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } }
    })
    writeFileSync(join(out, `${name}.js`), output.code)
  }
  // The effect columns as an application bundle (library + effect, its HTTP client included, in one file), for the
  // bundled cold start: esbuild's defaults for a Node ESM app, no minification.
  buildSync({
    entryPoints: [join(bench, "bundled.ts")],
    outfile: join(out, "bundled.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "warning"
  })
}

/**
 * The environment for npm run in another package (the previous release): without what `npm run bench` exported about
 * this one (its prefix, package.json, script), which a nested npm would otherwise take for its own.
 */
const foreignNpmEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).filter(([key]) =>
      !/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(key) && key !== "INIT_CWD"
    )
  )

/**
 * The previous release (`BENCH_PREVIOUS`), checked out with `git archive` under bench/.variants/<commit>, installed
 * (the current node_modules linked when the lockfiles are identical, `npm ci` with that release's own lockfile
 * otherwise), built with its own toolchain (its `npm run build`, its TypeScript), and its bench children transpiled.
 * Its children run on this process's `node`, as the current ones do. Returns its root, or undefined when no previous
 * release is measured.
 */
const preparePrevious = (): { root: string; label: string } | undefined => {
  if (!settings.columns.some(isPrevious)) return undefined
  const git = (...args: Array<string>) => {
    const r = spawnSync("git", args, { cwd: root, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`)
    return r.stdout.trim()
  }
  const commit = git("rev-parse", "--verify", `${settings.previous}^{commit}`)
  // `git archive` run from a subfolder of the work tree archives only that subfolder (as this package was while
  // 1.0 was staged in next/), so it runs at the top: a release's package is at the root of its commit.
  const top = git("rev-parse", "--show-toplevel")
  const dir = join(benchDir, ".variants", commit.slice(0, 12))
  const run = (command: string, args: Array<string>) => {
    const r = spawnSync(command, args, { cwd: dir, encoding: "utf8", env: foreignNpmEnv(), maxBuffer: 1 << 26 })
    if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} in ${dir}: ${r.stdout}${r.stderr}`)
  }
  if (!existsSync(join(dir, "package.json"))) {
    mkdirSync(dir, { recursive: true })
    const archive = spawnSync("git", ["archive", "--format=tar", commit], { cwd: top, maxBuffer: 1 << 30 })
    if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr.toString()}`)
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout })
    if (untar.status !== 0) throw new Error(`tar -x into ${dir} failed`)
    if (!existsSync(join(dir, "package.json"))) throw new Error(`${settings.previous} (${commit}) has no package.json at its root`)
  }
  // npm writes node_modules/.package-lock.json last: without it, an earlier install did not finish.
  if (!existsSync(join(dir, "node_modules", ".package-lock.json"))) {
    const sameLock = readFileSync(join(dir, "package-lock.json"), "utf8") === readFileSync(join(root, "package-lock.json"), "utf8")
    if (sameLock) {
      rmSync(join(dir, "node_modules"), { recursive: true, force: true })
      symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir")
    } else {
      const started = performance.now()
      log(`previous release: npm ci in ${dir} (its own lockfile) …`)
      // Optional dependencies are the platform binaries of its runtimes (Bun, Deno, workerd) and esbuild: the bench
      // needs none of them there (this process bundles its bundled.ts with the current esbuild).
      run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=optional"])
      log(`previous release: npm ci ok (${((performance.now() - started) / 1000).toFixed(0)} s)`)
    }
  }
  if (!existsSync(join(dir, "dist", "index.js"))) run("npm", ["run", "--silent", "build"])
  transpile(join(dir, "bench"))
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version
  const label = `${version} (${commit.slice(0, 7)})`
  log(`previous release: ${label} in ${dir}`)
  return { root: dir, label }
}

// ------------------------------------------------------------------------------------------------ processes

interface Message {
  readonly type: string
  readonly id?: number
  readonly [key: string]: unknown
}

const startServer = (identity: { mchid: string; serial: string; publicKey: string }) =>
  new Promise<{ request: (type: string) => Promise<Message>; pid: number; stop: () => void }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(buildDir, "server.js")], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: {
        ...env,
        BENCH_DIST: join(root, "dist"),
        BENCH_MCHID: identity.mchid,
        BENCH_MERCHANT_SERIAL: identity.serial,
        BENCH_MERCHANT_PUBLIC_KEY: identity.publicKey
      }
    })
    let nextId = 1
    const pending = new Map<number, (message: Message) => void>()
    child.on("message", (message: Message) => {
      if (message.type === "listening") {
        resolve({
          pid: child.pid!,
          request: (type) =>
            new Promise((done) => {
              const id = nextId++
              pending.set(id, done)
              child.send({ type, id })
            }),
          stop: () => child.kill()
        })
        return
      }
      if (message.id !== undefined) {
        pending.get(message.id)?.(message)
        pending.delete(message.id)
      }
    })
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) reject(new Error(`emulator exited with ${code}`))
    })
  })

const runChild = <A>(
  script: string,
  config: ChildConfig,
  extraArgs: ReadonlyArray<string> = [],
  timeoutMs = 180_000,
  from: { root: string; build: string } = { root, build: buildDir }
) =>
  new Promise<A>((resolve, reject) => {
    const child = spawn(process.execPath, [...extraArgs, join(from.build, script)], {
      cwd: from.root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...env, BENCH_CONFIG: JSON.stringify(config) }
    })
    let result: A | undefined
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("message", (message: { result: A }) => {
      result = message.result
    })
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      if (result !== undefined) resolve(result)
      else reject(new Error(`${script} (${config.column}) exited with ${signal ?? code} and no result`))
    })
  })

// ------------------------------------------------------------------------------------------------ metrics

/** A cold-start sample, labelled with the column of this run (a previous release's child reports its own name). */
type RunCold = Omit<ColdResult, "column"> & { readonly column: RunColumn }

interface RoundRow {
  readonly round: number
  readonly column: RunColumn
  readonly result: ColumnResult
  /** Requests the emulator counted for this child (cross-check of the client's own count). */
  readonly serverRequests: number
}

const tput = (r: ColumnResult, concurrency: number) => {
  const phase = r.throughput.find((p) => p.concurrency === concurrency)
  return phase === undefined ? Number.NaN : (phase.calls / phase.wallMs) * 1000
}
const cpuPerCall = (r: ColumnResult, concurrency: number) => {
  const phase = r.throughput.find((p) => p.concurrency === concurrency)
  return phase === undefined ? Number.NaN : phase.cpuUs / phase.calls
}
const serverShare = (r: ColumnResult, concurrency: number) => {
  const phase = r.throughput.find((p) => p.concurrency === concurrency)
  return phase?.serverCpuMs === undefined ? Number.NaN : phase.serverCpuMs / phase.wallMs
}
const clientShare = (r: ColumnResult, concurrency: number) => {
  const phase = r.throughput.find((p) => p.concurrency === concurrency)
  return phase === undefined ? Number.NaN : phase.cpuUs / 1000 / phase.wallMs
}
const totalCalls = (r: ColumnResult) =>
  r.warmup.calls + r.throughput.reduce((n, p) => n + p.calls, 0) + r.sequential.calls
const totalErrors = (r: ColumnResult) =>
  r.warmup.errors + r.throughput.reduce((n, p) => n + p.errors, 0) + r.sequential.errors
const firstError = (r: ColumnResult) =>
  r.warmup.firstError ?? r.throughput.find((p) => p.firstError !== undefined)?.firstError ?? r.sequential.firstError

interface Stat {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly values: ReadonlyArray<number>
}
const stat = (values: ReadonlyArray<number>): Stat => {
  const finite = values.filter((v) => Number.isFinite(v))
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    values
  }
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "–"
const fmtStat = (s: Stat, digits = 0, suffix = "") =>
  !Number.isFinite(s.median)
    ? "–"
    : s.values.length <= 1 || s.min === s.max
    ? `${fmt(s.median, digits)}${suffix}`
    : `${fmt(s.median, digits)}${suffix} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`

// ------------------------------------------------------------------------------------------------ main

const main = async () => {
  log(`effect-wechatpay bench — ${settings.rounds} round(s) × ${settings.columns.length} column(s), ` +
    `${settings.durationMs} ms per in-flight level (${settings.concurrency.join(", ")}), warm-up ${settings.warmupCalls} calls, ` +
    `${settings.seqCalls} sequential calls, ${settings.coldSamples} cold start(s) per column${quick ? " [BENCH_QUICK]" : ""}`)
  build()
  transpile()
  const previous = preparePrevious()
  /** Where a column's child runs from: this checkout, or the previous release's. */
  const origin = (column: RunColumn) =>
    isPrevious(column) && previous !== undefined
      ? { root: previous.root, build: join(previous.root, "bench", ".build") }
      : { root, build: buildDir }

  const merchant = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const identity = {
    mchid: "1900000109",
    serial: crypto.randomBytes(20).toString("hex").toUpperCase(),
    privateKey: merchant.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: merchant.publicKey.export({ type: "spki", format: "pem" }).toString()
  }
  const server = await startServer(identity)
  const fresh = async () => {
    const ready = await server.request("fresh")
    if (ready.type !== "ready") throw new Error(`emulator: ${String(ready["message"])}`)
    return ready as unknown as { baseUrl: string; publicKeyId: string; publicKey: string }
  }
  const childConfig = (
    column: RunColumn,
    emulator: { baseUrl: string; publicKeyId: string; publicKey: string },
    keyPrefix: string
  ): ChildConfig => ({
    column: childColumn(column),
    dist: isPrevious(column) && previous !== undefined ? join(previous.root, "dist") : settings.clientDist,
    baseUrl: emulator.baseUrl,
    mchid: identity.mchid,
    merchantSerial: identity.serial,
    merchantPrivateKey: identity.privateKey,
    merchantPublicKey: identity.publicKey,
    publicKeyId: emulator.publicKeyId,
    publicKey: emulator.publicKey,
    keyPrefix,
    nodeClient: settings.nodeClient,
    warmupCalls: settings.warmupCalls,
    durationMs: settings.durationMs,
    seqCalls: settings.seqCalls,
    concurrency: settings.concurrency,
    serverPid: server.pid
  })

  const rows: Array<RoundRow> = []
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      const order = settings.columns.map((_, i) => settings.columns[(i + round - 1) % settings.columns.length]!)
      for (const column of order) {
        const emulator = await fresh()
        const index = settings.columns.indexOf(column)
        const profArgs = [
          ...(settings.cpuProf
            ? ["--cpu-prof", `--cpu-prof-dir=${join(resultsDir, "profiles")}`, `--cpu-prof-name=${column}-r${round}.cpuprofile`]
            : []),
          ...settings.nodeArgs
        ]
        const result = await runChild<ColumnResult>(
          "column.js",
          childConfig(column, emulator, `R${round}C${index}-`),
          profArgs,
          60_000 + settings.durationMs * settings.concurrency.length * 4,
          origin(column)
        )
        const stats = await server.request("stats")
        const serverRequests = Number(stats["requests"])
        rows.push({ round, column, result, serverRequests })
        const errors = totalErrors(result)
        log(
          `${elapsed()}  round ${round}/${settings.rounds}  ${column.padEnd(12)} ` +
            settings.concurrency.map((c) => `@${c}: ${fmt(tput(result, c)).padStart(5)}/s`).join("  ") +
            `  cpu ${fmt(cpuPerCall(result, settings.concurrency.at(-1)!))} µs/call` +
            `  p50 ${fmt(result.sequential.p50Ms ?? Number.NaN, 2)} ms  p99 ${fmt(result.sequential.p99Ms ?? Number.NaN, 2)} ms` +
            `  rss ${fmt(result.maxRssKb / 1024)} MB  server ${fmt(serverShare(result, settings.concurrency.at(-1)!) * 100)} % cpu` +
            (errors ? `  ERRORS ${errors}: ${firstError(result)}` : "") +
            (serverRequests !== totalCalls(result) ? `  (emulator counted ${serverRequests} requests, client ${totalCalls(result)})` : "")
        )
      }
    }

    // Cold start: fresh processes, interleaved across columns, against one emulator.
    const cold: Array<RunCold> = []
    if (settings.coldSamples > 0) {
      const emulator = await fresh()
      for (let sample = 1; sample <= settings.coldSamples; sample++) {
        for (const column of settings.columns) {
          // The telemetry switch changes nothing at start-up: no cold start of its own.
          if (column === "effect-node-notel") continue
          const sampled = await runChild<ColdResult>("coldstart.js", childConfig(column, emulator, `S${sample}-`), [], 60_000, origin(column))
          cold.push({ ...sampled, column })
          if (childColumn(column) === "effect-fetch" || childColumn(column) === "effect-node") {
            const config = { ...childConfig(column, emulator, `B${sample}-`), bundled: true }
            const bundled = await runChild<ColdResult>("coldstart.js", config, [], 60_000, origin(column))
            cold.push({ ...bundled, column })
          }
        }
      }
      log(`${elapsed()}  cold start: ${settings.coldSamples} sample(s) per column done`)
    }
    report(rows, cold, previous?.label)
  } finally {
    server.stop()
  }
}

// ------------------------------------------------------------------------------------------------ report

interface Target {
  readonly name: string
  readonly value: Stat
  readonly goal: string
  readonly met: boolean | undefined
}

const report = (rows: ReadonlyArray<RoundRow>, cold: ReadonlyArray<RunCold>, previousLabel: string | undefined) => {
  const present = settings.columns
  const byRound = new Map<number, Map<RunColumn, RoundRow>>()
  for (const row of rows) {
    if (!byRound.has(row.round)) byRound.set(row.round, new Map())
    byRound.get(row.round)!.set(row.column, row)
  }
  const perColumn = (column: RunColumn, f: (r: ColumnResult) => number) =>
    stat(rows.filter((row) => row.column === column).map((row) => f(row.result)))
  /** Per-round ratio of a column's metric to a reference column's, then median/min/max across rounds. */
  const ratio = (column: RunColumn, reference: RunColumn, f: (r: ColumnResult) => number) =>
    stat([...byRound.values()].map((round) => {
      const a = round.get(column)
      const b = round.get(reference)
      return a === undefined || b === undefined ? Number.NaN : f(a.result) / f(b.result)
    }))
  const coldStat = (column: RunColumn, f: (r: RunCold) => number, bundled = false) =>
    stat(cold.filter((r) => r.column === column && (r.bundled === true) === bundled).map(f))
  const errorsOf = (column: RunColumn) =>
    rows.filter((row) => row.column === column).reduce((n, row) => n + totalErrors(row.result), 0)
  const floorOf = (column: RunColumn): Column | undefined =>
    isEffectNode(column) ? "floor-http" : childColumn(column) === "effect-fetch" ? "floor-fetch" : undefined
  /** The same transport's column of the previous release, for this release's effect columns. */
  const previousOf = (column: RunColumn): PreviousColumn | undefined =>
    column === "effect-node" ? "prev-node" : column === "effect-fetch" ? "prev-fetch" : undefined
  const vsPrevious = (label: string, f: (r: ColumnResult) => number, digits = 2) => {
    if (!present.some((c) => { const p = previousOf(c); return p !== undefined && present.includes(p) })) return
    line(`  × previous release (${label})`, (c) => {
      const p = previousOf(c)
      return p === undefined || !present.includes(p) ? "" : fmtStat(ratio(c, p, f), digits, "×")
    })
  }

  const table: Array<[string, ...Array<string>]> = []
  const line = (label: string, f: (column: RunColumn) => string) => table.push([label, ...present.map(f)])
  line("valid (0 errors, every call verified)", (c) => {
    const errors = errorsOf(c)
    const mismatch = rows.some((row) => row.column === c && row.serverRequests !== totalCalls(row.result))
    return errors > 0 ? `**NO: ${errors} errors**` : mismatch ? "**NO: request count mismatch**" : "yes"
  })
  line("calls measured (all rounds)", (c) => fmt(rows.filter((r) => r.column === c).reduce((n, r) => n + totalCalls(r.result), 0)))
  for (const concurrency of settings.concurrency) {
    line(`throughput @${concurrency} in flight, calls/s`, (c) => fmtStat(perColumn(c, (r) => tput(r, concurrency))))
  }
  for (const concurrency of settings.concurrency) {
    line(`  × floor A (fetch) @${concurrency}`, (c) => fmtStat(ratio(c, "floor-fetch", (r) => tput(r, concurrency)), 2, "×"))
    line(`  × floor B (node:http) @${concurrency}`, (c) => fmtStat(ratio(c, "floor-http", (r) => tput(r, concurrency)), 2, "×"))
    vsPrevious(`throughput @${concurrency}`, (r) => tput(r, concurrency))
  }
  line("sequential p50, ms", (c) => fmtStat(perColumn(c, (r) => r.sequential.p50Ms ?? Number.NaN), 3))
  line("sequential p99, ms", (c) => fmtStat(perColumn(c, (r) => r.sequential.p99Ms ?? Number.NaN), 3))
  for (const concurrency of [...settings.concurrency, 1]) {
    const label = concurrency === 1 ? "sequential" : `@${concurrency}`
    const f = (r: ColumnResult) => concurrency === 1 ? r.sequential.cpuUs / r.sequential.calls : cpuPerCall(r, concurrency)
    line(`client CPU per call ${label}, µs`, (c) => fmtStat(perColumn(c, f)))
    line(`  × floor of the same transport`, (c) => {
      const floor = floorOf(c)
      return floor === undefined || !present.includes(floor) ? "" : fmtStat(ratio(c, floor, f), 2, "×")
    })
    vsPrevious(`CPU per call ${label}`, f)
    if (present.includes("effect-node") && present.includes("effect-node-notel")) {
      line(`  × telemetry off (same client)`, (c) => c === "effect-node" ? fmtStat(ratio(c, "effect-node-notel", f), 3, "×") : "")
    }
  }
  for (const concurrency of settings.concurrency) {
    line(`  of which main (JS) thread @${concurrency}, µs`, (c) =>
      fmtStat(perColumn(c, (r) => {
        const phase = r.throughput.find((p) => p.concurrency === concurrency)
        return phase?.mainCpuUs === undefined ? Number.NaN : phase.mainCpuUs / phase.calls
      })))
  }
  line("peak RSS, MB", (c) => fmtStat(perColumn(c, (r) => r.maxRssKb / 1024), 1))
  vsPrevious("peak RSS", (r) => r.maxRssKb)
  line("cold start: import + construct, ms", (c) => fmtStat(coldStat(c, (r) => r.importConstructMs), 1))
  line("cold start: + first verified call, ms", (c) => fmtStat(coldStat(c, (r) => r.firstCallMs), 1))
  line("  (process start → constructed, ms)", (c) => fmtStat(coldStat(c, (r) => r.sinceProcessStartMs), 1))
  line("cold start, app bundled by esbuild: import + construct, ms", (c) => fmtStat(coldStat(c, (r) => r.importConstructMs, true), 1))
  line("cold start, app bundled by esbuild: + first verified call, ms", (c) => fmtStat(coldStat(c, (r) => r.firstCallMs, true), 1))
  for (const concurrency of settings.concurrency) {
    line(`client process CPU use @${concurrency}, % of a core`, (c) => fmtStat(perColumn(c, (r) => clientShare(r, concurrency) * 100)))
    line(`emulator process CPU use @${concurrency}, % of a core`, (c) => fmtStat(perColumn(c, (r) => serverShare(r, concurrency) * 100)))
  }

  const targets: Array<Target> = []
  const target = (name: string, value: Stat, goal: string, test: (v: number) => boolean) =>
    targets.push({ name, value, goal, met: Number.isFinite(value.median) ? test(value.median) : undefined })
  if (present.includes("effect-node") && present.includes("floor-http")) {
    for (const concurrency of settings.concurrency) {
      target(`effect on node:http (${settings.nodeClient}) throughput @${concurrency} vs floor B`, ratio("effect-node", "floor-http", (r) => tput(r, concurrency)), "≥ 0.90×", (v) => v >= 0.9)
    }
    for (const concurrency of settings.concurrency) {
      target(`effect on node:http CPU/call @${concurrency} vs floor B`, ratio("effect-node", "floor-http", (r) => cpuPerCall(r, concurrency)), "≤ 1.15×", (v) => v <= 1.15)
    }
  }
  if (present.includes("effect-node") && present.includes("effect-node-notel")) {
    for (const concurrency of settings.concurrency) {
      target(`telemetry on (no exporter) vs off: CPU/call @${concurrency}`, ratio("effect-node", "effect-node-notel", (r) => cpuPerCall(r, concurrency)), "≤ 1.03×", (v) => v <= 1.03)
    }
  }
  if (present.includes("effect-fetch") && present.includes("floor-fetch")) {
    for (const concurrency of settings.concurrency) {
      target(`effect on fetch throughput @${concurrency} vs floor A`, ratio("effect-fetch", "floor-fetch", (r) => tput(r, concurrency)), "≥ 1.00×", (v) => v >= 1.0)
    }
    for (const concurrency of settings.concurrency) {
      target(`effect on fetch CPU/call @${concurrency} vs floor A`, ratio("effect-fetch", "floor-fetch", (r) => cpuPerCall(r, concurrency)), "≤ 1.15×", (v) => v <= 1.15)
    }
  }
  for (const column of ["effect-fetch", "effect-node"] as const) {
    if (present.includes(column) && cold.some((r) => r.column === column)) {
      target(`${column} cold start (import + construct)`, coldStat(column, (r) => r.importConstructMs), "≤ 200 ms", (v) => v <= 200)
      target(`${column} cold start, app bundled by esbuild (import + construct)`, coldStat(column, (r) => r.importConstructMs, true), "≤ 200 ms", (v) => v <= 200)
    }
  }

  const title = (c: RunColumn) =>
    c === "prev-node"
      ? `effect-wechatpay ${previousLabel} · node:http`
      : c === "prev-fetch"
      ? `effect-wechatpay ${previousLabel} · FetchHttpClient`
      : c === "effect-node" && settings.nodeClient !== "transport"
      ? `effect-wechatpay · platform-node ${settings.nodeClient}`
      : columnTitles[c]
  const header = ["metric (median of rounds, min–max)", ...present.map(title)]
  const md = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  const gitCommit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim()
  const gitDirty = spawnSync("git", ["status", "--porcelain", "src"], { cwd: root, encoding: "utf8" }).stdout.trim() !== ""
  const cpus = os.cpus()
  const machine = `${cpus[0]?.model ?? "?"} × ${cpus.length}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`
  const command = `${quick ? "BENCH_QUICK=1 " : ""}${settings.previous ? `BENCH_PREVIOUS=${settings.previous} ` : ""}npm run bench`
  const lines = [
    `# effect-wechatpay benchmark — ${new Date().toISOString()}`,
    "",
    `\`${command}\` on ${machine}; library at ${gitCommit}${gitDirty ? " + uncommitted src/ changes" : ""}, measured from dist/.`,
    `${settings.rounds} round(s); per round and column a fresh emulator and a fresh client process: warm-up ${settings.warmupCalls} calls at ${Math.max(...settings.concurrency)} in flight, ` +
      `${settings.durationMs} ms at each of ${settings.concurrency.join(" and ")} in flight, ${settings.seqCalls} sequential calls. ` +
      `Mixed workload: GET user card 1/3; PATCH card, PATCH rights, POST prepare, POST commit 1/6 each; every call signed, every response verified. ` +
      `effect-node uses \`${settings.nodeClient}\`. Ratios are computed within each round, then summarised.`,
    "",
    md(header),
    md(header.map((_, i) => (i === 0 ? "---" : "---:"))),
    ...table.map((row) => md(row)),
    "",
    "## Targets",
    "",
    md(["target", "measured (median, min–max)", "goal", "met"]),
    md(["---", "---:", "---", "---"]),
    ...targets.map((t) => md([t.name, fmtStat(t.value, t.name.includes("cold") ? 1 : 2, t.name.includes("cold") ? " ms" : "×"), t.goal, t.met === undefined ? "–" : t.met ? "yes" : "**no**"])),
    ""
  ]
  const invalid = present.filter((c) => errorsOf(c) > 0)
  if (invalid.length > 0) {
    lines.push(`**Invalid columns** (errors): ${invalid.map((c) => `${c} — ${rows.map((r) => r.column === c ? firstError(r.result) : undefined).find((e) => e !== undefined)}`).join("; ")}`, "")
  }
  const markdown = lines.join("\n")
  log("")
  log(markdown)

  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(join(resultsDir, `${settings.out}.md`), markdown)
  writeFileSync(
    join(resultsDir, `${settings.out}.json`),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        command,
        machine,
        commit: gitCommit,
        srcDirty: gitDirty,
        settings,
        rounds: rows,
        cold,
        targets: targets.map((t) => ({ ...t, value: { median: t.value.median, min: t.value.min, max: t.value.max, values: t.value.values } }))
      },
      null,
      2
    )
  )
  log(`wrote bench/results/${settings.out}.md and .json (${elapsed().trim()} in all)`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
