/**
 * 跳转型激活: jump activation — decrypt code, activate, activation form data (#18, #19, #20).
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
export const activationLayer: Layer.Layer<never> = Layer.empty
