/**
 * 会员卡服务项: service modules on a card and their per-user data (#31–#34).
 *
 * @since 0.3.0
 */
import * as Layer from "effect/Layer"

/**
 * Every endpoint of this resource (none yet).
 *
 * @since 0.3.0
 * @category layers
 */
export const serviceModulesLayer: Layer.Layer<never> = Layer.empty
