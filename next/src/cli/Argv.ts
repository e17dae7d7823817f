/**
 * What a failure report may say about the command line: the names of commands and flags, never a value given on it.
 * `@effect/cli` quotes the argument at fault in its messages ("Received unknown argument: '--api-v3-kye=<key>'",
 * "'<phone>' is not a integer", "Path '<file>' must exist"), and a library message may quote a value it was given
 * (`--base-url`); the value may be a key, a phone number or an openid. `redact` rewrites those messages to name the
 * flag at fault, and takes out any value still quoted.
 *
 * @since 0.6.0
 */

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

type FlagOf = (quoted: string) => string | undefined

/** `@effect/cli`'s messages that quote an argument, each rewritten to name its flag. */
const rewrites: ReadonlyArray<readonly [RegExp, (quoted: string, flagOf: FlagOf, rest: string | undefined) => string]> = [
  [/Received unknown argument: '([^]*?)'/g, (quoted, flagOf) => {
    if (quoted.startsWith("-") && quoted.length > 1) {
      const equals = quoted.indexOf("=")
      const name = equals < 0 ? quoted : quoted.slice(0, equals)
      if (!isFlagName(name)) return "an unknown flag (not shown: it does not look like a flag name)"
      return `unexpected flag ${name}${equals < 0 ? "" : " (its value not shown)"}: not a flag of this command, given ` +
        "twice, or without its value"
    }
    const flag = flagOf(quoted)
    return flag === undefined
      ? "an unexpected positional argument (value not shown): flags are given as --flag VALUE or --flag=VALUE"
      : `an unexpected argument after ${flag} (value not shown)`
  }],
  [/'([^]*?)' is not a ([a-z]+)/g, (quoted, flagOf, type) =>
    `${flagOf(quoted) ?? "a flag's value"}: not ${type === "integer" ? "an" : "a"} ${type} (value not shown)`],
  [/Unable to recognize '([^]*?)' as a valid boolean/g, (quoted, flagOf) =>
    `${flagOf(quoted) ?? "a flag's value"}: not true or false (value not shown)`],
  [/Path '([^]*?)' must (not )?exist/g, (quoted, flagOf, not) =>
    `${flagOf(quoted) ?? "a path"}: ${not === undefined ? "no such file" : "the file exists"} (path not shown)`],
  [/Expected path '([^]*?)' to be a (regular file|directory)/g, (quoted, flagOf, kind) =>
    `${flagOf(quoted) ?? "a path"}: not a ${kind} (path not shown)`],
  [/Expected a key\/value pair but received '([^]*?)'/g, (quoted, flagOf) =>
    `${flagOf(quoted) ?? "a flag's value"}: not a key=value pair (value not shown)`]
]

/**
 * `text` without any value of `argv`: `@effect/cli`'s messages that quote one are rewritten to name the flag, a value
 * still quoted becomes "(value not shown)", and a value of 4 characters or more found anywhere else (a library's
 * message quoting what it was given) becomes `<value of --flag>`. Shorter values cannot be told from the message's
 * own words (a bound, a count) and are not secrets.
 *
 * @since 0.6.0
 * @category utils
 */
export const redact = (text: string, argv: ReadonlyArray<string>, commands: ReadonlySet<string>): string => {
  const values = valuesOf(argv, commands)
  // The same value quoted again is the next flag given it (`--headers X --body X`).
  const seen = new Map<string, number>()
  const flagOf: FlagOf = (quoted) => {
    const matches = values.filter(({ value }) => value === quoted)
    const n = seen.get(quoted) ?? 0
    seen.set(quoted, n + 1)
    return matches[Math.min(n, matches.length - 1)]?.flag
  }
  let result = text
  for (const [pattern, rewrite] of rewrites) {
    result = result.replace(pattern, (_, quoted: string, rest: string | undefined) => rewrite(quoted, flagOf, rest))
  }
  result = result.replace(/'([^'\n]*)'/g, (whole, quoted: string) =>
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
