/**
 * The process behind the `effect-wechatpay` bin: catches SIGINT, SIGTERM and SIGHUP first (`Signals.listen`, before
 * the command line's modules load), runs the command line on `process.argv` and exits with the code of the outcome
 * (see `CliError`): 128 + the signal's number for an interrupted command, 0 for `emulator serve` stopped by one.
 *
 * @since 0.4.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { listen } from "./Signals.js"

const signals = listen()
const [{ run }, NodeContext] = await Promise.all([
  import("./main.js"),
  import("@effect/platform-node/NodeContext")
])

// The command may wait on nothing that holds the event loop open (a server's scope, a pending interruption).
const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
const fiber = Effect.runFork(
  run(process.argv, Effect.promise(() => signals.received)).pipe(Effect.provide(NodeContext.layer))
)
fiber.addObserver((exit) => {
  clearInterval(keepAlive)
  signals.dispose()
  // `run` reports every failure itself; a failure here is a defect of the runner.
  const code = Exit.isSuccess(exit) ? exit.value : 1
  // A clean run ends when its last handle closes (stdout drained); a stopped or failed one ends now.
  if (code !== 0 || signals.signal() !== undefined) process.exit(code)
})
