/**
 * Secrets (issue 4): the demo scenario — all five endpoints — plus every fault of the fault table, a request signed
 * with a wrong key and layers built from broken keys, run with logging at Debug, a capturing Logger, a capturing
 * Tracer and the user's habit of logging every failure. Every log line, span name, span attribute, span event and
 * span exit, and every error's String(), message, JSON.stringify, util.inspect and Cause.pretty is captured; the
 * test fails if any of it holds a line of a merchant private key PEM, a request signature seen on the wire, or a
 * full Authorization header. Span attributes must carry `wechatpay.card_id` and never personal data (openid,
 * nickname).
 *
 * The APIv3 key: this client has no APIv3 key option yet (nothing is decrypted), so there is none to leak; that
 * part of the check is skipped until one exists.
 */
import * as crypto from "node:crypto"
import * as util from "node:util"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { MemberCard, RetryPolicy, WechatPay } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id } from "./support.js"

type EndpointName = Emulator.EndpointName


const code = "478515832665"
const openid = "oSecretOpenid0123456789abcdef"
const nickname = "Nick-Private-昵称"

/**
 * Where a text was seen:
 * - `log`: what the loggers wrote (logfmt, JSON, structured), the logged message and cause;
 * - `error`: every rendering of every error the library's API returned (or a layer build failed with);
 * - `span`: span names, attributes and events, and failed span exits as an exporter renders them (Cause.pretty and
 *   each error's message — what @effect/opentelemetry records);
 * - `span-exit-raw`: JSON.stringify / util.inspect of the failure inside a span exit (a custom exporter that dumps
 *   the whole exit).
 */
type Scope = "log" | "error" | "span" | "span-exit-raw"
const captured: Array<{ readonly scope: Scope; readonly where: string; readonly text: string }> = []
const capture = (scope: Scope, where: string, produce: () => string) => {
  try {
    captured.push({ scope, where, text: produce() })
  } catch (e) {
    // Some renderings throw on hostile input (JSON.stringify of a deeply nested value); record that they did.
    captured.push({ scope, where: `${where} (threw)`, text: String(e) })
  }
}
const captureValue = (scope: Scope, where: string, value: unknown) => {
  capture(scope, `${where} String`, () => String(value))
  capture(scope, `${where} JSON`, () => JSON.stringify(value) ?? "")
  capture(scope, `${where} inspect`, () => util.inspect(value, { depth: 20, maxStringLength: Infinity, maxArrayLength: Infinity }))
  if (value instanceof Error) capture(scope, `${where} message`, () => value.message)
}
/** The typed errors and the defects of a cause. */
const failures = <E>(cause: Cause.Cause<E>): Array<E> => cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error)
const defects = (cause: Cause.Cause<unknown>): Array<unknown> =>
  cause.reasons.filter(Cause.isDieReason).map((reason) => reason.defect)
const captureCause = (scope: Scope, where: string, cause: Cause.Cause<unknown>) => {
  capture(scope, `${where} Cause.pretty`, () => Cause.pretty(cause))
  for (const error of failures(cause)) captureValue(scope, `${where} error`, error)
  for (const defect of defects(cause)) captureValue(scope, `${where} defect`, defect)
}

const CapturingLogger = Logger.make<unknown, void>((options) => {
  capture("log", "logfmt", () => Logger.formatLogFmt.log(options))
  capture("log", "json", () => Logger.formatJson.log(options))
  capture("log", "structured", () => JSON.stringify(Logger.formatStructured.log(options)))
  captureValue("log", "message", options.message)
  captureCause("log", "cause", options.cause)
})

interface RecordedSpan {
  readonly name: string
  readonly span: Tracer.Span
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }>
  exit: Exit.Exit<unknown, unknown> | undefined
}
const spans: Array<RecordedSpan> = []
const capturingTracer = (base: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span(options) {
      const { name } = options
      const span = base.span(options)
      const recorded: RecordedSpan = { name, span, events: [], exit: undefined }
      spans.push(recorded)
      const wrapper: Tracer.Span = Object.assign(Object.create(span) as Tracer.Span, {
        attribute: (key: string, value: unknown) => span.attribute(key, value),
        addLinks: (links: ReadonlyArray<Tracer.SpanLink>) => span.addLinks(links),
        event: (name: string, startTime: bigint, attributes?: Record<string, unknown>) => {
          recorded.events.push({ name, attributes })
          span.event(name, startTime, attributes)
        },
        end: (endTime: bigint, exit: Exit.Exit<unknown, unknown>) => {
          recorded.exit = exit
          span.end(endTime, exit)
        }
      })
      return wrapper
    },
    context: base.context === undefined ? undefined : (primitive, fiber) => base.context!(primitive, fiber)
  })

/** Authorization headers exactly as sent. */
const wire: Array<string> = []
const TappedFetch = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (client) =>
    client.pipe(HttpClient.tapRequest((request) => Effect.sync(() => wire.push(request.headers["authorization"] ?? "")))))
).pipe(Layer.provide(FetchHttpClient.layer))

const faults: ReadonlyArray<Emulator.Fault> = [
  { _tag: "Error", status: 500, code: "SYSTEM_ERROR" },
  { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED" },
  { _tag: "EmptyError", status: 503 },
  { _tag: "Drop" },
  { _tag: "DropAfterApply" },
  { _tag: "Delay", millis: 600 },
  { _tag: "TamperSignature" },
  { _tag: "TamperBody" },
  { _tag: "ProbeSignature" },
  { _tag: "StaleTimestamp", seconds: 301 },
  { _tag: "UnknownSerial" },
  { _tag: "Unsigned" },
  { _tag: "NonJsonBody" },
  { _tag: "WrongShape" },
  { _tag: "InvalidTimestamp" },
  { _tag: "HugeHeader", bytes: 16 * 1024 },
  { _tag: "OversizedBody", bytes: 2 * 1024 * 1024 },
  { _tag: "DeepJson", depth: 100_000 }
]

/** Run a call the way an application would: log the failure (with its cause) and carry on. */
const attempt = <A, E, R>(label: string, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.exit,
    Effect.tap((exit) => {
      if (Exit.isSuccess(exit)) return Effect.logDebug(`${label}: ok`)
      captureCause("error", label, exit.cause)
      return Effect.logError(`${label} failed`, exit.cause)
    })
  )

const pemLines = (pem: string) => pem.split("\n").map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("-----"))

/** Secrets that must never appear, filled by the scenario. */
const secrets: Array<{ readonly what: string; readonly value: string }> = []

const scenario = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  emulator.putCard({ card_id, code, openid, nickname, balance: 888, bonus_value: 500, level: "银卡" })
  let n = 0
  const next = (prefix: string) => `${prefix}${++n}`

  const calls: Record<EndpointName, () => Effect.Effect<unknown, unknown, MemberCard.GetUserCard | MemberCard.UpdateUserCard | MemberCard.SetUserCardRights | MemberCard.PrepareBonus | MemberCard.CommitBonus>> = {
    GetUserCard: () => MemberCard.GetUserCard.call({ card_id, code }),
    UpdateUserCard: () =>
      MemberCard.UpdateUserCard.call({
        card_id,
        code,
        level: "钻石会员",
        out_request_no: next("upd-"),
        balance_information: { before_balance: 888, balance: 988, add_balance: 100, balance_remark: "充值100元" }
      }),
    SetUserCardRights: () => MemberCard.SetUserCardRights.call({ card_id, code, out_request_no: next("pts-"), add_bonus_value: 100 }),
    PrepareBonus: () => MemberCard.PrepareBonus.call({ card_id, code, out_trade_no: next("T"), mchid: emulator.mchid, bonus_value: 30 }),
    CommitBonus: () =>
      Effect.suspend(() => {
        const order = { card_id, code, out_trade_no: next("T"), mchid: emulator.mchid, bonus_value: 30 }
        return Effect.andThen(MemberCard.PrepareBonus.call(order), MemberCard.CommitBonus.call(order))
      })
  }

  // The demo story.
  for (const endpoint of Object.keys(calls) as Array<EndpointName>) yield* attempt(`demo ${endpoint}`, calls[endpoint]())
  yield* attempt("demo wrong code", MemberCard.GetUserCard.call({ card_id, code: "000000000000" }))
  yield* attempt("demo invalid input", MemberCard.PrepareBonus.call({ card_id, code, out_trade_no: "T-bad", mchid: emulator.mchid, bonus_value: -5 }))

  // Every fault on every endpoint (CommitBonus: its order is prepared cleanly first).
  for (const fault of faults) {
    for (const endpoint of Object.keys(calls) as Array<EndpointName>) {
      if (endpoint === "CommitBonus") {
        const order = { card_id, code, out_trade_no: next("T"), mchid: emulator.mchid, bonus_value: 30 }
        yield* attempt("prepare for commit", MemberCard.PrepareBonus.call(order))
        emulator.inject({ endpoint, fault })
        yield* attempt(`${fault._tag} on ${endpoint}`, MemberCard.CommitBonus.call(order))
      } else {
        emulator.inject({ endpoint, fault })
        yield* attempt(`${fault._tag} on ${endpoint}`, calls[endpoint]())
      }
      emulator.clearFaults()
    }
  }
  yield* Effect.sleep("700 millis")

  // A request signed with another key: the server's SIGN_ERROR detail comes back in the error.
  const wrongKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  const server = yield* Emulator.EmulatorServer
  const WrongKeyClient = MemberCard.layer.pipe(
    Layer.provide(WechatPay.layer({
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      merchantPrivateKey: Redacted.make(wrongKey),
      wechatpayPublicKeys: emulator.wechatpayPublicKeys,
      baseUrl: server.baseUrl
    })),
    Layer.provide(TappedFetch)
  )
  yield* attempt("wrong key", MemberCard.GetUserCard.call({ card_id, code }).pipe(Effect.provide(WrongKeyClient)))

  // Layers from broken keys.
  const privatePem = Redacted.value(emulator.merchantPrivateKey!)
  const lines = privatePem.split("\n")
  const broken = [
    [...lines.slice(0, 5), ...lines.slice(15)].join("\n"),
    pemLines(privatePem).join("\n"),
    privatePem.replace("PRIVATE KEY", "RSA PUBLIC KEY")
  ]
  for (const [i, pem] of broken.entries()) {
    yield* attempt(
      `broken key ${i}`,
      Effect.scoped(Layer.build(WechatPay.layer({
        mchid: emulator.mchid,
        merchantSerialNumber: emulator.merchantSerialNumber,
        merchantPrivateKey: Redacted.make(pem),
        wechatpayPublicKeys: emulator.wechatpayPublicKeys
      }).pipe(Layer.provide(FetchHttpClient.layer))))
    )
  }
  yield* attempt(
    "private key as a public key",
    Effect.scoped(Layer.build(WechatPay.layer({
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      merchantPrivateKey: emulator.merchantPrivateKey!,
      wechatpayPublicKeys: { [emulator.publicKeyId]: privatePem }
    }).pipe(Layer.provide(FetchHttpClient.layer))))
  )

  // Spans.
  for (const s of spans) {
    capture("span", "name", () => s.name)
    for (const [key, value] of s.span.attributes) {
      capture("span", `${s.name} attribute key`, () => key)
      captureValue("span", `${s.name} attribute ${key}`, value)
    }
    for (const event of s.events) captureValue("span", `${s.name} event ${event.name}`, event.attributes)
    if (s.exit !== undefined && Exit.isFailure(s.exit)) {
      capture("span", `${s.name} exit Cause.pretty`, () => Cause.pretty(s.exit!._tag === "Failure" ? s.exit!.cause : Cause.empty))
      for (const error of Cause.prettyErrors(s.exit.cause)) capture("span", `${s.name} exit error message`, () => error.message)
      for (const error of failures(s.exit.cause)) {
        capture("span-exit-raw", `${s.name} exit error JSON`, () => JSON.stringify(error) ?? "")
        capture("span-exit-raw", `${s.name} exit error inspect`, () => util.inspect(error, { depth: 20 }))
      }
    }
  }

  secrets.push(
    ...pemLines(privatePem).map((line, i) => ({ what: `merchant private key line ${i + 1}`, value: line })),
    ...pemLines(wrongKey).map((line, i) => ({ what: `wrong private key line ${i + 1}`, value: line })),
    ...wire.flatMap((authorization, i) => {
      const signature = /signature="([^"]+)"/.exec(authorization)?.[1]
      return [
        { what: `Authorization header ${i + 1}`, value: authorization },
        ...(signature === undefined ? [] : [{ what: `request signature ${i + 1}`, value: signature }])
      ]
    })
  )
}).pipe(
  Effect.provide(
    MemberCard.layer.pipe(
      Layer.provideMerge(Emulator.layerLoopbackWith({ client: { timeout: "300 millis" } })),
      Layer.provide(TappedFetch),
      Layer.provideMerge(RetryPolicy.layer({ baseDelay: "5 millis", maxDelay: "20 millis" }))
    )
  ),
  Effect.scoped,
  Effect.provide(Logger.layer([CapturingLogger])),
  Effect.provideService(References.MinimumLogLevel, "Debug"),
  (self) => Effect.flatMap(Effect.tracer, (base) => Effect.withTracer(self, capturingTracer(base)))
)

/** Secrets found in the captured texts of these scopes, with a little context around each. */
const leaksIn = (scopes: ReadonlyArray<Scope>): ReadonlyArray<string> => {
  const leaks: Array<string> = []
  for (const { scope, text, where } of captured) {
    if (!scopes.includes(scope)) continue
    for (const secret of secrets) {
      const at = text.indexOf(secret.value)
      if (at >= 0) leaks.push(`${secret.what} in ${scope} ${where}: …${text.slice(Math.max(0, at - 80), at)}<here>`)
    }
  }
  return leaks
}

describe("reliability: secrets (demo scenario × every fault, logging at Debug, tracing on)", () => {
  beforeAll(() => Effect.runPromise(scenario), 120_000)

  it("something was captured: Debug logs, spans, signed requests", () => {
    const endpointSpans = spans.filter((s) => s.name.startsWith("MemberCard."))
    console.log(
      `secrets: ${captured.length} texts captured (${captured.filter((c) => c.scope === "log").length} from logs, ` +
        `${captured.filter((c) => c.scope === "error").length} from returned errors, ${spans.length} spans), ` +
        `${wire.length} Authorization headers seen on the wire, ${secrets.length} secrets checked; ` +
        `APIv3 key: not configurable in this client, skipped`
    )
    expect(wire.length).toBeGreaterThan(100)
    expect(captured.some(({ scope, text }) => scope === "log" && text.includes("attempt failed")), "Debug retry logs").toBe(true)
    expect(endpointSpans.length).toBeGreaterThan(100)
    expect(secrets.length).toBeGreaterThan(200)
  })

  it("no private key line, request signature or Authorization header in logs, returned errors, span attributes, events or rendered span exits", () => {
    expect(leaksIn(["log", "error", "span"])).toEqual([])
  })

  it("every endpoint span carries wechatpay.card_id; no span attribute names or holds openid or nickname; no text holds them", () => {
    const endpointSpans = spans.filter((s) => s.name.startsWith("MemberCard."))
    for (const s of endpointSpans) expect(s.span.attributes.get("wechatpay.card_id"), s.name).toBe(card_id)
    expect(spans.flatMap((s) => [...s.span.attributes.keys()]).filter((key) => /openid|nickname/i.test(key))).toEqual([])
    expect(captured.filter(({ text }) => text.includes(openid) || text.includes(nickname)).map((c) => `${c.scope} ${c.where}`)).toEqual([])
  })

  // Beyond the letter of the issue: a tracer that dumps a failed span's whole exit (JSON.stringify / util.inspect of
  // the failure) sees the platform's HttpClientError of the `http.client` span, which holds the signed request with
  // its Authorization header. Redaction (`Headers.currentRedactedNames`) is only applied inside Effect's loggers.
  it("raw span exits (JSON.stringify / util.inspect of the failure) hold no Authorization header or signature", () => {
    const leaks = leaksIn(["span-exit-raw"])
    expect(leaks.length, leaks.slice(0, 3).join("\n")).toBe(0)
  })
})
