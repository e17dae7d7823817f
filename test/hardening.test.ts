/**
 * The hardening of the review fixes, as a payment engineer relies on it:
 *
 * 1. a timeout no timer can honour, or a User-Agent that cannot go on one header line, fails the layer at build;
 * 2. every request asks for `accept-encoding: identity`, so `maxResponseBytes` bounds what is actually held;
 * 3. a custom (remote) signer that hangs fails the attempt with a retryable Timeout, and a GET is tried again;
 * 4. the per-attempt deadline stops the request even when the caller runs uninterruptibly;
 * 5. an announced oversized body is refused at once and its request aborted (the connection is not held);
 * 6. pooled connections are dropped before WeChat's 8 s keep-alive, without relying on a server hint;
 * 7. a query is percent-encoded so no URL parser rewrites the signed target.
 *
 * Everything runs on 127.0.0.1 or in process.
 */
import { Buffer } from "node:buffer"
import { readFileSync } from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Zlib from "node:zlib"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { describe, expect, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as HttpClientTransport from "../src/HttpClientTransport.js"
import {
  ConfigurationError,
  Endpoint,
  MemberCard,
  NodeTransport,
  RetryPolicy,
  Signer,
  Transport,
  TransportError,
  Verifier,
  WechatPay,
  WechatPayClient
} from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, closesWithin, fresh, listenLoopback } from "./support.js"

// ---------------------------------------------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------------------------------------------

const fixture = (name: string): string => readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")
const kGo = fixture("k-go.private.pem")
const wxpPublic = fixture("k-java-wxp.public.pem")
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"

/** Build the layer; it must fail with a ConfigurationError, which is returned. */
const buildFails = <A, E>(built: Layer.Layer<A, E>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.scoped(Layer.build(built)))
    if (Exit.isSuccess(exit)) throw new Error("the layer was built")
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    expect(error).toBeInstanceOf(ConfigurationError)
    return error as ConfigurationError
  })

const builds = <A, E>(built: Layer.Layer<A, E>) => Effect.asVoid(Effect.scoped(Layer.build(built)))

/** The emulator's identity and keys, pointed at `baseUrl` (or the default host, for in-process transports). */
const optionsFor = (emulator: Emulator.EmulatorState, baseUrl?: string): WechatPay.Options => ({
  mchid: emulator.mchid,
  merchantSerialNumber: emulator.merchantSerialNumber,
  merchantPrivateKey: emulator.merchantPrivateKey!,
  wechatpayPublicKeys: emulator.wechatpayPublicKeys,
  ...(baseUrl === undefined ? {} : { baseUrl })
})

/** The emulator in process, as an `HttpClient` (no socket). */
const inProcessHttp = (emulator: Emulator.EmulatorState) => Layer.succeed(HttpClient.HttpClient, Emulator.httpClient(emulator))

/** Read a fresh card through `client`: it must come back verified and decoded. */
const readCard = (
  emulator: Emulator.EmulatorState,
  client: Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError>
) =>
  Effect.gen(function*() {
    const card = emulator.putCard({ card_id, code: fresh("h").slice(0, 32), bonus_value: 7 })
    const got = yield* MemberCard.getUserCard({ card_id, code: card.code }).pipe(
      Effect.provide(MemberCard.GetUserCard.layer.pipe(Layer.provide(client)))
    )
    expect(got).toMatchObject({ card_id, code: card.code, openid: card.openid, bonus_value: 7 })
  })

/**
 * The emulator's own request listener behind a node:http server on 127.0.0.1 that also records the request headers
 * exactly as they arrived on the wire (what `Emulator.serve` does not keep).
 */
const emulatorOnWire = (emulator: Emulator.EmulatorState) =>
  Effect.gen(function*() {
    const seen: Array<Http.IncomingHttpHeaders> = []
    const listener = Emulator.requestListener(emulator)
    const server = Http.createServer((req, res) => {
      seen.push(req.headers)
      listener(req, res)
    })
    const origin = yield* listenLoopback(server)
    return { origin, seen }
  })

/** Fails the test (instead of hanging it) if `effect` does not complete within `duration`. */
const within = (duration: Duration.Input) => <A, E, R>(effect: Effect.Effect<A, E, R>, what: string) =>
  Effect.timeoutOrElse(effect, {
    duration,
    orElse: () => Effect.fail(new Error(`${what}: not within ${Duration.format(Duration.fromInputUnsafe(duration))}`))
  })
const within1s = within("1 second")
const within2s = within("2 seconds")
const within10s = within("10 seconds")

/**
 * Effect 3's `Effect.disconnect` (Effect 4 has none): `effect` runs in a detached fiber, so interrupting the caller
 * returns at once; the fiber is asked to stop, not awaited.
 */
const disconnect = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      Effect.forkDetach(restore(effect)),
      (fiber) => restore(Fiber.join(fiber)).pipe(Effect.onInterrupt(() => Effect.sync(() => fiber.interruptUnsafe())))
    )
  )

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const value = yield* effect
    return [value, Date.now() - started] as const
  })

const get = (origin: string, target: string): Transport.WireRequest => ({
  method: "GET",
  origin,
  target,
  headers: { accept: "application/json", "accept-encoding": "identity" },
  body: undefined
})

/** A FetchHttpClient, as `WechatPay.layer` users provide it. */
const fetchClient = Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)

// One emulator (three RSA key pairs) for the whole file; live clock throughout (the deadlines are wall-clock timers).
layer(Emulator.layer(), { excludeTestServices: true })("hardening", (it) => {
  // -------------------------------------------------------------------------------------------------------------
  // 1. options checked at build
  // -------------------------------------------------------------------------------------------------------------

  describe("timeout and userAgent are checked when the layer is built", () => {
    const deps = Layer.mergeAll(
      Layer.succeed(Transport.Transport, { send: () => Effect.die("nothing may be sent") }),
      Signer.layerRsa({ privateKey: Redacted.make(kGo) }),
      Verifier.layer({ publicKeys: { [keyId]: wxpPublic } })
    )
    const identity = { mchid: "1900000001", merchantSerialNumber: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1" }
    const setups: ReadonlyArray<{
      readonly name: string
      readonly make: (options: Partial<WechatPayClient.Options>) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError>
    }> = [
      { name: "WechatPayClient.layer", make: (options) => WechatPayClient.layer({ ...identity, ...options }).pipe(Layer.provide(deps)) },
      {
        name: "WechatPay.layerNode",
        make: (options) =>
          WechatPay.layerNode({
            ...identity,
            merchantPrivateKey: Redacted.make(kGo),
            wechatpayPublicKeys: { [keyId]: wxpPublic },
            ...options
          })
      }
    ]

    const refusedTimeouts: ReadonlyArray<readonly [string, Duration.Input]> = [
      ["zero", "0 millis"],
      ["infinite", Duration.infinity],
      // setTimeout would fire after 1 ms and every call would time out at once.
      ["2³¹ ms, one past the longest timer Node honours", Duration.millis(2 ** 31)]
    ]
    const acceptedTimeouts: ReadonlyArray<readonly [string, Duration.Input]> = [
      ["2³¹−1 ms (~24.8 days), the longest timer", Duration.millis(2_147_483_647)],
      ["1 ms", "1 millis"]
    ]
    const refusedAgents: ReadonlyArray<readonly [string, string]> = [
      ["a line break (header injection)", "shop/1.0\nX-Injected: 1"],
      ["a carriage return", "shop/1.0\r"],
      ["a non-ASCII character", "商户/1.0"],
      ["a Latin-1 character", "caf\u00e9/1.0"],
      ["nothing at all", ""]
    ]

    for (const setup of setups) {
      describe(setup.name, () => {
        for (const [name, timeout] of refusedTimeouts) {
          it.effect(`timeout ${name} → ConfigurationError on "timeout"`, () =>
            Effect.gen(function*() {
              const error = yield* buildFails(setup.make({ timeout }))
              expect(error.option).toBe("timeout")
              expect(error.message).toMatch(/timeout/)
            }))
        }
        for (const [name, timeout] of acceptedTimeouts) {
          it.effect(`timeout ${name} is accepted`, () => builds(setup.make({ timeout })))
        }
        for (const [name, userAgent] of refusedAgents) {
          it.effect(`a userAgent with ${name} → ConfigurationError on "userAgent"`, () =>
            Effect.gen(function*() {
              const error = yield* buildFails(setup.make({ userAgent }))
              expect(error.option).toBe("userAgent")
            }))
        }
        it.effect("the default userAgent, and a printable ASCII one, are accepted", () =>
          Effect.gen(function*() {
            yield* builds(setup.make({}))
            yield* builds(setup.make({ userAgent: WechatPayClient.defaultUserAgent }))
            yield* builds(setup.make({ userAgent: "shop-backend/2.3 (+https://example.com; ops@example.com)" }))
          }))
      })
    }

    it.effect("with the longest accepted timeout a call still gets its answer (the timer does not fire at once), on node:http and on fetch", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const wire = yield* emulatorOnWire(emulator)
        const options = { ...optionsFor(emulator, wire.origin), timeout: Duration.millis(2_147_483_647) }
        yield* readCard(emulator, WechatPay.layerNode(options))
        yield* readCard(emulator, WechatPay.layer(options).pipe(Layer.provide(FetchHttpClient.layer)))
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // 2. accept-encoding: identity
  // -------------------------------------------------------------------------------------------------------------

  describe("every request asks for an uncompressed response", () => {
    const setups: ReadonlyArray<{
      readonly name: string
      readonly make: (options: WechatPay.Options) => Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError>
    }> = [
      { name: "WechatPay.layerNode", make: (options) => WechatPay.layerNode(options) },
      { name: "WechatPay.layer + FetchHttpClient", make: (options) => WechatPay.layer(options).pipe(Layer.provide(FetchHttpClient.layer)) }
    ]
    for (const setup of setups) {
      it.effect(`${setup.name}: accept-encoding: identity arrives on the wire (no gzip, br or deflate), with the default User-Agent`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const wire = yield* emulatorOnWire(emulator)
          yield* readCard(emulator, setup.make(optionsFor(emulator, wire.origin)))
          expect(wire.seen).toHaveLength(1)
          const headers = wire.seen[0]!
          expect(headers["accept-encoding"]).toBe("identity")
          expect(headers["user-agent"]).toBe(WechatPayClient.defaultUserAgent)
        }))
    }

    // A server (or a middlebox) that ignores the request and compresses anyway: a small body on the wire inflates
    // to 64 KiB. Whatever a transport hands back must still be bounded by maxResponseBytes, or the call fail typed.
    describe("a server that compresses anyway cannot get more than maxResponseBytes past the transport", () => {
      const inflated = JSON.stringify({ padding: "x".repeat(64 * 1024) })
      const compressed = Zlib.gzipSync(Buffer.from(inflated))
      const maxResponseBytes = 4096
      const limits: Transport.Limits = { timeoutMillis: 2000, maxResponseBytes }

      const gzipServer = (withLength: boolean) =>
        listenLoopback(Http.createServer((_req, res) => {
          res.writeHead(200, {
            "content-type": "application/json",
            "content-encoding": "gzip",
            ...(withLength ? { "content-length": String(compressed.byteLength) } : {})
          })
          res.end(compressed)
        }))

      const transports: ReadonlyArray<{ readonly name: string; readonly make: Effect.Effect<Transport.Service, unknown, Scope.Scope> }> = [
        { name: "HttpClientTransport over fetch", make: Effect.map(fetchClient, HttpClientTransport.fromHttpClient) },
        { name: "NodeTransport", make: NodeTransport.make() }
      ]

      // Fetch inflates a gzip body whatever accept-encoding asked for, so an encoded body's Content-Length (the
      // compressed size) must not be taken as its size: 116 bytes on the wire inflate to 65 550 here.
      for (const transport of transports) {
        for (const withLength of [true, false]) {
          it.effect(`${transport.name}, ${withLength ? "with" : "without"} Content-Length: the body handed back is at most maxResponseBytes, or ResponseBody`, () =>
            Effect.gen(function*() {
              expect(compressed.byteLength).toBeLessThan(maxResponseBytes)
              const origin = yield* gzipServer(withLength)
              const service = yield* transport.make
              const result = yield* Effect.result(service.send(get(origin, "/v3/gzip"), limits))
              if (Result.isFailure(result)) {
                expect(result.failure).toBeInstanceOf(TransportError)
                expect(result.failure.reason).toBe("ResponseBody")
              } else {
                expect(Buffer.byteLength(result.success.body, "utf8")).toBeLessThanOrEqual(maxResponseBytes)
              }
            }))
        }
      }
    })
  })

  // -------------------------------------------------------------------------------------------------------------
  // 3. a custom signer runs under the attempt's deadline
  // -------------------------------------------------------------------------------------------------------------

  describe("a custom signer (a KMS, an HSM) that never answers", () => {
    /** A signer without the `local` flag that never answers; it counts its calls and their interruptions. */
    const silentSigner = () => {
      const count = { calls: 0, interrupted: 0 }
      const service: Signer.Service = {
        sign: () =>
          Effect.suspend(() => {
            count.calls++
            return Effect.never
          }).pipe(Effect.onInterrupt(() => Effect.sync(() => void count.interrupted++)))
      }
      return { service, count }
    }

    /**
     * The client with `signer`, the emulator's verifier, and HttpClientTransport over the emulator in process; 100 ms
     * per attempt unless `timeout` says otherwise.
     */
    const clientWith = (emulator: Emulator.EmulatorState, signer: Signer.Service, timeout: Duration.Input = "100 millis") =>
      WechatPayClient.layer({
        mchid: emulator.mchid,
        merchantSerialNumber: emulator.merchantSerialNumber,
        timeout
      }).pipe(Layer.provide(Layer.mergeAll(
        Layer.succeed(Signer.Signer, signer),
        Verifier.layer({ publicKeys: emulator.wechatpayPublicKeys }),
        HttpClientTransport.layer.pipe(Layer.provide(inProcessHttp(emulator)))
      )))

    const getCard = (emulator: Emulator.EmulatorState, signer: Signer.Service, timeout?: Duration.Input) => {
      const card = emulator.putCard({ card_id, code: fresh("s").slice(0, 32) })
      return MemberCard.getUserCard({ card_id, code: card.code }).pipe(
        Effect.provide(MemberCard.GetUserCard.layer.pipe(Layer.provide(clientWith(emulator, signer, timeout))))
      )
    }

    const fastRetry = RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "2 millis" })

    it.effect("fails the attempt with a retryable TransportError Timeout naming the signer, after about the timeout; nothing is sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const signer = silentSigner()
        const sentBefore = emulator.requests()
        const [error, millis] = yield* elapsed(within2s(
          Effect.flip(getCard(emulator, signer.service).pipe(Effect.provide(RetryPolicy.layerDisabled))),
          "the call"
        ))
        expect(error).toBeInstanceOf(TransportError)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout", method: "GET" })
        expect((error as TransportError).category).toBe("retryable")
        expect(error.message).toMatch(/signer/i)
        expect(millis).toBeGreaterThanOrEqual(95)
        expect(signer.count).toEqual({ calls: 1, interrupted: 1 })
        expect(emulator.requests()).toBe(sentBefore)
      }))

    it.effect("under the default retry rules a GET is signed again: 1 + maxRetries (3) attempts, each abandoned signature interrupted", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const signer = silentSigner()
        // The bound only stops a hang (four 100 ms deadlines and the client's build, on a machine that may be busy).
        const [error, millis] = yield* elapsed(
          within10s(Effect.flip(getCard(emulator, signer.service).pipe(Effect.provide(fastRetry))), "the call")
        )
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
        expect(signer.count).toEqual({ calls: 4, interrupted: 4 })
        expect(millis).toBeGreaterThanOrEqual(4 * 95)
      }))

    it.effect("a signer that hangs once and then answers: the retry signs and the call succeeds", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const rsa = yield* Signer.makeRsa({ privateKey: emulator.merchantPrivateKey! })
        let calls = 0
        const flaky: Signer.Service = { sign: (message) => (++calls === 1 ? Effect.never : rsa.sign(message)) }
        // 1 s per attempt: the retry's real RSA signature (on the thread pool) and its round trip must fit in one
        // deadline on a busy machine, or a third attempt would be signed.
        const card = yield* within10s(getCard(emulator, flaky, "1 second").pipe(Effect.provide(fastRetry)), "the call")
        expect(card.card_id).toBe(card_id)
        expect(calls).toBe(2)
      }))

    it.effect("the built-in RSA signer says it is local (it always completes, so it needs no deadline)", () =>
      Effect.gen(function*() {
        const made = yield* Signer.makeRsa({ privateKey: Redacted.make(kGo) })
        expect(made.local).toBe(true)
        const layered = yield* Effect.provide(Signer.Signer, Signer.layerRsa({ privateKey: Redacted.make(kGo) }))
        expect(layered.local).toBe(true)
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // 4. the deadline under an uninterruptible caller
  // -------------------------------------------------------------------------------------------------------------

  describe("HttpClientTransport's deadline when the caller runs uninterruptibly", () => {
    it.effect("an HttpClient that never answers → Timeout within about the limit, and the hung request is interrupted and aborted", () =>
      Effect.gen(function*() {
        const interrupted = yield* Deferred.make<void>()
        let signal: AbortSignal | undefined
        const client = HttpClient.make((_request, _url, abortSignal) => {
          signal = abortSignal
          return Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
        })
        const send = HttpClientTransport.fromHttpClient(client).send(get("http://127.0.0.1:8080", "/v3/slow"), {
          timeoutMillis: 100,
          maxResponseBytes: 1024
        })
        // `disconnect`: should the send not end, the test's own timeout can still give up on it.
        const [error, millis] = yield* elapsed(within1s(Effect.flip(disconnect(Effect.uninterruptible(send))), "the send"))
        expect(error).toBeInstanceOf(TransportError)
        expect(error).toMatchObject({ reason: "Timeout", url: "http://127.0.0.1:8080/v3/slow" })
        expect(millis).toBeGreaterThanOrEqual(95)
        yield* within1s(Deferred.await(interrupted), "the hung request was interrupted")
        expect(signal?.aborted).toBe(true)
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // 5. an announced oversized body on HttpClientTransport
  // -------------------------------------------------------------------------------------------------------------

  // The body must be aborted, not merely left unread: the platform would otherwise hold the request open until the
  // response is garbage-collected.
  describe("HttpClientTransport: a Content-Length above maxResponseBytes", () => {
    it.effect("→ ResponseBody at once, and the request is aborted (the body stream is not left open)", () =>
      Effect.gen(function*() {
        let signal: AbortSignal | undefined
        let pulls = 0
        const client = HttpClient.make((request, _url, abortSignal) => {
          signal = abortSignal
          const stream = new ReadableStream<Uint8Array>({
            pull: (controller) => {
              pulls++
              controller.enqueue(new Uint8Array(1024))
            }
          })
          return Effect.succeed(HttpClientResponse.fromWeb(
            request,
            new Response(stream, { status: 200, headers: { "content-length": "5000000" } })
          ))
        })
        const [error] = yield* elapsed(Effect.flip(
          HttpClientTransport.fromHttpClient(client).send(get("http://127.0.0.1:8080", "/v3/big"), {
            timeoutMillis: 5000,
            maxResponseBytes: 1024
          })
        ))
        expect(error).toBeInstanceOf(TransportError)
        expect(error.reason).toBe("ResponseBody")
        expect(signal?.aborted).toBe(true)
        // Refused, not drained: the announced 5 MB are not read (1 KiB per pull) to free the connection.
        expect(pulls).toBeLessThan(16)
      }))

    it.effect("over fetch against 127.0.0.1 → ResponseBody at once, and the connection is dropped, not held", () =>
      Effect.gen(function*() {
        const sockets: Array<Net.Socket> = []
        const server = Http.createServer((_req, res) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": "5000000" })
          res.write("x".repeat(1024))
        })
        server.on("connection", (socket: Net.Socket) => sockets.push(socket))
        const origin = yield* listenLoopback(server)
        const transport = HttpClientTransport.fromHttpClient(yield* fetchClient)
        const [error] = yield* elapsed(Effect.flip(
          transport.send(get(origin, "/v3/big"), { timeoutMillis: 5000, maxResponseBytes: 1024 })
        ))
        expect(error.reason).toBe("ResponseBody")
        expect(sockets).toHaveLength(1)
        expect(yield* closesWithin(sockets[0]!, 1000)).toBe(true)
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // 6. idle keep-alive inside WeChat's 8 s
  // -------------------------------------------------------------------------------------------------------------

  describe("NodeTransport drops idle connections before the server does", () => {
    it.effect("the default idle timeout is shorter than WeChat's (and the emulator's) 8 s keep-alive", () =>
      Effect.gen(function*() {
        expect(Duration.isLessThan(NodeTransport.defaultIdleTimeout, Duration.seconds(8))).toBe(true)
        // The emulator behaves as WeChat: it announces (and enforces) 8 s.
        const emulator = yield* Emulator.Emulator
        const server = yield* Emulator.serve(emulator)
        const transport = yield* NodeTransport.make()
        const response = yield* transport.send(get(server.baseUrl, "/v3/anything"), { timeoutMillis: 2000, maxResponseBytes: 4096 })
        const hint = /timeout=(\d+)/.exec(response.headers["keep-alive"] ?? "")
        expect(hint?.[1]).toBe("8")
        expect(Duration.toMillis(NodeTransport.defaultIdleTimeout)).toBeLessThan(Number(hint![1]) * 1000)
      }))

    it.effect("against a server that sends no Keep-Alive hint and never closes idle connections, the client closes after its idleTimeout", () =>
      Effect.gen(function*() {
        const served: Array<Net.Socket> = []
        // When the server saw each connection close (listened for before anything is answered on it).
        const closedAt = new Map<Net.Socket, Promise<number>>()
        const server = Http.createServer((req, res) => {
          served.push(req.socket)
          closedAt.set(req.socket, new Promise((resolve) => req.socket.once("close", () => resolve(Date.now()))))
          res.end("ok")
        })
        // 0: Node's server neither times idle connections out nor announces a Keep-Alive timeout.
        server.keepAliveTimeout = 0
        const origin = yield* listenLoopback(server)
        const idleMillis = 500
        const short = yield* NodeTransport.make({ idleTimeout: Duration.millis(idleMillis) })
        const long = yield* NodeTransport.make({ idleTimeout: "60 seconds" })
        const limits: Transport.Limits = { timeoutMillis: 2000, maxResponseBytes: 1024 }
        const started = Date.now()
        const first = yield* short.send(get(origin, "/short"), limits)
        yield* long.send(get(origin, "/long"), limits)
        expect(first.headers["keep-alive"]).toBeUndefined()
        expect(first.headers["connection"]).toBe("keep-alive")
        expect(served).toHaveLength(2)
        const [shortSocket, longSocket] = served as [Net.Socket, Net.Socket]
        expect(shortSocket).not.toBe(longSocket)
        // Closed by the client's idle timer (well before the default 4 s), and not at once: the idle time is counted
        // from before the call began, so a slow machine can only lengthen it, never make a correct close look early.
        const shortClosedAt = yield* within2s(Effect.promise(() => closedAt.get(shortSocket)!), "the idle connection's close")
        expect(shortClosedAt - started).toBeGreaterThanOrEqual(idleMillis - 5)
        // The control: the server itself did not close the other, equally idle connection.
        expect(longSocket.destroyed).toBe(false)
      }))
  })

  // -------------------------------------------------------------------------------------------------------------
  // 7. query encoding
  // -------------------------------------------------------------------------------------------------------------

  describe("a GET endpoint with query fields", () => {
    const GetCardWithRemark = Endpoint.make({
      name: "Test.GetCardWithRemark",
      method: "GET",
      path: "/v3/marketing/membercard-open/cards/{card_id}/codes/{code}",
      request: Schema.Struct({ card_id: Schema.String, code: Schema.String, remark: Schema.String }),
      response: Schema.Struct({ card_id: Schema.String, code: Schema.String })
    })

    it.effect("sends !'()* percent-encoded (%21 %27 %28 %29 %2A) and succeeds over HttpClientTransport, signed as sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("q").slice(0, 32) })
        const targets: Array<string> = []
        const inner = HttpClientTransport.fromHttpClient(Emulator.httpClient(emulator))
        const recorder = Layer.succeed(Transport.Transport, {
          send: (request, limits) => {
            targets.push(request.target)
            return inner.send(request, limits)
          }
        })
        const client = WechatPay.layerWith(optionsFor(emulator)).pipe(Layer.provide(recorder))
        const sentBefore = emulator.requests("GetUserCard")
        const call = Effect.flatMap(
          WechatPayClient.WechatPayClient,
          (service) => GetCardWithRemark(service)({ card_id, code: card.code, remark: "it's (gold)*! 金卡&x=1" })
        )
        const got = yield* Effect.provide(call, client)
        expect(got).toEqual({ card_id, code: card.code })
        expect(targets).toEqual([
          `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}` +
          "?remark=it%27s%20%28gold%29%2A%21%20%E9%87%91%E5%8D%A1%26x%3D1"
        ])
        expect(emulator.requests("GetUserCard") - sentBefore).toBe(1)
      }))
  })
})
