/**
 * The emulator serves several merchants at once (`Options.merchants`, since 1.2.0), over real loopback HTTP with the
 * client on `WechatPay.layerNode(emulator.merchantOptions(mchid))`:
 *
 * - three merchants call at once, each signing with its own key, and every write lands in its own merchant's state
 *   and in the ledger under its mchid; their idempotency keys are their own (the same `out_request_no` in each);
 * - a request signed with merchant A's key under merchant B's mchid is refused as WeChat refuses a bad signature
 *   (401 SIGN_ERROR), as is A's serial under B's mchid and an mchid the emulator does not serve; nothing is applied;
 * - A's templates and cards do not exist for B (B is answered as for a missing one); callback URLs are per merchant;
 * - B's notifications are sealed with B's APIv3 key (not A's), signed with B's public key, delivered to B's URL;
 * - `emulator serve --merchants N` serves N more merchants and prints what a client needs for each.
 */
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import * as http from "node:http"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { MemberCard, WechatPay } from "../src/index.js"
import * as Notification from "../src/Notification.js"
import type { Ready } from "../src/cli/EmulatorCommand.js"
import { Emulator } from "../src/testing/index.js"
import { fresh, listenLoopback } from "./support.js"

const A = "1230000109"
const B = "1230000201"
const C = "1230000302"

/** Merchant `mchid`'s endpoints over node:http, configured as the emulator says (its own keys, the served base URL). */
const clientOf = (options: WechatPay.Options & { readonly apiV3Key: Redacted.Redacted<string> }) =>
  MemberCard.layer.pipe(Layer.provideMerge(WechatPay.layerNode(options)))

/** As `clientOf(emulator.merchantOptions(mchid, …))`, for the emulator in context. */
const as = (mchid: string, overrides: Partial<Omit<WechatPay.Options, "apiV3Key">> = {}) =>
<A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Emulator.Emulator, (emulator) =>
    Effect.provide(self, clientOf({ ...emulator.merchantOptions(mchid), ...overrides })))

/** A with B and C, served on 127.0.0.1. */
const Served = Emulator.layerServer().pipe(
  Layer.provideMerge(Emulator.layer({ mchid: A, merchants: [{ mchid: B }, { mchid: C }] }))
)

layer(Served, { excludeTestServices: true })("Emulator: several merchants over loopback HTTP", (it) => {
  it.effect("merchantOptions: each merchant has its own identity and keys, and the served base URL", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const server = yield* Emulator.EmulatorServer
      expect(emulator.mchids).toEqual([A, B, C])
      const [a, b, c] = [A, B, C].map((mchid) => emulator.merchantOptions(mchid))
      expect([a!.mchid, b!.mchid, c!.mchid]).toEqual([A, B, C])
      expect(a!.baseUrl).toBe(server.baseUrl)
      // The primary merchant is the emulator's own, as before.
      expect(a!.merchantSerialNumber).toBe(emulator.merchantSerialNumber)
      expect(Redacted.value(a!.merchantPrivateKey)).toBe(Redacted.value(emulator.merchantPrivateKey!))
      expect(a!.wechatpayPublicKeys).toEqual(emulator.wechatpayPublicKeys)
      const distinct = <T>(values: ReadonlyArray<T>) => new Set(values).size
      const all = [a!, b!, c!]
      expect(distinct(all.map((o) => o.merchantSerialNumber))).toBe(3)
      expect(distinct(all.map((o) => Redacted.value(o.merchantPrivateKey)))).toBe(3)
      expect(distinct(all.map((o) => Redacted.value(o.apiV3Key)))).toBe(3)
      // Each its own WeChat Pay public key id (the platform certificates are shared).
      const publicKeyIds = all.map((o) => Object.keys(o.wechatpayPublicKeys).filter((id) => id.startsWith("PUB_KEY_ID_")))
      expect(publicKeyIds.map((ids) => ids.length)).toEqual([1, 1, 1])
      expect(distinct(publicKeyIds.flat())).toBe(3)
      expect(() => emulator.merchantOptions("1239999999")).toThrow(/no merchant 1239999999/)
    }))

  it.effect("3 merchants × 20 concurrent writes, each signed with its own key: all applied, each in its own state and under its mchid in the ledger", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      // The same card ids and the same out_request_no values for every merchant: only their own state and their
      // own idempotency keys keep them apart.
      const card_id = fresh("pMerchants")
      const code = fresh("8")
      const keys = Array.from({ length: 20 }, (_, i) => fresh(`multi-${i}-`))
      const merchants = [{ mchid: A, points: 1 }, { mchid: B, points: 2 }, { mchid: C, points: 3 }]
      for (const { mchid } of merchants) emulator.putCard({ card_id, code, bonus_value: 100 }, mchid)
      const before = emulator.ledger.length
      const cards = yield* Effect.all(
        merchants.map(({ mchid, points }) =>
          Effect.all(
            keys.map((out_request_no) =>
              MemberCard.setUserCardRights({ card_id, code, out_request_no, add_bonus_value: points })
            ),
            { concurrency: "unbounded" }
          ).pipe(
            Effect.andThen(MemberCard.getUserCard({ card_id, code })),
            as(mchid)
          )
        ),
        { concurrency: "unbounded" }
      )
      expect(cards.map((card) => card.bonus_value)).toEqual([120, 140, 160])
      for (const { mchid, points } of merchants) {
        expect(emulator.card(card_id, code, mchid)!.bonus_value).toBe(100 + 20 * points)
        for (const key of keys) expect(emulator.applied(key, mchid)).toBe(1)
      }
      const written = emulator.ledger.slice(before)
      expect(written).toHaveLength(60)
      for (const { mchid, points } of merchants) {
        const mine = written.filter((entry) => entry.mchid === mchid)
        expect(mine).toHaveLength(20)
        expect(new Set(mine.map((entry) => entry.key))).toEqual(new Set(keys))
        expect(mine.every((entry) => entry.endpoint === "SetUserCardRights" && entry.pointsDelta === points)).toBe(true)
      }
      // With several merchants the mchid is part of the entry as compared.
      expect(written.find((entry) => entry.mchid === B)).toEqual({
        endpoint: "SetUserCardRights",
        key: expect.any(String),
        mchid: B,
        card_id,
        code,
        balanceDelta: 0,
        pointsDelta: 2
      })
    }))

  it.effect("merchant A's key under merchant B's mchid: 401 SIGN_ERROR (SignError), nothing applied; B's own key is accepted", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = fresh("pSign")
      const code = fresh("8")
      emulator.putCard({ card_id, code, bonus_value: 100 }, B)
      const out_request_no = fresh("sign-")
      const write = MemberCard.setUserCardRights({ card_id, code, out_request_no, add_bonus_value: 5 })
      const aKey = emulator.merchantOptions(A).merchantPrivateKey
      const aSerial = emulator.merchantOptions(A).merchantSerialNumber
      // B's mchid and serial, A's private key: the signature does not verify with B's key.
      const forged = yield* Effect.flip(write.pipe(as(B, { merchantPrivateKey: aKey })))
      expect(forged._tag).toBe("SignError")
      expect(forged).toMatchObject({ status: 401, code: "SIGN_ERROR", message: "错误的签名，验签失败" })
      // A's serial and key under B's mchid: the serial is not B's.
      const borrowed = yield* Effect.flip(write.pipe(as(B, { merchantPrivateKey: aKey, merchantSerialNumber: aSerial })))
      expect(borrowed._tag).toBe("SignError")
      expect(borrowed).toMatchObject({ status: 401, code: "SIGN_ERROR", message: "商户证书序列号有误。请使用签名私钥匹配的证书序列号" })
      expect(emulator.applied(out_request_no)).toBe(0)
      expect(emulator.card(card_id, code, B)!.bonus_value).toBe(100)
      // The same write with B's own key goes through.
      yield* write.pipe(as(B))
      expect(emulator.applied(out_request_no, B)).toBe(1)
      expect(emulator.card(card_id, code, B)!.bonus_value).toBe(105)
    }))

  it.effect("an mchid the emulator does not serve: 401 SIGN_ERROR 商户号有误, as for a wrong mchid", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = fresh("pUnknown")
      const code = fresh("8")
      emulator.putCard({ card_id, code }, A)
      const error = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }).pipe(as(A, { mchid: "1239999999" })))
      expect(error._tag).toBe("SignError")
      expect(error).toMatchObject({ status: 401, code: "SIGN_ERROR", message: "商户号有误" })
    }))

  it.effect("A's card template and member card do not exist for B: B is answered as for missing ones, A's state untouched", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = fresh("pOwnA")
      const code = fresh("8")
      emulator.putTemplate({ card_id, title: "A 的会员卡" }, A)
      emulator.putCard({ card_id, code, bonus_value: 10 }, A)
      // A sees them.
      expect((yield* MemberCard.getUserCard({ card_id, code }).pipe(as(A))).bonus_value).toBe(10)
      expect((yield* MemberCard.getCardTemplate({ card_id }).pipe(as(A))).card_id).toBe(card_id)
      // B gets exactly what it gets for ids nobody has.
      const missing = { card_id: fresh("pNobody"), code: fresh("8") }
      const strip = (error: object) => {
        const { _tag, code, message, status } = error as Record<string, unknown>
        return { _tag, status, code, message }
      }
      const card = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }).pipe(as(B)))
      const noCard = yield* Effect.flip(MemberCard.getUserCard(missing).pipe(as(B)))
      expect(strip(card)).toEqual(strip(noCard))
      expect(strip(card)).toEqual({ _tag: "InvalidRequest", status: 400, code: "INVALID_REQUEST", message: "card_id无效" })
      const template = yield* Effect.flip(MemberCard.getCardTemplate({ card_id }).pipe(as(B)))
      const noTemplate = yield* Effect.flip(MemberCard.getCardTemplate({ card_id: missing.card_id }).pipe(as(B)))
      expect(strip(template)).toEqual(strip(noTemplate))
      expect(strip(template).code).toBe("INVALID_REQUEST")
      // B's write on A's card is refused the same way and changes nothing of A's.
      const write = yield* Effect.flip(
        MemberCard.setUserCardRights({ card_id, code, out_request_no: fresh("own-"), add_bonus_value: 1 }).pipe(as(B))
      )
      expect(strip(write)).toEqual(strip(card))
      expect(emulator.card(card_id, code, A)!.bonus_value).toBe(10)
      expect(emulator.card(card_id, code, B)).toBeUndefined()
      expect(emulator.template(card_id, B)).toBeUndefined()
    }))

  it.effect("certificate mode: GET /v3/certificates is sealed with the requesting merchant's APIv3 key", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = fresh("pCerts")
      const code = fresh("8")
      emulator.putCard({ card_id, code, bonus_value: 7 }, B)
      const b = emulator.merchantOptions(B)
      // No configured key: the client downloads the platform certificates and opens them with its APIv3 key.
      const certificateMode = { ...b, wechatpayPublicKeys: {}, platformCertificates: true }
      const card = yield* MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(clientOf(certificateMode)))
      expect(card.bonus_value).toBe(7)
      // A's APIv3 key cannot open what B downloads: the client does not start.
      const refused = yield* Effect.flip(
        MemberCard.getUserCard({ card_id, code }).pipe(
          Effect.provide(clientOf({ ...certificateMode, apiV3Key: emulator.merchantOptions(A).apiV3Key }))
        )
      )
      expect(refused._tag).toBe("ConfigurationError")
      expect(refused._tag === "ConfigurationError" && refused.message).toMatch(/APIv3 key/)
    }))

  it.effect("callback URLs are per merchant: each reads back its own, one that set none has none", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const urlOf = (mchid: string) => `https://shop-${mchid}.example.com/membercard/notify`
      yield* MemberCard.setCallback({ notify_url: urlOf(A) }).pipe(as(A))
      yield* MemberCard.setCallback({ notify_url: urlOf(B) }).pipe(as(B))
      expect(yield* MemberCard.getCallback({}).pipe(as(A))).toEqual({ notify_url: urlOf(A), mchid: A })
      expect(yield* MemberCard.getCallback({}).pipe(as(B))).toEqual({ notify_url: urlOf(B), mchid: B })
      expect((yield* Effect.flip(MemberCard.getCallback({}).pipe(as(C))))._tag).toBe("NotFound")
      const set = emulator.ledger.filter((entry) => entry.endpoint === "SetCallback")
      expect(set.map((entry) => [entry.mchid, entry.notify_url])).toEqual([[A, urlOf(A)], [B, urlOf(B)]])
    }))
})

/** A merchant's notification endpoint on 127.0.0.1: records what WeChat POSTs, answers 200. */
const receiver = Effect.gen(function*() {
  const received: Array<{ readonly headers: http.IncomingHttpHeaders; readonly body: string }> = []
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
      res.writeHead(200, { "content-type": "application/json" }).end("{\"code\":\"SUCCESS\"}")
    })
  })
  const origin = yield* listenLoopback(server)
  return { url: `${origin}/notify`, received }
})

/** AEAD_AES_256_GCM as the merchant opens a notification's resource; throws when the key is not the one it was sealed with. */
const open = (apiV3Key: Redacted.Redacted<string>, resource: Record<string, string>): unknown => {
  const bytes = Buffer.from(resource.ciphertext!, "base64")
  const decipher = crypto.createDecipheriv("aes-256-gcm", Buffer.from(Redacted.value(apiV3Key), "ascii"), Buffer.from(resource.nonce!, "utf8"))
  decipher.setAAD(Buffer.from(resource.associated_data!, "utf8"))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8"))
}

describe("Emulator: notifications per merchant", () => {
  it.live("B's notification goes to B's URL only, sealed with B's APIv3 key (not A's) and signed with B's public key", () =>
    Effect.gen(function*() {
      const toA = yield* receiver
      const toB = yield* receiver
      const emulator = yield* Emulator.make({ mchid: A, notifyUrl: toA.url, merchants: [{ mchid: B, notifyUrl: toB.url }] })
      yield* Layer.build(Emulator.layerNotifier.pipe(
        Layer.provide(Layer.succeed(Emulator.Emulator, emulator)),
        Layer.provide(FetchHttpClient.layer)
      ))
      const card_id = fresh("pNotify")
      const code = fresh("8")
      emulator.putCard({ card_id, code, openid: "oMerchantB" }, B)
      emulator.userManagesCard({ card_id, code, action: "USER_VIEW_MEMBERCARD", mchid: B })
      const [record] = yield* emulator.awaitNotifications(1)
      expect(record).toMatchObject({ mchid: B, state: "delivered", event_type: "MEMBERCARD.USERCARD_MANAGE" })
      expect(toA.received).toHaveLength(0)
      expect(toB.received).toHaveLength(1)
      const delivered = toB.received[0]!
      const b = emulator.merchantOptions(B)
      const a = emulator.merchantOptions(A)
      // Sealed with B's key; A's key does not open it.
      const resource = (JSON.parse(delivered.body) as { resource: Record<string, string> }).resource
      expect(open(b.apiV3Key, resource)).toMatchObject({ card_id, code, openid: "oMerchantB", event_type: "USER_VIEW_MEMBERCARD" })
      expect(() => open(a.apiV3Key, resource)).toThrow()
      // Signed with B's own public key id.
      expect(Object.keys(b.wechatpayPublicKeys)).toContain(delivered.headers["wechatpay-serial"])
      expect(Object.keys(a.wechatpayPublicKeys)).not.toContain(delivered.headers["wechatpay-serial"])
      // The client configured as B parses it; with A's APIv3 key it cannot decrypt it.
      const input = { headers: delivered.headers, body: delivered.body }
      const parsed = yield* Notification.parse(input).pipe(Effect.provide(WechatPay.layerNode(b)))
      expect(parsed.id).toBe(record!.id)
      const wrongKey = yield* Effect.flip(
        Notification.parse(input).pipe(Effect.provide(WechatPay.layerNode({ ...b, apiV3Key: a.apiV3Key })))
      )
      expect(wrongKey._tag).toBe("NotificationDecryptError")
    }).pipe(Effect.scoped))

  it.live("deliveries follow each merchant's own setCallback URL", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ mchid: A, merchants: [{ mchid: B }] })
      const server = yield* Emulator.serve(emulator)
      expect(emulator.merchantOptions(B).baseUrl).toBe(server.baseUrl)
      const posted: Array<string> = []
      const merchantSide = HttpClient.make((request, url) =>
        Effect.sync(() => {
          posted.push(url.toString())
          return HttpClientResponse.fromWeb(request, new Response(null, { status: 200 }))
        })
      )
      yield* Layer.build(Emulator.layerNotifier.pipe(
        Layer.provide(Layer.succeed(Emulator.Emulator, emulator)),
        Layer.provide(Layer.succeed(HttpClient.HttpClient, merchantSide))
      ))
      yield* MemberCard.setCallback({ notify_url: "https://a.example.com/notify" }).pipe(
        Effect.provide(clientOf(emulator.merchantOptions(A)))
      )
      yield* MemberCard.setCallback({ notify_url: "https://b.example.com/notify" }).pipe(
        Effect.provide(clientOf(emulator.merchantOptions(B)))
      )
      const card_id = fresh("pCallback")
      emulator.putCard({ card_id, code: "1" }, B)
      emulator.putCard({ card_id, code: "2" }, A)
      emulator.userManagesCard({ card_id, code: "1", action: "USER_VIEW_MEMBERCARD", mchid: B })
      emulator.userManagesCard({ card_id, code: "2", action: "USER_VIEW_MEMBERCARD" })
      const records = yield* emulator.awaitNotifications(2)
      expect(records.map((record) => [record.mchid, record.resource.code])).toEqual([[B, "1"], [A, "2"]])
      expect([...posted].sort()).toEqual(["https://a.example.com/notify", "https://b.example.com/notify"])
      expect(records.every((record) => record.state === "delivered")).toBe(true)
    }).pipe(Effect.scoped))

  it.effect("layerInProcess({ client: { mchid } }): the test layers' client is that merchant", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id: "pLayerB", code: "1", bonus_value: 1 }, B)
      const card = yield* MemberCard.getUserCard({ card_id: "pLayerB", code: "1" })
      expect(card.bonus_value).toBe(1)
      yield* MemberCard.setUserCardRights({ card_id: "pLayerB", code: "1", out_request_no: "layer-b-1", add_bonus_value: 4 })
      expect(emulator.card("pLayerB", "1", B)!.bonus_value).toBe(5)
      expect(emulator.ledger.map((entry) => [entry.mchid, entry.key])).toEqual([[B, "layer-b-1"]])
      // The primary merchant has no such card.
      expect(emulator.card("pLayerB", "1")).toBeUndefined()
    }).pipe(
      Effect.provide(
        MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess({ mchid: A, merchants: [{ mchid: B }], client: { mchid: B } })))
      )
    ))

  it.effect("one merchant: ledger entries compare as before 1.2.0 (mchid readable, not enumerable)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const card_id = fresh("pSingle")
      const code = fresh("8")
      emulator.putCard({ card_id, code })
      yield* MemberCard.setUserCardRights({ card_id, code, out_request_no: "single-1", add_bonus_value: 1 })
      const [entry] = emulator.ledger
      expect(entry).toEqual({ endpoint: "SetUserCardRights", key: "single-1", card_id, code, balanceDelta: 0, pointsDelta: 1 })
      expect(entry!.mchid).toBe(emulator.mchid)
    }).pipe(Effect.provide(MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess())))))
})

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

describe("emulator serve --merchants", () => {
  it.live("--merchants 2: two more merchants in the ready line, each usable as itself; their key files removed at exit", () =>
    Effect.gen(function*() {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(root, "src", "cli", "bin.ts"), "emulator", "serve", "--merchants", "2"],
        { cwd: root, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" }, stdio: ["ignore", "pipe", "pipe"] }
      )
      yield* Effect.addFinalizer(() => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL")))
      const exited = new Promise<number | null>((done) => child.on("exit", done))
      const ready = yield* Effect.promise(() =>
        new Promise<Ready>((done, fail) => {
          let stdout = ""
          child.stdout!.on("data", (chunk: Buffer) => {
            stdout += chunk.toString("utf8")
            const end = stdout.indexOf("\n")
            if (end >= 0) done(JSON.parse(stdout.slice(0, end)) as Ready)
          })
          void exited.then((code) => fail(new Error(`emulator serve exited with ${code}`)))
        })
      )
      const merchants = ready.merchants!
      expect(merchants.map((m) => m.mchid)).toEqual(["1900000200", "1900000201"])
      expect(new Set([ready.publicKeyId, ...merchants.map((m) => m.publicKeyId)]).size).toBe(3)
      // One private directory for every key file (one exit hook however many merchants), a file each.
      const files = [ready.merchantPrivateKeyFile!, ...merchants.map((m) => m.merchantPrivateKeyFile)]
      expect(new Set(files).size).toBe(3)
      expect(new Set(files.map((file) => dirname(file))).size).toBe(1)
      for (const merchant of merchants) {
        const options = {
          mchid: merchant.mchid,
          merchantSerialNumber: merchant.merchantSerialNumber,
          merchantPrivateKey: Redacted.make(readFileSync(merchant.merchantPrivateKeyFile, "utf8")),
          wechatpayPublicKeys: { [merchant.publicKeyId]: merchant.publicKey },
          apiV3Key: Redacted.make(merchant.apiV3Key),
          baseUrl: ready.baseUrl
        }
        const notify_url = `https://shop-${merchant.mchid}.example.com/notify`
        yield* MemberCard.setCallback({ notify_url }).pipe(Effect.provide(clientOf(options)))
        expect(yield* MemberCard.getCallback({}).pipe(Effect.provide(clientOf(options)))).toEqual({
          notify_url,
          mchid: merchant.mchid
        })
      }
      child.kill("SIGTERM")
      expect(yield* Effect.promise(() => exited)).toBe(0)
      for (const merchant of merchants) expect(existsSync(merchant.merchantPrivateKeyFile)).toBe(false)
    }).pipe(Effect.scoped), 60_000)
})
