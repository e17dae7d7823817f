/**
 * The notifications WeChat owes the merchant (membercard-api.md §3, apiv3-protocol.md §7): one record per event,
 * created when its cause is committed, with every delivery attempt and its answer; how a delivery request is built
 * (the envelope, the resource sealed with the APIv3 key, the headers signed afresh with the platform key); the
 * scripted notification faults; and waiting for records to reach a state without polling. Delivery over HTTP is
 * `notifier.ts`.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Aead from "./aead.js"
import type { CardEvent } from "./store.js"
import * as WechatSide from "./wechatSide.js"

/**
 * A scripted misbehaviour of one delivery attempt (`injectNotificationFault`).
 *
 * @since 0.4.0
 * @category models
 */
export type NotificationFault =
  /** Change the body after signing it (the event id's first character). */
  | { readonly _tag: "TamperBody" }
  /** Flip a character of the signature (still valid Base64). */
  | { readonly _tag: "TamperSignature" }
  /** Sign with a timestamp this many seconds in the past. */
  | { readonly _tag: "StaleTimestamp"; readonly seconds: number }
  /** Sign with a key the merchant does not know, under a serial (or public-key id) it has never seen. */
  | { readonly _tag: "UnknownSerial" }
  /** Deliver the notification twice at once (two POSTs, each signed afresh, the same body). */
  | { readonly _tag: "Duplicate" }
  /** Encrypt the resource with another APIv3 key (correctly signed). */
  | { readonly _tag: "WrongApiV3Key" }

/**
 * @since 0.4.0
 * @category models
 */
export interface NotificationFaultRule {
  readonly fault: NotificationFault
  /** How many delivery attempts it hits (any notification's, in order). Default 1. */
  readonly times?: number | undefined
}

/**
 * One delivery attempt: when (the emulator's clock, epoch milliseconds) and what came back — the status, or why
 * there was none (timeout, connection error, no URL).
 *
 * @since 0.4.0
 * @category models
 */
export interface NotificationAttempt {
  readonly at: number
  readonly status?: number | undefined
  /** (1.4.0) The merchant's answer, its first 1,024 characters, when it had a body. */
  readonly answer?: string | undefined
  readonly error?: string | undefined
  readonly fault?: NotificationFault | undefined
}

/**
 * A notification as the emulator keeps it: whom it is for, the envelope's fields, the plaintext payload (`resource`, what the
 * merchant decrypts), and its deliveries. `pending` until an attempt is answered 2xx (`delivered`) or the last
 * attempt of the schedule failed (`failed`).
 *
 * @since 0.4.0
 * @category models
 */
export interface NotificationRecord {
  readonly id: string
  /**
   * (1.2.0) The merchant it is for: sealed with its APIv3 key, delivered to its callback URL. A 商家名片会员卡
   * notification of a template the brand created itself (`BRAND_MEMBER_CARD.*`) is for no merchant: `""`.
   */
  readonly mchid: string
  /**
   * (1.3.0) 商家名片会员卡: the brand it concerns. With `mchid` `""` it is the brand's own (sealed with the brand API
   * key, signed with the brand's WeChat Pay key); else the provider's (`BRAND_MEMBER_CARD_SP.*`).
   */
  readonly brand_id?: string
  /** (1.3.0) Where it is delivered when not to the merchant's callback URL: the card template's `notify_url`. */
  readonly notify_url?: string
  readonly event_type: CardEvent["event_type"] | BrandCardEventType | "TRANSACTION.SUCCESS"
  readonly create_time: string
  readonly summary: string
  readonly resource: Readonly<Record<string, unknown>>
  readonly state: "pending" | "delivered" | "failed"
  readonly attempts: ReadonlyArray<NotificationAttempt>
}

/**
 * A delivery as WeChat would send it now: headers (`Content-Type`, `Request-ID`, `Wechatpay-*`) and the exact body.
 *
 * @since 0.4.0
 * @category models
 */
export interface NotificationRequest {
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * The waits between attempts by default: the member-card notice pages' "every 60 s, 11 attempts in total"
 * (membercard-api.md §3 prefers it to the generic APIv3 15 s … 6 h schedule of the webhook pages).
 */
export const defaultSchedule: ReadonlyArray<Duration.Duration> = Array.from({ length: 10 }, () => Duration.seconds(60))

/** A key WeChat signs with and the serial (or public-key id) it names. */
export interface SigningKey {
  readonly serial: string
  readonly key: crypto.KeyObject
}

/**
 * The events of 商家名片会员卡 (spec §3.3; official partner pages 4015283692, 4016096820, 4015878622): a provider's
 * template notifies `BRAND_MEMBER_CARD_SP.*`, a brand's own `BRAND_MEMBER_CARD.*`.
 *
 * @since 1.3.0
 * @category models
 */
export type BrandCardEventType = `${"BRAND_MEMBER_CARD_SP" | "BRAND_MEMBER_CARD"}.${
  | "USER_CARD.CREATE"
  | "USER_CARD.DELETE"
  | "SYNC_USER_POINT"
  | "POINT_EXCHANGE_COUPON"}`

/** A 商家名片会员卡 event to notify: whom, where, and the plaintext resource. */
export interface BrandCardEvent {
  /** Without the surface's prefix: it follows from `mchid`. */
  readonly event: "USER_CARD.CREATE" | "USER_CARD.DELETE" | "SYNC_USER_POINT" | "POINT_EXCHANGE_COUPON"
  readonly brand_id: string
  /** The provider whose template it is; absent for the brand's own template. */
  readonly mchid?: string | undefined
  readonly notify_url: string
  readonly resource: Readonly<Record<string, unknown>>
}

/**
 * `original_type` / `associated_data` and summary of each: the types and the summaries of USER_CARD.CREATE and
 * SYNC_USER_POINT as the official pages print them (spec §3.2–3.3; ON-P 4015283692, 4016096820, 4015878622); the other
 * two summaries are the emulator's wording.
 */
const brandEvents: Record<BrandCardEvent["event"], { readonly original_type: string; readonly summary: string }> = {
  "USER_CARD.CREATE": { original_type: "user_card", summary: "用户开通会员卡通知" },
  "USER_CARD.DELETE": { original_type: "user_card", summary: "用户删除会员卡通知" },
  "SYNC_USER_POINT": { original_type: "sync_user_point", summary: "用户积分同步事件通知" },
  "POINT_EXCHANGE_COUPON": { original_type: "point_coupon", summary: "用户积分兑换商品券通知" }
}

const summaries: Record<CardEvent["event_type"], string> = {
  "MEMBERCARD.ACCEPT_CARD": "用户领取会员卡通知",
  "MEMBERCARD.ACTIVATE_CARD": "会员卡激活通知",
  "MEMBERCARD.USERCARD_MANAGE": "用户管理会员卡通知"
}

/** RFC 3339 in China Standard Time without milliseconds, as WeChat writes times: `2020-07-13T23:27:38+08:00`. */
export const beijingTime = (seconds: number): string =>
  new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 19) + "+08:00"

interface Entry {
  readonly record: Omit<NotificationRecord, "state" | "attempts">
  /** `resource.original_type`, also its associated data. */
  readonly original_type: string
  state: NotificationRecord["state"]
  readonly attempts: Array<NotificationAttempt>
  /** The resource sealed once, at creation: every delivery carries the same ciphertext. */
  readonly sealed: Aead.Sealed
  /** Handed to the notifier (so a notifier started later still gets it, and only once). */
  claimed: boolean
  /** While the notifier waits for the next attempt: when it is due (epoch ms), and how to make it now. */
  waiting: { readonly until: number; readonly wake: () => void } | undefined
}

/** What building a delivery needs from the emulator, for the merchant a notification is for. */
export interface Keys {
  /** The merchant's APIv3 key (its 32 bytes). */
  readonly apiV3Key: (mchid: string) => Uint8Array
  /** The key the merchant's notifications are signed with now (its public key or the current certificate). */
  readonly signing: (mchid: string) => SigningKey
  /** A key the merchant does not know (`UnknownSerial`). */
  readonly stranger: () => SigningKey
  /** (1.3.0) A brand's API key (its 32 bytes). */
  readonly brandApiKey: (brand_id: string) => Uint8Array
  /** (1.3.0) The brand's WeChat Pay key (`PUB_KEY_ID_…`): brand notifications are signed with it. */
  readonly brandSigning: (brand_id: string) => SigningKey
  /** (1.4.0) Told of every change (creation, attempt, settlement, a wait begun or ended), for the console. */
  readonly changed?: ((id: string | undefined) => void) | undefined
}

/**
 * What `deliverNow` did: woke a delivery waiting for its next attempt, started a new delivery of a settled
 * notification, found one already being attempted, or found no notifier to deliver it.
 */
export type DeliverNow = "woken" | "redelivering" | "attempting" | "no notifier"

/** The notification records of one emulator. */
export class Notifications {
  private readonly entries = new Map<string, Entry>()
  private readonly listeners = new Set<() => boolean>()
  private faults: Array<{ readonly fault: NotificationFault; left: number }> = []
  private subscriber: ((id: string) => void) | undefined

  constructor(private readonly keys: Keys) {}

  /** Create merchant `mchid`'s notification of an event that just happened (`nowSeconds` unless it carries its time). */
  emit(event: CardEvent, nowSeconds: number, mchid: string): NotificationRecord {
    const at = event.at ?? nowSeconds
    const resource: Record<string, unknown> = {
      event_type: event.inner,
      card_id: event.card_id,
      code: event.code,
      event_time: beijingTime(at),
      ...(event.activate_scene !== undefined ? { activate_scene: event.activate_scene } : {}),
      openid: event.openid
    }
    return this.add({
      id: crypto.randomUUID(),
      mchid,
      event_type: event.event_type,
      create_time: beijingTime(at),
      summary: summaries[event.event_type],
      resource
    }, "membercard", this.keys.apiV3Key(mchid))
  }

  /**
   * Create the notification of a 商家名片会员卡 event that just happened: for the provider whose template it is
   * (`BRAND_MEMBER_CARD_SP.*`, sealed with its APIv3 key), else for the brand (`BRAND_MEMBER_CARD.*`, sealed with the
   * brand API key); delivered to the template's `notify_url`.
   */
  emitBrand(event: BrandCardEvent, nowSeconds: number): NotificationRecord {
    const { original_type, summary } = brandEvents[event.event]
    const provider = event.mchid
    return this.add({
      id: crypto.randomUUID(),
      mchid: provider ?? "",
      brand_id: event.brand_id,
      notify_url: event.notify_url,
      event_type: `${provider === undefined ? "BRAND_MEMBER_CARD" : "BRAND_MEMBER_CARD_SP"}.${event.event}` as const,
      create_time: beijingTime(nowSeconds),
      summary,
      resource: event.resource
    }, original_type, provider === undefined ? this.keys.brandApiKey(event.brand_id) : this.keys.apiV3Key(provider))
  }

  /**
   * (1.4.0) Create merchant `mchid`'s 支付成功通知 (`TRANSACTION.SUCCESS`, resource `transaction`, sealed with its APIv3
   * key) of a payment that just happened: what tells a merchant that a member paid and points are due.
   */
  emitPayment(mchid: string, resource: Readonly<Record<string, unknown>>, nowSeconds: number): NotificationRecord {
    return this.add({
      id: crypto.randomUUID(),
      mchid,
      event_type: "TRANSACTION.SUCCESS",
      create_time: beijingTime(nowSeconds),
      summary: "支付成功",
      resource
    }, "transaction", this.keys.apiV3Key(mchid))
  }

  /** Keep a new notification, its resource sealed once with `key`, and hand it to the notifier if one runs. */
  private add(record: Entry["record"], original_type: string, key: Uint8Array): NotificationRecord {
    const entry: Entry = {
      record,
      original_type,
      state: "pending",
      attempts: [],
      sealed: Aead.seal(key, original_type, JSON.stringify(record.resource)),
      claimed: false,
      waiting: undefined
    }
    this.entries.set(record.id, entry)
    if (this.subscriber !== undefined) this.claim(entry, this.subscriber)
    this.changed(record.id)
    return this.view(entry)
  }

  /** Every notification, oldest first (copies). */
  records(): ReadonlyArray<NotificationRecord> {
    return [...this.entries.values()].map((entry) => this.view(entry))
  }

  record(id: string): NotificationRecord | undefined {
    const entry = this.entries.get(id)
    return entry === undefined ? undefined : this.view(entry)
  }

  /** The delivery of `id` signed at `nowSeconds`, with a fault applied; `undefined` for an unknown id. */
  request(id: string, nowSeconds: number, fault?: NotificationFault): NotificationRequest | undefined {
    const entry = this.entries.get(id)
    if (entry === undefined) return undefined
    // A brand's own notification (no merchant): signed with the brand's WeChat Pay key, under the brand scheme.
    const brand = entry.record.mchid === "" && entry.record.brand_id !== undefined ? entry.record.brand_id : undefined
    const { key, serial } = fault?._tag === "UnknownSerial"
      ? this.keys.stranger()
      : brand !== undefined
      ? this.keys.brandSigning(brand)
      : this.keys.signing(entry.record.mchid)
    const { original_type } = entry
    const resource = fault?._tag === "WrongApiV3Key"
      ? Aead.seal(Buffer.from(Aead.randomAlphanumeric(32), "ascii"), original_type, JSON.stringify(entry.record.resource))
      : entry.sealed
    const { create_time, event_type, summary } = entry.record
    let body = JSON.stringify({
      id,
      create_time,
      resource_type: "encrypt-resource",
      event_type,
      summary,
      resource: {
        original_type,
        algorithm: resource.algorithm,
        ciphertext: resource.ciphertext,
        associated_data: resource.associated_data,
        nonce: resource.nonce
      }
    })
    const timestamp = String(fault?._tag === "StaleTimestamp" ? nowSeconds - fault.seconds : nowSeconds)
    const nonce = Aead.randomAlphanumeric(32)
    let signature = WechatSide.signBytes(WechatSide.responseSignedBytes(timestamp, nonce, Buffer.from(body, "utf8")), key)
    if (fault?._tag === "TamperSignature") {
      const i = signature.length >> 1
      signature = signature.slice(0, i) + (signature[i] === "A" ? "B" : "A") + signature.slice(i + 1)
    }
    if (fault?._tag === "TamperBody") {
      body = body.replace(/^\{"id":"(.)/, (_, c: string) => `{"id":"${c === "a" ? "b" : "a"}`)
    }
    return {
      headers: {
        "Content-Type": "application/json",
        "Request-ID": WechatSide.randomHex(16).toUpperCase(),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature": signature,
        "Wechatpay-Signature-Type": brand !== undefined ? WechatSide.brandScheme : WechatSide.scheme,
        "Wechatpay-Timestamp": timestamp
      },
      body
    }
  }

  /**
   * The notifier waits until `until` (epoch ms) before the next attempt of `id`; `wake` makes the attempt now.
   * `undefined`: the wait is over.
   */
  waiting(id: string, wait: { readonly until: number; readonly wake: () => void } | undefined): void {
    const entry = this.entries.get(id)
    if (entry === undefined) return
    entry.waiting = wait
    this.changed(id)
  }

  /** When the next attempt of `id` is due (epoch ms, the notifier's clock), while the notifier waits for it. */
  nextAttemptAt(id: string): number | undefined {
    return this.entries.get(id)?.waiting?.until
  }

  /** Whether a notifier delivers this emulator's notifications now. */
  get delivering(): boolean {
    return this.subscriber !== undefined
  }

  /**
   * Attempt `id` now (the console's "deliver again now"): a pending notification waiting for its next attempt is
   * attempted at once, its schedule then going on; a delivered or failed one is delivered again, from the start of
   * the schedule, its earlier attempts kept. `undefined` for an unknown id.
   */
  deliverNow(id: string): DeliverNow | undefined {
    const entry = this.entries.get(id)
    if (entry === undefined) return undefined
    if (this.subscriber === undefined) return "no notifier"
    if (entry.waiting !== undefined) {
      entry.waiting.wake()
      return "woken"
    }
    if (entry.state === "pending") return "attempting"
    entry.state = "pending"
    entry.claimed = false
    this.claim(entry, this.subscriber)
    this.changed(id)
    return "redelivering"
  }

  /** Script faults for the next delivery attempts. */
  injectFault(rule: NotificationFaultRule): void {
    this.faults.push({ fault: rule.fault, left: rule.times ?? 1 })
  }

  clearFaults(): void {
    this.faults = []
  }

  /** The fault of the next attempt, used up by one. */
  takeFault(): NotificationFault | undefined {
    const first = this.faults[0]
    if (first === undefined) return undefined
    if (--first.left <= 0) this.faults.shift()
    return first.fault
  }

  /** Record an attempt of `id`. */
  attempted(id: string, attempt: NotificationAttempt): void {
    this.entries.get(id)?.attempts.push(attempt)
    this.changed(id)
  }

  /** `id` was answered 2xx, or its last attempt failed. */
  settle(id: string, state: "delivered" | "failed"): void {
    const entry = this.entries.get(id)
    if (entry !== undefined) entry.state = state
    this.changed(id)
  }

  /**
   * Hand every notification not yet handed out, now and as they are created, to `deliver`. One subscriber at a time
   * (one notifier per emulator); the returned function ends the subscription.
   */
  subscribe(deliver: (id: string) => void): () => void {
    if (this.subscriber !== undefined) throw new Error("Emulator.layerNotifier: this emulator already has a notifier")
    this.subscriber = deliver
    for (const entry of this.entries.values()) this.claim(entry, deliver)
    return () => {
      if (this.subscriber !== deliver) return
      this.subscriber = undefined
      // Deliveries cut short go to the next notifier.
      for (const entry of this.entries.values()) if (entry.state === "pending") entry.claimed = false
    }
  }

  /** Succeeds with the records once `until` holds for them (checked now and after every change). */
  waitFor(until: (records: ReadonlyArray<NotificationRecord>) => boolean): Effect.Effect<ReadonlyArray<NotificationRecord>> {
    return Effect.callback<ReadonlyArray<NotificationRecord>>((resume) => {
      const check = (): boolean => {
        const records = this.records()
        if (!until(records)) return false
        this.listeners.delete(check)
        resume(Effect.succeed(records))
        return true
      }
      if (check()) return
      this.listeners.add(check)
      return Effect.sync(() => void this.listeners.delete(check))
    })
  }

  private claim(entry: Entry, deliver: (id: string) => void): void {
    if (entry.claimed || entry.state !== "pending") return
    entry.claimed = true
    deliver(entry.record.id)
  }

  private changed(id?: string): void {
    for (const check of [...this.listeners]) check()
    this.keys.changed?.(id)
  }

  private view(entry: Entry): NotificationRecord {
    return {
      ...entry.record,
      resource: { ...entry.record.resource },
      state: entry.state,
      attempts: entry.attempts.map((attempt) => ({ ...attempt }))
    }
  }
}
