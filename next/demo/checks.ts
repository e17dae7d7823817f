/**
 * How the demo reports: each step prints a title, each check a ✔ or ✘ line; `failures()` counts the ✘.
 */
import { Console, Effect } from "effect"

let failed = 0

/** Print a check's outcome; a failed one makes the demo exit non-zero. */
export const check = (ok: boolean, what: string) =>
  Effect.suspend(() => {
    if (!ok) failed++
    return Console.log(`   ${ok ? "✔" : "✘"} ${what}`)
  })

/** Print a step's title. */
export const step = (title: string) => Console.log(`\n▶ ${title}`)

/** Count a failure that is not a check (an unexpected error). */
export const fail = () => {
  failed++
}

/** Failed checks so far. */
export const failures = () => failed
