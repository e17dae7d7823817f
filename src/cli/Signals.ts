/**
 * How a signal stops the command line. The signals are caught from the bin's first line on (`Listen`): the running
 * command is interrupted (its finalizers run: sockets closed, the emulator's key file removed) and the run ends with
 * `Interrupted` (exit 128 + the signal's number), except `emulator serve`, a server being stopped (exit 0). A signal
 * received before the command starts stops it before it starts (`outcome: "not sent"`), whatever the command would
 * have done (even fail at once on its configuration); once it runs, the first of the signal and the command's own end
 * decides. A second signal exits at once: 0 for `emulator serve`, else 128 + its number (the process's exit hook still
 * removes the key file).
 *
 * What a command is doing when the signal arrives is its `Operation`, set in `Running` by the command itself: a call
 * is recorded when its request is handed to the transport (after validation and the client's construction), so the
 * report can say whether a write may have reached WeChat and how to check it.
 *
 * @since 0.6.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { Interrupted, type Signal } from "./CliError.js"

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
export class Running
  extends Context.Service<Running, Ref.Ref<Operation | undefined>>()("effect-wechatpay/cli/Running")
{}

/**
 * Record what the command is doing, when it runs under `main.run`.
 *
 * @since 0.6.0
 * @category utils
 */
export const running = (operation: Operation): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(Running),
    (ref) => Option.isSome(ref) ? Ref.set(ref.value, operation) : Effect.void
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
 * The failure of a command stopped by `signal` while doing `operation` (`undefined`: no request was handed to the
 * transport yet).
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
    return new Interrupted({
      signal,
      operation: command,
      outcome: "not sent",
      message: `interrupted by ${signal} before any request was sent: nothing was changed`
    })
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
