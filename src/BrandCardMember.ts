/**
 * 商家名片会员卡, a brand's own door (品牌API): `/brand/card-member/*` on a `BrandClient`, signed under the brand's
 * scheme (`WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`). One Effect service per operation, declared once with the
 * provider's surface (`PartnerCardMember`); notifications arrive as `BRAND_MEMBER_CARD.*` events, decrypted with the
 * brand API key (`BrandClient.layer…({ brandApiKey })`, served by `BrandClient.httpApp`).
 *
 * @since 1.3.0
 */
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { BrandClient } from "./BrandClient.js"
import * as Endpoint from "./Endpoint.js"
import * as Operation from "./cardMember/operation.js"
import * as Operations from "./cardMember/operations.js"
import * as Paging from "./Paging.js"
import type * as RateLimit from "./RateLimit.js"

export * from "./cardMember/schemas.js"

const BrandService = Endpoint.serviceOn(BrandClient)

/**
 * The brand's endpoint of an operation: `BrandCardMember.<name>` on `BrandClient`, under `/brand/card-member`, without
 * `brand_id` (the brand signs).
 */
const brand = <Self>() =>
<F extends Schema.Struct.Fields, P extends Schema.Struct.Fields, A, AE, S extends string | undefined>(
  op: Operation.Operation<F, P, A, AE, S>
): Endpoint.ServiceClass<
  Self,
  Schema.Struct<F>["Type"],
  A,
  [A] extends [void] ? Endpoint.NoContentError : Endpoint.JsonError,
  BrandClient
> =>
  BrandService<Self>()(`BrandCardMember.${op.name}`, {
    ...Operation.common(op),
    path: Operation.brandPrefix + op.path,
    request: Schema.Struct(op.fields) as any,
    spanAttributes: Operation.spanFieldsOf(op.fields).filter((field) => field !== "brand_id") as any,
    encrypt: (op.encrypt === undefined ? undefined : { field: op.encrypt, as: op.encrypt }) as any,
    ...(op.rateLimit?.brand !== undefined ? { rateLimit: op.rateLimit.brand } : {}),
    ...(op.brandOmitsEmptyBody === true ? { omitEmptyBody: true } : {})
  }) as any

/**
 * @since 1.3.0
 * @category tags
 */
export class CreateCardTemplate extends brand<CreateCardTemplate>()(Operations.CreateCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreateCardTemplateRequest = Operation.BrandRequest<typeof Operations.CreateCardTemplate>

/**
 * @since 1.3.0
 * @category errors
 */
export type CreateCardTemplateError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const createCardTemplate = CreateCardTemplate.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ListCardTemplates extends brand<ListCardTemplates>()(Operations.ListCardTemplates) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ListCardTemplatesRequest = Operation.BrandRequest<typeof Operations.ListCardTemplates>

/**
 * @since 1.3.0
 * @category errors
 */
export type ListCardTemplatesError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const listCardTemplates = ListCardTemplates.call

/**
 * @since 1.3.0
 * @category tags
 */
export class GetCardTemplate extends brand<GetCardTemplate>()(Operations.GetCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type GetCardTemplateRequest = Operation.BrandRequest<typeof Operations.GetCardTemplate>

/**
 * @since 1.3.0
 * @category errors
 */
export type GetCardTemplateError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const getCardTemplate = GetCardTemplate.call

/**
 * @since 1.3.0
 * @category tags
 */
export class UpdateCardTemplate extends brand<UpdateCardTemplate>()(Operations.UpdateCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type UpdateCardTemplateRequest = Operation.BrandRequest<typeof Operations.UpdateCardTemplate>

/**
 * @since 1.3.0
 * @category errors
 */
export type UpdateCardTemplateError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const updateCardTemplate = UpdateCardTemplate.call

/**
 * @since 1.3.0
 * @category tags
 */
export class InvalidateCardTemplate extends brand<InvalidateCardTemplate>()(Operations.InvalidateCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type InvalidateCardTemplateRequest = Operation.BrandRequest<typeof Operations.InvalidateCardTemplate>

/**
 * @since 1.3.0
 * @category errors
 */
export type InvalidateCardTemplateError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const invalidateCardTemplate = InvalidateCardTemplate.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ListUserCards extends brand<ListUserCards>()(Operations.ListUserCards) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ListUserCardsRequest = Operation.BrandRequest<typeof Operations.ListUserCards>

/**
 * @since 1.3.0
 * @category errors
 */
export type ListUserCardsError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const listUserCards = ListUserCards.call

/**
 * @since 1.3.0
 * @category tags
 */
export class GetUserCard extends brand<GetUserCard>()(Operations.GetUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type GetUserCardRequest = Operation.BrandRequest<typeof Operations.GetUserCard>

/**
 * @since 1.3.0
 * @category errors
 */
export type GetUserCardError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const getUserCard = GetUserCard.call

/**
 * @since 1.3.0
 * @category tags
 */
export class UpdateUserCard extends brand<UpdateUserCard>()(Operations.UpdateUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type UpdateUserCardRequest = Operation.BrandRequest<typeof Operations.UpdateUserCard>

/**
 * @since 1.3.0
 * @category errors
 */
export type UpdateUserCardError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const updateUserCard = UpdateUserCard.call

/**
 * @since 1.3.0
 * @category tags
 */
export class InvalidateUserCard extends brand<InvalidateUserCard>()(Operations.InvalidateUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type InvalidateUserCardRequest = Operation.BrandRequest<typeof Operations.InvalidateUserCard>

/**
 * @since 1.3.0
 * @category errors
 */
export type InvalidateUserCardError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const invalidateUserCard = InvalidateUserCard.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ImportUserCardByOpenid extends brand<ImportUserCardByOpenid>()(Operations.ImportUserCardByOpenid) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ImportUserCardByOpenidRequest = Operation.BrandRequest<typeof Operations.ImportUserCardByOpenid>

/**
 * @since 1.3.0
 * @category errors
 */
export type ImportUserCardByOpenidError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const importUserCardByOpenid = ImportUserCardByOpenid.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ConfirmUserCard extends brand<ConfirmUserCard>()(Operations.ConfirmUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ConfirmUserCardRequest = Operation.BrandRequest<typeof Operations.ConfirmUserCard>

/**
 * @since 1.3.0
 * @category errors
 */
export type ConfirmUserCardError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const confirmUserCard = ConfirmUserCard.call

/**
 * @since 1.3.0
 * @category tags
 */
export class CreatePreAuthToken extends brand<CreatePreAuthToken>()(Operations.CreatePreAuthToken) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreatePreAuthTokenRequest = Operation.BrandRequest<typeof Operations.CreatePreAuthToken>

/**
 * @since 1.3.0
 * @category errors
 */
export type CreatePreAuthTokenError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const createPreAuthToken = CreatePreAuthToken.call

/**
 * @since 1.3.0
 * @category tags
 */
export class CreateUserFeed extends brand<CreateUserFeed>()(Operations.CreateUserFeed) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreateUserFeedRequest = Operation.BrandRequest<typeof Operations.CreateUserFeed>

/**
 * @since 1.3.0
 * @category errors
 */
export type CreateUserFeedError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const createUserFeed = CreateUserFeed.call

/**
 * @since 1.3.0
 * @category tags
 */
export class SyncUserPoints extends brand<SyncUserPoints>()(Operations.SyncUserPoints) {}

/**
 * @since 1.3.0
 * @category models
 */
export type SyncUserPointsRequest = Operation.BrandRequest<typeof Operations.SyncUserPoints>

/**
 * @since 1.3.0
 * @category errors
 */
export type SyncUserPointsError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const syncUserPoints = SyncUserPoints.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ConfirmPointsExchange extends brand<ConfirmPointsExchange>()(Operations.ConfirmPointsExchange) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ConfirmPointsExchangeRequest = Operation.BrandRequest<typeof Operations.ConfirmPointsExchange>

/**
 * @since 1.3.0
 * @category errors
 */
export type ConfirmPointsExchangeError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const confirmPointsExchange = ConfirmPointsExchange.call

/**
 * @since 1.3.0
 * @category tags
 */
export class UploadImage extends brand<UploadImage>()(Operations.UploadImage) {}

/**
 * @since 1.3.0
 * @category models
 */
export type UploadImageRequest = Operation.BrandRequest<typeof Operations.UploadImage>

/**
 * @since 1.3.0
 * @category errors
 */
export type UploadImageError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const uploadImage = UploadImage.call

/**
 * Every item of every page of `listCardTemplates` as a stream, 20 a page, fetched as the consumer pulls (`offset` counts items:
 * "offset=10 表示从第11条记录开始返回", official partner page 4015336976).
 *
 * @since 1.3.0
 * @category accessors
 */
export const streamCardTemplates = Paging.stream(listCardTemplates, { name: "BrandCardMember.ListCardTemplates", pageSize: 20, offset: "item" })

/**
 * Every item of every page of `listUserCards` as a stream, 20 a page, fetched as the consumer pulls (`offset` counts items:
 * "offset=10 表示从第11条记录开始返回", official partner page 4015336976).
 *
 * @since 1.3.0
 * @category accessors
 */
export const streamUserCards = Paging.stream(listUserCards, { name: "BrandCardMember.ListUserCards", pageSize: 20, offset: "item" })

/**
 * Every endpoint of the brand's surface of 商家名片会员卡 (`/brand/card-member`); requires only `BrandClient`.
 *
 * @since 1.3.0
 * @category layers
 */
export const layer = Layer.mergeAll(
  CreateCardTemplate.layer,
  ListCardTemplates.layer,
  GetCardTemplate.layer,
  UpdateCardTemplate.layer,
  InvalidateCardTemplate.layer,
  ListUserCards.layer,
  GetUserCard.layer,
  UpdateUserCard.layer,
  InvalidateUserCard.layer,
  ImportUserCardByOpenid.layer,
  ConfirmUserCard.layer,
  CreatePreAuthToken.layer,
  CreateUserFeed.layer,
  SyncUserPoints.layer,
  ConfirmPointsExchange.layer,
  UploadImage.layer,
)

/**
 * Every endpoint Tag: what `layer` provides.
 *
 * @since 1.3.0
 * @category models
 */
export type Services = Layer.Success<typeof layer>

/**
 * The declarations, for what is derived from them (the CLI, the emulator's routes, docs tables, tests).
 *
 * @since 1.3.0
 * @category models
 */
export const endpoints: ReadonlyArray<{ readonly definition: Endpoint.Definition<any> }> = [
  CreateCardTemplate,
  ListCardTemplates,
  GetCardTemplate,
  UpdateCardTemplate,
  InvalidateCardTemplate,
  ListUserCards,
  GetUserCard,
  UpdateUserCard,
  InvalidateUserCard,
  ImportUserCardByOpenid,
  ConfirmUserCard,
  CreatePreAuthToken,
  CreateUserFeed,
  SyncUserPoints,
  ConfirmPointsExchange,
  UploadImage,
]

/**
 * WeChat's printed rate limits of these endpoints, per brand and endpoint, as `RateLimit` budgets: give them to
 * `RateLimit.layerMemory({ perEndpoint: { ...BrandCardMember.rateLimits } })` (or Redis) to wait for a token rather than
 * be refused with `429 RATELIMIT_EXCEEDED`. The figures are the pages' own; where WeChat's copies disagree (the provider's
 * HTML pages print 5/s, their Markdown export 10/s) the lower one is kept.
 *
 * @since 1.3.0
 * @category constants
 */
export const rateLimits: Readonly<Record<string, RateLimit.Budget>> = Operation.rateLimitsOf(endpoints)
