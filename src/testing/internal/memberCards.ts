/**
 * The member-card resource: routes of the five endpoints, request checks, card state, bonus orders, idempotency
 * and the ledger. Business rules decide an outcome first and apply it only when asked (`commit`), so a fault can
 * answer as if successful while applying nothing.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import { GetUserCardRequest } from "../../membercard/GetUserCard.js"
import { SetUserCardRightsRequest } from "../../membercard/SetUserCardRights.js"
import { BonusRequest } from "../../membercard/shared.js"
import { UpdateUserCardRequest } from "../../membercard/UpdateUserCard.js"
import type { CardState, EmulatorRequest, EndpointName, LedgerEntry } from "../Emulator.js"
import { ApiFailure, randomHex } from "./wechatSide.js"

/** One served route. */
export interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly endpoint: EndpointName
  readonly schema: Schema.Schema<any, any>
}

/** The five member-card routes (path templates as in WeChat's docs). */
export const routes: ReadonlyArray<Route> = [
  { method: "GET", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)$/, endpoint: "GetUserCard", schema: GetUserCardRequest },
  { method: "PATCH", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)$/, endpoint: "UpdateUserCard", schema: UpdateUserCardRequest },
  { method: "PATCH", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)\/rights$/, endpoint: "SetUserCardRights", schema: SetUserCardRightsRequest },
  { method: "POST", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)\/bonus\/prepare$/, endpoint: "PrepareBonus", schema: BonusRequest },
  { method: "POST", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)\/bonus\/commit$/, endpoint: "CommitBonus", schema: BonusRequest }
]

/** The route for a method and path (without query), if any. */
export const findRoute = (method: string, path: string): Route | undefined =>
  routes.find((r) => r.method === method && r.pattern.test(path))

/** A call that passed the request checks. */
export interface Call {
  readonly endpoint: EndpointName
  readonly card_id: string
  readonly code: string
  readonly body: Record<string, unknown>
  /** The body text as received, for idempotency fingerprints. */
  readonly raw: string
}

/** Path parameters, Content-Type, JSON and the documented request schema, checked as WeChat does. */
export const parseCall = (request: EmulatorRequest, route: Route, path: string, mchid: string): Call | ApiFailure => {
  const match = route.pattern.exec(path)!
  let card_id: string
  let code: string
  try {
    card_id = decodeURIComponent(match[1]!)
    code = decodeURIComponent(match[2]!)
  } catch {
    return new ApiFailure(400, "PARAM_ERROR", "路径参数格式错误")
  }
  let body: Record<string, unknown> = {}
  if (request.method !== "GET") {
    if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
      return new ApiFailure(400, "PARAM_ERROR", "Content-Type须为application/json")
    }
    try {
      const parsed: unknown = JSON.parse(request.body)
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error()
      body = parsed as Record<string, unknown>
    } catch {
      return new ApiFailure(400, "PARAM_ERROR", "请求体不是合法的JSON")
    }
  }
  const decoded = ParseResult.decodeUnknownEither(route.schema, { errors: "first" })({ ...body, card_id, code })
  if (Either.isLeft(decoded)) {
    const issue = ParseResult.ArrayFormatter.formatIssueSync(decoded.left)[0]
    const field = issue?.path.join("/") ?? ""
    return new ApiFailure(400, "PARAM_ERROR", `参数错误: ${field}`, {
      field: `/${field}`,
      location: field === "card_id" || field === "code" ? "path" : "body",
      issue: issue?.message
    })
  }
  if ("mchid" in body && body.mchid !== mchid && route.endpoint !== "PrepareBonus" && route.endpoint !== "CommitBonus") {
    return new ApiFailure(400, "PARAM_ERROR", "请求中的mchid与Authorization中的mchid不一致")
  }
  return { endpoint: route.endpoint, card_id, code, body, raw: request.body }
}

/** A decided success: the answer, and the state change it stands for (applied only by `commit`). */
export interface Outcome {
  readonly status: number
  readonly body: string
  readonly commit: () => void
}

const nothing = (): void => {}

/** Cards, bonus orders, idempotency keys and the ledger. */
export class MemberCards {
  /** Every write applied, in order. */
  readonly ledger: Array<LedgerEntry> = []
  private readonly cards = new Map<string, CardState>()
  private readonly idempotency = new Map<string, string>()
  private readonly orders = new Map<string, { card: string; bonus_value: number; committed: boolean }>()

  put(card: Partial<CardState> & Pick<CardState, "card_id" | "code">): CardState {
    const full: CardState = {
      openid: `o${randomHex(13)}`,
      membership_number: card.code,
      level: "普通会员",
      nickname: "测试会员",
      balance: 0,
      bonus_value: 0,
      user_card_status: "EFFECTIVE",
      ...card
    }
    this.cards.set(`${card.card_id}/${card.code}`, full)
    return full
  }

  get(card_id: string, code: string): CardState | undefined {
    const card = this.cards.get(`${card_id}/${code}`)
    return card === undefined ? undefined : { ...card }
  }

  all(): ReadonlyArray<CardState> {
    return [...this.cards.values()].map((card) => ({ ...card }))
  }

  order(out_trade_no: string): { readonly bonus_value: number; readonly committed: boolean } | undefined {
    const order = this.orders.get(out_trade_no)
    return order === undefined ? undefined : { bonus_value: order.bonus_value, committed: order.committed }
  }

  /** WeChat's business rules for one call; nothing changes until the outcome is committed. */
  decide(call: Call, mchid: string): Outcome | ApiFailure {
    const { endpoint, card_id, code, body } = call
    const cardKey = `${card_id}/${code}`
    const card = this.cards.get(cardKey)
    if (card === undefined) {
      return [...this.cards.values()].some((c) => c.card_id === card_id)
        ? new ApiFailure(400, "INVALID_REQUEST", "code不存在")
        : new ApiFailure(400, "INVALID_REQUEST", "card_id无效")
    }
    if (endpoint === "GetUserCard") {
      return { status: 200, body: JSON.stringify({ ...card, user_information: { common_field_list: [] } }), commit: nothing }
    }
    if (card.user_card_status === "DELETE" || card.user_card_status === "UNAVAILABLE") {
      return new ApiFailure(400, "INVALID_REQUEST", "用户会员卡已失效")
    }
    if (endpoint === "PrepareBonus" || endpoint === "CommitBonus") {
      if (body.sub_mchid === undefined && body.mchid === undefined) {
        return new ApiFailure(400, "INVALID_REQUEST", "直连商户须传入mchid")
      }
      if (body.mchid !== undefined && body.mchid !== mchid) return new ApiFailure(400, "INVALID_REQUEST", "mchid无效")
    }
    const key = String(endpoint === "PrepareBonus" || endpoint === "CommitBonus" ? body.out_trade_no : body.out_request_no)
    // Idempotency: the same key with the same request repeats the first outcome without applying again; the same
    // key with a different request is refused.
    const idempotencyKey = `${endpoint}\n${key}`
    const fingerprint = `${cardKey}\n${call.raw}`
    const seen = this.idempotency.get(idempotencyKey)
    if (seen !== undefined) {
      return seen === fingerprint
        ? { status: 204, body: "", commit: nothing }
        : new ApiFailure(400, "INVALID_REQUEST", "商户请求单号重复，但请求参数与首次请求不一致")
    }
    let change: () => void = nothing
    let balanceDelta = 0
    let pointsDelta = 0
    switch (endpoint) {
      case "UpdateUserCard": {
        change = () => {
          if (typeof body.membership_number === "string") card.membership_number = body.membership_number
          if (typeof body.level === "string") card.level = body.level
          if (typeof body.background_picture_url === "string") card.background_picture_url = body.background_picture_url
        }
        const info = body.balance_information as { add_balance: number } | undefined
        if (info !== undefined) balanceDelta = info.add_balance
        break
      }
      case "SetUserCardRights": {
        if (typeof body.add_bonus_value === "number") pointsDelta = body.add_bonus_value
        else if (typeof body.bonus_value === "number") pointsDelta = body.bonus_value - card.bonus_value
        break
      }
      case "PrepareBonus": {
        change = () => this.orders.set(key, { card: cardKey, bonus_value: body.bonus_value as number, committed: false })
        break
      }
      case "CommitBonus": {
        const order = this.orders.get(key)
        if (order === undefined || order.card !== cardKey) {
          return new ApiFailure(400, "INVALID_REQUEST", "该订单未设置支付后展示积分")
        }
        if (order.bonus_value !== body.bonus_value) return new ApiFailure(400, "INVALID_REQUEST", "积分值与展示时不一致")
        change = () => {
          order.committed = true
        }
        break
      }
    }
    return {
      status: 204,
      body: "",
      commit: () => {
        change()
        card.balance += balanceDelta
        card.bonus_value += pointsDelta
        this.idempotency.set(idempotencyKey, fingerprint)
        this.ledger.push({ endpoint, card_id, code, key, balanceDelta, pointsDelta })
      }
    }
  }
}
