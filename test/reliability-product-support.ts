/** The walk over the product's `Endpoint` declarations shared by the reliability-product suites (not a test file). */
import { type Endpoint, Media, MemberCard, MemberCardActivity } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"

/** What a module exports for each declared endpoint: a Tag class carrying its declaration. */
const isDeclared = (value: unknown): value is { readonly definition: Endpoint.Definition<object> } =>
  typeof value === "function" && "definition" in value

/** Every declaration the modules export (walked, not listed), once each. */
const declaredIn = (modules: ReadonlyArray<object>): ReadonlyArray<Endpoint.Definition<object>> => [
  ...new Map(
    modules.flatMap((module) => Object.values(module).filter(isDeclared))
      .map((tag) => [tag.definition.name, tag.definition] as const)
  ).values()
]

/** Every declaration of every product module (`MemberCard`, `MemberCardActivity`, `Media`), once each. */
export const declarations: ReadonlyArray<Endpoint.Definition<object>> = declaredIn([MemberCard, MemberCardActivity, Media])

/** The declarations that write (every method but GET). */
export const writes = declarations.filter((definition) => definition.method !== "GET")

/**
 * Every declaration of 商家名片会员卡's two surfaces: the service provider's (`PartnerCardMember`, on `WechatPayClient`)
 * and the brand's (`BrandCardMember`, on `BrandClient`), once each.
 */
export const cardMemberDeclarations: ReadonlyArray<Endpoint.Definition<object>> = declaredIn([
  PartnerCardMember,
  BrandCardMember
])

/** The 商家名片会员卡 declarations that write, both surfaces. */
export const cardMemberWrites = cardMemberDeclarations.filter((definition) => definition.method !== "GET")

/** A repeat-safe write: the client may repeat it (an idempotency key, or declared `repeatable`). */
export const repeatSafe = (definition: Endpoint.Definition<object>): boolean =>
  definition.idempotencyKey !== undefined || definition.repeatable !== undefined

/** The surfaces whose endpoints the emulator names with their prefix: they share their operations' names. */
const prefixed: ReadonlySet<string> = new Set(["PartnerCardMember", "BrandCardMember"])

/**
 * The emulator's name of an endpoint (for `inject`, `requests` and the ledger): its declaration's name without the
 * product (`UpdateUserCard`), except on the two 商家名片会员卡 surfaces, which keep it whole
 * (`PartnerCardMember.CreateCardTemplate`).
 */
export const shortName = (definition: Endpoint.Definition<object>): string => {
  const dot = definition.name.lastIndexOf(".")
  return prefixed.has(definition.name.slice(0, dot)) ? definition.name : definition.name.slice(dot + 1)
}
