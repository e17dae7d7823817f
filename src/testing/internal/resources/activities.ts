/**
 * 会员有礼 (membercard-activity): activities under /v3/marketing/membercard-activity (#27–#30).
 *
 * An activity belongs to a card template (`store.templates`). Its status is derived from the request's time: `CREATED`
 * before `begin_time`, `ONGOING` until `end_time`, then `OVER_TIME`; 终止活动 makes it `TERMINATED` for good (and is
 * refused on an activity already terminated or over). 创建活动 is idempotent on `out_request_no`; every application
 * is a ledger entry `{ endpoint, key, activity_id, card_id }`.
 *
 * @internal
 */
import {
  CreateActivity,
  type CreateActivityRequest,
  GetActivity,
  ListActivities,
  TerminateActivity
} from "../../../membercardActivity/Activities.js"
import { type Context, handle, type Handled, reply } from "../route.js"
import type { Store } from "../store.js"
import { ApiFailure } from "../wechatSide.js"
import { templateOf } from "./common.js"

/** An activity as kept: the creation body as sent, plus WeChat's fields. */
interface ActivityRecord {
  readonly body: Readonly<Record<string, unknown>>
  readonly activity_id: string
  readonly card_id: string
  readonly activity_type: string
  readonly begin: number
  readonly end: number
  readonly create_time: string
  update_time: string
  /** Unix ms when terminated. */
  terminated?: number
}

interface Activities {
  readonly byId: Map<string, ActivityRecord>
  next: number
}

/** Where a merchant's activities are kept among its store's locals. */
const LOCAL = "activities"

const activitiesOf = (ctx: Context): Activities => ctx.local<Activities>(LOCAL, () => ({ byId: new Map(), next: 1 }))

const YEAR = 365 * 24 * 60 * 60 * 1000

/** A time as WeChat writes it: RFC 3339, milliseconds, Beijing time. */
const beijing = (ms: number): string => new Date(ms + 8 * 60 * 60 * 1000).toISOString().replace("Z", "+08:00")

const statusOf = (activity: ActivityRecord, nowMs: number): string =>
  activity.terminated !== undefined
    ? "TERMINATED"
    : nowMs < activity.begin
    ? "CREATED"
    : nowMs <= activity.end
    ? "ONGOING"
    : "OVER_TIME"

/** The activity as WeChat answers it: the body's fields (unknown ones dropped), status and times. */
const view = (activity: ActivityRecord, nowMs: number) => {
  const { body } = activity
  const pick = (field: string) => (body[field] === undefined ? {} : { [field]: body[field] })
  return {
    activity_id: activity.activity_id,
    activity_status: statusOf(activity, nowMs),
    create_time: activity.create_time,
    update_time: activity.update_time,
    card_id: activity.card_id,
    activity_name: body.activity_name,
    activity_type: activity.activity_type,
    begin_time: body.begin_time,
    end_time: body.end_time,
    ...pick("award_send_period"),
    ...pick("stock_list"),
    out_request_no: body.out_request_no,
    ...pick("pay_activity_setting"),
    ...pick("miniprogram_activity_setting")
  }
}

/** A merchant's activities as GetActivity answers them at `nowMs` (the console's state view). */
export const kept = (store: Store, nowMs: number): ReadonlyArray<ReturnType<typeof view>> => {
  const activities = store.locals.get(LOCAL) as Activities | undefined
  return [...(activities?.byId.values() ?? [])].map((activity) => view(activity, nowMs))
}

const notFound = () => new ApiFailure(404, "RESOURCE_NOT_EXISTS", "活动不存在")

/** WeChat's rules for a new activity (MC-ACTIVITY table and the create page), or undefined when it may be created. */
const refusal = (request: CreateActivityRequest, ctx: Context, begin: number, end: number): ApiFailure | undefined => {
  const template = templateOf(ctx, request.card_id)
  if (template instanceof ApiFailure) return template
  if (template.code_mode === "REAL_TIME") return new ApiFailure(400, "INVALID_REQUEST", "不支持实时code模式的会员卡")
  if (end <= begin) return new ApiFailure(400, "INVALID_REQUEST", "活动结束时间须晚于活动开始时间")
  const nowMs = ctx.now * 1000
  if (end <= nowMs) return new ApiFailure(400, "INVALID_REQUEST", "活动结束时间须晚于当前时间")
  if (begin > nowMs + YEAR) return new ApiFailure(400, "INVALID_REQUEST", "最长可以配置1年内的活动")
  if ((request.stock_list ?? []).some((stock) => stock.stock_creator_mchid !== ctx.mchid)) {
    return new ApiFailure(400, "INVALID_REQUEST", "活动创建方无权发放该商家券批次")
  }
  return undefined
}

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(CreateActivity, (call, ctx) => {
    const request = call.request
    const begin = Date.parse(request.begin_time)
    const end = Date.parse(request.end_time)
    return ctx.apply({
      key: request.out_request_no,
      fingerprint: call.raw,
      decide: () => {
        const refused = refusal(request, ctx, begin, end)
        if (refused !== undefined) return refused
        const state = activitiesOf(ctx)
        const activity_id = String(1_000_000_000 + state.next)
        const created = beijing(ctx.now * 1000)
        const activity: ActivityRecord = {
          body: call.body,
          activity_id,
          card_id: request.card_id,
          activity_type: request.activity_type,
          begin,
          end,
          create_time: created,
          update_time: created
        }
        return {
          change: () => {
            state.next++
            state.byId.set(activity_id, activity)
          },
          entry: { activity_id, card_id: request.card_id },
          status: 200,
          json: view(activity, ctx.now * 1000)
        }
      }
    })
  }),

  handle(ListActivities, (call, ctx) => {
    const { activity_status, activity_type, card_id } = call.request
    const nowMs = ctx.now * 1000
    const matching = [...activitiesOf(ctx).byId.values()].filter((activity) =>
      (activity_type === undefined || activity.activity_type === activity_type) &&
      (card_id === undefined || activity.card_id === card_id) &&
      (activity_status === undefined || statusOf(activity, nowMs) === activity_status)
    )
    // No documented default or maximum page size: 10 when none is asked for, as many as asked otherwise.
    const offset = call.request.offset ?? 0
    const limit = call.request.limit ?? 10
    if (offset < 0 || limit < 1) return new ApiFailure(400, "PARAM_ERROR", "offset或limit取值错误")
    return reply(200, {
      data: matching.slice(offset, offset + limit).map((activity) => view(activity, nowMs)),
      offset,
      limit,
      total_count: matching.length
    })
  }),

  handle(GetActivity, (call, ctx) => {
    const activity = activitiesOf(ctx).byId.get(call.request.activity_id)
    return activity === undefined ? notFound() : reply(200, view(activity, ctx.now * 1000))
  }),

  handle(TerminateActivity, (call, ctx) => {
    const activity = activitiesOf(ctx).byId.get(call.request.activity_id)
    if (activity === undefined) return notFound()
    const nowMs = ctx.now * 1000
    const status = statusOf(activity, nowMs)
    if (status === "TERMINATED") return new ApiFailure(400, "INVALID_REQUEST", "活动已终止")
    if (status === "OVER_TIME") return new ApiFailure(400, "INVALID_REQUEST", "活动已过期")
    const terminate_time = beijing(nowMs)
    return ctx.apply({
      decide: () => ({
        change: () => {
          activity.terminated = nowMs
          activity.update_time = terminate_time
        },
        entry: { activity_id: activity.activity_id, card_id: activity.card_id },
        status: 200,
        json: { activity_id: activity.activity_id, terminate_time }
      })
    })
  })
]
