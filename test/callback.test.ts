/**
 * 设置/查询回调地址 (#1 setCallback, #2 getCallback) against the loopback emulator: happy paths with the emulator's
 * state, every request rule at the limit and one past it (nothing sent), repeat safety, and the types.
 */
import { describe, expect, expectTypeOf, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Endpoint, MemberCard } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { refused } from "./support.js"

const Live = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopback()))

// Hand-written URLs of known length: "https://a.cn/" is 13 characters, then 243 "p" make 256.
const url256 = "https://a.cn/" + "p".repeat(243)
const url257 = url256 + "p"

const setCallbacks = (emulator: Emulator.EmulatorState) => emulator.ledger.filter((e) => e.endpoint === "SetCallback")

layer(Live, { excludeTestServices: true })("callback URL on the loopback emulator", (it) => {
  it.effect("getCallback before any URL is set: RESOURCE_NOT_EXISTS (the docs are silent; the emulator's choice)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(MemberCard.getCallback({}))
      expect(error._tag).toBe("NotFound")
    }))

  it.effect("setCallback stores the URL (one ledger entry) and answers it; getCallback reads it back", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const before = setCallbacks(emulator).length
      const set = yield* MemberCard.setCallback({ notify_url: "https://shangjia.example.com/membercard/notify" })
      expect(set).toEqual({ notify_url: "https://shangjia.example.com/membercard/notify", mchid: emulator.mchid })
      expect(setCallbacks(emulator).slice(before)).toEqual([
        { endpoint: "SetCallback", key: "", notify_url: "https://shangjia.example.com/membercard/notify" }
      ])
      const got = yield* MemberCard.getCallback({})
      expect(got).toEqual({ notify_url: "https://shangjia.example.com/membercard/notify", mchid: emulator.mchid })
    }))

  it.effect("setCallback is repeated after a 503 (not processed): success, two requests, applied once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const before = setCallbacks(emulator).length
      const requests = emulator.requests("SetCallback")
      emulator.inject({ endpoint: "SetCallback", fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" } })
      const set = yield* MemberCard.setCallback({ notify_url: "https://retry.example.com/notify" })
      expect(set.notify_url).toBe("https://retry.example.com/notify")
      expect(emulator.requests("SetCallback")).toBe(requests + 2)
      expect(setCallbacks(emulator).slice(before)).toEqual([
        { endpoint: "SetCallback", key: "", notify_url: "https://retry.example.com/notify" }
      ])
      expect((yield* MemberCard.getCallback({})).notify_url).toBe("https://retry.example.com/notify")
    }))

  it.effect("setCallback is not repeated after DropAfterApply (outcome unknown): TransportError, one request, applied once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const before = setCallbacks(emulator).length
      const requests = emulator.requests("SetCallback")
      emulator.inject({ endpoint: "SetCallback", fault: { _tag: "DropAfterApply" } })
      const error = yield* Effect.flip(MemberCard.setCallback({ notify_url: "https://dropped.example.com/notify" }))
      expect(error._tag).toBe("TransportError")
      expect(emulator.requests("SetCallback")).toBe(requests + 1)
      expect(setCallbacks(emulator).slice(before)).toEqual([
        { endpoint: "SetCallback", key: "", notify_url: "https://dropped.example.com/notify" }
      ])
      // The caller reads the state before deciding to repeat: the URL was set.
      expect((yield* MemberCard.getCallback({})).notify_url).toBe("https://dropped.example.com/notify")
    }))

  describe("notify_url rules", () => {
    it.effect("256 characters: accepted and stored", () =>
      Effect.gen(function*() {
        expect(url256.length).toBe(256)
        yield* MemberCard.setCallback({ notify_url: url256 })
        expect((yield* MemberCard.getCallback({})).notify_url).toBe(url256)
      }))
    it.effect("257 characters: refused before sending", () => refused(MemberCard.setCallback({ notify_url: url257 })))
    it.effect("http:// is refused (https only)", () =>
      refused(MemberCard.setCallback({ notify_url: "http://shangjia.example.com/notify" })))
    it.effect("a query string is refused (the URL cannot carry parameters)", () =>
      refused(MemberCard.setCallback({ notify_url: "https://shangjia.example.com/notify?id=1" })))
    it.effect("a fragment is refused", () =>
      refused(MemberCard.setCallback({ notify_url: "https://shangjia.example.com/notify#x" })))
    it.effect("empty is refused", () => refused(MemberCard.setCallback({ notify_url: "" })))
  })
})

describe("callback types", () => {
  it("setCallback and getCallback: success, error and requirement", () => {
    const set = MemberCard.setCallback({ notify_url: "https://a.cn/" })
    const get = MemberCard.getCallback({})
    expectTypeOf(set).toEqualTypeOf<
      Effect.Effect<MemberCard.SetCallbackResponse, MemberCard.SetCallbackError, MemberCard.SetCallback>
    >()
    expectTypeOf(get).toEqualTypeOf<
      Effect.Effect<MemberCard.MemberCardCallback, MemberCard.GetCallbackError, MemberCard.GetCallback>
    >()
    expectTypeOf<MemberCard.SetCallbackError>().toEqualTypeOf<Endpoint.JsonError>()
    expectTypeOf<MemberCard.GetCallbackError>().toEqualTypeOf<Endpoint.JsonError>()
    expectTypeOf<MemberCard.MemberCardCallback>().toEqualTypeOf<
      { readonly notify_url: string; readonly mchid?: string }
    >()
    expectTypeOf<MemberCard.SetCallbackResponse>().toEqualTypeOf<
      { readonly notify_url?: string; readonly mchid?: string }
    >()
  })
})
