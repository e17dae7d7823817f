/**
 * 设置/查询回调地址: the member-card notification URL (#1, #2).
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
export const callbackLayer: Layer.Layer<never> = Layer.empty
