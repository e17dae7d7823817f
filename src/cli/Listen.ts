/**
 * The signals the command line catches, caught from the bin's first line: this module imports nothing, so Node
 * installs the handlers before it loads `effect`, `effect/cli` and the rest (~0.1 s from the bundle `npm run build`
 * makes, ~0.3–0.6 s unbundled, during which a signal would otherwise kill the process without a report or the
 * emulator's key-file removal).
 *
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT (Ctrl-\) and SIGUSR2 are caught; SIGUSR1 is left to Node (its debugger).
 *
 * @since 0.6.0
 */

/**
 * The signals caught.
 *
 * @since 0.6.0
 * @category models
 */
export type Signal = "SIGHUP" | "SIGINT" | "SIGQUIT" | "SIGTERM" | "SIGUSR2"

/**
 * @since 0.6.0
 * @category constants
 */
export const signals: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2"]

// 128 + Linux's numbers (SIGUSR2 is 12 there; it is 31 on macOS and the BSDs, where a shell would say 159).
const codes = { SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGTERM: 143, SIGUSR2: 140 } as const

/**
 * The exit code of a run stopped by `signal`, as a shell reports it: 128 + the signal's number (SIGHUP 129, SIGINT
 * 130, SIGQUIT 131, SIGUSR2 140, SIGTERM 143).
 *
 * @since 0.6.0
 * @category utils
 */
export const exitCodeOfSignal = (signal: Signal): (typeof codes)[Signal] => codes[signal]

/**
 * The signals caught, and what to wait on.
 *
 * @since 0.6.0
 * @category models
 */
export interface Listening {
  /** Resolves with the first signal received. */
  readonly received: Promise<Signal>
  /** The first signal received, if any. */
  readonly signal: () => Signal | undefined
  /**
   * The command is a server being stopped: a later signal exits 0 (a second signal stops it at once, still a clean
   * stop; the process's exit hook removes its files).
   */
  readonly serving: () => void
  /** The run is over: from now on a signal exits at once (0 for a server, else 128 + its number). */
  readonly finish: () => void
}

/**
 * Catch the signals from now on. The first is handed to the command (`received`); a second one — or any once the
 * run is over — exits at once with `process.exit`, so the exit hooks still run. The handlers stay installed until the
 * process exits: a signal never finds Node's default (death without the exit hooks).
 *
 * @since 0.6.0
 * @category constructors
 */
export const listen = (): Listening => {
  let first: Signal | undefined
  let server = false
  let finished = false
  let resolve: (signal: Signal) => void = () => {}
  const received = new Promise<Signal>((done) => (resolve = done))
  for (const signal of signals) {
    process.on(signal, () => {
      if (first !== undefined || finished) process.exit(server ? 0 : exitCodeOfSignal(signal))
      first = signal
      resolve(signal)
    })
  }
  return {
    received,
    signal: () => first,
    serving: () => {
      server = true
    },
    finish: () => {
      finished = true
    }
  }
}
