/**
 * Run by test/schema-jit.test.ts in a child process (`tsx test/schema-jit-corpus.ts jit|interpreted`), never by
 * vitest itself: every endpoint declaration's request validation, encoding and response decoding over one fixed
 * corpus, printed as one JSON document on stdout.
 *
 * `interpreted` makes `globalThis.Function` refuse to build functions before the library (and effect) load — as
 * workerd or a strict CSP does — so Effect's Schema JIT falls back to interpreting; `jit` leaves it working and counts
 * the functions the JIT generates through it. The corpus is the same in both: Schema-derived samples from fixed seeds
 * (`Arbitrary.sampleEffect`, deterministic), each mutated field by field (missing, wrong type, null, too long, nested
 * damage), whole inputs of the wrong kind, and extra keys; responses the same way, as JSON text.
 */
const mode = process.argv[2]
if (mode !== "jit" && mode !== "interpreted") throw new Error("usage: schema-jit-corpus.ts jit|interpreted")

const original = globalThis.Function
let generated = 0
let refused = 0
globalThis.Function = mode === "interpreted"
  ? (function blocked() {
    refused++
    throw new EvalError("Code generation from strings disallowed for this context")
  } as unknown as FunctionConstructor)
  : new Proxy(original, {
    apply: (target, self, args) => {
      generated++
      return Reflect.apply(target, self, args)
    },
    construct: (target, args) => {
      generated++
      return Reflect.construct(target, args)
    }
  })

// Loaded only now, after `Function` is in place (static imports would run first).
const Arbitrary = await import("effect/Arbitrary")
const Effect = await import("effect/Effect")
const Exit = await import("effect/Exit")
const Redacted = await import("effect/Redacted")
const Schema = await import("effect/Schema")
const { Endpoint, Media, MemberCard, MemberCardActivity, PlatformCertificates } = await import("../src/index.js")
const BrandCardMember = await import("../src/BrandCardMember.js")
const PartnerCardMember = await import("../src/PartnerCardMember.js")

type Definition = import("../src/Endpoint.js").Definition<object> & {
  readonly response?: import("effect/Schema").Codec<unknown, unknown> | undefined
}

const declarations: Array<Definition> = Object.values({
  MemberCard,
  MemberCardActivity,
  Media,
  PlatformCertificates,
  PartnerCardMember,
  BrandCardMember
})
  .flatMap((exports) =>
    Object.values(exports as Record<string, unknown>).flatMap((value) =>
      typeof value === "function" && "definition" in value && "call" in value ? [value.definition as Definition] : []
    )
  )
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

/** A value as JSON that keeps what JSON would lose: `undefined`, key order, classes, Redacted, bytes, odd numbers. */
const canon = (value: unknown, depth = 0): unknown => {
  if (depth > 40) return "$deep"
  if (value === undefined) return { $undefined: true }
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: String(value) }
  if (typeof value === "bigint") return { $bigint: String(value) }
  if (typeof value === "symbol" || typeof value === "function") return { [`$${typeof value}`]: String(value) }
  if (typeof value !== "object" || value === null) return value
  if (Redacted.isRedacted(value)) return { $redacted: canon(Redacted.value(value), depth + 1) }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("hex") }
  if (Array.isArray(value)) return value.map((item) => canon(item, depth + 1))
  const proto = Object.getPrototypeOf(value)
  const out: Record<string, unknown> = {}
  if (proto !== Object.prototype && proto !== null) out.$class = (value as object).constructor?.name ?? "?"
  // An error's message is not always an own enumerable property (Schema's tagged errors); it is what users read.
  if (value instanceof Error) out.$message = value.message
  for (const key of Object.keys(value)) out[key] = canon((value as Record<string, unknown>)[key], depth + 1)
  return out
}

/** An exit as data: the value, or the typed error's tag and fields (message and issues included). */
const outcome = (exit: import("effect/Exit").Exit<unknown, unknown>): unknown =>
  Exit.isSuccess(exit)
    ? { success: canon(exit.value) }
    : { failure: canon(exit.cause.reasons.map((reason) => reason._tag === "Fail" ? reason.error : String(reason))) }

/** Damaged copies of a plain object: each field missing, of the wrong type, null, too long; nested ones likewise. */
const mutations = (value: unknown, depth = 0): Array<unknown> => {
  if (typeof value !== "object" || value === null || depth > 2) return []
  if (Array.isArray(value)) {
    return value.length === 0 ? [] : [
      [...value, 1],
      value.slice(1),
      ...mutations(value[0], depth + 1).slice(0, 6).map((damaged) => [damaged, ...value.slice(1)])
    ]
  }
  const record = value as Record<string, unknown>
  const out: Array<unknown> = [{ ...record, unexpected_extra_key: "kept out" }]
  for (const key of Object.keys(record)) {
    const { [key]: field, ...without } = record
    out.push(without)
    out.push({ ...record, [key]: typeof field === "string" ? 12345 : "wrong type" })
    out.push({ ...record, [key]: null })
    out.push({ ...record, [key]: "字".repeat(300) })
    out.push({ ...record, [key]: -1.5 })
    for (const damaged of mutations(field, depth + 1).slice(0, 4)) out.push({ ...record, [key]: damaged })
  }
  return out
}

const wrongKinds: ReadonlyArray<unknown> = [null, undefined, "text", 42, [], true]

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const jump = { appid: "wx37178d097a6851d8", path: "pages/index/index" }

/** A 1×1 PNG: an upload's bytes must be an image. */
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)

/**
 * Valid requests for the declarations whose rules the Schema-derived sampler cannot satisfy by chance (patterns,
 * rules across fields, image bytes): written out, as the endpoint tests use them.
 */
const written: Readonly<Record<string, ReadonlyArray<unknown>>> = {
  "MemberCard.AddServiceModule": [
    { card_id, service_module_id: "666" },
    { card_id, service_module_id: "666", jump_miniprogram: jump }
  ],
  "MemberCard.UpdateServiceModule": [{ card_id, service_module_id: "666", jump_miniprogram: jump }],
  "MemberCard.DeleteServiceModule": [{ card_id, service_module_id: "777" }],
  "MemberCard.SetCallback": [{ notify_url: "https://shop.example.com/wechatpay/notify" }],
  "MemberCard.SetServiceModuleData": [{
    card_id,
    code: "478515832665",
    out_request_no: "state-20261202-0001",
    service_module_id: "666",
    state_setting: {
      state_id: "CHECKED_IN",
      content_template_data: {
        field_list: [{ field_id: "hotel_name", field_value: "深圳市南山区滨海路700号" }],
        action_setting: { action_name: "一键开锁", jump_miniprogram: jump }
      },
      message_template_setting: {
        message_template_id: "9bJgRNz9XG248XZ-a0nDKH3Vt_vaTp32fRP1LWvxjzI",
        field_list: [{ field_id: "keyword1", field_value: "已入住" }, { field_id: "keyword2", field_value: "1808" }]
      }
    }
  }],
  "MemberCard.ImportPhoneMember": [
    {
      member_information: { card_id, registration_time: "2026-11-30T10:00:00.000+08:00" },
      phone_number: Redacted.make("13900139000"),
      outer_str: "门店A"
    },
    { member_information: { card_id, registration_time: "2026-11-30T10:00:00+08:00" }, phone_number: Redacted.make("13800138000") }
  ],
  "MemberCardActivity.CreateActivity": [{
    card_id,
    activity_name: "良品铺子回馈活动",
    activity_type: "NON_MEMBER_AFTERPAY",
    begin_time: "2026-12-03T10:00:00.000+08:00",
    end_time: "2026-12-12T10:00:00.000+08:00",
    award_send_period: {
      award_send_time: [{ begin_time: "2026-12-04T10:00:00.000+08:00", end_time: "2026-12-10T10:00:00.000+08:00" }],
      award_send_day_time: [{
        begin_day_time: { hours: 9, minutes: 34, seconds: 6 },
        end_day_time: { hours: 21, minutes: 0, seconds: 0 }
      }]
    },
    stock_list: [{ stock_creator_mchid: "1900000109", stock_id: "98065001" }],
    out_request_no: "act-20261202-0001",
    pay_activity_setting: {
      logo_url: "https://wxpaylogo.qpic.cn/wxpaylogo/xxxxx/0",
      activity_second_title: "湖南麻辣美食券",
      activate_setting: { activate_type: "AUTO_ACTIVATE", activate_url: "https://w.url.cn/s/Ahz3p2C" },
      payment_setting: { payment_mode: { payment_scene_list: ["APP"] }, limit_bank: "CFT", goods_tags: ["member"] }
    }
  }],
  "PartnerCardMember.CreateActivity": [{
    brand_id: "1000001",
    out_request_no: "1000001_20261202_0001",
    card_id,
    activity_channel: "MECHANT_APP_COMPONENT",
    title: "新会员开卡礼",
    sub_title: "开卡即送商品券",
    begin_time: "2026-12-03T10:00:00+08:00",
    end_time: "2026-12-31T23:59:59+08:00",
    apply_total: 1000,
    product_coupon_stock_list: [{ product_coupon_id: "1000000013", stock_id: "1000000013001" }]
  }],
  "PartnerCardMember.UpdateActivity": [{
    brand_id: "1000001",
    activity_id: "1000000001",
    title: "新会员开卡礼",
    sub_title: "开卡即送商品券",
    begin_time: "2026-12-03T10:00:00+08:00",
    end_time: "2027-01-31T23:59:59+08:00"
  }],
  "Media.UploadImage": [{ file: png, filename: "logo.png" }],
  "BrandCardMember.UploadImage": [{ file: png, filename: "card.png" }]
}

const sample = <A>(schema: import("effect/Schema").Top, count: number, seed: number) =>
  Effect.runPromise(Arbitrary.sampleEffect(Arbitrary.schema(schema as never), { count, seed })) as unknown as Promise<Array<A>>

const encryptor = {
  serial: "PUB_KEY_ID_0114232134912410000000000000000000",
  maxPlaintextBytes: 214,
  encrypt: (plaintext: import("effect/Redacted").Redacted<string>) =>
    Effect.succeed(`encrypted(${Redacted.value(plaintext)})`)
}

/** A multipart upload's boundary is random per call: the same placeholder in both runs. */
const withoutBoundary = (request: import("../src/WechatPayClient.js").ApiRequest) => {
  const upload = request.upload
  const boundary = upload?.contentType.match(/boundary=(.+)$/)?.[1]
  if (upload === undefined || boundary === undefined) return request
  const replace = (text: string) => text.split(boundary).join("<boundary>")
  return {
    ...request,
    upload: {
      contentType: replace(upload.contentType),
      signed: replace(upload.signed),
      bytes: replace(Buffer.from(upload.bytes).toString("latin1"))
    }
  }
}

const results: Array<unknown> = []
let seed = 0
for (const definition of declarations) {
  seed++
  const encodeResponse = definition.response === undefined ? undefined : Schema.encodeUnknownSync(definition.response)
  const validRequests = written[definition.name] ?? await sample<object>(definition.request, 6, seed)
  const validResponses = definition.response === undefined
    ? []
    : (await sample<unknown>(definition.response, 6, 1000 + seed)).map((value) => encodeResponse!(value))
  const cannedBody = validResponses.length > 0 ? JSON.stringify(validResponses[0]) : ""
  let answer = cannedBody
  const seen: Array<unknown> = []
  const client = {
    mchid: "1900000109",
    execute: (request: import("../src/WechatPayClient.js").ApiRequest) => {
      seen.push(canon(withoutBoundary(request)))
      return Effect.succeed({
        status: definition.response === undefined ? 204 : 200,
        headers: {},
        body: answer,
        requestId: "08F78BB5A90610"
      })
    }
  }
  const endpoint = Endpoint.make(definition as never)(client as never, encryptor as never) as (
    input: unknown
  ) => import("effect/Effect").Effect<unknown, unknown>
  const run = async (input: unknown) => {
    seen.length = 0
    const exit = await Effect.runPromiseExit(endpoint(input))
    return { outcome: outcome(exit), sent: [...seen] }
  }

  const requests = [
    ...validRequests,
    ...validRequests.slice(0, 2).flatMap((request) => mutations(request)),
    ...wrongKinds
  ]
  for (const input of requests) {
    results.push({ endpoint: definition.name, request: canon(input), ...(await run(input)) })
  }
  if (definition.response !== undefined && validRequests.length > 0) {
    const bodies = [
      ...validResponses.map((value) => JSON.stringify(value)),
      ...validResponses.slice(0, 2).flatMap((value) => mutations(value).map((damaged) => JSON.stringify(damaged))),
      ...wrongKinds.map((value) => JSON.stringify(value) ?? "undefined"),
      "not json",
      "\ufeff" + (JSON.stringify(validResponses[0]) ?? "{}")
    ]
    for (const body of bodies) {
      answer = body
      results.push({ endpoint: definition.name, response: body, ...(await run(validRequests[0])) })
    }
    answer = cannedBody
  }
}

process.stdout.write(JSON.stringify({ mode, generated, refused, declarations: declarations.length, results }))
