/** Shared fixtures of the test suites (not a test file). */
import type { Emulator } from "../src/testing/index.js"

/** The card template id of the WeChat docs' examples. */
export const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"

let serial = 0
/** A unique id (codes, out_request_no, out_trade_no) so tests sharing one emulator never collide. */
export const fresh = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(serial++).toString(36)}`

/** Every member-card endpoint the emulator serves. */
export const endpoints: ReadonlyArray<Emulator.EndpointName> = [
  "GetUserCard",
  "UpdateUserCard",
  "SetUserCardRights",
  "PrepareBonus",
  "CommitBonus"
]
