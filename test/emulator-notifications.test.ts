/**
 * The emulator's notifications (membercard-api.md §3, apiv3-protocol.md §7):
 *
 * - Each cause makes exactly one notification of its type, with the documented envelope and payload: a user claims a
 *   card and opens the activation page, an import by openid or by phone (ACCEPT_CARD: NEW_ACTIVATE, RECOVER after a
 *   deleted card, MEMBER_CARD_ACCEPT_BY_PHONE_NUMBER), an activation (ACTIVATE_CARD), a user action (USERCARD_MANAGE).
 *   A refused, repeated or not-applied call makes none.
 * - `layerNotifier` delivers over an `HttpClient` (a fake merchant here): WeChat's headers, signed afresh on each
 *   attempt (verified here with node:crypto over `ts\nnonce\nbody\n`), the resource sealed with the APIv3 key
 *   (decrypted here with the test's own AES-GCM). Public-key signing by default, the current certificate on request.
 * - Retries under TestClock: every 60 s, 11 attempts (counted at 59.999 s and 60 s of each wait), delivered on a later
 *   2xx, failed after the last; a custom schedule; no answer within 5 s and connection errors are retried; the URL
 *   (notifyUrl over setCallback's; none at all).
 * - Each notification fault does what it says, for `times` attempts, and the next attempt is clean.
 */
import * as crypto from "node:crypto"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import { MemberCard } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

const apiV3Key = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
const notifyUrl = "http://127.0.0.1:9/wechatpay/notify"
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** What the fake merchant received. */
interface Delivered {
  readonly at: number
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

type Answer = number | "hang" | "refuse"

/** A merchant's endpoint as an `HttpClient`: records each POST and answers with `answer(delivery, index)`. */
const fakeMerchant = (answer: (delivered: Delivered, index: number) => Answer) => {
  const received: Array<Delivered> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      const delivered = { at: yield* Clock.currentTimeMillis, url: url.toString(), headers: request.headers, body }
      received.push(delivered)
      const answered = answer(delivered, received.length - 1)
      if (answered === "hang") return yield* Effect.never
      if (answered === "refuse") {
        return yield* new HttpClientError.HttpClientError({
          reason: new HttpClientError.TransportError({ request, description: "ECONNREFUSED" })
        })
      }
      return HttpClientResponse.fromWeb(request, new Response(null, { status: answered }))
    })
  )
  return { received, client }
}

/** AEAD_AES_256_GCM open, with node:crypto (the test's own). */
const open = (key: string, sealed: { nonce: string; associated_data?: string; ciphertext: string }): string => {
  const bytes = Buffer.from(sealed.ciphertext, "base64")
  const decipher = crypto.createDecipheriv("aes-256-gcm", Buffer.from(key, "utf8"), Buffer.from(sealed.nonce, "utf8"))
  decipher.setAAD(Buffer.from(sealed.associated_data ?? "", "utf8"))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8")
}

/** What a careful merchant finds in a delivery: known serial, fresh timestamp, valid signature, decryptable resource. */
const inspect = (emulator: Emulator.EmulatorState, delivered: { headers: Readonly<Record<string, string>>; body: string }, nowMillis: number) => {
  const h = delivered.headers
  const pem = emulator.wechatpayPublicKeys[h["wechatpay-serial"]!]
  const signatureValid = crypto.verify(
    "sha256",
    Buffer.from(`${h["wechatpay-timestamp"]}\n${h["wechatpay-nonce"]}\n${delivered.body}\n`, "utf8"),
    crypto.createPublicKey(pem ?? emulator.publicKey),
    Buffer.from(h["wechatpay-signature"]!, "base64")
  )
  let plaintext: unknown
  try {
    plaintext = JSON.parse(open(Redacted.value(emulator.apiV3Key), JSON.parse(delivered.body).resource))
  } catch {
    plaintext = undefined
  }
  const serialKnown = pem !== undefined
  const fresh = Math.abs(Math.floor(nowMillis / 1000) - Number(h["wechatpay-timestamp"])) <= 300
  return { serialKnown, fresh, signatureValid, plaintext, ok: serialKnown && fresh && signatureValid && plaintext !== undefined }
}

/** Emulator (in-process client, MemberCard endpoints) + notifier over the fake merchant. */
const world = (options: Emulator.Options, merchant: ReturnType<typeof fakeMerchant>) =>
  Emulator.layerNotifier.pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, merchant.client)),
    Layer.provideMerge(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess({ apiV3Key, ...options }))))
  )

const attempts = (records: ReadonlyArray<Emulator.NotificationRecord>) =>
  records.reduce((n, record) => n + record.attempts.length, 0)

/** Until `n` delivery attempts are recorded. */
const attempted = (n: number) => Emulator.awaitNotifications((records) => attempts(records) >= n)

/** The wake times (epoch ms) of the sleeps pending on a clock made by `recordingSleeps`. */
const pendingSleeps = new WeakMap<Clock.Clock, Array<number>>()

/**
 * Run `effect` on the test clock, recording the wake time of each pending sleep: Effect 4's TestClock does not list
 * them (Effect 3's `TestClock.sleeps()`). A spread copy of the TestClock keeps its own methods (`adjust` still drives
 * it); only `sleep` is wrapped.
 */
const recordingSleeps = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  TestClock.testClockWith((clock) => {
    const pending: Array<number> = []
    const recording: TestClock.TestClock = {
      ...clock,
      sleep: (duration) =>
        Effect.suspend(() => {
          const wake = clock.currentTimeMillisUnsafe() + Duration.toMillis(duration)
          pending.push(wake)
          return Effect.ensuring(clock.sleep(duration), Effect.sync(() => void pending.splice(pending.indexOf(wake), 1)))
        })
    }
    pendingSleeps.set(recording, pending)
    return Effect.provideService(effect, Clock.Clock, recording)
  })

/** Until the notifier sleeps until `wake` (epoch ms): its next attempt is scheduled then. Needs `recordingSleeps`. */
const sleepingUntil = (wake: number) =>
  Effect.gen(function*() {
    const pending = pendingSleeps.get(yield* Clock.Clock)
    if (pending === undefined) throw new Error("sleepingUntil runs under recordingSleeps")
    for (let i = 0; i < 10_000; i++) {
      if (pending.includes(wake)) return
      yield* Effect.yieldNow
    }
    throw new Error(`nothing sleeps until ${wake}`)
  })

const settle = Effect.repeat(Effect.yieldNow, { times: 50 })

/** A template and a user who claimed its card (one ACCEPT_CARD). */
const claim = (card_id = `tpl-${crypto.randomBytes(4).toString("hex")}`) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    emulator.putTemplate({ card_id })
    return { emulator, ...emulator.openActivationPage({ card_id }) }
  })

describe("events on their causes", () => {
  it.effect("a claim, an activation and user actions: one notification each, envelope and payload as documented", () =>
    Effect.gen(function*() {
      const { card_id, emulator, encrypt_code, openid } = yield* claim()
      const claimed = emulator.notifications()
      expect(claimed).toHaveLength(1)
      const { code } = yield* MemberCard.decryptCode({ card_id, encrypt_code })
      expect(claimed[0]).toMatchObject({
        event_type: "MEMBERCARD.ACCEPT_CARD",
        summary: "用户领取会员卡通知",
        state: "pending",
        attempts: []
      })
      expect(claimed[0]!.id).toMatch(uuid)
      expect(claimed[0]!.create_time).toMatch(rfc3339)
      expect(claimed[0]!.resource).toEqual({
        event_type: "NEW_ACTIVATE",
        card_id,
        code,
        event_time: claimed[0]!.create_time,
        openid
      })
      // Decrypting a code, reading the form, a refused call: nothing to notify.
      yield* Effect.flip(MemberCard.activateUserCard({ card_id, code: "nope" }))
      expect(emulator.notifications()).toHaveLength(1)
      yield* MemberCard.activateUserCard({ card_id, code })
      yield* Effect.flip(MemberCard.activateUserCard({ card_id, code }))
      const activated = emulator.notifications()
      expect(activated).toHaveLength(2)
      expect(activated[1]).toMatchObject({ event_type: "MEMBERCARD.ACTIVATE_CARD", summary: "会员卡激活通知" })
      // The request's time on the emulator's clock (TestClock: the epoch).
      expect(activated[1]!.create_time).toBe("1970-01-01T08:00:00+08:00")
      expect(activated[1]!.resource).toEqual({
        event_type: "MEMBER_CARD_ACTIVATE",
        card_id,
        code,
        event_time: "1970-01-01T08:00:00+08:00",
        activate_scene: "NEW_ACTIVATE",
        openid
      })
      const actions = ["USER_VIEW_MEMBERCARD", "USER_MODIFY_INFORMATION", "USER_DELETE_MEMBERCARD"] as const
      for (const action of actions) {
        expect(emulator.card(card_id, code)!.user_card_status).toBe("EFFECTIVE")
        emulator.userManagesCard({ card_id, code, action })
      }
      expect(emulator.card(card_id, code)!.user_card_status).toBe("DELETE")
      const managed = emulator.notifications().slice(2)
      expect(managed.map((record) => [record.event_type, record.summary, record.resource.event_type])).toEqual(
        actions.map((action) => ["MEMBERCARD.USERCARD_MANAGE", "用户管理会员卡通知", action])
      )
      expect(managed[0]!.resource).toEqual({ event_type: "USER_VIEW_MEMBERCARD", card_id, code, event_time: managed[0]!.create_time, openid })
      expect(() => emulator.userManagesCard({ card_id, code: "missing", action: "USER_VIEW_MEMBERCARD" })).toThrow(/no card/)
      emulator.putCard({ card_id, code: "put-by-test" })
      expect(emulator.notifications()).toHaveLength(5)
      expect(new Set(emulator.notifications().map((record) => record.id)).size).toBe(5)
    }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess({ apiV3Key }))))))

  it.effect("imports: one ACCEPT_CARD per applied import; a repeat, a refusal or an Accepted (not applied) answer none", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = "tpl-imports"
      emulator.putTemplate({ card_id })
      const openid = "o-import-1"
      const out_request_no = "imp-1"
      const { code } = yield* MemberCard.importUserCardByOpenid({ card_id, openid, out_request_no })
      yield* MemberCard.importUserCardByOpenid({ card_id, openid, out_request_no })
      yield* Effect.flip(MemberCard.importUserCardByOpenid({ card_id, openid, out_request_no: "imp-2" }))
      // Every attempt answered 202 (accepted, not processed): nothing applied, nothing notified.
      emulator.inject({ endpoint: "ImportUserCardByOpenid", fault: { _tag: "Accepted" }, times: 100 })
      yield* MemberCard.importUserCardByOpenid({ card_id, openid: "o-accepted", out_request_no: "imp-3" }).pipe(Effect.ignore)
      expect(emulator.card(card_id, "o-accepted")).toBeUndefined()
      expect(emulator.allCards().some((card) => card.openid === "o-accepted")).toBe(false)
      emulator.clearFaults()
      expect(emulator.notifications().map((record) => record.resource)).toEqual([
        { event_type: "NEW_ACTIVATE", card_id, code, event_time: "1970-01-01T08:00:00+08:00", openid }
      ])
      // Applied, then the connection dropped: notified once, though the client repeats the call.
      emulator.inject({ endpoint: "ImportUserCardByOpenid", fault: { _tag: "DropAfterApply" } })
      const dropped = yield* MemberCard.importUserCardByOpenid({ card_id, openid: "o-dropped", out_request_no: "imp-4" })
      expect(emulator.notifications().filter((record) => record.resource.openid === "o-dropped").map((r) => r.resource.code))
        .toEqual([dropped.code])
      // A user who deleted the card and gets it again: RECOVER.
      emulator.userManagesCard({ card_id, code: code!, action: "USER_DELETE_MEMBERCARD" })
      const again = yield* MemberCard.importUserCardByOpenid({ card_id, openid, out_request_no: "imp-5" })
      expect(emulator.notifications().at(-1)!.resource).toMatchObject({ event_type: "RECOVER", code: again.code, openid })
      // By phone: the member's openid is WeChat's; the phone number is not in the payload.
      const byPhone = yield* MemberCard.importUserCardByPhone({
        card_id,
        phone_number: Redacted.make("13800138000"),
        out_request_no: "phone-1"
      })
      const last = emulator.notifications().at(-1)!
      expect(last).toMatchObject({
        event_type: "MEMBERCARD.ACCEPT_CARD",
        resource: { event_type: "MEMBER_CARD_ACCEPT_BY_PHONE_NUMBER", card_id, code: byPhone.code }
      })
      expect(Object.keys(last.resource)).toEqual(["event_type", "card_id", "code", "event_time", "openid"])
      expect(JSON.stringify(emulator.notifications())).not.toContain("13800138000")
      expect(emulator.notifications()).toHaveLength(5)
    }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess({ apiV3Key }))))))
})

describe("delivery", () => {
  it.effect("POSTs WeChat's headers, signed with the public key over ts\\nnonce\\nbody\\n, the resource sealed with the APIv3 key", () => {
    const merchant = fakeMerchant(() => 204)
    return Effect.gen(function*() {
      yield* TestClock.setTime(1_764_000_000_123)
      const { emulator } = yield* claim()
      const [record] = yield* Emulator.awaitNotifications(1)
      expect(record).toMatchObject({ state: "delivered", attempts: [{ at: 1_764_000_000_123, status: 204 }] })
      expect(merchant.received).toHaveLength(1)
      const delivered = merchant.received[0]!
      expect(delivered.url).toBe(notifyUrl)
      const h = delivered.headers
      expect(h["content-type"]).toBe("application/json")
      expect(h["request-id"]).toMatch(/^[0-9A-F]{32}$/)
      expect(h["wechatpay-signature-type"]).toBe("WECHATPAY2-SHA256-RSA2048")
      expect(h["wechatpay-serial"]).toBe(emulator.publicKeyId)
      expect(h["wechatpay-timestamp"]).toBe("1764000000")
      expect(h["wechatpay-nonce"]).toMatch(/^[A-Za-z0-9]{32}$/)
      expect(inspect(emulator, delivered, delivered.at)).toMatchObject({ ok: true, plaintext: record!.resource })
      const body = JSON.parse(delivered.body)
      expect(Object.keys(body)).toEqual(["id", "create_time", "resource_type", "event_type", "summary", "resource"])
      expect(body).toMatchObject({
        id: record!.id,
        create_time: record!.create_time,
        resource_type: "encrypt-resource",
        event_type: "MEMBERCARD.ACCEPT_CARD",
        summary: "用户领取会员卡通知",
        resource: { original_type: "membercard", algorithm: "AEAD_AES_256_GCM", associated_data: "membercard" }
      })
      expect(body.resource.nonce).toMatch(/^[A-Za-z0-9]{12}$/)
      // Only the APIv3 key opens it.
      expect(() => open(apiV3Key.replace("a", "b"), body.resource)).toThrow()
    }).pipe(Effect.provide(world({ notifyUrl }, merchant)))
  })

  it.effect("certificate signing: the current certificate, the new one after a rotation", () => {
    const merchant = fakeMerchant(() => 200)
    return Effect.gen(function*() {
      const { emulator } = yield* claim()
      yield* Emulator.awaitNotifications(1)
      const first = merchant.received[0]!
      const old = emulator.certificates()[0]!
      expect(first.headers["wechatpay-serial"]).toBe(old.serial)
      expect(inspect(emulator, first, first.at).ok).toBe(true)
      const rotated = emulator.rotateCertificate()
      yield* claim()
      yield* Emulator.awaitNotifications(2)
      const second = merchant.received[1]!
      expect(second.headers["wechatpay-serial"]).toBe(rotated.serial)
      expect(inspect(emulator, second, second.at).ok).toBe(true)
      expect(inspect(emulator, { ...second, headers: { ...second.headers, "wechatpay-serial": old.serial } }, second.at).signatureValid)
        .toBe(false)
    }).pipe(Effect.provide(world({ notifyUrl, notificationSigning: "certificate" }, merchant)))
  })

  it.effect("retries a 500 every 60 s (none at 59.999 s), each attempt signed afresh, and ends delivered on a later 204", () => {
    const merchant = fakeMerchant((_, i) => (i < 3 ? 500 : 204))
    return Effect.gen(function*() {
      const { emulator } = yield* claim()
      yield* attempted(1)
      for (let k = 1; k <= 3; k++) {
        yield* sleepingUntil(k * 60_000)
        yield* TestClock.adjust("59999 millis")
        yield* settle
        expect(attempts(emulator.notifications())).toBe(k)
        expect(emulator.notifications()[0]!.state).toBe("pending")
        yield* TestClock.adjust("1 millis")
        yield* attempted(k + 1)
      }
      const [record] = yield* Emulator.awaitNotifications(1)
      expect(record!.state).toBe("delivered")
      expect(record!.attempts).toEqual([
        { at: 0, status: 500 },
        { at: 60_000, status: 500 },
        { at: 120_000, status: 500 },
        { at: 180_000, status: 204 }
      ])
      const bodies = new Set(merchant.received.map((d) => d.body))
      const nonces = new Set(merchant.received.map((d) => d.headers["wechatpay-nonce"]))
      expect([bodies.size, nonces.size]).toEqual([1, 4])
      expect(merchant.received.map((d) => d.headers["wechatpay-timestamp"])).toEqual(["0", "60", "120", "180"])
      for (const delivered of merchant.received) expect(inspect(emulator, delivered, delivered.at).ok).toBe(true)
      // Delivered: nothing more is scheduled.
      yield* TestClock.adjust("1 hour")
      expect(merchant.received).toHaveLength(4)
    }).pipe(Effect.provide(world({ notifyUrl }, merchant)), recordingSleeps)
  })

  it.effect("default schedule: 11 attempts 60 s apart, then failed and no 12th", () => {
    const merchant = fakeMerchant(() => 503)
    return Effect.gen(function*() {
      yield* claim()
      yield* attempted(1)
      for (let k = 1; k <= 10; k++) {
        yield* sleepingUntil(k * 60_000)
        yield* TestClock.adjust("60 seconds")
        yield* attempted(k + 1)
      }
      const [record] = yield* Emulator.awaitNotifications(1)
      expect(record!.state).toBe("failed")
      expect(record!.attempts.map((attempt) => attempt.at)).toEqual(Array.from({ length: 11 }, (_, k) => k * 60_000))
      expect(record!.attempts.every((attempt) => attempt.status === 503)).toBe(true)
      yield* TestClock.adjust("1 day")
      expect(merchant.received).toHaveLength(11)
    }).pipe(Effect.provide(world({ notifyUrl }, merchant)), recordingSleeps)
  })

  it.effect("a custom schedule; no answer within 5 s and a refused connection are retried like a 500", () => {
    const merchant = fakeMerchant((_, i) => (i === 0 ? "hang" : i === 1 ? "refuse" : 404))
    return Effect.gen(function*() {
      yield* claim()
      yield* sleepingUntil(5_000)
      yield* TestClock.adjust("4999 millis")
      yield* settle
      expect(attempts((yield* Emulator.Emulator).notifications())).toBe(0)
      yield* TestClock.adjust("1 millis")
      yield* attempted(1)
      yield* sleepingUntil(6_000)
      yield* TestClock.adjust("1 second")
      yield* attempted(2)
      yield* sleepingUntil(8_000)
      yield* TestClock.adjust("2 seconds")
      const [record] = yield* Emulator.awaitNotifications(1)
      expect(record).toMatchObject({
        state: "failed",
        attempts: [
          { at: 0, error: "no answer within 5 s" },
          { at: 6_000, error: "connection error (Transport)" },
          { at: 8_000, status: 404 }
        ]
      })
      expect(JSON.stringify(record)).not.toContain(apiV3Key)
    }).pipe(Effect.provide(world({ notifyUrl, notificationSchedule: ["1 second", "2 seconds"] }, merchant)), recordingSleeps)
  })

  it.effect("the URL: setCallback's when no notifyUrl; notifyUrl wins over it; none at all is a failed attempt", () => {
    const merchant = fakeMerchant(() => 204)
    return Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* claim()
      const [none] = yield* attempted(1)
      expect(none!.attempts).toEqual([{ at: 0, error: "no callback URL (setCallback or Options.notifyUrl)" }])
      yield* MemberCard.setCallback({ notify_url: "https://merchant.example.com/wechatpay/notify" })
      yield* TestClock.adjust("1 second")
      yield* Emulator.awaitNotifications(1)
      expect(merchant.received.map((d) => d.url)).toEqual(["https://merchant.example.com/wechatpay/notify"])
      expect(emulator.notifications()[0]!.state).toBe("delivered")
    }).pipe(Effect.provide(world({ notificationSchedule: ["1 second"] }, merchant)))
  })

  it.effect("notifyUrl wins over the URL set with setCallback", () => {
    const merchant = fakeMerchant(() => 204)
    return Effect.gen(function*() {
      yield* MemberCard.setCallback({ notify_url: "https://merchant.example.com/wechatpay/notify" })
      yield* claim()
      yield* Emulator.awaitNotifications(1)
      expect(merchant.received.map((d) => d.url)).toEqual([notifyUrl])
    }).pipe(Effect.provide(world({ notifyUrl }, merchant)))
  })

  it.effect("notificationRequest: a freshly signed delivery without HTTP; an unknown id fails", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_764_000_100_000)
      const { emulator } = yield* claim()
      const [record] = emulator.notifications()
      const request = yield* emulator.notificationRequest(record!.id)
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]))
      expect(Object.keys(request.headers).sort()).toEqual([
        "Content-Type",
        "Request-ID",
        "Wechatpay-Nonce",
        "Wechatpay-Serial",
        "Wechatpay-Signature",
        "Wechatpay-Signature-Type",
        "Wechatpay-Timestamp"
      ])
      expect(headers["wechatpay-timestamp"]).toBe("1764000100")
      expect(inspect(emulator, { headers, body: request.body }, 1_764_000_100_000)).toMatchObject({
        ok: true,
        plaintext: record!.resource
      })
      const again = yield* emulator.notificationRequest(record!.id)
      expect(again.body).toBe(request.body)
      expect(again.headers["Wechatpay-Nonce"]).not.toBe(request.headers["Wechatpay-Nonce"])
      const stale = yield* emulator.notificationRequest(record!.id, { fault: { _tag: "StaleTimestamp", seconds: 301 } })
      expect(stale.headers["Wechatpay-Timestamp"]).toBe("1763999799")
      expect(emulator.notifications()[0]!.attempts).toEqual([])
      const missing = yield* Effect.flip(emulator.notificationRequest("no-such-id"))
      expect(missing).toBeInstanceOf(Cause.NoSuchElementError)
    }).pipe(Effect.provide(Emulator.layer({ apiV3Key }))))
})

describe("notification faults", () => {
  /**
   * `fault` injected (for `times` attempts), then a claim: a careful merchant (`inspect`) answers 204 to what it can
   * verify and decrypt, 401 otherwise; the schedule retries every second.
   */
  const run = (fault: Emulator.NotificationFault, times = 1) => {
    const holder: { emulator?: Emulator.EmulatorState } = {}
    const merchant = fakeMerchant((delivered) => (inspect(holder.emulator!, delivered, delivered.at).ok ? 204 : 401))
    return Effect.gen(function*() {
      const emulator = holder.emulator = yield* Emulator.Emulator
      emulator.injectNotificationFault({ fault, times })
      yield* claim()
      yield* attempted(1)
      for (let k = 1; k <= times; k++) {
        yield* TestClock.adjust("1 second")
        yield* attempted(k + 1)
      }
      const [record] = yield* Emulator.awaitNotifications(1)
      const checked = merchant.received.map((delivered) => ({ delivered, ...inspect(emulator, delivered, delivered.at) }))
      return { emulator, record: record!, checked }
    }).pipe(Effect.provide(world({ notifyUrl, notificationSchedule: Array(5).fill("1 second") }, merchant)))
  }

  it.effect("TamperBody: the body changed after signing (the event id) fails verification; the next attempt is clean", () =>
    Effect.gen(function*() {
      const { checked, record } = yield* run({ _tag: "TamperBody" })
      expect(checked.map((c) => [c.serialKnown, c.fresh, c.signatureValid])).toEqual([[true, true, false], [true, true, true]])
      expect(JSON.parse(checked[0]!.delivered.body).id).not.toBe(record.id)
      expect(JSON.parse(checked[1]!.delivered.body).id).toBe(record.id)
      expect(record.attempts).toEqual([
        { at: 0, status: 401, fault: { _tag: "TamperBody" } },
        { at: 1000, status: 204 }
      ])
      expect(record.state).toBe("delivered")
    }))

  it.effect("TamperSignature: the same body, a signature that does not verify (still Base64), for `times` attempts", () =>
    Effect.gen(function*() {
      const { checked, record } = yield* run({ _tag: "TamperSignature" }, 2)
      expect(checked.map((c) => c.signatureValid)).toEqual([false, false, true])
      expect(new Set(checked.map((c) => c.delivered.body)).size).toBe(1)
      for (const c of checked) expect(c.delivered.headers["wechatpay-signature"]).toMatch(/^[A-Za-z0-9+/]{342}==$/)
      expect(record.attempts.map((a) => [a.status, a.fault?._tag])).toEqual([[401, "TamperSignature"], [401, "TamperSignature"], [204, undefined]])
    }))

  it.effect("StaleTimestamp: signed (validly) with a timestamp that many seconds old", () =>
    Effect.gen(function*() {
      const { checked, record } = yield* run({ _tag: "StaleTimestamp", seconds: 301 })
      expect(checked[0]!.delivered.headers["wechatpay-timestamp"]).toBe("-301")
      expect(checked.map((c) => [c.signatureValid, c.fresh])).toEqual([[true, false], [true, true]])
      expect(record.attempts.map((a) => a.status)).toEqual([401, 204])
    }))

  it.effect("UnknownSerial: a public-key id the merchant has never seen, and a key that is not WeChat's", () =>
    Effect.gen(function*() {
      const { checked, emulator, record } = yield* run({ _tag: "UnknownSerial" })
      const serial = checked[0]!.delivered.headers["wechatpay-serial"]!
      expect(serial).toMatch(/^PUB_KEY_ID_\d{34}$/)
      expect(serial).not.toBe(emulator.publicKeyId)
      expect(checked.map((c) => [c.serialKnown, c.signatureValid])).toEqual([[false, false], [true, true]])
      expect(record.attempts.map((a) => a.status)).toEqual([401, 204])
    }))

  it.effect("WrongApiV3Key: correctly signed, but the resource does not open with the merchant's key", () =>
    Effect.gen(function*() {
      const { checked, record } = yield* run({ _tag: "WrongApiV3Key" })
      expect(checked.map((c) => [c.signatureValid, c.plaintext === undefined])).toEqual([[true, true], [true, false]])
      expect(checked[1]!.plaintext).toEqual(record.resource)
      expect(record.attempts.map((a) => a.status)).toEqual([401, 204])
    }))

  it.effect("faults are taken in order, one attempt each; clearNotificationFaults drops the rest", () =>
    Effect.gen(function*() {
      const merchant = fakeMerchant(() => 204)
      return yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.injectNotificationFault({ fault: { _tag: "WrongApiV3Key" }, times: 3 })
        emulator.clearNotificationFaults()
        yield* claim()
        const [record] = yield* Emulator.awaitNotifications(1)
        expect(record!.attempts).toEqual([{ at: 0, status: 204 }])
        expect(inspect(emulator, merchant.received[0]!, 0).ok).toBe(true)
      }).pipe(Effect.provide(world({ notifyUrl }, merchant)))
    }))

  it.effect("Duplicate: the same notification twice at once, each signed afresh; delivered by the first attempt", () =>
    Effect.gen(function*() {
      const holder: { emulator?: Emulator.EmulatorState } = {}
      const merchant = fakeMerchant((delivered) => (inspect(holder.emulator!, delivered, delivered.at).ok ? 204 : 401))
      return yield* Effect.gen(function*() {
        const emulator = holder.emulator = yield* Emulator.Emulator
        emulator.injectNotificationFault({ fault: { _tag: "Duplicate" } })
        yield* claim()
        const [record] = yield* Emulator.awaitNotifications(1)
        expect(merchant.received).toHaveLength(2)
        expect(merchant.received[0]!.body).toBe(merchant.received[1]!.body)
        expect(merchant.received[0]!.headers["wechatpay-nonce"]).not.toBe(merchant.received[1]!.headers["wechatpay-nonce"])
        for (const d of merchant.received) expect(inspect(emulator, d, d.at).ok).toBe(true)
        expect(record!.attempts).toEqual([
          { at: 0, status: 204, fault: { _tag: "Duplicate" } },
          { at: 0, status: 204, fault: { _tag: "Duplicate" } }
        ])
        expect(record!.state).toBe("delivered")
      }).pipe(Effect.provide(world({ notifyUrl }, merchant)))
    }))
})
