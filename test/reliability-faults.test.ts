/**
 * The fault table of issue 4: every scripted fault × every member-card endpoint × every transport, against the
 * emulator on 127.0.0.1 (real sockets; the client on FetchHttpClient and on NodeTransport). For each cell the call's outcome is asserted (a typed error, or success
 * after a safe retry) together with the emulator's ledger: each write applied exactly once, or never when the
 * fault struck before the server applied it. The table is printed at the end of the file.
 *
 * Designed behaviour worth knowing when reading the table:
 * - A fault *after* the write was applied (forged/tampered/stale/unknown-serial response) is never retried by the
 *   client; the write stays applied once, and repeating the same call (same key, same body) is safe: it succeeds
 *   and applies nothing more.
 * - UpdateUserCard, SetUserCardRights, PrepareBonus and CommitBonus answer 204 and ignore the response body, so a
 *   correctly signed 200 with a non-JSON or wrongly shaped body is a success for them; only GetUserCard decodes.
 */
import { afterAll, describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Layer from "effect/Layer"
import { MemberCard, RetryPolicy } from "../src/index.js"
import type { WechatPayError } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { fresh, endpoints, untilAllAnswered } from "./support.js"

type EndpointName = Emulator.EndpointName
type Services = MemberCard.Services

interface Operation {
  /** Runs before the fault is injected (CommitBonus needs its order prepared). */
  readonly setup: Effect.Effect<void, WechatPayError.WechatPayError, Services>
  readonly run: Effect.Effect<unknown, WechatPayError.WechatPayError, Services>
  /** Idempotency key of a write; undefined for the read. */
  readonly key: string | undefined
  readonly balanceDelta: number
  readonly pointsDelta: number
}

const operation = (endpoint: EndpointName, emulator: Emulator.EmulatorState, card_id: string, code: string): Operation => {
  switch (endpoint) {
    case "GetUserCard":
      return { setup: Effect.void, run: MemberCard.GetUserCard.call({ card_id, code }), key: undefined, balanceDelta: 0, pointsDelta: 0 }
    case "UpdateUserCard": {
      const out_request_no = fresh("upd-")
      return {
        setup: Effect.void,
        run: MemberCard.UpdateUserCard.call({
          card_id,
          code,
          out_request_no,
          level: "金卡",
          balance_information: { before_balance: 100, balance: 110, add_balance: 10, balance_remark: "fault table" }
        }),
        key: out_request_no,
        balanceDelta: 10,
        pointsDelta: 0
      }
    }
    case "SetUserCardRights": {
      const out_request_no = fresh("pts-")
      return {
        setup: Effect.void,
        run: MemberCard.SetUserCardRights.call({ card_id, code, out_request_no, add_bonus_value: 7 }),
        key: out_request_no,
        balanceDelta: 0,
        pointsDelta: 7
      }
    }
    case "PrepareBonus": {
      const out_trade_no = fresh("T")
      return {
        setup: Effect.void,
        run: MemberCard.PrepareBonus.call({ card_id, code, out_trade_no, mchid: emulator.mchid, bonus_value: 30 }),
        key: out_trade_no,
        balanceDelta: 0,
        pointsDelta: 0
      }
    }
    case "CommitBonus": {
      const out_trade_no = fresh("T")
      const order = { card_id, code, out_trade_no, mchid: emulator.mchid, bonus_value: 30 }
      return {
        setup: Effect.asVoid(MemberCard.PrepareBonus.call(order)),
        run: MemberCard.CommitBonus.call(order),
        key: out_trade_no,
        balanceDelta: 0,
        pointsDelta: 0
      }
    }
  }
}

/** Ledger entries of this endpoint with this key (Prepare and Commit share an out_trade_no). */
const appliedAt = (emulator: Emulator.EmulatorState, endpoint: EndpointName, key: string) =>
  emulator.ledger.filter((entry) => entry.endpoint === endpoint && entry.key === key).length

type Expected =
  /** Success after exactly one repeat (at least one for the timeout row). */
  | { readonly _tag: "RetriedOk" }
  /** Success at the first attempt. */
  | { readonly _tag: "Ok" }
  /** A typed error after one request, not retried. */
  | { readonly _tag: "Fails"; readonly error: string; readonly reason?: string }

interface FaultCase {
  readonly name: string
  readonly fault: Emulator.Fault
  /** Whether the emulator applies the write before misbehaving. */
  readonly appliesBeforeFault: boolean
  readonly expected: (endpoint: EndpointName) => Expected
}

const retriedOk = (): Expected => ({ _tag: "RetriedOk" })
const verification = (reason: string) => (): Expected => ({ _tag: "Fails", error: "ResponseVerificationError", reason })
const decodedOnlyByGet = (endpoint: EndpointName): Expected =>
  endpoint === "GetUserCard" ? { _tag: "Fails", error: "ResponseDecodeError" } : { _tag: "Ok" }

// The retry after a Delay (and CommitBonus's PrepareBonus) must be answered within the short timeout on a busy
// machine; the delayed attempt outlasts it by half a second, which a late timer cannot make up (both run on this
// process's event loop, the client's due first).
const DELAY_MILLIS = 1500
const SHORT_TIMEOUT = "1 second"

const cases: ReadonlyArray<FaultCase> = [
  { name: "500 SYSTEM_ERROR", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR", message: "系统错误" }, appliesBeforeFault: false, expected: retriedOk },
  { name: "429 FREQUENCY_LIMITED", fault: { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED", message: "频率超限" }, appliesBeforeFault: false, expected: retriedOk },
  { name: "503 without body", fault: { _tag: "EmptyError", status: 503 }, appliesBeforeFault: false, expected: retriedOk },
  // The review of 0.2.0 (issue 9): overload and rate limits by status as well as by code, 202, redirects.
  { name: "503 SERVICE_UNAVAILABLE", fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE", message: "服务不可用" }, appliesBeforeFault: false, expected: retriedOk },
  { name: "429 RATE_LIMITED", fault: { _tag: "Error", status: 429, code: "RATE_LIMITED", message: "频率限制" }, appliesBeforeFault: false, expected: retriedOk },
  { name: "429 without body", fault: { _tag: "EmptyError", status: 429 }, appliesBeforeFault: false, expected: retriedOk },
  { name: "202 Accepted (not yet processed)", fault: { _tag: "Accepted" }, appliesBeforeFault: false, expected: retriedOk },
  { name: "302 redirect", fault: { _tag: "Redirect", status: 302, location: "https://elsewhere.example/v3" }, appliesBeforeFault: false, expected: () => ({ _tag: "Fails", error: "UnknownApiError" }) },
  { name: "307 redirect", fault: { _tag: "Redirect", status: 307, location: "https://elsewhere.example/v3" }, appliesBeforeFault: false, expected: () => ({ _tag: "Fails", error: "UnknownApiError" }) },
  { name: "BomBody (signed 200, UTF-8 BOM first)", fault: { _tag: "BomBody" }, appliesBeforeFault: true, expected: () => ({ _tag: "Ok" }) },
  { name: "Drop (before apply)", fault: { _tag: "Drop" }, appliesBeforeFault: false, expected: retriedOk },
  { name: "DropAfterApply", fault: { _tag: "DropAfterApply" }, appliesBeforeFault: true, expected: retriedOk },
  { name: `Delay ${DELAY_MILLIS} ms > timeout ${SHORT_TIMEOUT}`, fault: { _tag: "Delay", millis: DELAY_MILLIS }, appliesBeforeFault: false, expected: retriedOk },
  { name: "TamperSignature", fault: { _tag: "TamperSignature" }, appliesBeforeFault: true, expected: verification("InvalidSignature") },
  // A probe on a read is asked once more (the retry is answered properly); a write was applied, so it is not repeated.
  { name: "ProbeSignature (WECHATPAY/SIGNTEST/)", fault: { _tag: "ProbeSignature" }, appliesBeforeFault: true, expected: (endpoint) => endpoint === "GetUserCard" ? { _tag: "RetriedOk" } : { _tag: "Fails", error: "ResponseVerificationError", reason: "InvalidSignature" } },
  { name: "StaleTimestamp 301 s", fault: { _tag: "StaleTimestamp", seconds: 301 }, appliesBeforeFault: true, expected: verification("StaleTimestamp") },
  { name: "UnknownSerial", fault: { _tag: "UnknownSerial" }, appliesBeforeFault: true, expected: verification("UnknownSerial") },
  { name: "NonJsonBody (signed 200)", fault: { _tag: "NonJsonBody" }, appliesBeforeFault: true, expected: decodedOnlyByGet },
  { name: "WrongShape (signed 200)", fault: { _tag: "WrongShape" }, appliesBeforeFault: true, expected: decodedOnlyByGet },
  // Two more forgeries the emulator can produce.
  { name: "TamperBody", fault: { _tag: "TamperBody" }, appliesBeforeFault: true, expected: verification("InvalidSignature") },
  { name: "Unsigned", fault: { _tag: "Unsigned" }, appliesBeforeFault: true, expected: verification("MissingHeader") }
]

type EmulatorAndClient = ReturnType<typeof Emulator.layerLoopbackNode>

/**
 * The client's wire under test: the same emulator and client options, only the transport differs. Each entry builds
 * the emulator-plus-client layer for a given client timeout.
 */
const transports: ReadonlyArray<{
  readonly name: string
  readonly layer: (client: Emulator.ClientOptions) => EmulatorAndClient
}> = [
  { name: "FetchHttpClient", layer: (client) => Emulator.layerLoopback({ client }) },
  { name: "NodeTransport", layer: (client) => Emulator.layerLoopbackNode({ client }) }
]

/** transport × fault → endpoint → outcome, printed after the file. */
const table = new Map<string, Record<string, string>>()
const record = (transport: string, fault: string, endpoint: EndpointName, outcome: string) => {
  const key = `${transport}\u0000${fault}`
  const row = table.get(key) ?? { transport, fault }
  row[endpoint] = outcome
  table.set(key, row)
}

afterAll(() => {
  const rows = transports.flatMap((t) => cases.map((c) => table.get(`${t.name}\u0000${c.name}`)))
    .filter((row) => row !== undefined)
  console.log(
    `\nFault table (transport × fault × endpoint → outcome; "req" = requests the emulator received, "×n" = times the write was applied)`
  )
  console.table(rows)
  const header = ["transport", "fault", ...endpoints]
  const markdown = [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${header.map((h) => row[h] ?? "—").join(" | ")} |`)
  ]
  console.log(markdown.join("\n"))
})

const fastRetry = RetryPolicy.layer({ baseDelay: "5 millis", maxDelay: "20 millis" })

const cell = (transport: string, c: FaultCase, endpoint: EndpointName) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
    const code = fresh("c")
    emulator.putCard({ card_id, code, balance: 100, bonus_value: 500 })
    const op = operation(endpoint, emulator, card_id, code)
    yield* op.setup
    emulator.clearFaults()
    emulator.inject({ endpoint, fault: c.fault, times: 1 })
    const before = emulator.requests(endpoint)
    const result = yield* Effect.result(op.run)
    // A delayed request is still being handled by the server after the client gave up on it: wait for it, so the
    // ledger below includes whatever it did.
    if (c.fault._tag === "Delay") yield* untilAllAnswered(emulator)
    const requests = emulator.requests(endpoint) - before
    const applied = op.key === undefined ? undefined : appliedAt(emulator, endpoint, op.key)
    const expected = c.expected(endpoint)
    const context = `${c.name} on ${endpoint}: ${Result.isFailure(result) ? String(result.failure) : "ok"}`
    const appliedText = applied === undefined ? "" : `, applied ×${applied}`
    let outcome: string

    switch (expected._tag) {
      case "RetriedOk":
      case "Ok": {
        expect(Result.isSuccess(result), context).toBe(true)
        if (expected._tag === "Ok") expect(requests, context).toBe(1)
        else if (c.fault._tag === "Delay") expect(requests, context).toBeGreaterThanOrEqual(2)
        else expect(requests, context).toBe(2)
        outcome = `${expected._tag === "Ok" ? "ok" : "ok after retry"} (${requests} req${appliedText})`
        if (op.key !== undefined) expect(applied, context).toBe(1)
        break
      }
      case "Fails": {
        expect(Result.isFailure(result), context).toBe(true)
        const error = Result.isFailure(result) ? result.failure : undefined
        expect(error?._tag, context).toBe(expected.error)
        if (expected.reason !== undefined) {
          expect(error !== undefined && "reason" in error ? error.reason : undefined, context).toBe(expected.reason)
        }
        if (error?._tag === "ResponseVerificationError" && expected.reason === "StaleTimestamp") {
          expect(error.skewSeconds, context).toBeGreaterThanOrEqual(301)
        }
        // Integrity failures are never repeated by the client.
        expect(requests, context).toBe(1)
        outcome = `${expected.error}${expected.reason ? `/${expected.reason}` : ""} (1 req${appliedText})`
        if (op.key !== undefined) {
          expect(applied, context).toBe(c.appliesBeforeFault ? 1 : 0)
          // The caller repeats the same call (same key, same body): safe, and nothing is applied twice.
          yield* op.run
          expect(appliedAt(emulator, endpoint, op.key), context).toBe(1)
          outcome += "; repeat → ok, still ×1"
        }
        break
      }
    }

    // The card shows each write exactly once.
    const card = emulator.card(card_id, code)!
    expect(card.balance, context).toBe(100 + op.balanceDelta)
    expect(card.bonus_value, context).toBe(500 + op.pointsDelta)
    if (endpoint === "PrepareBonus" || endpoint === "CommitBonus") {
      expect(emulator.order(op.key!), context).toEqual({ bonus_value: 30, committed: endpoint === "CommitBonus" })
    }
    record(transport, c.name, endpoint, outcome)
  })

const withEndpoints = (emulatorAndClient: EmulatorAndClient) => MemberCard.layer.pipe(Layer.provideMerge(emulatorAndClient), Layer.provideMerge(fastRetry))

for (const transport of transports) {
  describe(`reliability: fault table (loopback emulator, ${transport.name})`, () => {
    // Every fault but the slow response, with a timeout long enough never to fire on a loaded machine.
    layer(withEndpoints(transport.layer({ timeout: "3 seconds" })), { excludeTestServices: true })("timeout 3 s", (it) => {
      for (const c of cases.filter((c) => c.fault._tag !== "Delay")) {
        describe(c.name, () => {
          for (const endpoint of endpoints) it.effect(endpoint, () => cell(transport.name, c, endpoint))
        })
      }
    })
    // The slow response, against a client with a short per-attempt timeout.
    layer(withEndpoints(transport.layer({ timeout: SHORT_TIMEOUT })), { excludeTestServices: true })(
      `timeout ${SHORT_TIMEOUT}`,
      (it) => {
        for (const c of cases.filter((c) => c.fault._tag === "Delay")) {
          describe(c.name, () => {
            for (const endpoint of endpoints) it.effect(endpoint, () => cell(transport.name, c, endpoint))
          })
        }
      }
    )
  })
}
