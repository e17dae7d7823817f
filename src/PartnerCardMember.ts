/**
 * 商家名片会员卡, a service provider's door (普通服务商): `/v3/brand/partner/card-member/*` on the APIv3 client
 * (`WechatPayClient`, signed with the provider's mchid), each call naming the brand it is for (`brand_id`). One Effect
 * service per operation, declared once with the brand's surface (`BrandCardMember`); notifications arrive as
 * `BRAND_MEMBER_CARD_SP.*` events, decrypted with the provider's APIv3 key.
 *
 * @since 1.3.0
 */
import * as Layer from "effect/Layer"
import type * as Endpoint from "./Endpoint.js"
import * as Operation from "./cardMember/operation.js"
import * as Operations from "./cardMember/operations.js"
import * as Paging from "./Paging.js"
import type * as RateLimit from "./RateLimit.js"

export * from "./cardMember/schemas.js"

/**
 * @since 1.3.0
 * @category tags
 */
export class CreateCardTemplate extends Operation.partner<CreateCardTemplate>()(Operations.CreateCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreateCardTemplateRequest = Operation.PartnerRequest<typeof Operations.CreateCardTemplate>

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
export class ListCardTemplates extends Operation.partner<ListCardTemplates>()(Operations.ListCardTemplates) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ListCardTemplatesRequest = Operation.PartnerRequest<typeof Operations.ListCardTemplates>

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
export class GetCardTemplate extends Operation.partner<GetCardTemplate>()(Operations.GetCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type GetCardTemplateRequest = Operation.PartnerRequest<typeof Operations.GetCardTemplate>

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
export class UpdateCardTemplate extends Operation.partner<UpdateCardTemplate>()(Operations.UpdateCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type UpdateCardTemplateRequest = Operation.PartnerRequest<typeof Operations.UpdateCardTemplate>

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
export class InvalidateCardTemplate extends Operation.partner<InvalidateCardTemplate>()(Operations.InvalidateCardTemplate) {}

/**
 * @since 1.3.0
 * @category models
 */
export type InvalidateCardTemplateRequest = Operation.PartnerRequest<typeof Operations.InvalidateCardTemplate>

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
export class ListUserCards extends Operation.partner<ListUserCards>()(Operations.ListUserCards) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ListUserCardsRequest = Operation.PartnerRequest<typeof Operations.ListUserCards>

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
export class GetUserCard extends Operation.partner<GetUserCard>()(Operations.GetUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type GetUserCardRequest = Operation.PartnerRequest<typeof Operations.GetUserCard>

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
export class UpdateUserCard extends Operation.partner<UpdateUserCard>()(Operations.UpdateUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type UpdateUserCardRequest = Operation.PartnerRequest<typeof Operations.UpdateUserCard>

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
export class InvalidateUserCard extends Operation.partner<InvalidateUserCard>()(Operations.InvalidateUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type InvalidateUserCardRequest = Operation.PartnerRequest<typeof Operations.InvalidateUserCard>

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
export class ImportUserCardByOpenid extends Operation.partner<ImportUserCardByOpenid>()(Operations.ImportUserCardByOpenid) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ImportUserCardByOpenidRequest = Operation.PartnerRequest<typeof Operations.ImportUserCardByOpenid>

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
export class ImportUserCardByPhone extends Operation.partner<ImportUserCardByPhone>()(Operations.ImportUserCardByPhone) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ImportUserCardByPhoneRequest = Operation.PartnerRequest<typeof Operations.ImportUserCardByPhone>

/**
 * @since 1.3.0
 * @category errors
 */
export type ImportUserCardByPhoneError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const importUserCardByPhone = ImportUserCardByPhone.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ConfirmUserCard extends Operation.partner<ConfirmUserCard>()(Operations.ConfirmUserCard) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ConfirmUserCardRequest = Operation.PartnerRequest<typeof Operations.ConfirmUserCard>

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
export class CreatePreAuthToken extends Operation.partner<CreatePreAuthToken>()(Operations.CreatePreAuthToken) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreatePreAuthTokenRequest = Operation.PartnerRequest<typeof Operations.CreatePreAuthToken>

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
export class CreatePayViewToken extends Operation.partner<CreatePayViewToken>()(Operations.CreatePayViewToken) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreatePayViewTokenRequest = Operation.PartnerRequest<typeof Operations.CreatePayViewToken>

/**
 * @since 1.3.0
 * @category errors
 */
export type CreatePayViewTokenError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const createPayViewToken = CreatePayViewToken.call

/**
 * @since 1.3.0
 * @category tags
 */
export class CreateUserFeed extends Operation.partner<CreateUserFeed>()(Operations.CreateUserFeed) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreateUserFeedRequest = Operation.PartnerRequest<typeof Operations.CreateUserFeed>

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
export class SyncUserPoints extends Operation.partner<SyncUserPoints>()(Operations.SyncUserPoints) {}

/**
 * @since 1.3.0
 * @category models
 */
export type SyncUserPointsRequest = Operation.PartnerRequest<typeof Operations.SyncUserPoints>

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
export class ConfirmPointsExchange extends Operation.partner<ConfirmPointsExchange>()(Operations.ConfirmPointsExchange) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ConfirmPointsExchangeRequest = Operation.PartnerRequest<typeof Operations.ConfirmPointsExchange>

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
export class CreateActivity extends Operation.partner<CreateActivity>()(Operations.CreateActivity) {}

/**
 * @since 1.3.0
 * @category models
 */
export type CreateActivityRequest = Operation.PartnerRequest<typeof Operations.CreateActivity>

/**
 * @since 1.3.0
 * @category errors
 */
export type CreateActivityError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const createActivity = CreateActivity.call

/**
 * @since 1.3.0
 * @category tags
 */
export class ListActivities extends Operation.partner<ListActivities>()(Operations.ListActivities) {}

/**
 * @since 1.3.0
 * @category models
 */
export type ListActivitiesRequest = Operation.PartnerRequest<typeof Operations.ListActivities>

/**
 * @since 1.3.0
 * @category errors
 */
export type ListActivitiesError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const listActivities = ListActivities.call

/**
 * @since 1.3.0
 * @category tags
 */
export class GetActivity extends Operation.partner<GetActivity>()(Operations.GetActivity) {}

/**
 * @since 1.3.0
 * @category models
 */
export type GetActivityRequest = Operation.PartnerRequest<typeof Operations.GetActivity>

/**
 * @since 1.3.0
 * @category errors
 */
export type GetActivityError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const getActivity = GetActivity.call

/**
 * @since 1.3.0
 * @category tags
 */
export class UpdateActivity extends Operation.partner<UpdateActivity>()(Operations.UpdateActivity) {}

/**
 * @since 1.3.0
 * @category models
 */
export type UpdateActivityRequest = Operation.PartnerRequest<typeof Operations.UpdateActivity>

/**
 * @since 1.3.0
 * @category errors
 */
export type UpdateActivityError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const updateActivity = UpdateActivity.call

/**
 * @since 1.3.0
 * @category tags
 */
export class TerminateActivity extends Operation.partner<TerminateActivity>()(Operations.TerminateActivity) {}

/**
 * @since 1.3.0
 * @category models
 */
export type TerminateActivityRequest = Operation.PartnerRequest<typeof Operations.TerminateActivity>

/**
 * @since 1.3.0
 * @category errors
 */
export type TerminateActivityError = Endpoint.JsonError

/**
 * @since 1.3.0
 * @category accessors
 */
export const terminateActivity = TerminateActivity.call

/**
 * Every item of every page of `listCardTemplates` as a stream, 20 a page, fetched as the consumer pulls (`offset` counts items:
 * "offset=10 表示从第11条记录开始返回", official partner page 4015336976).
 *
 * @since 1.3.0
 * @category accessors
 */
export const streamCardTemplates = Paging.stream(listCardTemplates, { name: "PartnerCardMember.ListCardTemplates", pageSize: 20, offset: "item" })

/**
 * Every item of every page of `listUserCards` as a stream, 20 a page, fetched as the consumer pulls (`offset` counts items:
 * "offset=10 表示从第11条记录开始返回", official partner page 4015336976).
 *
 * @since 1.3.0
 * @category accessors
 */
export const streamUserCards = Paging.stream(listUserCards, { name: "PartnerCardMember.ListUserCards", pageSize: 20, offset: "item" })

/**
 * Every item of every page of `listActivities` as a stream, 20 a page, fetched as the consumer pulls (`offset` counts items:
 * "offset=10 表示从第11条记录开始返回", official partner page 4015336976).
 *
 * @since 1.3.0
 * @category accessors
 */
export const streamActivities = Paging.stream(listActivities, { name: "PartnerCardMember.ListActivities", pageSize: 20, offset: "item" })

/**
 * Every endpoint of the service provider's surface of 商家名片会员卡 (`/v3/brand/partner/card-member`); requires only `WechatPayClient` (and the `Encryptor`, which `WechatPay.layer…` provide).
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
  ImportUserCardByPhone.layer,
  ConfirmUserCard.layer,
  CreatePreAuthToken.layer,
  CreatePayViewToken.layer,
  CreateUserFeed.layer,
  SyncUserPoints.layer,
  ConfirmPointsExchange.layer,
  CreateActivity.layer,
  ListActivities.layer,
  GetActivity.layer,
  UpdateActivity.layer,
  TerminateActivity.layer,
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
  ImportUserCardByPhone,
  ConfirmUserCard,
  CreatePreAuthToken,
  CreatePayViewToken,
  CreateUserFeed,
  SyncUserPoints,
  ConfirmPointsExchange,
  CreateActivity,
  ListActivities,
  GetActivity,
  UpdateActivity,
  TerminateActivity,
]

/**
 * WeChat's printed rate limits of these endpoints, per provider mchid and endpoint, as `RateLimit` budgets: give them to
 * `RateLimit.layerMemory({ perEndpoint: { ...PartnerCardMember.rateLimits } })` (or Redis) to wait for a token rather than
 * be refused with `429 RATELIMIT_EXCEEDED`. The figures are the pages' own; where WeChat's copies disagree (the provider's
 * HTML pages print 5/s, their Markdown export 10/s) the lower one is kept.
 *
 * @since 1.3.0
 * @category constants
 */
export const rateLimits: Readonly<Record<string, RateLimit.Budget>> = Operation.rateLimitsOf(endpoints)
