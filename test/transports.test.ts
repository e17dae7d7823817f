/**
 * The transport seam: the client works the same over `HttpClientTransport` (any @effect/platform HttpClient) and
 * `NodeTransport` (node:http), and each way of wiring it (`WechatPay.layer`, `layerWith`, `layerNode`,
 * `layerNodeConfig`) reaches the emulator on 127.0.0.1 and verifies what comes back.
 *
 * What a payment engineer relies on: switching transports changes nothing a caller or WeChat can see (same results,
 * same writes applied once); a request-target that an HTTP stack would rewrite after it was signed is refused before
 * anything is sent; a hung HttpClient cannot hang a payment call past its deadline, and the abandoned request is
 * really abandoned (interrupted and aborted), whether the deadline or the caller gives up.
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as HttpClientTransport from "../src/HttpClientTransport.js"
import {
  ConfigurationError,
  type Encryptor,
  MemberCard,
  NodeTransport,
  ResponseVerificationError,
  TransportError,
  WechatPay,
  type WechatPayClient
} from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import type { Limits, WireRequest } from "../src/Transport.js"
import { card_id, fresh, listenLoopback } from "./support.js"

// ---------------------------------------------------------------------------------------------------------------
// (a) the same story on both transports
// ---------------------------------------------------------------------------------------------------------------

const code = "478515832665"

/** The demo's story, with everything random pinned so two runs on two emulators can be compared. */
const story = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  emulator.putCard({ card_id, code, openid: "oStoryOpenid0001", balance: 888, bonus_value: 500, level: "银卡" })
  const before = yield* MemberCard.getUserCard({ card_id, code })
  const grant = {
    card_id,
    code,
    out_request_no: "pts-20261125-0001",
    before_bonus_value: 500,
    bonus_value: 600,
    add_bonus_value: 100
  }
  const rights = yield* MemberCard.setUserCardRights(grant)
  const order = { card_id, code, out_trade_no: "T20261125001", mchid: emulator.mchid, bonus_value: 30 }
  const prepared = yield* MemberCard.prepareBonus(order)
  const committed = yield* MemberCard.commitBonus(order)
  // The same write again: answered, not applied twice.
  const repeated = yield* MemberCard.setUserCardRights(grant)
  const after = yield* MemberCard.getUserCard({ card_id, code })
  const wrong = yield* Effect.flip(MemberCard.getUserCard({ card_id, code: "000000000000" }))
  return {
    results: {
      before,
      rights,
      prepared,
      committed,
      repeated,
      after,
      wrong: { _tag: wrong._tag, ...("code" in wrong ? { status: wrong.status, code: wrong.code } : {}), message: wrong.message }
    },
    ledger: [...emulator.ledger],
    card: emulator.card(card_id, code),
    order: emulator.order("T20261125001"),
    received: Object.fromEntries(emulator.received)
  }
})

const runStory = (
  loopback: Layer.Layer<
    Emulator.Emulator | Emulator.EmulatorServer | WechatPayClient.WechatPayClient | Encryptor.Encryptor,
    ConfigurationError
  >
) => story.pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(loopback))))

describe("the same story on both transports", () => {
  it.live("GetUserCard, SetUserCardRights (+100 points), PrepareBonus + CommitBonus: identical results and ledger on fetch and node:http", () =>
    Effect.gen(function*() {
      const [overFetch, overNode] = yield* Effect.all([
        runStory(Emulator.layerLoopback()),
        runStory(Emulator.layerLoopbackNode())
      ])
      expect(overNode).toEqual(overFetch)
      // And both are right, not merely equal.
      expect(overFetch.results.before).toMatchObject({ card_id, code, balance: 888, bonus_value: 500, level: "银卡" })
      expect(overFetch.results.after).toMatchObject({ card_id, code, balance: 888, bonus_value: 600, openid: "oStoryOpenid0001" })
      expect(overFetch.results.wrong).toEqual({ _tag: "InvalidRequest", status: 400, code: "INVALID_REQUEST", message: "code不存在" })
      expect(overFetch.ledger).toEqual([
        { endpoint: "SetUserCardRights", card_id, code, key: "pts-20261125-0001", balanceDelta: 0, pointsDelta: 100 },
        { endpoint: "PrepareBonus", card_id, code, key: "T20261125001", balanceDelta: 0, pointsDelta: 0 },
        { endpoint: "CommitBonus", card_id, code, key: "T20261125001", balanceDelta: 0, pointsDelta: 0 }
      ])
      expect(overFetch.order).toEqual({ bonus_value: 30, committed: true })
      expect(overFetch.received).toEqual({ GetUserCard: 3, SetUserCardRights: 2, PrepareBonus: 1, CommitBonus: 1 })
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// (b), (c) HttpClientTransport on stub HttpClients
// ---------------------------------------------------------------------------------------------------------------

const origin = "http://127.0.0.1:8080"
const limits: Limits = { timeoutMillis: 2000, maxResponseBytes: 1024 }
const get = (target: string): WireRequest => ({
  method: "GET",
  origin,
  target,
  headers: { accept: "application/json", authorization: "WECHATPAY2-SHA256-RSA2048 signature=\"c2ln\"" },
  body: undefined
})

/** An HttpClient that answers 200 "{}" and remembers what it was asked to send. */
const counting = () => {
  const seen: Array<{ readonly method: string; readonly target: string }> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      seen.push({ method: request.method, target: url.pathname + url.search })
      return HttpClientResponse.fromWeb(request, new Response("{}", { status: 200, headers: { "request-id": "r-1" } }))
    })
  )
  return { client, seen }
}

/** An HttpClient that never answers; it says when it was entered, interrupted, and whether its signal aborted. */
const hanging = Effect.gen(function*() {
  const started = yield* Deferred.make<void>()
  const interrupted = yield* Deferred.make<void>()
  let signal: AbortSignal | undefined
  const client = HttpClient.make((_request, _url, abortSignal) => {
    signal = abortSignal
    return Deferred.succeed(started, undefined).pipe(
      Effect.andThen(Effect.never),
      Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
    )
  })
  return { client, started, interrupted, aborted: () => signal?.aborted === true }
})

/** Active ref'ed timers of this process (what would keep it alive). */
const activeTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length

/**
 * Let 20 ms pass, then step out of the callback of the timer that woke us: Effect 4 resumes a fiber inside that
 * callback, where Node still counts the timer as active.
 */
const pause20ms = Effect.sleep("20 millis").pipe(Effect.andThen(Effect.yieldNow))

/** Fails the test (instead of hanging it) if `effect` does not complete within a second. */
const within1s = <A, E>(effect: Effect.Effect<A, E>, what: string) =>
  Effect.timeoutOrElse(effect, { duration: "1 second", orElse: () => Effect.fail(new Error(`${what}: not within 1 s`)) })

/** The send's TransportError; a send that outlives its deadline by far fails the test instead of hanging it. */
const flipWithin2s = <A>(send: Effect.Effect<A, TransportError>) =>
  Effect.flip(send).pipe(
    Effect.timeoutOrElse({
      duration: "2 seconds",
      orElse: () => Effect.fail(new Error("the send outlived its deadline by far"))
    })
  )

describe("HttpClientTransport", () => {
  describe("a target the URL parser would rewrite is refused, and the HttpClient is never called", () => {
    const rewritten: ReadonlyArray<readonly [string, string]> = [
      ["a dot-dot segment", "/v3/cards/a/../b"],
      ["a dot segment", "/v3/cards/a/./b"],
      ["a percent-encoded dot-dot segment (WHATWG decodes %2e%2e)", "/v3/cards/%2e%2e/b"],
      ["a percent-encoded dot segment", "/v3/cards/a/%2E/b"],
      ["a backslash (read as a slash)", "/v3/cards/a\\b"],
      ["a space (encoded as %20)", "/v3/cards/a b"],
      ["a tab (removed)", "/v3/cards/a\tb"],
      ["a CJK character (encoded as UTF-8)", "/v3/cards/金卡"],
      ["a backtick (encoded)", "/v3/cards/a`b"],
      ["a quote in the query (encoded as %27)", "/v3/cards/a?remark=it's"],
      ["a fragment (dropped)", "/v3/cards/a?x=1#frag"],
      ["an empty query (the ? dropped)", "/v3/cards/a?"],
      ["userinfo that moves the host", "@evil.example/v3/cards"],
      ["no leading slash (not a URL at all with this origin)", "v3/cards"]
    ]
    for (const [name, target] of rewritten) {
      it.effect(`${name}: ${JSON.stringify(target)} → InvalidUrl`, () =>
        Effect.gen(function*() {
          const { client, seen } = counting()
          const error = yield* Effect.flip(HttpClientTransport.fromHttpClient(client).send(get(target), limits))
          expect(error).toBeInstanceOf(TransportError)
          expect(error).toMatchObject({ reason: "InvalidUrl", method: "GET", url: origin + target })
          expect(error.category).toBe("client")
          expect(seen).toEqual([])
        }))
    }

    const verbatim: ReadonlyArray<readonly [string, string]> = [
      ["percent-encoded UTF-8, an encoded slash, + and = in the query", "/v3/cards/a%2Fb%E4%B8%AD?x=%3D&y=a+b"],
      ["an invalid percent sequence (kept as is)", "/v3/cards/%zz"],
      ["encoded dots inside a segment", "/v3/cards/a%2e%2e"],
      ["an empty segment", "/v3/cards//x"]
    ]
    for (const [name, target] of verbatim) {
      it.effect(`${name}: ${JSON.stringify(target)} is handed to the HttpClient exactly as signed`, () =>
        Effect.gen(function*() {
          const { client, seen } = counting()
          const response = yield* HttpClientTransport.fromHttpClient(client).send(get(target), limits)
          expect(response.status).toBe(200)
          expect(Buffer.from(response.body).toString("utf8")).toBe("{}")
          expect(response.headers["request-id"]).toBe("r-1")
          expect(seen).toEqual([{ method: "GET", target }])
        }))
    }
  })

  describe("the per-attempt deadline", () => {
    it.live("an HttpClient that never answers → Timeout within about the limit; the hung request is interrupted and aborted", () =>
      Effect.gen(function*() {
        const stub = yield* hanging
        const started = Date.now()
        const error = yield* flipWithin2s(
          HttpClientTransport.fromHttpClient(stub.client).send(get("/v3/slow"), { ...limits, timeoutMillis: 100 })
        )
        const millis = Date.now() - started
        expect(error).toBeInstanceOf(TransportError)
        expect(error).toMatchObject({ reason: "Timeout", method: "GET", url: `${origin}/v3/slow` })
        expect(error.category).toBe("retryable")
        // A lower bound only: an upper one breaks on a busy machine; flipWithin2s stops a hang.
        expect(millis).toBeGreaterThanOrEqual(95)
        yield* within1s(Deferred.await(stub.interrupted), "the hung request was interrupted")
        expect(stub.aborted()).toBe(true)
      }))

    it.live("a response whose body never finishes → Timeout too (the deadline covers the last byte)", () =>
      Effect.gen(function*() {
        for (const headers of [{}, { "content-length": "100" }]) {
          const client = HttpClient.make((request) =>
            Effect.succeed(HttpClientResponse.fromWeb(
              request,
              new Response(new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new Uint8Array([123])) }), {
                status: 200,
                headers
              })
            ))
          )
          const error = yield* flipWithin2s(
            HttpClientTransport.fromHttpClient(client).send(get("/v3/stall"), { ...limits, timeoutMillis: 100 })
          )
          expect(error.reason, JSON.stringify(headers)).toBe("Timeout")
        }
      }))

    it.live("interrupting the caller interrupts and aborts the request in flight and leaves no timer behind", () =>
      Effect.gen(function*() {
        const stub = yield* hanging
        const timersBefore = activeTimers()
        const fiber = yield* Effect.forkChild(
          HttpClientTransport.fromHttpClient(stub.client).send(get("/v3/slow"), { ...limits, timeoutMillis: 30_000 })
        )
        yield* within1s(Deferred.await(stub.started), "the request reached the HttpClient")
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        yield* within1s(Deferred.await(stub.interrupted), "the hung request was interrupted")
        expect(stub.aborted()).toBe(true)
        // The 30 s deadline timer was cleared: nothing keeps the process alive for a call nobody waits for.
        yield* pause20ms
        expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
      }))

    it.live("a response within the deadline comes back, and its timer is cleared", () =>
      Effect.gen(function*() {
        const { client } = counting()
        const timersBefore = activeTimers()
        const response = yield* HttpClientTransport.fromHttpClient(client).send(get("/v3/fast"), {
          ...limits,
          timeoutMillis: 30_000
        })
        expect(response.status).toBe(200)
        yield* pause20ms
        expect(activeTimers()).toBeLessThanOrEqual(timersBefore)
      }))

    it.live("over fetch, a 127.0.0.1 server that never answers → Timeout, and the connection is dropped", () =>
      Effect.gen(function*() {
        const sockets: Array<Net.Socket> = []
        const server = Http.createServer(() => {})
        server.on("connection", (socket: Net.Socket) => sockets.push(socket))
        const serverOrigin = yield* listenLoopback(server)
        const fetchClient = yield* Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)
        const error = yield* flipWithin2s(
          HttpClientTransport.fromHttpClient(fetchClient).send(
            { ...get("/v3/slow"), origin: serverOrigin },
            { ...limits, timeoutMillis: 150 }
          )
        )
        expect(error).toMatchObject({ reason: "Timeout", url: `${serverOrigin}/v3/slow` })
        expect(sockets).toHaveLength(1)
        const socket = sockets[0]!
        const closed = yield* Effect.callback<boolean>((resume) => {
          if (socket.destroyed) return resume(Effect.succeed(true))
          const timer = setTimeout(() => resume(Effect.succeed(false)), 1000)
          socket.once("close", () => {
            clearTimeout(timer)
            resume(Effect.succeed(true))
          })
          return Effect.sync(() => clearTimeout(timer))
        })
        expect(closed).toBe(true)
      }))
  })
})

// ---------------------------------------------------------------------------------------------------------------
// (d), (e) the one-line layers against one emulator on 127.0.0.1
// ---------------------------------------------------------------------------------------------------------------

const EmulatorOnLoopback = Emulator.layerServer().pipe(Layer.provideMerge(Emulator.layer()))

/** The emulator's identity and keys, pointed at its socket. */
const optionsFor = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const server = yield* Emulator.EmulatorServer
  const options: WechatPay.Options = {
    mchid: emulator.mchid,
    merchantSerialNumber: emulator.merchantSerialNumber,
    merchantPrivateKey: emulator.merchantPrivateKey!,
    wechatpayPublicKeys: emulator.wechatpayPublicKeys,
    baseUrl: server.baseUrl
  }
  return { emulator, server, options }
})

/** Read a fresh card through `client`; the emulator must have received exactly that one request. */
const readCardThrough = (client: Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError | Config.ConfigError>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const card = emulator.putCard({ card_id, code: fresh("n").slice(0, 32), bonus_value: 42, level: "金卡" })
    const before = emulator.requests("GetUserCard")
    const got = yield* MemberCard.getUserCard({ card_id, code: card.code }).pipe(
      Effect.provide(MemberCard.GetUserCard.layer.pipe(Layer.provide(client)))
    )
    expect(got).toMatchObject({ card_id, code: card.code, bonus_value: 42, level: "金卡", openid: card.openid })
    expect(emulator.requests("GetUserCard") - before).toBe(1)
  })

/** A forged response through `client`: refused as ResponseVerificationError, not retried. */
const forgedThrough = (client: Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const card = emulator.putCard({ card_id, code: fresh("f").slice(0, 32) })
    emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "TamperSignature" } })
    const before = emulator.requests("GetUserCard")
    const error = yield* Effect.flip(
      MemberCard.getUserCard({ card_id, code: card.code }).pipe(
        Effect.provide(MemberCard.GetUserCard.layer.pipe(Layer.provide(client)))
      )
    )
    emulator.clearFaults()
    expect(error).toBeInstanceOf(ResponseVerificationError)
    expect(error).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidSignature", status: 200 })
    // Equality with the header sent is checked on both transports in mutation-wire.test.ts.
    expect((error as ResponseVerificationError).requestId).toMatch(/^[0-9a-f]{32}$/)
    expect(emulator.requests("GetUserCard") - before).toBe(1)
  })

const env = (entries: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(entries))

layer(EmulatorOnLoopback, { excludeTestServices: true })("the one-line layers on the emulator at 127.0.0.1", (it) => {
  describe("WechatPay.layerNode", () => {
    it.effect("needs no other layer, and a call through it is signed, accepted, verified and decoded", () =>
      Effect.gen(function*() {
        const { options } = yield* optionsFor
        // The type is the spec: nothing left to provide.
        const client: Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, never> = WechatPay.layerNode(options)
        yield* readCardThrough(client)
      }))

    it.effect("a forged response → ResponseVerificationError (InvalidSignature), not retried", () =>
      Effect.gen(function*() {
        const { options } = yield* optionsFor
        yield* forgedThrough(WechatPay.layerNode(options))
      }))
  })

  describe("WechatPay.layerNodeConfig (WECHATPAY_* configuration)", () => {
    const variables = Effect.map(optionsFor, ({ emulator, server }) => ({
      WECHATPAY_MCHID: emulator.mchid,
      WECHATPAY_MERCHANT_SERIAL_NUMBER: emulator.merchantSerialNumber,
      WECHATPAY_MERCHANT_PRIVATE_KEY: Redacted.value(emulator.merchantPrivateKey!),
      WECHATPAY_PUBLIC_KEY_ID: emulator.publicKeyId,
      WECHATPAY_PUBLIC_KEY: emulator.publicKey,
      WECHATPAY_BASE_URL: server.baseUrl
    }))

    it.effect("reads identity, key, WeChat Pay public key and base URL from the config and calls the emulator", () =>
      Effect.gen(function*() {
        const config = yield* variables
        yield* readCardThrough(WechatPay.layerNodeConfig().pipe(Layer.provide(env(config))))
      }))

    for (const name of ["WECHATPAY_MCHID", "WECHATPAY_MERCHANT_SERIAL_NUMBER", "WECHATPAY_MERCHANT_PRIVATE_KEY"] as const) {
      it.effect(`without ${name} the layer fails with a ConfigError naming it, and nothing is sent`, () =>
        Effect.gen(function*() {
          const { emulator } = yield* optionsFor
          const { [name]: _missing, ...config } = yield* variables
          const sentBefore = emulator.requests()
          const exit = yield* Effect.exit(Effect.scoped(Layer.build(WechatPay.layerNodeConfig().pipe(Layer.provide(env(config))))))
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isSuccess(exit)) return
          const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
          expect(error).toBeInstanceOf(Config.ConfigError)
          expect(String(error)).toContain(name)
          expect(emulator.requests()).toBe(sentBefore)
        }))
    }

    it.effect("without any WeChat Pay public key or certificate the layer fails with a ConfigurationError", () =>
      Effect.gen(function*() {
        const { WECHATPAY_PUBLIC_KEY: _key, WECHATPAY_PUBLIC_KEY_ID: _id, ...config } = yield* variables
        const exit = yield* Effect.exit(Effect.scoped(Layer.build(WechatPay.layerNodeConfig().pipe(Layer.provide(env(config))))))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isSuccess(exit)) return
        const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
        expect(error).toBeInstanceOf(ConfigurationError)
        expect(error).toMatchObject({ option: "publicKeys" })
      }))
  })

  describe("WechatPay.layer over FetchHttpClient and WechatPay.layerWith over NodeTransport", () => {
    /** FetchHttpClient that counts the requests it is handed. */
    const countedFetch = () => {
      const count = { requests: 0 }
      const client = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, HttpClient.tapRequest(() => Effect.sync(() => count.requests++)))
      ).pipe(Layer.provide(FetchHttpClient.layer))
      return { count, client }
    }

    // Each one-line setup, with the count of requests its HttpClient saw (NodeTransport has none).
    const setups = [
      {
        name: "WechatPay.layer (FetchHttpClient)",
        make: (options: WechatPay.Options) => {
          const fetch = countedFetch()
          return {
            layer: WechatPay.layer(options).pipe(Layer.provide(fetch.client)),
            requests: (() => fetch.count.requests) as (() => number) | undefined
          }
        }
      },
      {
        name: "WechatPay.layerWith + NodeTransport.layer()",
        make: (options: WechatPay.Options) => ({
          layer: WechatPay.layerWith(options).pipe(Layer.provide(NodeTransport.layer())),
          // No HttpClient underneath to count: the emulator's count is the check.
          requests: undefined as (() => number) | undefined
        })
      }
    ]

    for (const setup of setups) {
      it.effect(`${setup.name}: the call goes through it, verified and decoded`, () =>
        Effect.gen(function*() {
          const { options } = yield* optionsFor
          const built = setup.make(options)
          yield* readCardThrough(built.layer)
          // The emulator counted one request (readCardThrough); over fetch, it also went through the given client.
          if (built.requests !== undefined) expect(built.requests()).toBe(1)
        }))

      it.effect(`${setup.name}: a forged response → ResponseVerificationError, not retried`, () =>
        Effect.gen(function*() {
          const { options } = yield* optionsFor
          const built = setup.make(options)
          yield* forgedThrough(built.layer)
          if (built.requests !== undefined) expect(built.requests()).toBe(1)
        }))
    }
  })
})
