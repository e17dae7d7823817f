/**
 * Notification.httpApp's server side (src/notification/http.ts) is loaded on the first request. When that load fails
 * (a deployment that dropped the file), the request dies with the reason logged — never a silent 500.
 */
import { expect, it, vi } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"

it.effect("a module that does not load: the request dies and the log says which module", () =>
  Effect.gen(function*() {
    vi.resetModules()
    vi.doMock("../src/notification/http.js", () => {
      throw new Error("module missing from the deployment")
    })
    const Notification = yield* Effect.promise(() => import("../src/Notification.js"))
    const logs: Array<string> = []
    const logger = Logger.make(({ message }) => void logs.push(String(message)))
    const app = Notification.httpApp(() => Effect.void) as Effect.Effect<unknown>
    const exit = yield* Effect.exit(app.pipe(Effect.provide(Logger.layer([logger]))))
    expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
    expect(logs).toEqual(["effect-wechatpay: Notification.httpApp could not load its module notification/http.js"])
    vi.doUnmock("../src/notification/http.js")
    vi.resetModules()
  }))
