/**
 * 会员有礼 (membercard-activity): one Effect service per endpoint, all provided by `MemberCardActivity.layer`.
 *
 * @since 0.3.0
 */
import type * as Layer from "effect/Layer"
import { activitiesLayer } from "./membercardActivity/Activities.js"

export * from "./membercardActivity/Activities.js"

/**
 * Every member-activity endpoint; requires only `WechatPayClient`.
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = activitiesLayer

/**
 * Every member-activity endpoint Tag: what `layer` provides.
 *
 * @since 0.3.0
 * @category models
 */
export type Services = Layer.Success<typeof layer>
