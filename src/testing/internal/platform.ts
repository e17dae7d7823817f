/**
 * WeChat's own side of an emulator: the merchants it serves (each with its APIv3 key, its public key of public-key
 * mode and its state), the platform certificates of certificate mode and their rotation (shared by the merchants),
 * and the notifications it owes them. `EmulatorState` extends it with the request flow and the resources.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { LedgerEntry, Options } from "./model.js"
import { PlatformCertificates } from "./certificate.js"
import { BrandAccount } from "./brand.js"
import { Account, makePlatformKey } from "./merchant.js"
import {
  type BrandCardEvent,
  type NotificationFault,
  type NotificationFaultRule,
  type NotificationRecord,
  type NotificationRequest,
  beijingTime,
  defaultSchedule,
  Notifications,
  type SigningKey
} from "./notifications.js"
import { cardKey, makeStore, type Store } from "./store.js"
import { randomHex } from "./wechatSide.js"

/** What the notifier reads of an emulator (kept off the public class). */
export interface Delivery {
  readonly notifications: Notifications
  /** The waits between attempts. */
  readonly waits: ReadonlyArray<Duration.Duration>
  /**
   * Where notification `id` goes now: its own URL (a 商家名片会员卡 template's `notify_url`), else its merchant's
   * `notifyUrl`, else the URL that merchant set with `setCallback`.
   */
  readonly url: (id: string) => string | undefined
}

const deliveries = new WeakMap<Platform, Delivery>()

/** The brand served when `Options.brands` is absent. */
export const defaultBrandId = "1000001"

/** The notifier's view of an emulator. */
export const deliveryOf = (emulator: Platform): Delivery => deliveries.get(emulator)!

/**
 * A user action on a card that WeChat notifies as `MEMBERCARD.USERCARD_MANAGE` (`EmulatorState.userManagesCard`).
 *
 * @since 0.4.0
 * @category models
 */
export type UserCardAction = "USER_VIEW_MEMBERCARD" | "USER_DELETE_MEMBERCARD" | "USER_MODIFY_INFORMATION"

/**
 * A platform certificate as `EmulatorState.certificates()` lists it.
 *
 * @since 0.4.0
 * @category models
 */
export interface CertificateInfo {
  /** Upper-case hex, as `Wechatpay-Serial` carries it. */
  readonly serial: string
  readonly pem: string
  readonly notBefore: Date
  readonly notAfter: Date
}

/**
 * A member's payment at the merchant (`EmulatorState.userPays`), as notified in `TRANSACTION.SUCCESS`.
 *
 * @since 1.4.0
 * @category models
 */
export interface Payment {
  readonly out_trade_no: string
  readonly transaction_id: string
  readonly card_id: string
  readonly code: string
  readonly openid: string
  /** Fen. */
  readonly total: number
  readonly success_time: string
}

const paymentsOf = (store: Store): Map<string, Payment> => {
  if (!store.locals.has("payments")) store.locals.set("payments", new Map<string, Payment>())
  return store.locals.get("payments") as Map<string, Payment>
}

/** What changed in an emulator, for the console's live updates. */
export type Change =
  | { readonly kind: "state" }
  | { readonly kind: "faults" }
  | { readonly kind: "notification"; readonly id?: string | undefined }

/** WeChat's keys, merchants and notifications; the base of `EmulatorState`. */
export class Platform {
  /** The primary merchant's WeChat Pay public key id (`PUB_KEY_ID_…`). */
  readonly publicKeyId: string
  /** The primary merchant's WeChat Pay public key (PEM) of public-key mode. */
  readonly publicKey: string
  /**
   * The primary merchant's APIv3 key (32 ASCII characters): its notifications and downloaded certificates are sealed
   * with it.
   */
  readonly apiV3Key: Redacted.Redacted<string>

  /** The primary merchant's state (cards, templates, orders, idempotency keys; the ledger is everyone's); tests read it. */
  protected readonly store: Store
  protected readonly strangerKey: crypto.KeyObject
  /** Every merchant served by mchid, the primary first. */
  protected readonly accounts: ReadonlyMap<string, Account>
  protected readonly primary: Account
  /** Every brand of 商家名片会员卡 served by brand_id (`Options.brands`; one default brand when absent). */
  protected readonly brands: ReadonlyMap<string, BrandAccount>
  /** Every write applied, all merchants'. */
  protected readonly writes: Array<LedgerEntry> = []
  /** `undefined` for a merchant without platform certificates (public-key mode only). */
  protected readonly platformCertificates: PlatformCertificates | undefined
  private readonly notes: Notifications
  private readonly notificationSigning: "publicKey" | "certificate"
  private readonly watchers = new Set<(change: Change) => void>()

  constructor(options: Options) {
    const platform = makePlatformKey()
    this.publicKey = platform.pem
    this.publicKeyId = platform.id
    this.strangerKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
    this.platformCertificates = options.platformCertificates === false ? undefined : new PlatformCertificates()
    this.notificationSigning = this.platformCertificates === undefined
      ? "publicKey"
      : options.notificationSigning ?? (options.mode === "certificate" ? "certificate" : "publicKey")
    this.notes = new Notifications({
      changed: (id) => this.changed({ kind: "notification", id }),
      apiV3Key: (mchid) => this.account(mchid).apiV3KeyBytes,
      signing: (mchid) => this.notificationKey(this.account(mchid)),
      stranger: () => ({
        key: this.strangerKey,
        serial: this.notificationSigning === "publicKey"
          ? `PUB_KEY_ID_${crypto.randomInt(1e9, 9e9)}${"1".repeat(24)}`
          : randomHex(20).toUpperCase()
      }),
      brandApiKey: (brand_id) => this.brandAccount(brand_id).brandApiKeyBytes,
      brandSigning: (brand_id) => {
        const { id, privateKey } = this.brandAccount(brand_id).platformKey
        return { serial: id, key: privateKey }
      }
    })
    const storeOf = (mchid: string) =>
      makeStore((event) => void this.notes.emit(event, Math.floor(Date.now() / 1000), mchid), this.writes)
    const mchid = options.mchid ?? "1900000109"
    this.primary = new Account(
      {
        mchid,
        merchantSerialNumber: options.merchantSerialNumber,
        merchantPublicKey: options.merchantPublicKey,
        apiV3Key: options.apiV3Key,
        notifyUrl: options.notifyUrl,
        serviceProvider: options.serviceProvider
      },
      storeOf(mchid),
      { platform }
    )
    const accounts = new Map([[mchid, this.primary]])
    for (const merchant of options.merchants ?? []) {
      if (accounts.has(merchant.mchid)) throw new Error(`Emulator: merchant ${merchant.mchid} is given twice`)
      accounts.set(merchant.mchid, new Account(merchant, storeOf(merchant.mchid)))
    }
    this.accounts = accounts
    const brands = new Map<string, BrandAccount>()
    // Emulator's choice: without `Options.brands`, one brand (1000001) for every merchant, so it works out of the box.
    for (const brand of options.brands ?? [{ brand_id: defaultBrandId }]) {
      if (brands.has(brand.brand_id)) throw new Error(`Emulator: brand ${brand.brand_id} is given twice`)
      for (const mchid of brand.providers ?? []) {
        if (!accounts.has(mchid)) throw new Error(`Emulator: brand ${brand.brand_id} names provider ${mchid}, not a merchant of the emulator`)
      }
      brands.set(brand.brand_id, new BrandAccount(brand, this.writes))
    }
    this.brands = brands
    this.apiV3Key = this.primary.apiV3Key
    this.store = this.primary.store
    const waits = (options.notificationSchedule ?? defaultSchedule).map((wait) => Duration.fromInputUnsafe(wait))
    deliveries.set(this, {
      notifications: this.notes,
      waits,
      url: (id) => {
        const record = this.notes.record(id)
        if (record === undefined) return undefined
        return record.notify_url ?? this.accounts.get(record.mchid)?.callbackUrl()
      }
    })
  }

  /**
   * Every brand of 商家名片会员卡 the emulator serves (its brand_id), in the order of `Options.brands`.
   *
   * @since 1.3.0
   */
  get brandIds(): ReadonlyArray<string> {
    return [...this.brands.keys()]
  }

  /** Every merchant the emulator serves (its mchid), the primary one first. */
  get mchids(): ReadonlyArray<string> {
    return [...this.accounts.keys()]
  }

  /** Serial of the current platform certificate (the one certificate mode signs with). */
  get certificateSerial(): string {
    return (this.platformCertificates?.current ?? this.noCertificate()).serial
  }

  /** The current platform certificate (PEM). */
  get certificate(): string {
    return (this.platformCertificates?.current ?? this.noCertificate()).pem
  }

  /**
   * What a client of the primary merchant should be configured with to verify this emulator now: its public key by
   * its id and every platform certificate by serial (none when `platformCertificates: false`).
   */
  get wechatpayPublicKeys(): Readonly<Record<string, string>> {
    return this.publicKeysOf(this.primary)
  }

  /** The platform certificates, oldest first (empty when `platformCertificates: false`). */
  certificates(): ReadonlyArray<CertificateInfo> {
    return (this.platformCertificates?.all() ?? []).map(({ notAfter, notBefore, pem, serial }) => ({
      serial,
      pem,
      notBefore,
      notAfter
    }))
  }

  /**
   * Mint a new platform key and certificate (a new random serial unless given; valid from now, or `notBefore`, for
   * five years, or until `notAfter`) and make it current: certificate-mode responses and notifications are signed
   * with it from now on. Older certificates stay listed by `/v3/certificates`, and may be named by requests, until
   * they expire. A `notAfter` in the past makes an expired current certificate (to test a client's refusal).
   * `activate: false` only lists the new certificate (WeChat publishes a new certificate months before it signs with
   * it); `useCertificate(serial)` switches later.
   */
  rotateCertificate(
    options: {
      readonly serial?: string
      readonly notBefore?: Date
      readonly notAfter?: Date
      readonly activate?: boolean
    } = {}
  ): CertificateInfo {
    if (this.platformCertificates === undefined) this.noCertificate()
    const { notAfter, notBefore, pem, serial } = this.platformCertificates.rotate(options, Date.now())
    return { serial, pem, notBefore, notAfter }
  }

  /** Sign certificate-mode answers and notifications with this platform certificate (by serial) from now on. */
  useCertificate(serial: string): CertificateInfo {
    if (this.platformCertificates === undefined) this.noCertificate()
    const { notAfter, notBefore, pem } = this.platformCertificates.use(serial)
    return { serial: serial.toUpperCase(), pem, notBefore, notAfter }
  }

  /**
   * Every notification, oldest first (copies): envelope fields, plaintext payload, state and attempts. An event caused
   * by a request is dated by the emulator's `Clock` (`TestClock` in `it.effect`); one caused by a test method
   * (`openActivationPage`, `userManagesCard`) by the wall clock. Attempts are dated by the notifier's `Clock`.
   */
  notifications(): ReadonlyArray<NotificationRecord> {
    return this.notes.records()
  }

  /**
   * The delivery of notification `id` as WeChat would send it now (the emulator's clock), freshly signed, without
   * HTTP: for in-process tests and tools. A `fault` shapes it like `injectNotificationFault` would. Fails with
   * `NoSuchElementError` for an unknown id.
   */
  notificationRequest(
    id: string,
    options: { readonly fault?: NotificationFault } = {}
  ): Effect.Effect<NotificationRequest, Cause.NoSuchElementError> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const request = this.notes.request(id, Math.floor(now / 1000), options.fault)
      return request === undefined ? Effect.fail(new Cause.NoSuchElementError("no such notification")) : Effect.succeed(request)
    })
  }

  /** Script a fault for the next delivery attempts of `layerNotifier` (any notification's, in order). */
  injectNotificationFault(rule: NotificationFaultRule): void {
    this.notes.injectFault(rule)
  }

  /** Remove all scripted notification faults. */
  clearNotificationFaults(): void {
    this.notes.clearFaults()
  }

  /**
   * Wait, without polling, until `until` holds for the notification records (checked now and after every creation,
   * attempt and settlement); a number `n` waits for at least `n` notifications that are no longer pending.
   */
  awaitNotifications(
    until: number | ((records: ReadonlyArray<NotificationRecord>) => boolean)
  ): Effect.Effect<ReadonlyArray<NotificationRecord>> {
    return this.notes.waitFor(
      typeof until === "number" ? (records) => records.filter((r) => r.state !== "pending").length >= until : until
    )
  }

  /**
   * Simulate a user acting on their card in WeChat (查看 / 删除 / 修改资料): notified as `MEMBERCARD.USERCARD_MANAGE`
   * with `action` as the payload's `event_type`; deleting marks the card `DELETE`. Throws when the card does not
   * exist (a test set-up error).
   */
  userManagesCard(
    options: {
      readonly card_id: string
      readonly code: string
      readonly action: UserCardAction
      /** (1.2.0) Whose card: the primary merchant's when absent. */
      readonly mchid?: string | undefined
    }
  ): void {
    const store = this.account(options.mchid).store
    const card = store.cards.get(cardKey(options.card_id, options.code))
    if (card === undefined) throw new Error(`userManagesCard: no card ${options.card_id}/${options.code}`)
    if (options.action === "USER_DELETE_MEMBERCARD") card.user_card_status = "DELETE"
    store.emit({
      event_type: "MEMBERCARD.USERCARD_MANAGE",
      inner: options.action,
      card_id: card.card_id,
      code: card.code,
      openid: card.openid
    })
    this.changed("state")
  }

  /**
   * Simulate a member paying an order at the merchant with their card (`total` in fen): WeChat notifies the merchant
   * `TRANSACTION.SUCCESS` (支付成功通知, resource `transaction`: `out_trade_no`, `transaction_id`, `payer.openid`,
   * `amount`), and the points of the order are then due — the merchant shows and credits them with 支付结果页展示会员积分
   * (`PrepareBonus`, this `out_trade_no`) and `CommitBonus`. `out_trade_no` is generated unless given. Returns the
   * payment. Throws (a test set-up error) when the card does not exist or is not `EFFECTIVE`, `total` is not a
   * positive integer, or the order given is paid already.
   *
   * @since 1.4.0
   */
  userPays(options: {
    readonly card_id: string
    readonly code: string
    /** Fen, a positive integer. */
    readonly total: number
    readonly out_trade_no?: string | undefined
    /** Whose card: the primary merchant's when absent. */
    readonly mchid?: string | undefined
  }): Payment {
    const account = this.account(options.mchid)
    const card = account.store.cards.get(cardKey(options.card_id, options.code))
    if (card === undefined) throw new Error(`userPays: no card ${options.card_id}/${options.code}`)
    if (card.user_card_status !== "EFFECTIVE") {
      throw new Error(`userPays: card ${options.card_id}/${options.code} is ${card.user_card_status}: points are due on an EFFECTIVE card only`)
    }
    if (!Number.isSafeInteger(options.total) || options.total <= 0) throw new Error("userPays: total must be a positive integer (fen)")
    const payments = paymentsOf(account.store)
    if (options.out_trade_no !== undefined && payments.has(options.out_trade_no)) {
      throw new Error(`userPays: order ${options.out_trade_no} is paid already`)
    }
    const now = Math.floor(Date.now() / 1000)
    const payment: Payment = {
      out_trade_no: options.out_trade_no ?? `E${now}${randomHex(6)}`,
      // 28 digits, as WeChat's: 4200, the date and time, random digits.
      transaction_id: `4200${String(now).padStart(10, "0")}${String(crypto.randomInt(1e13, 1e14))}`,
      card_id: card.card_id,
      code: card.code,
      openid: card.openid,
      total: options.total,
      success_time: beijingTime(now)
    }
    payments.set(payment.out_trade_no, payment)
    const template = account.store.templates.get(card.card_id)
    this.notes.emitPayment(account.mchid, {
      mchid: account.mchid,
      appid: template?.appid ?? "wx8888888888888888",
      out_trade_no: payment.out_trade_no,
      transaction_id: payment.transaction_id,
      trade_type: "JSAPI",
      trade_state: "SUCCESS",
      trade_state_desc: "支付成功",
      bank_type: "OTHERS",
      attach: "",
      success_time: payment.success_time,
      payer: { openid: payment.openid },
      amount: { total: payment.total, payer_total: payment.total, currency: "CNY", payer_currency: "CNY" }
    }, now)
    this.changed("state")
    return payment
  }

  /** The payments of merchant `mchid`'s members (`userPays`), oldest first: the primary merchant's when absent. */
  payments(mchid?: string): ReadonlyArray<Payment> {
    return [...paymentsOf(this.account(mchid).store).values()]
  }

  /** Hear every change (a notification's, a write applied, a fault scripted) until the returned function is called. */
  protected watch(watcher: (change: Change) => void): () => void {
    this.watchers.add(watcher)
    return () => void this.watchers.delete(watcher)
  }

  /** Tell the watchers (the console) that something changed. */
  protected changed(change: Change | Change["kind"]): void {
    if (this.watchers.size === 0) return
    const event = typeof change === "string" ? { kind: change } : change
    for (const watcher of this.watchers) watcher(event)
  }

  /** The merchant `mchid` (the primary one when absent); throws for one the emulator does not serve. */
  protected account(mchid?: string): Account {
    if (mchid === undefined) return this.primary
    const account = this.accounts.get(mchid)
    if (account === undefined) throw new Error(`Emulator: no merchant ${mchid} (Options.merchants)`)
    return account
  }

  /** The brand `brandId` (the first one when absent); throws for one the emulator does not serve. */
  protected brandAccount(brandId?: string): BrandAccount {
    const brand = brandId === undefined ? this.brands.values().next().value : this.brands.get(brandId)
    if (brand === undefined) throw new Error(`Emulator: no brand ${brandId} (Options.brands)`)
    return brand
  }

  /** Notify a 商家名片会员卡 event caused by a user (a test method): dated by the wall clock, as `userManagesCard`'s. */
  protected notifyBrand(event: BrandCardEvent): NotificationRecord {
    const record = this.notes.emitBrand(event, Math.floor(Date.now() / 1000))
    this.changed("state")
    return record
  }

  /** A merchant's public key by its id and every platform certificate by serial. */
  protected publicKeysOf(account: Account): Readonly<Record<string, string>> {
    const { id, pem } = account.platformKey
    const keys: Record<string, string> = { [id]: pem }
    for (const certificate of this.platformCertificates?.all() ?? []) keys[certificate.serial] = certificate.pem
    return keys
  }

  /** The key a merchant's notifications are signed with now. */
  private notificationKey(account: Account): SigningKey {
    const current = this.platformCertificates?.current
    if (this.notificationSigning === "certificate" && current !== undefined) {
      return { serial: current.serial, key: current.privateKey }
    }
    const { id, privateKey } = account.platformKey
    return { serial: id, key: privateKey }
  }

  private noCertificate(): never {
    throw new Error("Emulator: this merchant has no platform certificates (Options.platformCertificates: false)")
  }
}
