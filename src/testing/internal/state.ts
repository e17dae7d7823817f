/**
 * The emulated server: keys, the request flow (faults, WeChat's checks, business rules) and signed answers.
 * Re-exported as `Emulator.EmulatorState`.
 *
 * @internal
 */
import type * as crypto from "node:crypto"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import type * as BrandClient from "../../BrandClient.js"
import type { UserCard } from "../../cardMember/schemas.js"
import type * as WechatPay from "../../WechatPay.js"
import type {
  ActivationForm,
  ActivationPage,
  ActivationPageOptions,
  AnyEndpointName,
  BrandClientOptions,
  BrandPointsExchange,
  BrandSnapshot,
  CardState,
  ClientOptions,
  EmulatorRequest,
  EmulatorResult,
  LedgerEntry,
  Options
} from "./model.js"
import * as Aead from "./aead.js"
import * as Faults from "./faults.js"
import { Journal, type JournalEntry, keptBodyBytes } from "./journal.js"
import type { Fault, FaultRule } from "./faults.js"
import * as Multipart from "./multipart.js"
import * as Activation from "./resources/activation.js"
import * as BrandActivities from "./resources/brandActivities.js"
import { templateView } from "./resources/brandCards.js"
import * as BrandMembers from "./resources/brandMembers.js"
import { handlers } from "./resources/index.js"
import { type Context, ledgerEntry, type Outcome, parseCall, type Principal, type Route, router } from "./route.js"
import type { BrandAccount } from "./brand.js"
import type { Account } from "./merchant.js"
import { type Change, Platform } from "./platform.js"
import { baseUrlOf } from "./served.js"
import { cardKey, type Store, type TemplateState } from "./store.js"
import * as WechatSide from "./wechatSide.js"
import { ApiFailure, randomHex } from "./wechatSide.js"

/** Every route the emulator serves, from the resource modules. */
const routes = router(handlers)

/** Their endpoint names, sorted. */
const endpointNames: ReadonlyArray<string> = routes.routes.map((route) => route.endpoint).sort()

const nothing = (): void => {}

/**
 * The emulated server. Its state is plain and synchronous; read it in tests to check what was applied.
 *
 * @since 0.1.0
 * @category models
 */
export class EmulatorState extends Platform {
  /** The primary merchant's mchid (`Options.mchid`). */
  readonly mchid: string
  readonly merchantSerialNumber: string
  /** Present when the emulator generated the primary merchant's key pair. TEST ONLY. */
  readonly merchantPrivateKey: Redacted.Redacted<string> | undefined

  /** Every write applied, in order, all merchants' (each entry names its `mchid`). */
  readonly ledger: Array<LedgerEntry>
  /** Requests received per endpoint (including rejected ones); `"other"` for unknown routes. */
  readonly received = new Map<AnyEndpointName | "other", number>()

  private readonly faults = new Faults.FaultQueue()
  private readonly journal = new Journal()
  private readonly mode: "auto" | "publicKey" | "certificate"
  private readonly reuseSignatures: boolean
  private readonly signatureCache = new Map<string, { second: string; nonce: string; signature: string }>()

  constructor(options: Options = {}) {
    super(options)
    this.mchid = this.primary.mchid
    this.merchantSerialNumber = this.primary.serialNumber
    this.merchantPrivateKey = this.primary.privateKey
    this.mode = options.mode ?? "auto"
    this.reuseSignatures = options.reuseSignatures ?? false
    this.ledger = this.writes
    for (const card of options.cards ?? []) this.putCard(card)
    inspections.set(this, {
      journal: this.journal,
      faults: this.faults,
      accounts: this.accounts,
      brands: this.brands,
      endpoints: endpointNames,
      watch: (watcher) => this.watch(watcher),
      changed: (change) => this.changed(change)
    })
  }

  /**
   * A complete client configuration for merchant `mchid` (the primary merchant when absent): its mchid, certificate
   * serial, private key, the WeChat Pay public key and platform certificates to verify it with, its APIv3 key, and
   * the `baseUrl` of the server `serve` runs for this emulator, if any; `options` are added (and win). Use it with
   * `WechatPay.layerNode(…)` / `WechatPay.layer(…)`. Throws for a merchant the emulator does not serve, or whose
   * public key was given (the emulator does not have its private key).
   *
   * @since 1.2.0
   */
  merchantOptions(
    mchid?: string,
    options: Omit<ClientOptions, "mchid"> = {}
  ): WechatPay.Options & { readonly apiV3Key: Redacted.Redacted<string> } {
    const account = this.account(mchid)
    const merchantPrivateKey = account.privateKey
    if (merchantPrivateKey === undefined) {
      throw new Error("The emulator was given a merchant public key: build the client yourself with the private key.")
    }
    const baseUrl = baseUrlOf(this)
    return {
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      mchid: account.mchid,
      merchantSerialNumber: account.serialNumber,
      merchantPrivateKey,
      wechatpayPublicKeys: this.publicKeysOf(account),
      // A service provider's client is in partner mode (1.3.0).
      ...(account.serviceProvider ? { serviceProvider: true } : {}),
      // Its APIv3 key: `WechatPay.layer…` then also provides `Notification.Notifications` for its notifications.
      ...options,
      apiV3Key: options.apiV3Key ?? account.apiV3Key
    }
  }

  /**
   * A complete `BrandClient` configuration for brand `brandId` (the first brand when absent): its brand_id, brand API
   * certificate serial and private key, its WeChat Pay public key and id, its brand API key (with it
   * `BrandClient.layer…` also provides `Notification.Notifications` for its notifications), and the `baseUrl` of the
   * server `serve` runs for this emulator, if any; `options` are added (and win). Use it with
   * `BrandClient.layerNode(…)`. Throws for a brand the emulator does not serve, or whose public key was given.
   *
   * @since 1.3.0
   */
  brandOptions(
    brandId?: string,
    options: BrandClientOptions = {}
  ): BrandClient.Options & { readonly brandApiKey: Redacted.Redacted<string> } {
    const brand = this.brandAccount(brandId)
    const brandPrivateKey = brand.privateKey
    if (brandPrivateKey === undefined) {
      throw new Error("The emulator was given a brand public key: build the client yourself with the private key.")
    }
    const baseUrl = baseUrlOf(this)
    return {
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      brandId: brand.brand_id,
      brandSerialNumber: brand.serialNumber,
      brandPrivateKey,
      wechatpayPublicKeyId: brand.platformKey.id,
      wechatpayPublicKey: brand.platformKey.pem,
      ...options,
      brandApiKey: options.brandApiKey ?? brand.brandApiKey
    }
  }

  /**
   * Brand `brandId`'s 商家名片会员卡 state now (the first brand's when absent): templates, members' cards (values in
   * plain), activities, feeds, balances, exchanges and tokens — copies.
   *
   * @since 1.3.0
   */
  brandState(brandId?: string): BrandSnapshot {
    const brand = this.brandAccount(brandId)
    const { state } = brand
    const now = Math.floor(Date.now() / 1000)
    return {
      brand_id: brand.brand_id,
      templates: [...state.templates.values()].map((template) => ({
        ...(templateView(template) as unknown as BrandSnapshot["templates"][number]),
        ...(template.creator.kind === "merchant" ? { created_by: template.creator.mchid } : {})
      })),
      userCards: [...state.userCards.values()].map((card) =>
        BrandMembers.notified(brand, state.templates.get(card.card_id)!, card) as unknown as UserCard
      ),
      activities: [...state.activities.values()].map((activity) => BrandActivities.view(brand.brand_id, activity, now)),
      feeds: [...state.feeds.values()].map((feed) => ({ ...feed })),
      points: [...state.points.entries()].map(([key, point_balance]) => {
        const slash = key.indexOf("/")
        return { card_id: key.slice(0, slash), user_card_code: key.slice(slash + 1), point_balance }
      }),
      exchanges: [...state.exchanges.values()].map((record): BrandPointsExchange => {
        const answer = record.answer?.json
        return {
          ...BrandMembers.exchangeResource(brand, record),
          ...(answer === undefined ? {} : {
            state: String(answer.state),
            ...(answer.coupon_code !== undefined ? { coupon_code: String(answer.coupon_code) } : {}),
            ...(answer.reject_reason !== undefined ? { reject_reason: String(answer.reject_reason) } : {})
          })
        }
      }),
      tokens: state.tokens.map((token) => ({ ...token }))
    }
  }

  /**
   * Simulate a WeChat user opening a card of 商家名片会员卡 template `card_id` (入会组件 / 商家名片): the card is made
   * `UNACTIVATED` (a 24-digit code with `SYSTEM_ALLOCATE`; none — `user_card_code` `""` — with `MERCHANT_ALLOCATE`
   * until the merchant's confirmation names it) and `USER_CARD.CREATE` is notified to the template's `notify_url`
   * (`BRAND_MEMBER_CARD_SP.…` for a provider's template, `BRAND_MEMBER_CARD.…` for the brand's). Returns the card (as
   * notified). `openid` is generated unless given; `brand_id` is found from the template unless given. Throws when the
   * template is missing or invalid, or the user already has (or deleted) a card of it.
   *
   * @since 1.3.0
   */
  userOpensBrandCard(options: {
    readonly card_id: string
    readonly openid?: string | undefined
    /** The user's bound phone number (plain), carried by the card. */
    readonly phone_number?: string | undefined
    readonly brand_id?: string | undefined
  }): UserCard {
    const { brand, template } = BrandMembers.templateOwner(this.brands.values(), options.card_id, options.brand_id)
    const card = BrandMembers.opensCard(this.brandNotify, brand, template, options, Math.floor(Date.now() / 1000))
    return BrandMembers.notified(brand, template, card) as unknown as UserCard
  }

  /**
   * Simulate a user deleting their card of template `card_id` in WeChat (by its code when given): the card becomes
   * `INVALID` and cannot be imported again; `USER_CARD.DELETE` is notified. Returns the card as notified. Throws when
   * the user has no such card.
   *
   * @since 1.3.0
   */
  userDeletesBrandCard(options: {
    readonly card_id: string
    readonly openid: string
    readonly user_card_code?: string | undefined
    readonly brand_id?: string | undefined
  }): UserCard {
    const { brand, template } = BrandMembers.templateOwner(this.brands.values(), options.card_id, options.brand_id)
    const card = BrandMembers.deletesCard(this.brandNotify, brand, template, options, Math.floor(Date.now() / 1000))
    return BrandMembers.notified(brand, template, card) as unknown as UserCard
  }

  /**
   * Simulate WeChat asking for a member's points balance (`SYNC_USER_POINT`, payload `{ brand_id, card_id, openid,
   * user_card_code }`), which the merchant answers with 同步积分余额 (`SyncUserPoints`). Returns the payload. Throws
   * unless the member holds a card of the template in effect.
   *
   * @since 1.3.0
   */
  requestBrandPointsSync(options: {
    readonly card_id: string
    readonly openid: string
    readonly user_card_code?: string | undefined
    readonly brand_id?: string | undefined
  }): Readonly<Record<string, unknown>> {
    const { brand, template } = BrandMembers.templateOwner(this.brands.values(), options.card_id, options.brand_id)
    return BrandMembers.asksPoints(this.brandNotify, brand, template, options)
  }

  /**
   * Simulate a member redeeming `deduct_points` points for a product coupon: an exchange record is made (its
   * `record_id` generated, the other ids unless given) and `POINT_EXCHANGE_COUPON` is notified; the merchant answers
   * with 同步积分兑券结果 (`ConfirmPointsExchange`). Returns the record (the notification's payload). Throws unless the
   * member holds a card of the template in effect.
   *
   * @since 1.3.0
   */
  userRedeemsBrandPoints(options: {
    readonly card_id: string
    readonly openid: string
    readonly user_card_code?: string | undefined
    readonly deduct_points: number
    readonly exchange_coupon_template_id?: string | undefined
    readonly product_coupon_id?: string | undefined
    readonly product_coupon_stock_type?: string | undefined
    readonly stock_id?: string | undefined
    readonly brand_id?: string | undefined
  }): BrandPointsExchange {
    const { brand, template } = BrandMembers.templateOwner(this.brands.values(), options.card_id, options.brand_id)
    return BrandMembers.exchangeResource(brand, BrandMembers.redeemsPoints(this.brandNotify, brand, template, options))
  }

  private readonly brandNotify = (event: Parameters<BrandMembers.Notify>[0]): void => void this.notifyBrand(event)

  /** Add or replace a member's card (of merchant `mchid` since 1.2.0; the primary merchant's when absent). */
  putCard(card: Partial<CardState> & Pick<CardState, "card_id" | "code">, mchid?: string): CardState {
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
    this.account(mchid).store.cards.set(cardKey(card.card_id, card.code), full)
    this.changed("state")
    return full
  }

  /** A copy of a member's card, if it exists (merchant `mchid`'s since 1.2.0; the primary merchant's when absent). */
  card(card_id: string, code: string, mchid?: string): CardState | undefined {
    const card = this.account(mchid).store.cards.get(cardKey(card_id, code))
    return card === undefined ? undefined : { ...card }
  }

  /** All cards (copies) of merchant `mchid` (since 1.2.0; the primary merchant's when absent). */
  allCards(mchid?: string): ReadonlyArray<CardState> {
    return [...this.account(mchid).store.cards.values()].map((card) => ({ ...card }))
  }

  /**
   * Add or replace a card template (defaults: a brand id, `SYSTEM_ALLOCATE` codes, `ONGOING`) of merchant `mchid`
   * (since 1.2.0; the primary merchant's when absent).
   */
  putTemplate(template: Partial<TemplateState> & Pick<TemplateState, "card_id">, mchid?: string): TemplateState {
    const full: TemplateState = { brand_id: "testbrand", code_mode: "SYSTEM_ALLOCATE", status: "ONGOING", ...template }
    this.account(mchid).store.templates.set(template.card_id, full)
    this.changed("state")
    return full
  }

  /**
   * Simulate a user claiming a card of the template `card_id` and opening the merchant's jump activation page
   * (跳转型激活): the member's card is created `NOT_ACTIVATE` (its code allocated by the template's `code_mode`), and
   * the jump URL's `card_id`, `openid`, `encrypt_code` (for 加密code解码) and `activate_ticket` (for 获取用户信息, which
   * answers the form given here) are returned. Throws when the template is missing, not the emulator merchant's, or
   * `REAL_TIME`, or has no code to give (a test set-up error). `options.mchid` (1.2.0) names whose template.
   */
  openActivationPage(options: ActivationPageOptions): ActivationPage {
    const account = this.account(options.mchid)
    const page = Activation.openPage({ store: account.store, mchid: account.mchid }, options)
    this.changed("state")
    return page
  }

  /**
   * Simulate the member of a claimed card (`NOT_ACTIVATE`, e.g. from `openActivationPage`) filling the activation form
   * and returning to the merchant's activation page: a new `encrypt_code` and `activate_ticket` (获取用户信息 answers
   * this form) in a new jump URL. WeChat notifies nothing for a form: the merchant reads it and activates (激活会员卡),
   * which notifies `MEMBERCARD.ACTIVATE_CARD`. Throws when the card does not exist or is not waiting for activation.
   *
   * @since 1.4.0
   */
  userFillsActivationForm(
    options: ActivationForm & {
      readonly card_id: string
      readonly code: string
      readonly activate_url?: string | undefined
      readonly mchid?: string | undefined
    }
  ): ActivationPage {
    const page = Activation.fillForm(this.account(options.mchid).store, options)
    this.changed("state")
    return page
  }

  /** A copy of a card template, if it exists (merchant `mchid`'s since 1.2.0; the primary merchant's when absent). */
  template(card_id: string, mchid?: string): TemplateState | undefined {
    const template = this.account(mchid).store.templates.get(card_id)
    return template === undefined ? undefined : { ...template }
  }

  /**
   * How many times a write with this idempotency key was applied: by merchant `mchid` (since 1.2.0), or by any
   * merchant when absent.
   */
  applied(key: string, mchid?: string): number {
    return this.ledger.filter((entry) => entry.key === key && (mchid === undefined || entry.mchid === mchid)).length
  }

  /** Requests received for an endpoint (or all). */
  requests(endpoint?: AnyEndpointName): number {
    if (endpoint !== undefined) return this.received.get(endpoint) ?? 0
    let total = 0
    for (const n of this.received.values()) total += n
    return total
  }

  /** Script a fault. */
  inject(rule: FaultRule): void {
    this.faults.inject(rule)
    this.changed("faults")
  }

  /** Remove all scripted faults. */
  clearFaults(): void {
    this.faults.clear()
    this.changed("faults")
  }

  /** Serve one request. */
  handle(request: EmulatorRequest): Effect.Effect<EmulatorResult> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const started = performance.now()
      const [path] = request.target.split("?", 1) as [string]
      const found = routes.find(request.method, path)
      const name = found?.route.endpoint ?? "other"
      this.received.set(name, (this.received.get(name) ?? 0) + 1)
      const fault = this.faults.take(found?.route.endpoint)
      if (fault !== undefined) this.changed("faults")
      const seconds = Math.floor(now / 1000)
      const received = Multipart.read(request.headers["content-type"], request.bytes ?? Buffer.from(request.body, "utf8"))
      const entry = this.record(request, received, now, name, fault)
      const writes = this.writes.length
      // Every request is answered in the journal once, whatever ends it: an answer, a defect, an interruption (a
      // client that gave up during a `Delay`) — the last two as a drop, which is what the client saw.
      const answered = Effect.onExit((exit: Exit.Exit<EmulatorResult>) =>
        Effect.sync(() => {
          this.journal.answered(entry, Exit.isSuccess(exit) ? exit.value : { _tag: "Drop" }, performance.now() - started)
          if (this.writes.length !== writes) this.changed("state")
        })
      )
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
        const processed = path.startsWith(brandPathPrefix)
          ? this.processBrand(request, received, found, seconds)
          : this.process(request, received, found, seconds)
        if (processed instanceof ApiFailure) return WechatSide.errorResult(processed)
        const { outcome, signer } = processed
        // Accepted, not processed: a signed 202, and nothing applied.
        if (fault?._tag === "Accepted") return this.signed(signer, 202, "", seconds, fault)
        outcome.commit()
        if (fault?._tag === "DropAfterApply") return { _tag: "Drop" }
        return this.signed(signer, outcome.status, outcome.body, seconds, fault)
      }
      return answered(
        fault?._tag === "Delay" ? Effect.sleep(Duration.millis(fault.millis)).pipe(Effect.map(run)) : Effect.sync(run)
      )
    })
  }

  /**
   * The last 500 requests received (newest first), each with its answer and how long it took: what the console lists.
   *
   * @since 1.4.0
   */
  requestJournal(): ReadonlyArray<JournalEntry> {
    return this.journal.entries()
  }

  /** A request as it arrives, in the journal (the body kept whole up to `keptBodyBytes`). */
  private record(
    request: EmulatorRequest,
    { bytes, parts, signed }: Multipart.Body,
    now: number,
    endpoint: string,
    fault: Fault | undefined
  ): JournalEntry {
    const kept = bytes.byteLength <= keptBodyBytes
    // An upload signs its `meta` part, small however large the file: kept apart, so a large upload is still checked;
    // its parts are described now, as its body may be kept only in part.
    return this.journal.received({
      at: now,
      method: request.method,
      target: request.target,
      headers: request.headers,
      // Copies of what is kept of a large body: a view would keep the whole request alive.
      body: kept ? bytes : new Uint8Array(bytes.subarray(0, keptBodyBytes)),
      bodyBytes: bytes.byteLength,
      signedBody: signed === bytes
        ? (kept ? bytes : undefined)
        : signed.byteLength <= keptBodyBytes
        ? new Uint8Array(signed)
        : undefined,
      parts: parts?.map((part) => ({
        name: part.name,
        filename: part.filename,
        contentType: part.contentType,
        bytes: part.bytes.byteLength,
        ...(part.filename === undefined
          ? { text: Buffer.from(part.bytes.subarray(0, keptBodyBytes)).toString("utf8") }
          : { sha256: part.sha256() })
      })),
      endpoint,
      fault: fault === undefined ? undefined : Faults.describe(fault)
    })
  }

  /**
   * Bonus orders (`out_trade_no` → state), for assertions: merchant `mchid`'s (since 1.2.0; the primary merchant's
   * when absent).
   */
  order(out_trade_no: string, mchid?: string): { readonly bonus_value: number; readonly committed: boolean } | undefined {
    const order = this.account(mchid).store.bonusOrders.get(out_trade_no)
    return order === undefined ? undefined : { bonus_value: order.bonus_value, committed: order.committed }
  }

  /**
   * Authenticate as WeChat does (the merchant the Authorization names, with its own key), then check the call and
   * decide its outcome (not yet applied) against that merchant's state.
   */
  private process(
    request: EmulatorRequest,
    received: Multipart.Body,
    found: { readonly route: Route; readonly raw: ReadonlyArray<string> } | undefined,
    now: number
  ): { readonly signer: Signer; readonly outcome: Outcome } | ApiFailure {
    const h = request.headers
    if (!h["accept"] || !h["user-agent"]) return new ApiFailure(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent")
    const account = WechatSide.authenticate(request, (mchid) => this.accounts.get(mchid), now, received.signed)
    if (account instanceof ApiFailure) return account
    const serial = h["wechatpay-serial"]
    // The public-key id the merchant may name is its own; the platform certificates are everyone's.
    const ownKey = serial !== undefined && serial === account.platformKey.id
    const named = serial === undefined || ownKey ? undefined : this.platformCertificates?.find(serial, now * 1000)
    if (serial !== undefined && !ownKey && named === undefined) {
      return new ApiFailure(400, "PARAM_ERROR", "平台证书序列号Wechatpay-Serial错误")
    }
    if (found === undefined) return new ApiFailure(404, "NOT_FOUND", "URL不存在")
    // 商家名片会员卡's import and confirm pages mark Wechatpay-Serial required (ON-P 4015336981, 4015336979), whether or
    // not a sensitive field is sent; the declarations say so with `serialAlways`.
    if (serial === undefined && found.route.definition.serialAlways === true) {
      return new ApiFailure(400, "PARAM_ERROR", "Http头Wechatpay-Serial为必填项")
    }
    const certificates = this.platformCertificates
    const context = this.context({
      principal: { kind: "merchant", mchid: account.mchid },
      store: account.store,
      sealKey: account.apiV3KeyBytes,
      decryptKey: named?.privateKey ?? account.platformKey.privateKey,
      callerKey: account.publicKey,
      certificates: () => certificates?.unexpired(now * 1000)
    }, found.route.endpoint, now, serial)
    const call = parseCall(request, received, found, context)
    if (call instanceof ApiFailure) return call
    const outcome = found.route.handled.handler(call, context)
    const pubKeyMode = this.mode === "publicKey" || this.platformCertificates === undefined ||
      (this.mode === "auto" && /^PUB_KEY_ID_/.test(serial ?? ""))
    const current = this.platformCertificates?.current
    const signer: Signer = pubKeyMode || current === undefined
      ? { key: account.platformKey.privateKey, serial: account.platformKey.id, type: WechatSide.scheme }
      : { key: current.privateKey, serial: current.serial, type: WechatSide.scheme }
    return outcome instanceof ApiFailure ? outcome : { signer, outcome }
  }

  /**
   * A brand API call (`/brand/…`): authenticated as the brand its Authorization names (its own check, WeChat's
   * order), then `Wechatpay-Serial` must name that brand's WeChat Pay public key — required on every brand call,
   * GET included, and only the public-key id: the brand APIs have no platform certificates ("请传入brand_id对应的微信
   * 支付公钥ID，接口将会校验两者的关联关系", ON-B 4015582711 and every brand card-member page). Answers are signed with
   * that key under the brand scheme (ON-B 4015407582).
   */
  private processBrand(
    request: EmulatorRequest,
    received: Multipart.Body,
    found: { readonly route: Route; readonly raw: ReadonlyArray<string> } | undefined,
    now: number
  ): { readonly signer: Signer; readonly outcome: Outcome } | ApiFailure {
    const h = request.headers
    if (!h["accept"] || !h["user-agent"]) return new ApiFailure(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent")
    const brand = WechatSide.authenticateBrand(request, (brand_id) => this.brands.get(brand_id), now, received.signed)
    if (brand instanceof ApiFailure) return brand
    const serial = h["wechatpay-serial"]
    if (serial !== brand.platformKey.id) {
      return new ApiFailure(400, "PARAM_ERROR", "Http头Wechatpay-Serial须为brand_id对应的微信支付公钥ID")
    }
    if (found === undefined) return new ApiFailure(404, "NOT_FOUND", "URL不存在")
    const context = this.context({
      principal: { kind: "brand", brand },
      store: brand.store,
      sealKey: brand.brandApiKeyBytes,
      decryptKey: brand.platformKey.privateKey,
      callerKey: brand.publicKey,
      certificates: () => undefined
    }, found.route.endpoint, now, serial)
    const call = parseCall(request, received, found, context)
    if (call instanceof ApiFailure) return call
    const outcome = found.route.handled.handler(call, context)
    const signer: Signer = { key: brand.platformKey.privateKey, serial: brand.platformKey.id, type: WechatSide.brandScheme }
    return outcome instanceof ApiFailure ? outcome : { signer, outcome }
  }

  /** What a handler sees of the emulator, for one call of a merchant or a brand. */
  private context(
    caller: {
      readonly principal: Principal
      readonly store: Store
      /** The AEAD key of what is sealed for the caller (the APIv3 key; a brand's brand API key). */
      readonly sealKey: Uint8Array
      /** The private key of the WeChat key `Wechatpay-Serial` named, for sensitive fields. */
      readonly decryptKey: crypto.KeyObject
      /** The caller's API certificate public key, for what WeChat encrypts for it. */
      readonly callerKey: crypto.KeyObject
      readonly certificates: Context["certificates"]
    },
    endpoint: string,
    now: number,
    serial: string | undefined
  ): Context {
    const { principal, store } = caller
    const mchid = principal.kind === "merchant" ? principal.mchid : ""
    // A ledger entry names its merchant; visibly (deep equality, JSON) only when there is more than one. A brand's
    // own write names its brand.
    const visibleMchid = this.accounts.size > 1
    const brandField = principal.kind === "brand" ? { brand_id: principal.brand.brand_id } : {}
    return {
      mchid,
      serviceProvider: principal.kind === "merchant" && this.accounts.get(principal.mchid)?.serviceProvider === true,
      principal,
      brands: this.brands,
      encryptForCaller: (plain) => WechatSide.encryptField(plain, caller.callerKey),
      now,
      store,
      certificates: caller.certificates,
      seal: (associatedData, plaintext) => Aead.seal(caller.sealKey, associatedData, plaintext),
      decrypt: (ciphertext) => {
        if (serial === undefined) {
          return new ApiFailure(400, "PARAM_ERROR", "请求中含有敏感信息时，需在Http头Wechatpay-Serial中指明加密所用的平台证书序列号或公钥ID")
        }
        return WechatSide.decryptField(ciphertext, caller.decryptKey)
      },
      local: <S>(name: string, init: () => S): S => {
        if (!store.locals.has(name)) store.locals.set(name, init())
        return store.locals.get(name) as S
      },
      apply: ({ decide, fingerprint = "", idempotency, key, repeated }) => {
        // Idempotency: the same key with the same request repeats the first outcome without applying again; the
        // same key with a different request is refused.
        const keys = idempotency?.keys ?? store.idempotency
        const idempotencyKey = key === undefined ? undefined : `${idempotency?.scope ?? endpoint}\n${key}`
        const seen = idempotencyKey === undefined ? undefined : keys.get(idempotencyKey)
        if (seen !== undefined && repeated !== undefined) return repeated
        if (seen !== undefined) {
          return seen.fingerprint === fingerprint
            ? { status: seen.status, body: seen.body, commit: nothing }
            : new ApiFailure(400, "INVALID_REQUEST", "商户请求单号重复，但请求参数与首次请求不一致")
        }
        const decided = decide()
        if (decided instanceof ApiFailure) return decided
        const status = decided.status ?? 204
        const body = decided.json === undefined ? "" : JSON.stringify(decided.json)
        return {
          status,
          body,
          commit: () => {
            decided.change?.()
            if (idempotencyKey !== undefined) keys.set(idempotencyKey, { fingerprint, status, body })
            store.ledger.push(ledgerEntry(endpoint, key ?? "", { ...brandField, ...decided.entry }, mchid, visibleMchid))
          }
        }
      }
    }
  }

  /**
   * A success signed with the key the request asked for (the merchant's public key, or the current certificate; a
   * brand's public key), or the one a fault picks, then faulted.
   */
  private signed(
    signer: Signer,
    status: number,
    body: string,
    now: number,
    fault: Fault | undefined
  ): EmulatorResult {
    let key = signer.key
    let serial = signer.serial
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
      "wechatpay-signature-type": signer.type
    }
    if (shaped.body !== "") headers["content-type"] = "application/json"
    const sent = Faults.afterSigning(fault, shaped.status, headers, shaped.body)
    return { _tag: "Respond", status: sent.status, headers, body: sent.body }
  }
}

/**
 * What the console reads of an emulator, kept off its public class: the journal, the fault queue, the notifications,
 * the merchants and brands with their keys, and its changes.
 */
export interface Inspection {
  readonly journal: Journal
  readonly faults: Faults.FaultQueue
  readonly accounts: ReadonlyMap<string, Account>
  readonly brands: ReadonlyMap<string, BrandAccount>
  /** Every endpoint name the emulator routes. */
  readonly endpoints: ReadonlyArray<string>
  readonly watch: (watcher: (change: Change) => void) => () => void
  readonly changed: (change: Change["kind"]) => void
}

const inspections = new WeakMap<EmulatorState, Inspection>()

/** The console's view of an emulator. */
export const inspectionOf = (emulator: EmulatorState): Inspection => inspections.get(emulator)!

/** The paths of the brand APIs (品牌API): authenticated as a brand, not a merchant. */
const brandPathPrefix = "/brand/"

/** The key an answer is signed with, the serial (or public-key id) it names, and `Wechatpay-Signature-Type`. */
interface Signer {
  readonly key: crypto.KeyObject
  readonly serial: string
  readonly type: string
}
