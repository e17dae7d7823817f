/**
 * What a failure report may say about the command line: the names of commands and flags, never a value given on it.
 * `effect/cli`'s errors carry the argument at fault (`InvalidValue.value`, `UnexpectedArgument.arguments`, a path in
 * `InvalidValue.expected`) and their messages quote it; a library message may quote a value it was given
 * (`--base-url`); the value may be a key, a phone number or an openid. `describe` writes a parse error's message from
 * its fields, naming the flag at fault, and `redact` takes out any value still quoted.
 *
 * @since 0.6.0
 */
import type * as CliError from "effect/cli/CliError"
import type * as HelpDoc from "effect/cli/HelpDoc"

/**
 * A value given on the command line, and the flag it was given to (`undefined`: a positional argument, or a flag
 * name that does not look like one).
 *
 * @since 0.6.0
 * @category models
 */
export interface Value {
  readonly value: string
  readonly flag: string | undefined
}

/**
 * Whether a flag as typed (`--api-v3-kye`, `-p`) looks like a flag name and may be repeated: lowercase kebab words of
 * at most 12 characters each, 40 in all. A key or phone number pasted after `--` does not.
 *
 * @since 0.6.0
 * @category utils
 */
export const isFlagName = (flag: string): boolean =>
  flag.length <= 40 && /^--?[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(flag) &&
  flag.replace(/^--?/, "").split("-").every((word) => word.length <= 12)

/** Whether a suggested word looks like a command name. */
const isCommandName = (word: string): boolean => isFlagName(`--${word}`)

/**
 * The values of `argv` (`process.argv`: the first two entries are Node and the script): each flag's value (after `=`
 * or the next argument), each positional argument that is not a command word, each flag name that does not look like
 * one.
 *
 * @since 0.6.0
 * @category utils
 */
export const valuesOf = (argv: ReadonlyArray<string>, commands: ReadonlySet<string>): ReadonlyArray<Value> => {
  const values: Array<Value> = []
  const args = argv.slice(2)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg.startsWith("-") && arg.length > 1) {
      const equals = arg.indexOf("=")
      const name = equals < 0 ? arg : arg.slice(0, equals)
      if (!isFlagName(name)) values.push({ value: name, flag: undefined })
      const flag = isFlagName(name) ? name : undefined
      if (equals >= 0) values.push({ value: arg.slice(equals + 1), flag })
      else if (i + 1 < args.length && !args[i + 1]!.startsWith("-")) values.push({ value: args[++i]!, flag })
    } else if (!commands.has(arg)) {
      values.push({ value: arg, flag: undefined })
    }
  }
  return values.filter(({ value }) => value !== "")
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * `text` without any value of `argv`: a value still quoted becomes "(value not shown)", and a value of 4 characters
 * or more found anywhere else (a library's message quoting what it was given) becomes `<value of --flag>`. Shorter
 * values cannot be told from the message's own words (a bound, a count) and are not secrets.
 *
 * @since 0.6.0
 * @category utils
 */
export const redact = (text: string, argv: ReadonlyArray<string>, commands: ReadonlySet<string>): string => {
  const values = valuesOf(argv, commands)
  let result = text.replace(/'([^'\n]*)'/g, (whole, quoted: string) =>
    values.some(({ value }) => value === quoted) ? "(value not shown)" : whole)
  for (const { flag, value } of [...values].sort((a, b) => b.value.length - a.value.length)) {
    if (value.length < 4 || value === "true" || value === "false") continue
    // Whole words only: `--card-id Card` leaves "MemberCard" alone.
    result = result.replace(
      new RegExp(`(?<![A-Za-z0-9_])${escape(value)}(?![A-Za-z0-9_])`, "g"),
      flag === undefined ? "<argument>" : `<value of ${flag}>`
    )
  }
  return result
}

/**
 * What `describe` may read besides the error: the command line, its command words, and the help of the command that
 * failed to parse (its flags' types).
 *
 * @since 1.0.0
 * @category models
 */
export interface Context {
  readonly argv?: ReadonlyArray<string> | undefined
  readonly commands?: ReadonlySet<string> | undefined
  readonly help?: HelpDoc.HelpDoc | undefined
}

/**
 * The report's message for a flag name that is not repeated because it does not look like one.
 *
 * @since 1.0.0
 * @category constants
 */
export const notShown = "an unknown flag (not shown: it does not look like a flag name)"

/**
 * The first argument of `argv` (`process.argv`) that `effect/cli` would read as several one-letter flags (`-abc`),
 * before a `--`. The command line has no such flags to combine (only `-h` and `-v`): such an argument is a value
 * typed in the wrong place, and its letters must not run `-h` or `-v`.
 *
 * @since 1.0.0
 * @category utils
 */
export const shortCluster = (argv: ReadonlyArray<string>): string | undefined => {
  const args = argv.slice(2)
  const end = args.indexOf("--")
  return (end < 0 ? args : args.slice(0, end)).find((arg) =>
    /^-[^-]/.test(arg) && arg.length > 2 && !/^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(arg)
  )
}

/** What a flag's value failed to be, by the flag's type in the help, else by what `effect/cli` expected. */
const whatOf = (error: CliError.InvalidValue, help: HelpDoc.HelpDoc | undefined): string => {
  const { expected, value } = error
  if (value === "") return "no value given"
  // `n occurrences` is written by effect/cli, not typed by the user.
  if (/^\d+ occurrences$/.test(value)) return `given ${value.split(" ")[0]} times (${expected}; values not shown)`
  if (/^(Path|File) does not exist/.test(expected)) return "no such file (path not shown)"
  if (/^Path is not a file/.test(expected)) return "not a regular file (path not shown)"
  if (/^Path is not a directory/.test(expected)) return "not a directory (path not shown)"
  if (/^Failed to /.test(expected)) return "cannot be read (path not shown)"
  // A choice's expectation lists the choices (`"AUTO" | "MANUAL"`): the documented literals, not the value.
  if (/^"[^"]*"(?: \| "[^"]*")*$/.test(expected)) {
    return `not one of ${expected.split(" | ").map((choice) => choice.slice(1, -1)).join(", ")} (value not shown)`
  }
  const flags = [...(help?.flags ?? []), ...(help?.inheritedFlags ?? []), ...(help?.globalFlags ?? [])]
  const type = flags.find((flag) => flag.name === error.option)?.type ??
    (/integer/.test(expected) ? "integer" : /number/.test(expected) ? "number" : undefined)
  const what = type === "integer"
    ? "not an integer"
    : type === "number"
    ? "not a number"
    : type === "boolean"
    ? "not true or false"
    : type === "date"
    ? "not a date"
    : "not a valid value"
  return `${what} (value not shown)`
}

/**
 * The message of an `effect/cli` parse error, written from its fields: the flag or command at fault is named, a value
 * given on the command line is not (a flag name that does not look like one is not repeated either, nor the letters
 * of an unknown `-abc`). A parse stopped by several errors gets one paragraph each.
 *
 * @since 1.0.0
 * @category utils
 */
export const describe = (error: CliError.CliError, context: Context): string => {
  const args = (context.argv ?? []).slice(2)
  switch (error._tag) {
    case "ShowHelp":
      return error.errors.length === 0
        ? "help was shown"
        : [...new Set(error.errors.map((inner) => describe(inner, context)))].join("\n\n")
    case "UnrecognizedOption": {
      const name = error.option
      // effect/cli splits `-abc` into `-a`, `-b`, `-c`: letters of a value unless `-a` was typed as such.
      const typed = args.some((arg) => arg === name || arg.startsWith(`${name}=`))
      if (!isFlagName(name) || (!name.startsWith("--") && !typed)) return notShown
      const withValue = args.some((arg) => arg.startsWith(`${name}=`))
      return `unexpected flag ${name}${withValue ? " (its value not shown)" : ""}: not a flag of this command, ` +
        "given twice, or without its value"
    }
    case "UnexpectedArgument": {
      const values = valuesOf(context.argv ?? [], context.commands ?? new Set())
      const flags = error.arguments.map((argument) => {
        const matches = values.filter(({ value }) => value === argument)
        return matches.some(({ flag }) => flag === undefined) ? undefined : matches[0]?.flag
      })
      const after = flags.find((flag) => flag !== undefined)
      if (error.arguments.length === 1 && after !== undefined) {
        return `an unexpected argument after ${after} (value not shown)`
      }
      return (error.arguments.length === 1
        ? "an unexpected positional argument (value not shown)"
        : `${error.arguments.length} unexpected positional arguments (values not shown)`) +
        ": flags are given as --flag VALUE or --flag=VALUE"
    }
    case "InvalidValue":
      return `${error.kind === "flag" ? `--${error.option}` : `argument <${error.option}>`}: ` +
        whatOf(error, context.help)
    case "MissingOption":
      return `missing flag --${error.option}`
    case "MissingArgument":
      return `missing argument <${error.argument}>`
    case "UnknownSubcommand": {
      // The word typed is not repeated (it may be a value pasted in the wrong place); effect/cli's suggestions are
      // names of commands.
      const parent = (error.parent ?? []).join(" ")
      const suggestions = error.suggestions.filter(isCommandName)
      return `an unknown command (not shown)${parent === "" ? "" : ` for ${parent}`}` +
        (suggestions.length === 0 ? "" : `; did you mean ${suggestions.join(" or ")}?`) +
        (parent === "" ? "" : `; see \`${parent} --help\``)
    }
    case "DuplicateOption":
    case "ValidationError":
    case "UserError":
      // Not about a value typed: a clash in the command tree, or a rule's own message (redacted by the report).
      return error.message
  }
}
