/**
 * The body of `Notification.httpApp`: reading the request, refusing, de-duplicating and running the handler. A module of
 * its own, loaded on the first request (`import()` in Notification.ts), because it needs @effect/platform's server
 * modules: an app that only calls WeChat Pay does not load them when it imports the package (cold start).
 *
 * @internal
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Bytes from "../internal/crypto/bytes.js"
import { type Event, type NotificationError, type Notifications, parse } from "../Notification.js"
import { NotificationStore } from "../NotificationStore.js"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

const fail = (status: number, message: string) => HttpServerResponse.unsafeJson({ code: "FAIL", message }, { status })

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

type BodyResult = { readonly _tag: "Body"; readonly bytes: Uint8Array } | { readonly _tag: "TooLarge" } | {
  readonly _tag: "Unreadable"
}

const readBody = (request: HttpServerRequest.HttpServerRequest, max: number): Effect.Effect<BodyResult> => {
  const cap = max + Math.max(max, 1024) * drainFactor
  return request.stream.pipe(
    Stream.runFoldWhile(
      { chunks: [], total: 0 } as Read,
      (read) => read.total <= cap,
      (read, chunk) => {
        read.total += chunk.length
        if (read.total <= max) read.chunks.push(chunk)
        return read
      }
    ),
    Effect.map((read): BodyResult =>
      read.total > max
        ? { _tag: "TooLarge" }
        : { _tag: "Body", bytes: read.chunks.length === 1 ? read.chunks[0]! : Bytes.concat(read.chunks) }
    ),
    Effect.catchAll(() => Effect.succeed<BodyResult>({ _tag: "Unreadable" }))
  )
}

const describeFailure = <E>(cause: Cause.Cause<E>): string => {
  if (Cause.isInterruptedOnly(cause)) return "Interrupted"
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const e: unknown = failure.value
    return isRecord(e) && typeof e._tag === "string" ? e._tag : "Failure"
  }
  return "Defect"
}

/** The app for `handle`, reading at most `max` body bytes (checked by the caller). */
export const app = <E, R>(
  handle: (event: Event) => Effect.Effect<void, E, R>,
  max: number
): HttpApp.Default<never, R | Notifications> => {

  const refuse = (status: number, reason: string, answer: string, id?: string) =>
    Effect.as(
      Effect.logWarning("effect-wechatpay: notification refused").pipe(
        Effect.annotateLogs({ status, reason, ...(id !== undefined ? { "notification.id": id } : {}) })
      ),
      fail(status, answer)
    )

  const run = (event: Event) =>
    Effect.flatMap(NotificationStore, (store) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          // Store calls are judged by their exit: a failure and a defect of a user's store take the same path.
          const claim = yield* Effect.exit(store.claim(event.id))
          if (Exit.isFailure(claim)) {
            return yield* refuse(500, "NotificationStoreError", "the notification store is unavailable", event.id)
          }
          if (claim.value === "done") return HttpServerResponse.empty({ status: 204 })
          if (claim.value === "in-progress") {
            return yield* refuse(503, "InProgress", "the same notification is being processed", event.id)
          }
          // The span ends with the handler's outcome as a word, never with its failure: a user's error may hold the
          // openid, and tracers export a failed span's cause.
          let outcome: Exit.Exit<void, E> = Exit.void
          const ran = yield* Effect.exit(restore(
            Effect.suspend(() => handle(event)).pipe(
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
          ))
          // Interrupted from outside, the span ends interrupted (no data); otherwise it ended successfully.
          const exit = Exit.isFailure(ran) ? ran : outcome
          if (Exit.isSuccess(exit)) {
            const completed = yield* Effect.exit(store.complete(event.id))
            if (Exit.isFailure(completed)) {
              // The handler ran: answering 204 stops redelivery; an error here would only make it run twice.
              yield* Effect.logWarning("effect-wechatpay: notification handled but not recorded as done").pipe(
                Effect.annotateLogs({ "notification.id": event.id, reason: "NotificationStoreError" })
              )
            }
            return HttpServerResponse.empty({ status: 204 })
          }
          const released = yield* Effect.exit(store.release(event.id))
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

  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") {
      return HttpServerResponse.unsafeJson({ code: "FAIL", message: "only POST is accepted" }, {
        status: 405,
        headers: { allow: "POST" }
      })
    }
    const length = request.headers["content-length"]
    if (length !== undefined && /^\d+$/.test(length) && Number(length) > max) {
      return yield* refuse(413, "BodyTooLarge", `the body is larger than ${max} bytes`)
    }
    const body = yield* readBody(request, max)
    if (body._tag === "TooLarge") return yield* refuse(413, "BodyTooLarge", `the body is larger than ${max} bytes`)
    if (body._tag === "Unreadable") return yield* refuse(400, "BodyUnreadable", "the body could not be read")
    const parsed = yield* Effect.either(parse({ headers: request.headers, body: body.bytes }))
    if (Either.isLeft(parsed)) {
      const error = parsed.left
      const id = error._tag === "NotificationVerificationError" ? undefined : error.id
      const reason = error._tag === "NotificationVerificationError" ? error.reason : error._tag
      return yield* refuse(statusOf(error), reason, answerOf(error), id)
    }
    return yield* run(parsed.right)
  })
}
