/**
 * A stand-in for the WeChat Pay APIv3 server, strict where WeChat is strict: it checks every request's
 * Authorization exactly as WeChat does, signs every response with its own platform key (public-key mode and
 * certificate mode), keeps real member-card state, applies each idempotent write once, and records every
 * application in a ledger. Faults can be scripted per endpoint.
 *
 * Run it in-process (`layerHttpClient`) or on 127.0.0.1 (`serve`).
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import * as http from "node:http"
import type * as net from "node:net"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Protocol from "../internal/protocol.js"
import { GetUserCardRequest } from "../membercard/GetUserCard.js"
import { SetUserCardRightsRequest } from "../membercard/SetUserCardRights.js"
import { BonusRequest } from "../membercard/shared.js"
import { UpdateUserCardRequest } from "../membercard/UpdateUserCard.js"
import * as NodeTransport from "../NodeTransport.js"
import type * as Transport from "../Transport.js"
import * as WechatPay from "../WechatPay.js"
import type * as WechatPayClient from "../WechatPayClient.js"
import type { ConfigurationError } from "../WechatPayError.js"
import * as Fixtures from "./fixtures.js"

/**
 * The endpoints the emulator serves.
 *
 * @since 0.1.0
 * @category models
 */
export type EndpointName = "GetUserCard" | "UpdateUserCard" | "SetUserCardRights" | "PrepareBonus" | "CommitBonus"

/**
 * A scripted misbehaviour.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  /** Answer with this status and WeChat error code (unsigned, like real error responses); nothing is applied. */
  | { readonly _tag: "Error"; readonly status: number; readonly code: string; readonly message?: string }
  /** Answer with this status and no body (gateway / overload). Nothing is applied. */
  | { readonly _tag: "EmptyError"; readonly status: number }
  /** Wait before handling (the write is applied after the wait, if the client is still there). */
  | { readonly _tag: "Delay"; readonly millis: number }
  /** Drop the connection before anything is applied. */
  | { readonly _tag: "Drop" }
  /** Apply the write, then drop the connection: the client never learns it succeeded. */
  | { readonly _tag: "DropAfterApply" }
  /** Flip a byte of the response signature (still valid Base64). */
  | { readonly _tag: "TamperSignature" }
  /** Change the response body after signing it. */
  | { readonly _tag: "TamperBody" }
  /** A `WECHATPAY/SIGNTEST/` probe signature. */
  | { readonly _tag: "ProbeSignature" }
  /** Sign with a timestamp this many seconds in the past. */
  | { readonly _tag: "StaleTimestamp"; readonly seconds: number }
  /** Sign with a key whose serial the client does not know. */
  | { readonly _tag: "UnknownSerial" }
  /** Omit the `Wechatpay-*` signature headers. */
  | { readonly _tag: "Unsigned" }
  /** A correctly signed 200 whose body is not JSON. */
  | { readonly _tag: "NonJsonBody" }
  /** A correctly signed 200 whose body is JSON of the wrong shape. */
  | { readonly _tag: "WrongShape" }
  /** A correctly signed 200 whose body is this large (bytes). */
  | { readonly _tag: "OversizedBody"; readonly bytes: number }
  /** A correctly signed 200 whose body is JSON nested this deep. */
  | { readonly _tag: "DeepJson"; readonly depth: number }
  /** A `Wechatpay-Timestamp` that is not a number. */
  | { readonly _tag: "InvalidTimestamp" }
  /** A huge `Wechatpay-Serial` header value. */
  | { readonly _tag: "HugeHeader"; readonly bytes: number }

/**
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
  /** Only calls to this endpoint; all endpoints when absent. */
  readonly endpoint?: EndpointName | undefined
  readonly fault: Fault
  /** How many matching requests it hits. Default 1. */
  readonly times?: number | undefined
}

/**
 * A member's card as the emulator stores it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CardState {
  card_id: string
  code: string
  openid: string
  membership_number: string
  level: string
  nickname: string
  background_picture_url?: string
  balance: number
  bonus_value: number
  user_card_status: "NOT_ACTIVATE" | "EFFECTIVE" | "EXPIRE" | "UNAVAILABLE" | "DELETE"
}

/**
 * One write the emulator applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface LedgerEntry {
  readonly endpoint: EndpointName
  readonly card_id: string
  readonly code: string
  /** `out_request_no` or `out_trade_no`. */
  readonly key: string
  readonly balanceDelta: number
  readonly pointsDelta: number
}

/**
 * A request as the emulator sees it: header names lower case, the body as sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorRequest {
  readonly method: string
  /** Path and query exactly as received (the request-target). */
  readonly target: string
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type EmulatorResult =
  | { readonly _tag: "Respond"; readonly status: number; readonly headers: Record<string, string>; readonly body: string }
  | { readonly _tag: "Drop" }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly mchid?: string | undefined
  readonly merchantSerialNumber?: string | undefined
  /** The merchant's public key (PEM). When absent a merchant key pair is generated (see `merchantPrivateKey`). */
  readonly merchantPublicKey?: string | undefined
  /** `auto` (default): public-key mode when the request sends `Wechatpay-Serial: PUB_KEY_ID_…`, else certificate. */
  readonly mode?: "auto" | "publicKey" | "certificate" | undefined
  /** Cache one response signature per (second, body) — lets a benchmark server keep up; still always valid. */
  readonly reuseSignatures?: boolean | undefined
  /** Cards to start with. */
  readonly cards?: ReadonlyArray<Partial<CardState> & Pick<CardState, "card_id" | "code">> | undefined
}

const routes: ReadonlyArray<{
  readonly method: string
  readonly pattern: RegExp
  readonly endpoint: EndpointName
  readonly schema: Schema.Schema<any, any>
}> = [
  { method: "GET", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)$/, endpoint: "GetUserCard", schema: GetUserCardRequest },
  { method: "PATCH", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)$/, endpoint: "UpdateUserCard", schema: UpdateUserCardRequest },
  { method: "PATCH", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)\/rights$/, endpoint: "SetUserCardRights", schema: SetUserCardRightsRequest },
  { method: "POST", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)\/bonus\/prepare$/, endpoint: "PrepareBonus", schema: BonusRequest },
  { method: "POST", pattern: /^\/v3\/marketing\/membercard-open\/cards\/([^/]+)\/codes\/([^/]+)\/bonus\/commit$/, endpoint: "CommitBonus", schema: BonusRequest }
]

const randomHex = (bytes: number) => crypto.randomBytes(bytes).toString("hex")

class ApiFailure {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly detail?: unknown
  ) {}
}

/**
 * The emulated server. Its state is plain and synchronous; read it in tests to check what was applied.
 *
 * @since 0.1.0
 * @category models
 */
export class EmulatorState {
  readonly mchid: string
  readonly merchantSerialNumber: string
  /** Present when the emulator generated the merchant key pair. TEST ONLY. */
  readonly merchantPrivateKey: Redacted.Redacted<string> | undefined
  readonly publicKeyId: string
  /** The platform public key (PEM) of public-key mode. */
  readonly publicKey: string
  readonly certificateSerial = Fixtures.certificateSerial
  readonly certificate = Fixtures.certificate
  /** What a client should be configured with to verify this emulator (both modes). */
  readonly wechatpayPublicKeys: Readonly<Record<string, string>>

  /** Every write applied, in order. */
  readonly ledger: Array<LedgerEntry> = []
  /** Requests received per endpoint (including rejected ones); `"other"` for unknown routes. */
  readonly received = new Map<EndpointName | "other", number>()

  private readonly cards = new Map<string, CardState>()
  private readonly idempotency = new Map<string, string>()
  private readonly orders = new Map<string, { card: string; bonus_value: number; committed: boolean }>()
  private faults: Array<{ rule: FaultRule; left: number }> = []
  private readonly merchantKey: crypto.KeyObject
  private readonly platformKey: crypto.KeyObject
  private readonly certificateKey = crypto.createPrivateKey(Fixtures.certificatePrivateKey)
  private readonly strangerKey: crypto.KeyObject
  private readonly mode: "auto" | "publicKey" | "certificate"
  private readonly reuseSignatures: boolean
  private readonly signatureCache = new Map<string, { second: string; nonce: string; signature: string }>()

  constructor(options: Options = {}) {
    this.mchid = options.mchid ?? "1900000109"
    this.merchantSerialNumber = options.merchantSerialNumber ?? randomHex(20).toUpperCase()
    if (options.merchantPublicKey !== undefined) {
      this.merchantKey = crypto.createPublicKey(options.merchantPublicKey)
      this.merchantPrivateKey = undefined
    } else {
      const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
      this.merchantKey = pair.publicKey
      this.merchantPrivateKey = Redacted.make(pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString())
    }
    const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
    this.platformKey = platform.privateKey
    this.publicKey = platform.publicKey.export({ type: "spki", format: "pem" }).toString()
    this.publicKeyId = `PUB_KEY_ID_${crypto.randomInt(1e9, 9e9)}${"0".repeat(24)}`
    this.strangerKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
    this.wechatpayPublicKeys = { [this.publicKeyId]: this.publicKey, [this.certificateSerial]: this.certificate }
    this.mode = options.mode ?? "auto"
    this.reuseSignatures = options.reuseSignatures ?? false
    for (const card of options.cards ?? []) this.putCard(card)
  }

  /** Add or replace a member's card. */
  putCard(card: Partial<CardState> & Pick<CardState, "card_id" | "code">): CardState {
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

  /** A copy of a member's card, if it exists. */
  card(card_id: string, code: string): CardState | undefined {
    const card = this.cards.get(`${card_id}/${code}`)
    return card === undefined ? undefined : { ...card }
  }

  /** All cards (copies). */
  allCards(): ReadonlyArray<CardState> {
    return [...this.cards.values()].map((card) => ({ ...card }))
  }

  /** How many times a write with this idempotency key was applied. */
  applied(key: string): number {
    return this.ledger.filter((entry) => entry.key === key).length
  }

  /** Requests received for an endpoint (or all). */
  requests(endpoint?: EndpointName): number {
    if (endpoint !== undefined) return this.received.get(endpoint) ?? 0
    let total = 0
    for (const n of this.received.values()) total += n
    return total
  }

  /** Script a fault. */
  inject(rule: FaultRule): void {
    this.faults.push({ rule, left: rule.times ?? 1 })
  }

  /** Remove all scripted faults. */
  clearFaults(): void {
    this.faults = []
  }

  private takeFault(endpoint: EndpointName | undefined): Fault | undefined {
    const index = this.faults.findIndex((f) => f.left > 0 && (f.rule.endpoint === undefined || f.rule.endpoint === endpoint))
    if (index < 0) return undefined
    const entry = this.faults[index]!
    entry.left--
    if (entry.left === 0) this.faults.splice(index, 1)
    return entry.rule.fault
  }

  /** Serve one request. */
  handle(request: EmulatorRequest): Effect.Effect<EmulatorResult> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const [path] = request.target.split("?", 1) as [string]
      const route = routes.find((r) => r.method === request.method && r.pattern.test(path))
      const name = route?.endpoint ?? "other"
      this.received.set(name, (this.received.get(name) ?? 0) + 1)
      const fault = this.takeFault(route?.endpoint)
      const run = (): EmulatorResult => {
        if (fault?._tag === "Drop") return { _tag: "Drop" }
        if (fault?._tag === "Error") {
          return this.error(new ApiFailure(fault.status, fault.code, fault.message ?? fault.code))
        }
        if (fault?._tag === "EmptyError") {
          return { _tag: "Respond", status: fault.status, headers: { "request-id": randomHex(16) }, body: "" }
        }
        const outcome = this.process(request, route, path, Math.floor(now / 1000))
        if (outcome instanceof ApiFailure) return this.error(outcome)
        if (fault?._tag === "DropAfterApply") return { _tag: "Drop" }
        return this.signed(request, outcome.status, outcome.body, Math.floor(now / 1000), fault)
      }
      return fault?._tag === "Delay" ? Effect.sleep(Duration.millis(fault.millis)).pipe(Effect.map(run)) : Effect.sync(run)
    })
  }

  private error(failure: ApiFailure): EmulatorResult {
    const body = JSON.stringify({
      code: failure.code,
      message: failure.message,
      ...(failure.detail !== undefined ? { detail: failure.detail } : {})
    })
    return {
      _tag: "Respond",
      status: failure.status,
      headers: { "content-type": "application/json", "request-id": randomHex(16) },
      body
    }
  }

  private signed(request: EmulatorRequest, status: number, body: string, now: number, fault: Fault | undefined): EmulatorResult {
    const pubKeyMode = this.mode === "publicKey" ||
      (this.mode === "auto" && /^PUB_KEY_ID_/.test(request.headers["wechatpay-serial"] ?? ""))
    let key = pubKeyMode ? this.platformKey : this.certificateKey
    let serial = pubKeyMode ? this.publicKeyId : this.certificateSerial
    if (fault?._tag === "UnknownSerial") {
      key = this.strangerKey
      serial = randomHex(20).toUpperCase()
    }
    switch (fault?._tag) {
      case "NonJsonBody":
        status = 200
        body = "<html>502 Bad Gateway</html>"
        break
      case "WrongShape":
        status = 200
        body = JSON.stringify({ balance: "a lot", user_card_status: 42 })
        break
      case "OversizedBody":
        status = 200
        body = JSON.stringify({ padding: "x".repeat(fault.bytes) })
        break
      case "DeepJson":
        status = 200
        body = "[".repeat(fault.depth) + "]".repeat(fault.depth)
        break
    }
    const timestamp = String(fault?._tag === "StaleTimestamp" ? now - fault.seconds : now)
    let nonce: string
    let signature: string
    const cached = this.reuseSignatures && fault === undefined ? this.signatureCache.get(`${serial}\n${body}`) : undefined
    if (cached !== undefined && cached.second === timestamp) {
      nonce = cached.nonce
      signature = cached.signature
    } else {
      nonce = Protocol.nonce()
      signature = crypto.sign("sha256", Buffer.from(Protocol.responseMessage(timestamp, nonce, body)), key).toString("base64")
      if (this.reuseSignatures && fault === undefined) {
        this.signatureCache.set(`${serial}\n${body}`, { second: timestamp, nonce, signature })
      }
    }
    const headers: Record<string, string> = {
      "request-id": randomHex(16),
      "wechatpay-timestamp": timestamp,
      "wechatpay-nonce": nonce,
      "wechatpay-serial": serial,
      "wechatpay-signature": signature,
      "wechatpay-signature-type": Protocol.scheme
    }
    if (body !== "") headers["content-type"] = "application/json"
    switch (fault?._tag) {
      case "TamperSignature": {
        const i = signature.length >> 1
        headers["wechatpay-signature"] = signature.slice(0, i) + (signature[i] === "A" ? "B" : "A") + signature.slice(i + 1)
        break
      }
      case "TamperBody":
        body = body === "" ? "{}" : body.replace(/\d/, (d) => String((Number(d) + 1) % 10))
        if (body === "{}" && status === 204) status = 200
        break
      case "ProbeSignature":
        headers["wechatpay-signature"] = `${Protocol.probePrefix}${signature.slice(19)}`
        break
      case "Unsigned":
        for (const name of ["wechatpay-timestamp", "wechatpay-nonce", "wechatpay-serial", "wechatpay-signature"]) {
          delete headers[name]
        }
        break
      case "InvalidTimestamp":
        headers["wechatpay-timestamp"] = "tomorrow"
        break
      case "HugeHeader":
        headers["wechatpay-serial"] = "F".repeat(fault.bytes)
        break
    }
    return { _tag: "Respond", status, headers, body }
  }

  /** Authenticate as WeChat does, then route. */
  private process(
    request: EmulatorRequest,
    route: (typeof routes)[number] | undefined,
    path: string,
    now: number
  ): { status: number; body: string } | ApiFailure {
    const h = request.headers
    if (!h["accept"] || !h["user-agent"]) return new ApiFailure(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent")
    const auth = this.authenticate(request, now)
    if (auth !== undefined) return auth
    const serial = h["wechatpay-serial"]
    if (serial !== undefined && serial !== this.publicKeyId && serial.toUpperCase() !== this.certificateSerial) {
      return new ApiFailure(400, "PARAM_ERROR", "平台证书序列号Wechatpay-Serial错误")
    }
    if (route === undefined) return new ApiFailure(404, "NOT_FOUND", "URL不存在")
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
      if (!(h["content-type"] ?? "").startsWith("application/json")) {
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
    if ("mchid" in body && body.mchid !== this.mchid && route.endpoint !== "PrepareBonus" && route.endpoint !== "CommitBonus") {
      return new ApiFailure(400, "PARAM_ERROR", "请求中的mchid与Authorization中的mchid不一致")
    }
    return this.business(route.endpoint, card_id, code, body, request.body)
  }

  private authenticate(request: EmulatorRequest, now: number): ApiFailure | undefined {
    const header = request.headers["authorization"]
    const parsed = header === undefined ? undefined : Protocol.parseAuthorization(header)
    const p = parsed?.params
    if (parsed === undefined || !p?.mchid || !p.nonce_str || !p.timestamp || !p.serial_no || !p.signature) {
      return new ApiFailure(401, "SIGN_ERROR", "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》")
    }
    if (parsed.scheme !== Protocol.scheme) return new ApiFailure(401, "SIGN_ERROR", "HTTP头Authorization认证类型不正确")
    if (p.mchid !== this.mchid) return new ApiFailure(401, "SIGN_ERROR", "商户号有误")
    if (p.serial_no.toUpperCase() !== this.merchantSerialNumber.toUpperCase()) {
      return new ApiFailure(401, "SIGN_ERROR", "商户证书序列号有误。请使用签名私钥匹配的证书序列号")
    }
    if (!/^\d{1,12}$/.test(p.timestamp) || Math.abs(now - Number(p.timestamp)) > 300) {
      return new ApiFailure(401, "SIGN_ERROR", "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟")
    }
    const message = Protocol.requestMessage(request.method, request.target, p.timestamp, p.nonce_str, request.body)
    const ok = Protocol.isBase64(p.signature) &&
      crypto.verify("sha256", Buffer.from(message), this.merchantKey, Buffer.from(p.signature, "base64"))
    if (ok) return undefined
    return new ApiFailure(401, "SIGN_ERROR", "错误的签名，验签失败", {
      detail: { issue: "sign not match" },
      field: "signature",
      location: "authorization",
      sign_information: {
        method: request.method,
        url: request.target,
        sign_message_length: Buffer.byteLength(message),
        truncated_sign_message: message.slice(0, 256),
        truncated_sign_message_hex: Buffer.from(message).toString("hex").slice(0, 256)
      }
    })
  }

  private business(
    endpoint: EndpointName,
    card_id: string,
    code: string,
    body: Record<string, unknown>,
    raw: string
  ): { status: number; body: string } | ApiFailure {
    const cardKey = `${card_id}/${code}`
    const card = this.cards.get(cardKey)
    if (card === undefined) {
      return [...this.cards.values()].some((c) => c.card_id === card_id)
        ? new ApiFailure(400, "INVALID_REQUEST", "code不存在")
        : new ApiFailure(400, "INVALID_REQUEST", "card_id无效")
    }
    if (endpoint === "GetUserCard") {
      return { status: 200, body: JSON.stringify({ ...card, user_information: { common_field_list: [] } }) }
    }
    if (card.user_card_status === "DELETE" || card.user_card_status === "UNAVAILABLE") {
      return new ApiFailure(400, "INVALID_REQUEST", "用户会员卡已失效")
    }
    if (endpoint === "PrepareBonus" || endpoint === "CommitBonus") {
      if (body.sub_mchid === undefined && body.mchid === undefined) {
        return new ApiFailure(400, "INVALID_REQUEST", "直连商户须传入mchid")
      }
      if (body.mchid !== undefined && body.mchid !== this.mchid) return new ApiFailure(400, "INVALID_REQUEST", "mchid无效")
    }
    const key = String(endpoint === "PrepareBonus" || endpoint === "CommitBonus" ? body.out_trade_no : body.out_request_no)
    // Idempotency: the same key with the same request repeats the first outcome without applying again; the same
    // key with a different request is refused.
    const idempotencyKey = `${endpoint}\n${key}`
    const fingerprint = `${cardKey}\n${raw}`
    const seen = this.idempotency.get(idempotencyKey)
    if (seen !== undefined) {
      return seen === fingerprint
        ? { status: 204, body: "" }
        : new ApiFailure(400, "INVALID_REQUEST", "商户请求单号重复，但请求参数与首次请求不一致")
    }
    let balanceDelta = 0
    let pointsDelta = 0
    switch (endpoint) {
      case "UpdateUserCard": {
        if (typeof body.membership_number === "string") card.membership_number = body.membership_number
        if (typeof body.level === "string") card.level = body.level
        if (typeof body.background_picture_url === "string") card.background_picture_url = body.background_picture_url
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
        this.orders.set(key, { card: cardKey, bonus_value: body.bonus_value as number, committed: false })
        break
      }
      case "CommitBonus": {
        const order = this.orders.get(key)
        if (order === undefined || order.card !== cardKey) {
          return new ApiFailure(400, "INVALID_REQUEST", "该订单未设置支付后展示积分")
        }
        if (order.bonus_value !== body.bonus_value) return new ApiFailure(400, "INVALID_REQUEST", "积分值与展示时不一致")
        order.committed = true
        break
      }
    }
    card.balance += balanceDelta
    card.bonus_value += pointsDelta
    this.idempotency.set(idempotencyKey, fingerprint)
    this.ledger.push({ endpoint, card_id, code, key, balanceDelta, pointsDelta })
    return { status: 204, body: "" }
  }

  /** Bonus orders (`out_trade_no` → state), for assertions. */
  order(out_trade_no: string): { readonly bonus_value: number; readonly committed: boolean } | undefined {
    const order = this.orders.get(out_trade_no)
    return order === undefined ? undefined : { bonus_value: order.bonus_value, committed: order.committed }
  }
}

/**
 * The emulator instance in context.
 *
 * @since 0.1.0
 * @category tags
 */
export class Emulator extends Context.Tag("effect-wechatpay/testing/Emulator")<Emulator, EmulatorState>() {}

/**
 * Create an emulator (generates its platform key and, unless given a public key, the merchant key pair).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<EmulatorState> => Effect.sync(() => new EmulatorState(options))

/**
 * An emulator in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator> => Layer.effect(Emulator, make(options))

const decoder = new TextDecoder()

/**
 * An in-process `HttpClient` that hands every request to the emulator: the same checks and faults as the loopback
 * server, without sockets. Runs on the caller's `Clock`, so `TestClock` works.
 *
 * @since 0.1.0
 * @category constructors
 */
export const httpClient = (emulator: EmulatorState): HttpClient.HttpClient =>
  HttpClient.make((request, url) => {
    const body = request.body._tag === "Uint8Array"
      ? decoder.decode(request.body.body)
      : request.body._tag === "Raw" && typeof request.body.body === "string"
      ? request.body.body
      : ""
    return Effect.flatMap(
      emulator.handle({ method: request.method, target: url.pathname + url.search, headers: request.headers, body }),
      (result) =>
        result._tag === "Drop"
          ? Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", description: "connection dropped by the emulator" })
          )
          : Effect.succeed(HttpClientResponse.fromWeb(
            request,
            new Response(result.body === "" ? null : result.body, { status: result.status, headers: result.headers })
          ))
    )
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient, never, Emulator> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(Emulator, httpClient)
)

/**
 * A running loopback server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server {
  /** e.g. `http://127.0.0.1:49152` */
  readonly baseUrl: string
  /** Sockets currently open. */
  readonly connections: () => number
}

/**
 * @since 0.1.0
 * @category tags
 */
export class EmulatorServer extends Context.Tag("effect-wechatpay/testing/EmulatorServer")<EmulatorServer, Server>() {}

/**
 * The emulator as a node:http request listener: reads the request (at most 1 MiB), hands it to the emulator, and
 * writes its answer (with Content-Length, as WeChat does) or drops the connection. `serve` uses it; wrap it to look
 * at the raw requests, e.g. `http.createServer((req, res) => { seen.push(req.headers); listener(req, res) })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const requestListener = (emulator: EmulatorState) =>
(req: http.IncomingMessage, res: http.ServerResponse): void => {
  const chunks: Array<Buffer> = []
  let size = 0
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > 1024 * 1024) {
      res.writeHead(413).end()
      req.destroy()
    } else chunks.push(chunk)
  })
  req.on("end", () => {
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value.join(", ") : value
    }
    Effect.runPromise(emulator.handle({
      method: req.method ?? "GET",
      target: req.url ?? "/",
      headers,
      body: Buffer.concat(chunks).toString("utf8")
    })).then((result) => {
      if (result._tag === "Drop") {
        req.socket.destroy()
        return
      }
      if (res.destroyed) return
      // With a length, as WeChat answers; without one, Node would send the body chunked.
      const body = result.body === "" ? undefined : Buffer.from(result.body, "utf8")
      // (A 204 carries no Content-Length at all.)
      res.writeHead(
        result.status,
        result.status === 204 ? result.headers : { ...result.headers, "content-length": String(body?.byteLength ?? 0) }
      ).end(body)
    }, () => req.socket.destroy())
  })
}

/**
 * Serve the emulator over real HTTP on 127.0.0.1 (ephemeral port unless given), for the life of the scope.
 * Request handling uses the live clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = (
  emulator: EmulatorState,
  options: { readonly port?: number | undefined } = {}
): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: http.Server; sockets: Set<net.Socket> }>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = http.createServer(requestListener(emulator))
      // WeChat's keep-alive is 8 s; behave the same so clients meet stale sockets as they would in production.
      server.keepAliveTimeout = 8000
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(Effect.map(({ server, sockets }) => {
    const address = server.address() as net.AddressInfo
    return { baseUrl: `http://127.0.0.1:${address.port}`, connections: () => sockets.size }
  }))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (
  options: { readonly port?: number | undefined } = {}
): Layer.Layer<EmulatorServer, never, Emulator> =>
  Layer.scoped(EmulatorServer, Effect.flatMap(Emulator, (emulator) => serve(emulator, options)))

/**
 * Client options for the emulator (everything but identity and keys, which come from the emulator).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions = Partial<Omit<WechatPay.Options, "mchid" | "merchantSerialNumber" | "merchantPrivateKey">>

/**
 * A `WechatPayClient` configured with the emulator's merchant identity, merchant key and platform keys.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: ClientOptions = {}
): Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, Emulator | HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(Emulator, (emulator) => WechatPay.layer(clientOptions(emulator, options))))

/**
 * `layerClient` over the `Transport` you provide (e.g. `NodeTransport.layer()`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClientWith = (
  options: ClientOptions = {}
): Layer.Layer<WechatPayClient.WechatPayClient, ConfigurationError, Emulator | Transport.Transport> =>
  Layer.unwrapEffect(Effect.map(Emulator, (emulator) => WechatPay.layerWith(clientOptions(emulator, options))))

const clientOptions = (emulator: EmulatorState, options: ClientOptions): WechatPay.Options => {
  if (emulator.merchantPrivateKey === undefined) {
    throw new Error("The emulator was given a merchant public key: build the client yourself with the private key.")
  }
  return {
    mchid: emulator.mchid,
    merchantSerialNumber: emulator.merchantSerialNumber,
    merchantPrivateKey: emulator.merchantPrivateKey,
    wechatpayPublicKeys: emulator.wechatpayPublicKeys,
    ...options
  }
}

/**
 * Emulator + client wired in-process: `MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerInProcess = (
  options: Options & { readonly client?: ClientOptions | undefined } = {}
): Layer.Layer<Emulator | WechatPayClient.WechatPayClient, ConfigurationError> =>
  layerClient(options.client).pipe(Layer.provide(layerHttpClient), Layer.provideMerge(layer(options)))

/**
 * Emulator on a real 127.0.0.1 socket + client on `FetchHttpClient` (or the `HttpClient` you provide with
 * `layerLoopbackWith`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoopback = (
  options: Options & { readonly client?: ClientOptions | undefined; readonly port?: number | undefined } = {}
): Layer.Layer<Emulator | EmulatorServer | WechatPayClient.WechatPayClient, ConfigurationError> =>
  layerLoopbackWith(options).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerLoopbackWith = (
  options: Options & { readonly client?: ClientOptions | undefined; readonly port?: number | undefined } = {}
): Layer.Layer<Emulator | EmulatorServer | WechatPayClient.WechatPayClient, ConfigurationError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(EmulatorServer, (server) => layerClient({ baseUrl: server.baseUrl, ...options.client }))).pipe(
    Layer.provideMerge(layerServer({ port: options.port })),
    Layer.provideMerge(layer(options))
  )

/**
 * Emulator on a real 127.0.0.1 socket + client on the built-in node:http transport (`NodeTransport`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerLoopbackNode = (
  options: Options & {
    readonly client?: ClientOptions | undefined
    readonly port?: number | undefined
    readonly transport?: NodeTransport.Options | undefined
  } = {}
): Layer.Layer<Emulator | EmulatorServer | WechatPayClient.WechatPayClient, ConfigurationError> =>
  Layer.unwrapEffect(Effect.map(EmulatorServer, (server) => layerClientWith({ baseUrl: server.baseUrl, ...options.client }))).pipe(
    Layer.provide(NodeTransport.layer(options.transport)),
    Layer.provideMerge(layerServer({ port: options.port })),
    Layer.provideMerge(layer(options))
  )
