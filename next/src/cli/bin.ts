/**
 * The process behind the `effect-wechatpay` bin. Its only static import is `Listen`, which imports nothing: the
 * signals are caught before Node loads the command line (`effect`, `@effect/cli` …), so a signal during start-up is
 * reported (`Interrupted`, nothing sent, 128 + the signal's number) rather than killing the process. Then it runs the
 * command line on `process.argv` and exits with the code of the outcome (see `CliError`): 128 + the signal's number
 * for an interrupted command, 0 for `emulator serve` stopped by one.
 *
 * @since 0.4.0
 */
import { listen } from "./Listen.js"

const signals = listen()
// Lets a test signal the process at the first moment it is caught (Node and a loader start before this line).
if (process.env["EFFECT_WECHATPAY_SIGNAL_MARKER"] === "1") process.stderr.write("listening\n")

const [{ run }, NodeContext, Effect, Exit] = await Promise.all([
  import("./main.js"),
  import("@effect/platform-node/NodeContext"),
  import("effect/Effect"),
  import("effect/Exit")
])

// The command may wait on nothing that holds the event loop open (a server's scope, a pending interruption).
const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
const fiber = Effect.runFork(
  run(process.argv, Effect.promise(() => signals.received), { pending: signals.signal, serving: signals.serving }).pipe(
    Effect.provide(NodeContext.layer)
  )
)
fiber.addObserver((exit) => {
  clearInterval(keepAlive)
  // The handlers stay: a signal from now on exits at once (and the exit hooks run) rather than by Node's default.
  signals.finish()
  // `run` reports every failure itself; a failure here is a defect of the runner.
  const code = Exit.isSuccess(exit) ? exit.value : 1
  // A clean run ends when its last handle closes (stdout drained); a stopped or failed one ends now.
  if (code !== 0 || signals.signal() !== undefined) process.exit(code)
})
