/**
 * 会员有礼 activities: 创建活动, 查询活动列表, 查询活动详情, 终止活动 (#27–#30), under
 * `/v3/marketing/membercard-activity/activities`.
 *
 * An activity is `CREATED` until its `begin_time`, `ONGOING` until its `end_time`, then `OVER_TIME`; 终止活动 makes
 * it `TERMINATED` for good.
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Struct from "effect/Struct"
import * as Endpoint from "../Endpoint.js"
import { CardId, Int, optional, pathParam } from "../membercard/shared.js"
import * as Paging from "../Paging.js"
import type { WechatPayClient } from "../WechatPayClient.js"
import * as Wire from "../Wire.js"

/**
 * 活动类型: `.request` is the closed set, `.response` decodes any value (kept as sent), `.isKnown` narrows.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityType = Wire.Enum("NON_MEMBER_AFTERPAY", "MEMBER_AFTERPAY", "NON_MEMBER_MINIPROGRAM", "MEMBER_MINIPROGRAM")

/**
 * 活动的当前状态: `CREATED` (before `begin_time`), `ONGOING`, `TERMINATED` (by 终止活动), `OVER_TIME` (past
 * `end_time`). `.request` is the closed set, `.response` decodes any value (kept as sent).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityStatus = Wire.Enum("CREATED", "ONGOING", "TERMINATED", "OVER_TIME")

/** A time the official pages declare as string(32) in RFC 3339, e.g. `2020-05-20T13:29:35.120+08:00`. */
const Time = (field: string) => Schema.String.check(...Wire.chars(field, 32, 1).ast.checks!, ...Wire.rfc3339(field).ast.checks!)

/** 活动ID: path parameter, string(16); `.` and `..` would be resolved away by URL normalisation. */
const ActivityId = pathParam("activity_id", 16)

/** A struct whose every field is optional: the response side of a request object (WeChat marks nothing required). */
const loose = <F extends Schema.Struct.Fields>(fields: F) => Schema.Struct(fields).mapFields(Struct.map(Schema.optionalKey))

/**
 * A time of day (发放时间段's 每日时间): 00:00:00–23:59:59, or 24:00:00 exactly for a window that runs to the end of the
 * day. No page states bounds; these are a clock's (ISO 8601 allows 24:00:00 as the end of a day), so nothing a clock
 * can say is refused and nothing past the day is sent.
 */
const DayTime = Schema.Struct({
  hours: Wire.int("hours", { min: 0, max: 24 }),
  minutes: Wire.int("minutes", { min: 0, max: 59 }),
  seconds: Wire.int("seconds", { min: 0, max: 59 })
}).pipe(Schema.check(Schema.makeFilter((t) =>
  t.hours < 24 || (t.minutes === 0 && t.seconds === 0) ||
  { path: ["hours"], issue: "hours is 0–23, or 24 only as 24:00:00 (the end of the day)" })))

/**
 * 发放时间段: specific periods (`award_send_time`) and daily windows (`award_send_day_time`).
 *
 * @since 0.3.0
 * @category schemas
 */
export const AwardSendPeriod = Schema.Struct({
  /** 指定时间 */
  award_send_time: optional(Schema.Array(Schema.Struct({ begin_time: Time("begin_time"), end_time: Time("end_time") }))),
  /** 指定时间段: each day from `begin_day_time` to `end_day_time`. */
  award_send_day_time: optional(Schema.Array(Schema.Struct({ begin_day_time: DayTime, end_day_time: DayTime })))
})

/**
 * 优惠券 (商家券 stock) given by the activity.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityStock = Schema.Struct({
  /** 创建批次的商户号 */
  stock_creator_mchid: Wire.nonEmpty("stock_creator_mchid"),
  /** 券批次ID */
  stock_id: Wire.nonEmpty("stock_id")
})

const ActivateMiniProgram = Schema.Struct({
  activate_appid: Wire.nonEmpty("activate_appid"),
  activate_path: Wire.nonEmpty("activate_path")
})

/**
 * 支付后活动设置, for the `*_AFTERPAY` types.
 *
 * @since 0.3.0
 * @category schemas
 */
export const PayActivitySetting = Schema.Struct({
  /** 商户logo */
  logo_url: Wire.nonEmpty("logo_url"),
  /** 支付结果页活动副标题 */
  activity_second_title: Wire.nonEmpty("activity_second_title"),
  mchid_list: optional(Schema.Array(Wire.nonEmpty("mchid_list"))),
  /** 激活方式设置; `activate_type` is a string (its values are not on an official page; the examples send AUTO_ACTIVATE). */
  activate_setting: optional(Schema.Struct({
    activate_type: Wire.nonEmpty("activate_type"),
    activate_url: optional(Schema.String),
    activate_miniprogram: optional(ActivateMiniProgram)
  })),
  /** 支付设置 */
  payment_setting: optional(Schema.Struct({
    payment_mode: optional(Schema.Struct({ payment_scene_list: optional(Schema.Array(Wire.nonEmpty("payment_scene_list"))) })),
    /** 指定银行的简称 */
    limit_bank: optional(Schema.String),
    /** 订单优惠标记 */
    goods_tags: optional(Schema.Array(Wire.nonEmpty("goods_tags")))
  }))
})

/**
 * 支付前会员活动设置, for the `*_MINIPROGRAM` types.
 *
 * @since 0.3.0
 * @category schemas
 */
export const MiniprogramActivitySetting = Schema.Struct({
  outer_str: optional(Schema.Array(Wire.nonEmpty("outer_str"))),
  /** 领奖页面跳转配置 */
  award_jump_deploy: optional(loose({ mini_program_appid: Schema.String, mini_program_path: Schema.String, button_text: Schema.String }))
})

/** The same settings as WeChat answers them: every field optional, no request rules. */
const MiniprogramActivitySettingResponse = loose({
  outer_str: Schema.Array(Schema.String),
  award_jump_deploy: loose({ mini_program_appid: Schema.String, mini_program_path: Schema.String, button_text: Schema.String })
})

const NINETY_DAYS = 90 * 24 * 60 * 60 * 1000

/**
 * 创建活动 body. `begin_time` and `end_time` are RFC 3339; the activity lasts at most 90 days (the official page).
 *
 * @since 0.3.0
 * @category schemas
 */
export const CreateActivityRequest = Schema.Struct({
  /** 会员卡ID, string(32). */
  card_id: CardId,
  /** 活动名称, string(10): internal, never shown to users. */
  activity_name: Wire.chars("activity_name", 10),
  /** 活动类型 */
  activity_type: ActivityType.request,
  /** 活动开始时间: at most one year ahead. */
  begin_time: Time("begin_time"),
  /** 活动结束时间: at most 90 days after `begin_time`. */
  end_time: Time("end_time"),
  /** 发放时间段 */
  award_send_period: optional(AwardSendPeriod),
  /** 优惠券列表 */
  stock_list: optional(Schema.Array(ActivityStock)),
  /** 商户请求单号 (required): the idempotency key of this write. */
  out_request_no: Wire.nonEmpty("out_request_no"),
  /** 支付后活动设置 */
  pay_activity_setting: optional(PayActivitySetting),
  /** 支付前会员活动设置 */
  miniprogram_activity_setting: optional(MiniprogramActivitySetting)
}).pipe(
  Schema.check(Schema.makeFilter((r) =>
    Date.parse(r.end_time) - Date.parse(r.begin_time) <= NINETY_DAYS ||
    { path: ["end_time"], issue: "end_time must be at most 90 days after begin_time" }))
)

/**
 * @since 0.3.0
 * @category models
 */
export interface CreateActivityRequest extends Schema.Schema.Type<typeof CreateActivityRequest> {}

// Responses: the request's objects with every field optional and without request rules (WeChat adds and omits).
const DayTimeResponse = loose({ hours: Int, minutes: Int, seconds: Int })

const activityFields = {
  /** 活动ID (always sent), string(16). */
  activity_id: Schema.String,
  /** 创建时间 (RFC 3339) */
  create_time: optional(Schema.String),
  /** 更新时间 (RFC 3339) */
  update_time: optional(Schema.String),
  /** 活动名称 */
  activity_name: Schema.String,
  /** 活动类型: a documented value, or one WeChat added since (kept as sent). */
  activity_type: ActivityType.response,
  /** 活动开始时间 (RFC 3339) */
  begin_time: Schema.String,
  /** 活动结束时间 (RFC 3339) */
  end_time: Schema.String,
  /** 发放时间段 */
  award_send_period: optional(loose({
    award_send_time: Schema.Array(loose({ begin_time: Schema.String, end_time: Schema.String })),
    award_send_day_time: Schema.Array(loose({ begin_day_time: DayTimeResponse, end_day_time: DayTimeResponse }))
  })),
  /** 优惠券列表 */
  stock_list: optional(Schema.Array(loose({ stock_creator_mchid: Schema.String, stock_id: Schema.String }))),
  /** 商户请求单号 */
  out_request_no: optional(Schema.String),
  /** 支付后活动设置 */
  pay_activity_setting: optional(loose({
    logo_url: Schema.String,
    activity_second_title: Schema.String,
    mchid_list: Schema.Array(Schema.String),
    activate_setting: loose({
      activate_type: Schema.String,
      activate_url: Schema.String,
      activate_miniprogram: loose({ activate_appid: Schema.String, activate_path: Schema.String })
    }),
    payment_setting: loose({
      payment_mode: loose({ payment_scene_list: Schema.Array(Schema.String) }),
      limit_bank: Schema.String,
      goods_tags: Schema.Array(Schema.String)
    })
  })),
  /** 支付前会员活动设置 */
  miniprogram_activity_setting: optional(MiniprogramActivitySettingResponse)
}

/**
 * An activity (创建活动 and 查询活动详情). Required: `activity_id`, `activity_name`, `activity_type`, `begin_time`,
 * `end_time` (every source marks them 必填). `activity_status` and `card_id` are optional since 0.6.0: the official
 * detail page marks them 必填, but the official list page and W (the source of 创建活动's answer, whose official page
 * was not found) mark them 选填 — requiring them would turn a successful creation into a ResponseDecodeError, and its
 * retry too. Unknown extra keys are ignored.
 *
 * @since 0.3.0
 * @category schemas
 */
export const Activity = Schema.Struct({
  ...activityFields,
  /** 活动的当前状态 */
  activity_status: optional(ActivityStatus.response),
  /** 会员卡ID */
  card_id: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface Activity extends Schema.Schema.Type<typeof Activity> {}

/**
 * An item of 查询活动列表: the same shape as `Activity` (the official list page marks `activity_status` and `card_id`
 * 选填).
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityListItem = Activity

/**
 * @since 0.3.0
 * @category models
 */
export interface ActivityListItem extends Schema.Schema.Type<typeof ActivityListItem> {}

/**
 * 创建活动 — `POST /v3/marketing/membercard-activity/activities`: a new activity, `CREATED` until `begin_time`.
 * Repeat it with the same `out_request_no` and body: WeChat answers the activity it created the first time.
 *
 * @since 0.3.0
 * @category tags
 */
export class CreateActivity extends Endpoint.Service<CreateActivity>()("MemberCardActivity.CreateActivity", {
  method: "POST",
  path: "/v3/marketing/membercard-activity/activities",
  request: CreateActivityRequest,
  response: Activity,
  idempotencyKey: "out_request_no",
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type CreateActivityError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const createActivity = CreateActivity.call

/**
 * 查询活动列表 query: filters and paging. `offset` counts activities (请求资源起始位置), not pages.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ListActivitiesRequest = Schema.Struct({
  /** 最大资源条数: at least 1 (no maximum is documented). */
  limit: optional(Wire.int("limit", { min: 1, max: Number.MAX_SAFE_INTEGER })),
  /** 请求资源起始位置: the number of activities to skip, from 0. */
  offset: optional(Wire.int("offset", { min: 0, max: Number.MAX_SAFE_INTEGER })),
  /** 活动类型. Optional: no official page marks it required (one unofficial source does). */
  activity_type: optional(ActivityType.request),
  /** 会员卡ID, string(32). */
  card_id: optional(CardId),
  /** 活动的当前状态 */
  activity_status: optional(ActivityStatus.request)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ListActivitiesRequest extends Schema.Schema.Type<typeof ListActivitiesRequest> {}

/**
 * One page of 查询活动列表.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityPage = Schema.Struct({
  /** 活动详情 */
  data: optional(Schema.Array(ActivityListItem)),
  /** 请求资源起始位置 */
  offset: optional(Int),
  /** 最大资源条数 */
  limit: optional(Int),
  /** 资源总条数 */
  total_count: optional(Int)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ActivityPage extends Schema.Schema.Type<typeof ActivityPage> {}

/**
 * 查询活动列表 — `GET /v3/marketing/membercard-activity/activities`: one page of the activities matching the filters.
 *
 * @since 0.3.0
 * @category tags
 */
export class ListActivities extends Endpoint.Service<ListActivities>()("MemberCardActivity.ListActivities", {
  method: "GET",
  path: "/v3/marketing/membercard-activity/activities",
  request: ListActivitiesRequest,
  response: ActivityPage,
  spanAttributes: ["card_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type ListActivitiesError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const listActivities = ListActivities.call

/**
 * Every activity matching the filters, across pages, read lazily. `offset` counts items (the docs: 请求资源起始位置;
 * their example asks `offset=10&limit=5`). No page-size maximum is documented for this list: 10 per page, half the
 * product's documented maximum elsewhere (查询会员卡模板列表: 20), so an undocumented cap is unlikely to cut a page short.
 *
 * @since 0.3.0
 * @category accessors
 */
export const streamActivities = Paging.stream(listActivities, {
  name: "MemberCardActivity.ListActivities",
  pageSize: 10,
  offset: "item"
})

/**
 * 查询活动详情 path.
 *
 * @since 0.3.0
 * @category schemas
 */
export const ActivityPath = Schema.Struct({
  /** 活动ID, string(16). */
  activity_id: ActivityId
})

/**
 * @since 0.3.0
 * @category models
 */
export interface ActivityPath extends Schema.Schema.Type<typeof ActivityPath> {}

/**
 * 查询活动详情 — `GET /v3/marketing/membercard-activity/activities/{activity_id}`.
 *
 * @since 0.3.0
 * @category tags
 */
export class GetActivity extends Endpoint.Service<GetActivity>()("MemberCardActivity.GetActivity", {
  method: "GET",
  path: "/v3/marketing/membercard-activity/activities/{activity_id}",
  request: ActivityPath,
  response: Activity,
  spanAttributes: ["activity_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type GetActivityError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const getActivity = GetActivity.call

/**
 * 终止活动 answer.
 *
 * @since 0.3.0
 * @category schemas
 */
export const TerminateActivityResponse = Schema.Struct({
  /** 活动ID (always sent) */
  activity_id: Schema.String,
  /** 终止时间 (RFC 3339). The official field table misspells it; its example and every other source say `terminate_time`. */
  terminate_time: optional(Schema.String)
})

/**
 * @since 0.3.0
 * @category models
 */
export interface TerminateActivityResponse extends Schema.Schema.Type<typeof TerminateActivityResponse> {}

/**
 * 终止活动 — `POST /v3/marketing/membercard-activity/activities/{activity_id}/terminate` (no body): the activity
 * becomes `TERMINATED`. Never repeated: it has no idempotency key, and a second call finds the activity already
 * terminated and is refused.
 *
 * @since 0.3.0
 * @category tags
 */
export class TerminateActivity extends Endpoint.Service<TerminateActivity>()("MemberCardActivity.TerminateActivity", {
  method: "POST",
  path: "/v3/marketing/membercard-activity/activities/{activity_id}/terminate",
  request: ActivityPath,
  response: TerminateActivityResponse,
  spanAttributes: ["activity_id"]
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type TerminateActivityError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const terminateActivity = TerminateActivity.call

/**
 * Every activity endpoint.
 *
 * @since 0.3.0
 * @category layers
 */
export const activitiesLayer: Layer.Layer<
  CreateActivity | ListActivities | GetActivity | TerminateActivity,
  never,
  WechatPayClient
> = Layer.mergeAll(CreateActivity.layer, ListActivities.layer, GetActivity.layer, TerminateActivity.layer)
