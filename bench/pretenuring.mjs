/**
 * Diagnostic preload for a bench column process (not part of any measurement): reports, on stderr, whether V8 has
 * pretenured the allocation sites that decide a column's peak RSS on Node 24 (bench/README.md, "1.0 on Node 24"), and
 * how large the young generation grew.
 *
 *   BENCH_NODE_ARGS="--allow-natives-syntax --import=./bench/pretenuring.mjs" BENCH_COLUMNS=effect-node npm run bench
 *
 * Every `PRETENURING_EVERY_MS` (default 500) it makes one object from each site below and asks V8 whether it was
 * born in the young generation (`%InYoungGeneration`); a site's first "old" is printed with the time, and at exit
 * a summary: the first time each site was seen pretenured (or never), the largest new-space capacity and the peak
 * RSS. The sites: `process.nextTick`'s tick object and its argument array (they hold `req`, `res` and stream state:
 * pretenured, each dead one keeps a finished request alive through every scavenge until the next full GC), and
 * EventEmitter's listener array (`_addListener`, the array made for a second listener of an event).
 */
import { createHook } from "node:async_hooks"
import { EventEmitter } from "node:events"
import { writeSync } from "node:fs"
import v8 from "node:v8"

const inYoungGeneration = new Function("object", "return %InYoungGeneration(object)")
const every = Number(process.env["PRETENURING_EVERY_MS"] ?? 500)
const firstOld = {}
let maxNewSpace = 0

const probe = () => {
  let tick
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === "TickObject" && tick === undefined) tick = resource
    }
  }).enable()
  process.nextTick(() => {}, 1, 2)
  hook.disable()
  const emitter = new EventEmitter()
  emitter.on("event", () => {})
  emitter.on("event", () => {})
  const sites = {
    tickObject: tick === undefined ? undefined : inYoungGeneration(tick),
    tickArguments: tick?.args === undefined ? undefined : inYoungGeneration(tick.args),
    listenerArray: inYoungGeneration(emitter._events.event)
  }
  for (const [site, young] of Object.entries(sites)) {
    if (young === false && firstOld[site] === undefined) {
      firstOld[site] = Math.round(performance.now())
      writeSync(2, `pretenuring: ${site} pretenured by t=${firstOld[site]} ms\n`)
    }
  }
  const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")
  if (newSpace !== undefined) maxNewSpace = Math.max(maxNewSpace, newSpace.space_size)
}

setInterval(probe, every).unref()
process.on("exit", () => {
  const summary = Object.fromEntries(
    ["tickObject", "tickArguments", "listenerArray"].map((site) => [site, firstOld[site] ?? "never"])
  )
  writeSync(
    2,
    `pretenuring: first seen pretenured (ms) ${JSON.stringify(summary)}; new space up to ` +
      `${(maxNewSpace / 1048576).toFixed(0)} MiB committed; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`
  )
})
