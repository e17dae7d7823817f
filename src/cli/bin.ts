/**
 * The process behind the `effect-wechatpay` bin. Its only static import is `Listen`, which imports nothing: the
 * signals are caught before Node loads the command line (`effect`, `effect/cli` …), so a signal during start-up is
 * reported (`Interrupted`, nothing sent, 128 + the signal's number) rather than killing the process. Then it runs the
 * command line on `process.argv` with `NodeRuntime.runMain` and exits with the code of the outcome (see `CliError`):
 * 128 + the signal's number for an interrupted command, 0 for `emulator serve` stopped by one.
 *
 * The package ships this entry bundled (`npm run build`, scripts/build-cli.ts): `effect` and `@effect/platform-node`
 * inside, in chunks loaded by the `import()`s below, so the entry's own chunk still holds only `Listen`.
 *
 * @since 0.4.0
 */
import { listen } from "./Listen.js"

const signals = listen()
// Lets a test signal the process at the first moment it is caught (Node and a loader start before this line).
if (process.env["EFFECT_WECHATPAY_SIGNAL_MARKER"] === "1") process.stderr.write("listening\n")

const [{ run }, NodeRuntime, NodeServices, Effect, Fiber] = await Promise.all([
  import("./main.js"),
  import("@effect/platform-node/NodeRuntime"),
  import("@effect/platform-node/NodeServices"),
  import("effect/Effect"),
  import("effect/Fiber")
])

/** The run's exit code, once it has one (`run` reports every failure itself and always ends with one). */
let outcome: number | undefined
const program = run(process.argv, Effect.promise(() => signals.received), {
  pending: signals.signal,
  serving: signals.serving
}).pipe(
  Effect.provide(NodeServices.layer),
  Effect.tap((code) => Effect.sync(() => (outcome = code)))
)

NodeRuntime.runMain(
  // runMain interrupts its fiber on SIGINT and SIGTERM, which would end the run without a report. The command line
  // stops on `Listen`'s signals instead (all five, each reported as itself): it runs in a fiber of its own, joined
  // where that interruption cannot reach. (The interruption still marks runMain's fiber interrupted once the join is
  // over: the exit code is the run's `outcome`, not read from that fiber's exit.)
  Effect.uninterruptible(Effect.flatMap(Effect.forkDetach(program), Fiber.join)),
  {
    // `run` reports every failure itself.
    disableErrorReporting: true,
    teardown: (_exit, onExit) => {
      // The handlers stay: a signal from now on exits at once (and the exit hooks run) rather than by Node's default.
      signals.finish()
      // No outcome: the run itself died (a defect of the runner).
      const code = outcome ?? 1
      // A clean run ends when its last handle closes (stdout drained); a stopped or failed one ends now.
      if (code !== 0 || signals.signal() !== undefined) process.exit(code)
      onExit(code)
    }
  }
)
