/**
 * How the command line reports a failure: one JSON object on stderr and an exit code per category, so a script
 * can branch on the code and read the object.
 *
 * | exit | when |
 * |---|---|
 * | 0 | success |
 * | 1 | anything else: configuration (missing or malformed `WECHATPAY_*`), signing, an unexpected error |
 * | 2 | invalid input: nothing was sent (a flag, `--json`, or a rule of the request schema) |
 * | 3 | WeChat answered a 4xx error |
 * | 4 | WeChat answered a 5xx error, or the transport failed (connection, timeout) |
 * | 5 | the response (or a notification, or a downloaded certificate) failed verification, decryption or decoding — a wrong APIv3 key is this one (`NotificationDecryptError`, `CertificateError` `DecryptionFailed`) |
 * | 6 | `emulator serve` could not listen (`ListenError`: the port is in use or not permitted) |
 * | 129, 130, 131, 140, 143 | interrupted by SIGHUP, SIGINT, SIGQUIT, SIGUSR2 or SIGTERM (128 + the signal's number; `Interrupted`: `outcome` "not sent" before the request was handed to the transport, else a write's outcome is unknown and the report says how to check it). `emulator serve` stops with 0 on these, a second signal too: it is a server being stopped |
 *
 * @since 0.4.0
 */
import * as Cause from "effect/Cause"
import * as CliError from "effect/cli/CliError"
import type * as HelpDoc from "effect/cli/HelpDoc"
import * as Config from "effect/Config"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { describe, redact } from "./Argv.js"
import * as Listen from "./Listen.js"

/**
 * A flag, `--json` or a file the command line could not read. Nothing was sent.
 *
 * @since 0.4.0
 * @category errors
 */
export class InvalidArguments extends Schema.TaggedError<InvalidArguments>("effect-wechatpay/cli/InvalidArguments")(
  "InvalidArguments",
  {
    /** The flag at fault, without `--`, when one is. */
    flag: Schema.optionalKey(Schema.String),
    message: Schema.String
  }
) {}

/**
 * The signals that stop the command line (see `Listen`). A process ended by one exits 128 + its number, as a shell
 * reports it.
 *
 * @since 0.6.0
 * @category models
 */
export const Signal = Schema.Literals(["SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR2"])

/**
 * @since 0.6.0
 * @category models
 */
export type Signal = typeof Signal.Type

/**
 * The exit code of a run stopped by `signal`: 129 (SIGHUP), 130 (SIGINT), 131 (SIGQUIT), 140 (SIGUSR2), 143 (SIGTERM).
 *
 * @since 0.6.0
 * @category utils
 */
export const exitCodeOfSignal: (signal: Signal) => 129 | 130 | 131 | 140 | 143 = Listen.exitCodeOfSignal

/**
 * The command was stopped by a signal before it finished. For a write (`write: true`) whose request may have reached
 * WeChat, `outcome` is `"unknown"`; `check` is the command that shows the state, and `retry` says what to do: repeat
 * with the same idempotency key and values (safe), or check first and repeat only if the state is not what was sent
 * (a documented repeatable write: a blind repeat could undo another writer's change), or not repeat without checking.
 *
 * @since 0.6.0
 * @category errors
 */
export class Interrupted extends Schema.TaggedError<Interrupted>("effect-wechatpay/cli/Interrupted")("Interrupted", {
  signal: Signal,
  /** The command, e.g. `membercard invalidate-user-card`. */
  operation: Schema.String,
  /** The endpoint called, `METHOD /path` (its template: no value given on the command line). */
  request: Schema.optionalKey(Schema.String),
  /** Whether the request changes state at WeChat (anything but a GET). */
  write: Schema.optionalKey(Schema.Boolean),
  /** `"unknown"`: the request was handed to the transport; `"not sent"`: stopped before that, nothing changed. */
  outcome: Schema.optionalKey(Schema.Literals(["unknown", "not sent"])),
  /** The read command showing the state the write would change, with placeholders for its flags. */
  check: Schema.optionalKey(Schema.String),
  /** Whether repeating the write is safe, and how (see `Endpoints.retryOf`). */
  retry: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * `emulator serve` could not listen on 127.0.0.1: the port is in use (`AddressInUse`), not permitted
 * (`PermissionDenied`) or could not be had for another reason (`Unavailable`).
 *
 * @since 0.6.0
 * @category errors
 */
export class ListenError extends Schema.TaggedError<ListenError>("effect-wechatpay/cli/ListenError")("ListenError", {
  port: Schema.Number,
  reason: Schema.Literals(["AddressInUse", "PermissionDenied", "Unavailable"]),
  message: Schema.String
}) {}

/**
 * @since 0.4.0
 * @category models
 */
export type ExitCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 129 | 130 | 131 | 140 | 143

/**
 * What is printed on stderr for a failure.
 *
 * @since 0.4.0
 * @category models
 */
export interface Report {
  readonly _tag: string
  readonly message: string
  readonly code?: string
  readonly status?: number
  readonly requestId?: string
  readonly reason?: string
  readonly issues?: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>
  readonly port?: number
  readonly signal?: Signal
  readonly operation?: string
  readonly request?: string
  readonly write?: boolean
  readonly outcome?: "unknown" | "not sent"
  readonly check?: string
  readonly retry?: string
}

const field = <K extends string>(value: unknown, key: K): unknown =>
  typeof value === "object" && value !== null && key in value ? (value as Record<K, unknown>)[key] : undefined

/**
 * The exit code of a failure, by its tag, HTTP status and category.
 *
 * @since 0.4.0
 * @category utils
 */
export const exitCodeOf = (error: unknown): ExitCode => {
  // `effect/cli`'s parse errors: the command line could not be read (help shown without errors is a success).
  if (isParseError(error)) return error._tag === "ShowHelp" && error.errors.length === 0 ? 0 : 2
  const tag = field(error, "_tag")
  if (tag === "InvalidArguments" || tag === "RequestValidationError") return 2
  if (tag === "TransportError") return 4
  if (tag === "ListenError") return 6
  if (tag === "Interrupted") {
    const signal = field(error, "signal")
    if (Schema.is(Signal)(signal)) return exitCodeOfSignal(signal)
  }
  if (
    tag === "ResponseVerificationError" || tag === "ResponseDecodeError" || tag === "NotificationVerificationError" ||
    tag === "NotificationDecryptError" || tag === "NotificationDecodeError"
  ) return 5
  // A downloaded certificate that does not open or check out is an untrustworthy answer; a key of the wrong length
  // is our configuration.
  if (tag === "CertificateError") return field(error, "reason") === "InvalidApiV3Key" ? 1 : 5
  const status = field(error, "status")
  if (typeof status === "number" && typeof field(error, "code") === "string") {
    if (status >= 500) return 4
    if (status >= 400) return 3
  }
  return 1
}

/** An `effect/cli` error about the command line (its `UserError` wraps a handler's failure instead). */
const isParseError = (error: unknown): error is Exclude<CliError.CliError, CliError.UserError> =>
  CliError.isCliError(error) && error._tag !== "UserError"

const reportKeys = ["code", "status", "reason", "requestId"] as const
const interruptedKeys = ["signal", "operation", "request", "write", "outcome", "check", "retry"] as const

/**
 * The JSON object printed on stderr: the tag and, where present, `code`, `status`, `message`, `requestId`, `reason`
 * and validation `issues`. Built field by field from the library's typed errors, whose messages never hold key
 * material or personal data; anything else is reported by its kind only. `effect/cli`'s parse errors are reported as
 * `InvalidArguments`, their message written from their fields (`Argv.describe`): the flag or command at fault is
 * named, the value given is not. Given the command line (`context`), no value given on it is repeated in any message
 * (`Argv.redact`).
 *
 * @since 0.4.0
 * @category utils
 */
export const reportOf = (error: unknown, context?: Context): Report => {
  const clean = (text: string) => redact(text, context?.argv ?? [], context?.commands ?? new Set())
  if (isParseError(error)) {
    return { _tag: "InvalidArguments", message: clean(describe(error, context ?? {})) }
  }
  const report = reportOfError(error)
  if (context === undefined) return report
  return {
    ...report,
    message: clean(report.message),
    ...(report.issues === undefined
      ? {}
      : { issues: report.issues.map((issue) => ({ ...issue, message: clean(issue.message) })) })
  }
}

/**
 * The command line a report is about: its values are never repeated (see `Argv.redact`).
 *
 * @since 0.6.0
 * @category models
 */
export interface Context {
  /** `process.argv`. */
  readonly argv: ReadonlyArray<string>
  /** The command words (`membercard`, `get-user-card` …): not values. */
  readonly commands: ReadonlySet<string>
  /**
   * The help of the command that could not be parsed, as `effect/cli` presented it: its flags' types name what a
   * value failed to be (`--port: not an integer`).
   *
   * @since 1.0.0
   */
  readonly help?: HelpDoc.HelpDoc | undefined
}

const reportOfError = (error: unknown): Report => {
  if (error instanceof Config.ConfigError) {
    // The variable and what was wrong with it (`Expected string at ["WECHATPAY_MCHID"]`: missing); Effect 4's schema
    // messages do not quote the value read.
    return { _tag: "ConfigError", message: error.cause.message }
  }
  const tag = field(error, "_tag")
  const message = field(error, "message")
  if (typeof tag !== "string" || typeof message !== "string") {
    return { _tag: "UnexpectedError", message: "an unexpected error (a defect); run with --log-level debug to see it" }
  }
  const report: Record<string, unknown> = { _tag: tag }
  // The fields of this module's own errors are named by tag: another error's `request` or `port` is not copied.
  const own = tag === "Interrupted"
    ? interruptedKeys
    : tag === "ListenError"
    ? (["port"] as const)
    : tag === "InvalidArguments"
    ? (["flag"] as const)
    : []
  for (const key of [...reportKeys, ...own]) {
    const value = field(error, key)
    if (value !== undefined) report[key] = value
  }
  report["message"] = message
  const issues = field(error, "issues")
  if (Array.isArray(issues)) report["issues"] = issues
  return report as unknown as Report
}

/**
 * The report and exit code of a failed run. An interruption without a failure is a clean stop (a server stopped by a
 * signal): code 0, no report; an interrupted command fails with `Interrupted` instead. Help shown by `effect/cli`
 * without a parse error (`ShowHelp` with no errors) is a success too: code 0, no report.
 *
 * @since 0.4.0
 * @category utils
 */
export const fromCause = (
  cause: Cause.Cause<unknown>,
  context?: Context
): { readonly code: ExitCode; readonly report?: Report } => {
  if (Cause.hasInterruptsOnly(cause)) return { code: 0 }
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure)) {
    const code = exitCodeOf(failure.value)
    return code === 0 ? { code } : { code, report: reportOf(failure.value, context) }
  }
  return { code: 1, report: reportOf(Cause.squash(cause), context) }
}
