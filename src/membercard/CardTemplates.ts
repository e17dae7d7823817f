/**
 * 会员卡模板: card templates — create, list, get, update, delete, rights, upgrade (#3–#9).
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
export const cardTemplatesLayer: Layer.Layer<never> = Layer.empty
