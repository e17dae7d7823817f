/**
 * A per-attempt deadline for effects the library does not write itself (an `HttpClient` round trip).
 *
 * `Effect.timeoutFail` races the effect against an Effect `sleep`: two forked fibers and a scheduled clock task per
 * call. This runs the effect in one forked fiber and arms one native timer; the first of "fiber done" and "timer
 * fired" settles the call, and the loser is cleared (timer) or interrupted (fiber). Measured on the fetch column of
 * the benchmark it saves ~100 µs of JS-thread time per call (bench/README.md).
 *
 * The timer is wall-clock time (`setTimeout`), not Effect's `Clock`: a network deadline is about the real world.
 */
import * as Effect from "effect/Effect";
import * as FiberId from "effect/FiberId";
export const deadline = (effect, millis, onTimeout) => Effect.flatMap(Effect.fork(effect), (fiber) => Effect.async((resume) => {
    let settled = false;
    const timer = setTimeout(() => {
        if (settled)
            return;
        settled = true;
        fiber.unsafeInterruptAsFork(FiberId.none);
        resume(Effect.fail(onTimeout()));
    }, millis);
    fiber.addObserver((exit) => {
        if (settled)
            return;
        settled = true;
        clearTimeout(timer);
        resume(exit);
    });
    return Effect.sync(() => {
        if (settled)
            return;
        settled = true;
        clearTimeout(timer);
        fiber.unsafeInterruptAsFork(FiberId.none);
    });
}));
//# sourceMappingURL=deadline.js.map