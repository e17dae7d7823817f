/**
 * The body of `Notification.httpApp`: reading the request, refusing, de-duplicating and running the handler. A module of
 * its own, loaded on the first request (`import()` in Notification.ts), because it needs `effect/http`'s server
 * modules: an app that only calls WeChat Pay does not load them when it imports the package (cold start).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Bytes from "../internal/crypto/bytes.js"
import * as Telemetry from "../internal/telemetry.js"
import { type DeadLetter, type Event, type NotificationError, type Notifications, parse } from "../Notification.js"
import { NotificationStore, type Service as Store } from "../NotificationStore.js"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

const fail = (status: number, message: string) => HttpServerResponse.jsonUnsafe({ code: "FAIL", message }, { status })

const statusOf = (error: NotificationError): number => error._tag === "NotificationVerificationError" ? 401 : 400

const answerOf = (error: NotificationError): string => {
  switch (error._tag) {
    case "NotificationVerificationError":
      return `signature verification failed (${error.reason})`
    case "NotificationDecryptError":
      return "the resource could not be decrypted"
    case "NotificationDecodeError":
      return "the notification could not be decoded"
  }
}

/** Bytes read so far. Past the limit the rest is counted and dropped — read to its end, so that the 413 reaches the
 * sender (on Node, stopping early destroys the socket) — up to a cap, after which reading stops. */
interface Read {
  readonly chunks: Array<Uint8Array>
  total: number
}

const drainFactor = 16

type BodyResult =
  | { readonly _tag: "Body"; readonly bytes: Uint8Array }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Unreadable" }
  | { readonly _tag: "TimedOut" }

const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  max: number,
  timeout: Duration.Duration
): Effect.Effect<BodyResult> => {
  const cap = max + Math.max(max, 1024) * drainFactor
  return Effect.suspend(() => {
    const read: Read = { chunks: [], total: 0 }
    return Stream.runForEachWhile(request.stream, (chunk) =>
      Effect.sync(() => {
        read.total += chunk.length
        if (read.total <= max) read.chunks.push(chunk)
        return read.total <= cap
      })).pipe(
        Effect.map((): BodyResult =>
          read.total > max
            ? { _tag: "TooLarge" }
            : { _tag: "Body", bytes: read.chunks.length === 1 ? read.chunks[0]! : Bytes.concat(read.chunks) }
        )
      )
  }).pipe(
    Effect.catch(() => Effect.succeed<BodyResult>({ _tag: "Unreadable" })),
    // Read apart from the request and left running when the time is up: stopping a read destroys the socket on Node
    // (the 408 would never be sent). The answer closes the connection, which ends the read; where a runtime keeps a
    // request open anyway, the read is stopped one more timeout later. (A detached fiber and the contenders of a
    // timeout start interruptible, even where the server runs the app uninterruptibly.)
    Effect.timeoutOrElse({
      duration: Duration.times(timeout, 2),
      orElse: () => Effect.succeed<BodyResult>({ _tag: "Unreadable" })
    }),
    Effect.forkDetach,
    Effect.flatMap((reading) =>
      Effect.timeoutOrElse(Fiber.join(reading), {
        duration: timeout,
        orElse: () => Effect.succeed<BodyResult>({ _tag: "TimedOut" })
      })
    )
  )
}

/** Add one to a counter's series, when telemetry is on. */
const count = (series: { readonly updateUnsafe: (input: number, context: Context.Context<never>) => void }) =>
  Effect.withFiber((fiber) => {
    const telemetry = Telemetry.contextOf(fiber)
    if (telemetry !== undefined) series.updateUnsafe(1, telemetry)
    return Effect.void
  })

/**
 * A store operation, timed (`wechatpay.notification_store.duration`) and, when it fails or dies, counted
 * (`wechatpay.notification_store.errors`); an interruption (the keeper stopped, a timeout of `httpApp`'s own) is not a
 * store error. Whatever the store: the memory store, the shared ones, a user's own.
 */
const timed = <A, E>(operation: "claim" | "extend" | "complete" | "release", effect: Effect.Effect<A, E>) =>
  Effect.withFiber((fiber) => {
    const telemetry = Telemetry.contextOf(fiber)
    if (telemetry === undefined) return effect
    const started = Telemetry.now()
    return Effect.onExit(effect, (exit) =>
      Effect.sync(() => {
        Telemetry.storeDuration.get(operation).updateUnsafe((Telemetry.now() - started) / 1000, telemetry)
        if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
          Telemetry.storeErrors.get(operation).updateUnsafe(1, telemetry)
        }
      }))
  })

/** WeChat's `Request-ID`, as a span attribute: an unauthenticated header, so only when it looks like one. */
const requestIdPattern = /^[0-9A-Za-z_-]{1,128}$/

/** The claim could not be kept alive: the handler was interrupted so that no second run overlaps it. */
const leaseLost = { _tag: "LeaseLost" } as const

/**
 * Keep the claim alive until the handler has stopped: extend it every third of its lease. When the store answers
 * `Lost`, or gives no extension before two thirds are gone, the handler is interrupted (`stop`) — and, unless the store
 * said `Lost`, the claim is still extended while it stops: a handler in an uninterruptible region or a slow finalizer
 * keeps the id held until it has really stopped. Only a store that answers `Lost` (or never answers at all) lets the
 * lease lapse under a running handler; that is logged as an error. The keeper is interrupted by its caller once the
 * handler has stopped. `asked` is when the claim was asked for (monotonic ms), so the lease is counted from no later
 * than the store's own start.
 */
const keepAlive = (
  store: Store,
  id: string,
  owner: string,
  asked: number,
  lease: Duration.Duration,
  stop: Effect.Effect<void>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    let length = Duration.toMillis(lease)
    let expires = asked + length
    let stopping = false
    const stopHandler = Effect.suspend(() => {
      if (stopping) return Effect.void
      stopping = true
      return stop
    })
    while (true) {
      // A lease that never ends (a store without expiry) needs no extension.
      if (!Number.isFinite(length)) return yield* Effect.never
      const third = Math.floor(length / 3)
      const now = yield* monotonicMillis
      yield* Effect.sleep(Duration.millis(Math.max(0, expires - (length - third) - now)))
      const start = yield* monotonicMillis
      // Before the handler was asked to stop: no answer by two thirds stops it. Once stopping, each attempt waits a
      // third of the lease for its answer, then asks again: a hung call must not keep the next one from being made.
      const wait = Math.max(expires - third - start, stopping ? third : 0)
      // A store error or defect is asked again: one timeout of a database must not stop the run.
      const extended = yield* timed("extend", store.extend(id, owner)).pipe(
        Effect.sandbox,
        Effect.retry(Schedule.spaced(Duration.millis(Math.max(1, Math.floor(length / 10))))),
        Effect.timeoutOption(Duration.millis(wait)),
        // The retry only ends by the timeout; this gives the type its never-taken error branch.
        Effect.orElseSucceed(() => Option.none())
      )
      if (Option.isNone(extended)) {
        yield* stopHandler
        // Ask again at once (the sleep above is 0 past a third of the lease).
        continue
      }
      if (extended.value._tag === "Lost") {
        yield* stopHandler
        return yield* Effect.logError(
          "effect-wechatpay: notification claim lost while its handler runs; another delivery may run it at the same time"
        ).pipe(Effect.annotateLogs({ "notification.id": id, reason: "ClaimLost" }))
      }
      length = Duration.toMillis(extended.value.lease)
      expires = start + length
    }
  })

/** Milliseconds from a monotonic clock (`Clock.monotonicTimeNanos`: `process.hrtime` on Node; `TestClock` in tests),
 * so that a wall-clock step (NTP) does not move a lease. */
const monotonicMillis = Effect.map(Clock.monotonicTimeNanos, (nanos) => Number(nanos / 1_000_000n))

/**
 * Ask `fiber` to stop without waiting for it: the interruption runs in a fiber of its own, as Effect 3's
 * `Fiber.interruptFork` did. (`fiber.interruptUnsafe()` would run the handler's finalizers, and whatever its exit
 * resumes, on the caller's stack: the keeper would be interrupted before it could log why it stopped the handler.)
 */
const interruptFork = <A, E>(fiber: Fiber.Fiber<A, E>): Effect.Effect<void> =>
  Effect.asVoid(Effect.forkDetach(Fiber.interrupt(fiber)))

/** What the app needs from `httpApp`'s options, checked there. */
export interface Options<R> {
  readonly max: number
  readonly bodyTimeout: Duration.Duration
  readonly onDeadLetter: ((letter: DeadLetter) => Effect.Effect<void, unknown, R>) | undefined
}

const describeFailure = <E>(cause: Cause.Cause<E>): string => {
  if (Cause.hasInterruptsOnly(cause)) return "Interrupted"
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure)) {
    const e: unknown = failure.value
    return isRecord(e) && typeof e._tag === "string" ? e._tag : "Failure"
  }
  return "Defect"
}

/** The app for `handle`. */
export const app = <E, R, R2>(
  handle: (event: Event) => Effect.Effect<void, E, R>,
  options: Options<R2>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  R | R2 | Notifications | HttpServerRequest.HttpServerRequest
> => {
  const { bodyTimeout, max, onDeadLetter } = options

  // Counted as refused by reason, except a copy of a notification being handled: that is a duplicate.
  const refuse = (status: number, reason: string, answer: string, id?: string) =>
    Effect.as(
      Effect.andThen(
        reason === "InProgress"
          ? count(Telemetry.notificationsDuplicates.get("in_progress"))
          : count(Telemetry.notificationsRefused.get(reason)),
        Effect.logWarning("effect-wechatpay: notification refused").pipe(
          Effect.annotateLogs({ status, reason, ...(id !== undefined ? { "notification.id": id } : {}) })
        )
      ),
      fail(status, answer)
    )

  const run = (event: Event) =>
    Effect.flatMap(NotificationStore, (store) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          // Store calls are judged by their exit: a failure and a defect of a user's store take the same path.
          const asked = yield* monotonicMillis
          const claim = yield* Effect.exit(timed("claim", store.claim(event.id)))
          if (Exit.isFailure(claim)) {
            return yield* refuse(500, "NotificationStoreError", "the notification store is unavailable", event.id)
          }
          if (claim.value._tag === "Done") {
            yield* count(Telemetry.notificationsDuplicates.get("done"))
            return HttpServerResponse.empty({ status: 204 })
          }
          if (claim.value._tag === "InProgress") {
            return yield* refuse(503, "InProgress", "the same notification is being processed", event.id)
          }
          const { lease, owner } = claim.value
          // The span ends with the handler's outcome as a word, never with its failure: a user's error may hold the
          // openid, and tracers export a failed span's cause.
          let outcome: Exit.Exit<void, E> = Exit.void
          const handled = Effect.suspend(() => handle(event)).pipe(
            Effect.exit,
            Effect.flatMap((exit) => {
              outcome = exit
              return Effect.annotateCurrentSpan(
                "notification.outcome",
                Exit.isSuccess(exit) ? "handled" : describeFailure(exit.cause)
              )
            }),
            Effect.withSpan("Notification.handle", {
              attributes: { "notification.id": event.id, "notification.event_type": event.event_type }
            })
          )
          // The handler and the keeper run in fibers of their own, interruptible even where the server runs the app
          // uninterruptibly (`HttpEffect` does; `forkChild` starts a fiber interruptible). Whatever ends this request
          // — the handler, the keeper giving up, or an interruption from outside (the client hung up, a timeout) —
          // the handler is interrupted and awaited while the keeper still extends the claim; only then is the claim
          // completed or released. Otherwise a handler in an uninterruptible region or a slow finalizer would outlive
          // its claim, and a redelivery run beside it.
          let stoppedForLease = false
          const handler = yield* Effect.forkChild(handled)
          const keeper = yield* Effect.forkChild(keepAlive(
            store,
            event.id,
            owner,
            asked,
            lease,
            Effect.suspend(() => {
              stoppedForLease = true
              return interruptFork(handler)
            })
          ))
          const waited = yield* Effect.exit(restore(Fiber.await(handler)))
          if (Exit.isFailure(waited)) yield* interruptFork(handler)
          const ran = yield* Fiber.await(handler)
          yield* Fiber.interrupt(keeper)
          // Interrupted for its lease or from outside, the span ends interrupted (no data); otherwise successfully.
          const exit: Exit.Exit<void, unknown> = Exit.isFailure(ran)
            ? (stoppedForLease ? Exit.fail(leaseLost) : ran)
            : outcome
          yield* count(Telemetry.notificationsHandled.get(Exit.isSuccess(exit) ? "ok" : "failed"))
          if (Exit.isSuccess(exit)) {
            const completed = yield* Effect.exit(timed("complete", store.complete(event.id, owner)))
            if (Exit.isFailure(completed) || completed.value._tag === "Lost") {
              // The handler ran: answering 204 stops redelivery; an error here would only make it run twice.
              yield* Effect.logWarning("effect-wechatpay: notification handled but not recorded as done").pipe(
                Effect.annotateLogs({
                  "notification.id": event.id,
                  reason: Exit.isFailure(completed) ? "NotificationStoreError" : "ClaimLost"
                })
              )
            }
            return HttpServerResponse.empty({ status: 204 })
          }
          const released = yield* Effect.exit(timed("release", store.release(event.id, owner)))
          if (Exit.isFailure(released)) {
            yield* Effect.logWarning("effect-wechatpay: notification claim not released").pipe(
              Effect.annotateLogs({ "notification.id": event.id, reason: "NotificationStoreError" })
            )
          }
          return yield* Effect.as(
            Effect.logWarning("effect-wechatpay: notification handler failed").pipe(
              Effect.annotateLogs({ "notification.id": event.id, reason: describeFailure(exit.cause) })
            ),
            fail(500, "the notification could not be processed")
          )
        })
      ))

  /** Hand a verified notification that could not be opened to `onDeadLetter`; its failure is only logged. */
  const deadLetter = (letter: DeadLetter) =>
    onDeadLetter === undefined ? Effect.void : Effect.exit(Effect.suspend(() => onDeadLetter(letter))).pipe(
      Effect.flatMap((exit) =>
        Exit.isSuccess(exit) ? Effect.void : Effect.logWarning("effect-wechatpay: dead letter not stored").pipe(
          Effect.annotateLogs({
            ...(letter.id !== undefined ? { "notification.id": letter.id } : {}),
            reason: describeFailure(exit.cause)
          })
        )
      )
    )

  // One server span per request, under the HTTP server's own if it traces: WeChat's Request-ID, and once verified,
  // the notification's id and event type — never its decrypted resource.
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* count(Telemetry.notificationsReceived)
    const requestId = request.headers["request-id"]
    if (requestId !== undefined && requestIdPattern.test(requestId)) {
      yield* Effect.annotateCurrentSpan("wechatpay.request_id", requestId)
    }
    if (request.method !== "POST") {
      yield* count(Telemetry.notificationsRefused.get("MethodNotAllowed"))
      return HttpServerResponse.jsonUnsafe({ code: "FAIL", message: "only POST is accepted" }, {
        status: 405,
        headers: { allow: "POST" }
      })
    }
    const length = request.headers["content-length"]
    if (length !== undefined && /^\d+$/.test(length) && Number(length) > max) {
      return yield* refuse(413, "BodyTooLarge", `the body is larger than ${max} bytes`)
    }
    const body = yield* readBody(request, max, bodyTimeout)
    if (body._tag === "TooLarge") return yield* refuse(413, "BodyTooLarge", `the body is larger than ${max} bytes`)
    if (body._tag === "TimedOut") {
      // Closing the connection: the rest of a dripping body is not waited for.
      return yield* Effect.map(
        refuse(408, "BodyTimeout", `the body was not received within ${Duration.format(bodyTimeout)}`),
        HttpServerResponse.setHeader("connection", "close")
      )
    }
    if (body._tag === "Unreadable") return yield* refuse(400, "BodyUnreadable", "the body could not be read")
    const parsed = yield* Effect.result(parse({ headers: request.headers, body: body.bytes }))
    if (Result.isFailure(parsed)) {
      const error = parsed.failure
      const id = error._tag === "NotificationVerificationError" ? undefined : error.id
      const reason = error._tag === "NotificationVerificationError" ? error.reason : error._tag
      if (id !== undefined) yield* Effect.annotateCurrentSpan("notification.id", id)
      if (error._tag !== "NotificationVerificationError") {
        yield* deadLetter({
          ...(id !== undefined ? { id } : {}),
          ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
          headers: { ...request.headers },
          body: body.bytes,
          error
        })
      }
      return yield* refuse(statusOf(error), reason, answerOf(error), id)
    }
    yield* Effect.annotateCurrentSpan({
      "notification.id": parsed.success.id,
      "notification.event_type": parsed.success.event_type
    })
    return yield* run(parsed.success)
  }).pipe(
    Effect.tap((response) => Effect.annotateCurrentSpan("http.response.status_code", response.status)),
    Effect.withSpan("wechatpay.notification", { kind: "server" })
  )
}
