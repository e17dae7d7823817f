/**
 * 会员 and codes (members & codes): import codes, list members, code status, encrypted codes, user information (#10, #11, #15, #16, #17, #23). Writes user cards into `store.cards`, into templates of `store.templates`.
 *
 * Empty for now: its owner fills `handlers` (see `index.ts` for how).
 *
 * @internal
 */
import type { Handled } from "../route.js"

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = []
