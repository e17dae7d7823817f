/**
 * How a signal stops the command line. SIGINT, SIGTERM and SIGHUP are caught from the bin's first line on: the
 * running command is interrupted (its finalizers run: sockets closed, the emulator's key file removed) and the run
 * ends with `Interrupted` (exit 128 + the signal's number), except `emulator serve`, a server being stopped (exit 0).
 * A second signal while the first is handled exits at once with its code (the process's exit hook still removes the
 * key file).
 *
 * What a command is doing when the signal arrives is its `Operation`, set in `Running` by the command itself: the
 * report can then say whether a write may have reached WeChat and how to check it.
 *
 * @since 0.6.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { exitCodeOfSignal, Interrupted, type Signal } from "./CliError.js"

/**
 * What the command line is doing.
 *
 * - `Server`: `emulator serve`, stopped cleanly by a signal;
 * - `Call`: an endpoint's request, `write` unless it is a GET; `check` and `retry` are said when a write is
 *   interrupted.
 *
 * @since 0.6.0
 * @category models
 */
export type Operation =
  | { readonly _tag: "Server" }
  | {
    readonly _tag: "Call"
    readonly operation: string
    readonly request: string
    readonly write: boolean
    readonly check?: string | undefined
    readonly retry: string
  }

/**
 * Where the running command records its `Operation` (absent when a command runs outside `main.run`).
 *
 * @since 0.6.0
 * @category tags
 */
export class Running extends Context.Tag("effect-wechatpay/cli/Running")<Running, Ref.Ref<Operation | undefined>>() {}

/**
 * Record what the command is doing, when it runs under `main.run`.
 *
 * @since 0.6.0
 * @category utils
 */
export const running = (operation: Operation): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(Running),
    (ref) => ref._tag === "Some" ? Ref.set(ref.value, operation) : Effect.void
  )

/**
 * The command's name from the command line: its leading words up to the first flag (a flag's value is never read).
 *
 * @since 0.6.0
 * @category utils
 */
export const commandOf = (argv: ReadonlyArray<string>): string => {
  const words: Array<string> = []
  for (const arg of argv.slice(2)) {
    if (arg.startsWith("-") || words.length === 2) break
    words.push(arg)
  }
  return words.length === 0 ? "effect-wechatpay" : words.join(" ")
}

/**
 * The failure of a command stopped by `signal` while doing `operation` (`undefined`: nothing was sent yet).
 *
 * @since 0.6.0
 * @category constructors
 */
export const interrupted = (
  signal: Signal,
  operation: Exclude<Operation, { readonly _tag: "Server" }> | undefined,
  command: string
): Interrupted => {
  if (operation === undefined) {
    return new Interrupted({ signal, operation: command, message: `interrupted by ${signal} before any request was sent` })
  }
  const { check, request, retry, write } = operation
  if (!write) {
    return new Interrupted({
      signal,
      operation: operation.operation,
      request,
      write,
      message: `interrupted by ${signal} during a read (${request}): nothing was changed`
    })
  }
  return new Interrupted({
    signal,
    operation: operation.operation,
    request,
    write,
    outcome: "unknown",
    ...(check === undefined ? {} : { check }),
    retry,
    message: `interrupted by ${signal} while ${request} may have reached WeChat: its outcome is unknown ` +
      (check === undefined ? "(see retry)" : "(see check and retry)")
  })
}

/**
 * The signals caught, and what to wait on.
 *
 * @since 0.6.0
 * @category models
 */
export interface Listening {
  /** Resolves with the first signal received. */
  readonly received: Promise<Signal>
  /** The first signal received, if any. */
  readonly signal: () => Signal | undefined
  /** Stop catching (a later signal has Node's default effect). */
  readonly dispose: () => void
}

const caught: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM", "SIGHUP"]

/**
 * Catch SIGINT, SIGTERM and SIGHUP from now on (called before the command line's modules load, so a signal during
 * start-up is caught too). A second signal exits at once with its code.
 *
 * @since 0.6.0
 * @category constructors
 */
export const listen = (): Listening => {
  let first: Signal | undefined
  let resolve: (signal: Signal) => void = () => {}
  const received = new Promise<Signal>((done) => (resolve = done))
  const handlers = caught.map((signal) => {
    const handler = () => {
      if (first !== undefined) process.exit(exitCodeOfSignal(signal))
      first = signal
      resolve(signal)
    }
    process.on(signal, handler)
    return [signal, handler] as const
  })
  return {
    received,
    signal: () => first,
    dispose: () => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler)
    }
  }
}
