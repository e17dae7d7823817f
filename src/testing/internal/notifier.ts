/**
 * Delivery of notifications over HTTP, as WeChat does it: each notification POSTed to the merchant's URL, each
 * attempt signed afresh; a 2xx answer ends it; any other status, no answer within 5 s, or a connection error is
 * retried after the schedule's next wait (`Effect.sleep`, so `TestClock` drives it); after the last attempt it is
 * marked failed. Notifications are delivered independently (concurrently), as WeChat does not order them.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { Emulator } from "./layers.js"
import type { NotificationFault, NotificationRecord } from "./notifications.js"
import { type Delivery, deliveryOf } from "./platform.js"

/** How much of the merchant's answer a record keeps (characters). */
const answerKept = 1024

/** How long WeChat waits for the merchant's answer. */
export const answerTimeout = Duration.seconds(5)

/**
 * Why an attempt got no status, as the record says it. An `HttpClientError` names its reason without the `Error`
 * suffix (`connection error (Transport)`), the wording the records had with Effect 3's `reason` strings.
 */
const describe = (error: unknown): string => {
  if (Cause.isTimeoutError(error)) return "no answer within 5 s"
  if (HttpClientError.isHttpClientError(error)) {
    return `connection error (${error.reason._tag.replace(/Error$/, "")})`
  }
  if (typeof error === "object" && error !== null && "_tag" in error) return String(error._tag)
  return "connection error"
}

/** One POST of `id`; the status, or why there was none. Never fails. */
const post = (
  emulator: Delivery,
  client: HttpClient.HttpClient,
  url: string,
  id: string,
  fault: NotificationFault | undefined
): Effect.Effect<{ readonly status?: number; readonly answer?: string; readonly error?: string }> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const request = emulator.notifications.request(id, Math.floor(now / 1000), fault)
    if (request === undefined) return { error: "unknown notification" }
    const sent = HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeaders(request.headers),
      HttpClientRequest.bodyText(request.body, "application/json")
    )
    return yield* client.execute(sent).pipe(
      // Read the answer to the end, so the connection is released; its first KiB is kept for the record (a merchant's
      // `{"code":"FAIL","message":…}` says why it refused).
      Effect.flatMap((response) =>
        Effect.map(Effect.orElseSucceed(response.text, () => ""), (text) => ({
          status: response.status,
          ...(text !== "" ? { answer: text.slice(0, answerKept) } : {})
        }))
      ),
      Effect.timeout(answerTimeout),
      Effect.catch((error) => Effect.succeed({ error: describe(error) }))
    )
  })

/**
 * The wait before the next attempt of `id` (`Effect.sleep`: `TestClock` drives it), cut short by `deliverNow`; the
 * records know when it ends, for the console.
 */
const wait = (notifications: Delivery["notifications"], id: string, duration: Duration.Duration): Effect.Effect<void> =>
  Effect.gen(function*() {
    const woken = yield* Deferred.make<void>()
    const now = yield* Clock.currentTimeMillis
    notifications.waiting(id, {
      until: now + Duration.toMillis(duration),
      wake: () => void Deferred.doneUnsafe(woken, Effect.void)
    })
    yield* Effect.raceFirst(Effect.sleep(duration), Deferred.await(woken)).pipe(
      Effect.ensuring(Effect.sync(() => notifications.waiting(id, undefined)))
    )
  })

/** Deliver `id` until answered 2xx or the schedule is used up. */
const deliver = (
  emulator: Delivery,
  client: HttpClient.HttpClient,
  id: string
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { notifications, waits } = emulator
    for (let attempt = 0; attempt <= waits.length; attempt++) {
      if (attempt > 0) yield* wait(notifications, id, waits[attempt - 1]!)
      const url = emulator.url(id)
      const fault = url === undefined ? undefined : notifications.takeFault()
      const tries = fault?._tag === "Duplicate" ? 2 : 1
      const at = yield* Clock.currentTimeMillis
      const answers = url === undefined
        ? [{ error: "no callback URL (setCallback or Options.notifyUrl)" }]
        : yield* Effect.all(Array.from({ length: tries }, () => post(emulator, client, url, id, fault)), {
          concurrency: "unbounded"
        })
      for (const answer of answers) {
        notifications.attempted(id, { at, ...answer, ...(fault !== undefined ? { fault } : {}) })
      }
      if (answers.some((answer) => answer.status !== undefined && answer.status >= 200 && answer.status < 300)) {
        return notifications.settle(id, "delivered")
      }
    }
    notifications.settle(id, "failed")
  })

/** See `Emulator.layerNotifier`. */
export const layerNotifier: Layer.Layer<never, never, Emulator | HttpClient.HttpClient> = Layer.effectDiscard(
  Effect.gen(function*() {
    const emulator = deliveryOf(yield* Emulator)
    const client = yield* HttpClient.HttpClient
    const queue = yield* Queue.unbounded<string>()
    yield* Effect.acquireRelease(
      Effect.sync(() => emulator.notifications.subscribe((id) => void Queue.offerUnsafe(queue, id))),
      (unsubscribe) => Effect.sync(unsubscribe)
    )
    // Each delivery is a child of this fiber: closing the scope stops them all.
    yield* Queue.take(queue).pipe(
      Effect.flatMap((id) => Effect.forkChild(deliver(emulator, client, id))),
      Effect.forever,
      Effect.forkScoped
    )
  })
)

/** See `Emulator.awaitNotifications`. */
export const awaitNotifications = (
  until: number | ((records: ReadonlyArray<NotificationRecord>) => boolean)
): Effect.Effect<ReadonlyArray<NotificationRecord>, never, Emulator> =>
  Effect.flatMap(Emulator, (emulator) => emulator.awaitNotifications(until))
