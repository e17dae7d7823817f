/**
 * The emulator's resources: every route it serves comes from one of these modules.
 *
 * ## Adding a resource's endpoints (one file, nothing shared to edit)
 *
 * - **File**: your resource already has a module here (`templates.ts`, `members.ts`, …) and a line below; fill in
 *   its `handlers`. Only a brand-new resource adds a file and one line to `resources`.
 * - **Handlers**: `export const handlers = [handle(MemberCard.CreateCardTemplate, (call, ctx) => …), …]`. The route
 *   (method, path template, each `{param}` one percent-decoded segment) and WeChat's request checks come from the
 *   declaration: authentication, Content-Type, JSON, the request schema (PARAM_ERROR with
 *   `detail: { field, location: "path" | "query" | "body", issue }`), a body `mchid` unlike the caller's. Query
 *   values of a GET/DELETE are decoded to numbers/booleans where the schema expects one. Your handler gets
 *   `call.request` (validated path + query + body fields), `call.body` (the JSON as sent), `call.raw` / `call.bytes`
 *   / `call.headers` / `call.parts` (multipart), and returns an `Outcome` or an `ApiFailure`.
 * - **Reads**: `return reply(200, json)` (or `reply(204)`).
 * - **Writes**: decide first, commit later: `return ctx.apply({ key, fingerprint, decide: () => ({ change, entry,
 *   status, json }) })`. Nothing may change before `commit` (a fault such as `Accepted` answers without applying).
 *   With the idempotency key's value as `key` (and `${ids}\n${call.raw}` as `fingerprint`), a repeat answers as the
 *   first time and applies nothing, a conflicting repeat is refused. Each application is one ledger entry
 *   `{ endpoint, key, ...entry }`: put the ids you wrote in `entry` (`card_id`, `code` …) so tests can find it.
 * - **Shared state** (`ctx.store`, see `store.ts`; one per merchant: a handler sees only the caller's): `cards` (user
 *   cards, `cardKey(card_id, code)`), `templates` (`card_id` → `TemplateState`, filled by templates.ts, read by
 *   everyone else), `bonusOrders`, `idempotency`, `ledger` (the emulator's, every merchant's). Need a field others
 *   must rely on? Add it to `TemplateState`/`CardState` and say so in review. State only your resource reads:
 *   `ctx.local("members", () => new Map())` (per merchant, never module-level).
 * - **What a call names**: `common.ts` has the checks every resource makes: `templateOf(ctx, card_id)` (unknown or
 *   deleted → 「card_id无效」, another merchant's, legacy → 请先升级), `cardOf` / `validCardOf` (the member's card,
 *   「code不存在」, 「用户会员卡已失效」). Use them rather than reading `ctx.store.templates` / `cards` for this.
 * - **Errors**: `new ApiFailure(status, code, message, detail?)` with WeChat's code and Chinese message from the
 *   spec (§0.1, and the endpoint's table): `INVALID_REQUEST` for business rules, `RESOURCE_NOT_EXISTS`/`NOT_FOUND`
 *   for missing things, `NO_AUTH`, etc.
 * - **Encrypted fields** (phone numbers): `ctx.decrypt(ciphertext)` with the key `Wechatpay-Serial` names; returns
 *   the plain text or the PARAM_ERROR to answer.
 * - **Notifications**: a write WeChat notifies (a card claimed, imported, activated) calls
 *   `ctx.store.emit({ event_type, inner, card_id, code, openid, at: ctx.now })` inside its `change`, so that a
 *   refused, repeated or not-applied call notifies nothing; `notifications.ts` builds and seals the envelope.
 * - **WeChat's own secrets**: `ctx.certificates()` (the unexpired platform certificates, `undefined` without any) and
 *   `ctx.seal(associatedData, plaintext)` (AEAD_AES_256_GCM under the merchant's APIv3 key), as 下载平台证书 uses.
 * - **Tests**: `test/emulator-<resource>.test.ts`; `emulator.requests("YourEndpoint")`, `emulator.ledger`.
 *
 * ## 商家名片会员卡 (brand*.ts, since 1.3.0)
 *
 * One behaviour per operation serves both surfaces: `serve("Op", { partner: PartnerCardMember.Op, brand:
 * BrandCardMember.Op }, (call) => …)` (brandCards.ts). The provider's routes (`/v3/brand/partner/card-member`) are
 * authenticated as merchants, then the `brand_id` named must be a brand the provider may act for; the brand's
 * (`/brand/card-member`) as the brand (`WechatSide.authenticateBrand`, `Wechatpay-Serial` = its `PUB_KEY_ID_…`).
 * The behaviour gets the brand's state (`brand.ts`: templates, cards, activities … shared by both surfaces), who
 * calls, and `apply`, whose idempotency keys are the brand's whichever surface sends them. Route names keep the
 * surface's prefix (`PartnerCardMember.Op`, `BrandCardMember.Op`): the surfaces share operation names.
 *
 * @internal
 */
import type { Handled } from "../route.js"
import * as activation from "./activation.js"
import * as activities from "./activities.js"
import * as brandActivities from "./brandActivities.js"
import * as brandTemplates from "./brandTemplates.js"
import * as brandUserCards from "./brandUserCards.js"
import * as callback from "./callback.js"
import * as certificates from "./certificates.js"
import * as media from "./media.js"
import * as members from "./members.js"
import * as phoneMembers from "./phoneMembers.js"
import * as serviceModules from "./serviceModules.js"
import * as templates from "./templates.js"
import * as userCards from "./userCards.js"

/** Every resource module. */
export const resources: ReadonlyArray<{ readonly handlers: ReadonlyArray<Handled> }> = [
  callback,
  templates,
  members,
  phoneMembers,
  activation,
  userCards,
  activities,
  serviceModules,
  media,
  certificates,
  brandTemplates,
  brandUserCards,
  brandActivities
]

/** Every handler of every resource. */
export const handlers: ReadonlyArray<Handled> = resources.flatMap((resource) => resource.handlers)
