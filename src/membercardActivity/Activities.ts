/**
 * 会员有礼 activities: create, list, get, terminate (#27–#30).
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"

/**
 * Every activity endpoint (none yet).
 *
 * @since 0.3.0
 * @category layers
 */
export const activitiesLayer: Layer.Layer<never> = Layer.empty
