/**
 * Hostile responses and bad configuration (issue 4): an oversized or endless body, deeply nested JSON, a huge or
 * malformed header, a non-numeric `Wechatpay-Timestamp`, a server that never answers or answers garbage — each is a
 * typed error, never a crash or a hang. And a layer built from a malformed key, a certificate where a key belongs,
 * an empty key map or a plain-http base URL fails with a `ConfigurationError` that names the problem and never
 * echoes key material.
 */
import * as crypto from "node:crypto"
import * as net from "node:net"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { MemberCard, RetryPolicy, WechatPay } from "../src/index.js"
import type { WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, clientOver, endpoints, scenario } from "./support.js"

type EndpointName = Emulator.EndpointName
type Services = MemberCard.Services

const fastRetry = RetryPolicy.layer({ baseDelay: "5 millis", maxDelay: "20 millis" })
const noRetry = Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.disabled)

/** The failure of an exit, or a description of how it was not a typed failure. */
const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | string =>
  Exit.isSuccess(exit)
    ? "success"
    : Cause.findErrorOption(exit.cause).pipe((o) => (o._tag === "Some" ? o.value : `defect: ${Cause.pretty(exit.cause).slice(0, 300)}`))

describe("reliability: hostile responses", () => {
  layer(
    MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopback({ client: { timeout: "2 seconds" } })), Layer.provideMerge(fastRetry)),
    { excludeTestServices: true }
  )("from the loopback emulator", (it) => {
    it.effect("a 2 MiB body (limit 1 MiB) → TransportError ResponseBody, one request when retries are off", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "OversizedBody", bytes: 2 * 1024 * 1024 }, times: 10 })
        const before = emulator.requests("GetUserCard")
        const error = yield* Effect.flip(run.pipe(noRetry))
        expect(error).toMatchObject({ _tag: "TransportError", reason: "ResponseBody", method: "GET" })
        expect(emulator.requests("GetUserCard") - before).toBe(1)
        // With the default policy it counts as a transport failure: repeated, bounded.
        const again = yield* Effect.flip(run)
        expect(again).toMatchObject({ _tag: "TransportError", reason: "ResponseBody" })
        expect(emulator.requests("GetUserCard") - before).toBe(5)
        emulator.clearFaults()
      }))

    for (const endpoint of endpoints.filter((e) => e !== "GetUserCard")) {
      it.effect(`a 2 MiB body once on ${endpoint} (after the write was applied) → the repeat succeeds, applied once`, () =>
        Effect.gen(function*() {
          const { applied, emulator, run } = yield* scenario(endpoint)
          emulator.inject({ endpoint, fault: { _tag: "OversizedBody", bytes: 2 * 1024 * 1024 } })
          const before = emulator.requests(endpoint)
          yield* run
          expect(emulator.requests(endpoint) - before).toBe(2)
          expect(applied()).toBe(1)
        }))
    }

    it.effect("JSON nested 100,000 deep on GetUserCard → ResponseDecodeError (a typed error, not a crash)", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "DeepJson", depth: 100_000 } })
        const before = emulator.requests("GetUserCard")
        const exit = yield* Effect.exit(run)
        emulator.clearFaults()
        const failure = failureOf(exit)
        expect(typeof failure === "string" ? failure : failure._tag).toBe("ResponseDecodeError")
        expect(emulator.requests("GetUserCard") - before).toBe(1)
      }))

    for (const endpoint of endpoints.filter((e) => e !== "GetUserCard")) {
      it.effect(`JSON nested 100,000 deep on ${endpoint} (a 204 endpoint ignores the body) → ok, applied once`, () =>
        Effect.gen(function*() {
          const { applied, emulator, run } = yield* scenario(endpoint)
          emulator.inject({ endpoint, fault: { _tag: "DeepJson", depth: 100_000 } })
          yield* run
          expect(applied()).toBe(1)
        }))
    }

    for (const endpoint of endpoints) {
      it.effect(`a Wechatpay-Timestamp that is not a number on ${endpoint} → ResponseVerificationError InvalidTimestamp`, () =>
        Effect.gen(function*() {
          const { applied, emulator, run } = yield* scenario(endpoint)
          emulator.inject({ endpoint, fault: { _tag: "InvalidTimestamp" } })
          const before = emulator.requests(endpoint)
          const error = yield* Effect.flip(run)
          expect(error).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidTimestamp" })
          expect(emulator.requests(endpoint) - before).toBe(1)
          expect(applied()).toBe(endpoint === "GetUserCard" ? 0 : 1)
        }))
    }

    it.effect("a 16 KiB Wechatpay-Serial header → TransportError (the HTTP stack refuses it); repeated and bounded", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "HugeHeader", bytes: 16 * 1024 }, times: 10 })
        const before = emulator.requests("GetUserCard")
        const error = yield* Effect.flip(run.pipe(noRetry))
        expect(error._tag).toBe("TransportError")
        expect(emulator.requests("GetUserCard") - before).toBe(1)
        const again = yield* Effect.flip(run)
        expect(again._tag).toBe("TransportError")
        expect(emulator.requests("GetUserCard") - before).toBe(5)
        emulator.clearFaults()
      }))

    it.effect("an 8 KiB Wechatpay-Serial header → UnknownSerial, with the serial shortened in the error", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "HugeHeader", bytes: 8 * 1024 } })
        const error = yield* Effect.flip(run)
        expect(error).toMatchObject({ _tag: "ResponseVerificationError", reason: "UnknownSerial" })
        expect(error._tag === "ResponseVerificationError" ? error.serial?.length : undefined).toBeLessThanOrEqual(65)
        expect(error.message.length).toBeLessThan(1000)
      }))
  })

  describe("from a fake transport", () => {
    const withFakeTransport = <A, E>(
      respond: (request: Parameters<typeof HttpClientResponse.fromWeb>[0]) => Response,
      body: Effect.Effect<A, E, MemberCard.GetUserCard>,
      options: Partial<WechatPay.Options> = {}
    ) =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        let requests = 0
        const http = HttpClient.make((request) =>
          Effect.sync(() => {
            requests++
            return HttpClientResponse.fromWeb(request, respond(request))
          })
        )
        const exit = yield* Effect.exit(body.pipe(Effect.provide(clientOver(emulator, http, { timeout: "500 millis", ...options })), noRetry))
        return { exit, requests }
      })
    const get = MemberCard.GetUserCard.call({ card_id, code: "1" })

    it.live("a Content-Length above the limit is refused before reading the body", () =>
      Effect.gen(function*() {
        // A body that never ends: reading it would end in a timeout, not in ResponseBody.
        const { exit } = yield* withFakeTransport(
          () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }), { status: 200, headers: { "content-length": "5000000" } }),
          get
        )
        expect(failureOf(exit)).toMatchObject({ _tag: "TransportError", reason: "ResponseBody" })
      }))

    it.live("an endless body without Content-Length → TransportError ResponseBody once past the limit (no OOM, no hang)", () =>
      Effect.gen(function*() {
        let pulled = 0
        const chunk = new Uint8Array(64 * 1024).fill(0x5b)
        const { exit } = yield* withFakeTransport(
          () =>
            new Response(
              new ReadableStream({
                pull: (controller) => {
                  pulled += chunk.byteLength
                  controller.enqueue(chunk)
                }
              }),
              { status: 200 }
            ),
          get,
          { timeout: "5 seconds" }
        )
        expect(failureOf(exit)).toMatchObject({ _tag: "TransportError", reason: "ResponseBody" })
        expect(pulled).toBeLessThan(4 * 1024 * 1024)
      }))

    it.live("a custom maxResponseBytes is honoured", () =>
      Effect.gen(function*() {
        const { exit } = yield* withFakeTransport(() => new Response("x".repeat(3000), { status: 200 }), get, { maxResponseBytes: 2048 })
        expect(failureOf(exit)).toMatchObject({ _tag: "TransportError", reason: "ResponseBody" })
      }))

    it.live("a body that stalls forever → TransportError Timeout", () =>
      Effect.gen(function*() {
        const { exit } = yield* withFakeTransport(
          () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }), { status: 200 }),
          get,
          { timeout: "200 millis" }
        )
        expect(failureOf(exit)).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      }))

    it.live("an error body whose detail is JSON nested 100,000 deep → the typed ParamError, printable", () =>
      Effect.gen(function*() {
        const deep = "[".repeat(100_000) + "]".repeat(100_000)
        const { exit } = yield* withFakeTransport(
          () =>
            new Response(`{"code":"PARAM_ERROR","message":"bad","detail":${deep}}`, {
              status: 400,
              headers: { "content-type": "application/json", "request-id": "req-1" }
            }),
          get
        )
        const error = failureOf(exit)
        expect(error).toMatchObject({ _tag: "ParamError", status: 400, code: "PARAM_ERROR", requestId: "req-1" })
        if (typeof error !== "string") {
          expect(() => String(error)).not.toThrow()
          expect(() => Cause.pretty(Cause.fail(error))).not.toThrow()
          // Loggable as JSON too: the pathological detail is replaced by a note, the rest kept.
          expect(() => JSON.stringify(error)).not.toThrow()
          expect(error).toMatchObject({ detail: "(detail omitted: nested deeper than 16 levels)" })
        }
      }))

    it.live("an ordinary nested detail (WeChat's field/value/issue, sign_information) is kept as received", () =>
      Effect.gen(function*() {
        const detail = { field: "code", value: "x", issue: "bad", location: "body", extra: { a: [1, { b: 2 }] } }
        const { exit } = yield* withFakeTransport(
          () =>
            new Response(JSON.stringify({ code: "PARAM_ERROR", message: "bad", detail }), {
              status: 400,
              headers: { "content-type": "application/json", "request-id": "req-2" }
            }),
          get
        )
        expect(failureOf(exit)).toMatchObject({ _tag: "ParamError", detail })
      }))

    it.live("a detail with thousands of values is replaced by a note (it is never a real WeChat answer)", () =>
      Effect.gen(function*() {
        const detail = { items: Array.from({ length: 5_000 }, (_, i) => i) }
        const { exit } = yield* withFakeTransport(
          () =>
            new Response(JSON.stringify({ code: "PARAM_ERROR", message: "bad", detail }), {
              status: 400,
              headers: { "content-type": "application/json", "request-id": "req-3" }
            }),
          get
        )
        expect(failureOf(exit)).toMatchObject({
          _tag: "ParamError",
          requestId: "req-3",
          detail: "(detail omitted: more than 2000 values)"
        })
      }))

    it.live("an error body that is not JSON → UnknownApiError with the status, never the raw body beyond 200 characters", () =>
      Effect.gen(function*() {
        const { exit } = yield* withFakeTransport(() => new Response("<html>" + "x".repeat(10_000) + "</html>", { status: 502 }), get)
        const error = failureOf(exit)
        expect(error).toMatchObject({ _tag: "UnknownApiError", status: 502, code: "HTTP_502" })
        if (typeof error !== "string") expect(error.message.length).toBeLessThan(300)
      }))
  })

  describe("from a raw TCP server on 127.0.0.1 (not HTTP-conformant)", () => {
    /** A server that answers every request with `respond(socket)`; counts requests. */
    const rawServer = (respond: (socket: net.Socket) => void): Effect.Effect<{ readonly baseUrl: string; readonly requests: () => number }, never, Scope.Scope> =>
      Effect.acquireRelease(
        Effect.callback<{ server: net.Server; sockets: Set<net.Socket>; count: { n: number } }>((resume) => {
          const sockets = new Set<net.Socket>()
          const count = { n: 0 }
          const server = net.createServer((socket) => {
            sockets.add(socket)
            socket.on("close", () => sockets.delete(socket))
            socket.on("error", () => {})
            socket.on("data", (data) => {
              if (/^(GET|POST|PATCH|PUT|DELETE) /.test(data.toString("latin1"))) {
                count.n++
                respond(socket)
              }
            })
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets, count })))
        }),
        ({ server, sockets }) =>
          Effect.callback<void>((resume) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => resume(Effect.void))
          })
      ).pipe(Effect.map(({ count, server }) => ({
        baseUrl: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        requests: () => count.n
      })))

    const against = (respond: (socket: net.Socket) => void) =>
      Effect.gen(function*() {
        const server = yield* rawServer(respond)
        const emulator = yield* Emulator.make()
        const fetch = yield* Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)
        const started = Date.now()
        const exit = yield* Effect.exit(
          MemberCard.GetUserCard.call({ card_id, code: "1" }).pipe(
            Effect.provide(clientOver(emulator, fetch, { baseUrl: server.baseUrl, timeout: "300 millis" })),
            Effect.provide(fastRetry)
          )
        )
        return { failure: failureOf(exit), requests: server.requests(), millis: Date.now() - started }
      })

    const head = (status: string, headers: ReadonlyArray<string>, body = "") =>
      `HTTP/1.1 ${status}\r\n${[...headers, `content-length: ${Buffer.byteLength(body)}`].join("\r\n")}\r\n\r\n${body}`

    const cases: ReadonlyArray<{ readonly name: string; readonly respond: (socket: net.Socket) => void; readonly tags: ReadonlyArray<string> }> = [
      { name: "a header value with a bare CR", respond: (s) => s.end(head("200 OK", ["wechatpay-serial: ABC\rDEF"], "{}")), tags: ["TransportError"] },
      { name: "a header with a NUL byte", respond: (s) => s.end(head("200 OK", ["wechatpay-nonce: a\u0000b"], "{}")), tags: ["TransportError", "ResponseVerificationError"] },
      {
        name: "a bare LF smuggling an extra header",
        respond: (s) => s.end(head("200 OK", ["wechatpay-serial: ABC\nwechatpay-signature: Zm9v"], "{}")),
        tags: ["TransportError", "ResponseVerificationError"]
      },
      { name: "a 100 KiB header", respond: (s) => s.end(head("200 OK", [`wechatpay-serial: ${"F".repeat(100 * 1024)}`], "{}")), tags: ["TransportError"] },
      { name: "a response that is not HTTP", respond: (s) => s.end("HELLO THERE\r\n\r\n"), tags: ["TransportError"] },
      { name: "a body cut short (Content-Length 100, 10 bytes sent)", respond: (s) => s.end("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789"), tags: ["TransportError"] },
      { name: "silence (the connection stays open, nothing is sent)", respond: () => {}, tags: ["TransportError"] },
      {
        name: "a status line, then silence",
        respond: (s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01"),
        tags: ["TransportError"]
      }
    ]

    for (const c of cases) {
      it.live(`${c.name} → ${c.tags.join(" or ")}, bounded attempts, no hang`, () =>
        Effect.gen(function*() {
          const { failure, requests } = yield* against(c.respond)
          expect(typeof failure === "string" ? failure : failure._tag).toSatisfy((tag: string) => c.tags.includes(tag))
          expect(requests).toBeGreaterThanOrEqual(1)
          expect(requests).toBeLessThanOrEqual(4)
        }))
    }
  })

  layer(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()), Layer.provideMerge(RetryPolicy.layerDisabled)), {
    excludeTestServices: true
  })("path parameters", (it) => {
    // "." and ".." survive encodeURIComponent; URL normalisation then removes them, so the request would go to a
    // different resource than the one named — for SetUserCardRights with code ".", to UpdateUserCard's route.
    // Either refuse them before sending, or send them so that they stay the path segment they are.
    it.effect("a card_id or code of \".\" or \"..\" is refused, or reaches the endpoint's own route — never another one", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        // Deliberately untyped requests: these go through the endpoints exactly as a JavaScript caller's would.
        const invoke = (endpoint: EndpointName, request: object): Effect.Effect<unknown, WechatPayError.WechatPayError, Services> => {
          switch (endpoint) {
            case "GetUserCard":
              return MemberCard.GetUserCard.call(request as never)
            case "UpdateUserCard":
              return MemberCard.UpdateUserCard.call(request as never)
            case "SetUserCardRights":
              return MemberCard.SetUserCardRights.call(request as never)
            case "PrepareBonus":
              return MemberCard.PrepareBonus.call(request as never)
            case "CommitBonus":
              return MemberCard.CommitBonus.call(request as never)
          }
        }
        const misrouted: Array<string> = []
        for (const endpoint of endpoints) {
          for (const value of [".", ".."]) {
            for (const field of ["card_id", "code"] as const) {
              const base = { card_id: "card", code: "123", out_request_no: "r1", out_trade_no: "T1", mchid: emulator.mchid, bonus_value: 1 }
              const before = { own: emulator.requests(endpoint), all: emulator.requests() }
              const exit = yield* Effect.exit(invoke(endpoint, { ...base, [field]: value }))
              const failure = failureOf(exit)
              const outcome = typeof failure === "string" ? failure : failure._tag
              expect(outcome).not.toMatch(/^defect/)
              const sentToOwnRoute = emulator.requests(endpoint) - before.own === 1 && emulator.requests() - before.all === 1
              const refusedBeforeSending = outcome === "RequestValidationError" && emulator.requests() === before.all
              if (!sentToOwnRoute && !refusedBeforeSending) misrouted.push(`${endpoint} ${field}="${value}" → ${outcome}`)
            }
          }
        }
        expect(misrouted.join("\n")).toBe("")
      }))

    it.effect("SetUserCardRights with code \".\" never lands on UpdateUserCard's route (…/codes/./rights → …/codes/rights)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id: "dotcard", code: "rights", bonus_value: 0 })
        const exit = yield* Effect.exit(MemberCard.SetUserCardRights.call({ card_id: "dotcard", code: ".", out_request_no: "dot-1", add_bonus_value: 5 }))
        const wrongWrites = emulator.ledger.filter((e) => e.key === "dot-1" && e.endpoint !== "SetUserCardRights")
        expect(wrongWrites.map((e) => `${e.endpoint} ${e.card_id}/${e.code}`), `call outcome: ${Exit.isSuccess(exit) ? "success" : Cause.pretty(exit.cause).slice(0, 200)}`).toEqual([])
      }))
  })
})

describe("reliability: bad configuration", () => {
  const emulatorKeys = Effect.runSync(Emulator.make())
  const privatePem = Redacted.value(emulatorKeys.merchantPrivateKey!)
  const pemLines = (pem: string) => pem.split("\n").filter((line) => line.length > 0 && !line.startsWith("-----"))
  const secretLines = pemLines(privatePem)

  const build = (options: Partial<WechatPay.Options>) =>
    Layer.build(WechatPay.layer({
      mchid: emulatorKeys.mchid,
      merchantSerialNumber: emulatorKeys.merchantSerialNumber,
      merchantPrivateKey: emulatorKeys.merchantPrivateKey!,
      wechatpayPublicKeys: emulatorKeys.wechatpayPublicKeys,
      ...options
    }).pipe(Layer.provide(FetchHttpClient.layer))).pipe(Effect.scoped)

  /** Build, expect a ConfigurationError for `option`, and check that no text of it holds key material. */
  const refused = (options: Partial<WechatPay.Options>, option: string, mentions: RegExp, secrets: ReadonlyArray<string> = secretLines) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build(options))
      expect(error._tag).toBe("ConfigurationError")
      expect(error.option).toBe(option)
      expect(error.message).toMatch(mentions)
      const texts = [String(error), error.message, JSON.stringify(error), Cause.pretty(Cause.fail(error))]
      for (const text of texts) {
        for (const line of secrets) expect(text.includes(line), "key material in the error").toBe(false)
      }
    })

  const corrupted = (pem: string) => {
    const lines = pem.split("\n")
    // Drop a third of the body: the ASN.1 structure no longer decodes.
    const third = Math.floor(lines.length / 3)
    lines.splice(third, third)
    return { pem: lines.join("\n"), lines: pemLines(lines.join("\n")) }
  }

  it.effect("a malformed private key PEM → ConfigurationError(privateKey), no line of it echoed", () => {
    const bad = corrupted(privatePem)
    return refused({ merchantPrivateKey: Redacted.make(bad.pem) }, "privateKey", /malformed/, [...secretLines, ...bad.lines])
  })

  it.effect("a truncated private key PEM → ConfigurationError(privateKey)", () => {
    const lines = privatePem.split("\n")
    const truncated = [...lines.slice(0, 8), lines.at(-2)!, ""].join("\n")
    return refused({ merchantPrivateKey: Redacted.make(truncated) }, "privateKey", /malformed/)
  })

  it.effect("the key body without its BEGIN/END lines → ConfigurationError(privateKey): not a PEM", () =>
    refused({ merchantPrivateKey: Redacted.make(secretLines.join("\n")) }, "privateKey", /not a PEM/))

  it.effect("a certificate where the private key belongs → ConfigurationError(privateKey) naming it", () =>
    refused({ merchantPrivateKey: Redacted.make(emulatorKeys.certificate) }, "privateKey", /certificate/))

  it.effect("a public key where the private key belongs → ConfigurationError(privateKey)", () =>
    refused({ merchantPrivateKey: Redacted.make(emulatorKeys.publicKey) }, "privateKey", /public key/))

  it.effect("an EC private key → ConfigurationError(privateKey): RSA expected", () => {
    const ec = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
    return refused({ merchantPrivateKey: Redacted.make(ec) }, "privateKey", /RSA/, pemLines(ec))
  })

  it.effect("an encrypted private key → ConfigurationError(privateKey): decrypt it first", () => {
    const encrypted = crypto.createPrivateKey(privatePem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString()
    return refused({ merchantPrivateKey: Redacted.make(encrypted) }, "privateKey", /encrypted/, [...secretLines, ...pemLines(encrypted)])
  })

  it.effect("an empty key map → ConfigurationError(publicKeys)", () => refused({ wechatpayPublicKeys: {} }, "publicKeys", /No WeChat Pay public key/))

  it.effect("the merchant private key filed as a WeChat Pay public key → ConfigurationError(publicKeys), not echoed", () =>
    refused({ wechatpayPublicKeys: { [emulatorKeys.publicKeyId]: privatePem } }, "publicKeys", /private key/))

  it.effect("a certificate filed under another serial → ConfigurationError(publicKeys)", () =>
    refused({ wechatpayPublicKeys: { "0123456789ABCDEF": emulatorKeys.certificate } }, "publicKeys", /serial/))

  for (const baseUrl of ["http://api.mch.weixin.qq.com", "http://127.0.0.1.nip.io", "http://localhost.example.com", "http://localhost@example.com", "ftp://127.0.0.1", "not a url"]) {
    it.effect(`baseUrl ${JSON.stringify(baseUrl)} → ConfigurationError(baseUrl)`, () => refused({ baseUrl }, "baseUrl", /https|absolute URL/))
  }

  it.effect("a plain-http backupBaseUrl → ConfigurationError(backupBaseUrl)", () =>
    refused({ backupBaseUrl: "http://api2.mch.weixin.qq.com" }, "backupBaseUrl", /https/))

  for (const baseUrl of ["https://api.mch.weixin.qq.com", "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"]) {
    it.effect(`baseUrl ${baseUrl} is accepted`, () => Effect.asVoid(build({ baseUrl })))
  }
})
