/**
 * 回调地址 (the callback URL): set and get the notification URL (#1, #2). One URL per merchant, kept in
 * `ctx.local("callback")` as `{ notify_url }` (a resource that delivers events may read it there).
 *
 * @internal
 */
import { GetCallback, SetCallback } from "../../../membercard/Callback.js"
import { type Context, handle, type Handled, reply } from "../route.js"
import { ApiFailure } from "../wechatSide.js"

/** The merchant's callback: `notify_url` absent until it is set. */
export interface CallbackState {
  notify_url: string | undefined
}

const callbackOf = (ctx: Context): CallbackState =>
  ctx.local<CallbackState>("callback", () => ({ notify_url: undefined }))

/** The callback endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(SetCallback, (call, ctx) => {
    const state = callbackOf(ctx)
    const { notify_url } = call.request
    const answer = { notify_url, mchid: ctx.mchid }
    // Setting the URL it already has changes nothing: answered, not applied again.
    if (state.notify_url === notify_url) return reply(200, answer)
    return ctx.apply({
      decide: () => ({
        status: 200,
        json: answer,
        change: () => {
          state.notify_url = notify_url
        },
        entry: { notify_url }
      })
    })
  }),

  handle(GetCallback, (_call, ctx) => {
    const { notify_url } = callbackOf(ctx)
    // The docs do not say what WeChat answers before a URL is set; a missing resource is the closest APIv3 answer.
    if (notify_url === undefined) return new ApiFailure(404, "RESOURCE_NOT_EXISTS", "未设置回调地址")
    return reply(200, { notify_url, mchid: ctx.mchid })
  })
]
