/**
 * The emulated server: keys, the request flow (faults, WeChat's checks, business rules) and signed answers.
 * Re-exported as `Emulator.EmulatorState`.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type {
  CardState,
  EmulatorRequest,
  EmulatorResult,
  EndpointName,
  Fault,
  FaultRule,
  LedgerEntry,
  Options
} from "../Emulator.js"
import * as Fixtures from "../fixtures.js"
import * as Faults from "./faults.js"
import { type Call, findRoute, MemberCards, type Outcome, parseCall, type Route } from "./memberCards.js"
import * as WechatSide from "./wechatSide.js"
import { ApiFailure, randomHex } from "./wechatSide.js"

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
  readonly ledger: Array<LedgerEntry>
  /** Requests received per endpoint (including rejected ones); `"other"` for unknown routes. */
  readonly received = new Map<EndpointName | "other", number>()

  private readonly memberCards = new MemberCards()
  private readonly faults = new Faults.FaultQueue()
  private readonly merchant: WechatSide.Merchant
  private readonly platformKey: crypto.KeyObject
  private readonly certificateKey = crypto.createPrivateKey(Fixtures.certificatePrivateKey)
  private readonly strangerKey: crypto.KeyObject
  private readonly mode: "auto" | "publicKey" | "certificate"
  private readonly reuseSignatures: boolean
  private readonly signatureCache = new Map<string, { second: string; nonce: string; signature: string }>()

  constructor(options: Options = {}) {
    this.mchid = options.mchid ?? "1900000109"
    this.merchantSerialNumber = options.merchantSerialNumber ?? randomHex(20).toUpperCase()
    let merchantKey: crypto.KeyObject
    if (options.merchantPublicKey !== undefined) {
      merchantKey = crypto.createPublicKey(options.merchantPublicKey)
      this.merchantPrivateKey = undefined
    } else {
      const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
      merchantKey = pair.publicKey
      this.merchantPrivateKey = Redacted.make(pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString())
    }
    this.merchant = { mchid: this.mchid, serialNumber: this.merchantSerialNumber, publicKey: merchantKey }
    const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
    this.platformKey = platform.privateKey
    this.publicKey = platform.publicKey.export({ type: "spki", format: "pem" }).toString()
    this.publicKeyId = `PUB_KEY_ID_${crypto.randomInt(1e9, 9e9)}${"0".repeat(24)}`
    this.strangerKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
    this.wechatpayPublicKeys = { [this.publicKeyId]: this.publicKey, [this.certificateSerial]: this.certificate }
    this.mode = options.mode ?? "auto"
    this.reuseSignatures = options.reuseSignatures ?? false
    this.ledger = this.memberCards.ledger
    for (const card of options.cards ?? []) this.putCard(card)
  }

  /** Add or replace a member's card. */
  putCard(card: Partial<CardState> & Pick<CardState, "card_id" | "code">): CardState {
    return this.memberCards.put(card)
  }

  /** A copy of a member's card, if it exists. */
  card(card_id: string, code: string): CardState | undefined {
    return this.memberCards.get(card_id, code)
  }

  /** All cards (copies). */
  allCards(): ReadonlyArray<CardState> {
    return this.memberCards.all()
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
    this.faults.inject(rule)
  }

  /** Remove all scripted faults. */
  clearFaults(): void {
    this.faults.clear()
  }

  /** Serve one request. */
  handle(request: EmulatorRequest): Effect.Effect<EmulatorResult> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const [path] = request.target.split("?", 1) as [string]
      const route = findRoute(request.method, path)
      const name = route?.endpoint ?? "other"
      this.received.set(name, (this.received.get(name) ?? 0) + 1)
      const fault = this.faults.take(route?.endpoint)
      const seconds = Math.floor(now / 1000)
      const run = (): EmulatorResult => {
        switch (fault?._tag) {
          case "Drop":
            return { _tag: "Drop" }
          case "Error":
            return WechatSide.errorResult(new ApiFailure(fault.status, fault.code, fault.message ?? fault.code))
          case "EmptyError":
            return { _tag: "Respond", status: fault.status, headers: { "request-id": randomHex(16) }, body: "" }
          case "Redirect":
            return { _tag: "Respond", status: fault.status, headers: { location: fault.location }, body: "" }
        }
        const outcome = this.process(request, route, path, seconds)
        if (outcome instanceof ApiFailure) return WechatSide.errorResult(outcome)
        // Accepted, not processed: a signed 202, and nothing applied.
        if (fault?._tag === "Accepted") return this.signed(request, 202, "", seconds, fault)
        outcome.commit()
        if (fault?._tag === "DropAfterApply") return { _tag: "Drop" }
        return this.signed(request, outcome.status, outcome.body, seconds, fault)
      }
      return fault?._tag === "Delay" ? Effect.sleep(Duration.millis(fault.millis)).pipe(Effect.map(run)) : Effect.sync(run)
    })
  }

  /** Bonus orders (`out_trade_no` → state), for assertions. */
  order(out_trade_no: string): { readonly bonus_value: number; readonly committed: boolean } | undefined {
    return this.memberCards.order(out_trade_no)
  }

  /** Authenticate as WeChat does, then check the call and decide its outcome (not yet applied). */
  private process(request: EmulatorRequest, route: Route | undefined, path: string, now: number): Outcome | ApiFailure {
    const h = request.headers
    if (!h["accept"] || !h["user-agent"]) return new ApiFailure(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent")
    const auth = WechatSide.authenticate(request, this.merchant, now)
    if (auth !== undefined) return auth
    const serial = h["wechatpay-serial"]
    if (serial !== undefined && serial !== this.publicKeyId && serial.toUpperCase() !== this.certificateSerial) {
      return new ApiFailure(400, "PARAM_ERROR", "平台证书序列号Wechatpay-Serial错误")
    }
    if (route === undefined) return new ApiFailure(404, "NOT_FOUND", "URL不存在")
    const call: Call | ApiFailure = parseCall(request, route, path, this.mchid)
    return call instanceof ApiFailure ? call : this.memberCards.decide(call, this.mchid)
  }

  /** A success signed with the platform key the request asked for (or the one a fault picks), then faulted. */
  private signed(request: EmulatorRequest, status: number, body: string, now: number, fault: Fault | undefined): EmulatorResult {
    const pubKeyMode = this.mode === "publicKey" ||
      (this.mode === "auto" && /^PUB_KEY_ID_/.test(request.headers["wechatpay-serial"] ?? ""))
    let key = pubKeyMode ? this.platformKey : this.certificateKey
    let serial = pubKeyMode ? this.publicKeyId : this.certificateSerial
    if (fault?._tag === "UnknownSerial") {
      key = this.strangerKey
      serial = randomHex(20).toUpperCase()
    }
    const shaped = Faults.bodyToSign(fault, status, body)
    const timestamp = String(fault?._tag === "StaleTimestamp" ? now - fault.seconds : now)
    let nonce: string
    let signature: string
    const cacheKey = `${serial}\n${shaped.body}`
    const cached = this.reuseSignatures && fault === undefined ? this.signatureCache.get(cacheKey) : undefined
    if (cached !== undefined && cached.second === timestamp) {
      nonce = cached.nonce
      signature = cached.signature
    } else {
      nonce = WechatSide.nonce()
      signature = WechatSide.signBytes(WechatSide.responseSignedBytes(timestamp, nonce, Buffer.from(shaped.body, "utf8")), key)
      if (this.reuseSignatures && fault === undefined) this.signatureCache.set(cacheKey, { second: timestamp, nonce, signature })
    }
    const headers: Record<string, string> = {
      "request-id": randomHex(16),
      "wechatpay-timestamp": timestamp,
      "wechatpay-nonce": nonce,
      "wechatpay-serial": serial,
      "wechatpay-signature": signature,
      "wechatpay-signature-type": WechatSide.scheme
    }
    if (shaped.body !== "") headers["content-type"] = "application/json"
    const sent = Faults.afterSigning(fault, shaped.status, headers, shaped.body)
    return { _tag: "Respond", status: sent.status, headers, body: sent.body }
  }
}
