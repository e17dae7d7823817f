/**
 * 0.6.0 hardening of the request side (review of 0.5.0, items 1 and 7), against the emulator in process with a
 * recording HttpClient (every request that reaches the HttpClient is kept, so "nothing sent" is observed directly):
 *
 * - `decryptCode`'s `encrypt_code` is URL text: sent verbatim (never percent-encoded again), refused before sending
 *   unless it is unreserved characters and `%XX` escapes of UTF-8, decoded once by WeChat (the emulator), so the value
 *   a merchant page reads from the jump URL decrypts as is;
 * - bad requests that went out on 0.5.0 are refused with RequestValidationError and nothing sent, at and one past
 *   each bound;
 * - the bonus calls name the client's merchant when the caller gives neither `mchid` nor `sub_mchid`;
 * - a walk over every endpoint declaration: no required request string accepts "", no idempotency key accepts "",
 *   no required request array accepts [] (a new endpoint cannot regress);
 * - property tests (Schema-derived `Arbitrary.schema`, and fast-check): valid requests are sent once and encode to
 *   what was asked; invalid ones are refused.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as FastCheck from "fast-check"
import { type Endpoint, Media, MemberCard, MemberCardActivity, PlatformCertificates, RetryPolicy } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import { Emulator } from "../src/testing/index.js"
import * as Wire from "../src/Wire.js"
import * as WechatPayClient from "../src/WechatPayClient.js"
import { fresh, recordingClient, type SentRequest } from "./support.js"

/** What reached the HttpClient: one entry per request. */
const sent: Array<SentRequest> = []
const Client = recordingClient(sent)

const Live = Layer.merge(MemberCard.layer, MemberCardActivity.layer).pipe(
  Layer.provideMerge(Client),
  Layer.provideMerge(Emulator.layer()),
  Layer.provideMerge(RetryPolicy.layerDisabled)
)

type Services = MemberCard.Services | MemberCardActivity.Services | Emulator.Emulator

const tagOf = (error: unknown): unknown => (error as { readonly _tag?: unknown } | undefined)?._tag

/** Validated and sent exactly once (WeChat may refuse it on business grounds, never as a validation error). */
const sentOnce = <A, E>(call: Effect.Effect<A, E, Services>) =>
  Effect.gen(function*() {
    const before = sent.length
    const result = yield* Effect.result(call)
    expect(sent.length - before, JSON.stringify(result)).toBe(1)
    if (Result.isFailure(result)) expect(tagOf(result.failure)).not.toBe("RequestValidationError")
    return { result, request: sent.at(-1)! }
  })

/** RequestValidationError naming `field`, and nothing sent. */
const refused = <A, E>(call: Effect.Effect<A, E, Services>, field: string) =>
  Effect.gen(function*() {
    const before = sent.length
    const error = yield* Effect.flip(call)
    expect(tagOf(error), JSON.stringify(error)).toBe("RequestValidationError")
    expect((error as { readonly fields: ReadonlyArray<string> }).fields).toContain(field)
    expect(sent.length).toBe(before)
  })

/** A request the static type may not allow (a value of the wrong shape, a field left out). */
const loose = <T>(value: Record<string, unknown>): T => value as T

/** The raw value of `name` in a URL's query, exactly as written there (not decoded): what a merchant page passes on. */
const rawQueryValue = (url: string, name: string): string | undefined =>
  url.slice(url.indexOf("?") + 1).split("&").find((pair) => pair.startsWith(`${name}=`))?.slice(name.length + 1)

const logo = "https://wxpaylogo.qpic.cn/wxpaylogo/PiajxSqBRaEIPAeia7Imvtsn7sYGNcEj33YzVvJF88ECQ19LXId8ZL2Q/0"
const template = (out_request_no: string) => ({
  appid: "wxea9c30890f48d5ae",
  logo_url: logo,
  brand: { brand_id: "1004", display_name: "微信支付" },
  title: "微信支付测试卡",
  background_picture_url: logo,
  description: "使用本会员卡表示你同意xxx公司的协议",
  code_type: "BAR_CODE" as const,
  date_information: { type: "PERMANENT" as const },
  code_mode: "SYSTEM_ALLOCATE" as const,
  out_request_no
})

const s128 = "0123456789abcdefghijklmnopqrstuv" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" +
  "6789abcdefghijklmnopqrstuvwxyzAB" + "CDEFGHIJKLMNOPQRSTUVWXYZ01234567"
const s129 = s128 + "8"

layer(Live)("decryptCode: encrypt_code is URL text, sent verbatim and decoded once by WeChat", (it) => {
  it.effect("the hand-written values have the lengths their names say", () =>
    Effect.sync(() => expect([s128.length, s129.length]).toEqual([128, 129])))

  it.effect("the spec's example: 12Xj%2BqW%3D%3D goes out as is (not %252B…) and decrypts to the card's code", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      const page = emulator.openActivationPage({ card_id, encrypt_code: "12Xj+qW==" })
      const { request, result } = yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: "12Xj%2BqW%3D%3D" }))
      expect(request.url.endsWith(`/cards/${card_id}/decrypt-code?encrypt_code=12Xj%2BqW%3D%3D`)).toBe(true)
      expect(result).toEqual(Result.succeed({ code: expect.any(String) }))
      expect(emulator.card(card_id, (result as Result.Success<{ code: string }, never>).success.code)?.openid).toBe(page.openid)
    }))

  it.effect("the jump URL the emulator builds carries the encrypt_code percent-encoded; passed on unchanged, it decrypts", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      const page = emulator.openActivationPage({ card_id, encrypt_code: "ab+cd/ef==" })
      const fromUrl = rawQueryValue(page.url, "encrypt_code")
      expect(fromUrl).toBe("ab%2Bcd%2Fef%3D%3D")
      expect(page.encrypt_code).toBe(fromUrl)
      expect(rawQueryValue(page.url, "card_id")).toBe(card_id)
      expect(rawQueryValue(page.url, "activate_ticket")).toBe(page.activate_ticket)
      const { request, result } = yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: fromUrl! }))
      expect(rawQueryValue(request.url, "encrypt_code")).toBe("ab%2Bcd%2Fef%3D%3D")
      expect(Result.isSuccess(result)).toBe(true)
    }))

  it.effect("lower-case escapes are kept as written (the signature is over the exact target; the emulator verifies it)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      emulator.openActivationPage({ card_id, encrypt_code: "12Xj+qW==" })
      const { request, result } = yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: "12Xj%2bqW%3d%3d" }))
      expect(rawQueryValue(request.url, "encrypt_code")).toBe("12Xj%2bqW%3d%3d")
      expect(Result.isSuccess(result)).toBe(true)
    }))

  it.effect("not URL text is refused before sending: & # space + / = raw non-ASCII, a lone or short %, a bad hex digit, %FF", () =>
    Effect.gen(function*() {
      const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
      for (
        const bad of ["ab&c", "ab#c", "ab c", "ab+c", "ab/c", "ab=c", "会员", "é", "ab%", "ab%2", "%G1", "ab%2G", "%FF", "%C3", ""]
      ) {
        yield* refused(MemberCard.decryptCode({ card_id, encrypt_code: bad }), "encrypt_code")
      }
    }))

  it.effect("string(128) counts the decoded value: 128 characters accepted (also with escapes), 129 refused", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      const plain = s128.slice(0, 126) + "+/"
      emulator.openActivationPage({ card_id, encrypt_code: plain })
      const { result } = yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: s128.slice(0, 126) + "%2B%2F" }))
      expect(Result.isSuccess(result)).toBe(true)
      yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: s128 }))
      yield* refused(MemberCard.decryptCode({ card_id, encrypt_code: s129 }), "encrypt_code")
      yield* refused(MemberCard.decryptCode({ card_id, encrypt_code: s128.slice(0, 127) + "%2B%2F" }), "encrypt_code")
    }))

  it.effect("property: any printable-ASCII value WeChat issues (code or ticket), carried in the jump URL and passed on unchanged, resolves", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      const printable = FastCheck.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))
      const values = FastCheck.sample(FastCheck.string({ unit: printable, minLength: 1, maxLength: 120 }), { numRuns: 60, seed: 6 })
      for (const [i, value] of values.entries()) {
        const issued = `${i}${value}`
        const page = emulator.openActivationPage({ card_id, encrypt_code: issued, activate_ticket: `t${issued}`, nickname: "n" })
        const { result } = yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: page.encrypt_code }))
        expect(Result.isSuccess(result), issued).toBe(true)
        const form = yield* sentOnce(MemberCard.getActivateInformation({ activate_ticket: page.activate_ticket }))
        expect(form.result, issued).toEqual(Result.succeed({ nickname: "n" }))
      }
    }))

  it.effect("property: a value holding a character that is neither unreserved nor part of a %XX escape is refused", () =>
    Effect.gen(function*() {
      const outside = FastCheck.fullUnicode().filter((c) => !/^[A-Za-z0-9\-._~]$/.test(c) && c !== "%")
      const values = FastCheck.sample(
        FastCheck.tuple(FastCheck.stringMatching(/^[A-Za-z0-9]{0,10}$/), outside, FastCheck.stringMatching(/^[A-Za-z0-9]{0,10}$/)),
        { numRuns: 60, seed: 7 }
      )
      for (const [a, c, b] of values) {
        yield* refused(MemberCard.decryptCode({ card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", encrypt_code: a + c + b }), "encrypt_code")
      }
    }))
})

layer(Live)("bad requests that went out on 0.5.0: refused, nothing sent; at and one past each bound", (it) => {
  it.effect("depositCodes: code [] and [\"\"] refused; one code of 1 character is sent", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-"), code_mode: "MERCHANT_DEPOSIT" })
      yield* refused(MemberCard.depositCodes({ card_id, code: [] }), "code")
      yield* refused(MemberCard.depositCodes({ card_id, code: [""] }), "code.0")
      yield* refused(MemberCard.depositCodes({ card_id, code: ["A", ""] }), "code.1")
      yield* sentOnce(MemberCard.depositCodes({ card_id, code: ["A"] }))
    }))

  it.effect("listCardTemplates: limit 1 and 20 sent; 0, -1 and 21 refused; offset 0 sent, -1 refused", () =>
    Effect.gen(function*() {
      const appid = "wxea9c30890f48d5ae"
      yield* sentOnce(MemberCard.listCardTemplates({ appid, offset: 0, limit: 1 }))
      yield* sentOnce(MemberCard.listCardTemplates({ appid, offset: 0, limit: 20 }))
      for (const limit of [0, -1, 21]) yield* refused(MemberCard.listCardTemplates({ appid, offset: 0, limit }), "limit")
      yield* refused(MemberCard.listCardTemplates({ appid, offset: -1, limit: 20 }), "offset")
    }))

  it.effect("listUserCards: openid \"\" refused, 1 and 128 characters sent, 129 refused; limit -5, 0, 21 refused, 1 and 20 sent; offset -1 refused", () =>
    Effect.gen(function*() {
      yield* refused(MemberCard.listUserCards({ openid: "", offset: 0, limit: 20 }), "openid")
      yield* sentOnce(MemberCard.listUserCards({ openid: "o", offset: 0, limit: 20 }))
      yield* sentOnce(MemberCard.listUserCards({ openid: s128, offset: 0, limit: 1 }))
      yield* refused(MemberCard.listUserCards({ openid: s129, offset: 0, limit: 20 }), "openid")
      for (const limit of [-5, 0, 21]) yield* refused(MemberCard.listUserCards({ openid: "o", offset: 0, limit }), "limit")
      yield* refused(MemberCard.listUserCards({ openid: "o", offset: -1, limit: 20 }), "offset")
      // appid is optional: "" is sent (the one rule: only required strings refuse "").
      yield* sentOnce(MemberCard.listUserCards({ openid: "o", appid: "", offset: 0, limit: 20 }))
    }))

  it.effect("listActivities: limit, when given, is at least 1 (no maximum is documented); offset at least 0", () =>
    Effect.gen(function*() {
      yield* sentOnce(MemberCardActivity.listActivities({ limit: 1, offset: 0 }))
      yield* sentOnce(MemberCardActivity.listActivities({ limit: 50 }))
      for (const limit of [-1, 0]) yield* refused(MemberCardActivity.listActivities({ limit }), "limit")
      yield* refused(MemberCardActivity.listActivities({ offset: -1 }), "offset")
    }))

  it.effect("createCardTemplate: out_request_no \"\" refused (an empty idempotency key would be retried with); \"x\" sent", () =>
    Effect.gen(function*() {
      yield* refused(MemberCard.createCardTemplate(template("")), "out_request_no")
      yield* sentOnce(MemberCard.createCardTemplate(template(fresh("x"))))
    }))

  it.effect("createCardTemplate: a required nested string (brand.display_name) is not empty", () =>
    refused(
      MemberCard.createCardTemplate({ ...template(fresh("t")), brand: { brand_id: "1004", display_name: "" } }),
      "brand.display_name"
    ))
})

layer(Live)("bonus calls: the client's mchid when neither mchid nor sub_mchid is given", (it) => {
  const bonus = (step: "prepare" | "commit", request: MemberCard.BonusRequest) =>
    step === "prepare" ? MemberCard.prepareBonus(request) : MemberCard.commitBonus(request)

  for (const step of ["prepare", "commit"] as const) {
    it.effect(`${step}Bonus without mchid sends the client's mchid and is accepted`, () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const code = fresh("c")
        emulator.putCard({ card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code, balance: 0, bonus_value: 0 })
        const order = { card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code, out_trade_no: fresh("T"), bonus_value: 30 }
        if (step === "commit") yield* MemberCard.prepareBonus(order)
        const { request, result } = yield* sentOnce(bonus(step, order))
        expect(JSON.parse(request.body)).toEqual({ out_trade_no: order.out_trade_no, bonus_value: 30, mchid: emulator.mchid })
        expect(result).toEqual(Result.succeed(undefined))
      }))

    it.effect(`${step}Bonus with sub_mchid sends no mchid; with mchid, the caller's`, () =>
      Effect.gen(function*() {
        const order = { card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: "c", bonus_value: 1 }
        const partner = yield* sentOnce(bonus(step, { ...order, out_trade_no: fresh("T"), sub_mchid: "1900000109" }))
        expect(JSON.parse(partner.request.body)).not.toHaveProperty("mchid")
        const direct = yield* sentOnce(bonus(step, { ...order, out_trade_no: fresh("T"), mchid: "1900000001" }))
        expect(JSON.parse(direct.request.body).mchid).toBe("1900000001")
      }))
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Every declaration: required strings, idempotency keys, required arrays
// ---------------------------------------------------------------------------------------------------------------

const modules = { MemberCard, MemberCardActivity, Media, PlatformCertificates, PartnerCardMember, BrandCardMember }
const declarations = Object.values(modules).flatMap((exports) =>
  Object.values(exports as Record<string, unknown>).flatMap((value) =>
    typeof value === "function" && "definition" in value && "call" in value
      ? [value.definition as Endpoint.Definition<object>]
      : []
  )
)

/**
 * The structure under checks and encodings (the encoded side: what the caller writes). On Effect 4 a check sits on
 * the node it refines (`ast.checks`), so only encodings (`ast.encoding`, the last link's `to` being the encoded side)
 * and suspensions are stepped through.
 */
const structure = (ast: AST.AST): AST.AST =>
  ast.encoding !== undefined
    ? structure(ast.encoding[ast.encoding.length - 1]!.to)
    : AST.isSuspend(ast)
    ? structure(ast.thunk())
    : ast

const isStringy = (ast: AST.AST): boolean => {
  const inner = structure(ast)
  return AST.isString(inner) || AST.isTemplateLiteral(inner)
}

/** The schema of a node as declared (its checks and encodings included): what a field's value is decoded with. */
const schemaOf = (ast: AST.AST): Schema.Codec<unknown, unknown> => Schema.make<Schema.Codec<unknown, unknown>>(ast)

interface Field {
  readonly path: string
  readonly schema: Schema.Codec<unknown, unknown>
  readonly kind: "string" | "array"
}

/** Every required string and required array, at any depth (an element of an array counts as required). */
const requiredFields = (ast: AST.AST, path: string): Array<Field> => {
  const node = structure(ast)
  if (AST.isObjects(node)) {
    return node.propertySignatures.flatMap((property) => {
      const at = path === "" ? String(property.name) : `${path}.${String(property.name)}`
      const own: Array<Field> = AST.isOptional(property.type)
        ? []
        : isStringy(property.type)
        ? [{ path: at, schema: schemaOf(property.type), kind: "string" }]
        : AST.isArrays(structure(property.type))
        ? [{ path: at, schema: schemaOf(property.type), kind: "array" }]
        : []
      return [...own, ...requiredFields(property.type, at)]
    })
  }
  if (AST.isArrays(node)) {
    return node.rest.flatMap((element) =>
      isStringy(element)
        ? [{ path: `${path}[]`, schema: schemaOf(element), kind: "string" as const }]
        : requiredFields(element, `${path}[]`)
    )
  }
  if (AST.isUnion(node)) return node.types.flatMap((member) => requiredFields(member, path))
  return []
}

const refuses = (schema: Schema.Codec<unknown, unknown>, value: unknown): boolean =>
  Result.isFailure(Schema.decodeUnknownResult(schema)(value))

describe("every endpoint declaration (generated: a new endpoint cannot regress)", () => {
  const fields = declarations.flatMap((definition) =>
    requiredFields(definition.request.ast, "").map((field) => ({ endpoint: definition.name, ...field }))
  )

  it("the walk finds the declarations and the fields it must (so it cannot pass by walking nothing)", () => {
    // membercard-open 31, its activities 4, media 1, certificates 1; 商家名片会员卡: the provider's 22, the brand's 16.
    expect(declarations.length).toBe(75)
    const found = fields.map((f) => `${f.endpoint} ${f.path}`)
    for (
      const expected of [
        "MemberCard.DepositCodes code",
        "MemberCard.DepositCodes code[]",
        "MemberCard.CreateCardTemplate out_request_no",
        "MemberCard.CreateCardTemplate brand.display_name",
        "MemberCard.ListUserCards openid",
        "MemberCard.DecryptCode encrypt_code",
        "MemberCard.SetServiceModuleData state_setting.state_id",
        "MemberCardActivity.CreateActivity out_request_no",
        "PartnerCardMember.ListUserCards brand_id",
        "PartnerCardMember.CreateCardTemplate legal_agreement",
        "PartnerCardMember.CreateActivity product_coupon_stock_list",
        "PartnerCardMember.CreateActivity product_coupon_stock_list[].stock_id",
        "BrandCardMember.CreateCardTemplate out_request_no",
        "BrandCardMember.CreateCardTemplate user_information.custom_field_list[].name",
        "BrandCardMember.UpdateCardTemplate user_information.custom_field_list[].values[]",
        "BrandCardMember.CreateUserFeed cell",
        "BrandCardMember.ConfirmPointsExchange record_id"
      ]
    ) expect(found).toContain(expected)
  })

  it("no required request string accepts \"\"", () => {
    const accepting = fields.filter((f) => f.kind === "string" && !refuses(f.schema, "")).map((f) => `${f.endpoint} ${f.path}`)
    expect(accepting).toEqual([])
  })

  it("no required request array accepts []", () => {
    const accepting = fields.filter((f) => f.kind === "array" && !refuses(f.schema, [])).map((f) => `${f.endpoint} ${f.path}`)
    expect(accepting).toEqual([])
  })

  it("every idempotency key is a required request field that refuses \"\"", () => {
    const keyed = declarations.filter((d) => d.idempotencyKey !== undefined)
    expect(keyed.map((d) => d.name).sort()).toEqual([
      "MemberCard.CommitBonus",
      "MemberCard.CreateCardTemplate",
      "MemberCard.ImportUserCardByOpenid",
      "MemberCard.ImportUserCardByPhone",
      "MemberCard.PrepareBonus",
      "MemberCard.SetServiceModuleData",
      "MemberCard.SetUserCardRights",
      "MemberCard.UpdateUserCard",
      "MemberCardActivity.CreateActivity"
      // 商家名片会员卡 has no keyed write: WeChat refuses a repeated out_request_no there (operations.ts).
    ])
    for (const definition of keyed) {
      const key = fields.find((f) => f.endpoint === definition.name && f.path === definition.idempotencyKey)
      expect(key, `${definition.name}.${definition.idempotencyKey}`).toBeDefined()
      expect(refuses(key!.schema, ""), definition.name).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Property tests: valid requests encode (sent once, the query says what was asked); invalid ones are refused
// ---------------------------------------------------------------------------------------------------------------

/** The query of a sent URL, decoded (as WeChat reads it). */
const queryOf = (url: string): Record<string, string> =>
  Object.fromEntries(new URL(url).searchParams.entries())

const stringified = (request: Record<string, unknown>, path: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(Object.entries(request).filter(([k]) => !path.includes(k)).map(([k, v]) => [k, String(v)]))

layer(Live)("property tests", (it) => {
  it.effect("valid listCardTemplates / listUserCards requests are sent once and their query is the request", () =>
    Effect.gen(function*() {
      for (const request of yield* Arbitrary.sampleEffect(Arbitrary.schema(MemberCard.ListCardTemplatesRequest), { count: 40, seed: 1 })) {
        const { request: wire } = yield* sentOnce(MemberCard.listCardTemplates(request))
        expect(queryOf(wire.url)).toEqual(stringified(request, []))
      }
      for (const request of yield* Arbitrary.sampleEffect(Arbitrary.schema(MemberCard.ListUserCardsRequest), { count: 40, seed: 2 })) {
        const { request: wire } = yield* sentOnce(MemberCard.listUserCards(request))
        expect(queryOf(wire.url)).toEqual(stringified(request, []))
      }
    }))

  it.effect("valid depositCodes and bonus requests are sent once, the body is the request without path parameters", () =>
    Effect.gen(function*() {
      for (const request of yield* Arbitrary.sampleEffect(Arbitrary.schema(MemberCard.DepositCodesRequest), { count: 30, seed: 3 })) {
        const { request: wire } = yield* sentOnce(MemberCard.depositCodes(request))
        expect(JSON.parse(wire.body)).toEqual({ code: request.code })
      }
      for (const request of yield* Arbitrary.sampleEffect(Arbitrary.schema(MemberCard.BonusRequest), { count: 30, seed: 4 })) {
        const { request: wire } = yield* sentOnce(MemberCard.prepareBonus(request))
        const { card_id: _c, code: _d, ...body } = request
        expect(JSON.parse(wire.body)).toMatchObject(body)
      }
    }))

  it.effect("out-of-range paging and empty required strings are refused, nothing sent", () =>
    Effect.gen(function*() {
      const outside = FastCheck.oneof(FastCheck.integer({ max: 0 }), FastCheck.integer({ min: 21 }))
      for (const limit of FastCheck.sample(outside, { numRuns: 30, seed: 5 })) {
        yield* refused(MemberCard.listCardTemplates({ appid: "wx1", offset: 0, limit }), "limit")
        yield* refused(MemberCard.listUserCards({ openid: "o", offset: 0, limit }), "limit")
      }
      for (const offset of FastCheck.sample(FastCheck.integer({ max: -1 }), { numRuns: 20, seed: 8 })) {
        yield* refused(MemberCard.listUserCards({ openid: "o", offset, limit: 1 }), "offset")
      }
      for (const codes of FastCheck.sample(FastCheck.array(FastCheck.constantFrom("", "A")), { numRuns: 30, seed: 9 })) {
        if (codes.length > 0 && !codes.includes("")) continue
        yield* Effect.flip(MemberCard.depositCodes(loose<MemberCard.DepositCodesRequest>({ card_id: "p", code: codes }))).pipe(
          Effect.map((error) => expect(error._tag).toBe("RequestValidationError"))
        )
      }
    }))
})

describe("Schema-derived arbitraries of the request schemas", () => {
  it.effect("generate valid values (the constructors' arbitraries agree with their rules)", () =>
    Effect.gen(function*() {
      for (const schema of [MemberCard.ListUserCardsRequest, MemberCard.DepositCodesRequest, MemberCard.DecryptCodeRequest]) {
        const is = Schema.is(schema as Schema.Codec<unknown, unknown>)
        const values = yield* Arbitrary.sampleEffect(Arbitrary.schema(schema as Schema.Codec<unknown, unknown>), { count: 50, seed: 10 })
        expect(values.length).toBe(50)
        for (const value of values) {
          expect(is(value), JSON.stringify(value)).toBe(true)
        }
      }
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Review of the 0.6.0 wire changes: jump-URL values, request integers, empty optional strings, day times, URL text
// ---------------------------------------------------------------------------------------------------------------

/** The path of a sent URL after `prefix`, exactly as written (not decoded). */
const rawPathAfter = (url: string, prefix: string): string => {
  const path = url.slice(url.indexOf("/v3/")).split("?")[0]!
  return path.slice(path.indexOf(prefix) + prefix.length)
}

layer(Live)("review 0.6: activate_ticket and encrypt_code follow one rule — as written in the jump URL, sent verbatim", (it) => {
  it.effect("a ticket with + / = travels through the jump URL: percent-encoded there, sent as written, resolved", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      const page = emulator.openActivationPage({ card_id, activate_ticket: "tk+t/x==", nickname: "小周" })
      const fromUrl = rawQueryValue(page.url, "activate_ticket")
      expect(fromUrl).toBe("tk%2Bt%2Fx%3D%3D")
      expect(page.activate_ticket).toBe(fromUrl)
      const { request, result } = yield* sentOnce(MemberCard.getActivateInformation({ activate_ticket: fromUrl! }))
      expect(rawPathAfter(request.url, "/activate-informations/")).toBe("tk%2Bt%2Fx%3D%3D")
      expect(result).toEqual(Result.succeed({ nickname: "小周" }))
    }))

  it.effect("issued values holding %25 and %41 are encoded once in the URL and decoded once by WeChat (a double decode is caught)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { card_id } = emulator.putTemplate({ card_id: fresh("tpl-") })
      for (const issued of ["x%41y", "x%25y", "%2541"]) {
        const page = emulator.openActivationPage({ card_id, encrypt_code: issued, activate_ticket: `t${issued}`, nickname: issued })
        expect(page.encrypt_code).toBe(issued.replace(/%/g, "%25"))
        expect(page.activate_ticket).toBe(`t${issued.replace(/%/g, "%25")}`)
        const decrypted = yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: page.encrypt_code }))
        expect(rawQueryValue(decrypted.request.url, "encrypt_code")).toBe(page.encrypt_code)
        expect(Result.isSuccess(decrypted.result), issued).toBe(true)
        const form = yield* sentOnce(MemberCard.getActivateInformation({ activate_ticket: page.activate_ticket }))
        expect(rawPathAfter(form.request.url, "/activate-informations/")).toBe(page.activate_ticket)
        expect(form.result, issued).toEqual(Result.succeed({ nickname: issued }))
      }
    }))

  it.effect("a decoded (not as written) ticket is refused before sending: + / space & # raw non-ASCII, a lone %, . and ..", () =>
    Effect.gen(function*() {
      for (const bad of ["tk+t", "a/b", "a b", "a&b", "a#b", "票据", "ab%", "%FF", "", ".", "..", "%2E", "%2e%2E"]) {
        yield* refused(MemberCard.getActivateInformation({ activate_ticket: bad }), "activate_ticket")
      }
    }))

  it.effect("string(256) counts the decoded ticket: 256 characters sent (also with escapes), 257 refused", () =>
    Effect.gen(function*() {
      const s256 = s128 + s128
      yield* sentOnce(MemberCard.getActivateInformation({ activate_ticket: s256 }))
      yield* sentOnce(MemberCard.getActivateInformation({ activate_ticket: s256.slice(0, 254) + "%2B%2F" }))
      yield* refused(MemberCard.getActivateInformation({ activate_ticket: s256 + "x" }), "activate_ticket")
      yield* refused(MemberCard.getActivateInformation({ activate_ticket: s256.slice(0, 255) + "%2B%2F" }), "activate_ticket")
    }))

  it.effect("control characters and a BOM are refused in both values: %00, %0D%0A, %7F, %EF%BB%BF, é; printable ASCII sent", () =>
    Effect.gen(function*() {
      const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
      for (const bad of ["ab%00c", "ab%0D%0Ac", "%7F", "%EF%BB%BFab", "%C3%A9", "%09"]) {
        yield* refused(MemberCard.decryptCode({ card_id, encrypt_code: bad }), "encrypt_code")
        yield* refused(MemberCard.getActivateInformation({ activate_ticket: bad }), "activate_ticket")
      }
      yield* sentOnce(MemberCard.decryptCode({ card_id, encrypt_code: "%20%21%7E%2B" }))
      yield* sentOnce(MemberCard.getActivateInformation({ activate_ticket: "%21%7E%2B" }))
    }))
})

describe("review 0.6: Wire.urlTextFields finds URL text under checks and encodings", () => {
  it("a wrapped urlText is still sent verbatim (its annotation is found under a check and a decodeTo)", () => {
    const wrapped = Schema.Struct({
      a: Wire.urlText("a", 10),
      b: Wire.urlText("b", 10).pipe(Schema.check(Schema.makeFilter(() => true))),
      c: Schema.String.pipe(Schema.decodeTo(Wire.urlText("c", 10))),
      d: Wire.optional(Wire.urlText("d", 10).check(Schema.isMaxLength(9))),
      e: Schema.String
    })
    expect([...Wire.urlTextFields(wrapped)].sort()).toEqual(["a", "b", "c", "d"])
  })
})

layer(Live)("review 0.6: every request integer states its bounds — a negative quantity, day count, initial bonus or balance is refused", (it) => {
  const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
  const fixTerm = (days: Partial<Record<"available_day_after_receive" | "wait_days_after_receive", number>>) => ({
    type: "FIX_TERM" as const,
    ...days
  })

  it.effect("createCardTemplate / updateCardTemplate: total_quantity, available_day_after_receive, wait_days_after_receive ≥ 0", () =>
    Effect.gen(function*() {
      for (const bad of [-1, -5]) {
        yield* refused(MemberCard.createCardTemplate({ ...template(fresh("t")), total_quantity: bad }), "total_quantity")
        yield* refused(MemberCard.updateCardTemplate({ card_id, total_quantity: bad }), "total_quantity")
        for (const field of ["available_day_after_receive", "wait_days_after_receive"] as const) {
          yield* refused(
            MemberCard.createCardTemplate({ ...template(fresh("t")), date_information: fixTerm({ [field]: bad }) }),
            `date_information.${field}`
          )
          yield* refused(
            MemberCard.updateCardTemplate({ card_id, date_information: fixTerm({ [field]: bad }) }),
            `date_information.${field}`
          )
        }
      }
      yield* sentOnce(MemberCard.createCardTemplate({
        ...template(fresh("t")),
        total_quantity: 0,
        date_information: fixTerm({ available_day_after_receive: 0, wait_days_after_receive: 0 })
      }))
      yield* refused(MemberCard.createCardTemplate({ ...template(fresh("t")), total_quantity: 1.5 }), "total_quantity")
      yield* refused(
        MemberCard.createCardTemplate({ ...template(fresh("t")), total_quantity: Number.MAX_SAFE_INTEGER + 1 }),
        "total_quantity"
      )
    }))

  it.effect("setCardTemplateRights: bonus.init_bonus ≥ 0", () =>
    Effect.gen(function*() {
      const bonus = (init_bonus: number) => ({ init_bonus, bonus_value_word: "积分", bonus_cost_word: "消耗" })
      yield* refused(
        MemberCard.setCardTemplateRights({ card_id, show_bonus: true, show_favor: false, bonus: bonus(-1) }),
        "bonus.init_bonus"
      )
      yield* sentOnce(MemberCard.setCardTemplateRights({ card_id, show_bonus: true, show_favor: false, bonus: bonus(0) }))
    }))

  it.effect("setUserCardRights: before_bonus_value and bonus_value ≥ 0; add_bonus_value stays signed (negative deducts)", () =>
    Effect.gen(function*() {
      const base = { card_id, code: "c", out_request_no: "r" }
      yield* refused(MemberCard.setUserCardRights({ ...base, before_bonus_value: -1 }), "before_bonus_value")
      yield* refused(MemberCard.setUserCardRights({ ...base, bonus_value: -1 }), "bonus_value")
      yield* sentOnce(MemberCard.setUserCardRights({ ...base, out_request_no: fresh("r"), before_bonus_value: 5, bonus_value: 0, add_bonus_value: -5 }))
      yield* refused(MemberCard.setUserCardRights({ ...base, add_bonus_value: 0.5 }), "add_bonus_value")
    }))

  it.effect("updateUserCard: balance_information.before_balance and balance ≥ 0; add_balance stays signed", () =>
    Effect.gen(function*() {
      const base = { card_id, code: "c", out_request_no: "r" }
      const info = (before_balance: number, balance: number, add_balance: number) => ({ before_balance, balance, add_balance })
      yield* refused(MemberCard.updateUserCard({ ...base, balance_information: info(-1, 0, 1) }), "balance_information.before_balance")
      yield* refused(MemberCard.updateUserCard({ ...base, balance_information: info(1, -1, -2) }), "balance_information.balance")
      yield* sentOnce(MemberCard.updateUserCard({ ...base, out_request_no: fresh("r"), balance_information: info(5, 0, -5) }))
    }))

  it.effect("the emulator refuses what WeChat would: a negative total_quantity that reaches it is 400 PARAM_ERROR", () =>
    Effect.gen(function*() {
      const client = yield* WechatPayClient.WechatPayClient
      const error = yield* Effect.flip(client.execute({
        endpoint: "Test.RawCreateCardTemplate",
        method: "POST",
        path: "/v3/marketing/membercard-open/cards",
        body: JSON.stringify({ ...template(fresh("t")), total_quantity: -5 }),
        idempotent: false
      }))
      expect(error).toMatchObject({ _tag: "ParamError", status: 400, code: "PARAM_ERROR" })
    }))
})

/** Whether a check, or a check it groups, carries `id`. */
const checkCarries = (check: AST.Check<unknown>, id: string): boolean =>
  check.annotations?.[id] !== undefined || (check._tag === "FilterGroup" && check.checks.some((c) => checkCarries(c, id)))

/** Whether `ast`, one of its checks, or anything it is encoded from carries `id` (as Wire itself looks it up). */
const carries = (ast: AST.AST, id: string): boolean =>
  ast.annotations?.[id] !== undefined ||
  (ast.checks?.some((check) => checkCarries(check, id)) ?? false) ||
  (ast.encoding?.some((link) => carries(link.to, id)) ?? false)

/** Every property at any depth (array elements included, as `path[]`), with whether it is optional. */
const everyField = (
  ast: AST.AST,
  path: string,
  optional: boolean
): Array<{ readonly path: string; readonly ast: AST.AST; readonly optional: boolean }> => {
  const node = structure(ast)
  const own = path === "" ? [] : [{ path, ast, optional }]
  if (AST.isObjects(node)) {
    return [...own, ...node.propertySignatures.flatMap((property) =>
      everyField(
        property.type,
        path === "" ? String(property.name) : `${path}.${String(property.name)}`,
        AST.isOptional(property.type)
      )
    )]
  }
  if (AST.isArrays(node)) return [...own, ...node.rest.flatMap((element) => everyField(element, `${path}[]`, false))]
  if (AST.isUnion(node)) return [...own, ...node.types.flatMap((member) => everyField(member, path, optional))]
  return own
}

describe("review 0.6: every request integer of every declaration is a Wire.int (generated)", () => {
  const numbers = declarations.flatMap((definition) =>
    everyField(definition.request.ast, "", false)
      .filter((field) => AST.isNumber(structure(field.ast)))
      .map((field) => ({ endpoint: definition.name, ...field }))
  )

  it("the walk finds the integers it must", () => {
    const found = numbers.map((f) => `${f.endpoint} ${f.path}`)
    for (
      const expected of [
        "MemberCard.CreateCardTemplate total_quantity",
        "MemberCard.UpdateCardTemplate date_information.wait_days_after_receive",
        "MemberCard.SetCardTemplateRights bonus.init_bonus",
        "MemberCard.SetUserCardRights add_bonus_value",
        "MemberCard.UpdateUserCard balance_information.balance",
        "MemberCard.PrepareBonus bonus_value",
        "MemberCardActivity.CreateActivity award_send_period.award_send_day_time[].begin_day_time.hours",
        "PartnerCardMember.SyncUserPoints point_balance",
        "PartnerCardMember.CreateActivity apply_total",
        "PartnerCardMember.ListActivities limit",
        "BrandCardMember.ListUserCards offset",
        "BrandCardMember.CreateCardTemplate valid_date_information.available_day_after_receive",
        "BrandCardMember.UpdateCardTemplate purchase_information.price"
      ]
    ) expect(found).toContain(expected)
  })

  it("each carries Wire.int's annotation (both bounds stated)", () => {
    expect(numbers.filter((f) => !carries(f.ast, Wire.IntId)).map((f) => `${f.endpoint} ${f.path}`)).toEqual([])
  })

  it("only the documented changes are signed: add_bonus_value and add_balance accept a negative, nothing else does", () => {
    const signed = numbers.filter((f) => !refuses(schemaOf(f.ast), -1)).map((f) => `${f.endpoint} ${f.path}`)
    expect(signed.sort()).toEqual([
      "MemberCard.SetUserCardRights add_bonus_value",
      "MemberCard.UpdateUserCard balance_information.add_balance"
    ])
  })
})

layer(Live)("review 0.6: optional strings accept \"\" (only required strings and idempotency keys refuse it)", (it) => {
  const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
  it.effect("createPermissionToken / createQrCode: activate_url, activate_appid, activate_path, outer_str \"\" are sent (SDK S sends activate_path \"\")", () =>
    Effect.gen(function*() {
      const empty = { activate_url: "", activate_appid: "", activate_path: "", outer_str: "" }
      const token = yield* sentOnce(MemberCard.createPermissionToken({ card_id, activate_type: "AUTO_ACTIVATE", ...empty }))
      expect(JSON.parse(token.request.body)).toMatchObject(empty)
      yield* sentOnce(MemberCard.createQrCode({ card_id, activate_type: "AUTO_ACTIVATE", ...empty }))
    }))

  it.effect("a PATCH can clear service_phone: updateCardTemplate service_phone \"\" is sent; updateUserCard level / membership_number \"\" sent", () =>
    Effect.gen(function*() {
      const patch = yield* sentOnce(MemberCard.updateCardTemplate({ card_id, service_phone: "" }))
      expect(JSON.parse(patch.request.body)).toEqual({ service_phone: "" })
      yield* sentOnce(MemberCard.updateUserCard({ card_id, code: "c", out_request_no: fresh("r"), level: "", membership_number: "", background_picture_url: "" }))
      yield* sentOnce(MemberCard.setUserCardRights({ card_id, code: "c", out_request_no: fresh("r"), member_price_word: "", fapiao_jump_word: "" }))
      yield* sentOnce(MemberCard.invalidateUserCard({ card_id, code: "c", reason: "" }))
    }))

  it.effect("required strings still refuse \"\": out_request_no, card_id, activate_type's neighbours", () =>
    Effect.gen(function*() {
      yield* refused(MemberCard.updateUserCard({ card_id, code: "c", out_request_no: "" }), "out_request_no")
      yield* refused(MemberCard.createPermissionToken({ card_id: "", activate_type: "AUTO_ACTIVATE" }), "card_id")
    }))
})

describe("review 0.6: one rule for \"\" over every field of every declaration (generated)", () => {
  const strings = declarations.flatMap((definition) =>
    everyField(definition.request.ast, "", false)
      .filter((field) => isStringy(field.ast))
      .map((field) => ({ endpoint: definition.name, ...field, name: `${definition.name} ${field.path}` }))
  )

  it("the walk finds optional and required strings", () => {
    const names = strings.map((f) => `${f.name} ${f.optional ? "optional" : "required"}`)
    for (
      const expected of [
        "MemberCard.CreatePermissionToken activate_path optional",
        "MemberCard.UpdateCardTemplate service_phone optional",
        "MemberCard.ListUserCards appid optional",
        "MemberCard.ListUserCards openid required",
        "MemberCard.DepositCodes code[] required",
        "MemberCard.ImportPhoneMember outer_str optional",
        "PartnerCardMember.CreateCardTemplate legal_agreement required",
        "BrandCardMember.CreateCardTemplate legal_agreement optional",
        "BrandCardMember.UpdateCardTemplate card_title optional",
        "PartnerCardMember.InvalidateUserCard invalid_reason optional",
        "PartnerCardMember.ListActivities card_id optional",
        "BrandCardMember.UpdateUserCard card_id required"
      ]
    ) expect(names).toContain(expected)
  })

  it("a required string refuses \"\"", () => {
    expect(strings.filter((f) => !f.optional && !refuses(schemaOf(f.ast), "")).map((f) => f.name)).toEqual([])
  })

  it("an optional string accepts \"\", unless an official page gives it a minimum (Wire.optional's emptyRefused, named here)", () => {
    const refusing = strings.filter((f) => f.optional && refuses(schemaOf(f.ast), ""))
    expect(refusing.filter((f) => !carries(f.ast, Wire.EmptyRefusedId)).map((f) => f.name)).toEqual([])
    expect(refusing.map((f) => f.name).sort()).toEqual([
      "MemberCard.CommitBonus mchid",
      "MemberCard.CommitBonus sub_mchid",
      "MemberCard.ImportPhoneMember outer_str",
      "MemberCard.PrepareBonus mchid",
      "MemberCard.PrepareBonus sub_mchid"
    ])
  })
})

describe("review 0.6: a day time is 00:00:00–23:59:59, or 24:00:00 exactly (the end of the day)", () => {
  const window = (end: { hours: number; minutes: number; seconds: number }) => ({
    award_send_day_time: [{ begin_day_time: { hours: 0, minutes: 0, seconds: 0 }, end_day_time: end }]
  })
  const accepts = (end: { hours: number; minutes: number; seconds: number }) =>
    Result.isSuccess(Schema.decodeUnknownResult(MemberCardActivity.AwardSendPeriod)(window(end)))

  it("24:00:00 and 23:59:59 are accepted", () => {
    expect(accepts({ hours: 24, minutes: 0, seconds: 0 })).toBe(true)
    expect(accepts({ hours: 23, minutes: 59, seconds: 59 })).toBe(true)
  })

  it("24:00:01, 24:01:00, 25:00:00, 23:60:00, 23:59:60, -1:00:00 are refused", () => {
    for (
      const bad of [[24, 0, 1], [24, 1, 0], [25, 0, 0], [23, 60, 0], [23, 59, 60], [-1, 0, 0]] as const
    ) expect(accepts({ hours: bad[0], minutes: bad[1], seconds: bad[2] }), bad.join(":")).toBe(false)
  })
})
