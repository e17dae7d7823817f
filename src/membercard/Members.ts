/**
 * Members and codes: deposit codes, import by openid, permission tokens, a user's cards, QR codes, invalidate (#10, #11, #15, #16, #17, #23).
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
export const membersLayer: Layer.Layer<never> = Layer.empty
