/**
 * 跳转型开卡 (jump activation): activation links, forms and activation (#18–#20).
 *
 * Empty for now: its owner fills `handlers` (see `index.ts` for how).
 *
 * @internal
 */
import type { Handled } from "../route.js"

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = []
