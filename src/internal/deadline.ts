/**
 * A per-attempt deadline for effects the library does not write itself (an `HttpClient` round trip).
 *
 * `Effect.timeoutOrElse` races the effect against an Effect `sleep`: two forked fibers and a scheduled clock task per
 * call. This runs the effect in one forked fiber and arms one native timer; the first of "fiber done" and "timer
 * fired" settles the call, and the loser is cleared (timer) or interrupted (fiber). Measured on the fetch column of
 * the benchmark it saves ~100 µs of JS-thread time per call (bench/README.md).
 *
 * The timer is wall-clock time (`setTimeout`), not Effect's `Clock`: a network deadline is about the real world.
 */
import * as Effect from "effect/Effect"

export const deadline = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  // `forkChild` starts the child interruptible even when the caller runs uninterruptibly (its default): the child
  // must stop when the timer fires, or a timed-out request would keep running beside its retry.
  Effect.flatMap(Effect.forkChild(effect), (fiber) =>
    Effect.callback<A, E | E2>((resume) => {
      let settled = false
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        fiber.interruptUnsafe()
        resume(Effect.fail(onTimeout()))
      }, millis)
      fiber.addObserver((exit) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.sync(() => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        fiber.interruptUnsafe()
      })
    }))
