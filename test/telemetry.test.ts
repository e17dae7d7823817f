/**
 * Telemetry: the metrics an operator's dashboard reads, after scripted runs against the emulator on 127.0.0.1 (real
 * sockets, real signatures), each run in a metric registry of its own; the retry events on the endpoint span; the
 * notification's server span; and that no openid, card code or phone number is ever an attribute of a metric, a span
 * or a span event.
 */
import * as crypto from "node:crypto"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpApp from "effect/http/HttpEffect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { MemberCard, Notification, NotificationStore, RetryPolicy, Telemetry, Verifier } from "../src/index.js"
import * as NodeTransport from "../src/NodeTransport.js"
import * as PlatformCertificates from "../src/PlatformCertificates.js"
import * as RateLimit from "../src/RateLimit.js"
import * as Signer from "../src/Signer.js"
import { Emulator } from "../src/testing/index.js"
import * as WechatPayClient from "../src/WechatPayClient.js"
import { card_id, fresh } from "./support.js"
import { delivery as signedDelivery } from "./support-notifications.js"
import { RecordedSpan, recordingTracer } from "./support-tracing.js"

// --- reading a registry ---

type Snapshot = ReadonlyArray<Metric.Metric.Snapshot>

/** Run `effect` with a metric registry of its own; its exit and the registry's snapshot afterwards. */
const measured = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const registry: Metric.MetricRegistry = new Map()
    const exit = yield* Effect.exit(Effect.provideService(effect, Metric.MetricRegistry, registry))
    return { exit, snapshot: Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry)) }
  })

/** The series of `name` whose attributes include `attributes`. */
const seriesOf = (snapshot: Snapshot, name: string, attributes: Record<string, string> = {}) =>
  snapshot.filter((s) =>
    s.id === name && Object.entries(attributes).every(([key, value]) => s.attributes?.[key] === value)
  )

/** A counter's total, or a histogram's count, over the matching series. */
const total = (snapshot: Snapshot, name: string, attributes: Record<string, string> = {}): number =>
  seriesOf(snapshot, name, attributes).reduce((sum, s) => {
    if (s.type === "Counter") return sum + Number(s.state.count)
    if (s.type === "Histogram") return sum + s.state.count
    throw new Error(`${name}: not a counter or histogram`)
  }, 0)

/** Every attribute key and value of every series, as text. */
const attributeTexts = (snapshot: Snapshot): Array<string> =>
  snapshot.flatMap((s) => [s.id, ...Object.entries(s.attributes ?? {}).flat()])

/** Every attribute key and value of every span and span event, as text. */
const spanTexts = (spans: ReadonlyArray<RecordedSpan>): Array<string> =>
  spans.flatMap((span) => [
    span.name,
    ...[...span.attributes].flatMap(([key, value]) => [key, String(value)]),
    ...span.events.flatMap((event) => [event.name, JSON.stringify(event.attributes)])
  ])

// --- the client against the emulator ---

const Live = MemberCard.layer.pipe(
  Layer.provideMerge(Emulator.layerLoopbackWith()),
  Layer.provide(FetchHttpClient.layer),
  Layer.provideMerge(RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "5 millis" }))
)

const openid = "oPrivateOpenid4242"
const phone = "13912345678"

const newCard = (emulator: Emulator.EmulatorState) =>
  emulator.putCard({ card_id, code: fresh("t").slice(0, 32), balance: 100, bonus_value: 50, openid, nickname: "张三" })

layer(Live, { excludeTestServices: true })("client metrics (loopback emulator)", (it) => {
  it.effect("a call that succeeds: one call ok, one attempt, one HTTP request 200 to the emulator's host, one signing and one verification", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const server = yield* Emulator.EmulatorServer
      const card = newCard(emulator)
      const { exit, snapshot } = yield* measured(MemberCard.getUserCard({ card_id, code: card.code }))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(total(snapshot, "wechatpay.client.call.duration", { "wechatpay.endpoint": "MemberCard.GetUserCard", "wechatpay.outcome": "ok" })).toBe(1)
      expect(total(snapshot, "wechatpay.client.call.duration")).toBe(1)
      expect(total(snapshot, "wechatpay.client.attempts", { "wechatpay.endpoint": "MemberCard.GetUserCard" })).toBe(1)
      expect(total(snapshot, "wechatpay.client.retries")).toBe(0)
      const url = new URL(server.baseUrl)
      const http = seriesOf(snapshot, "http.client.request.duration")
      expect(http.map((s) => s.attributes)).toEqual([{
        "http.request.method": "GET",
        "server.address": url.hostname,
        "server.port": url.port,
        "http.response.status_code": "200"
      }])
      expect(total(snapshot, "http.client.request.duration")).toBe(1)
      expect(total(snapshot, "wechatpay.client.sign.duration")).toBe(1)
      expect(total(snapshot, "wechatpay.client.verify.duration")).toBe(1)
      // Durations are in seconds: a loopback call takes more than nothing and far less than ten seconds.
      const call = seriesOf(snapshot, "wechatpay.client.call.duration")[0]!
      expect(call.type === "Histogram" && call.state.sum).toBeGreaterThan(0)
      expect(call.type === "Histogram" && call.state.sum).toBeLessThan(10)
    }))

  it.effect("500 SYSTEM_ERROR then success: the retry counted once, under server_error; two attempts; the call ok once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      const { exit, snapshot } = yield* measured(MemberCard.getUserCard({ card_id, code: card.code }))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(total(snapshot, "wechatpay.client.retries")).toBe(1)
      expect(total(snapshot, "wechatpay.client.retries", { "wechatpay.endpoint": "MemberCard.GetUserCard", "wechatpay.retry.reason": "server_error" })).toBe(1)
      expect(total(snapshot, "wechatpay.client.attempts", { "wechatpay.endpoint": "MemberCard.GetUserCard" })).toBe(2)
      expect(total(snapshot, "wechatpay.client.call.duration")).toBe(1)
      expect(total(snapshot, "wechatpay.client.call.duration", { "wechatpay.outcome": "ok" })).toBe(1)
      expect(total(snapshot, "http.client.request.duration", { "http.response.status_code": "500", "error.type": "500" })).toBe(1)
      expect(total(snapshot, "http.client.request.duration", { "http.response.status_code": "200" })).toBe(1)
      // A verification only for the answer that was a success.
      expect(total(snapshot, "wechatpay.client.verify.duration")).toBe(1)
    }))

  it.effect("a 429 RATELIMIT_EXCEEDED is retried under rate_limited", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 429, code: "RATELIMIT_EXCEEDED" } })
      const { exit, snapshot } = yield* measured(MemberCard.getUserCard({ card_id, code: card.code }))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(seriesOf(snapshot, "wechatpay.client.retries").map((s) => s.attributes?.["wechatpay.retry.reason"])).toEqual([
        "rate_limited"
      ])
      expect(total(snapshot, "wechatpay.client.retries", { "wechatpay.retry.reason": "rate_limited" })).toBe(1)
    }))

  it.effect("a dropped connection is retried under transport_connection; its attempt's error.type is Connection", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Drop" } })
      const { exit, snapshot } = yield* measured(MemberCard.getUserCard({ card_id, code: card.code }))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(total(snapshot, "wechatpay.client.retries", { "wechatpay.retry.reason": "transport_connection" })).toBe(1)
      const failed = seriesOf(snapshot, "http.client.request.duration", { "error.type": "Connection" })
      expect(failed).toHaveLength(1)
      expect(failed[0]!.attributes?.["http.response.status_code"]).toBeUndefined()
    }))

  it.effect("a known WeChat code is the call's outcome by name; not retried", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 404, code: "RESOURCE_NOT_EXISTS" } })
      const { exit, snapshot } = yield* measured(MemberCard.getUserCard({ card_id, code: card.code }))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(seriesOf(snapshot, "wechatpay.client.call.duration").map((s) => s.attributes)).toEqual([
        { "wechatpay.endpoint": "MemberCard.GetUserCard", "wechatpay.outcome": "RESOURCE_NOT_EXISTS" }
      ])
      expect(total(snapshot, "wechatpay.client.retries")).toBe(0)
      expect(total(snapshot, "http.client.request.duration", { "error.type": "404" })).toBe(1)
    }))

  it.effect("an unknown WeChat code is folded into other_code: the code itself appears nowhere", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      const unknown = `MC_NEW_${fresh("").toUpperCase()}`
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 400, code: unknown } })
      const { exit, snapshot } = yield* measured(MemberCard.getUserCard({ card_id, code: card.code }))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(total(snapshot, "wechatpay.client.call.duration", { "wechatpay.outcome": "other_code" })).toBe(1)
      for (const text of attributeTexts(snapshot)) expect(text).not.toContain(unknown)
    }))

  it.effect("outcomes for a forged answer, a malformed answer and a request refused before sending", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      const { snapshot } = yield* measured(Effect.gen(function*() {
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "TamperSignature" } })
        yield* Effect.exit(MemberCard.getUserCard({ card_id, code: card.code }))
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "WrongShape" } })
        yield* Effect.exit(MemberCard.getUserCard({ card_id, code: card.code }))
        yield* Effect.exit(MemberCard.getUserCard({ card_id, code: "" }))
      }))
      const outcomes = seriesOf(snapshot, "wechatpay.client.call.duration").map((s) => s.attributes?.["wechatpay.outcome"]).sort()
      expect(outcomes).toEqual(["decode", "validation", "verification"])
      // Nothing was sent for the invalid request: two attempts in all.
      expect(total(snapshot, "wechatpay.client.attempts")).toBe(2)
    }))

  it.effect("Telemetry.layerDisabled: calls, a retry and a failure record nothing, and the span gets no retry event", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      const spans: Array<RecordedSpan> = []
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      const { snapshot } = yield* measured(Effect.gen(function*() {
        yield* MemberCard.getUserCard({ card_id, code: card.code })
        yield* Effect.exit(MemberCard.getUserCard({ card_id, code: "" }))
      }).pipe(Effect.withTracer(recordingTracer(spans)), Effect.provide(Telemetry.layerDisabled)))
      expect(snapshot).toEqual([])
      expect(spans).toHaveLength(2)
      expect(spans.flatMap((span) => span.events)).toEqual([])
    }))

  it.effect("retries are events on the endpoint span: the attempt that starts, why, and the failed one's status and Request-ID", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      const spans: Array<RecordedSpan> = []
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 429, code: "RATELIMIT_EXCEEDED" } })
      const { exit } = yield* measured(
        Effect.flip(MemberCard.getUserCard({ card_id, code: card.code })).pipe(
          Effect.andThen(Effect.succeed("unexpected failure")),
          Effect.catch(() => Effect.void),
          Effect.andThen(MemberCard.getUserCard({ card_id, code: card.code })),
          Effect.withTracer(recordingTracer(spans))
        )
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const calls = spans.filter((span) => span.name === "MemberCard.GetUserCard")
      expect(calls).toHaveLength(2)
      const events = calls.flatMap((span) => span.events)
      // The first call: 500, then 429, then success — two retries on its span; the second call none.
      expect(calls[0]!.events.map((e) => e.name)).toEqual(["wechatpay.retry", "wechatpay.retry"])
      expect(calls[1]!.events).toEqual([])
      expect(events.map((e) => e.attributes)).toEqual([
        {
          "wechatpay.attempt": 2,
          "wechatpay.retry.reason": "server_error",
          "error.type": "SystemError",
          "http.response.status_code": 500,
          "wechatpay.request_id": expect.stringMatching(/^[0-9a-f]{32}$/)
        },
        {
          "wechatpay.attempt": 3,
          "wechatpay.retry.reason": "rate_limited",
          "error.type": "FrequencyLimited",
          "http.response.status_code": 429,
          "wechatpay.request_id": expect.stringMatching(/^[0-9a-f]{32}$/)
        }
      ])
      expect(events[0]!.attributes["wechatpay.request_id"]).not.toBe(events[1]!.attributes["wechatpay.request_id"])
      // The span's own Request-ID is the last answer's, not a failed one's.
      expect(calls[0]!.attributes.get("wechatpay.request_id")).not.toBe(events[1]!.attributes["wechatpay.request_id"])
    }))

  it.effect("no openid, card code or phone number in any metric attribute, span attribute or span event", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      const spans: Array<RecordedSpan> = []
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "Error", status: 429, code: "RATELIMIT_EXCEEDED" } })
      const { snapshot } = yield* measured(Effect.gen(function*() {
        yield* MemberCard.getUserCard({ card_id, code: card.code })
        yield* MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no: fresh("r"), add_bonus_value: 3 })
        yield* Effect.exit(MemberCard.getUserCard({ card_id, code: `${card.code}x` }))
        yield* Effect.exit(MemberCard.searchPhoneMember({ card_id, phone_number: Redacted.make(phone) }))
        yield* Effect.exit(MemberCard.importUserCardByPhone({
          card_id,
          phone_number: Redacted.make(phone),
          out_request_no: fresh("p")
        }))
      }).pipe(Effect.withTracer(recordingTracer(spans))))
      expect(total(snapshot, "wechatpay.client.call.duration")).toBe(5)
      expect(total(snapshot, "wechatpay.client.retries")).toBe(2)
      expect(spans.flatMap((span) => span.events)).toHaveLength(2)
      const texts = [...attributeTexts(snapshot), ...spanTexts(spans)]
      expect(texts.length).toBeGreaterThan(40)
      for (const secret of [openid, card.code, `${card.code}x`, phone]) {
        for (const text of texts) expect(text.includes(secret), `${secret} in ${text}`).toBe(false)
      }
      // No card_id on a metric (spans may carry it), and no mchid.
      for (const text of attributeTexts(snapshot)) {
        expect(text).not.toContain(card_id)
        expect(text).not.toContain(emulator.mchid)
      }
    }))
})

// --- the rate budget ---

describe("rate budget", () => {
  it.live("each take's wait is recorded by budget and endpoint, zero waits included", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Live)
      const emulator = Context.get(context, Emulator.Emulator)
      const card = newCard(emulator)
      const { exit, snapshot } = yield* measured(
        Effect.all(Array.from({ length: 3 }, () => MemberCard.getUserCard({ card_id, code: card.code })), {
          concurrency: "unbounded"
        }).pipe(
          Effect.provide(RateLimit.layerMemory({ perMerchant: { limit: 20, window: "1 second" } })),
          Effect.provide(context)
        )
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const waits = seriesOf(snapshot, "wechatpay.rate_limit.wait.duration")
      expect(waits.map((s) => s.attributes)).toEqual([
        { "wechatpay.rate_limit.budget": "merchant", "wechatpay.endpoint": "MemberCard.GetUserCard" }
      ])
      const state = waits[0]!.type === "Histogram" ? waits[0]!.state : undefined
      expect(state?.count).toBe(3)
      // 20/s: the third waits about 100 ms behind the first.
      expect(state?.min).toBe(0)
      expect(state?.max).toBeGreaterThan(0.05)
      expect(state?.max).toBeLessThan(1)
    }).pipe(Effect.scoped))
})

// --- platform certificates ---

describe("platform certificates", () => {
  it.live("downloads are counted by outcome, and the age of the last good one is read at collection time", () =>
    Effect.gen(function*() {
      const registry: Metric.MetricRegistry = new Map()
      const read = () => Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
      const layer = Layer.unwrap(Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const server = yield* Emulator.EmulatorServer
        const identity = { mchid: emulator.mchid, merchantSerialNumber: emulator.merchantSerialNumber, baseUrl: server.baseUrl }
        return PlatformCertificates.layer({ ...identity, apiV3Key: emulator.apiV3Key }).pipe(
          Layer.provide(Signer.layerRsa({ privateKey: emulator.merchantPrivateKey! })),
          Layer.provide(NodeTransport.layer())
        )
      })).pipe(
        Layer.provideMerge(Emulator.layerServer()),
        Layer.provideMerge(Emulator.layer({ mode: "certificate" })),
        Layer.provide(Layer.succeed(Metric.MetricRegistry, registry))
      )
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(layer)
        expect(total(read(), "wechatpay.platform_certificates.downloads", { "wechatpay.outcome": "ok" })).toBe(1)
        const age = () => read().find((s) => s.id === "wechatpay.platform_certificates.age")
        const first = age()
        expect(first?.type).toBe("Gauge")
        yield* Effect.sleep("30 millis")
        const later = age()
        const value = (s: typeof first) => Number(s?.type === "Gauge" ? s.state.value : Number.NaN)
        expect(value(later)).toBeGreaterThanOrEqual(0.02)
        expect(value(later)).toBeLessThan(5)
        // A failed download: counted under its outcome, and the age keeps growing from the last good one.
        const emulator = Context.get(context, Emulator.Emulator)
        emulator.inject({ endpoint: "DownloadCertificates", fault: { _tag: "Error", status: 403, code: "NO_AUTH" } })
        const refreshed = yield* Effect.exit(Effect.flatMap(PlatformCertificates.Certificates, (c) => c.refresh).pipe(
          Effect.provide(context)
        ))
        expect(Exit.isFailure(refreshed)).toBe(true)
        expect(total(read(), "wechatpay.platform_certificates.downloads", { "wechatpay.outcome": "NO_AUTH" })).toBe(1)
        expect(value(age())).toBeGreaterThanOrEqual(value(later))
      }))
      // The layer closed: the age series is gone, the counts stay.
      expect(read().some((s) => s.id === "wechatpay.platform_certificates.age")).toBe(false)
      expect(total(read(), "wechatpay.platform_certificates.downloads")).toBe(2)
    }))
})

// --- notifications ---

const keys = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
const apiV3Key = "Zq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY"
const requestId = "08F78BB5AF0610D302A8B1C"

/** A member-card notification as WeChat sends it, signed now; `tamper` flips its signature. */
const delivery = (id: string, options: { readonly tamper?: boolean } = {}): Request => {
  const sent = signedDelivery({
    id,
    resource: { event_type: "NEW_ACTIVATE", card_id, code: "C0DE123456789", event_time: "2024-08-14T12:00:00+08:00", openid },
    apiV3Key,
    privateKey: keys.privateKey,
    keyId,
    requestId
  })
  const signature = sent.headers["wechatpay-signature"]!
  return new Request("http://127.0.0.1/notify", {
    method: "POST",
    body: sent.body,
    headers: {
      ...sent.headers,
      "wechatpay-signature": options.tamper === true ? `${signature.slice(0, -4)}AAA=` : signature
    }
  })
}

/** `httpApp(handle)` as a fetch handler over `store`, recording into `registry` and `spans`. */
const notifyHandler = (
  handle: (event: Notification.Event) => Effect.Effect<void, unknown>,
  registry: Metric.MetricRegistry,
  spans: Array<RecordedSpan>,
  store: Layer.Layer<NotificationStore.NotificationStore> = NotificationStore.layerMemory()
) =>
  HttpApp.toWebHandlerLayer(
    Notification.httpApp(handle),
    Layer.mergeAll(
      Notification.layer({ apiV3Key: Redacted.make(apiV3Key) }).pipe(
        Layer.provide(Verifier.layer({ publicKeys: { [keyId]: keys.publicKey } })),
        Layer.orDie
      ),
      store,
      Layer.succeed(Metric.MetricRegistry, registry),
      Layer.succeed(Tracer.Tracer, recordingTracer(spans))
    )
  )

describe("notification metrics and span", () => {
  it.live("received, handled, a duplicate (done), a refusal by reason, a failed handler; store operations timed", () =>
    Effect.gen(function*() {
      const registry: Metric.MetricRegistry = new Map()
      const spans: Array<RecordedSpan> = []
      let calls = 0
      const { dispose, handler } = notifyHandler(
        () => Effect.suspend(() => ++calls === 2 ? Effect.fail({ _tag: "DbDown", openid }) : Effect.void),
        registry,
        spans
      )
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const send = (request: Request) => Effect.promise(() => handler(request))
      const id = `EV-${fresh("")}`
      expect((yield* send(delivery(id))).status).toBe(204)
      expect((yield* send(delivery(id))).status).toBe(204)
      expect((yield* send(delivery(`EV-${fresh("")}`, { tamper: true }))).status).toBe(401)
      expect((yield* send(delivery(`EV-${fresh("")}`))).status).toBe(500)
      expect(calls).toBe(2)
      const snapshot = Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
      expect(total(snapshot, "wechatpay.notifications.received")).toBe(4)
      expect(total(snapshot, "wechatpay.notifications.handled", { "wechatpay.notification.outcome": "ok" })).toBe(1)
      expect(total(snapshot, "wechatpay.notifications.handled", { "wechatpay.notification.outcome": "failed" })).toBe(1)
      expect(seriesOf(snapshot, "wechatpay.notifications.duplicates").map((s) => s.attributes)).toEqual([
        { "wechatpay.notification.state": "done" }
      ])
      expect(total(snapshot, "wechatpay.notifications.duplicates")).toBe(1)
      expect(seriesOf(snapshot, "wechatpay.notifications.refused").map((s) => s.attributes)).toEqual([
        { "wechatpay.notification.reason": "InvalidSignature" }
      ])
      expect(total(snapshot, "wechatpay.notifications.refused")).toBe(1)
      // Three claims (the tampered one never reaches the store), one complete, one release; no error.
      expect(total(snapshot, "wechatpay.notification_store.duration", { "wechatpay.store.operation": "claim" })).toBe(3)
      expect(total(snapshot, "wechatpay.notification_store.duration", { "wechatpay.store.operation": "complete" })).toBe(1)
      expect(total(snapshot, "wechatpay.notification_store.duration", { "wechatpay.store.operation": "release" })).toBe(1)
      expect(total(snapshot, "wechatpay.notification_store.errors")).toBe(0)
      const texts = [...attributeTexts(snapshot), ...spanTexts(spans)]
      for (const secret of [openid, "C0DE123456789", apiV3Key]) {
        for (const text of texts) expect(text.includes(secret), `${secret} in ${text}`).toBe(false)
      }
    }).pipe(Effect.scoped))

  it.live("a store that fails: refused under NotificationStoreError, the claim's error counted and timed", () =>
    Effect.gen(function*() {
      const registry: Metric.MetricRegistry = new Map()
      const failing = Layer.succeed(NotificationStore.NotificationStore, {
        claim: (id) => Effect.fail(new NotificationStore.NotificationStoreError({ operation: "claim", id, message: "down" })),
        extend: () => Effect.die("unused"),
        complete: () => Effect.die("unused"),
        release: () => Effect.die("unused")
      })
      const { dispose, handler } = notifyHandler(() => Effect.void, registry, [], failing)
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      expect((yield* Effect.promise(() => handler(delivery(`EV-${fresh("")}`)))).status).toBe(500)
      const snapshot = Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
      expect(total(snapshot, "wechatpay.notifications.refused", { "wechatpay.notification.reason": "NotificationStoreError" })).toBe(1)
      expect(total(snapshot, "wechatpay.notification_store.errors", { "wechatpay.store.operation": "claim" })).toBe(1)
      expect(total(snapshot, "wechatpay.notification_store.duration", { "wechatpay.store.operation": "claim" })).toBe(1)
      expect(total(snapshot, "wechatpay.notifications.handled")).toBe(0)
    }).pipe(Effect.scoped))

  it.live("one server span per notification: WeChat's Request-ID, the id and event type; parse and handle inside it", () =>
    Effect.gen(function*() {
      const spans: Array<RecordedSpan> = []
      const { dispose, handler } = notifyHandler(() => Effect.void, new Map(), spans)
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const id = `EV-${fresh("")}`
      expect((yield* Effect.promise(() => handler(delivery(id)))).status).toBe(204)
      const servers = spans.filter((span) => span.name === "wechatpay.notification")
      expect(servers).toHaveLength(1)
      const [server] = servers
      expect(server!.kind).toBe("server")
      expect(Object.fromEntries(server!.attributes)).toEqual({
        "wechatpay.request_id": requestId,
        "notification.id": id,
        "notification.event_type": "MEMBERCARD.ACCEPT_CARD",
        "http.response.status_code": 204
      })
      for (const name of ["Notification.parse", "Notification.handle"]) {
        const inner = spans.find((span) => span.name === name)
        expect(inner, name).toBeDefined()
        expect(Option.getOrUndefined(inner!.parent), name).toBe(server)
      }
    }).pipe(Effect.scoped))

  it.live("a Request-ID that does not look like one is not put on the span", () =>
    Effect.gen(function*() {
      const spans: Array<RecordedSpan> = []
      const { dispose, handler } = notifyHandler(() => Effect.void, new Map(), spans)
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const request = delivery(`EV-${fresh("")}`)
      const headers = new Headers(request.headers)
      headers.set("request-id", `${openid} 13912345678`)
      yield* Effect.promise(() => handler(new Request(request, { headers })))
      const server = spans.find((span) => span.name === "wechatpay.notification")!
      expect(server.attributes.has("wechatpay.request_id")).toBe(false)
    }).pipe(Effect.scoped))
})

// The client under WechatPayClient directly: a call without an Endpoint span records no event and fails nothing.
it.live("WechatPayClient.execute without a span still counts attempts", () =>
  Effect.gen(function*() {
    const { snapshot } = yield* measured(Effect.gen(function*() {
      const client = yield* WechatPayClient.WechatPayClient
      const emulator = yield* Emulator.Emulator
      const card = newCard(emulator)
      yield* client.execute({
        endpoint: "Custom.Read",
        method: "GET",
        path: `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}`,
        idempotent: true
      })
    }).pipe(Effect.provide(Live)))
    expect(total(snapshot, "wechatpay.client.attempts", { "wechatpay.endpoint": "Custom.Read" })).toBe(1)
    expect(total(snapshot, "http.client.request.duration", { "http.response.status_code": "200" })).toBe(1)
  }), { timeout: 30_000 })
