/**
 * 手机号会员: members by encrypted phone number — import, search, remind (#12, #13, #14).
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
export const phoneMembersLayer: Layer.Layer<never> = Layer.empty
