/**
 * What the command line writes: results as JSON on stdout, everything else (logs, failures) on stderr.
 *
 * @since 0.4.0
 */
import * as Cause from "effect/Cause"
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

/**
 * Write text on stdout as it is (help, the version), ending the line.
 *
 * @since 1.0.0
 * @category utils
 */
export const printText = (text: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(`${text}\n`)
  })

/**
 * A command's handler, logging a defect (not one of this library's reports: its text may say anything) at DEBUG on
 * the way out. Inside the handler, the level `--log-level` sets applies: `--log-level debug` shows it.
 *
 * @since 1.0.0
 * @category utils
 */
export const withDefectLog = <A, E, R>(handler: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tapCause(handler, (cause) =>
    Cause.hasDies(cause) ? Effect.logDebug("an unexpected error (a defect)", cause) : Effect.void)
