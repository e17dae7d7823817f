/**
 * 服务模块 (service modules) on a card (#31–#34).
 *
 * WeChat creates service modules (会员服务项) for a brand; this emulator knows the catalogue below. A card template
 * (`store.templates`) shows the modules added to it in `template.service_modules` (`[{ service_module_id,
 * jump_miniprogram? }]`, what 查询会员卡模板信息 may answer); a member's state in a module is kept here. The
 * business errors are the official MC-SERVICE table's. Every application is a ledger entry `{ endpoint, key,
 * card_id, service_module_id }` (plus `code` and `state_id` for 设置会员服务项用户信息, keyed by `out_request_no`).
 *
 * @internal
 */
import {
  AddServiceModule,
  DeleteServiceModule,
  type SetServiceModuleDataRequest,
  SetServiceModuleData,
  UpdateServiceModule
} from "../../../membercard/ServiceModules.js"
import { type Context, handle, type Handled, reply } from "../route.js"
import { cardKey, type Store, type TemplateState } from "../store.js"
import { ApiFailure } from "../wechatSide.js"
import { cardOf, templateOf } from "./common.js"

/** A service module as WeChat configured it: its states, content fields and message templates. */
interface ModuleTemplate {
  readonly states: ReadonlyArray<string>
  readonly fields: ReadonlyArray<string>
  /** message_template_id → its field ids */
  readonly messages: Readonly<Record<string, ReadonlyArray<string>>>
  /** Only these brands may use it (all when absent). */
  readonly brands?: ReadonlyArray<string>
}

/**
 * The modules the emulator knows: `666` (hotel stay, the docs' example), `777` (parking) and `999` (a module of
 * another brand, which no test brand may use).
 */
export const catalogue: Readonly<Record<string, ModuleTemplate>> = {
  "666": {
    states: ["DEFAULT", "CHECKED_IN", "CHECKED_OUT"],
    fields: ["hotel_name", "room_number"],
    messages: { "9bJgRNz9XG248XZ-a0nDKH3Vt_vaTp32fRP1LWvxjzI": ["keyword1", "keyword2"] }
  },
  "777": { states: ["DEFAULT", "PARKED"], fields: ["plate_number"], messages: {} },
  "999": { states: ["DEFAULT"], fields: [], messages: {}, brands: ["another-brand"] }
}

/** A module on a card, as kept on the template. */
interface CardModule {
  readonly service_module_id: string
  jump_miniprogram?: unknown
}

const invalid = (message: string) => new ApiFailure(400, "INVALID_REQUEST", message)

/** The template and the catalogue entry a call names, or WeChat's refusal. */
const resolve = (ctx: Context, card_id: string, service_module_id: string) => {
  const template = templateOf(ctx, card_id)
  if (template instanceof ApiFailure) return template
  const module = catalogue[service_module_id]
  if (module === undefined) return invalid("该会员服务项id不存在")
  if (module.brands !== undefined && !module.brands.includes(template.brand_id)) {
    return invalid("当前品牌id无该会员服务项的使用权限")
  }
  return { template, module }
}

const modulesOf = (template: TemplateState): Array<CardModule> => {
  if (!Array.isArray(template.service_modules)) template.service_modules = []
  return template.service_modules as Array<CardModule>
}

const answer = (card_id: string, module: CardModule) => ({
  card_id,
  service_module_id: module.service_module_id,
  ...(module.jump_miniprogram === undefined ? {} : { jump_miniprogram: module.jump_miniprogram })
})

/** Where members' states are kept among a store's locals: `cardKey(card_id, code)` → service_module_id → state_setting. */
const LOCAL = "serviceModuleStates"

const memberStates = (ctx: Context) => ctx.local(LOCAL, () => new Map<string, Map<string, unknown>>())

/**
 * A merchant's service modules (the console's state view): each template's, then each member's state setting
 * (`member` is `card_id/code`).
 */
export const kept = (store: Store): ReadonlyArray<Readonly<Record<string, unknown>>> => {
  const states = store.locals.get(LOCAL) as ReadonlyMap<string, ReadonlyMap<string, unknown>> | undefined
  return [
    ...[...store.templates.values()].flatMap((template) =>
      Array.isArray(template.service_modules)
        ? (template.service_modules as ReadonlyArray<CardModule>).map((module) => ({ card_id: template.card_id, ...module }))
        : []
    ),
    ...[...(states?.entries() ?? [])].flatMap(([member, modules]) =>
      [...modules.entries()].map(([service_module_id, state_setting]) => ({ member, service_module_id, state_setting }))
    )
  ]
}

/** The MC-SERVICE rules on a member's state setting. */
const settingRefusal = (setting: SetServiceModuleDataRequest["state_setting"], module: ModuleTemplate) => {
  if (!module.states.includes(setting.state_id)) return invalid("该服务状态不在会员服务项模板中")
  if ((setting.content_template_data.field_list ?? []).some((f) => !module.fields.includes(f.field_id))) {
    return invalid("内容字段不在当前会员服务项模板中")
  }
  const message = setting.message_template_setting
  if (message !== undefined) {
    const fields = module.messages[message.message_template_id]
    if (fields === undefined) return invalid("消息模板id错误")
    if (fields.some((id) => !message.field_list.some((f) => f.field_id === id && f.field_value !== ""))) {
      return invalid("消息模板字段值部分为空,请检查")
    }
  }
  return undefined
}

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(AddServiceModule, (call, ctx) => {
    const { card_id, jump_miniprogram, service_module_id } = call.request
    const found = resolve(ctx, card_id, service_module_id)
    if (found instanceof ApiFailure) return found
    const modules = modulesOf(found.template)
    if (modules.some((m) => m.service_module_id === service_module_id)) return invalid("会员卡已添加该会员服务项")
    const added: CardModule = jump_miniprogram === undefined ? { service_module_id } : { service_module_id, jump_miniprogram }
    return ctx.apply({
      decide: () => ({
        change: () => modules.push(added),
        entry: { card_id, service_module_id },
        status: 200,
        json: answer(card_id, added)
      })
    })
  }),

  handle(UpdateServiceModule, (call, ctx) => {
    const { card_id, jump_miniprogram, service_module_id } = call.request
    const found = resolve(ctx, card_id, service_module_id)
    if (found instanceof ApiFailure) return found
    const module = modulesOf(found.template).find((m) => m.service_module_id === service_module_id)
    if (module === undefined) return invalid("会员卡暂未添加该会员服务项")
    const updated: CardModule = jump_miniprogram === undefined ? { service_module_id } : { service_module_id, jump_miniprogram }
    // The same jump again changes nothing: answered, not applied (which is why the declaration may repeat it).
    if (JSON.stringify(module.jump_miniprogram) === JSON.stringify(jump_miniprogram)) return reply(200, answer(card_id, updated))
    return ctx.apply({
      decide: () => ({
        // Each call replaces the jump; one left out clears it (the official page).
        change: () => {
          if (jump_miniprogram === undefined) delete module.jump_miniprogram
          else module.jump_miniprogram = jump_miniprogram
        },
        entry: { card_id, service_module_id },
        status: 200,
        json: answer(card_id, updated)
      })
    })
  }),

  handle(DeleteServiceModule, (call, ctx) => {
    const { card_id, service_module_id } = call.request
    const found = resolve(ctx, card_id, service_module_id)
    if (found instanceof ApiFailure) return found
    const modules = modulesOf(found.template)
    const at = modules.findIndex((m) => m.service_module_id === service_module_id)
    // Removing a module the card no longer shows changes nothing and succeeds (the declaration repeats it).
    if (at < 0) return reply(204)
    return ctx.apply({
      decide: () => ({
        change: () => {
          modules.splice(modules.findIndex((m) => m.service_module_id === service_module_id), 1)
        },
        entry: { card_id, service_module_id }
      })
    })
  }),

  handle(SetServiceModuleData, (call, ctx) => {
    const { card_id, code, out_request_no, service_module_id, state_setting } = call.request
    const found = resolve(ctx, card_id, service_module_id)
    if (found instanceof ApiFailure) return found
    const card = cardOf(ctx, card_id, code)
    if (card instanceof ApiFailure) return card
    return ctx.apply({
      key: out_request_no,
      fingerprint: `${cardKey(card_id, code)}\n${call.raw}`,
      decide: () => {
        if (!modulesOf(found.template).some((m) => m.service_module_id === service_module_id)) {
          return invalid("会员卡暂未添加该会员服务项,无法设置用户服务信息")
        }
        const refused = settingRefusal(state_setting, found.module)
        if (refused !== undefined) return refused
        const states = memberStates(ctx)
        return {
          change: () => {
            const member = states.get(cardKey(card_id, code)) ?? new Map<string, unknown>()
            member.set(service_module_id, call.body.state_setting)
            states.set(cardKey(card_id, code), member)
          },
          entry: { card_id, code, service_module_id, state_id: state_setting.state_id }
        }
      }
    })
  })
]
