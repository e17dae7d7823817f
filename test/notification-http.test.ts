/**
 * Notification.httpApp on a real server (node:http on 127.0.0.1, a free port, through NodeHttpServer.makeHandler):
 * the answers WeChat gets, how often the handler runs (once per notification, again after a failure), the body
 * limit at and one byte past it, and what is logged.
 */
import * as crypto from "node:crypto"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as HttpApp from "effect/http/HttpEffect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Deferred from "effect/Deferred"
import * as Fiber from "effect/Fiber"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import type * as Scope from "effect/Scope"
import * as Aead from "../src/internal/aead.js"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Verifier from "../src/Verifier.js"

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
const apiV3Key = "Zq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY"
const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
const unionid = "o6_bmasdasdsad6_2sgVt7hMZOPfL"
const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const secrets = [apiV3Key, openid, unionid]

let sequence = 0
const freshId = () => `EV-${Date.now()}-${sequence++}`

interface Delivery {
  readonly headers: Record<string, string>
  readonly body: string
}

/** A member-card notification as WeChat sends it, signed now (real clock). `pad` adds characters to the body. */
const notification = (options: {
  readonly id?: string
  readonly resource?: unknown
  readonly key?: string
  readonly pad?: number
  readonly ts?: number
} = {}): Delivery => {
  const resource = options.resource ?? {
    event_type: "NEW_ACTIVATE",
    card_id,
    event_time: "2024-08-14T12:00:00+08:00",
    openid,
    unionid
  }
  const nonce = "fdasflkja484"
  const envelope = {
    id: options.id ?? freshId(),
    create_time: "2024-08-14T12:00:00+08:00",
    resource_type: "encrypt-resource",
    event_type: "MEMBERCARD.ACCEPT_CARD",
    summary: "领卡通知",
    resource: {
      original_type: "membercard",
      algorithm: "AEAD_AES_256_GCM",
      ciphertext: Effect.runSync(Aead.encrypt(Aead.keyBytes(options.key ?? apiV3Key), nonce, "membercard", Buffer.from(JSON.stringify(resource)))),
      associated_data: "membercard",
      nonce
    },
    ...(options.pad !== undefined ? { padding: "x".repeat(options.pad) } : {})
  }
  return sign(JSON.stringify(envelope), options.ts)
}

const sign = (body: string, at?: number): Delivery => {
  const ts = String(at ?? Math.floor(Date.now() / 1000))
  const nonce = crypto.randomBytes(16).toString("hex")
  return {
    headers: {
      "content-type": "application/json",
      "wechatpay-timestamp": ts,
      "wechatpay-nonce": nonce,
      "wechatpay-serial": keyId,
      "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
      "wechatpay-signature": crypto.sign("sha256", Buffer.from(`${ts}\n${nonce}\n${body}\n`), privateKey).toString("base64"),
      "request-id": "08F78BB5AF0610D302"
    },
    body
  }
}

/** A notification whose body is exactly `size` bytes. */
const ofSize = (size: number): Delivery => {
  const id = freshId()
  const base = Buffer.byteLength(notification({ id, pad: 0 }).body)
  const delivery = notification({ id, pad: size - base })
  expect(Buffer.byteLength(delivery.body)).toBe(size)
  return delivery
}

interface Answer {
  readonly status: number
  readonly body: string
}

/** POST over node:http; `chunked` sends without Content-Length. */
const post = (origin: string, delivery: Delivery, options: { readonly chunked?: boolean; readonly method?: string } = {}) =>
  Effect.callback<Answer, Error>((resume) => {
    const headers: Record<string, string> = { ...delivery.headers }
    if (!options.chunked) headers["content-length"] = String(Buffer.byteLength(delivery.body))
    const request = Http.request(`${origin}/notify`, { method: options.method ?? "POST", headers, agent: false }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (c: Buffer) => chunks.push(c))
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode!, body: Buffer.concat(chunks).toString("utf8") })))
      response.on("error", (e) => resume(Effect.fail(e)))
    })
    request.on("error", (e) => resume(Effect.fail(e)))
    if (options.chunked) {
      // Several writes: the server sees a streamed body of unknown length.
      const bytes = Buffer.from(delivery.body)
      for (let i = 0; i < bytes.length; i += 8192) request.write(bytes.subarray(i, i + 8192))
      request.end()
    } else {
      request.end(delivery.body)
    }
  })

const logs: Array<{ level: string; text: string }> = []
const CapturingLogger = Logger.make((options) => {
  logs.push({ level: options.logLevel.toUpperCase(), text: Logger.formatLogFmt.log(options) })
})

/** Serve `httpApp(handle)` on 127.0.0.1 for the scope; its origin. */
const serve = <E>(
  handle: (event: Notification.Event) => Effect.Effect<void, E>,
  options: Notification.HttpAppOptions = {},
  store: Layer.Layer<NotificationStore.NotificationStore> = NotificationStore.layerMemory()
): Effect.Effect<string, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const handler = yield* NodeHttpServer.makeHandler(Notification.httpApp(handle, options), { scope }).pipe(
      Effect.provide(Layer.mergeAll(
        Notification.layer({ apiV3Key: Redacted.make(apiV3Key) }).pipe(
          Layer.provide(Verifier.layer({ publicKeys: { [keyId]: publicKey } })),
          Layer.orDie
        ),
        store,
        Logger.layer([CapturingLogger])
      ))
    )
    const server = Http.createServer(handler)
    yield* Effect.acquireRelease(
      Effect.callback<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    return `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`
  })

/** A handler that counts its calls and records the events it saw. */
const counting = () => {
  const seen: Array<Notification.Event> = []
  return { seen, handle: (event: Notification.Event) => Effect.sync(() => void seen.push(event)) }
}

const expectFail = (answer: Answer, status: number) => {
  expect(answer.status).toBe(status)
  const body = JSON.parse(answer.body)
  expect(body.code).toBe("FAIL")
  expect(typeof body.message).toBe("string")
  for (const secret of secrets) expect(answer.body).not.toContain(secret)
}

describe("Notification.httpApp over loopback HTTP", () => {
  it.live("answers 204 and hands the typed event to the handler once, even when delivered twice", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      const origin = yield* serve(handle)
      const delivery = notification()
      const first = yield* post(origin, delivery)
      expect(first).toEqual({ status: 204, body: "" })
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatchObject({ _tag: "AcceptCard", resource: { card_id, openid } })
      // WeChat re-sends (e.g. our 204 was lost): same id, fresh timestamp and signature.
      const again = yield* post(origin, notification({ id: seen[0]!.id }))
      expect(again.status).toBe(204)
      expect(seen).toHaveLength(1)
    }))

  it.live("a copy arriving while the first is handled gets 503; later copies 204; the handler runs once", () =>
    Effect.gen(function*() {
      const entered = yield* Deferred.make<void>()
      const proceed = yield* Deferred.make<void>()
      let calls = 0
      const origin = yield* serve(() =>
        Effect.gen(function*() {
          calls++
          yield* Deferred.succeed(entered, undefined)
          yield* Deferred.await(proceed)
        })
      )
      const id = freshId()
      const first = yield* Effect.forkChild(post(origin, notification({ id })))
      yield* Deferred.await(entered)
      const second = yield* post(origin, notification({ id }))
      expectFail(second, 503)
      yield* Deferred.succeed(proceed, undefined)
      expect((yield* Fiber.await(first))._tag).toBe("Success")
      const third = yield* post(origin, notification({ id }))
      expect(third.status).toBe(204)
      expect(calls).toBe(1)
    }))

  it.live("two copies sent at the same time: the handler runs once, one 204 and one 204 or 503", () =>
    Effect.gen(function*() {
      let calls = 0
      const origin = yield* serve(() => Effect.andThen(Effect.sync(() => calls++), Effect.sleep("30 millis")))
      const id = freshId()
      const answers = yield* Effect.all([post(origin, notification({ id })), post(origin, notification({ id }))], {
        concurrency: 2
      })
      const statuses = answers.map((a) => a.status).sort()
      expect(statuses[0]).toBe(204)
      expect([204, 503]).toContain(statuses[1])
      expect(calls).toBe(1)
    }))

  it.live("a handler failure (typed error, defect, interruption) answers 500; the redelivery runs it again", () =>
    Effect.gen(function*() {
      const failures: Array<Effect.Effect<void, string>> = [
        Effect.fail("database unavailable"),
        Effect.die(new Error(`boom for ${openid}`)),
        Effect.interrupt
      ]
      for (const failure of failures) {
        let calls = 0
        const origin = yield* serve(() => Effect.suspend(() => ++calls === 1 ? failure : Effect.void))
        const id = freshId()
        expectFail(yield* post(origin, notification({ id })), 500)
        expect(calls).toBe(1)
        expect((yield* post(origin, notification({ id }))).status).toBe(204)
        expect(calls).toBe(2)
        expect((yield* post(origin, notification({ id }))).status).toBe(204)
        expect(calls).toBe(2)
      }
    }))

  it.live("refusals: forged 401, stale 401, undecryptable 400, undecodable 400, not POST 405; the handler never runs", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      const origin = yield* serve(handle)
      const good = notification()
      const forged = { ...good, body: good.body.replace("领卡通知", "激活通知") }
      expectFail(yield* post(origin, forged), 401)
      const probe = { ...good, headers: { ...good.headers, "wechatpay-signature": "WECHATPAY/SIGNTEST/AAAA" } }
      expectFail(yield* post(origin, probe), 401)
      expectFail(yield* post(origin, notification({ ts: Math.floor(Date.now() / 1000) - 301 })), 401)
      expectFail(yield* post(origin, notification({ key: "Hk2nP8qW4xT6vB1mZ9cL3sR7fJ0dG5aY" })), 400)
      const undecodable = notification({ resource: { event_type: "NEW_ACTIVATE", event_time: "2024-08-14T12:00:00+08:00", openid } })
      expectFail(yield* post(origin, undecodable), 400)
      expectFail(yield* post(origin, sign("not json")), 400)
      expect((yield* post(origin, good, { method: "PUT" })).status).toBe(405)
      expect(seen).toHaveLength(0)
      // The refusals did not claim anything: the genuine notification still goes through.
      expect((yield* post(origin, good)).status).toBe(204)
      expect(seen).toHaveLength(1)
    }))

  it.live("64 KiB is accepted; one byte more is 413 with or without Content-Length; the handler never sees it", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      const origin = yield* serve(handle)
      expect((yield* post(origin, ofSize(65_536))).status).toBe(204)
      expect((yield* post(origin, ofSize(65_536), { chunked: true })).status).toBe(204)
      expect(seen).toHaveLength(2)
      expectFail(yield* post(origin, ofSize(65_537)), 413)
      expectFail(yield* post(origin, ofSize(65_537), { chunked: true }), 413)
      expectFail(yield* post(origin, ofSize(4 * 65_536), { chunked: true }), 413)
      expect(seen).toHaveLength(2)
    }))

  it.live("maxBodyBytes: at the limit accepted, one past refused", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      const delivery = notification()
      const size = Buffer.byteLength(delivery.body)
      const exact = yield* serve(handle, { maxBodyBytes: size })
      expect((yield* post(exact, delivery, { chunked: true })).status).toBe(204)
      const short = yield* serve(handle, { maxBodyBytes: size - 1 })
      expectFail(yield* post(short, notification(), { chunked: true }), 413)
      expectFail(yield* post(short, notification()), 413)
      expect(seen).toHaveLength(1)
      expect(() => Notification.httpApp(handle, { maxBodyBytes: -1 })).toThrow(RangeError)
      expect(() => Notification.httpApp(handle, { maxBodyBytes: 1.5 })).toThrow(RangeError)
    }))

  it.live("refusals and handler failures are logged at warning level with id and reason only, no secrets", () =>
    Effect.gen(function*() {
      logs.length = 0
      let calls = 0
      const origin = yield* serve(() => Effect.suspend(() => ++calls === 1 ? Effect.fail({ _tag: "DbDown", openid }) : Effect.void))
      const id = freshId()
      yield* post(origin, notification({ id }))
      yield* post(origin, notification({ key: "Hk2nP8qW4xT6vB1mZ9cL3sR7fJ0dG5aY", id: "EV-wrong-key" }))
      const good = notification()
      yield* post(origin, { ...good, body: good.body.replace("领卡通知", "激活通知") })
      const warnings = logs.filter((l) => l.level === "WARN")
      expect(warnings).toHaveLength(3)
      expect(warnings[0]!.text).toContain(`notification.id=${id}`)
      expect(warnings[0]!.text).toContain("reason=DbDown")
      expect(warnings[1]!.text).toContain("notification.id=EV-wrong-key")
      expect(warnings[1]!.text).toContain("reason=NotificationDecryptError")
      expect(warnings[2]!.text).toContain("reason=InvalidSignature")
      for (const line of logs) for (const secret of secrets) expect(line.text).not.toContain(secret)
    }))

  it.live("a store of your own is used: claim then complete, or claim then release after a failure", () =>
    Effect.gen(function*() {
      const calls: Array<string> = []
      const memory = NotificationStore.unsafeMakeMemory()
      const recording: NotificationStore.Service = {
        claim: (id) => Effect.tap(memory.claim(id), (c) => Effect.sync(() => calls.push(`claim ${id} ${c._tag}`))),
        extend: (id, owner) => Effect.andThen(Effect.sync(() => calls.push(`extend ${id}`)), memory.extend(id, owner)),
        complete: (id, owner) =>
          Effect.tap(memory.complete(id, owner), (r) => Effect.sync(() => calls.push(`complete ${id} ${r._tag}`))),
        release: (id, owner) =>
          Effect.tap(memory.release(id, owner), (r) => Effect.sync(() => calls.push(`release ${id} ${r._tag}`)))
      }
      let runs = 0
      const origin = yield* serve(
        () => Effect.suspend(() => ++runs === 1 ? Effect.fail("first run fails") : Effect.void),
        {},
        Layer.succeed(NotificationStore.NotificationStore, recording)
      )
      yield* post(origin, notification({ id: "A" }))
      yield* post(origin, notification({ id: "A" }))
      yield* post(origin, notification({ id: "A" }))
      expect(calls).toEqual([
        "claim A Claimed",
        "release A Settled",
        "claim A Claimed",
        "complete A Settled",
        "claim A Done"
      ])
    }))

  it.live("a store that fails answers 500 and the handler does not run", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      const down = (operation: "claim" | "extend" | "complete" | "release") => (id: string) =>
        Effect.fail(new NotificationStore.NotificationStoreError({ operation, id, message: "connection refused" }))
      const origin = yield* serve(handle, {}, Layer.succeed(NotificationStore.NotificationStore, {
        claim: down("claim"),
        extend: down("extend"),
        complete: down("complete"),
        release: down("release")
      }))
      expectFail(yield* post(origin, notification()), 500)
      expect(seen).toHaveLength(0)
    }))

  it.live("a store that cannot record completion still answers 204 (the handler ran; no redelivery wanted)", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      const memory = NotificationStore.unsafeMakeMemory()
      const origin = yield* serve(handle, {}, Layer.succeed(NotificationStore.NotificationStore, {
        ...memory,
        complete: (id) => Effect.fail(new NotificationStore.NotificationStoreError({ operation: "complete", id, message: "timeout" }))
      }))
      expect((yield* post(origin, notification())).status).toBe(204)
      expect(seen).toHaveLength(1)
    }))

  it.live("interrupted from outside while the handler runs (shutdown, aborted request): the id is released", () =>
    Effect.gen(function*() {
      const entered = yield* Deferred.make<void>()
      const store = NotificationStore.unsafeMakeMemory()
      const delivery = notification({ id: "EV-interrupted" })
      const request = HttpServerRequest.fromWeb(
        new Request("http://127.0.0.1/notify", { method: "POST", headers: delivery.headers, body: delivery.body })
      )
      const app = Notification.httpApp(() => Effect.andThen(Deferred.succeed(entered, undefined), Effect.never))
      const fiber = yield* Effect.forkChild(app.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, request),
        Effect.provideService(NotificationStore.NotificationStore, store),
        Effect.provide(Logger.layer([CapturingLogger])),
        Effect.provide(
          Notification.layer({ apiV3Key: Redacted.make(apiV3Key) }).pipe(
            Layer.provide(Verifier.layer({ publicKeys: { [keyId]: publicKey } })),
            Layer.orDie
          )
        )
      ))
      yield* Deferred.await(entered)
      expect((yield* store.claim("EV-interrupted"))._tag).toBe("InProgress")
      yield* Fiber.interrupt(fiber)
      expect((yield* store.claim("EV-interrupted"))._tag).toBe("Claimed")
    }))

  it.live("as a fetch handler (HttpApp.toWebHandlerLayer, as on Bun, Deno, Workers): 204, duplicate once, 413 past the limit", () =>
    Effect.gen(function*() {
      const { seen, handle } = counting()
      // The layer is built once for the handler's life: one store, so duplicates are recognised across requests.
      const { dispose, handler } = HttpApp.toWebHandlerLayer(
        Notification.httpApp(handle),
        Layer.mergeAll(
          Notification.layer({ apiV3Key: Redacted.make(apiV3Key) }).pipe(
            Layer.provide(Verifier.layer({ publicKeys: { [keyId]: publicKey } })),
            Layer.orDie
          ),
          NotificationStore.layerMemory(),
          Logger.layer([CapturingLogger])
        )
      )
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      // A web Request built from a string carries no Content-Length: the limit is counted on the stream.
      const send = (delivery: Delivery) =>
        Effect.promise(() =>
          handler(new Request("http://127.0.0.1/notify", { method: "POST", headers: delivery.headers, body: delivery.body }))
        )
      const delivery = notification()
      expect((yield* send(delivery)).status).toBe(204)
      expect((yield* send(delivery)).status).toBe(204)
      expect(seen).toHaveLength(1)
      expect((yield* send(ofSize(65_536))).status).toBe(204)
      const tooLarge = yield* send(ofSize(65_537))
      expect(tooLarge.status).toBe(413)
      expect(yield* Effect.promise(() => tooLarge.json())).toMatchObject({ code: "FAIL" })
      expect(seen).toHaveLength(2)
    }).pipe(Effect.scoped))

  it.live("spans: Notification.parse and Notification.handle carry the id and event type only; no secret on any span", () =>
    Effect.gen(function*() {
      const spans: Array<{ readonly name: string; readonly attributes: Map<string, unknown> }> = []
      const tracer = Tracer.make({
        span: ({ annotations, kind, links, name, parent, startTime }) => {
          const attributes = new Map<string, unknown>()
          spans.push({ name, attributes })
          return {
            _tag: "Span",
            name,
            spanId: crypto.randomBytes(8).toString("hex"),
            traceId: parent._tag === "Some" ? parent.value.traceId : crypto.randomBytes(16).toString("hex"),
            parent,
            annotations,
            status: { _tag: "Started", startTime },
            attributes,
            links,
            sampled: true,
            kind,
            end: () => {},
            attribute: (key, value) => void attributes.set(key, value),
            event: () => {},
            addLinks: () => {}
          }
        }
      })
      let calls = 0
      const { dispose, handler } = HttpApp.toWebHandlerLayer(
        Notification.httpApp(() => Effect.suspend(() => ++calls === 1 ? Effect.fail({ _tag: "DbDown", openid }) : Effect.void)),
        Layer.mergeAll(
          Notification.layer({ apiV3Key: Redacted.make(apiV3Key) }).pipe(
            Layer.provide(Verifier.layer({ publicKeys: { [keyId]: publicKey } })),
            Layer.orDie
          ),
          NotificationStore.layerMemory(),
          Layer.succeed(Tracer.Tracer, tracer),
          Logger.layer([CapturingLogger])
        )
      )
      yield* Effect.addFinalizer(() => Effect.promise(dispose))
      const send = (delivery: Delivery) =>
        Effect.promise(() =>
          handler(new Request("http://127.0.0.1/notify", { method: "POST", headers: delivery.headers, body: delivery.body }))
        )
      const id = freshId()
      expect((yield* send(notification({ id }))).status).toBe(500)
      expect((yield* send(notification({ id }))).status).toBe(204)
      expect((yield* send(notification({ key: "Hk2nP8qW4xT6vB1mZ9cL3sR7fJ0dG5aY" }))).status).toBe(400)
      const handles = spans.filter((s) => s.name === "Notification.handle")
      expect(handles).toHaveLength(2)
      expect(spans.filter((s) => s.name === "Notification.parse")).toHaveLength(3)
      for (const span of spans.filter((s) => s.name.startsWith("Notification."))) {
        const keys = [...span.attributes.keys()].filter((k) => k !== "code.stacktrace")
        // The handler's span also says how it went, as a word (its error may hold the openid).
        const expected = span.name === "Notification.handle"
          ? ["notification.event_type", "notification.id", "notification.outcome"]
          : ["notification.event_type", "notification.id"]
        expect(keys.sort()).toEqual(expected)
      }
      expect(handles[0]!.attributes.get("notification.id")).toBe(id)
      expect(handles.map((span) => span.attributes.get("notification.outcome"))).toEqual(["DbDown", "handled"])
      for (const span of spans) {
        const text = JSON.stringify([...span.attributes])
        for (const secret of secrets) expect(text).not.toContain(secret)
      }
    }).pipe(Effect.scoped))
})
