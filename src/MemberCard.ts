/**
 * 会员卡 (membercard-open): one Effect service per endpoint, all provided by `MemberCard.layer`.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import { CommitBonus, PrepareBonus } from "./membercard/Bonus.js"
import { ConfirmMembership } from "./membercard/ConfirmMembership.js"
import { GetUserCard } from "./membercard/GetUserCard.js"
import { SetUserCardRights } from "./membercard/SetUserCardRights.js"
import { UpdateUserCard } from "./membercard/UpdateUserCard.js"
import { activationLayer } from "./membercard/Activation.js"
import { callbackLayer } from "./membercard/Callback.js"
import { cardTemplatesLayer } from "./membercard/CardTemplates.js"
import { membersLayer } from "./membercard/Members.js"
import { phoneMembersLayer } from "./membercard/PhoneMembers.js"
import { serviceModulesLayer } from "./membercard/ServiceModules.js"

export * from "./membercard/Activation.js"
export * from "./membercard/Bonus.js"
export * from "./membercard/Callback.js"
export * from "./membercard/CardTemplates.js"
export * from "./membercard/ConfirmMembership.js"
export * from "./membercard/Members.js"
export * from "./membercard/PhoneMembers.js"
export * from "./membercard/ServiceModules.js"
export * from "./membercard/GetUserCard.js"
export * from "./membercard/SetUserCardRights.js"
export * from "./membercard/UpdateUserCard.js"

/**
 * Every member-card endpoint; requires only `WechatPayClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(
  GetUserCard.layer,
  UpdateUserCard.layer,
  SetUserCardRights.layer,
  PrepareBonus.layer,
  CommitBonus.layer,
  ConfirmMembership.layer,
  callbackLayer,
  cardTemplatesLayer,
  membersLayer,
  activationLayer,
  phoneMembersLayer,
  serviceModulesLayer
)

/**
 * Every member-card endpoint Tag: what `layer` provides.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Layer.Success<typeof layer>
