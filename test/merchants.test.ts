/**
 * Many merchants in one process (`Merchants`): the directory builds each merchant's client on first use, shares it
 * between concurrent callers, releases it when idle, fails one merchant's calls alone (typed), and takes a rotated key
 * without a restart. Real calls go to the emulator over loopback HTTP; the emulator checks every signature against
 * the merchant the request names, so a call that went out as the wrong merchant fails.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Media from "../src/Media.js"
import * as MemberCard from "../src/MemberCard.js"
import * as Merchants from "../src/Merchants.js"
import * as NodeTransport from "../src/NodeTransport.js"
import type * as WechatPay from "../src/WechatPay.js"
import { Emulator } from "../src/testing/index.js"

class CallerTag extends Context.Service<CallerTag, string>()("test/CallerTag") {}

const otherKey = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" }
}).privateKey

/** A 1×1 PNG. */
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)

const optionsOf = (emulator: Emulator.EmulatorState, baseUrl: string, mchid = emulator.mchid): WechatPay.Options => ({
  mchid,
  merchantSerialNumber: emulator.merchantSerialNumber,
  merchantPrivateKey: emulator.merchantPrivateKey!,
  wechatpayPublicKeys: emulator.wechatpayPublicKeys,
  apiV3Key: emulator.apiV3Key,
  baseUrl
})

/** A lookup over a record the test can change, counting its calls per merchant. */
const directory = (entries: Record<string, WechatPay.Options | "fail" | "die">) => {
  const calls = new Map<string, number>()
  const lookup: Merchants.Lookup<Error> = (mchid) =>
    Effect.suspend(() => {
      calls.set(mchid, (calls.get(mchid) ?? 0) + 1)
      const entry = Object.hasOwn(entries, mchid) ? entries[mchid] : undefined
      if (entry === "fail") return Effect.fail(new Error(`database down (${mchid})`))
      if (entry === "die") return Effect.die(new Error("bug"))
      return Effect.succeed(entry)
    })
  return { entries, calls, lookup }
}

const served = (init: Emulator.Options = {}) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make(init)
    const server = yield* Emulator.serve(emulator)
    return { emulator, baseUrl: server.baseUrl }
  })

const build = <E>(options: Merchants.Options<E>) =>
  Layer.build(Merchants.layer(options).pipe(Layer.provide(NodeTransport.layer())))

/**
 * Runs `self` every 20 ms until `done` holds for its value; dies (naming `what`) after `within` ms (default 5 s). The
 * deadline only bounds a broken test on a loaded machine: what is proven is that the condition comes to hold, not how
 * soon.
 */
const eventually = <A, E, R>(self: Effect.Effect<A, E, R>, done: (a: A) => boolean, what: string, within = 5_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + within
    while (true) {
      const value = yield* self
      if (done(value)) return value
      if (Date.now() > deadline) {
        return yield* Effect.die(new Error(`not within ${within} ms: ${what} (last: ${JSON.stringify(value)})`))
      }
      yield* Effect.sleep("20 millis")
    }
  })

describe("Merchants: the directory", () => {
  it.live("1,000 merchants in the directory: only those used are looked up, each once however many call at once", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      const entries: Record<string, WechatPay.Options> = {}
      for (let i = 0; i < 1000; i++) {
        const mchid = String(1_900_000_000 + i)
        entries[mchid] = optionsOf(emulator, baseUrl, mchid)
      }
      const dir = directory(entries)
      const context = yield* build({ lookup: dir.lookup })
      const used = Array.from({ length: 40 }, (_, i) => String(1_900_000_000 + i * 7))
      // Eight callers per merchant, all at once.
      const seen = yield* Effect.all(
        used.flatMap((mchid) => Array.from({ length: 8 }, () => Merchants.currentMchid.pipe(Merchants.forMerchant(mchid)))),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(context))
      expect(seen).toEqual(used.flatMap((mchid) => Array.from({ length: 8 }, () => mchid)))
      expect(dir.calls.size).toBe(40)
      for (const mchid of used) expect(dir.calls.get(mchid)).toBe(1)
      const held = yield* Effect.flatMap(Merchants.Merchants, (m) => m.held).pipe(Effect.provide(context))
      expect([...held].sort()).toEqual([...used].sort())
    }).pipe(Effect.scoped))

  it.live("every endpoint works under forMerchant: a call, a paged stream and an image upload", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      emulator.putCard({ card_id: "pMerchantCard0001", code: "880000001" })
      emulator.putTemplate({ card_id: "pMerchantTemplate1", appid: "wxd678efh567hg6787" })
      const context = yield* build({ lookup: Merchants.fromRecord({ [emulator.mchid]: optionsOf(emulator, baseUrl) }) })
      const as = Merchants.forMerchant(emulator.mchid)
      const card = yield* MemberCard.getUserCard({ card_id: "pMerchantCard0001", code: "880000001" }).pipe(
        as,
        Effect.provide(context)
      )
      expect(card.code).toBe("880000001")
      const before = emulator.requests("ListCardTemplates")
      const templates = yield* MemberCard.streamCardTemplates({ appid: "wxd678efh567hg6787" }).pipe(
        as,
        Stream.runCollect,
        Effect.provide(context)
      )
      expect(templates.map((template) => template.card_id)).toContain("pMerchantTemplate1")
      expect(emulator.requests("ListCardTemplates")).toBe(before + 1)
      const uploaded = yield* Media.uploadImage({ file: png, filename: "logo.png" }).pipe(as, Effect.provide(context))
      expect(uploaded.media_url).toMatch(/^https:\/\//)
    }).pipe(Effect.scoped))

  it.live("an unknown merchant, a failed lookup, bad keys, a lookup that names another merchant: each fails its own calls, typed, while another merchant's calls go through", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      emulator.putCard({ card_id: "pMerchantCard0002", code: "880000002" })
      const good = emulator.mchid
      const dir = directory({
        [good]: optionsOf(emulator, baseUrl),
        "1900000101": "fail",
        "1900000102": { ...optionsOf(emulator, baseUrl, "1900000102"), merchantPrivateKey: Redacted.make("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----") },
        "1900000103": optionsOf(emulator, baseUrl, "1900000999"),
        "1900000104": { ...optionsOf(emulator, baseUrl, "1900000104"), apiV3Key: Redacted.make("short") }
      })
      const context = yield* build({ lookup: dir.lookup })
      const read = (mchid: string) =>
        MemberCard.getUserCard({ card_id: "pMerchantCard0002", code: "880000002" }).pipe(
          Merchants.forMerchant(mchid),
          Effect.exit
        )
      const targets = [good, "1900000100", "1900000101", "1900000102", "1900000103", "1900000104", "not-a-merchant"]
      const exits = yield* Effect.all(
        Array.from({ length: 5 }, () => targets.map(read)).flat(),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(context))
      const byTarget = (mchid: string) => exits.filter((_, i) => targets[i % targets.length] === mchid)
      for (const exit of byTarget(good)) expect(Exit.isSuccess(exit)).toBe(true)
      const failure = (exit: Exit.Exit<unknown, unknown>) => {
        expect(Exit.isFailure(exit)).toBe(true)
        return Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error as any : undefined
      }
      for (const exit of byTarget("1900000100")) {
        expect(failure(exit)).toMatchObject({
          _tag: "UnknownMerchant",
          mchid: "1900000100",
          message: "No merchant 1900000100 in the directory."
        })
      }
      for (const exit of byTarget("1900000101")) {
        const error = failure(exit)
        expect(error).toMatchObject({
          _tag: "MerchantLookupError",
          mchid: "1900000101",
          message: "The lookup of merchant 1900000101 failed."
        })
        expect(error.message).not.toContain("database down")
        expect(String(error.cause)).toContain("database down")
      }
      for (const exit of byTarget("1900000102")) {
        const error = failure(exit)
        expect(error).toMatchObject({ _tag: "ConfigurationError", mchid: "1900000102", option: "privateKey" })
        expect(JSON.stringify(error)).not.toContain("not a key")
      }
      for (const exit of byTarget("1900000103")) {
        expect(failure(exit)).toMatchObject({
          _tag: "ConfigurationError",
          mchid: "1900000103",
          option: "mchid",
          message: "The directory answered merchant 1900000103 with the options of another merchant."
        })
      }
      for (const exit of byTarget("1900000104")) {
        expect(failure(exit)).toMatchObject({ _tag: "ConfigurationError", mchid: "1900000104", option: "apiV3Key" })
      }
      for (const exit of byTarget("not-a-merchant")) {
        expect(failure(exit)).toMatchObject({ _tag: "UnknownMerchant", mchid: "not-a-merchant", message: "Not a merchant id." })
      }
      // An id of any length is cut to 40 characters in the error (it came from a URL or a caller).
      const long = yield* Effect.flip(Merchants.currentMchid.pipe(Merchants.forMerchant("9".repeat(33)), Effect.provide(context)))
      expect(long).toMatchObject({ _tag: "UnknownMerchant", mchid: "9".repeat(33) })
      const huge = yield* Effect.flip(Merchants.currentMchid.pipe(Merchants.forMerchant("x".repeat(100)), Effect.provide(context)))
      expect(huge.mchid).toBe("x".repeat(40))
      expect(dir.calls.has("9".repeat(33))).toBe(false)
      // 32 digits is a merchant id: looked up (and unknown).
      yield* Effect.flip(Merchants.currentMchid.pipe(Merchants.forMerchant("9".repeat(32)), Effect.provide(context)))
      expect(dir.calls.get("9".repeat(32))).toBe(1)
      // Nothing was sent for the merchants that failed; the good merchant's five calls went out.
      expect(emulator.requests("GetUserCard")).toBe(5)
      // A junk id never reaches the directory.
      expect(dir.calls.has("not-a-merchant")).toBe(false)
      // Failures are not kept: the next call looks the merchant up again, and a repaired entry goes through.
      const lookedUp = dir.calls.get("1900000101")!
      expect(lookedUp).toBeGreaterThanOrEqual(1)
      dir.entries["1900000101"] = optionsOf(emulator, baseUrl)
      const again = yield* read("1900000101").pipe(Effect.provide(context))
      expect(failure(again)).toMatchObject({ _tag: "ConfigurationError", option: "mchid" })
      dir.entries["1900000100"] = optionsOf(emulator, baseUrl, "1900000100")
      const built = yield* Merchants.currentMchid.pipe(Merchants.forMerchant("1900000100"), Effect.provide(context))
      expect(built).toBe("1900000100")
      expect(dir.calls.get("1900000101")).toBe(lookedUp + 1)
      // A lookup that dies is a defect of that call only.
      dir.entries["1900000105"] = "die"
      const died = yield* read("1900000105").pipe(Effect.provide(context))
      expect(Exit.isFailure(died) && died.cause.reasons.some((r) => r._tag === "Die")).toBe(true)
      expect(Exit.isSuccess(yield* read(good).pipe(Effect.provide(context)))).toBe(true)
    }).pipe(Effect.scoped))

  it.live("a lookup that hangs fails its merchant's calls at lookupTimeout (MerchantLookupError) and is asked again next time; other merchants' calls go through meanwhile", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      emulator.putCard({ card_id: "pMerchantCard0005", code: "880000005" })
      let asked = 0
      const lookup: Merchants.Lookup = (mchid) =>
        mchid === "1900000200"
          ? Effect.suspend(() => {
            asked++
            return Effect.never
          })
          : Merchants.fromRecord({ [emulator.mchid]: optionsOf(emulator, baseUrl) })(mchid)
      const context = yield* build({ lookup, lookupTimeout: "400 millis" })
      const slow = yield* Merchants.currentMchid.pipe(
        Merchants.forMerchant("1900000200"),
        Effect.provide(context),
        Effect.flip,
        Effect.timed,
        Effect.forkChild
      )
      const cards = yield* Effect.all(
        Array.from({ length: 10 }, () =>
          MemberCard.getUserCard({ card_id: "pMerchantCard0005", code: "880000005" }).pipe(
            Merchants.forMerchant(emulator.mchid)
          )),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(context))
      expect(cards.map((card) => card.code)).toEqual(Array.from({ length: 10 }, () => "880000005"))
      const [took, error] = yield* Fiber.join(slow)
      expect(error).toMatchObject({ _tag: "MerchantLookupError", mchid: "1900000200" })
      expect(error.message).toContain("did not answer within")
      expect(Duration.toMillis(took)).toBeGreaterThanOrEqual(390)
      expect(Duration.toMillis(took)).toBeLessThan(3_000)
      expect(asked).toBe(1)
      yield* Effect.flip(Merchants.currentMchid.pipe(Merchants.forMerchant("1900000200"), Effect.provide(context)))
      expect(asked).toBe(2)
    }).pipe(Effect.scoped))

  it.live("a merchant is built in the directory's context, not in that of the call that came first", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      const seen: Array<string> = []
      const lookup: Merchants.Lookup = (mchid) =>
        Effect.map(Effect.serviceOption(CallerTag), (caller) => {
          seen.push(caller._tag === "Some" ? caller.value : "none")
          return optionsOf(emulator, baseUrl, mchid)
        })
      const context = yield* build({ lookup })
      yield* Merchants.currentMchid.pipe(
        Merchants.forMerchant(emulator.mchid),
        Effect.provideService(CallerTag, "request-1"),
        Effect.provide(context)
      )
      expect(seen).toEqual(["none"])
    }).pipe(Effect.scoped))

  it.live("callers that find a client too old (maxAge) at the same time look the merchant up once; a caller interrupted while a merchant is built does not drop it for the others", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      const mchid = emulator.mchid
      let asked = 0
      const lookup: Merchants.Lookup = () =>
        Effect.sleep("150 millis").pipe(Effect.as(optionsOf(emulator, baseUrl)), Effect.tap(() => Effect.sync(() => asked++)))
      const context = yield* build({ lookup, maxAge: "500 millis" })
      const use = Merchants.currentMchid.pipe(Merchants.forMerchant(mchid), Effect.provide(context))
      // The first caller gives up while the merchant is being built; the second, waiting on the same build, gets it.
      const first = yield* Effect.forkChild(use)
      yield* Effect.sleep("30 millis")
      const second = yield* Effect.forkChild(use)
      yield* Effect.sleep("30 millis")
      yield* Fiber.interrupt(first)
      expect(yield* Fiber.join(second)).toBe(mchid)
      yield* use
      expect(asked).toBe(1)
      yield* Effect.sleep("550 millis")
      yield* Effect.all(Array.from({ length: 20 }, () => use), { concurrency: "unbounded" })
      expect(asked).toBe(2)
    }).pipe(Effect.scoped))

  it.live("certificate mode: a released merchant stops refreshing its platform certificates", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served({ mode: "certificate" })
      const mchid = emulator.mchid
      const options: WechatPay.Options = {
        ...optionsOf(emulator, baseUrl),
        wechatpayPublicKeys: {},
        platformCertificates: { refreshInterval: "1 second" }
      }
      const use = (context: Context.Context<Merchants.Merchants>) =>
        Merchants.currentMchid.pipe(Merchants.forMerchant(mchid), Effect.provide(context))
      // Held (long idle time): the refresh fiber downloads again every second, until the directory is closed.
      const before = emulator.requests("DownloadCertificates")
      yield* Effect.scoped(Effect.gen(function*() {
        const held = yield* build({ lookup: Merchants.fromRecord({ [mchid]: options }) })
        yield* use(held)
        expect(emulator.requests("DownloadCertificates")).toBe(before + 1)
        yield* eventually(
          Effect.sync(() => emulator.requests("DownloadCertificates")),
          (count) => count >= before + 2,
          "a second download by the refresh fiber"
        )
      }))
      // Released once idle (200 ms after its call): no download after that, for longer than the refresh interval.
      const released = yield* build({ lookup: Merchants.fromRecord({ [mchid]: options }), idleTimeToLive: "200 millis" })
      const start = emulator.requests("DownloadCertificates")
      yield* use(released)
      expect(emulator.requests("DownloadCertificates")).toBe(start + 1)
      yield* eventually(Effect.flatMap(Merchants.Merchants, (m) => m.held).pipe(Effect.provide(released)), (held) => held.length === 0, "released once idle")
      const atRelease = emulator.requests("DownloadCertificates")
      yield* Effect.sleep("1500 millis")
      expect(emulator.requests("DownloadCertificates")).toBe(atRelease)
    }).pipe(Effect.scoped))

  it.live("a rotated key in the directory takes effect at invalidate, without a restart; calls in flight finish on the old client", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      emulator.putCard({ card_id: "pMerchantCard0003", code: "880000003" })
      const mchid = emulator.mchid
      // The directory still holds a key WeChat no longer knows: WeChat refuses the signature.
      const dir = directory({ [mchid]: { ...optionsOf(emulator, baseUrl), merchantPrivateKey: Redacted.make(otherKey) } })
      const context = yield* build({ lookup: dir.lookup })
      const read = MemberCard.getUserCard({ card_id: "pMerchantCard0003", code: "880000003" }).pipe(
        Merchants.forMerchant(mchid),
        Effect.provide(context)
      )
      const refused = yield* Effect.flip(read)
      expect(refused._tag).toBe("SignError")
      dir.entries[mchid] = optionsOf(emulator, baseUrl)
      // Still the old client until told.
      expect((yield* Effect.flip(read))._tag).toBe("SignError")
      expect(dir.calls.get(mchid)).toBe(1)
      // A call running as the merchant when the entry is invalidated keeps its client to the end; the next call
      // gets the new one.
      const during = yield* Effect.gen(function*() {
        yield* Merchants.invalidate(mchid)
        const inFlight = yield* Effect.flip(MemberCard.getUserCard({ card_id: "pMerchantCard0003", code: "880000003" }))
        const next = yield* read
        return { inFlight: inFlight._tag, next: next.code }
      }).pipe(Merchants.forMerchant(mchid), Effect.provide(context))
      expect(during).toEqual({ inFlight: "SignError", next: "880000003" })
      expect((yield* read).code).toBe("880000003")
      expect(dir.calls.get(mchid)).toBe(2)
    }).pipe(Effect.scoped))

  it.live("maxAge: a busy merchant is looked up again once its client is that old", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      emulator.putCard({ card_id: "pMerchantCard0004", code: "880000004" })
      const mchid = emulator.mchid
      const dir = directory({ [mchid]: { ...optionsOf(emulator, baseUrl), merchantPrivateKey: Redacted.make(otherKey) } })
      // Long enough for the build and two signed calls on a loaded machine: the second call must still find it young.
      const context = yield* build({ lookup: dir.lookup, maxAge: "3 seconds" })
      const read = MemberCard.getUserCard({ card_id: "pMerchantCard0004", code: "880000004" }).pipe(
        Merchants.forMerchant(mchid),
        Effect.provide(context)
      )
      // The client is built after this instant.
      const startedAt = Date.now()
      expect((yield* Effect.flip(read))._tag).toBe("SignError")
      dir.entries[mchid] = optionsOf(emulator, baseUrl)
      expect((yield* Effect.flip(read))._tag).toBe("SignError")
      expect(dir.calls.get(mchid)).toBe(1)
      // Called on and on: refused (the old client) until it is maxAge old, then looked up again — not before.
      const outcome = yield* eventually(
        Effect.match(read, { onFailure: (error) => error._tag, onSuccess: (card) => card.code }),
        (tagOrCode) => tagOrCode !== "SignError",
        "the client looked up again",
        10_000
      )
      expect(outcome).toBe("880000004")
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3_000)
      expect(dir.calls.get(mchid)).toBe(2)
    }).pipe(Effect.scoped))

  it.live("idleTimeToLive: an unused merchant's client is released, and looked up again on the next call", () =>
    Effect.gen(function*() {
      const { emulator, baseUrl } = yield* served()
      const mchid = emulator.mchid
      const dir = directory({ [mchid]: optionsOf(emulator, baseUrl) })
      const context = yield* build({ lookup: dir.lookup, idleTimeToLive: "1 second" })
      const held = Effect.flatMap(Merchants.Merchants, (m) => m.held).pipe(Effect.provide(context))
      const calledAt = Date.now()
      yield* Merchants.currentMchid.pipe(Merchants.forMerchant(mchid), Effect.provide(context))
      // Idle once the call is done: held for the idle time, then released.
      expect(yield* held).toEqual([mchid])
      yield* Effect.sleep("100 millis")
      expect(yield* held).toEqual([mchid])
      yield* eventually(held, (keys) => keys.length === 0, "the idle merchant released")
      // Not before its idle time had passed since the call (a slow machine only makes the release later).
      expect(Date.now() - calledAt).toBeGreaterThanOrEqual(990)
      yield* Merchants.currentMchid.pipe(Merchants.forMerchant(mchid), Effect.provide(context))
      expect(dir.calls.get(mchid)).toBe(2)
    }).pipe(Effect.scoped))

  it("refuses an idleTimeToLive or maxAge that is not a positive duration", () => {
    const lookup = Merchants.fromRecord({})
    expect(() => Merchants.make({ lookup, idleTimeToLive: 0 })).toThrow(/idleTimeToLive must be a positive duration/)
    expect(() => Merchants.make({ lookup, maxAge: "-1 seconds" as any })).toThrow(/maxAge must be a positive duration/)
    expect(() => Merchants.make({ lookup, lookupTimeout: 0 })).toThrow(/lookupTimeout must be a positive duration/)
    expect(() => Merchants.make({ lookup, maxAge: "1 millis", lookupTimeout: "1 millis" })).not.toThrow()
  })
})
