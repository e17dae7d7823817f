/**
 * 商家名片会员卡 member coupon activities (品牌会员发券活动, provider surface only: A18–A22) and the brand's image
 * upload (B16). An activity's state follows the request's time: `MEMBERSHIP_ACTIVITY_CREATED` before `begin_time`,
 * `_EFFECTIVE` until `end_time`, then `_EXPIRED`; terminating makes it `_TERMINATED` for good. Rules and messages from
 * the official partner pages (MM A18 4016464918, A20 4016588015, A21 4016588044, A22 4016588028) unless marked the
 * emulator's.
 *
 * @internal
 */
import * as BrandCardMember from "../../../BrandCardMember.js"
import * as PartnerCardMember from "../../../PartnerCardMember.js"
import type { ActivityRecord, BrandAccount } from "../brand.js"
import { type Context, type Handled, reply } from "../route.js"
import { ApiFailure } from "../wechatSide.js"
import { digits, page, serve, time } from "./brandCards.js"
import * as Media from "./media.js"

const stateOf = (activity: ActivityRecord, now: number): string =>
  activity.terminated
    ? "MEMBERSHIP_ACTIVITY_TERMINATED"
    : now * 1000 < Date.parse(activity.begin_time)
    ? "MEMBERSHIP_ACTIVITY_CREATED"
    : now * 1000 <= Date.parse(activity.end_time)
    ? "MEMBERSHIP_ACTIVITY_EFFECTIVE"
    : "MEMBERSHIP_ACTIVITY_EXPIRED"

/** An activity as answered. */
export const view = (brand_id: string, activity: ActivityRecord, now: number) => ({
  activity_id: activity.activity_id,
  out_request_no: activity.out_request_no,
  brand_id,
  card_id: activity.card_id,
  activity_channel: activity.activity_channel,
  title: activity.title,
  sub_title: activity.sub_title,
  begin_time: activity.begin_time,
  end_time: activity.end_time,
  apply_total: activity.apply_total,
  apply_available: activity.apply_available,
  product_coupon_stock_list: activity.product_coupon_stock_list.map((stock) => ({ ...stock })),
  activity_state: stateOf(activity, now),
  create_time: activity.create_time,
  modify_time: activity.modify_time
})

/** Emulator's choice: the end must come after the beginning (no row of the pages states it; WeChat cannot run it). */
const timesProblem = (begin_time: string, end_time: string): ApiFailure | undefined =>
  Date.parse(end_time) <= Date.parse(begin_time)
    ? new ApiFailure(400, "PARAM_ERROR", "活动结束时间须晚于活动开始时间")
    : undefined

/**
 * The activity a call names: the brand's, else `403 NO_AUTH 没有该活动的访问权限` when another brand has it, else
 * `404 NOT_FOUND 活动不存在` (MM A20–A22).
 */
const activityOf = (ctx: Context, brand: BrandAccount, activity_id: string): ActivityRecord | ApiFailure => {
  const own = brand.state.activities.get(activity_id)
  if (own !== undefined) return own
  for (const other of ctx.brands.values()) {
    if (other.state.activities.has(activity_id)) return new ApiFailure(403, "NO_AUTH", "没有该活动的访问权限")
  }
  return new ApiFailure(404, "NOT_FOUND", "活动不存在")
}

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  ...serve<PartnerCardMember.CreateActivityRequest>(
    "CreateActivity",
    { partner: PartnerCardMember.CreateActivity },
    ({ apply, brand, now, request, state }) =>
      // Keyed by out_request_no: the same request again answers as the first time, another is refused — the emulator's
      // choice: WeChat's answer to a repeated out_request_no is not published (the client never repeats this call after
      // an unknown outcome; a caller's own repeat of an applied create may meet ALREADY_EXISTS on WeChat instead).
      apply({
        key: request.out_request_no,
        decide: () => {
          const template = state.templates.get(request.card_id)
          if (template === undefined) return new ApiFailure(400, "INVALID_REQUEST", "品牌会员卡模板不存在")
          if (template.fields.state !== "CARD_EFFECTIVE") return new ApiFailure(400, "INVALID_REQUEST", "品牌会员卡模板无效")
          const running = [...state.activities.values()].some((activity) =>
            activity.card_id === request.card_id &&
            ["MEMBERSHIP_ACTIVITY_CREATED", "MEMBERSHIP_ACTIVITY_EFFECTIVE"].includes(stateOf(activity, now))
          )
          // MM A18: one activity in effect per template (emulator's choice: one not yet begun counts too).
          if (running) return new ApiFailure(400, "ALREADY_EXISTS", "该会员卡模板已有生效中的活动")
          const problem = timesProblem(request.begin_time, request.end_time)
          if (problem !== undefined) return problem
          const at = time(now)
          const activity: ActivityRecord = {
            // 20 random digits: unique across the emulator's brands, so another brand's id is recognised as such.
            activity_id: digits(20),
            out_request_no: request.out_request_no,
            card_id: request.card_id,
            activity_channel: request.activity_channel,
            title: request.title,
            sub_title: request.sub_title,
            begin_time: request.begin_time,
            end_time: request.end_time,
            apply_total: request.apply_total,
            apply_available: request.apply_total,
            product_coupon_stock_list: request.product_coupon_stock_list.map((stock) => ({ ...stock })),
            create_time: at,
            modify_time: at,
            terminated: false
          }
          return {
            change: () => void state.activities.set(activity.activity_id, activity),
            entry: { activity_id: activity.activity_id, card_id: activity.card_id },
            status: 200,
            json: view(brand.brand_id, activity, now)
          }
        }
      })
  ),

  ...serve<PartnerCardMember.ListActivitiesRequest>(
    "ListActivities",
    { partner: PartnerCardMember.ListActivities },
    ({ brand, now, request, state }) => {
      const matching = [...state.activities.values()].filter((activity) =>
        (request.card_id === undefined || activity.card_id === request.card_id) &&
        (request.activity_state === undefined || stateOf(activity, now) === request.activity_state)
      )
      return reply(200, page(matching.map((a) => view(brand.brand_id, a, now)), request.offset, request.limit))
    }
  ),

  ...serve<PartnerCardMember.GetActivityRequest>(
    "GetActivity",
    { partner: PartnerCardMember.GetActivity },
    ({ brand, ctx, now, request }) => {
      const activity = activityOf(ctx, brand, request.activity_id)
      return activity instanceof ApiFailure ? activity : reply(200, view(brand.brand_id, activity, now))
    }
  ),

  ...serve<PartnerCardMember.UpdateActivityRequest>(
    "UpdateActivity",
    { partner: PartnerCardMember.UpdateActivity },
    ({ apply, brand, ctx, now, request }) => {
      const activity = activityOf(ctx, brand, request.activity_id)
      if (activity instanceof ApiFailure) return activity
      // Emulator's choice: a terminated activity stays as it ended.
      if (activity.terminated) return new ApiFailure(400, "INVALID_REQUEST", "活动已终止，不能修改")
      const problem = timesProblem(request.begin_time, request.end_time)
      if (problem !== undefined) return problem
      return apply({
        decide: () => {
          const set = (target: ActivityRecord) => {
            target.title = request.title
            target.sub_title = request.sub_title
            target.begin_time = request.begin_time
            target.end_time = request.end_time
            target.modify_time = time(now)
          }
          const after = { ...activity }
          set(after)
          return {
            change: () => set(activity),
            entry: { activity_id: activity.activity_id, card_id: activity.card_id },
            status: 200,
            json: view(brand.brand_id, after, now)
          }
        }
      })
    }
  ),

  ...serve<PartnerCardMember.TerminateActivityRequest>(
    "TerminateActivity",
    { partner: PartnerCardMember.TerminateActivity },
    ({ apply, brand, ctx, now, request }) => {
      const activity = activityOf(ctx, brand, request.activity_id)
      if (activity instanceof ApiFailure) return activity
      // Terminal: terminating again answers it as it is and applies nothing (emulator's choice; MM A22 lists no
      // refusal for it).
      if (activity.terminated) return reply(200, view(brand.brand_id, activity, now))
      return apply({
        decide: () => {
          const after = { ...activity, terminated: true, modify_time: time(now) }
          return {
            change: () => {
              activity.terminated = true
              activity.modify_time = after.modify_time
            },
            entry: { activity_id: activity.activity_id, card_id: activity.card_id },
            status: 200,
            json: view(brand.brand_id, after, now)
          }
        }
      })
    }
  ),

  // 图片上传 (B16, ON-B 4015680641): the merchant upload's checks and storage (the brand's own), JPG/JPEG/BMP/PNG.
  ...serve<unknown>(
    "UploadImage",
    { brand: BrandCardMember.UploadImage },
    ({ call, ctx }) => Media.upload(call, ctx),
    Media.uploadOptions(/\.(jpg|jpeg|bmp|png)$/i)
  )
]
