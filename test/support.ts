/** Shared fixtures of the test suites (not a test file). */
import type * as Http from "node:http"
import type * as Net from "node:net"
import type * as HttpClient from "effect/http/HttpClient"
import { expect } from "@effect/vitest"
import * as HttpClientTag from "effect/http/HttpClient"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/testing/TestClock"
import * as Tracer from "effect/Tracer"
import { MemberCard, WechatPay } from "../src/index.js"
import type { WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

/** The card template id of the WeChat docs' examples. */
export const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"

let serial = 0
/** A unique id (codes, out_request_no, out_trade_no) so tests sharing one emulator never collide. */
export const fresh = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(serial++).toString(36)}`

/** Every member-card endpoint the emulator serves. */
export const endpoints: ReadonlyArray<Emulator.EndpointName> = [
  "GetUserCard",
  "UpdateUserCard",
  "SetUserCardRights",
  "PrepareBonus",
  "CommitBonus"
]

/**
 * Listen on 127.0.0.1 (a free port) for the life of the scope; on close, drop every connection and wait for the
 * server to stop. Returns the origin, e.g. `http://127.0.0.1:40123`.
 */
export const listenLoopback = (server: Http.Server): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.callback<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    ),
    () => `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`
  )

/** Whether the server's side of this socket closes within `millis`. */
export const closesWithin = (socket: Net.Socket, millis: number): Effect.Effect<boolean> =>
  Effect.callback<boolean>((resume) => {
    if (socket.destroyed) return resume(Effect.succeed(true))
    const timer = setTimeout(() => resume(Effect.succeed(false)), millis)
    socket.once("close", () => {
      clearTimeout(timer)
      resume(Effect.succeed(true))
    })
    return Effect.sync(() => clearTimeout(timer))
  })

/**
 * A fresh card and one call of `endpoint` against it (CommitBonus after a clean PrepareBonus), with the number of
 * times the emulator applied that write (always 0 for the read).
 */
export const scenario = (endpoint: Emulator.EndpointName) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const code = fresh("c")
    emulator.putCard({ card_id, code, balance: 100, bonus_value: 500 })
    const order = { card_id, code, out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 30 }
    const out_request_no = fresh("r-")
    if (endpoint === "CommitBonus") yield* MemberCard.PrepareBonus.call(order)
    const run: Effect.Effect<unknown, WechatPayError.WechatPayError, MemberCard.Services> = endpoint === "GetUserCard"
      ? MemberCard.GetUserCard.call({ card_id, code })
      : endpoint === "UpdateUserCard"
      ? MemberCard.UpdateUserCard.call({
        card_id,
        code,
        out_request_no,
        balance_information: { before_balance: 100, balance: 112, add_balance: 12 }
      })
      : endpoint === "SetUserCardRights"
      ? MemberCard.SetUserCardRights.call({ card_id, code, out_request_no, add_bonus_value: 9 })
      : endpoint === "PrepareBonus"
      ? MemberCard.PrepareBonus.call(order)
      : MemberCard.CommitBonus.call(order)
    const key = endpoint === "GetUserCard" ? undefined : endpoint.endsWith("Bonus") ? order.out_trade_no : out_request_no
    const applied = () =>
      key === undefined ? 0 : emulator.ledger.filter((e) => e.endpoint === endpoint && e.key === key).length
    return { emulator, code, run: Effect.asVoid(run), applied }
  })

/**
 * The five endpoints on a client over the given `http`, with the identity and keys of `emulator` (any of which
 * `options` may override, e.g. a wrong merchant key).
 */
export const clientOver = (
  emulator: Emulator.EmulatorState,
  http: HttpClient.HttpClient,
  options: Partial<WechatPay.Options> = {}
) =>
  MemberCard.layer.pipe(
    Layer.provideMerge(WechatPay.layer({
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      merchantPrivateKey: emulator.merchantPrivateKey!,
      wechatpayPublicKeys: emulator.wechatpayPublicKeys,
      ...options
    })),
    Layer.provide(Layer.succeed(HttpClientTag.HttpClient, http))
  )

/** What the member-card calls under test need. */
export type Services = MemberCard.Services | Emulator.Emulator

/** Every member-card endpoint on the emulator over real loopback HTTP (node:http transport). */
export const Loopback = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopbackNode()))

/** The characters (code points) of each value: the first test of a suite checks its hand-written values. */
export const lengths = (...values: ReadonlyArray<string>): ReadonlyArray<number> => values.map((s) => [...s].length)

/** A card template of the emulator in context, with a fresh `card_id` unless given (see `EmulatorState.putTemplate`). */
export const putTemplate = (init: Partial<Parameters<Emulator.EmulatorState["putTemplate"]>[0]> = {}) =>
  Effect.map(Emulator.Emulator, (emulator) => emulator.putTemplate({ card_id: fresh("tpl-"), ...init }))

const tagOf = (error: unknown): unknown => (error as { readonly _tag?: unknown } | undefined)?._tag

/**
 * The call is validated and sent exactly once (WeChat may still refuse it on business grounds, but not as a
 * RequestValidationError); its outcome.
 */
export const sentOnce = <A, E, R>(
  call: Effect.Effect<A, E, R>
): Effect.Effect<Result.Result<A, E>, never, R | Emulator.Emulator> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const before = emulator.requests()
    const result = yield* Effect.result(call)
    expect(emulator.requests() - before).toBe(1)
    if (result._tag === "Failure") expect(tagOf(result.failure)).not.toBe("RequestValidationError")
    return result
  })

/** The call is validated, sent exactly once and answered with success; its answer. */
export const accepted = <A, E, R>(
  call: Effect.Effect<A, E, R>
): Effect.Effect<A, never, R | Emulator.Emulator> =>
  Effect.map(sentOnce(call), (result) => {
    expect(result._tag, JSON.stringify(result)).toBe("Success")
    return (result as Result.Success<A, E>).success
  })

/**
 * The call fails with RequestValidationError and nothing is sent. With `field`: the error names it in its message and
 * among its `fields`, as a whole path (`code.1`), or with `match: "top"` as the top-level field of an issue
 * (`jump_miniprogram` for an issue at `jump_miniprogram.path`).
 */
export const refused = <A, E, R>(
  call: Effect.Effect<A, E, R>,
  field?: string,
  match: "path" | "top" = "path"
): Effect.Effect<void, A, R | Emulator.Emulator> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const before = emulator.requests()
    const error = yield* Effect.flip(call)
    expect(tagOf(error)).toBe("RequestValidationError")
    if (field !== undefined) {
      const { fields, issues, message } = error as unknown as WechatPayError.RequestValidationError
      expect(match === "path" ? fields : issues.map((issue) => issue.path[0])).toContain(field)
      expect(message).toContain(field)
    }
    expect(emulator.requests()).toBe(before)
  })

/** The call reaches WeChat and is refused with INVALID_REQUEST and this message. */
export const invalid = <A, E, R>(call: Effect.Effect<A, E, R>, message: string): Effect.Effect<void, A, R> =>
  Effect.map(Effect.flip(call), (error) => {
    expect(error).toMatchObject({ _tag: "InvalidRequest", code: "INVALID_REQUEST", message })
  })

/** mulberry32: a small, fast, seeded random source for the reliability runs (replayable with RELIABILITY_SEED). */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A span as `recordingTracer` keeps it: its name, attributes, and the exit it ended with. */
export interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  exit?: Exit.Exit<unknown, unknown>
}

/**
 * A tracer that records every span (name, attributes and the exit it ends with), for tests that check what reaches a
 * tracer: exporters record a failed span's cause, so the exit counts as much as the attributes.
 */
export const recordingTracer = (): { readonly tracer: Tracer.Tracer; readonly spans: Array<RecordedSpan> } => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span: ({ annotations, kind, links, name, parent, sampled, startTime }) => {
      const record: RecordedSpan = { name, attributes: new Map<string, unknown>() }
      spans.push(record)
      return {
        _tag: "Span",
        name,
        spanId: fresh("span-"),
        traceId: Option.isSome(parent) ? parent.value.traceId : "trace",
        parent,
        annotations,
        status: { _tag: "Started", startTime },
        attributes: record.attributes,
        links,
        sampled,
        kind,
        end: (_end, exit) => {
          record.exit = exit
        },
        attribute: (key, value) => void record.attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
    }
  })
  return { tracer, spans }
}

/** A request that reached the HttpClient, as `recordingClient` records it. */
export interface SentRequest {
  readonly method: string
  readonly url: string
  readonly body: string
}

/**
 * `WechatPay.layer` on the emulator's in-process HttpClient, pushing every request it is handed onto `sent`: how a
 * test proves what went out, and that nothing did.
 */
export const recordingClient = (sent: Array<SentRequest>) => {
  const decoder = new TextDecoder()
  return Layer.unwrap(Effect.map(Emulator.Emulator, (emulator) =>
    WechatPay.layer({
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      merchantPrivateKey: emulator.merchantPrivateKey!,
      wechatpayPublicKeys: emulator.wechatpayPublicKeys
    }).pipe(Layer.provide(Layer.succeed(
      HttpClientTag.HttpClient,
      HttpClientTag.tapRequest(Emulator.httpClient(emulator), (request) =>
        Effect.sync(() => {
          sent.push({
            method: request.method,
            url: request.url,
            body: request.body._tag === "Uint8Array" ? decoder.decode(request.body.body) : ""
          })
        }))
    )))))
}

/**
 * The test's clock, its sleeps counted while they wait: provided to a call (`Effect.provideService(Clock.Clock,
 * clock)`), it tells the test when the call waits on its retry schedule — a call's only sleeps are its backoffs (an
 * attempt's deadline is a wall-clock timer) — so the test moves the clock only then, however long the machine takes
 * to sign an attempt.
 */
export const watchedClock = Effect.gen(function*() {
  const clock = yield* Clock.Clock
  let waiting = 0
  const sleep = (duration: Duration.Duration): Effect.Effect<void> =>
    Effect.suspend(() => {
      waiting++
      return Effect.ensuring(clock.sleep(duration), Effect.sync(() => waiting--))
    })
  return { clock: { ...clock, sleep } satisfies Clock.Clock, backingOff: () => waiting > 0 }
})

/** Wait in real time (signing and verifying run off the JS thread) until the call backs off or ends; 10 s at most. */
export const untilBackingOff = (backingOff: () => boolean, done: () => boolean): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000 && !backingOff() && !done(); i++) yield* TestClock.withLive(Effect.sleep("1 millis"))
    expect(backingOff() || done()).toBe(true)
    // Let the sleep that was just counted register with the test clock before it moves.
    for (let i = 0; i < 10; i++) yield* Effect.yieldNow
  })

/** Until the emulator has answered every request it received (a delayed one included); 10 s of real time at most. */
export const untilAllAnswered = (emulator: Emulator.EmulatorState): Effect.Effect<void> =>
  Effect.gen(function*() {
    const pending = () => emulator.requestJournal().some((entry) => entry.result === undefined)
    // Real time whatever the test's clock (a timer, not Effect's Clock: this runs under a live clock and a test clock).
    for (let i = 0; i < 1000 && pending(); i++) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    expect(pending()).toBe(false)
  })
