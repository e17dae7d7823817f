/**
 * NodeTransport against raw node:http servers on 127.0.0.1 (port 0, one per test, closed with the test's scope).
 *
 * What a payment engineer relies on: the signed target and bytes are what reaches the server (or nothing does);
 * every way a response can go wrong ends in one typed `TransportError` within the limits; a connection that was
 * abandoned half-way is destroyed (never reused for the next payment call); keep-alive actually keeps connections
 * alive, and closing the layer closes them.
 */
import { Buffer } from "node:buffer"
import * as Http from "node:http"
import type * as Net from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { NodeTransport, TransportError } from "../src/index.js"
import { Transport, type Limits, type WireRequest } from "../src/Transport.js"
import { closesWithin, listenLoopback } from "./support.js"

/** A response body (bytes, as the transport returns them) as text. */
const text = (body: Uint8Array): string => Buffer.from(body).toString("utf8")

/** One request as the server saw it. */
interface Seen {
  readonly method: string
  /** The request-target of the request line, as received. */
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  readonly socket: Net.Socket
}

interface Loopback {
  readonly origin: string
  readonly port: number
  /** Requests whose body has fully arrived, in order. */
  readonly seen: Array<Seen>
  /** Connections accepted so far. */
  readonly connections: () => number
  /** Connections currently open. */
  readonly open: () => number
  /** The n-th request (1-based) once it has arrived. */
  readonly arrived: (n: number) => Effect.Effect<Seen>
}

/** The server's side of a request: answer (or misbehave) on `res`. */
type Handler = (seen: Seen, res: Http.ServerResponse) => void

/** A raw node:http server on 127.0.0.1:0 that records what arrives; closed (all sockets) with the scope. */
const serve = (handler: Handler): Effect.Effect<Loopback, never, Scope.Scope> =>
  Effect.gen(function*() {
    const seen: Array<Seen> = []
    const waiters: Array<() => void> = []
    const sockets = new Set<Net.Socket>()
    let connections = 0
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const entry: Seen = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks),
          socket: req.socket
        }
        seen.push(entry)
        for (const wake of waiters.splice(0)) wake()
        handler(entry, res)
      })
    })
    server.on("connection", (socket: Net.Socket) => {
      connections++
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    const origin = yield* listenLoopback(server)
    const arrived = (n: number): Effect.Effect<Seen> =>
      Effect.callback<Seen>((resume) => {
        const check = () => {
          const entry = seen[n - 1]
          if (entry === undefined) waiters.push(check)
          else resume(Effect.succeed(entry))
        }
        check()
      })
    return {
      origin,
      port: Number(new URL(origin).port),
      seen,
      connections: () => connections,
      open: () => sockets.size,
      arrived
    }
  })

/** Active ref'ed timers of this process (what keeps it alive). */
const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length

const limits: Limits = { timeoutMillis: 1000, maxResponseBytes: 1024 }

const get = (origin: string, target: string): WireRequest => ({
  method: "GET",
  origin,
  target,
  headers: { accept: "application/json" },
  body: undefined
})

const send = (request: WireRequest, custom: Partial<Limits> = {}) =>
  Effect.flatMap(Transport, (transport) => transport.send(request, { ...limits, ...custom }))

/** The send's TransportError; a response instead fails the test, showing what came back. */
const failure = (request: WireRequest, custom: Partial<Limits> = {}) =>
  Effect.flatMap(Effect.result(send(request, custom)), (result) => {
    if (Result.isSuccess(result)) {
      return Effect.die(new Error(`Expected a TransportError, but a response came back: ${JSON.stringify(result.success)}`))
    }
    expect(result.failure).toBeInstanceOf(TransportError)
    return Effect.succeed(result.failure)
  })

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const value = yield* effect
    return [value, Date.now() - started] as const
  })

describe("NodeTransport", () => {
  layer(NodeTransport.layer(), { excludeTestServices: true })("on a shared transport", (it) => {
    describe("the request goes on the wire as signed", () => {
      it.effect("the request line carries the target byte-for-byte (percent-encoding, case, query untouched)", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => res.end("{}"))
          // What a URL parser would normalise: lower-case hex, an encoded slash, an empty segment, "+" and an empty
          // value in the query, a quote (WHATWG encodes it in a query).
          const target = "/v3/marketing/membercard-open/cards/pbLatjvWOibDc5-TBnbUk1pD12o0/codes/c%2f1%E4%B8%AD//x" +
            "?appid=wx%3D1&remark=a+b&quote='&empty="
          const response = yield* send(get(server.origin, target))
          expect(response.status).toBe(200)
          expect(server.seen.map((s) => s.url)).toEqual([target])
        }))

      it.effect("method, headers and the exact body bytes arrive, with content-length", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => res.end())
          // UTF-8 with Chinese, and bytes that are not UTF-8 at all: the transport must not re-encode.
          const body = Uint8Array.from([...Buffer.from(`{"level":"金卡","remark":"签名"}`, "utf8"), 0x00, 0xff, 0xfe, 0x0a])
          const headers = {
            authorization: `WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="abc",signature="c2ln",timestamp="1700000000",serial_no="5157F09EFDC096DE15EBE81A47057A7232F1B8E1"`,
            "content-type": "application/json",
            accept: "application/json",
            "wechatpay-serial": "PUB_KEY_ID_0114232134912410000000000000",
            "user-agent": "effect-wechatpay-test"
          }
          yield* send({ method: "PATCH", origin: server.origin, target: "/v3/cards/1", headers, body })
          const [seen] = server.seen
          expect(seen?.method).toBe("PATCH")
          expect(seen?.headers).toMatchObject(headers)
          expect(seen?.headers["content-length"]).toBe(String(body.byteLength))
          expect(seen?.headers["transfer-encoding"]).toBeUndefined()
          expect(seen?.body.equals(Buffer.from(body))).toBe(true)
        }))

      it.effect("a POST with an empty body says content-length: 0; a GET sends no body at all", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => res.end())
          yield* send({ ...get(server.origin, "/empty"), method: "POST", body: new Uint8Array(0) })
          yield* send(get(server.origin, "/none"))
          const [post, plain] = server.seen
          expect(post?.headers["content-length"]).toBe("0")
          expect(post?.body.length).toBe(0)
          expect(plain?.method).toBe("GET")
          expect(plain?.headers["content-length"]).toBeUndefined()
          expect(plain?.headers["transfer-encoding"]).toBeUndefined()
          expect(plain?.body.length).toBe(0)
        }))

      const unsendable: ReadonlyArray<readonly [string, string]> = [
        ["a space", "/v3/cards/a b"],
        ["a tab", "/v3/cards/a\tb"],
        ["a CJK character", "/v3/cards/金卡"],
        // Node lets U+0080–U+00FF through and writes each as one raw byte (é → 0xE9), not as the signed UTF-8.
        ["a Latin-1 character", "/v3/cards/caf\u00e9"],
        // Node lets DEL through as is; a request-target is visible ASCII only (RFC 9112), and a URL parser encodes it.
        ["a control character (DEL)", "/v3/cards/a\u007fb"],
        ["CR LF (header injection)", "/v3/cards/x\r\nx-injected: 1"],
        ["no leading slash", "v3/cards"],
        ["an absolute URL", "http://127.0.0.1:1/v3/cards"]
      ]
      for (const [name, target] of unsendable) {
        it.effect(`a target with ${name} → InvalidUrl, and nothing reaches the server`, () =>
          Effect.gen(function*() {
            const server = yield* serve((_, res) => res.end())
            const error = yield* failure(get(server.origin, target))
            expect(error).toMatchObject({ reason: "InvalidUrl", method: "GET", url: server.origin + target })
            // Give a request that was sent after all the time to arrive.
            yield* Effect.sleep("50 millis")
            expect(server.connections()).toBe(0)
            expect(server.seen).toEqual([])
          }))
      }

      it.effect("an origin that is not http or https → InvalidUrl, and nothing is sent", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => res.end())
          for (const origin of [`ftp://127.0.0.1:${server.port}`, `ws://127.0.0.1:${server.port}`, "file://", "127.0.0.1", ""]) {
            const error = yield* failure(get(origin, "/v3/cards"))
            expect(error.reason, origin).toBe("InvalidUrl")
          }
          yield* Effect.sleep("50 millis")
          expect(server.connections()).toBe(0)
        }))
    })

    describe("the response comes back whole", () => {
      it.effect("status, lower-cased headers, and the body decoded as UTF-8 across chunk boundaries", () =>
        Effect.gen(function*() {
          const text = `{"card_id":"pbLatjvWOibDc5-TBnbUk1pD12o0","level":"金卡"}`
          const bytes = Buffer.from(text, "utf8")
          // Split inside the three bytes of 金, in two writes that go out as separate chunks.
          const cut = bytes.indexOf(Buffer.from("金", "utf8")) + 1
          const server = yield* serve((_, res) => {
            res.writeHead(201, {
              "Content-Type": "application/json; charset=utf-8",
              "Request-ID": "08F78BB5AF0610A5CAF2C70127E6AD06",
              "Wechatpay-Serial": "PUB_KEY_ID_0114232134912410000000000000",
              "X-Mixed-Case": "Value Kept As Is"
            })
            res.write(bytes.subarray(0, cut))
            setTimeout(() => res.end(bytes.subarray(cut)), 10)
          })
          const response = yield* send(get(server.origin, "/v3/cards/1"))
          expect(response.status).toBe(201)
          expect(Buffer.from(response.body).toString("utf8")).toBe(text)
          expect(response.headers).toMatchObject({
            "content-type": "application/json; charset=utf-8",
            "request-id": "08F78BB5AF0610A5CAF2C70127E6AD06",
            "wechatpay-serial": "PUB_KEY_ID_0114232134912410000000000000",
            "x-mixed-case": "Value Kept As Is"
          })
          for (const name of Object.keys(response.headers)) expect(name).toBe(name.toLowerCase())
        }))

      it.effect("a repeated header comes back as one string joined by \", \" (set-cookie included)", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; HttpOnly"])
            res.setHeader("X-Repeated", ["one", "two"])
            res.end("ok")
          })
          const response = yield* send(get(server.origin, "/"))
          expect(response.headers["set-cookie"]).toBe("a=1; Path=/, b=2; HttpOnly")
          expect(response.headers["x-repeated"]).toBe("one, two")
          for (const value of Object.values(response.headers)) expect(typeof value).toBe("string")
        }))

      it.effect("a 204 without a body → body \"\"", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.writeHead(204, { "Request-ID": "r-204" })
            res.end()
          })
          const response = yield* send({ ...get(server.origin, "/v3/cards/1"), method: "PATCH", body: Buffer.from("{}") })
          expect(response).toMatchObject({ status: 204 })
          expect(response.body.byteLength).toBe(0)
          expect(response.headers["request-id"]).toBe("r-204")
        }))

      it.effect("a body of exactly maxResponseBytes is accepted", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => res.end("x".repeat(100)))
          const response = yield* send(get(server.origin, "/"), { maxResponseBytes: 100 })
          expect(response.body.length).toBe(100)
        }))

      it.effect("error statuses are responses, not failures (the client decides what they mean)", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.writeHead(500, { "Content-Type": "application/json" })
            res.end(`{"code":"SYSTEM_ERROR","message":"系统错误"}`)
          })
          const response = yield* send(get(server.origin, "/"))
          expect(response.status).toBe(500)
          expect(text(response.body)).toBe(`{"code":"SYSTEM_ERROR","message":"系统错误"}`)
        }))
    })

    describe("every failure is one typed TransportError within the limits", () => {
      it.effect("a server that never answers → Timeout within about the limit, and the connection is closed", () =>
        Effect.gen(function*() {
          const server = yield* serve(() => {})
          const [error, millis] = yield* elapsed(failure(get(server.origin, "/slow"), { timeoutMillis: 150 }))
          expect(error).toMatchObject({ reason: "Timeout", method: "GET", url: `${server.origin}/slow` })
          expect(millis).toBeGreaterThanOrEqual(140)
          const seen = yield* server.arrived(1)
          expect(yield* closesWithin(seen.socket, 500)).toBe(true)
        }))

      it.effect("headers then a body that stalls → Timeout (one timer covers the last byte), connection closed", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.writeHead(200, { "Content-Length": "100" })
            res.write("x".repeat(10))
          })
          const [error] = yield* elapsed(failure(get(server.origin, "/"), { timeoutMillis: 150 }))
          expect(error.reason).toBe("Timeout")
          expect(yield* closesWithin(server.seen[0]!.socket, 500)).toBe(true)
        }))

      it.effect("a Content-Length above maxResponseBytes → ResponseBody at once, connection destroyed", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.writeHead(200, { "Content-Length": "1000" })
            // Only the headers: refusing must not wait for a body.
            res.flushHeaders()
          })
          const [error] = yield* elapsed(failure(get(server.origin, "/"), { maxResponseBytes: 100, timeoutMillis: 5000 }))
          expect(error.reason).toBe("ResponseBody")
          expect(yield* closesWithin(server.seen[0]!.socket, 500)).toBe(true)
        }))

      it.effect(
        "a chunked body that grows past maxResponseBytes → ResponseBody once past the limit, connection destroyed, the next call gets a fresh one",
        () =>
          Effect.gen(function*() {
            let written = 0
            const server = yield* serve((seen, res) => {
              if (seen.url === "/next") return res.end("fresh")
              res.writeHead(200, { "Content-Type": "application/json" })
              // An endless body: 64 bytes every 5 ms until the client goes away.
              const pump = setInterval(() => {
                if (res.destroyed || res.socket?.destroyed) return clearInterval(pump)
                written += 64
                res.write("x".repeat(64))
              }, 5)
              res.on("close", () => clearInterval(pump))
            })
            const [error] = yield* elapsed(failure(get(server.origin, "/"), { maxResponseBytes: 256, timeoutMillis: 5000 }))
            expect(error.reason).toBe("ResponseBody")
            expect(yield* closesWithin(server.seen[0]!.socket, 500)).toBe(true)
            expect(written).toBeGreaterThan(256)
            expect(written).toBeLessThan(4096)
            // The abandoned connection is not reused: the next response is read on a new one, uncorrupted.
            const next = yield* send(get(server.origin, "/next"))
            expect(text(next.body)).toBe("fresh")
            expect(server.connections()).toBe(2)
          })
      )

      it.effect("the server closes the connection mid-body (Content-Length) → ResponseBody", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.writeHead(200, { "Content-Length": "100" })
            res.write("x".repeat(10), () => setTimeout(() => res.socket?.destroy(), 10))
          })
          const error = yield* failure(get(server.origin, "/"))
          expect(error.reason).toBe("ResponseBody")
        }))

      it.effect("the server closes the connection mid-body (chunked) → ResponseBody", () =>
        Effect.gen(function*() {
          const server = yield* serve((_, res) => {
            res.writeHead(200, { "Content-Type": "application/json" })
            res.write(`{"card_id":`, () => setTimeout(() => res.socket?.destroy(), 10))
          })
          const error = yield* failure(get(server.origin, "/"))
          expect(error.reason).toBe("ResponseBody")
        }))

      it.effect("the server destroys the socket before responding → Connection", () =>
        Effect.gen(function*() {
          const server = yield* serve((seen) => seen.socket.destroy())
          const error = yield* failure({ ...get(server.origin, "/v3/cards/1"), method: "POST", body: Buffer.from("{}") })
          expect(error).toMatchObject({ reason: "Connection", method: "POST", url: `${server.origin}/v3/cards/1` })
          expect(server.seen.length).toBe(1)
        }))

      it.effect("connection refused (a closed port) → Connection", () =>
        Effect.gen(function*() {
          const closed = yield* Effect.scoped(Effect.map(serve(() => {}), (server) => server.origin))
          const [error] = yield* elapsed(failure(get(closed, "/"), { timeoutMillis: 5000 }))
          expect(error.reason).toBe("Connection")
        }))

      it.effect("interrupting a pending send destroys the socket and leaves no timer behind", () =>
        Effect.gen(function*() {
          const server = yield* serve(() => {})
          const timersBefore = activeTimers()
          // A long timeout: if its timer survived the interruption it would keep the process alive for a minute.
          const fiber = yield* Effect.forkChild(send(get(server.origin, "/pending"), { timeoutMillis: 60_000 }))
          const seen = yield* server.arrived(1)
          expect(activeTimers()).toBeGreaterThan(timersBefore)
          yield* Fiber.interrupt(fiber)
          expect(activeTimers()).toBe(timersBefore)
          expect(yield* closesWithin(seen.socket, 500)).toBe(true)
        }))
    })

    it.effect("64 concurrent sends all succeed, each with its own response", () =>
      Effect.gen(function*() {
        const server = yield* serve((seen, res) => {
          // Answer out of order, echoing what arrived.
          setTimeout(() => {
            res.writeHead(200, { "Content-Type": "application/json" })
            res.end(JSON.stringify({ url: seen.url, body: seen.body.toString("utf8") }))
          }, Math.floor(Math.random() * 20))
        })
        const indices = Array.from({ length: 64 }, (_, i) => i)
        const responses = yield* Effect.forEach(
          indices,
          (i) =>
            send({
              method: "POST",
              origin: server.origin,
              target: `/v3/cards/${i}?n=${i}`,
              headers: { "content-type": "application/json" },
              body: Buffer.from(JSON.stringify({ out_request_no: `req-${i}`, remark: "金".repeat(i) }))
            }),
          { concurrency: "unbounded" }
        )
        expect(server.seen.length).toBe(64)
        responses.forEach((response, i) => {
          expect(response.status).toBe(200)
          expect(JSON.parse(Buffer.from(response.body).toString("utf8"))).toEqual({
            url: `/v3/cards/${i}?n=${i}`,
            body: JSON.stringify({ out_request_no: `req-${i}`, remark: "金".repeat(i) })
          })
        })
      }))
  })

  describe("keep-alive pool (a transport of its own)", () => {
    it.live("50 sequential sends reuse one connection; closing the layer's scope destroys the pooled socket", () =>
      Effect.gen(function*() {
        const server = yield* serve((seen, res) => res.end(seen.url))
        const scope = yield* Scope.make()
        const transport = yield* Scope.provide(scope)(NodeTransport.make())
        for (let i = 0; i < 50; i++) {
          const response = yield* transport.send(get(server.origin, `/call/${i}`), limits)
          expect(text(response.body)).toBe(`/call/${i}`)
        }
        expect(server.seen.length).toBe(50)
        expect(server.connections()).toBe(1)
        expect(server.open()).toBe(1)
        const socket = server.seen[49]!.socket
        yield* Scope.close(scope, Exit.void)
        expect(yield* closesWithin(socket, 500)).toBe(true)
        expect(server.open()).toBe(0)
      }))

    it.live("maxSockets bounds the connections per host; calls beyond it wait their turn", () =>
      Effect.gen(function*() {
        const server = yield* serve((seen, res) => setTimeout(() => res.end(seen.url), 10))
        const transport = yield* NodeTransport.make({ maxSockets: 4 })
        const responses = yield* Effect.forEach(
          Array.from({ length: 32 }, (_, i) => i),
          (i) => transport.send(get(server.origin, `/call/${i}`), limits),
          { concurrency: "unbounded" }
        )
        responses.forEach((response, i) => expect(text(response.body)).toBe(`/call/${i}`))
        expect(server.connections()).toBe(4)
      }))

    it.live("a call interrupted or timed out while queued for a connection is never sent later", () =>
      Effect.gen(function*() {
        const held: Array<Http.ServerResponse> = []
        const server = yield* serve((seen, res) => {
          if (seen.url === "/held") held.push(res)
          else res.end(seen.url)
        })
        const transport = yield* NodeTransport.make({ maxSockets: 1 })
        const write = (target: string, timeoutMillis = 5000) =>
          transport.send(
            { method: "POST", origin: server.origin, target, headers: {}, body: Buffer.from(`{"out_request_no":"${target}"}`) },
            { ...limits, timeoutMillis }
          )
        const first = yield* Effect.forkChild(write("/held"))
        yield* server.arrived(1)
        // Both wait for the one connection: one is cancelled by its caller, one runs out of time.
        const cancelled = yield* Effect.forkChild(write("/cancelled"))
        const timedOut = yield* Effect.flip(write("/timed-out", 100))
        expect(timedOut.reason).toBe("Timeout")
        yield* Fiber.interrupt(cancelled)
        held[0]!.end("released")
        expect(text((yield* Fiber.join(first)).body)).toBe("released")
        expect(text((yield* write("/after")).body)).toBe("/after")
        expect(server.seen.map((seen) => seen.url)).toEqual(["/held", "/after"])
      }))

    it.live("an idle pooled connection is closed after idleTimeout", () =>
      Effect.gen(function*() {
        // When the server saw the connection close (listened for before the answer is sent).
        let closed: Promise<number> | undefined
        const server = yield* serve((seen, res) => {
          closed ??= new Promise((resolve) => seen.socket.once("close", () => resolve(Date.now())))
          res.end("ok")
        })
        const idleMillis = 500
        const transport = yield* NodeTransport.make({ idleTimeout: `${idleMillis} millis` })
        const started = Date.now()
        yield* transport.send(get(server.origin, "/"), limits)
        // Closed within about idleTimeout, and not at once: counted from before the call began, so a slow machine can
        // only lengthen the time the connection stayed open, never make a correct close look early.
        const closedAt = yield* Effect.promise(() => closed!).pipe(
          Effect.timeoutOrElse({ duration: "2 seconds", orElse: () => Effect.die("the idle connection was not closed") })
        )
        expect(closedAt - started).toBeGreaterThanOrEqual(idleMillis - 5)
      }))

    it.live("an idleTimeout shorter than a call does not cut the call in flight", () =>
      Effect.gen(function*() {
        const server = yield* serve((_, res) => setTimeout(() => res.end("late but whole"), 200))
        const transport = yield* NodeTransport.make({ idleTimeout: "50 millis" })
        const response = yield* transport.send(get(server.origin, "/"), limits)
        expect(text(response.body)).toBe("late but whole")
      }))
  })

  it.effect("where the runtime offers no node:http (no process.getBuiltinModule), building it fails with a ConfigurationError naming WechatPay.layer", () =>
    Effect.gen(function*() {
      const original = process.getBuiltinModule
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          ;(process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined
        }),
        () => Effect.sync(() => void (process.getBuiltinModule = original))
      )
      const error = yield* Effect.flip(NodeTransport.make())
      expect(error._tag).toBe("ConfigurationError")
      expect(error.option).toBe("transport")
      expect(error.message).toContain("WechatPay.layer with an HttpClient")
    }))
})
