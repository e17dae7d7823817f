/**
 * Retry rules of issue 4: what is repeated and what never is, each attempt signed afresh over the same bytes,
 * bounded attempts, interruption stopping the loop at once, and failover to a backup host.
 */
import * as crypto from "node:crypto"
import * as net from "node:net"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import { MemberCard, RetryPolicy, WechatPayClient } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, clientOver, endpoints, fresh, scenario, untilAllAnswered, untilBackingOff, watchedClock } from "./support.js"

type EndpointName = Emulator.EndpointName

const fastRetry = RetryPolicy.layer({ baseDelay: "5 millis", maxDelay: "20 millis" })

const InProcess = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()), Layer.provideMerge(fastRetry))

/** The request as it goes on the wire. */
interface Wire {
  readonly url: string
  readonly authorization: string
  readonly body: string
}
const decoder = new TextDecoder()
const capture = (request: HttpClientRequest.HttpClientRequest): Wire => ({
  url: request.url,
  authorization: request.headers["authorization"] ?? "",
  body: request.body._tag === "Uint8Array" ? decoder.decode(request.body.body) : ""
})
const authParams = (authorization: string): Record<string, string> =>
  Object.fromEntries([...authorization.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))

describe("reliability: retry rules", () => {
  layer(InProcess, { excludeTestServices: true })("never retried (in-process emulator)", (it) => {
    const apiErrors: ReadonlyArray<{ readonly status: number; readonly code: string; readonly tag: string }> = [
      { status: 400, code: "PARAM_ERROR", tag: "ParamError" },
      { status: 400, code: "INVALID_REQUEST", tag: "InvalidRequest" },
      { status: 401, code: "SIGN_ERROR", tag: "SignError" },
      { status: 403, code: "NO_AUTH", tag: "NoAuth" },
      { status: 404, code: "NOT_FOUND", tag: "NotFound" },
      { status: 404, code: "RESOURCE_NOT_EXISTS", tag: "NotFound" },
      // A 4xx whose code is not modelled says the request is wrong: not repeated (a 5xx or 429 would be, by status).
      { status: 400, code: "SOMETHING_NEW", tag: "UnknownApiError" }
    ]
    for (const e of apiErrors) {
      for (const endpoint of endpoints) {
        it.effect(`${e.status} ${e.code} on ${endpoint} → ${e.tag}, one request, nothing applied`, () =>
          Effect.gen(function*() {
            const { applied, emulator, run } = yield* scenario(endpoint)
            emulator.inject({ endpoint, fault: { _tag: "Error", status: e.status, code: e.code }, times: 5 })
            const before = emulator.requests(endpoint)
            const error = yield* Effect.flip(run)
            emulator.clearFaults()
            expect(error._tag).toBe(e.tag)
            expect(error).toMatchObject({ status: e.status, code: e.code })
            expect(emulator.requests(endpoint) - before).toBe(1)
            expect(applied()).toBe(0)
          }))
      }
    }

    // Review of 0.2.0, finding 6: WeChat never redirects an APIv3 call; a 3xx is a typed error, never followed or repeated.
    for (const status of [301, 302, 307, 308] as const) {
      for (const endpoint of endpoints) {
        it.effect(`${status} redirect on ${endpoint} → UnknownApiError HTTP_${status}, one request, nothing applied`, () =>
          Effect.gen(function*() {
            const { applied, emulator, run } = yield* scenario(endpoint)
            emulator.inject({ endpoint, fault: { _tag: "Redirect", status, location: "https://elsewhere.example/v3" }, times: 5 })
            const before = emulator.requests(endpoint)
            const error = yield* Effect.flip(run)
            emulator.clearFaults()
            expect(error).toMatchObject({ _tag: "UnknownApiError", status, code: `HTTP_${status}`, category: "client" })
            expect(emulator.requests(endpoint) - before).toBe(1)
            expect(applied()).toBe(0)
          }))
      }
    }

    const integrity: ReadonlyArray<{ readonly fault: Emulator.Fault; readonly tag: string; readonly reason?: string; readonly only?: EndpointName }> = [
      { fault: { _tag: "TamperSignature" }, tag: "ResponseVerificationError", reason: "InvalidSignature" },
      { fault: { _tag: "TamperBody" }, tag: "ResponseVerificationError", reason: "InvalidSignature" },
      { fault: { _tag: "ProbeSignature" }, tag: "ResponseVerificationError", reason: "InvalidSignature" },
      { fault: { _tag: "Unsigned" }, tag: "ResponseVerificationError", reason: "MissingHeader" },
      { fault: { _tag: "UnknownSerial" }, tag: "ResponseVerificationError", reason: "UnknownSerial" },
      { fault: { _tag: "StaleTimestamp", seconds: 301 }, tag: "ResponseVerificationError", reason: "StaleTimestamp" },
      { fault: { _tag: "InvalidTimestamp" }, tag: "ResponseVerificationError", reason: "InvalidTimestamp" },
      { fault: { _tag: "WrongShape" }, tag: "ResponseDecodeError", only: "GetUserCard" },
      { fault: { _tag: "NonJsonBody" }, tag: "ResponseDecodeError", only: "GetUserCard" }
    ]
    for (const c of integrity) {
      for (const endpoint of endpoints.filter((e) => c.only === undefined || c.only === e)) {
        it.effect(`${c.fault._tag} on ${endpoint} → ${c.tag}${c.reason ? `/${c.reason}` : ""}, one request`, () =>
          Effect.gen(function*() {
            const { applied, emulator, run } = yield* scenario(endpoint)
            emulator.inject({ endpoint, fault: c.fault, times: 5 })
            const before = emulator.requests(endpoint)
            const error = yield* Effect.flip(run)
            emulator.clearFaults()
            expect(error._tag).toBe(c.tag)
            expect(error.category).toBe("integrity")
            if (c.reason !== undefined) expect(error).toMatchObject({ reason: c.reason })
            // A signature probe on a read is asked once more (and answered with a probe again here); never on a write.
            expect(emulator.requests(endpoint) - before).toBe(
              c.fault._tag === "ProbeSignature" && endpoint === "GetUserCard" ? 2 : 1
            )
            // The server applied the write before its response was forged: once, and only once.
            expect(applied()).toBe(endpoint === "GetUserCard" ? 0 : 1)
          }))
      }
    }

    it.effect("a real business refusal (unknown code) is InvalidRequest after one request", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const before = emulator.requests("UpdateUserCard")
        const error = yield* Effect.flip(MemberCard.UpdateUserCard.call({
          card_id: "no-such-card",
          code: "000",
          out_request_no: fresh("r-")
        }))
        expect(error._tag).toBe("InvalidRequest")
        expect(error).toMatchObject({ status: 400, code: "INVALID_REQUEST" })
        expect(emulator.requests("UpdateUserCard") - before).toBe(1)
      }))

    it.effect("the same out_request_no with a different body is refused once and nothing more is applied", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const code = fresh("c")
        emulator.putCard({ card_id, code, bonus_value: 0 })
        const out_request_no = fresh("r-")
        yield* MemberCard.SetUserCardRights.call({ card_id, code, out_request_no, add_bonus_value: 5 })
        const before = emulator.requests("SetUserCardRights")
        const error = yield* Effect.flip(MemberCard.SetUserCardRights.call({ card_id, code, out_request_no, add_bonus_value: 6 }))
        expect(error._tag).toBe("InvalidRequest")
        expect(emulator.requests("SetUserCardRights") - before).toBe(1)
        expect(emulator.applied(out_request_no)).toBe(1)
        expect(emulator.card(card_id, code)?.bonus_value).toBe(5)
      }))

    it.effect("a call that is not idempotent is never repeated, even on a retryable error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const code = fresh("c")
        emulator.putCard({ card_id, code })
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 5 })
        const client = yield* WechatPayClient.WechatPayClient
        const before = emulator.requests("GetUserCard")
        const error = yield* Effect.flip(client.execute({
          endpoint: "Test.NotIdempotent",
          method: "GET",
          path: `/v3/marketing/membercard-open/cards/${card_id}/codes/${code}`,
          idempotent: false
        }))
        emulator.clearFaults()
        expect(error._tag).toBe("SystemError")
        expect(emulator.requests("GetUserCard") - before).toBe(1)
      }))
  })

  it.live("a request signed with the wrong key is a SignError after one request, with the server's sign_information", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      emulator.putCard({ card_id, code: "1" })
      const wrongKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      const Live = clientOver(emulator, Emulator.httpClient(emulator), { merchantPrivateKey: Redacted.make(wrongKey) })
      const error = yield* Effect.flip(MemberCard.GetUserCard.call({ card_id, code: "1" }).pipe(Effect.provide(Live)))
      expect(error._tag).toBe("SignError")
      expect(error).toMatchObject({ status: 401, code: "SIGN_ERROR" })
      expect(error._tag === "SignError" ? error.signInformation : undefined).toMatchObject({ method: "GET" })
      expect(emulator.requests()).toBe(1)
    }))

  it.effect("every attempt is signed afresh (new nonce, timestamp, signature) over the very same bytes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_764_000_000_000)
      const emulator = yield* Emulator.make()
      const code = "478515832665"
      emulator.putCard({ card_id, code, balance: 100 })
      const wire: Array<Wire> = []
      const http = Emulator.httpClient(emulator).pipe(HttpClient.tapRequest((request) => Effect.sync(() => wire.push(capture(request)))))
      // The server applies the first attempt and drops three times; each replay is authenticated by the emulator
      // (fresh timestamp checked against its clock) before it answers idempotently.
      emulator.inject({ endpoint: "UpdateUserCard", fault: { _tag: "DropAfterApply" }, times: 3 })
      const request = {
        card_id,
        code,
        out_request_no: "upd-20261125-0001",
        level: "钻石会员",
        balance_information: { before_balance: 100, balance: 200, add_balance: 100, balance_remark: "充值100元" }
      }
      const { backingOff, clock } = yield* watchedClock
      const fiber = yield* MemberCard.UpdateUserCard.call(request).pipe(
        Effect.provide(clientOver(emulator, http)),
        // 1.6–2.4 s between attempts: the Unix-second timestamps of consecutive attempts must differ.
        Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make({ baseDelay: "2 seconds", maxDelay: "2 seconds", maxElapsed: "1 minute" })),
        Effect.provideService(Clock.Clock, clock),
        Effect.forkChild
      )
      // The clock moves only while the call backs off, however long the machine takes to sign an attempt; at most a
      // virtual minute (the policy's maxElapsed), so a call that never ends fails here instead of hanging.
      const done = () => fiber.pollUnsafe() !== undefined
      for (let moved = 0; moved < 60_000 && !done(); moved += 100) {
        yield* untilBackingOff(backingOff, done)
        if (!done()) yield* TestClock.adjust("100 millis")
      }
      expect(done()).toBe(true)
      yield* Fiber.join(fiber)

      expect(wire).toHaveLength(4)
      const params = wire.map((w) => authParams(w.authorization))
      expect(new Set(params.map((p) => p["nonce_str"])).size).toBe(4)
      expect(new Set(params.map((p) => p["signature"])).size).toBe(4)
      const timestamps = params.map((p) => Number(p["timestamp"]))
      for (let i = 1; i < 4; i++) expect(timestamps[i]!).toBeGreaterThan(timestamps[i - 1]!)
      expect(new Set(wire.map((w) => w.body)).size).toBe(1)
      expect(new Set(wire.map((w) => w.url)).size).toBe(1)
      expect(JSON.parse(wire[0]!.body)).toMatchObject({ out_request_no: "upd-20261125-0001", level: "钻石会员" })
      // Each signature is valid for its own timestamp and nonce over the bytes that were sent.
      const merchantPublicKey = crypto.createPublicKey(Redacted.value(emulator.merchantPrivateKey!))
      const path = new URL(wire[0]!.url).pathname
      for (const [i, p] of params.entries()) {
        expect(p["mchid"]).toBe(emulator.mchid)
        expect(p["serial_no"]).toBe(emulator.merchantSerialNumber)
        const message = `PATCH\n${path}\n${p["timestamp"]}\n${p["nonce_str"]}\n${wire[i]!.body}\n`
        expect(crypto.verify("sha256", Buffer.from(message), merchantPublicKey, Buffer.from(p["signature"]!, "base64"))).toBe(true)
      }
      expect(emulator.applied("upd-20261125-0001")).toBe(1)
      expect(emulator.card(card_id, code)?.balance).toBe(200)
    }))

  layer(InProcess, { excludeTestServices: true })("bounded attempts (default policy shape: 1 + 3 retries)", (it) => {
    const transient: ReadonlyArray<{ readonly fault: Emulator.Fault; readonly tag: string }> = [
      { fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, tag: "SystemError" },
      { fault: { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED" }, tag: "FrequencyLimited" },
      { fault: { _tag: "Error", status: 429, code: "RATELIMIT_EXCEEDED" }, tag: "FrequencyLimited" },
      { fault: { _tag: "EmptyError", status: 503 }, tag: "UnknownApiError" },
      { fault: { _tag: "EmptyError", status: 502 }, tag: "UnknownApiError" },
      { fault: { _tag: "Drop" }, tag: "TransportError" },
      // Review of 0.2.0, finding 1: classified by status as well as by code.
      { fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" }, tag: "ServiceUnavailable" },
      { fault: { _tag: "Error", status: 501, code: "SERVICE_UNAVAILABLE" }, tag: "ServiceUnavailable" },
      { fault: { _tag: "Error", status: 429, code: "RATE_LIMITED" }, tag: "FrequencyLimited" },
      { fault: { _tag: "EmptyError", status: 429 }, tag: "UnknownApiError" },
      { fault: { _tag: "Error", status: 500, code: "SOMETHING_NEW" }, tag: "UnknownApiError" },
      // Finding 2: a 202 (accepted, not processed) is repeated, never a success.
      { fault: { _tag: "Accepted" }, tag: "UnknownApiError" }
    ]
    for (const c of transient) {
      for (const endpoint of endpoints) {
        it.effect(`${c.fault._tag}${"status" in c.fault ? ` ${c.fault.status}` : ""} forever on ${endpoint} → ${c.tag} after exactly 4 requests`, () =>
          Effect.gen(function*() {
            const { applied, emulator, run } = yield* scenario(endpoint)
            emulator.inject({ endpoint, fault: c.fault, times: 100 })
            const before = emulator.requests(endpoint)
            const error = yield* Effect.flip(run)
            emulator.clearFaults()
            expect(error._tag).toBe(c.tag)
            expect(error.category === "retryable" || error.category === "throttled").toBe(true)
            expect(emulator.requests(endpoint) - before).toBe(4)
            expect(applied()).toBe(0)
          }))
      }
    }

    for (const endpoint of endpoints.filter((e) => e !== "GetUserCard")) {
      it.effect(`DropAfterApply forever on ${endpoint} → TransportError after 4 requests, the write applied exactly once`, () =>
        Effect.gen(function*() {
          const { applied, emulator, run } = yield* scenario(endpoint)
          emulator.inject({ endpoint, fault: { _tag: "DropAfterApply" }, times: 100 })
          const before = emulator.requests(endpoint)
          const error = yield* Effect.flip(run)
          emulator.clearFaults()
          expect(error).toMatchObject({ _tag: "TransportError", reason: "Connection" })
          expect(emulator.requests(endpoint) - before).toBe(4)
          expect(applied()).toBe(1)
          // The outcome was unknown to the client; repeating the same call is safe.
          yield* run
          expect(applied()).toBe(1)
        }))
    }

    it.effect("maxRetries: 1 → 2 requests; the disabled policy → 1 request", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 100 })
        let before = emulator.requests("GetUserCard")
        yield* Effect.flip(run.pipe(Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make({ maxRetries: 1, baseDelay: "1 millis" }))))
        expect(emulator.requests("GetUserCard") - before).toBe(2)
        before = emulator.requests("GetUserCard")
        yield* Effect.flip(run.pipe(Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.disabled)))
        expect(emulator.requests("GetUserCard") - before).toBe(1)
        emulator.clearFaults()
      }))

    it.effect("maxElapsed bounds the total time even with a huge maxRetries", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 10_000 })
        const before = emulator.requests("GetUserCard")
        const error = yield* Effect.flip(run.pipe(Effect.provideService(
          RetryPolicy.RetryPolicy,
          RetryPolicy.make({ maxRetries: 1000, baseDelay: "10 millis", maxDelay: "10 millis", maxElapsed: "150 millis" })
        )))
        emulator.clearFaults()
        expect(error._tag).toBe("SystemError")
        const attempts = emulator.requests("GetUserCard") - before
        expect(attempts).toBeGreaterThanOrEqual(2)
        // The count is the bound (without maxElapsed: 1,001 attempts); the timing itself is pinned on TestClock in
        // mutation-retry.test.ts.
        expect(attempts).toBeLessThan(40)
      }))
  })

  // Each attempt's request must reach the server (and the last call's answer come back) within the per-attempt
  // timeout on a busy machine; a delayed answer outlasts it by half a second, which a late timer cannot make up (both
  // run on this process's event loop, the client's due first).
  layer(
    MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopback({ client: { timeout: "1 second" } })), Layer.provideMerge(fastRetry)),
    { excludeTestServices: true }
  )("timeouts (loopback, 1 s per attempt)", (it) => {
    it.effect("a server slower than the timeout every time → TransportError Timeout after 4 attempts", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Delay", millis: 1500 }, times: 4 })
        const before = emulator.requests("GetUserCard")
        const error = yield* Effect.flip(run)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
        expect(emulator.requests("GetUserCard") - before).toBe(4)
        yield* untilAllAnswered(emulator)
      }))

    it.effect("a write slower than the timeout every time: the client reports Timeout, the server applied it once", () =>
      Effect.gen(function*() {
        const { applied, emulator, run } = yield* scenario("SetUserCardRights")
        emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "Delay", millis: 1500 }, times: 4 })
        const error = yield* Effect.flip(run)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
        // The four delayed attempts are still being handled server-side; wait for them.
        yield* untilAllAnswered(emulator)
        expect(applied()).toBe(1)
        yield* run
        expect(applied()).toBe(1)
      }))
  })

  layer(
    MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopback({ client: { timeout: "5 seconds" } }))),
    { excludeTestServices: true }
  )("interruption (loopback)", (it) => {
    const waitForRequest = (emulator: Emulator.EmulatorState, endpoint: EndpointName, before: number) =>
      Effect.gen(function*() {
        for (let i = 0; i < 400 && emulator.requests(endpoint) === before; i++) yield* Effect.sleep("5 millis")
        expect(emulator.requests(endpoint)).toBe(before + 1)
      })

    it.effect("interrupting a call whose attempt is in flight stops it at once; no further request", () =>
      Effect.gen(function*() {
        const { emulator, run } = yield* scenario("GetUserCard")
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Delay", millis: 1000 }, times: 10 })
        const before = emulator.requests("GetUserCard")
        const fiber = yield* Effect.forkChild(run.pipe(Effect.provide(fastRetry)))
        yield* waitForRequest(emulator, "GetUserCard", before)
        // "At once" is pinned in virtual time in mutation-retry.test.ts; here: interrupted, and nothing more is sent.
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        yield* Effect.sleep("400 millis")
        expect(emulator.requests("GetUserCard") - before).toBe(1)
        emulator.clearFaults()
        yield* Effect.sleep("700 millis")
      }))

    it.effect("interrupting a call during its backoff stops it at once; no further request, nothing applied", () =>
      Effect.gen(function*() {
        const { applied, emulator, run } = yield* scenario("UpdateUserCard")
        emulator.inject({ endpoint: "UpdateUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" }, times: 10 })
        const before = emulator.requests("UpdateUserCard")
        const fiber = yield* Effect.forkChild(run.pipe(
          Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.make({ baseDelay: "400 millis", maxDelay: "400 millis" }))
        ))
        yield* waitForRequest(emulator, "UpdateUserCard", before)
        yield* Effect.sleep("30 millis")
        yield* Fiber.interrupt(fiber)
        const exit = yield* Fiber.await(fiber)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        yield* Effect.sleep("700 millis")
        expect(emulator.requests("UpdateUserCard") - before).toBe(1)
        expect(applied()).toBe(0)
        emulator.clearFaults()
      }))
  })

  describe("failover to the backup host (two loopback servers, one emulator state)", () => {
    const twoHosts = (options: { readonly backup?: boolean; readonly primaryDown?: boolean; readonly timeout?: Duration.Input } = {}) =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const primary = options.primaryDown === true
          ? { baseUrl: `http://127.0.0.1:${yield* closedPort}` }
          : yield* Emulator.serve(emulator)
        const backup = yield* Emulator.serve(emulator)
        const urls: Array<string> = []
        const fetch = yield* Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)
        const http = fetch.pipe(HttpClient.tapRequest((request) => Effect.sync(() => urls.push(request.url))))
        const code = fresh("c")
        emulator.putCard({ card_id, code, balance: 100, bonus_value: 0 })
        const Live = clientOver(emulator, http, {
          baseUrl: primary.baseUrl,
          ...(options.backup === false ? {} : { backupBaseUrl: backup.baseUrl }),
          ...(options.timeout === undefined ? {} : { timeout: options.timeout })
        }).pipe(Layer.provideMerge(fastRetry))
        const hosts = () => urls.map((url) => url.startsWith(backup.baseUrl) ? "backup" : url.startsWith(primary.baseUrl) ? "primary" : url)
        return { emulator, code, Live, hosts }
      })

    const closedPort = Effect.callback<number>((resume) => {
      const server = net.createServer()
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port
        server.close(() => resume(Effect.succeed(port)))
      })
    })

    it.live("the primary drops the connection → the repeat goes to the backup; applied once", () =>
      Effect.gen(function*() {
        const { code, emulator, hosts, Live } = yield* twoHosts()
        emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "Drop" } })
        yield* MemberCard.SetUserCardRights.call({ card_id, code, out_request_no: "fo-1", add_bonus_value: 3 }).pipe(Effect.provide(Live))
        expect(hosts()).toEqual(["primary", "backup"])
        expect(emulator.applied("fo-1")).toBe(1)
        expect(emulator.card(card_id, code)?.bonus_value).toBe(3)
      }))

    it.live("the primary applies then drops → the backup answers the repeat idempotently; applied once", () =>
      Effect.gen(function*() {
        const { code, emulator, hosts, Live } = yield* twoHosts()
        emulator.inject({ endpoint: "UpdateUserCard", fault: { _tag: "DropAfterApply" } })
        yield* MemberCard.UpdateUserCard.call({
          card_id,
          code,
          out_request_no: "fo-2",
          balance_information: { before_balance: 100, balance: 150, add_balance: 50 }
        }).pipe(Effect.provide(Live))
        expect(hosts()).toEqual(["primary", "backup"])
        expect(emulator.applied("fo-2")).toBe(1)
        expect(emulator.card(card_id, code)?.balance).toBe(150)
      }))

    it.live("the primary refuses connections → the backup serves the call", () =>
      Effect.gen(function*() {
        const { code, hosts, Live } = yield* twoHosts({ primaryDown: true })
        const card = yield* MemberCard.GetUserCard.call({ card_id, code }).pipe(Effect.provide(Live))
        expect(card.code).toBe(code)
        expect(hosts()).toEqual(["primary", "backup"])
      }))

    it.live("the primary times out → the backup serves the call", () =>
      Effect.gen(function*() {
        // 1 s per attempt: the backup's answer must come within it on a busy machine, or a third attempt is made.
        const { code, emulator, hosts, Live } = yield* twoHosts({ timeout: "1 second" })
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Delay", millis: 1500 } })
        yield* MemberCard.GetUserCard.call({ card_id, code }).pipe(Effect.provide(Live))
        expect(hosts()).toEqual(["primary", "backup"])
        yield* untilAllAnswered(emulator)
      }))

    it.live("a 500 SYSTEM_ERROR is repeated on the primary (failover is for transport failures only)", () =>
      Effect.gen(function*() {
        const { code, emulator, hosts, Live } = yield* twoHosts()
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
        yield* MemberCard.GetUserCard.call({ card_id, code }).pipe(Effect.provide(Live))
        expect(hosts()).toEqual(["primary", "primary"])
      }))

    it.live("without backupBaseUrl (the default) the repeat goes to the primary", () =>
      Effect.gen(function*() {
        const { code, emulator, hosts, Live } = yield* twoHosts({ backup: false })
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Drop" } })
        yield* MemberCard.GetUserCard.call({ card_id, code }).pipe(Effect.provide(Live))
        expect(hosts()).toEqual(["primary", "primary"])
      }))

    it.live("failover is per call: the next call starts at the primary again", () =>
      Effect.gen(function*() {
        const { code, emulator, hosts, Live } = yield* twoHosts()
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Drop" } })
        yield* Effect.gen(function*() {
          yield* MemberCard.GetUserCard.call({ card_id, code })
          yield* MemberCard.GetUserCard.call({ card_id, code })
        }).pipe(Effect.provide(Live))
        expect(hosts()).toEqual(["primary", "backup", "primary"])
      }))
  })
})
