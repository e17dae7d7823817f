/**
 * 商家名片会员卡 card templates, both surfaces (A1–A5 / B1–B5): create, list, get, update, invalidate. A template is
 * the brand's (a provider and the brand see the same ones); who created it decides its notifications. Rules and
 * messages from the official partner pages (MM A1 4015336970, A3 4015336974, A4 4015336977, A5 4015336972) unless
 * marked the emulator's.
 *
 * @internal
 */
import * as BrandCardMember from "../../../BrandCardMember.js"
import * as PartnerCardMember from "../../../PartnerCardMember.js"
import type { TemplateRecord } from "../brand.js"
import { type Handled, reply } from "../route.js"
import { ApiFailure } from "../wechatSide.js"
import {
  newCardId,
  notifyUrlProblem,
  page,
  serve,
  templateOf,
  templateView,
  time,
  validDateProblem
} from "./brandCards.js"

const paramError = (message: string) => new ApiFailure(400, "PARAM_ERROR", message)
const invalidRequest = (message: string) => new ApiFailure(400, "INVALID_REQUEST", message)

/** What a template's settings must agree on (the PARAM_ERROR rows of MM A1/A4; the wording is the emulator's). */
const settingsProblem = (fields: Record<string, unknown>): ApiFailure | undefined => {
  if (fields.code_type === "JUMP_MINI_PROGRAM" && fields.code_jump_information === undefined) {
    return paramError("code展示类型为JUMP_MINI_PROGRAM时，须填写code_jump_information")
  }
  if (fields.need_display_level === true && fields.init_level === undefined) {
    return paramError("展示会员等级时，须填写初始会员等级init_level")
  }
  return validDateProblem(fields.valid_date_information as Record<string, unknown> | undefined) ??
    notifyUrlProblem(fields.notify_url)
}

/** At most two templates per card type (MM A1); emulator's choice: an invalidated template no longer counts. */
const maxPerType = 2

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  ...serve<BrandCardMember.CreateCardTemplateRequest>(
    "CreateCardTemplate",
    { partner: PartnerCardMember.CreateCardTemplate, brand: BrandCardMember.CreateCardTemplate },
    ({ apply, brand, creator, now, request, state }) => {
      const { brand_id: _brand, ...fields } = request as BrandCardMember.CreateCardTemplateRequest & { brand_id?: string }
      return apply({
        key: request.out_request_no,
        // A repeat is refused, never applied twice (MM A1).
        repeated: paramError("商家请求单号重复"),
        decide: () => {
          // "目前仅支持普通会员卡,填写付费和储值类型时会返回错误" (ON-B 4015582711; MM A1's row).
          if (request.card_type !== "NORMAL") return invalidRequest("暂不支持付费或储值的会员卡类型")
          const problem = settingsProblem(fields)
          if (problem !== undefined) return problem
          const sameType = [...state.templates.values()].filter((t) =>
            t.fields.card_type === request.card_type && t.fields.state === "CARD_EFFECTIVE"
          )
          if (sameType.length >= maxPerType) return invalidRequest("会员卡模板数量超过限制，每个类型最多创建两个模板")
          const card_id = newCardId()
          const at = time(now)
          const template: TemplateRecord = {
            card_id,
            creator,
            fields: {
              ...structuredClone(fields),
              card_id,
              brand_id: brand.brand_id,
              state: "CARD_EFFECTIVE",
              create_time: at,
              modify_time: at
            }
          }
          return {
            change: () => void state.templates.set(card_id, template),
            entry: { card_id },
            status: 200,
            json: templateView(template)
          }
        }
      })
    }
  ),

  ...serve<BrandCardMember.ListCardTemplatesRequest>(
    "ListCardTemplates",
    { partner: PartnerCardMember.ListCardTemplates, brand: BrandCardMember.ListCardTemplates },
    ({ request, state }) => {
      const matching = [...state.templates.values()].filter((t) =>
        request.state === undefined || t.fields.state === request.state
      )
      return reply(200, page(matching.map(templateView), request.offset, request.limit))
    }
  ),

  ...serve<BrandCardMember.GetCardTemplateRequest>(
    "GetCardTemplate",
    { partner: PartnerCardMember.GetCardTemplate, brand: BrandCardMember.GetCardTemplate },
    ({ request, state }) => {
      const template = templateOf(state, request.card_id)
      return template instanceof ApiFailure ? template : reply(200, templateView(template))
    }
  ),

  ...serve<BrandCardMember.UpdateCardTemplateRequest>(
    "UpdateCardTemplate",
    { partner: PartnerCardMember.UpdateCardTemplate, brand: BrandCardMember.UpdateCardTemplate },
    ({ apply, now, request, state }) => {
      const { brand_id: _brand, card_id, ...changes } = request as BrandCardMember.UpdateCardTemplateRequest & {
        brand_id?: string
      }
      const template = templateOf(state, card_id)
      if (template instanceof ApiFailure) return template
      // Emulator's choice: an invalidated template cannot be given out any more, so it is not edited either.
      if (template.fields.state !== "CARD_EFFECTIVE") return invalidRequest("会员卡模板无效")
      const merged = { ...template.fields, ...structuredClone(changes) }
      const problem = settingsProblem(merged)
      if (problem !== undefined) return problem
      return apply({
        decide: () => {
          const updated: Record<string, unknown> = { ...merged, modify_time: time(now) }
          return {
            change: () => void (template.fields = updated),
            entry: { card_id },
            status: 200,
            json: templateView({ ...template, fields: updated })
          }
        }
      })
    }
  ),

  ...serve<BrandCardMember.InvalidateCardTemplateRequest>(
    "InvalidateCardTemplate",
    { partner: PartnerCardMember.InvalidateCardTemplate, brand: BrandCardMember.InvalidateCardTemplate },
    ({ apply, now, request, state }) => {
      const template = templateOf(state, request.card_id)
      if (template instanceof ApiFailure) return template
      // Terminal: invalidating an invalid template again answers it as it is and applies nothing (emulator's choice;
      // MM A5 lists no refusal for it).
      if (template.fields.state === "CARD_INVALID") return reply(200, templateView(template))
      return apply({
        decide: () => {
          const updated: Record<string, unknown> = { ...template.fields, state: "CARD_INVALID", modify_time: time(now) }
          return {
            change: () => void (template.fields = updated),
            entry: { card_id: request.card_id },
            status: 200,
            json: templateView({ ...template, fields: updated })
          }
        }
      })
    }
  )
]
