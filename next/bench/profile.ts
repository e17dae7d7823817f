/**
 * Summarise a V8 .cpuprofile (from `BENCH_CPU_PROF=1 npm run bench`, or `node --cpu-prof`): self time by
 * function and by package, and inclusive time of the functions matching an optional filter.
 *
 *   npx tsx bench/profile.ts bench/results/profiles/effect-node-r1.cpuprofile [top=25] [inclusive-filter]
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const [file, topArg, filter] = process.argv.slice(2)
if (file === undefined) {
  console.error("usage: bench/profile.ts FILE.cpuprofile [top] [inclusive-filter]")
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile

const selfUs = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const shortUrl = (url: string) => {
  const nm = url.lastIndexOf("node_modules/")
  if (nm >= 0) return url.slice(nm + "node_modules/".length)
  const dist = url.indexOf("/dist/")
  if (dist >= 0 && !url.includes("node_modules")) return `effect-wechatpay${url.slice(dist)}`
  return url.replace(/^file:\/\/.*\/bench\//, "bench/")
}
const packageOf = (url: string) => {
  if (url === "") return "(native / V8)"
  if (url.startsWith("node:")) return "node:internal"
  const nm = url.lastIndexOf("node_modules/")
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/")
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.includes("/dist/")) return "effect-wechatpay (dist)"
  if (url.includes("/bench/")) return "bench driver"
  return url
}

const fnKey = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anonymous)"}  ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
for (const [id, us] of selfUs) {
  const n = byId.get(id)!
  byFunction.set(fnKey(n), (byFunction.get(fnKey(n)) ?? 0) + us)
  const pkg = packageOf(n.callFrame.url)
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us)
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`)
console.log("\nself time by package:")
for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${pkg}`)
console.log(`\ntop ${top} functions by self time:`)
for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${fn}`)

if (filter !== undefined) {
  // Inclusive time: a sample counts once for every distinct matching function on its stack.
  const inclusive = new Map<string, number>()
  const pattern = new RegExp(filter)
  for (const [id, us] of selfUs) {
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!
      const key = fnKey(n)
      if (!seen.has(key) && pattern.test(key)) {
        seen.add(key)
        inclusive.set(key, (inclusive.get(key) ?? 0) + us)
      }
    }
  }
  console.log(`\ninclusive time of functions matching "${filter}":`)
  for (const [fn, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${fn}`)
}
