/**
 * The secrets sweep, on both transports and by fragment: no 24-character piece of the merchant private key's Base64
 * body (or of a broken key handed to a layer), and no 24-character piece of any request signature sent, may appear
 * in any returned error (String, JSON, message, util.inspect, Cause.pretty), any log line (a capturing Logger at
 * Debug), or any span name, attribute, event or failed exit.
 *
 * Whole-line matching missed a 40-character slice of a key in an error message; a sweep over fetch alone missed an
 * Authorization header in a node:http connection error. Every failure path is driven: API errors, dropped
 * connections, timeouts, connection refused, every verification failure, decode failures, oversized bodies, a
 * request signed with the wrong key (WeChat's SIGN_ERROR `sign_information`), and layers built from broken keys.
 */
import * as crypto from "node:crypto"
import * as Http from "node:http"
import * as util from "node:util"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import * as HttpClientTransport from "../src/HttpClientTransport.js"
import { MemberCard, NodeTransport, RetryPolicy, Transport, WechatPay } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, listenLoopback } from "./support.js"

const fragment = 24

/** The Base64 body of a PEM, on one line. */
const base64Body = (pem: string) =>
  pem.split("\n").filter((line) => line.length > 0 && !line.startsWith("-----")).map((line) => line.trim()).join("")

/** Windows that every RSA PKCS#8 key shares (ASN.1 framing), taken from a key that is no secret of this test. */
const structural = (() => {
  const windows = new Set<string>()
  for (let i = 0; i < 2; i++) {
    const body = base64Body(
      crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
    )
    for (let at = 0; at + fragment <= body.length; at++) windows.add(body.slice(at, at + fragment))
  }
  return windows
})()

/** Every secret window → what it belongs to. */
class Secrets {
  readonly windows = new Map<string, string>()
  add(what: string, value: string) {
    for (let at = 0; at + fragment <= value.length; at++) {
      const window = value.slice(at, at + fragment)
      if (!structural.has(window)) this.windows.set(window, `${what} [${at}…${at + fragment})`)
    }
  }
  /**
   * The first secret fragment in `text`, if any — also once line breaks and whitespace (raw or JSON-escaped) are
   * taken out, so a slice of a PEM that spans a line break is found too.
   */
  find(text: string): string | undefined {
    for (const candidate of [text, text.replace(/\\[nr]|\s/g, "")]) {
      for (let at = 0; at + fragment <= candidate.length; at++) {
        const hit = this.windows.get(candidate.slice(at, at + fragment))
        if (hit !== undefined) return `${hit} at ${at}: …${candidate.slice(Math.max(0, at - 60), at + fragment)}…`
      }
    }
    return undefined
  }
}

interface Capture {
  readonly texts: Array<{ readonly where: string; readonly text: string }>
  /** Authorization headers as handed to the transport. */
  readonly authorizations: Array<string>
}

const render = (capture: Capture, where: string, produce: () => string) => {
  try {
    capture.texts.push({ where, text: produce() })
  } catch (e) {
    capture.texts.push({ where: `${where} (threw)`, text: String(e) })
  }
}
const renderValue = (capture: Capture, where: string, value: unknown) => {
  render(capture, `${where} String`, () => String(value))
  render(capture, `${where} JSON`, () => JSON.stringify(value) ?? "")
  render(capture, `${where} inspect`, () => util.inspect(value, { depth: 20, maxStringLength: Infinity, maxArrayLength: Infinity }))
  if (value instanceof Error) {
    render(capture, `${where} message`, () => value.message)
    render(capture, `${where} stack`, () => value.stack ?? "")
  }
}
const renderCause = (capture: Capture, where: string, cause: Cause.Cause<unknown>) => {
  render(capture, `${where} Cause.pretty`, () => Cause.pretty(cause))
  for (const reason of cause.reasons) {
    if (Cause.isFailReason(reason)) renderValue(capture, `${where} failure`, reason.error)
    else if (Cause.isDieReason(reason)) renderValue(capture, `${where} defect`, reason.defect)
  }
}

const capturingLogger = (capture: Capture) =>
  Logger.make<unknown, void>((options) => {
    render(capture, "log logfmt", () => Logger.formatLogFmt.log(options))
    render(capture, "log json", () => Logger.formatJson.log(options))
    render(capture, "log structured", () => JSON.stringify(Logger.formatStructured.log(options)))
    renderValue(capture, "log message", options.message)
    renderCause(capture, "log cause", options.cause)
  })

const capturingTracer = (capture: Capture, base: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    span(options) {
      const { name } = options
      const span = base.span(options)
      render(capture, "span name", () => name)
      return Object.assign(Object.create(span) as Tracer.Span, {
        attribute: (key: string, value: unknown) => {
          renderValue(capture, `span ${name} attribute ${key}`, value)
          span.attribute(key, value)
        },
        addLinks: (links: ReadonlyArray<Tracer.SpanLink>) => span.addLinks(links),
        event: (event: string, time: bigint, attributes?: Record<string, unknown>) => {
          renderValue(capture, `span ${name} event ${event}`, attributes)
          span.event(event, time, attributes)
        },
        end: (endTime: bigint, exit: Exit.Exit<unknown, unknown>) => {
          for (const [key, value] of span.attributes) renderValue(capture, `span ${name} attribute ${key}`, value)
          if (Exit.isFailure(exit)) renderCause(capture, `span ${name} exit`, exit.cause)
          span.end(endTime, exit)
        }
      })
    },
    context: base.context === undefined ? undefined : (primitive, fiber) => base.context!(primitive, fiber)
  })

/** A transport layer that records the Authorization header of every request handed to it. */
const tapped = <E>(capture: Capture, inner: Layer.Layer<Transport.Transport, E>): Layer.Layer<Transport.Transport, E> =>
  Layer.effect(
    Transport.Transport,
    Effect.map(Transport.Transport, (transport) => ({
      send: (request, limits) => {
        capture.authorizations.push(request.headers["authorization"] ?? "")
        return transport.send(request, limits)
      }
    }))
  ).pipe(Layer.provide(inner))

const transports = {
  fetch: Layer.effect(Transport.Transport, Effect.map(HttpClient.HttpClient, HttpClientTransport.fromHttpClient)).pipe(
    Layer.provide(FetchHttpClient.layer)
  ),
  node: NodeTransport.layer()
} as const

const faults: ReadonlyArray<Emulator.Fault> = [
  { _tag: "Error", status: 500, code: "SYSTEM_ERROR" },
  { _tag: "Error", status: 400, code: "PARAM_ERROR" },
  { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED" },
  { _tag: "EmptyError", status: 503 },
  { _tag: "Drop" },
  { _tag: "DropAfterApply" },
  { _tag: "Delay", millis: 400 },
  { _tag: "TamperSignature" },
  { _tag: "TamperBody" },
  { _tag: "ProbeSignature" },
  { _tag: "StaleTimestamp", seconds: 301 },
  { _tag: "UnknownSerial" },
  { _tag: "Unsigned" },
  { _tag: "NonJsonBody" },
  { _tag: "WrongShape" },
  { _tag: "InvalidTimestamp" },
  { _tag: "OversizedBody", bytes: 2 * 1024 * 1024 }
]

const sweep = (name: keyof typeof transports) =>
  Effect.gen(function*() {
    const capture: Capture = { texts: [], authorizations: [] }
    const secrets = new Secrets()
    const emulator = new Emulator.EmulatorState()
    const privatePem = Redacted.value(emulator.merchantPrivateKey!)
    secrets.add("merchant private key", base64Body(privatePem))
    const code = "478515832665"
    emulator.putCard({ card_id, code, balance: 888, bonus_value: 500 })
    const server = yield* Emulator.serve(emulator)
    const transport = tapped(capture, transports[name])
    const clientOptions = (extra: Partial<WechatPay.Options> = {}): WechatPay.Options => ({
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      merchantPrivateKey: emulator.merchantPrivateKey!,
      wechatpayPublicKeys: emulator.wechatpayPublicKeys,
      baseUrl: server.baseUrl,
      timeout: "200 millis",
      ...extra
    })
    const client = (extra: Partial<WechatPay.Options> = {}) =>
      MemberCard.layer.pipe(Layer.provide(WechatPay.layerWith(clientOptions(extra))), Layer.provide(transport))

    /** Run as an application would: log every failure with its cause, keep every error. */
    const run = <A, E, R>(label: string, effect: Effect.Effect<A, E, R>) =>
      Effect.exit(effect).pipe(
        Effect.tap((exit) => {
          if (Exit.isSuccess(exit)) return Effect.logDebug(`${label}: ok`)
          renderCause(capture, `error ${label}`, exit.cause)
          return Effect.logError(`${label} failed`, exit.cause)
        })
      )

    let n = 0
    const calls: Record<Exclude<Emulator.EndpointName, "CommitBonus">, () => Effect.Effect<unknown, unknown, MemberCard.Services>> = {
      GetUserCard: () => MemberCard.getUserCard({ card_id, code }),
      UpdateUserCard: () => MemberCard.updateUserCard({ card_id, code, out_request_no: `upd-${name}-${++n}`, level: "金卡" }),
      SetUserCardRights: () => MemberCard.setUserCardRights({ card_id, code, out_request_no: `pts-${name}-${++n}`, add_bonus_value: 1 }),
      PrepareBonus: () =>
        MemberCard.prepareBonus({ card_id, code, out_trade_no: `T${name}${++n}`, mchid: emulator.mchid, bonus_value: 3 })
    }
    const endpoints = Object.keys(calls) as Array<keyof typeof calls>

    yield* Effect.gen(function*() {
      for (const endpoint of endpoints) yield* run(`clean ${endpoint}`, calls[endpoint]())
      for (const fault of faults) {
        for (const endpoint of endpoints) {
          emulator.inject({ endpoint, fault, times: 10 })
          yield* run(`${fault._tag} on ${endpoint}`, calls[endpoint]())
          emulator.clearFaults()
        }
      }
      yield* run("invalid input", MemberCard.getUserCard({ card_id, code: "" }))
    }).pipe(Effect.provide(client()))

    // A closed port: connection refused, on every attempt.
    const closed = yield* Effect.scoped(listenLoopback(Http.createServer()))
    yield* run("connection refused", MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(client({ baseUrl: closed }))))

    // Signed with a key WeChat does not know: SIGN_ERROR, with WeChat's reconstruction of the sign string.
    const wrongKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" })
      .toString()
    secrets.add("unregistered private key", base64Body(wrongKey))
    yield* run(
      "wrong key",
      MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(client({ merchantPrivateKey: Redacted.make(wrongKey) })))
    )

    // Layers from broken keys: whatever is wrong with them, no piece of them is repeated.
    const body = base64Body(privatePem)
    const wrap = (b64: string, label = "PRIVATE KEY") =>
      `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`
    const middle = body.length >> 1
    const broken: ReadonlyArray<readonly [string, string]> = [
      ["one character changed", wrap(body.slice(0, middle) + (body[middle] === "A" ? "B" : "A") + body.slice(middle + 1))],
      ["truncated", wrap(body.slice(0, 900))],
      ["not Base64", wrap(body.slice(0, 400) + "!@#$" + body.slice(404))],
      ["labelled as a public key", wrap(body, "PUBLIC KEY")],
      ["labelled as a certificate", wrap(body, "CERTIFICATE")],
      ["labelled as something else", wrap(body, "EC PRIVATE KEY")],
      ["the Base64 body alone (no BEGIN line)", body],
      ["PKCS#1 label on PKCS#8 bytes", wrap(body, "RSA PRIVATE KEY")]
    ]
    for (const [what, pem] of broken) {
      secrets.add(`broken key (${what})`, base64Body(pem))
      yield* run(`broken key: ${what}`, Effect.scoped(Layer.build(client({ merchantPrivateKey: Redacted.make(pem) }))))
    }
    // The private key where a public key belongs.
    yield* run(
      "private key as a platform key",
      Effect.scoped(Layer.build(client({ wechatpayPublicKeys: { [emulator.publicKeyId]: privatePem } })))
    )

    for (const [i, authorization] of capture.authorizations.entries()) {
      const signature = /signature="([^"]+)"/.exec(authorization)?.[1]
      if (signature !== undefined) secrets.add(`request signature ${i + 1}`, signature)
    }
    return { capture, secrets }
  }).pipe(
    Effect.scoped,
    Effect.provide(RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "5 millis", maxRetries: 2 })),
    Effect.provideService(References.MinimumLogLevel, "Debug")
  )

for (const name of Object.keys(transports) as Array<keyof typeof transports>) {
  describe(`secrets over ${name}`, () => {
    it.live("no 24-character fragment of a private key or of a request signature in errors, logs or spans", () =>
      Effect.gen(function*() {
        const holder: Capture = { texts: [], authorizations: [] }
        const base = yield* Effect.tracer
        const { capture, secrets } = yield* sweep(name).pipe(
          Effect.provide(Logger.layer([capturingLogger(holder)])),
          Effect.withTracer(capturingTracer(holder, base))
        )
        const texts = [...capture.texts, ...holder.texts]
        // The sweep saw what it claims to have seen.
        expect(capture.authorizations.length).toBeGreaterThan(80)
        expect(texts.filter((t) => t.where.startsWith("error ")).length).toBeGreaterThan(100)
        expect(texts.some((t) => t.where.startsWith("log") && t.text.includes("attempt failed"))).toBe(true)
        expect(texts.some((t) => t.where.startsWith("span MemberCard.GetUserCard attribute"))).toBe(true)
        expect(texts.some((t) => /TransportError/.test(t.text) && /Connection/.test(t.text))).toBe(true)
        expect(texts.some((t) => /SignError/.test(t.text) && /sign_information|truncated_sign_message/.test(t.text))).toBe(true)
        expect(texts.filter((t) => t.where.startsWith("error broken key") && /ConfigurationError/.test(t.text)).length)
          .toBeGreaterThanOrEqual(8)
        expect(secrets.windows.size).toBeGreaterThan(20_000)
        const leaks = texts.flatMap(({ where, text }) => {
          const hit = secrets.find(text)
          return hit === undefined ? [] : [`${where}: ${hit}`]
        })
        expect(leaks.slice(0, 5)).toEqual([])
      }), 120_000)
  })
}
