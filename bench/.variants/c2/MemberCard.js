/**
 * 会员卡 (membercard-open): one Effect service per endpoint, all provided by `MemberCard.layer`.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer";
import { CommitBonus, PrepareBonus } from "./membercard/Bonus.js";
import { GetUserCard } from "./membercard/GetUserCard.js";
import { SetUserCardRights } from "./membercard/SetUserCardRights.js";
import { UpdateUserCard } from "./membercard/UpdateUserCard.js";
export * from "./membercard/Bonus.js";
export * from "./membercard/GetUserCard.js";
export * from "./membercard/SetUserCardRights.js";
export * from "./membercard/UpdateUserCard.js";
/**
 * Every member-card endpoint; requires only `WechatPayClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(GetUserCard.layer, UpdateUserCard.layer, SetUserCardRights.layer, PrepareBonus.layer, CommitBonus.layer);
//# sourceMappingURL=MemberCard.js.map