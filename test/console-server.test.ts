/**
 * The emulator's console, server side, over real loopback HTTP (`Emulator.layerLoopback({ console: true })`, a
 * merchant's notification endpoint on node:http, the notifier on fetch): what the console serves is what the
 * emulator did, checked against its journal, ledger and notification records.
 *
 * - Every request is listed with its answer (status, Request-ID, caller, endpoint, fault); opened, it shows the
 *   request as received, the sign string the emulator rebuilt, the verdict and, for a 401 SIGN_ERROR, the cause.
 * - Scripted faults (500 / 429 / 202 / drop / forged signature) shape the next answers and show the client's retries;
 *   a write repeated after a drop is applied once (the ledger).
 * - The member's side produces WeChat's notifications (ACCEPT_CARD, TRANSACTION.SUCCESS, USERCARD_MANAGE); they are
 *   shown delivered with their attempts; "deliver again now" cuts a retry wait short and redelivers a settled one.
 * - Live: the event stream carries each request and change.
 * - Guards: only 127.0.0.1/localhost as Host, JSON-only writes, no foreign Origin; limits at and one past.
 * - Secrets: no private key, APIv3 key, brand API key or plain phone number in anything the console serves.
 */
import * as http from "node:http"
import type * as net from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as BrandClient from "../src/BrandClient.js"
import { Media, MemberCard, MemberCardActivity, RetryPolicy } from "../src/index.js"
import { inspectionOf } from "../src/testing/internal/state.js"
import { maskFields, maskPhone } from "../src/testing/console/api.js"
import { Emulator } from "../src/testing/index.js"
import { misSignedCall } from "./support-console.js"
import { fresh } from "./support.js"
import packageJson from "../package.json" with { type: "json" }

/** The merchant's notification endpoint: answers each delivery with the next scripted status and body (200 when none). */
const answers: Array<readonly [status: number, body?: string]> = []
const deliveries: Array<string> = []
const merchantServer = http.createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    deliveries.push(Buffer.concat(chunks).toString("utf8"))
    const [status, body] = answers.shift() ?? [200]
    res.writeHead(status).end(body)
  })
})
await new Promise<void>((resolve) => merchantServer.listen(0, "127.0.0.1", resolve))
const notifyUrl = `http://127.0.0.1:${(merchantServer.address() as net.AddressInfo).port}/notify`

const phone = "13912345678"

const Live = Layer.mergeAll(MemberCard.layer, MemberCardActivity.layer, Media.layer, Emulator.layerNotifier.pipe(Layer.provide(FetchHttpClient.layer))).pipe(
  Layer.provideMerge(Emulator.layerLoopback({ console: true, notifyUrl })),
  Layer.provideMerge(RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "5 millis" }))
)

/** Everything the console served in this file, for the secrets scan at the end. */
const served: Array<string> = []

const consoleUrl = Effect.map(Emulator.EmulatorServer, (server) => server.console!)

const call = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(consoleUrl, (url) =>
    Effect.promise(async () => {
      const response = await fetch(`${url}${path}`, init)
      const text = await response.text()
      served.push(text)
      return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as any }
    }))

const get = (path: string) => Effect.map(call(path), (response) => response.json())

const post = (path: string, body: unknown, method = "POST") =>
  call(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

const card_id = "pbLatjvoRVyDoUFNvvZt2z9Lcv2Q"

const template = (emulator: Emulator.EmulatorState) => emulator.putTemplate({ card_id, appid: "wxd678efh567hg6787" })

layer(Live, { excludeTestServices: true })("the emulator's console, server side", (it) => {
  describe("requests", () => {
    it.effect("a client call is listed newest first with its answer, and opened shows the request, the sign string and the verdict", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20), bonus_value: 5 })
        yield* MemberCard.getUserCard({ card_id, code: card.code })
        const { requests } = yield* get("/api/requests")
        const newest = requests[0]
        const journal = emulator.requestJournal()[0]!
        expect(newest).toMatchObject({
          id: journal.id,
          method: "GET",
          target: `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}`,
          endpoint: "GetUserCard",
          status: 200,
          caller: `mchid ${emulator.mchid}`
        })
        expect(newest.requestId).toBe(journal.result?._tag === "Respond" ? journal.result.headers["request-id"] : "none")
        expect(newest.durationMs).toBeGreaterThanOrEqual(0)
        expect(newest.code).toBeUndefined()
        for (let i = 1; i < requests.length; i++) expect(requests[i].id).toBeLessThan(requests[i - 1].id)

        const detail = yield* get(`/api/requests/${newest.id}`)
        expect(detail.request.headers.authorization).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="/)
        expect(detail.request.body).toBe("")
        expect(detail.signature.verdict.ok).toBe(true)
        expect(detail.signature.signString.lines).toMatchObject({ method: "GET", target: newest.target, body: "" })
        expect(detail.signature.signString.text).toBe(
          `GET\n${newest.target}\n${detail.signature.signString.lines.timestamp}\n${detail.signature.signString.lines.nonce}\n\n`
        )
        expect(detail.signature.cause).toBeUndefined()
        expect(detail.response.status).toBe(200)
        expect(Object.keys(detail.response.headers)).toEqual(expect.arrayContaining([
          "wechatpay-signature",
          "wechatpay-serial",
          "wechatpay-timestamp",
          "wechatpay-nonce",
          "request-id"
        ]))
        expect(JSON.parse(detail.response.body)).toMatchObject({ card_id, code: card.code, bonus_value: 5 })
      }))

    it.effect("a body signed compactly but sent pretty is a 401 SIGN_ERROR whose cause is the body, with what was signed and what was sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const server = yield* Emulator.EmulatorServer
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        const target = `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}/bonus/prepare`
        const order = { out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 30 }
        const compact = JSON.stringify(order)
        const pretty = JSON.stringify(order, null, 2)
        const answer = yield* Effect.promise(() =>
          misSignedCall(emulator, server.baseUrl, { method: "POST", target, signedBody: compact, sentBody: pretty })
        )
        expect(answer.status).toBe(401)
        expect(JSON.parse(answer.body).code).toBe("SIGN_ERROR")
        const { requests } = yield* get("/api/requests")
        const listed = requests.find((r: any) => r.requestId === answer.requestId)
        expect(listed).toMatchObject({ status: 401, code: "SIGN_ERROR", endpoint: "PrepareBonus" })
        const detail = yield* get(`/api/requests/${listed.id}`)
        expect(detail.signature.verdict.ok).toBe(false)
        expect(detail.signature.cause).toMatchObject({ kind: "body", signed: compact, sent: pretty })
        expect(detail.request.body).toBe(pretty)
        expect(emulator.order(order.out_trade_no)).toBeUndefined()
      }))

    it.effect("a request that names another merchant's serial is refused on the serial, and the console says so", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const server = yield* Emulator.EmulatorServer
        const timestamp = String(Math.floor(Date.now() / 1000))
        const target = "/v3/marketing/membercard-open/cards"
        const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${emulator.mchid}",nonce_str="abc",signature="AAAA",` +
          `timestamp="${timestamp}",serial_no="0123456789ABCDEF"`
        const response = yield* Effect.promise(() =>
          fetch(`${server.baseUrl}${target}?offset=0&limit=1`, { headers: { authorization, accept: "*/*", "user-agent": "t" } })
        )
        expect(response.status).toBe(401)
        const { requests } = yield* get("/api/requests")
        const detail = yield* get(`/api/requests/${requests[0].id}`)
        expect(detail.signature.cause.kind).toBe("serial")
        expect(detail.signature.cause.sent).toBe("0123456789ABCDEF")
      }))

    it.effect("a request id that never was (0, negative, not a number, not yet given) is 404; eviction is the journal's test below", () =>
      Effect.gen(function*() {
        for (const id of ["0", "-1", "x", "999999"]) {
          const response = yield* call(`/api/requests/${id}`)
          expect(response.status).toBe(404)
        }
      }))
  })

  describe("faults", () => {
    it.effect("a scripted 500 is listed, shapes the next answer, and the client's retry shows in the list", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        const scripted = yield* post("/api/faults", { endpoint: "GetUserCard", kind: "500", times: 1 })
        expect(scripted.status).toBe(201)
        expect(scripted.json().faults).toEqual([{ endpoint: "GetUserCard", kind: "Error 500 SYSTEM_ERROR", left: 1 }])
        yield* MemberCard.getUserCard({ card_id, code: card.code })
        const { requests } = yield* get("/api/requests")
        expect(requests.slice(0, 2).map((r: any) => [r.endpoint, r.status, r.fault, r.code])).toEqual([
          ["GetUserCard", 200, undefined, undefined],
          ["GetUserCard", 500, "Error 500 SYSTEM_ERROR", "SYSTEM_ERROR"]
        ])
        expect((yield* get("/api/faults")).faults).toEqual([])
      }))

    it.effect("a write whose connection is dropped is repeated by the client with the same key and applied once", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20), bonus_value: 0 })
        yield* post("/api/faults", { endpoint: "SetUserCardRights", kind: "drop", times: 1 })
        const out_request_no = fresh("r")
        yield* MemberCard.setUserCardRights({
          card_id,
          code: card.code,
          before_bonus_value: 0,
          bonus_value: 10,
          add_bonus_value: 10,
          out_request_no
        })
        const { requests } = yield* get("/api/requests")
        expect(requests.slice(0, 2).map((r: any) => [r.endpoint, r.status, r.fault])).toEqual([
          ["SetUserCardRights", 204, undefined],
          ["SetUserCardRights", "dropped", "Drop"]
        ])
        expect(emulator.applied(out_request_no)).toBe(1)
        expect(emulator.card(card_id, card.code)!.bonus_value).toBe(10)
      }))

    it.effect("202, 429 and a forged signature are offered; times is 1–100; clearing empties the list", () =>
      Effect.gen(function*() {
        const overview = yield* get("/api/overview")
        expect(overview.faultKinds.map((k: any) => k.kind)).toEqual(["500", "429", "202", "drop", "forged-signature"])
        expect(overview.faultKinds.find((k: any) => k.kind === "429").label).toBe("429 FREQUENCY_LIMITED")
        expect(overview.endpoints).toContain("GetUserCard")
        for (const [times, status] of [[0, 400], [1, 201], [100, 201], [101, 400], [1.5, 400]] as const) {
          expect((yield* post("/api/faults", { kind: "429", times })).status, `times ${times}`).toBe(status)
        }
        expect((yield* post("/api/faults", { kind: "teapot", times: 1 })).status).toBe(400)
        expect((yield* post("/api/faults", { kind: "202", times: 1, endpoint: "NoSuchEndpoint" })).status).toBe(400)
        yield* post("/api/faults", { kind: "forged-signature", times: 2, endpoint: "GetUserCard" })
        expect((yield* get("/api/faults")).faults).toEqual([
          { kind: "Error 429 FREQUENCY_LIMITED", left: 1 },
          { kind: "Error 429 FREQUENCY_LIMITED", left: 100 },
          { endpoint: "GetUserCard", kind: "TamperSignature", left: 2 }
        ])
        const cleared = yield* post("/api/faults", {}, "DELETE")
        expect(cleared.json()).toEqual({ faults: [] })
        expect((yield* get("/api/faults")).faults).toEqual([])
      }))
  })

  describe("the member's side and notifications", () => {
    it.effect("a claim makes ACCEPT_CARD, shown delivered with its attempt and decrypted content", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        template(emulator)
        const claimed = yield* post("/api/member/claim", { card_id })
        expect(claimed.status).toBe(200)
        const { result } = claimed.json()
        expect(result.url).toContain("activate_ticket=")
        const [record] = yield* Emulator.awaitNotifications((records) =>
          records.some((r) => r.resource.openid === result.openid && r.state === "delivered")
        ).pipe(Effect.map((records) => records.filter((r) => r.resource.openid === result.openid)))
        const { notifications } = yield* get("/api/notifications")
        const shown = notifications.find((n: any) => n.id === record!.id)
        expect(shown).toMatchObject({
          event_type: "MEMBERCARD.ACCEPT_CARD",
          state: "delivered",
          recipient: `mchid ${emulator.mchid}`,
          url: notifyUrl,
          content: { card_id, openid: result.openid, event_type: "NEW_ACTIVATE" }
        })
        expect(shown.attempts).toEqual([{ at: record!.attempts[0]!.at, status: 200 }])
        expect(shown.nextAttemptAt).toBeUndefined()
      }))

    it.effect("the activation form's answers reach GetActivateInformation; the console shows the phone masked", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        template(emulator)
        const claimed = (yield* post("/api/member/claim", { card_id })).json().result
        const code = emulator.allCards().find((c) => c.openid === claimed.openid)!.code
        const filled = yield* post("/api/member/activation-form", { card_id, code, mobile: phone, nickname: "小明" })
        expect(filled.status).toBe(200)
        expect(filled.text).not.toContain(phone)
        const information = yield* MemberCard.getActivateInformation({
          activate_ticket: decodeURIComponent(filled.json().result.activate_ticket)
        })
        // The merchant gets the number WeChat holds; the console shows WeChat's answer with it masked.
        expect(information.user_information?.common_field_list).toEqual([{ name: "USER_FORM_INFO_FLAG_MOBILE", value: phone }])
        const { requests } = yield* get("/api/requests")
        expect(requests[0].endpoint).toBe("GetActivateInformation")
        const detail = yield* get(`/api/requests/${requests[0].id}`)
        expect(detail.response.body).toContain("\"value\":\"139****5678\"")
        expect(detail.response.body).not.toContain(phone)
        const refused = yield* post("/api/member/activation-form", { card_id, code: "no-such-code" })
        expect(refused.status).toBe(400)
        expect(refused.json().error).toContain("no card")
      }))

    it.effect("a payment is notified as TRANSACTION.SUCCESS; its points are due, then prepared, then committed", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        for (const total of [0, -1, "x"]) {
          expect((yield* post("/api/member/pay", { card_id, code: card.code, total })).status, `total ${total}`).toBe(400)
        }
        const paid = (yield* post("/api/member/pay", { card_id, code: card.code, total: 1 })).json().result
        const orderOf = Effect.map(get("/api/state"), (state) =>
          state.merchants[0].orders.find((o: any) => o.out_trade_no === paid.out_trade_no))
        expect(yield* orderOf).toEqual({ out_trade_no: paid.out_trade_no, card_id, code: card.code, total: 1, points: "due" })
        const records = yield* Emulator.awaitNotifications((rs) =>
          rs.some((r) => r.event_type === "TRANSACTION.SUCCESS" && r.resource.out_trade_no === paid.out_trade_no && r.state === "delivered")
        )
        const notified = records.find((r) => r.resource.out_trade_no === paid.out_trade_no)!
        expect(notified.resource).toMatchObject({
          mchid: emulator.mchid,
          trade_state: "SUCCESS",
          payer: { openid: card.openid },
          amount: { total: 1, currency: "CNY" }
        })
        const order = { card_id, code: card.code, out_trade_no: paid.out_trade_no, mchid: emulator.mchid, bonus_value: 3 }
        yield* MemberCard.prepareBonus(order)
        expect((yield* orderOf).points).toBe("prepared")
        yield* MemberCard.commitBonus(order)
        expect(yield* orderOf).toMatchObject({ points: "committed", bonus_value: 3 })
      }))

    it.effect("a member deleting the card is notified as USERCARD_MANAGE and the state shows it deleted", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        expect((yield* post("/api/member/delete", { card_id, code: card.code })).status).toBe(200)
        const state = yield* get("/api/state")
        expect(state.merchants[0].cards.find((c: any) => c.code === card.code).status).toBe("DELETE")
        const last = emulator.notifications().at(-1)!
        expect(last).toMatchObject({
          event_type: "MEMBERCARD.USERCARD_MANAGE",
          resource: { event_type: "USER_DELETE_MEMBERCARD", code: card.code }
        })
        expect((yield* post("/api/member/teleport", { card_id })).status).toBe(404)
        expect((yield* post("/api/member/delete", { card_id })).json().error).toBe("code is required")
      }))

    it.effect("deliver again now: a waiting retry is attempted at once; a delivered one is delivered again", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        answers.push([500, "{\"code\":\"FAIL\",\"message\":\"会员系统繁忙\"}"])
        emulator.userManagesCard({ card_id, code: card.code, action: "USER_VIEW_MEMBERCARD" })
        const id = emulator.notifications().at(-1)!.id
        const shown = () => Effect.map(get("/api/notifications"), ({ notifications }) => notifications.find((n: any) => n.id === id))
        // The first attempt is answered 500: the next is due on WeChat's schedule (60 s later).
        let waiting: any
        for (let i = 0; i < 1000; i++) {
          waiting = yield* shown()
          if (waiting.nextAttemptAt !== undefined) break
          yield* Effect.sleep("10 millis")
        }
        // The merchant's answer is kept with the attempt: why it refused.
        expect(waiting).toMatchObject({ state: "pending", attempts: [{ status: 500, answer: "{\"code\":\"FAIL\",\"message\":\"会员系统繁忙\"}" }] })
        // Due 60 s after the attempt was answered (the attempt is dated when it started).
        expect(waiting.nextAttemptAt - waiting.attempts[0].at).toBeGreaterThanOrEqual(60_000)
        expect(waiting.nextAttemptAt - waiting.attempts[0].at).toBeLessThan(65_000)
        const woken = yield* post(`/api/notifications/${id}/deliver`, {})
        expect(woken.status).toBe(202)
        expect(woken.json()).toEqual({ ok: true, outcome: "woken" })
        yield* Emulator.awaitNotifications((rs) => rs.some((r) => r.id === id && r.state === "delivered"))
        expect((yield* shown()).attempts.map((a: any) => a.status)).toEqual([500, 200])

        const again = yield* post(`/api/notifications/${id}/deliver`, {})
        expect(again.json()).toEqual({ ok: true, outcome: "redelivering" })
        yield* Emulator.awaitNotifications((rs) => rs.some((r) => r.id === id && r.attempts.length === 3 && r.state === "delivered"))
        expect((yield* post("/api/notifications/nope/deliver", {})).status).toBe(404)
      }))
  })

  describe("live updates", () => {
    it.effect("the event stream carries each answered request and each change", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const url = yield* consoleUrl
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        const controller = new AbortController()
        const response = yield* Effect.promise(() => fetch(`${url}/events`, { signal: controller.signal }))
        expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/)
        const reader = response.body!.getReader()
        let text = ""
        const until = (needle: string) =>
          Effect.promise(async () => {
            while (!text.includes(needle)) {
              const { done, value } = await reader.read()
              if (done) break
              text += new TextDecoder().decode(value)
            }
          })
        yield* until("retry: 2000")
        yield* MemberCard.getUserCard({ card_id, code: card.code })
        yield* until("\"endpoint\":\"GetUserCard\"")
        expect(text).toMatch(/event: request\ndata: \{"id":\d+,.*"endpoint":"GetUserCard","status":200/)
        emulator.userManagesCard({ card_id, code: card.code, action: "USER_VIEW_MEMBERCARD" })
        yield* until("event: notification")
        yield* until("event: state")
        yield* post("/api/faults", { kind: "500", times: 1, endpoint: "CommitBonus" })
        yield* until("event: faults")
        yield* post("/api/faults", {}, "DELETE")
        controller.abort()
        served.push(text)
      }))
  })

  describe("guards", () => {
    it.effect("the page is served with a strict content security policy; the API only to 127.0.0.1/localhost", () =>
      Effect.gen(function*() {
        const page = yield* call("")
        expect(page.status).toBe(200)
        expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
        expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/)
        expect(page.text).toContain("<html")
        const server = yield* Emulator.EmulatorServer
        const port = new URL(server.baseUrl).port
        const status = (host: string) =>
          Effect.promise(() =>
            new Promise<number>((resolve, reject) => {
              http.get({ host: "127.0.0.1", port, path: "/console/api/overview", headers: { host } }, (res) => {
                res.resume()
                resolve(res.statusCode!)
              }).on("error", reject)
            })
          )
        expect(yield* status(`127.0.0.1:${port}`)).toBe(200)
        expect(yield* status(`localhost:${port}`)).toBe(200)
        expect(yield* status(`evil.example:${port}`)).toBe(403)
        expect(yield* status("127.0.0.1.evil.example")).toBe(403)
      }))

    it.effect("writes need JSON and no foreign Origin; bodies over 64 KiB are refused", () =>
      Effect.gen(function*() {
        const form = yield* call("/api/faults", { method: "POST", body: "kind=500&times=1" })
        expect(form.status).toBe(415)
        const foreign = yield* call("/api/faults", {
          method: "POST",
          headers: { "content-type": "application/json", origin: "http://evil.example" },
          body: JSON.stringify({ kind: "500", times: 1 })
        })
        expect(foreign.status).toBe(403)
        expect((yield* get("/api/faults")).faults).toEqual([])
        const padding = (n: number) => JSON.stringify({ kind: "drop", times: 1, pad: "x".repeat(n) })
        const at = padding(64 * 1024 - padding(0).length)
        expect(Buffer.byteLength(at)).toBe(64 * 1024)
        expect((yield* call("/api/faults", { method: "POST", headers: { "content-type": "application/json" }, body: at })).status).toBe(201)
        expect((yield* call("/api/faults", { method: "POST", headers: { "content-type": "application/json" }, body: at + " " })).status).toBe(413)
        yield* post("/api/faults", {}, "DELETE")
        expect((yield* call("/api/nothing")).status).toBe(404)
        expect((yield* call("/api/faults", { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404)
      }))

    it.effect("the emulator's API is untouched: /v3/… still answers as WeChat, /consolex is not the console", () =>
      Effect.gen(function*() {
        const server = yield* Emulator.EmulatorServer
        const response = yield* Effect.promise(() => fetch(`${server.baseUrl}/consolex`))
        // Unsigned: WeChat's own refusal, not the console's.
        expect(response.status).toBe(401)
        expect(((yield* Effect.promise(() => response.json())) as any).code).toBe("SIGN_ERROR")
      }))
  })

  describe("delays, large uploads, masked sign strings, bad input, refused member actions", () => {
    it.effect("a request answered after a Delay is listed with that duration; the console's own requests are not journaled", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Delay", millis: 60 } })
        yield* MemberCard.getUserCard({ card_id, code: card.code })
        const before = emulator.requestJournal().length
        const { requests } = yield* get("/api/requests")
        yield* get("/api/overview")
        expect(emulator.requestJournal().length).toBe(before)
        expect(requests[0]).toMatchObject({ endpoint: "GetUserCard", status: 200, fault: "Delay 60 ms" })
        expect(requests[0].durationMs).toBeGreaterThanOrEqual(60)
      }))

    it.effect("an upload over 256 KiB is still checked: its signature covers the meta part, which is kept", () =>
      Effect.gen(function*() {
        const file = new Uint8Array(300 * 1024)
        file.set([0xff, 0xd8, 0xff, 0xe0])
        yield* Media.uploadImage({ file, filename: "big.jpg" })
        const { requests } = yield* get("/api/requests")
        const detail = yield* get(`/api/requests/${requests[0].id}`)
        expect(detail).toMatchObject({ endpoint: "UploadImage", status: 200 })
        expect(detail.request.bodyBytes).toBeGreaterThan(300 * 1024)
        expect(detail.signature.verdict.ok).toBe(true)
        expect(JSON.parse(detail.signature.signString.lines.body)).toMatchObject({ filename: "big.jpg" })
        expect(detail.request.body).toMatch(/--- part "file" \(file "big\.jpg", image\/jpeg, 307200 bytes, sha256 [0-9a-f]{64}\) ---/)
      }))

    it.effect("a phone number inside a mis-signed request is masked in the sign string, its hex, and signed/sent", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const server = yield* Emulator.EmulatorServer
        const target = `/v3/marketing/membercard-open/cards/${card_id}/codes/${phone}/bonus/prepare`
        const order = { out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 1, note: phone }
        yield* Effect.promise(() =>
          misSignedCall(emulator, server.baseUrl, {
            method: "POST",
            target,
            signedBody: JSON.stringify(order),
            sentBody: JSON.stringify(order, null, 2)
          })
        )
        const { requests } = yield* get("/api/requests")
        const detail = yield* get(`/api/requests/${requests[0].id}`)
        expect(detail.signature.cause.kind).toBe("body")
        const text = JSON.stringify(detail)
        expect(text).not.toContain(phone)
        expect(text).not.toContain(Buffer.from(phone).toString("hex"))
        expect(detail.signature.signString.lines.target).toContain("139****5678")
        expect(detail.signature.cause.signed).toContain("\"note\":\"139****5678\"")
        expect(Buffer.from(detail.signature.signString.hex, "hex").toString("latin1")).toContain("139****5678")
      }))

    it.effect("a bad escape in a route, or a JSON number that looks like a phone number, does not break the console", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        emulator.putCard({ card_id, code: "13800000000", bonus_value: 13800000000 })
        const bad = yield* call("/api/notifications/%E0/deliver", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}"
        })
        expect(bad.status).toBe(400)
        const state = yield* get("/api/state")
        // A card code is an identifier, a number an amount: neither is masked, so the card can still be acted on.
        expect(state.merchants[0].cards.find((c: any) => c.code === "13800000000")).toMatchObject({ points: 13800000000 })
      }))

    it.effect("the member's side refuses what WeChat would not do: a payment on a card not EFFECTIVE, a form on an active card, odd totals", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const pending = emulator.putCard({ card_id, code: fresh("c").slice(0, 20), user_card_status: "NOT_ACTIVATE" })
        const active = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        const refusal = (action: string, body: object) => Effect.map(post(`/api/member/${action}`, body), (r) => [r.status, r.json().error])
        expect(yield* refusal("pay", { card_id, code: pending.code, total: 1 })).toEqual([
          400,
          `userPays: card ${card_id}/${pending.code} is NOT_ACTIVATE: points are due on an EFFECTIVE card only`
        ])
        expect((yield* refusal("activation-form", { card_id, code: active.code }))[0]).toBe(400)
        for (const total of ["1e3", "0x10", "12.5", "", 9007199254740992]) {
          expect((yield* refusal("pay", { card_id, code: active.code, total }))[0], `total ${total}`).toBe(400)
        }
        expect((yield* post("/api/member/pay", { card_id, code: active.code, total: "100" })).status).toBe(200)
        const paid = emulator.payments().at(-1)!
        expect(paid).toMatchObject({ card_id, code: active.code, total: 100 })
        expect(paid.transaction_id).toMatch(/^4200\d{24}$/)
        expect(() => emulator.userPays({ card_id, code: active.code, total: 1, out_trade_no: paid.out_trade_no })).toThrow("paid already")
      }))
  })

  describe("brands, orders, activities and service modules, bodies kept in part, closed streams", () => {
    it.effect("a brand's member side: open, points sync, redeem, delete — each notified to the template's notify_url, shown with the brand as recipient", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const { card_id: brandCard } = yield* BrandCardMember.createCardTemplate({
          out_request_no: fresh("tpl-"),
          appid: "wxd678efh567hg6787",
          card_type: "NORMAL",
          code_mode: "SYSTEM_ALLOCATE",
          code_type: "QR_CODE",
          card_title: "会员卡",
          card_color: "#FF0000",
          card_picture_url: "https://qpic.cn/card.png",
          benefits: "积分兑礼",
          notify_url: notifyUrl,
          valid_date_information: { type: "PERMANENT" }
        }).pipe(Effect.provide(BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(emulator.brandOptions())))))
        const before = emulator.notifications().length
        const opened = (yield* post("/api/member/brand-open", { card_id: brandCard })).json().result
        expect(opened).toMatchObject({ card_id: brandCard, user_card_state: "UNACTIVATED" })
        const { openid } = opened
        // Not in effect until the brand confirms it: WeChat asks for no balance of such a card.
        const early = yield* post("/api/member/brand-points-sync", { card_id: brandCard, openid })
        expect([early.status, early.json().error]).toEqual([400, `the card of ${openid} is not in effect`])
        yield* BrandCardMember.confirmUserCard({
          user_card_code: opened.user_card_code,
          card_id: brandCard,
          openid,
          user_card_confirm_state: "CREATE_CARD_SUCCESS"
        }).pipe(Effect.provide(BrandCardMember.layer.pipe(Layer.provideMerge(BrandClient.layerNode(emulator.brandOptions())))))
        expect((yield* post("/api/member/brand-points-sync", { card_id: brandCard, openid })).json().result).toMatchObject({ openid })
        for (const deduct_points of [0, -1, "1e1"]) {
          expect((yield* post("/api/member/brand-redeem", { card_id: brandCard, openid, deduct_points })).status).toBe(400)
        }
        expect((yield* post("/api/member/brand-redeem", { card_id: brandCard, openid, deduct_points: 10 })).json().result)
          .toMatchObject({ deduct_points: 10, openid })
        expect((yield* post("/api/member/brand-delete", { card_id: brandCard, openid })).json().result)
          .toMatchObject({ user_card_state: "INVALID" })
        expect((yield* post("/api/member/brand-delete", { card_id: brandCard })).json().error).toBe("openid is required")
        const { notifications } = yield* get("/api/notifications")
        const made = notifications.slice(0, emulator.notifications().length - before).map((n: any) => [n.event_type, n.recipient])
        expect(made).toEqual([
          ["BRAND_MEMBER_CARD.USER_CARD.DELETE", "brand_id 1000001"],
          ["BRAND_MEMBER_CARD.POINT_EXCHANGE_COUPON", "brand_id 1000001"],
          ["BRAND_MEMBER_CARD.SYNC_USER_POINT", "brand_id 1000001"],
          ["BRAND_MEMBER_CARD.USER_CARD.CREATE", "brand_id 1000001"]
        ])
        const state = yield* get("/api/state")
        expect(state.brands[0].userCards.find((c: any) => c.openid === openid)).toMatchObject({ card_id: brandCard })
      }))

    it.effect("a bonus order without a payment is listed prepared, then committed, under its card; the overview names what the page offers", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
        const order = { card_id, code: card.code, out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 7 }
        yield* MemberCard.prepareBonus(order)
        const listed = Effect.map(get("/api/state"), (state) => state.merchants[0].orders.find((o: any) => o.out_trade_no === order.out_trade_no))
        expect(yield* listed).toEqual({ out_trade_no: order.out_trade_no, card_id, code: card.code, points: "prepared", bonus_value: 7 })
        yield* MemberCard.commitBonus(order)
        expect((yield* listed).points).toBe("committed")
        expect((yield* get("/api/state")).merchants[0].ledger).toBe(emulator.ledger.filter((e) => e.mchid === emulator.mchid).length)
        const overview = yield* get("/api/overview")
        expect(overview.memberActions).toEqual(["claim", "activation-form", "pay", "delete", "brand-open", "brand-delete", "brand-points-sync", "brand-redeem"])
        expect(overview.merchants[0]).toMatchObject({ mchid: emulator.mchid, callbackUrl: notifyUrl, serviceProvider: false })
        expect(overview).toMatchObject({ version: packageJson.version, notifier: true, baseUrl: (yield* Emulator.EmulatorServer).baseUrl })
      }))

    it.effect("activities are listed as GetActivity answers them (CREATED before begin_time, ONGOING, TERMINATED); service modules, the template's and each member's state", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const card = `pbLatjvoRVyDoUFNvvZt${fresh("").slice(-8).padStart(8, "0")}`
        emulator.putTemplate({ card_id: card, status: "APPROVED", service_modules: [{ service_module_id: "777" }] })
        const beijing = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace("Z", "+08:00")
        const activity = (begin: number) =>
          MemberCardActivity.createActivity({
            card_id: card,
            activity_name: "回馈活动",
            activity_type: "NON_MEMBER_AFTERPAY",
            begin_time: beijing(begin),
            end_time: beijing(Date.now() + 10 * 86_400_000),
            stock_list: [{ stock_creator_mchid: emulator.mchid, stock_id: "98065001" }],
            out_request_no: fresh("act-")
          })
        const later = yield* activity(Date.now() + 86_400_000)
        const now = yield* activity(Date.now() - 3_600_000)
        const running = yield* activity(Date.now() - 3_600_000)
        yield* MemberCardActivity.terminateActivity({ activity_id: running.activity_id })
        const member = emulator.putCard({ card_id: card, code: fresh("m").slice(0, 20) })
        const state_setting = { state_id: "PARKED", content_template_data: { field_list: [{ field_id: "plate_number", field_value: "粤B12345" }] } }
        yield* MemberCard.setServiceModuleData({ card_id: card, code: member.code, out_request_no: fresh("smd-"), service_module_id: "777", state_setting })
        const merchant = (yield* get("/api/state")).merchants[0]
        const listed = (id: string) => merchant.activities.find((a: any) => a.activity_id === id)
        for (const [created, status] of [[later, "CREATED"], [now, "ONGOING"], [running, "TERMINATED"]] as const) {
          const answered = yield* MemberCardActivity.getActivity({ activity_id: created.activity_id })
          expect(answered.activity_status).toBe(status)
          expect(listed(created.activity_id)).toEqual(JSON.parse(JSON.stringify(answered)))
        }
        expect(merchant.serviceModules).toContainEqual({ card_id: card, service_module_id: "777" })
        expect(merchant.serviceModules).toContainEqual({ member: `${card}/${member.code}`, service_module_id: "777", state_setting })
      }))

    it.effect("a body over 256 KiB is kept in part and said so; cookies are never shown; the page answers GET and HEAD only; a body that is not JSON is 400", () =>
      Effect.gen(function*() {
        const server = yield* Emulator.EmulatorServer
        const big = JSON.stringify({ padding: "x".repeat(300 * 1024) })
        yield* Effect.promise(() =>
          fetch(`${server.baseUrl}/v3/marketing/membercard-open/cards`, {
            method: "POST",
            headers: { "content-type": "application/json", cookie: "session=s3cr3t-of-another-app", accept: "*/*", "user-agent": "t" },
            body: big
          }).then((r) => r.text())
        )
        const { requests } = yield* get("/api/requests")
        const detail = yield* get(`/api/requests/${requests[0].id}`)
        expect(detail.request.bodyBytes).toBe(big.length)
        expect(detail.request.body.endsWith(`\n… (${big.length - 256 * 1024} more bytes not kept)`)).toBe(true)
        expect(detail.signature.verdict).toEqual({
          ok: false,
          summary: "The body (" + big.length + " bytes) was too large to keep, so its sign string is not shown; the emulator answered 401."
        })
        expect(detail.request.headers.cookie).toBe(`(${"session=s3cr3t-of-another-app".length} characters, not shown)`)
        expect(JSON.stringify(detail)).not.toContain("s3cr3t")
        expect((yield* call("", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(405)
        const head = yield* call("", { method: "HEAD" })
        expect([head.status, head.text]).toEqual([200, ""])
        expect(Number(head.headers.get("content-length"))).toBeGreaterThan(10_000)
        const notJson = yield* call("/api/faults", { method: "POST", headers: { "content-type": "application/json" }, body: "{kind:" })
        expect([notJson.status, notJson.json()]).toEqual([400, { error: "the body is not JSON" }])
      }))

    it.effect("an event stream that closes stops listening: nothing is left subscribed", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const url = yield* consoleUrl
        const { journal } = inspectionOf(emulator)
        const before = journal.listening
        const controller = new AbortController()
        const response = yield* Effect.promise(() => fetch(`${url}/events`, { signal: controller.signal }))
        const reader = response.body!.getReader()
        yield* Effect.promise(() => reader.read())
        expect(journal.listening).toBe(before + 1)
        controller.abort()
        for (let i = 0; i < 500 && journal.listening !== before; i++) yield* Effect.sleep("10 millis")
        expect(journal.listening).toBe(before)
      }))
  })

  describe("secrets", () => {
    it.effect("nothing the console served holds a private key, the APIv3 key, the brand API key or a phone number in plain", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const overview = yield* get("/api/overview")
        served.push(JSON.stringify(yield* get("/api/state")), JSON.stringify(yield* get("/api/notifications")))
        for (const { requests } of [yield* get("/api/requests")]) {
          for (const r of requests.slice(0, 50)) served.push(JSON.stringify(yield* get(`/api/requests/${r.id}`)))
        }
        const all = served.join("\n")
        const apiV3Key = Redacted.value(emulator.apiV3Key)
        const brandApiKey = Redacted.value(emulator.brandOptions().brandApiKey)
        const privateKey = Redacted.value(emulator.merchantPrivateKey!)
        expect(all).not.toContain("PRIVATE KEY")
        expect(all).not.toContain(privateKey.split("\n")[1]!)
        expect(all).not.toContain(apiV3Key)
        expect(all).not.toContain(brandApiKey)
        expect(all).not.toContain(phone)
        expect(overview.merchants[0].apiV3Key).toBe(`${apiV3Key.slice(0, 2)}…${apiV3Key.slice(-2)} (32)`)
        expect(overview.brands[0].brandApiKey).toBe(`${brandApiKey.slice(0, 2)}…${brandApiKey.slice(-2)} (32)`)
        expect(served.length).toBeGreaterThan(20)
      }))
  })
})

describe("the console's masks", () => {
  it("maskPhone: an 11-digit mainland mobile number on its own, with or without +86; not inside a longer identifier", () => {
    expect(maskPhone("tel 13912345678.")).toBe("tel 139****5678.")
    expect(maskPhone("+8613912345678 and 8613912345678")).toBe("+86139****5678 and 86139****5678")
    expect(maskPhone("{\"mobile\":\"19912345678\"}")).toBe("{\"mobile\":\"199****5678\"}")
    // Not a mobile number: 12 digits, a 12… prefix, inside an order number or a nonce.
    for (const text of ["139123456789", "12912345678", "E17966176951d9f3", "a13912345678", "13912345678b"]) {
      expect(maskPhone(text), text).toBe(text)
    }
  })

  it("maskFields: strings masked but identifiers; numbers and keys untouched; nested arrays and objects copied", () => {
    const value = {
      code: "13912345678",
      openid: "o13912345678",
      phone_number: "13912345678",
      points: 13912345678,
      user_information: { common_field_list: [{ name: "USER_FORM_INFO_FLAG_MOBILE", value: "13912345678" }] }
    }
    expect(maskFields(value)).toEqual({
      code: "13912345678",
      openid: "o13912345678",
      phone_number: "139****5678",
      points: 13912345678,
      user_information: { common_field_list: [{ name: "USER_FORM_INFO_FLAG_MOBILE", value: "139****5678" }] }
    })
    expect(value.phone_number).toBe("13912345678")
  })
})

describe("the journal", () => {
  it.live("keeps the last 500 requests, newest first; an evicted one is 404; a request cut short is listed as dropped", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const server = yield* Emulator.serve(emulator, { console: true })
      const unsigned = { method: "GET", target: "/v3/nothing", headers: {}, body: "" }
      yield* Effect.forEach(Array.from({ length: 505 }), () => emulator.handle(unsigned), { discard: true })
      const journal = emulator.requestJournal()
      expect(journal.map((entry) => entry.id)).toEqual(Array.from({ length: 500 }, (_, i) => 505 - i))
      const json = (path: string) => Effect.promise(() => fetch(`${server.console}${path}`).then(async (r) => [r.status, (await r.json()) as any] as const))
      const [, listed] = yield* json("/api/requests")
      expect(listed.requests).toHaveLength(500)
      expect(listed.requests.at(-1).id).toBe(6)
      expect((yield* json("/api/requests/5"))[0]).toBe(404)
      expect((yield* json("/api/requests/6"))[0]).toBe(200)

      emulator.inject({ fault: { _tag: "Delay", millis: 5_000 } })
      const cut = yield* emulator.handle(unsigned).pipe(Effect.timeoutOption("20 millis"))
      expect(cut._tag).toBe("None")
      expect(emulator.requestJournal()[0]).toMatchObject({ id: 506, result: { _tag: "Drop" } })
      const [, shown] = yield* json("/api/requests")
      expect(shown.requests[0]).toMatchObject({ id: 506, status: "dropped", fault: "Delay 5000 ms" })
    })))

  it.live("served without a notifier: \"deliver again now\" is refused with 409 and says so", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const server = yield* Emulator.serve(emulator, { console: true })
      emulator.putTemplate({ card_id })
      emulator.openActivationPage({ card_id })
      const id = emulator.notifications()[0]!.id
      const answer = yield* Effect.promise(() =>
        fetch(`${server.console}/api/notifications/${id}/deliver`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
          .then(async (r) => [r.status, await r.json()] as const)
      )
      expect(answer[0]).toBe(409)
      expect((answer[1] as { readonly error: string }).error).toContain("no notifier")
    })))
})
