/**
 * Survivors of the Stryker run on src/Endpoint.ts (MUTATE_SCOPE=core-client) that a user would see, through the
 * in-process emulator:
 *
 * - each call's span: named after the endpoint, its string `spanAttributes`, WeChat's Request-ID on success and on an
 *   API error; a call without a body to decode still answers under a tracer;
 * - the phone number: encrypted once, sent as the ciphertext field with the encryptor's serial, never in plain; a
 *   number too long for RSA-OAEP refused before anything is sent;
 * - request validation messages: `is missing`, a wrong type without the value, nested paths, `(root)`;
 * - path parameters percent-encoded as RFC 3986 wants (`*` → `%2A`, upper-case hex);
 * - responses that are not JSON, or not the documented shape, as `ResponseDecodeError` with the Request-ID.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { MemberCard } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { recordingClient, recordingTracer, type SentRequest } from "./support.js"

const InProcess = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))

/** MemberCard over a client that records each request it sends, on an emulator of its own. */
const recorded = () => {
  const sent: Array<SentRequest> = []
  const layer = MemberCard.layer.pipe(
    Layer.provideMerge(recordingClient(sent)),
    Layer.provideMerge(Emulator.layer())
  )
  return { sent, layer }
}

describe("the call's span", () => {
  it.effect("named after the endpoint; the card id and WeChat's Request-ID on it, nothing else of the input", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id: "pSpanCard0000001", code: "span0001", openid: "oSpanOpenid" })
      const { spans, tracer } = recordingTracer()
      yield* MemberCard.getUserCard({ card_id: "pSpanCard0000001", code: "span0001" }).pipe(Effect.withTracer(tracer))
      const span = spans.find((s) => s.name === "MemberCard.GetUserCard")!
      expect(span.attributes.get("wechatpay.endpoint")).toBe("MemberCard.GetUserCard")
      expect(span.attributes.get("wechatpay.card_id")).toBe("pSpanCard0000001")
      expect(span.attributes.get("wechatpay.request_id")).toMatch(/\S+/)
      expect(span.attributes.has("wechatpay.code")).toBe(false)
    }).pipe(Effect.provide(InProcess)))

  it.effect("an API error: its Request-ID on the span, and the error itself unchanged", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putTemplate({ card_id: "pSpanCard0000002" })
      const { spans, tracer } = recordingTracer()
      const error = yield* Effect.flip(
        MemberCard.getUserCard({ card_id: "pSpanCard0000002", code: "nosuch01" }).pipe(Effect.withTracer(tracer))
      )
      expect(error._tag).not.toBe("RequestValidationError")
      const requestId = (error as { readonly requestId?: string }).requestId
      expect(requestId).toMatch(/\S+/)
      expect(spans.find((s) => s.name === "MemberCard.GetUserCard")!.attributes.get("wechatpay.request_id")).toBe(requestId)
    }).pipe(Effect.provide(InProcess)))

  it.effect("a call whose answer has no body to decode answers void, with or without a tracer", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id: "pSpanCard0000003", code: "span0003", openid: "oSpanOpenid3" })
      const { spans, tracer } = recordingTracer()
      const update = (out_request_no: string) =>
        MemberCard.updateUserCard({ card_id: "pSpanCard0000003", code: "span0003", level: "VIP", out_request_no })
      expect(yield* update("span-upd-1").pipe(Effect.withTracer(tracer))).toBeUndefined()
      expect(spans.find((s) => s.name === "MemberCard.UpdateUserCard")!.attributes.get("wechatpay.request_id")).toMatch(/\S+/)
      expect(yield* update("span-upd-2")).toBeUndefined()
      expect(emulator.card("pSpanCard0000003", "span0003")?.level).toBe("VIP")
    }).pipe(Effect.provide(InProcess)))
})

describe("the phone number", () => {
  const phone = "13812345678"

  it.effect("sent as encrypted_phone_number with the encryptor's serial, never in plain", () => {
    const { layer, sent } = recorded()
    return Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: "pPhoneCard000001" })
      const imported = yield* MemberCard.importUserCardByPhone({
        card_id,
        phone_number: Redacted.make(phone),
        out_request_no: "phone-0001"
      })
      expect(imported.code).toMatch(/\S+/)
      expect(sent).toHaveLength(1)
      const body = JSON.parse(sent[0]!.body) as Record<string, unknown>
      expect(Object.keys(body).sort()).toEqual(["encrypted_phone_number", "out_request_no"])
      expect(body["encrypted_phone_number"]).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
      expect(sent[0]!.body).not.toContain(phone)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a number too long for RSA-OAEP is refused before anything is sent, naming the limit", () => {
    const { layer, sent } = recorded()
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MemberCard.importUserCardByPhone({
        card_id: "pPhoneCard000002",
        phone_number: Redacted.make("1".repeat(300)),
        out_request_no: "phone-0002"
      }))
      expect(error).toMatchObject({
        _tag: "RequestValidationError",
        issues: [{ path: ["phone_number"], message: "must be at most 214 bytes of UTF-8 to be encrypted (RSA-OAEP)" }]
      })
      expect(error.message).toBe(
        "Invalid MemberCard.ImportUserCardByPhone request: phone_number: must be at most 214 bytes of UTF-8 to be encrypted (RSA-OAEP)"
      )
      expect(sent).toEqual([])
    }).pipe(Effect.provide(layer))
  })
})

describe("request validation messages", () => {
  it.effect("a missing field 'is missing'; a wrong type names what was expected, never the value", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(MemberCard.getUserCard({ card_id: 13812345678 } as never))
      expect(error).toMatchObject({ _tag: "RequestValidationError" })
      const issues = (error as { readonly issues: ReadonlyArray<{ path: ReadonlyArray<unknown>; message: string }> }).issues
      expect(issues).toContainEqual({ path: ["code"], message: "is missing" })
      const wrong = issues.find((i) => i.path[0] === "card_id")!
      expect(wrong.message).toMatch(/^Expected string$/)
      expect(error.message).toContain("code: is missing")
      expect(error.message).not.toContain("13812345678")
    }).pipe(Effect.provide(InProcess)))

  it.effect("input that is not an object: the issue is at the root", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(MemberCard.getUserCard("pbLatjvWOibDc5" as never))
      expect(error.message).toMatch(/^Invalid MemberCard\.GetUserCard request: \(root\): Expected /)
      expect(error.message).not.toContain("pbLatjvWOibDc5")
    }).pipe(Effect.provide(InProcess)))
})

describe("query parameters", () => {
  it.effect("percent-encoded per RFC 3986: ! ' ( ) * as %21 %27 %28 %29 %2A (upper-case hex), in declaration order", () => {
    const { layer, sent } = recorded()
    return Effect.gen(function*() {
      yield* Effect.exit(MemberCard.listUserCards({ openid: "o!'()*x", appid: "wx*1", offset: 0, limit: 20 }))
      expect(sent[0]!.url, sent[0]!.url).toMatch(/\/user\/cards\?openid=o%21%27%28%29%2Ax&appid=wx%2A1&offset=0&limit=20$/)
    }).pipe(Effect.provide(layer))
  })
})

describe("responses that are not what WeChat documents", () => {
  it.effect("a body that is not JSON: ResponseDecodeError saying so, with the Request-ID", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id: "pDecodeCard00001", code: "decode01", openid: "oDecode" })
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "NonJsonBody" } })
      const error = yield* Effect.flip(MemberCard.getUserCard({ card_id: "pDecodeCard00001", code: "decode01" }))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", message: "The response body is not JSON." })
      expect((error as { readonly requestId?: string }).requestId).toMatch(/\S+/)
    }).pipe(Effect.provide(InProcess)))

  it.effect("JSON of the wrong shape: ResponseDecodeError naming the endpoint, never the value", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id: "pDecodeCard00002", code: "decode02", openid: "oDecodeSecret" })
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "WrongShape" } })
      const exit = yield* Effect.exit(MemberCard.getUserCard({ card_id: "pDecodeCard00002", code: "decode02" }))
      if (exit._tag === "Success") throw new Error("decoded a wrong shape")
      const error = exit.cause.reasons[0]!
      const failure = error._tag === "Fail" ? error.error as { _tag: string; message: string } : undefined
      expect(failure?._tag).toBe("ResponseDecodeError")
      expect(failure?.message).toMatch(/^The response does not match MemberCard\.GetUserCard: /)
      expect(failure?.message).not.toContain("oDecodeSecret")
    }).pipe(Effect.provide(InProcess)))
})
