/**
 * Tracing: what an operator sees in their tracing backend for each WeChat Pay call, recorded with a Tracer of our
 * own against the emulator on 127.0.0.1 (real sockets, real signatures).
 *
 * What a payment engineer relies on: one `client` span per endpoint call, named after the endpoint, under whatever
 * span the calling code was in; the card id and WeChat's Request-ID on it (the Request-ID is what WeChat support
 * asks for); the span ends with the call's outcome, so failed payments show up as failed spans (including requests
 * refused before anything was sent); retries stay inside the one span; and nothing secret or personal lands on it.
 */
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import { describe, expect, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { card_id, fresh } from "./support.js"
import { RecordedSpan } from "./support-tracing.js"

/** Run `effect` under a fresh recording tracer; its exit and every span opened while it ran. */
const traced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const spans: Array<RecordedSpan> = []
    const tracer = Tracer.make({
      span: ({ annotations, kind, links, name, parent, sampled, startTime }) => {
        const span = new RecordedSpan(name, parent, annotations, links, startTime, kind, sampled)
        spans.push(span)
        return span
      }
    })
    const exit = yield* Effect.exit(Effect.withTracer(effect, tracer))
    return { exit, spans }
  })

/** What crossed the wire, as seen by the HttpClient under the library. */
const wire = {
  /** `Request-ID` of every response, in order. */
  requestIds: [] as Array<string>,
  /** `Authorization` header of every request, in order. */
  authorizations: [] as Array<string>,
  /** `Wechatpay-Signature` of every response that had one. */
  responseSignatures: [] as Array<string>
}
const RecordingFetch = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (client) =>
    client.pipe(
      HttpClient.tapRequest((request) => Effect.sync(() => wire.authorizations.push(request.headers["authorization"] ?? ""))),
      HttpClient.tap((response) =>
        Effect.sync(() => {
          wire.requestIds.push(response.headers["request-id"] ?? "")
          const signature = response.headers["wechatpay-signature"]
          if (signature !== undefined) wire.responseSignatures.push(signature)
        })
      )
    ))
).pipe(Layer.provide(FetchHttpClient.layer))

const Live = MemberCard.layer.pipe(
  Layer.provideMerge(Emulator.layerLoopbackWith()),
  Layer.provide(RecordingFetch),
  Layer.provideMerge(RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "5 millis" }))
)

const newCard = (emulator: Emulator.EmulatorState) =>
  emulator.putCard({ card_id, code: fresh("t").slice(0, 32), balance: 100, bonus_value: 50, openid: "oPrivateOpenid42", nickname: "张三" })

const endpointSpans = (spans: ReadonlyArray<RecordedSpan>) => spans.filter((span) => span.name.startsWith("MemberCard."))

/** The typed error a failed span exit carries. */
const failureOf = (exit: Exit.Exit<unknown, unknown>): unknown => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) return undefined
  return Option.getOrUndefined(Cause.findErrorOption(exit.cause))
}

layer(Live, { excludeTestServices: true })("endpoint spans (loopback emulator, recording tracer)", (it) => {
  describe("one client span per call", () => {
    it.effect("GetUserCard: one span named after the endpoint, kind client, with card_id and the response's Request-ID", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const idsBefore = wire.requestIds.length
        const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(spans.map((s) => s.name)).toEqual(["MemberCard.GetUserCard"])
        const [span] = spans
        expect(span!.kind).toBe("client")
        expect(span!.attributes.get("wechatpay.endpoint")).toBe("MemberCard.GetUserCard")
        expect(span!.attributes.get("wechatpay.card_id")).toBe(card_id)
        const sent = wire.requestIds.slice(idsBefore)
        expect(sent).toHaveLength(1)
        expect(sent[0]).toMatch(/^[0-9a-f]{32}$/)
        expect(span!.attributes.get("wechatpay.request_id")).toBe(sent[0])
      }))

    it.effect("every member-card endpoint opens exactly one span of its own name, with card_id and Request-ID", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const order = { card_id, code: card.code, out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 5 }
        const calls = [
          ["MemberCard.GetUserCard", MemberCard.getUserCard({ card_id, code: card.code })],
          ["MemberCard.UpdateUserCard", MemberCard.updateUserCard({ card_id, code: card.code, out_request_no: fresh("u"), level: "金卡" })],
          [
            "MemberCard.SetUserCardRights",
            MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no: fresh("r"), add_bonus_value: 10 })
          ],
          ["MemberCard.PrepareBonus", MemberCard.prepareBonus(order)],
          ["MemberCard.CommitBonus", MemberCard.commitBonus(order)]
        ] as const
        for (const [name, call] of calls) {
          const idsBefore = wire.requestIds.length
          const { exit, spans } = yield* traced(call as Effect.Effect<unknown, unknown, MemberCard.Services>)
          expect(Exit.isSuccess(exit), name).toBe(true)
          expect(spans.map((s) => s.name)).toEqual([name])
          expect(spans[0]!.kind).toBe("client")
          expect(spans[0]!.attributes.get("wechatpay.endpoint")).toBe(name)
          expect(spans[0]!.attributes.get("wechatpay.card_id")).toBe(card_id)
          expect(spans[0]!.attributes.get("wechatpay.request_id")).toBe(wire.requestIds[idsBefore])
          expect(spans[0]!.ends, name).toBe(1)
          expect(Exit.isSuccess(spans[0]!.exit), name).toBe(true)
        }
        expect(emulator.applied(order.out_trade_no)).toBe(2)
      }))

    it.effect("the span ends with the call's value", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }))
        const [span] = endpointSpans(spans)
        expect(span!.ends).toBe(1)
        expect(span!.exit).toEqual(exit)
        expect(Exit.isSuccess(span!.exit) && (span!.exit.value as MemberCard.UserCard).bonus_value).toBe(50)
      }))
  })

  describe("parentage", () => {
    it.effect("inside Effect.withSpan(\"checkout\") each call's span is a child of checkout, in its trace; calls are siblings", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const { exit, spans } = yield* traced(
          Effect.gen(function*() {
            yield* MemberCard.getUserCard({ card_id, code: card.code })
            yield* MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no: fresh("r"), add_bonus_value: 1 })
          }).pipe(Effect.withSpan("checkout"))
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(spans.map((s) => s.name)).toEqual(["checkout", "MemberCard.GetUserCard", "MemberCard.SetUserCardRights"])
        const [checkout, get, rights] = spans
        for (const child of [get!, rights!]) {
          expect(Option.isSome(child.parent)).toBe(true)
          expect(Option.getOrUndefined(child.parent)).toBe(checkout)
          expect(child.traceId).toBe(checkout!.traceId)
          expect(child.ends).toBe(1)
        }
        // Both endpoint spans ended before checkout did.
        expect(checkout!.ends).toBe(1)
      }))

    it.effect("without a caller span the endpoint span is a root", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const { spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }))
        expect(spans).toHaveLength(1)
        expect(Option.isNone(spans[0]!.parent)).toBe(true)
      }))

    it.effect("a parent set with Effect.withParentSpan (e.g. an incoming request's span) is the parent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const incoming = Tracer.externalSpan({ spanId: "00f067aa0ba902b7", traceId: "4bf92f3577b34da6a3ce929d0e0e4736" })
        const { spans } = yield* traced(
          MemberCard.getUserCard({ card_id, code: card.code }).pipe(Effect.withParentSpan(incoming))
        )
        expect(spans).toHaveLength(1)
        expect(Option.getOrUndefined(spans[0]!.parent)).toBe(incoming)
        expect(spans[0]!.traceId).toBe(incoming.traceId)
      }))
  })

  describe("failures end the span as failed", () => {
    for (
      const [status, code, tag] of [
        [404, "RESOURCE_NOT_EXISTS", "NotFound"],
        [400, "PARAM_ERROR", "ParamError"]
      ] as const
    ) {
      it.effect(`a ${status} ${code} answer: the span's exit fails with the same ${tag} the caller got`, () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.Emulator
          const card = newCard(emulator)
          emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status, code, message: "说明" } })
          const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }))
          const error = failureOf(exit)
          expect(error).toMatchObject({ _tag: tag, status, code })
          expect(spans.map((s) => s.name)).toEqual(["MemberCard.GetUserCard"])
          const [span] = spans
          expect(span!.ends).toBe(1)
          expect(failureOf(span!.exit)).toBe(error)
          expect(span!.attributes.get("wechatpay.card_id")).toBe(card_id)
        }))
    }

    // WeChat support asks for the Request-ID of the failed call; it arrives on error responses too (the typed error
    // carries it), so the failed span must carry it as well.
    it.effect("a failed call's span carries the Request-ID of WeChat's error response", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 404, code: "RESOURCE_NOT_EXISTS" } })
        const idsBefore = wire.requestIds.length
        const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }))
        const error = failureOf(exit) as { readonly requestId?: string }
        expect(error.requestId).toMatch(/^[0-9a-f]{32}$/)
        expect(wire.requestIds.slice(idsBefore)).toEqual([error.requestId])
        expect(spans[0]!.attributes.get("wechatpay.request_id")).toBe(error.requestId)
      }))

    it.effect("a RequestValidationError (nothing sent) still yields one span, ended as failed with that error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const receivedBefore = emulator.requests()
        const sentBefore = wire.authorizations.length
        const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: "" }))
        const error = failureOf(exit)
        expect(error).toMatchObject({ _tag: "RequestValidationError", endpoint: "MemberCard.GetUserCard" })
        expect(emulator.requests()).toBe(receivedBefore)
        expect(wire.authorizations.length).toBe(sentBefore)
        expect(spans.map((s) => s.name)).toEqual(["MemberCard.GetUserCard"])
        const [span] = spans
        expect(span!.kind).toBe("client")
        expect(span!.ends).toBe(1)
        expect(failureOf(span!.exit)).toBe(error)
        expect(span!.attributes.get("wechatpay.endpoint")).toBe("MemberCard.GetUserCard")
        expect(span!.attributes.get("wechatpay.card_id")).toBe(card_id)
        expect(span!.attributes.has("wechatpay.request_id")).toBe(false)
      }))

    it.effect("a forged response (tampered signature): the span fails with ResponseVerificationError", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "TamperSignature" } })
        const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }))
        const error = failureOf(exit)
        expect(error).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidSignature" })
        expect(spans).toHaveLength(1)
        expect(failureOf(spans[0]!.exit)).toBe(error)
      }))
  })

  describe("retries", () => {
    it.effect("500 SYSTEM_ERROR then success: two requests, one span, ended with success and the final Request-ID", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
        const receivedBefore = emulator.requests("GetUserCard")
        const idsBefore = wire.requestIds.length
        const { exit, spans } = yield* traced(MemberCard.getUserCard({ card_id, code: card.code }).pipe(Effect.withSpan("checkout")))
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(emulator.requests("GetUserCard") - receivedBefore).toBe(2)
        const ids = wire.requestIds.slice(idsBefore)
        expect(ids).toHaveLength(2)
        expect(ids[0]).not.toBe(ids[1])
        expect(spans.map((s) => s.name)).toEqual(["checkout", "MemberCard.GetUserCard"])
        const span = endpointSpans(spans)[0]!
        expect(span.ends).toBe(1)
        expect(Exit.isSuccess(span.exit)).toBe(true)
        expect(span.attributes.get("wechatpay.request_id")).toBe(ids[1])
      }))

    it.effect("a write retried after 500 (same out_request_no) is one span too, applied once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
        const out_request_no = fresh("r")
        const receivedBefore = emulator.requests("SetUserCardRights")
        const { exit, spans } = yield* traced(
          MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no, add_bonus_value: 7 })
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(emulator.requests("SetUserCardRights") - receivedBefore).toBe(2)
        expect(emulator.applied(out_request_no)).toBe(1)
        expect(spans.map((s) => s.name)).toEqual(["MemberCard.SetUserCardRights"])
      }))
  })

  describe("nothing secret or personal on the span", () => {
    it.effect("attributes are only endpoint, card_id and request_id: no private key line, Authorization, signature, openid, nickname or card code", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = newCard(emulator)
        const sentBefore = wire.authorizations.length
        const signaturesBefore = wire.responseSignatures.length
        const { spans } = yield* traced(
          Effect.gen(function*() {
            yield* MemberCard.getUserCard({ card_id, code: card.code })
            yield* MemberCard.setUserCardRights({ card_id, code: card.code, out_request_no: fresh("r"), add_bonus_value: 3 })
            yield* Effect.exit(MemberCard.getUserCard({ card_id, code: "no-such-code" }))
          }).pipe(Effect.withSpan("checkout"))
        )
        const authorizations = wire.authorizations.slice(sentBefore)
        const requestSignatures = authorizations.map((a) => /signature="([^"]+)"/.exec(a)?.[1] ?? "")
        const responseSignatures = wire.responseSignatures.slice(signaturesBefore)
        expect(authorizations).toHaveLength(3)
        expect(requestSignatures.every((s) => s.length > 100)).toBe(true)
        expect(responseSignatures).toHaveLength(2)
        const privateKeyLines = Redacted.value(emulator.merchantPrivateKey!).split("\n")
          .map((line) => line.trim()).filter((line) => line.length > 0 && !line.startsWith("-----"))
        expect(privateKeyLines.length).toBeGreaterThan(10)
        const secrets = [
          ...privateKeyLines,
          ...authorizations,
          ...requestSignatures,
          ...responseSignatures,
          card.openid,
          card.nickname,
          card.code
        ]

        const spansOfCalls = endpointSpans(spans)
        expect(spansOfCalls).toHaveLength(3)
        const allowed = ["wechatpay.card_id", "wechatpay.endpoint", "wechatpay.request_id"]
        for (const span of spansOfCalls) {
          const keys = [...span.attributes.keys()]
          expect(keys.filter((key) => !allowed.includes(key)), span.name).toEqual([])
          expect(keys, span.name).toEqual(expect.arrayContaining(["wechatpay.endpoint", "wechatpay.card_id"]))
          expect(span.events).toEqual([])
        }
        const texts = spans.flatMap((span) => [
          span.name,
          ...[...span.attributes].flatMap(([key, value]) => [key, String(value), JSON.stringify(value) ?? ""]),
          ...span.events.map((event) => JSON.stringify(event))
        ])
        for (const secret of secrets) {
          expect(secret.length).toBeGreaterThan(0)
          for (const text of texts) expect(text.includes(secret), `span text holds a secret: ${text.slice(0, 80)}`).toBe(false)
        }
      }))
  })
})
