/**
 * The `effect-wechatpay` command line: every endpoint declaration as a command, and the emulator as a server. Only
 * the `bin` (`./bin.js`) loads this module (and `effect/cli`); the library's entry points never import it.
 *
 * A run loads what its command needs: the endpoint commands always (a group's name and description come with them),
 * `notification parse` and `emulator serve` (the emulator and all it imports) only when the command line names
 * their group.
 *
 * @since 0.4.0
 */
import { createRequire } from "node:module"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Ref from "effect/Ref"
import { notShown, shortCluster } from "./Argv.js"
import { type Context, type ExitCode, fromCause, InvalidArguments, type Signal } from "./CliError.js"
import * as Endpoints from "./Endpoints.js"
import { printError, printText } from "./Output.js"
import { commandOf, interrupted, type Operation, Running } from "./Signals.js"

const version = (createRequire(import.meta.url)("../../package.json") as { readonly version: string }).version

type AnyCommand = Command.Command<any, any, any, any, any>

const bin = "effect-wechatpay"

/** A group run without one of its commands: say which exist instead of doing nothing. */
const group = (name: string, description: string, commands: ReadonlyArray<AnyCommand>): AnyCommand => {
  const help = name === bin ? `${bin} --help` : `${bin} ${name} --help`
  const self = Command.make(name, {}, () =>
    Effect.fail(new InvalidArguments({ message: `missing command: see \`${help}\`` }))).pipe(
      Command.withDescription(description)
    )
  return commands.length === 0 ? self : self.pipe(Command.withSubcommands(commands))
}

/** A group of commands: its name, what it is for, and its commands, loaded when asked for. */
interface Group {
  readonly name: string
  readonly description: string
  readonly load: () => Promise<ReadonlyArray<AnyCommand>>
}

/** The groups of the command tree: one per product, then `notification` and `emulator`. */
const groups: ReadonlyArray<Group> = [
  ...Endpoints.products.map(({ description, group: name }): Group => ({
    name,
    description,
    load: () => Promise.resolve(Endpoints.specs().filter((spec) => spec.group === name).map(Endpoints.command))
  })),
  {
    name: "notification",
    description: "member-card notifications (回调通知)",
    load: () => import("./NotificationCommand.js").then(({ parse }) => [parse])
  },
  {
    name: "emulator",
    description: "the WeChat Pay emulator (signs, verifies and keeps state like WeChat)",
    load: () => import("./EmulatorCommand.js").then(({ serve }) => [serve])
  }
]

/**
 * The command tree. Given the command line, only the groups it names are loaded with their commands; the others are
 * listed (name and description, for the help) without them: a word on the command line that is not a group's name
 * cannot reach one. Without it, every group is loaded.
 *
 * @since 0.4.0
 * @category constructors
 */
export const root = (argv?: ReadonlyArray<string>): Effect.Effect<AnyCommand> =>
  Effect.map(
    Effect.forEach(groups, ({ description, load, name }) =>
      argv === undefined || argv.slice(2).includes(name)
        ? Effect.map(Effect.promise(load), (commands) => group(name, description, commands))
        : Effect.succeed(group(name, description, []))),
    (tree) => group(bin, "WeChat Pay APIv3 from the shell, and the emulator as a server", tree)
  )

/** The words of the command tree: on the command line they are commands, not values. */
let words: ReadonlySet<string> | undefined
const commandWords = (): ReadonlySet<string> =>
  words ??= new Set([
    bin,
    "notification",
    "parse",
    "emulator",
    "serve",
    ...Endpoints.products.map((product) => product.group),
    ...Endpoints.specs().map((spec) => spec.command)
  ])

/** Logs (and only logs) on stderr, as logfmt: stdout carries results alone. */
const stderrLogger = Logger.make((options) => {
  process.stderr.write(`${Logger.formatLogFmt.log(options)}\n`)
})

/**
 * How `effect/cli` shows what it shows: help and the version on stdout, with ANSI styles on a terminal only (not
 * when piped, nor under NO_COLOR). A parse error is not shown: it is kept (`invalid`) for the JSON report, which
 * replaces `effect/cli`'s help-and-error text.
 */
const presenter = (invalid: (event: CliOutput.Presenter.InvalidInvocation) => void): CliOutput.Presenter => {
  const formatter = CliOutput.defaultFormatter({
    colors: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined
  })
  return {
    present: (event) => {
      switch (event._tag) {
        case "Help":
          return printText(formatter.formatHelpDoc(event.helpDoc))
        case "Version":
          return printText(formatter.formatVersion(event.name, event.version))
        case "InvalidInvocation":
          return Effect.sync(() => invalid(event))
      }
    }
  }
}

/**
 * Run the command line on `argv` (`process.argv`): the exit code, with the failure report already on stderr.
 * `effect/cli`'s own parse-error text is replaced by the JSON report (no value given on the command line is repeated
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
): Effect.Effect<ExitCode, never, Command.Environment> => {
  let invalid: CliOutput.Presenter.InvalidInvocation | undefined
  return Effect.gen(function*() {
    const early = signals.pending?.()
    if (early !== undefined) return yield* interrupted(early, undefined, commandOf(argv))
    const console = yield* Console.Console
    const operation = yield* Ref.make<Operation | undefined>(undefined)
    if (shortCluster(argv) !== undefined) return yield* new InvalidArguments({ message: notShown })
    const tree = yield* root(argv)
    // Whether the command started, and when it is over, finalizers and all (see below).
    let started = false
    const over = yield* Deferred.make<void>()
    const command = Effect.suspend(() => {
      started = true
      return Command.runWith(tree, { version })(argv.slice(2))
    }).pipe(
      Effect.provideService(CliOutput.Presenter, presenter((event) => (invalid = event))),
      // effect/cli writes a failure's `userMessage` with Console.error: the JSON report replaces any such text.
      Effect.provideService(Console.Console, { ...console, error: () => {} }),
      Effect.provideService(Running, operation),
      Effect.as(0 as ExitCode),
      Effect.onExit(() => Deferred.done(over, Exit.void))
    )
    // What the command was doing when the signal came is read before it is interrupted.
    const stopped = Effect.flatMap(stop, (signal) =>
      Effect.flatMap(Ref.get(operation), (current) =>
        current?._tag === "Server"
          ? Effect.as(Effect.sync(() => signals.serving?.()), 0 as ExitCode)
          : Effect.fail(interrupted(signal, current, commandOf(argv)))))
    // The signal's side starts first: one already received (`stop` done at once) wins before the command starts, even
    // a command that would end at once without waiting on anything (a request failing validation).
    // The race does not wait for its loser: an interrupted command's finalizers (sockets closed, the emulator's key
    // file removed) are waited for here, so they are over when the run is.
    return yield* Effect.raceFirst(stopped, command).pipe(
      Effect.onExit(() => started ? Deferred.await(over) : Effect.void)
    )
  }).pipe(
    Effect.catchCause((cause) => {
      const context: Context = { argv, commands: commandWords(), help: invalid?.helpDoc }
      const { code, report } = fromCause(cause, context)
      return Effect.as(report === undefined ? Effect.void : printError(report), code)
    }),
    Effect.provide(Logger.layer([stderrLogger])),
    // The environment as it is when this run reads it: Effect's default provider keeps the first snapshot taken in
    // the process, which a second run in the same process (a test) would otherwise read.
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv())
  )
}
