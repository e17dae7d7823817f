/**
 * Paging.stream: every item of every page, lazily, with page-index or item offsets, and a guard against a server whose
 * paging never ends. Driven by a scripted list function that records the pages asked for.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Paging, WechatPayError } from "../src/index.js"

interface Request {
  readonly brand_id?: string | undefined
  readonly offset?: number | undefined
  readonly limit?: number | undefined
}

/** A server holding `total` items, answering pages of `limit` at `offset` (page index or item offset). */
const server = (
  total: number,
  unit: "page" | "item",
  lie: { readonly totalCount?: number; readonly endless?: boolean } = {}
) => {
  const asked: Array<Request> = []
  const list = (request: Request) =>
    Effect.sync((): Paging.Page<number> => {
      asked.push(request)
      const limit = request.limit!
      const start = unit === "page" ? request.offset! * limit : request.offset!
      const data = lie.endless === true
        ? Array.from({ length: limit }, (_, i) => start + i)
        : Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => start + i)
      return { total_count: lie.totalCount ?? (lie.endless === true ? undefined : total), offset: request.offset, limit, data }
    })
  return { asked, list }
}

const all = <A, E>(stream: Stream.Stream<A, E>): Effect.Effect<ReadonlyArray<A>, E> => Stream.runCollect(stream)

describe("Paging.stream", () => {
  for (const unit of ["page", "item"] as const) {
    it.effect(`${unit} offsets: 45 items in pages of 20 → 3 requests, every item once, in order, filters kept`, () =>
      Effect.gen(function*() {
        const { asked, list } = server(45, unit)
        const items = yield* all(Paging.stream(list, { name: "T.List", pageSize: 20, offset: unit })({ brand_id: "b" }))
        expect(items).toEqual(Array.from({ length: 45 }, (_, i) => i))
        expect(asked).toEqual([
          { brand_id: "b", offset: 0, limit: 20 },
          { brand_id: "b", offset: unit === "page" ? 1 : 20, limit: 20 },
          { brand_id: "b", offset: unit === "page" ? 2 : 40, limit: 20 }
        ])
      }))
  }

  it.effect("lazy: taking page 1's items requests page 1 only; taking 21 requests two pages", () =>
    Effect.gen(function*() {
      const first = server(100, "page")
      expect((yield* all(Stream.take(Paging.stream(first.list, { name: "T", pageSize: 20, offset: "page" })({}), 20))).length)
        .toBe(20)
      expect(first.asked.length).toBe(1)
      const second = server(100, "page")
      yield* all(Stream.take(Paging.stream(second.list, { name: "T", pageSize: 20, offset: "page" })({}), 21))
      expect(second.asked.length).toBe(2)
    }))

  it.effect("ends on an exact multiple without asking for an empty page (total_count reached); an empty list is one request", () =>
    Effect.gen(function*() {
      const exact = server(40, "item")
      expect((yield* all(Paging.stream(exact.list, { name: "T", pageSize: 20, offset: "item" })({}))).length).toBe(40)
      expect(exact.asked.length).toBe(2)
      const none = server(0, "item")
      expect(yield* all(Paging.stream(none.list, { name: "T", pageSize: 20, offset: "item" })({}))).toEqual([])
      expect(none.asked.length).toBe(1)
    }))

  it.effect("without total_count: ends on the first short page", () =>
    Effect.gen(function*() {
      const { asked, list } = server(25, "item")
      const noTotal = (request: Request) => Effect.map(list(request), (page) => ({ ...page, total_count: undefined }))
      expect((yield* all(Paging.stream(noTotal, { name: "T", pageSize: 10, offset: "item" })({}))).length).toBe(25)
      expect(asked.length).toBe(3)
    }))

  it.effect("guard: full pages forever → ResponseDecodeError after maxPages, never an endless loop", () =>
    Effect.gen(function*() {
      const { asked, list } = server(0, "page", { endless: true })
      const error = yield* Effect.flip(all(Paging.stream(list, { name: "T.List", pageSize: 20, offset: "page", maxPages: 5 })({})))
      expect(error).toBeInstanceOf(WechatPayError.ResponseDecodeError)
      expect(error.category).toBe("integrity")
      expect(error.message).toContain("more than 5 pages")
      expect(asked.length).toBe(5)
    }))

  it.effect("guard: more items than the total_count announced → ResponseDecodeError", () =>
    Effect.gen(function*() {
      const { list } = server(0, "item", { endless: true, totalCount: 30 })
      const error = yield* Effect.flip(all(Paging.stream(list, { name: "T.List", pageSize: 20, offset: "item" })({})))
      expect(error).toBeInstanceOf(WechatPayError.ResponseDecodeError)
      expect(error.message).toContain("total_count 30")
    }))

  it.effect("a failing page fails the stream with the call's own typed error, after the items before it", () =>
    Effect.gen(function*() {
      const { list } = server(45, "page")
      const failing = (request: Request) =>
        request.offset === 1
          ? Effect.fail(new WechatPayError.SystemError({ status: 500, code: "SYSTEM_ERROR", message: "boom" }))
          : list(request)
      const seen: Array<number> = []
      const error = yield* Effect.flip(
        Stream.runForEach(Paging.stream(failing, { name: "T", pageSize: 20, offset: "page" })({}), (n) => Effect.sync(() => seen.push(n)))
      )
      expect(error._tag).toBe("SystemError")
      expect(seen.length).toBe(20)
    }))
})
