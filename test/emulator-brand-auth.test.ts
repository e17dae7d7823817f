/**
 * The brand APIs' authentication on the emulator (`/brand/card-member/*`, `WECHATPAY-BRAND-SHA256-RSA2048`), with raw
 * requests signed here with node:crypto (the five-line message, SHA256withRSA), in WeChat's order — form, scheme,
 * identity, serial, clock, signature — then `Wechatpay-Serial`, which must be the brand's own `PUB_KEY_ID_…`:
 *
 * - an authentic request is answered 200, signed with the brand's WeChat Pay key (`Wechatpay-Serial: PUB_KEY_ID_…`,
 *   `Wechatpay-Signature-Type: WECHATPAY-BRAND-SHA256-RSA2048`), verified here over `ts\nnonce\nbody\n`;
 * - the merchant scheme on a brand path, `mchid` in place of `brand_id`, an unknown brand, another serial, a stale
 *   timestamp, a bad signature: 401 SIGN_ERROR (the last with WeChat's `sign_information`); a missing or foreign
 *   `Wechatpay-Serial`: 400 PARAM_ERROR; the brand scheme on a provider path: 401. Nothing is applied.
 * - scripted faults hit brand routes too (a dropped answer is an unknown outcome, applied once, not repeated);
 * - `emulator serve` prints the brand in its ready line, usable by a `BrandClient`, its key file removed at exit.
 */
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import type { Ready } from "../src/cli/EmulatorCommand.js"
import { Emulator } from "../src/testing/index.js"
import { fresh } from "./support.js"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const BRAND = "1900001"
const OTHER = "1900002"

const Served = Emulator.layerServer().pipe(
  Layer.provideMerge(Emulator.layer({ brands: [{ brand_id: BRAND }, { brand_id: OTHER }] }))
)

/** A brand's endpoints over node:http, as the emulator configures it. */
const asBrand = (brandId: string) =>
<X, E, R>(self: Effect.Effect<X, E, R>) =>
  Effect.flatMap(Emulator.Emulator, (emulator) =>
    Effect.provide(
      self,
      BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(emulator.brandOptions(brandId))))
    ))

interface Raw {
  readonly method?: string
  readonly target: string
  readonly body?: string
  /** The Authorization header's scheme and first parameter, e.g. `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="…"`. */
  readonly head: string
  readonly serial: string
  readonly key: string
  readonly timestamp?: number
  /** `Wechatpay-Serial`; none when `null`. */
  readonly wechatpaySerial: string | null
}

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

/** A request signed here, sent to the served emulator with fetch. */
const raw = (baseUrl: string, r: Raw): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const method = r.method ?? "GET"
    const body = r.body ?? ""
    const timestamp = String(r.timestamp ?? Math.floor(Date.now() / 1000))
    const nonce = crypto.randomBytes(16).toString("hex").toUpperCase()
    const message = `${method}\n${r.target}\n${timestamp}\n${nonce}\n${body}\n`
    const signature = crypto.sign("sha256", Buffer.from(message, "utf8"), r.key).toString("base64")
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "brand-auth-test",
      authorization: `${r.head},nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${r.serial}",signature="${signature}"`
    }
    if (body !== "") headers["content-type"] = "application/json"
    if (r.wechatpaySerial !== null) headers["wechatpay-serial"] = r.wechatpaySerial
    const response = await fetch(baseUrl + r.target, { method, headers, ...(body !== "" ? { body } : {}) })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : JSON.parse(text) }
  })

/** The brand's own, correct request parts. */
const brandParts = (emulator: Emulator.EmulatorState, brandId: string = BRAND) => {
  const options = emulator.brandOptions(brandId)
  return {
    head: `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="${brandId}"`,
    serial: options.brandSerialNumber,
    key: Redacted.value(options.brandPrivateKey),
    wechatpaySerial: options.wechatpayPublicKeyId
  }
}

const templateBody = () =>
  JSON.stringify({
    out_request_no: fresh("raw-"),
    appid: "wxd678efh567hg6787",
    card_type: "NORMAL",
    code_mode: "SYSTEM_ALLOCATE",
    code_type: "BAR_CODE",
    card_title: "会员卡",
    card_color: "#FFFF00",
    card_picture_url: "https://qpic.cn/card.png",
    benefits: "9折",
    notify_url: "https://shop.example.com/notify",
    valid_date_information: { type: "PERMANENT" }
  })

layer(Served, { excludeTestServices: true })("Emulator: the brand scheme, WeChat's side", (it) => {
  it.effect("an authentic request: 200, signed with the brand's WeChat Pay key under the brand scheme", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { baseUrl } = yield* Emulator.EmulatorServer
      const options = emulator.brandOptions(BRAND)
      const answer = yield* raw(baseUrl, { ...brandParts(emulator), target: "/brand/card-member/cards?offset=0&limit=10" })
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual({ data: [], total_count: 0, offset: 0, limit: 10 })
      expect(answer.headers.get("wechatpay-serial")).toBe(options.wechatpayPublicKeyId)
      expect(answer.headers.get("wechatpay-signature-type")).toBe("WECHATPAY-BRAND-SHA256-RSA2048")
      const signed = `${answer.headers.get("wechatpay-timestamp")}\n${answer.headers.get("wechatpay-nonce")}\n${answer.text}\n`
      expect(crypto.verify(
        "sha256",
        Buffer.from(signed, "utf8"),
        options.wechatpayPublicKey,
        Buffer.from(answer.headers.get("wechatpay-signature")!, "base64")
      )).toBe(true)
      // A write signed over its body: created.
      const created = yield* raw(baseUrl, {
        ...brandParts(emulator),
        method: "POST",
        target: "/brand/card-member/cards",
        body: templateBody()
      })
      expect([created.status, created.json.brand_id, created.json.state]).toEqual([200, BRAND, "CARD_EFFECTIVE"])
      // 作废会员卡模板 of a brand has no body and no Content-Type (ON-B 4015582724): accepted so.
      const invalidated = yield* raw(baseUrl, {
        ...brandParts(emulator),
        method: "POST",
        target: `/brand/card-member/cards/${created.json.card_id}/invalidate`
      })
      expect([invalidated.status, invalidated.json.state]).toEqual([200, "CARD_INVALID"])
      // A rejection without its reason is refused before any lookup ("拒绝时必填", ON-P 4015897268).
      const noReason = yield* raw(baseUrl, {
        ...brandParts(emulator),
        method: "POST",
        target: "/brand/card-member/user-points/exchange-coupon/confirm",
        body: JSON.stringify({
          record_id: "1",
          exchange_coupon_template_id: "2",
          card_id: created.json.card_id,
          openid: "o1",
          user_card_code: "3",
          result: "POINT_EXCHANGE_COUPON_REJECT"
        })
      })
      expect([noReason.status, noReason.json.code]).toEqual([400, "PARAM_ERROR"])
    }))

  it.effect("401 SIGN_ERROR: the merchant scheme on a brand path, mchid for brand_id, an unknown brand, another serial, a stale timestamp, a bad signature — nothing applied", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { baseUrl } = yield* Emulator.EmulatorServer
      const merchant = emulator.merchantOptions()
      const own = brandParts(emulator)
      const other = brandParts(emulator, OTHER)
      const post = { method: "POST", target: "/brand/card-member/cards" }
      const before = emulator.ledger.length
      const cases: ReadonlyArray<readonly [string, Raw, RegExp]> = [
        // A merchant's authentic APIv3 signature does not open a brand path.
        ["merchant scheme", {
          ...post,
          body: templateBody(),
          head: `WECHATPAY2-SHA256-RSA2048 mchid="${merchant.mchid}"`,
          serial: merchant.merchantSerialNumber,
          key: Redacted.value(merchant.merchantPrivateKey),
          wechatpaySerial: own.wechatpaySerial
        }, /认证类型不正确/],
        ["mchid for brand_id", { ...own, ...post, body: templateBody(), head: `WECHATPAY-BRAND-SHA256-RSA2048 mchid="${BRAND}"` }, /mchid/],
        ["unknown brand", { ...own, ...post, body: templateBody(), head: `WECHATPAY-BRAND-SHA256-RSA2048 brand_id="7777777"` }, /品牌ID有误/],
        ["another serial", { ...own, ...post, body: templateBody(), serial: other.serial }, /序列号有误/],
        ["stale timestamp", { ...own, ...post, body: templateBody(), timestamp: Math.floor(Date.now() / 1000) - 301 }, /5分钟/],
        // A few seconds past the limit, not one: the cases are built before they are sent, and a second boundary
        // passing in between would bring +301 back within the window (a flake seen under load).
        ["future timestamp", { ...own, ...post, body: templateBody(), timestamp: Math.floor(Date.now() / 1000) + 310 }, /5分钟/],
        ["another brand's key", { ...own, ...post, body: templateBody(), key: other.key }, /验签失败/]
      ]
      for (const [name, request, message] of cases) {
        const answer = yield* raw(baseUrl, request)
        expect([name, answer.status, answer.json.code]).toEqual([name, 401, "SIGN_ERROR"])
        expect(answer.json.message, name).toMatch(message)
        // An error is not signed.
        expect(answer.headers.get("wechatpay-signature"), name).toBeNull()
      }
      // A bad signature: WeChat echoes what it reconstructed.
      const body = templateBody()
      const bad = yield* raw(baseUrl, { ...own, ...post, body, key: other.key })
      expect(bad.json.detail.sign_information).toMatchObject({ method: "POST", url: "/brand/card-member/cards" })
      expect(bad.json.detail.sign_information.truncated_sign_message).toMatch(/^POST\n\/brand\/card-member\/cards\n\d+\n[0-9A-F]{32}\n\{/)
      // A header that is not of the form at all.
      const malformed = yield* Effect.promise(() =>
        fetch(`${baseUrl}/brand/card-member/cards?offset=0&limit=1`, {
          headers: { accept: "application/json", "user-agent": "t", authorization: "WECHATPAY-BRAND-SHA256-RSA2048 nonsense" }
        }).then((r) => r.json())
      )
      expect(malformed).toMatchObject({ code: "SIGN_ERROR" })
      expect(emulator.ledger.length).toBe(before)
      expect(emulator.brandState(BRAND).templates.filter((t) => t.out_request_no?.startsWith("raw-"))).toHaveLength(1)
    }))

  it.effect("Wechatpay-Serial must be the brand's own PUB_KEY_ID (every call, GET included): else 400 PARAM_ERROR; the brand scheme on a provider path is 401", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { baseUrl } = yield* Emulator.EmulatorServer
      const own = brandParts(emulator)
      const target = "/brand/card-member/cards?offset=0&limit=5"
      const serials = [
        null,
        brandParts(emulator, OTHER).wechatpaySerial,
        emulator.publicKeyId,
        emulator.certificateSerial
      ]
      for (const wechatpaySerial of serials) {
        const answer = yield* raw(baseUrl, { ...own, target, wechatpaySerial })
        expect([answer.status, answer.json.code]).toEqual([400, "PARAM_ERROR"])
        expect(answer.json.message).toBe("Http头Wechatpay-Serial须为brand_id对应的微信支付公钥ID")
      }
      // Authenticated first: an unknown route of the brand's answers 404 only once the brand is known.
      expect((yield* raw(baseUrl, { ...own, target: "/brand/card-member/nothing" })).status).toBe(404)
      const provider = yield* raw(baseUrl, {
        ...own,
        target: `/v3/brand/partner/card-member/cards?brand_id=${BRAND}&offset=0&limit=5`
      })
      expect([provider.status, provider.json.code]).toEqual([401, "SIGN_ERROR"])
    }))

  it.effect("a provider's import and confirm without Wechatpay-Serial are PARAM_ERROR (ON-P 4015336981/4015336979), with it they go on", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { baseUrl } = yield* Emulator.EmulatorServer
      const merchant = emulator.merchantOptions()
      const provider = {
        head: `WECHATPAY2-SHA256-RSA2048 mchid="${merchant.mchid}"`,
        serial: merchant.merchantSerialNumber,
        key: Redacted.value(merchant.merchantPrivateKey)
      }
      const ids = { brand_id: BRAND, card_id: "pNoSuchCard00001", openid: "oProvider", user_card_code: "M1" }
      for (const [target, body] of [
        ["/v3/brand/partner/card-member/user-cards/import-by-openid", ids],
        ["/v3/brand/partner/card-member/user-cards/M1/confirm", { ...ids, user_card_confirm_state: "CREATE_CARD_SUCCESS" }]
      ] as const) {
        const missing = yield* raw(baseUrl, { ...provider, method: "POST", target, body: JSON.stringify(body), wechatpaySerial: null })
        expect([missing.status, missing.json.code, missing.json.message]).toEqual([400, "PARAM_ERROR", "Http头Wechatpay-Serial为必填项"])
        // Named: past that check, to the business rules (the template does not exist).
        const named = yield* raw(baseUrl, {
          ...provider,
          method: "POST",
          target,
          body: JSON.stringify(body),
          wechatpaySerial: Object.keys(merchant.wechatpayPublicKeys)[0]!
        })
        expect(named.json.message).not.toBe("Http头Wechatpay-Serial为必填项")
        expect(named.json.code === "NOT_FOUND" || named.json.code === "INVALID_REQUEST").toBe(true)
      }
      // A read never needs it.
      const read = yield* raw(baseUrl, {
        ...provider,
        target: `/v3/brand/partner/card-member/cards?brand_id=${BRAND}&offset=0&limit=1`,
        wechatpaySerial: null
      })
      expect(read.status).toBe(200)
    }))

  it.effect("faults hit brand routes: an injected error; a dropped answer after applying is an unknown outcome, applied once and not repeated; a tampered signature is caught", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.inject({ endpoint: "BrandCardMember.ListCardTemplates", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      emulator.inject({ endpoint: "BrandCardMember.ListCardTemplates", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      emulator.inject({ endpoint: "BrandCardMember.ListCardTemplates", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      emulator.inject({ endpoint: "BrandCardMember.ListCardTemplates", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR" } })
      const failed = yield* Effect.flip(BrandCardMember.listCardTemplates({ offset: 0, limit: 1 }).pipe(asBrand(OTHER)))
      expect(failed).toMatchObject({ _tag: "SystemError", status: 500 })
      emulator.clearFaults()
      // A member to sync, then the answer dropped after applying: an unknown outcome, which the client does not repeat
      // (an absolute balance repeated late could overwrite a newer one); it was applied once.
      const { legal_agreement: _, ...created } = JSON.parse(templateBody())
      const template = yield* BrandCardMember.createCardTemplate(created).pipe(asBrand(OTHER))
      const openid = fresh("oFault")
      const user_card_code = fresh("11")
      yield* BrandCardMember.importUserCardByOpenid({ card_id: template.card_id, openid, user_card_code }).pipe(asBrand(OTHER))
      emulator.inject({ endpoint: "BrandCardMember.SyncUserPoints", fault: { _tag: "DropAfterApply" } })
      const out_request_no = fresh("drop-")
      const requests = emulator.requests("BrandCardMember.SyncUserPoints")
      const lost = yield* Effect.flip(BrandCardMember.syncUserPoints({
        out_request_no,
        card_id: template.card_id,
        openid,
        user_card_code,
        point_balance: 42
      }).pipe(asBrand(OTHER)))
      expect(lost._tag).toBe("TransportError")
      expect(emulator.requests("BrandCardMember.SyncUserPoints") - requests).toBe(1)
      expect(emulator.applied(out_request_no)).toBe(1)
      expect(emulator.brandState(OTHER).points).toContainEqual({ card_id: template.card_id, user_card_code, point_balance: 42 })
      emulator.inject({ endpoint: "BrandCardMember.GetCardTemplate", fault: { _tag: "TamperSignature" }, times: 5 })
      const tampered = yield* Effect.flip(BrandCardMember.getCardTemplate({ card_id: template.card_id }).pipe(asBrand(OTHER)))
      expect(tampered._tag).toBe("ResponseVerificationError")
      emulator.clearFaults()
    }), 30_000)
})

describe("emulator serve: the brand", () => {
  it.live("the ready line carries the brand (its key in a 0600 file beside the merchant's); a BrandClient configured from it works; the file is removed at exit", () =>
    Effect.gen(function*() {
      const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "bin.ts"), "emulator", "serve"], {
        cwd: root,
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" },
        stdio: ["ignore", "pipe", "pipe"]
      })
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
      const { brand } = ready
      expect(brand.brandId).toBe("1000001")
      expect(brand.brandSerialNumber).toMatch(/^[0-9A-F]{40}$/)
      expect(brand.wechatpayPublicKeyId).toMatch(/^PUB_KEY_ID_/)
      expect(brand.wechatpayPublicKeyId).not.toBe(ready.publicKeyId)
      expect(brand.brandApiKey).toMatch(/^[0-9A-Za-z]{32}$/)
      expect(statSync(brand.brandPrivateKeyFile).mode & 0o777).toBe(0o600)
      expect(dirname(brand.brandPrivateKeyFile)).toBe(dirname(ready.merchantPrivateKeyFile!))
      // The merchant's fields are as before.
      expect(ready.mchid).toMatch(/^\d+$/)
      expect(ready.apiV3Key).toMatch(/^.{32}$/)
      const options = {
        brandId: brand.brandId,
        brandSerialNumber: brand.brandSerialNumber,
        brandPrivateKey: Redacted.make(readFileSync(brand.brandPrivateKeyFile, "utf8")),
        wechatpayPublicKeyId: brand.wechatpayPublicKeyId,
        wechatpayPublicKey: brand.wechatpayPublicKey,
        brandApiKey: Redacted.make(brand.brandApiKey),
        baseUrl: ready.baseUrl
      }
      const listed = yield* BrandCardMember.listCardTemplates({ offset: 0, limit: 5 }).pipe(
        Effect.provide(BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(options))))
      )
      expect(listed).toEqual({ data: [], total_count: 0, offset: 0, limit: 5 })
      child.kill("SIGTERM")
      expect(yield* Effect.promise(() => exited)).toBe(0)
      expect(existsSync(brand.brandPrivateKeyFile)).toBe(false)
    }).pipe(Effect.scoped), 60_000)
})
