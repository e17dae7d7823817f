/**
 * Paged list endpoints as streams: `stream(list, options)` turns a `listX` accessor (one page per call, WeChat's
 * `offset` / `limit` / `total_count` / `data`) into an `effect/Stream` of items across every page, fetched lazily
 * (the next page is requested only when the consumer pulls past the current one), with a guard against a server
 * whose paging never ends.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { ResponseDecodeError } from "./WechatPayError.js"

/**
 * One page as WeChat sends it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Page<A> {
  readonly total_count?: number | undefined
  readonly offset?: number | undefined
  readonly limit?: number | undefined
  readonly data?: ReadonlyArray<A> | undefined
}

/**
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /** Endpoint name for errors, e.g. `MemberCard.ListCardTemplates`. */
  readonly name: string
  /** Items per page: the documented maximum. */
  readonly pageSize: number
  /**
   * What `offset` counts: `"page"` (the page index from 0, as 查询会员卡模板列表 documents) or `"item"` (the number
   * of items to skip).
   */
  readonly offset: "page" | "item"
  /** At most this many pages are read, whatever `total_count` says. Default 10,000. */
  readonly maxPages?: number | undefined
}

const pagingError = (name: string, message: string) =>
  new ResponseDecodeError({ endpoint: name, status: 200, message: `${name}: ${message}` })

/**
 * Every item of every page, in order. The stream ends after a page that is short or empty, or once `total_count`
 * items have been read; it fails with `ResponseDecodeError` (category `integrity`) when the server's paging does not
 * end: more than `maxPages` pages, or more items than the `total_count` it announced.
 *
 * @since 0.3.0
 * @category constructors
 */
export const stream = <I extends { readonly offset?: number | undefined; readonly limit?: number | undefined }, A, E, R>(
  list: (request: I) => Effect.Effect<Page<A>, E, R>,
  options: Options
) =>
(filters: Omit<I, "offset" | "limit">): Stream.Stream<A, E | ResponseDecodeError, R> => {
  const { name, pageSize } = options
  const maxPages = options.maxPages ?? 10_000
  interface Cursor {
    readonly page: number
    readonly read: number
  }
  return Stream.paginate<Cursor, A, E | ResponseDecodeError, R>({ page: 0, read: 0 }, (cursor) => {
    if (cursor.page >= maxPages) {
      return Effect.fail(pagingError(name, `more than ${maxPages} pages; the server's paging does not end.`))
    }
    const offset = options.offset === "page" ? cursor.page : cursor.read
    const request = { ...filters, offset, limit: pageSize } as unknown as I
    return Effect.flatMap(list(request), (page) => {
      const items = page.data ?? []
      const read = cursor.read + items.length
      const total = page.total_count
      if (total !== undefined && read > total) {
        return Effect.fail(pagingError(name, `${read} items read, more than the total_count ${total} announced.`))
      }
      const done = items.length === 0 || items.length < pageSize || (total !== undefined && read >= total)
      return Effect.succeed(
        [items, done ? Option.none() : Option.some({ page: cursor.page + 1, read })] as const
      )
    })
  })
}
