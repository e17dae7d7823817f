/**
 * What the command line writes: results as JSON on stdout, everything else (logs, failures) on stderr.
 *
 * @since 0.4.0
 */
import * as Effect from "effect/Effect"

/**
 * Write a value as JSON on stdout (indented, one document per run).
 *
 * @since 0.4.0
 * @category utils
 */
export const printJson = (value: unknown): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  })

/**
 * Write one line of JSON on stdout (what a program reads, e.g. the emulator's address and keys).
 *
 * @since 0.4.0
 * @category utils
 */
export const printLine = (value: unknown): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(`${JSON.stringify(value)}\n`)
  })

/**
 * Write one line of JSON on stderr (a failure report).
 *
 * @since 0.4.0
 * @category utils
 */
export const printError = (value: unknown): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(`${JSON.stringify(value)}\n`)
  })
