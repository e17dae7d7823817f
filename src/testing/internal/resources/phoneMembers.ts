/**
 * 手机号会员 (phone members): phone-number membership (#12–#14). Phone numbers arrive encrypted: `ctx.decrypt`.
 *
 * Empty for now: its owner fills `handlers` (see `index.ts` for how).
 *
 * @internal
 */
import type { Handled } from "../route.js"

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = []
