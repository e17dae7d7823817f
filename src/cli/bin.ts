/**
 * The process behind the `effect-wechatpay` bin: runs the command line on `process.argv`, stops cleanly on SIGINT or
 * SIGTERM (exit 0), and exits with the code of the outcome (see `CliError`).
 *
 * @since 0.4.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { type ExitCode, fromCause } from "./CliError.js"
import { run } from "./main.js"

NodeRuntime.runMain(run(process.argv).pipe(Effect.provide(NodeContext.layer)), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? (exit.value as ExitCode) : fromCause(exit.cause).code)
})
