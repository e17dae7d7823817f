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
export declare const layer: Layer.Layer<PrepareBonus | CommitBonus | GetUserCard | SetUserCardRights | UpdateUserCard, never, import("./WechatPayClient.js").WechatPayClient>;
/**
 * Every member-card endpoint Tag: what `layer` provides.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Layer.Layer.Success<typeof layer>;
//# sourceMappingURL=MemberCard.d.ts.map