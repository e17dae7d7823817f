/**
 * The `effect-wechatpay` command line: every endpoint declaration as a command, and the emulator as a server. Only
 * the `bin` (`./bin.js`) loads this module (and `@effect/cli`); the library's entry points never import it.
 *
 * @since 0.4.0
 */
import { createRequire } from "node:module"
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Ref from "effect/Ref"
import { type ExitCode, fromCause, InvalidArguments, type Signal } from "./CliError.js"
import * as Endpoints from "./Endpoints.js"
import * as EmulatorCommand from "./EmulatorCommand.js"
import * as NotificationCommand from "./NotificationCommand.js"
import { printError } from "./Output.js"
import { commandOf, interrupted, type Operation, Running } from "./Signals.js"

const version = (createRequire(import.meta.url)("../../package.json") as { readonly version: string }).version

type AnyCommand = Command.Command<any, any, any, any>

/** A group run without one of its commands: say which exist instead of doing nothing. */
const group = (name: string, description: string, commands: ReadonlyArray<AnyCommand>): AnyCommand =>
  Command.make(name, {}, () =>
    new InvalidArguments({ message: `missing command: see \`effect-wechatpay ${name} --help\`` })).pipe(
      Command.withDescription(description),
      Command.withSubcommands(commands as [AnyCommand, ...Array<AnyCommand>])
    )

/**
 * The command tree.
 *
 * @since 0.4.0
 * @category constructors
 */
export const root = (): AnyCommand => {
  const specs = Endpoints.specs()
  const groups = Endpoints.products.map(({ description, group: name }) =>
    group(name, description, specs.filter((spec) => spec.group === name).map(Endpoints.command))
  )
  return group("effect-wechatpay", "WeChat Pay APIv3 from the shell, and the emulator as a server", [
    ...groups,
    group("notification", "member-card notifications (回调通知)", [NotificationCommand.parse]),
    group("emulator", "the WeChat Pay emulator (signs, verifies and keeps state like WeChat)", [EmulatorCommand.serve])
  ])
}

/** The words of the command tree: on the command line they are commands, not values. */
let words: ReadonlySet<string> | undefined
const commandWords = (): ReadonlySet<string> =>
  words ??= new Set([
    "effect-wechatpay",
    "notification",
    "parse",
    "emulator",
    "serve",
    ...Endpoints.products.map((product) => product.group),
    ...Endpoints.specs().map((spec) => spec.command)
  ])

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g

/** Logs (and only logs) on stderr, as logfmt: stdout carries results alone. */
const stderrLogger = Logger.make((options) => {
  process.stderr.write(`${Logger.logfmtLogger.log(options)}\n`)
})

/**
 * Run the command line on `argv` (`process.argv`): the exit code, with the failure report already on stderr.
 * `@effect/cli`'s own parse-error text is replaced by the JSON report (no value given on the command line is repeated
 * in it). When `stop` yields a signal first, the command is interrupted (its finalizers run) and the run fails with
 * `Interrupted` — or ends with 0 for `emulator serve`; a signal already `pending` stops it before it starts.
 *
 * @since 0.4.0
 * @category running
 */
export const run = (
  argv: ReadonlyArray<string>,
  stop: Effect.Effect<Signal> = Effect.never,
  signals: {
    /** A signal already received: the command is stopped before it starts. */
    readonly pending?: () => Signal | undefined
    /** Called when a signal stops a server (`Listen.Listening.serving`: a second signal then exits 0 too). */
    readonly serving?: () => void
  } = {}
): Effect.Effect<ExitCode, never, NodeContext.NodeContext> =>
  Effect.gen(function*() {
    const early = signals.pending?.()
    if (early !== undefined) return yield* interrupted(early, undefined, commandOf(argv))
    const console = yield* Effect.console
    const cli = Command.run(root(), { name: "effect-wechatpay", version })
    // Help goes through Console.log with ANSI styles: kept for a terminal, stripped when piped or under NO_COLOR.
    const plain = process.stdout.isTTY !== true || process.env["NO_COLOR"] !== undefined
    const log = (...args: ReadonlyArray<unknown>) =>
      console.log(...args.map((arg) => (plain && typeof arg === "string" ? arg.replace(ansi, "") : arg)))
    const operation = yield* Ref.make<Operation | undefined>(undefined)
    const command = cli(argv).pipe(
      // @effect/cli prints its own parse-error text with Console.error: the JSON report replaces it.
      Effect.withConsole({ ...console, log, error: () => Effect.void }),
      Effect.provideService(Running, operation),
      Effect.as(0 as ExitCode)
    )
    // What the command was doing when the signal came is read before it is interrupted (the race then waits for its
    // finalizers).
    const stopped = Effect.flatMap(stop, (signal) =>
      Effect.flatMap(Ref.get(operation), (current) =>
        current?._tag === "Server"
          ? Effect.as(Effect.sync(() => signals.serving?.()), 0 as ExitCode)
          : Effect.fail(interrupted(signal, current, commandOf(argv)))))
    return yield* Effect.raceFirst(command, stopped)
  }).pipe(
    Effect.catchAllCause((cause) => {
      const { code, report } = fromCause(cause, { argv, commands: commandWords() })
      // A defect's text is shown only on request (--log-level debug): it is not a report of this library's making.
      const details = report?._tag === "UnexpectedError" ? Effect.logDebug(cause) : Effect.void
      return Effect.as(Effect.zipRight(details, report === undefined ? Effect.void : printError(report)), code)
    }),
    Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger))
  )
