/**
 * The emulator's console in a real browser (headless Chromium through playwright-core): the page served at
 * `/console` over real loopback HTTP, with a notifier delivering to a merchant's notification endpoint on node:http.
 *
 * - A client call shows up in the request list live (no reload); opened, it shows the verdict and the sign string.
 * - A body signed compactly but sent pretty shows as a 401 SIGN_ERROR whose cause is the body, signed beside sent.
 * - The member's side, from the page: a claim's ACCEPT_CARD notification is shown delivered, with its attempt and
 *   its decrypted content.
 * - Faults, from the page: a scripted 500 and the client's retry are listed; the script is used up.
 * - "Deliver again now" cuts WeChat's 60 s wait after a failed delivery short.
 * - Secrets: nothing the console served (page, JSON, event stream) holds a private key, the APIv3 key, the brand API
 *   key or a phone number in plain; no console error (a Content-Security-Policy violation would be one).
 *
 * Chromium: `CHROMIUM_PATH`, else /usr/bin/chromium. Without it the file is skipped, unless
 * `WECHATPAY_TEST_BROWSER=required` (CI), where it fails.
 */
import { existsSync } from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { type Browser, chromium, type Page } from "playwright-core"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { chromiumArgs, chromiumPath, misSignedCall } from "./support-console.js"
import { fresh } from "./support.js"

const browserFound = existsSync(chromiumPath)
const browserRequired = process.env.WECHATPAY_TEST_BROWSER === "required"

const card_id = "pbLatjvoRVyDoUFNvvZt2z9Lcv2Q"
const phone = "13912345678"
const maskedPhone = "139****5678"

/** The merchant's notification endpoint: 200, except 500 to the first delivery of each event type in `failOnce`. */
const failOnce: Array<string> = []
const deliveries: Array<{ readonly event_type: string; readonly status: number }> = []
const merchantServer = http.createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    let event_type = ""
    try {
      event_type = String(JSON.parse(Buffer.concat(chunks).toString("utf8")).event_type)
    } catch {
      // not JSON: answered 200 like any other
    }
    const index = failOnce.indexOf(event_type)
    const status = index === -1 ? 200 : 500
    if (index !== -1) failOnce.splice(index, 1)
    deliveries.push({ event_type, status })
    // A refusal says why, as a merchant's endpoint should: the console shows the answer with the attempt.
    res.writeHead(status).end(status === 500 ? "{\"code\":\"FAIL\",\"message\":\"busy\"}" : undefined)
  })
})

const live = (notifyUrl: string) =>
  Layer.mergeAll(MemberCard.layer, Emulator.layerNotifier.pipe(Layer.provide(FetchHttpClient.layer))).pipe(
    Layer.provideMerge(Emulator.layerLoopback({ console: true, notifyUrl })),
    Layer.provideMerge(RetryPolicy.layer({ baseDelay: "1 millis", maxDelay: "5 millis" }))
  )

type Runtime = ManagedRuntime.ManagedRuntime<Layer.Success<ReturnType<typeof live>>, unknown>

let runtime: Runtime
let emulator: Emulator.EmulatorState
let baseUrl: string
let consoleUrl: string
let browser: Browser

/** Everything the console served during the file, for the secrets scan: page HTML, JSON answers, the event stream. */
const served: Array<string> = []
const pendingBodies: Array<Promise<void>> = []
/** How many JSON answers of the console's API the pages received (all of them are in `served`). */
let apiAnswers = 0
const events = { text: "", controller: new AbortController() }
/** Console errors and uncaught exceptions of every page (a CSP violation is a console error). */
const browserErrors: Array<string> = []
const pages: Array<Page> = []

const run = <A, E>(effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof live>>>): Promise<A> => runtime.runPromise(effect)

/** A new tab on the console, once the page has loaded everything and its event stream is open. */
const openConsole = async (view = "requests"): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  pages.push(page)
  page.on("console", (message) => {
    if (message.type() === "error") browserErrors.push(`console: ${message.text()}`)
  })
  page.on("pageerror", (error) => browserErrors.push(`pageerror: ${error.message}`))
  page.on("response", (response) => {
    if (response.url().includes("/console/api/")) {
      pendingBodies.push(response.text().then((text) => {
        apiAnswers++
        served.push(text)
      }, () => undefined))
    }
  })
  await page.goto(`${consoleUrl}#${view}`)
  await page.locator("#live.on").waitFor()
  // Loaded: overview (identities), requests (a row or the empty row), state, notifications and faults rendered.
  await page.waitForFunction(`
    document.querySelector("#identities li") !== null &&
    document.querySelector("#requests tr") !== null &&
    document.querySelector("#faults tr") !== null &&
    !document.querySelector("#state-body").textContent.startsWith("Loading") &&
    !document.querySelector("#notifications-body").textContent.startsWith("Loading")`)
  return page
}

/** Go to a view by its tab, as a person would; its HTML is kept for the secrets scan. */
const show = async (page: Page, view: string): Promise<void> => {
  await page.locator(`nav a[data-view="${view}"]`).click()
  await page.locator(`main > section[data-view="${view}"]`).waitFor()
  served.push(await page.content())
}

const row = (page: Page, id: number) => page.locator(`#requests tr[data-request-id="${id}"]`)
const field = (root: ReturnType<Page["locator"]>, name: string) => root.locator(`[data-field="${name}"]`)

/** The journal's newest entry (the request just answered). */
const newest = () => emulator.requestJournal()[0]!

describe.skipIf(!browserFound && !browserRequired)(
  browserFound || browserRequired
    ? "the emulator's console in a browser"
    : `the emulator's console in a browser (skipped: no Chromium at ${chromiumPath}; set CHROMIUM_PATH)`,
  () => {
    beforeAll(async () => {
      if (!browserFound) {
        throw new Error(`WECHATPAY_TEST_BROWSER=required, but there is no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`)
      }
      await new Promise<void>((resolve) => merchantServer.listen(0, "127.0.0.1", resolve))
      const notifyUrl = `http://127.0.0.1:${(merchantServer.address() as net.AddressInfo).port}/notify`
      runtime = ManagedRuntime.make(live(notifyUrl))
      const server = await run(Effect.gen(function*() {
        emulator = yield* Emulator.Emulator
        return yield* Emulator.EmulatorServer
      }))
      baseUrl = server.baseUrl
      consoleUrl = server.console!
      // The raw event stream, for the whole file.
      const stream = await fetch(`${consoleUrl}/events`, { signal: events.controller.signal })
      const reader = stream.body!.getReader()
      const decoder = new TextDecoder()
      void (async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            events.text += decoder.decode(value, { stream: true })
          }
        } catch {
          // aborted at the end of the file
        }
      })()
      // The page as served, before any script ran.
      served.push(await (await fetch(consoleUrl)).text())
      browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] })
    })

    afterEach(async () => {
      for (const page of pages.splice(0)) {
        await Promise.all(pendingBodies.splice(0))
        served.push(await page.content())
        await page.close()
      }
    })

    afterAll(async () => {
      await browser?.close()
      events.controller.abort()
      await runtime?.dispose()
      await new Promise<void>((resolve) => merchantServer.close(() => resolve()))
    })

    it("a client call shows up in the request list live; opened, it shows the verdict ok and the sign string's five lines", async () => {
      const page = await openConsole()
      // A mark on the window: gone if the page were reloaded.
      await page.evaluate(() => void Object.assign(globalThis, { consoleTestMark: "no reload" }))
      const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20), bonus_value: 5 })
      await run(MemberCard.getUserCard({ card_id, code: card.code }))
      const entry = newest()
      expect(entry.endpoint).toBe("GetUserCard")
      const target = `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}`

      const listed = row(page, entry.id)
      await listed.waitFor()
      expect(await field(listed, "method").textContent()).toBe("GET")
      expect(await field(listed, "target").textContent()).toBe(target)
      expect(await field(listed, "status").textContent()).toBe("200")
      expect(await field(listed, "caller").textContent()).toBe(`mchid ${emulator.mchid}`)
      expect(await field(listed, "request-id").textContent()).toBe(
        entry.result?._tag === "Respond" ? entry.result.headers["request-id"] : "none"
      )
      // Newest first.
      expect(await page.locator("#requests tr[data-request-id]").first().getAttribute("data-request-id")).toBe(String(entry.id))
      expect(await page.evaluate(() => (globalThis as { consoleTestMark?: string }).consoleTestMark)).toBe("no reload")

      await listed.click()
      const detail = page.locator("#request-detail")
      await field(detail, "verdict").waitFor()
      expect(page.url()).toMatch(new RegExp(`#requests/${entry.id}$`))
      expect(await field(detail, "verdict").locator(".badge").textContent()).toBe("ok")
      expect(await field(detail, "cause").count()).toBe(0)
      const authorization = entry.headers["authorization"]!
      const timestamp = /timestamp="(\d+)"/.exec(authorization)![1]!
      const nonce = /nonce_str="([^"]+)"/.exec(authorization)![1]!
      const lines = field(detail, "sign-string").locator("tr[data-line]")
      expect(await lines.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-line"), tr.querySelector("td")!.textContent])))
        .toEqual([
          ["method", "GET↵"],
          ["target", `${target}↵`],
          ["timestamp", `${timestamp}↵`],
          ["nonce", `${nonce}↵`],
          ["body", "(empty)↵"]
        ])
      served.push(await page.content())
    })

    it("a body signed compactly but sent pretty shows 401 SIGN_ERROR; opened, the cause is the body, signed beside sent", async () => {
      const page = await openConsole()
      const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
      const target = `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}/bonus/prepare`
      const order = { out_trade_no: fresh("T"), mchid: emulator.mchid, bonus_value: 30 }
      const compact = JSON.stringify(order)
      const pretty = JSON.stringify(order, null, 2)
      const answer = await misSignedCall(emulator, baseUrl, { method: "POST", target, signedBody: compact, sentBody: pretty })
      expect(answer.status).toBe(401)
      expect(answer.requestId).toBeTruthy()

      const listed = page.locator("#requests tr[data-request-id]").filter({
        has: page.locator(`[data-field="request-id"]`, { hasText: answer.requestId! })
      })
      await listed.waitFor()
      expect(await field(listed, "method").textContent()).toBe("POST")
      expect(await field(listed, "target").textContent()).toBe(target)
      expect(await field(listed, "status").textContent()).toBe("401")
      expect(await field(listed, "code").textContent()).toBe("SIGN_ERROR")

      await listed.click()
      const detail = page.locator("#request-detail")
      await field(detail, "cause").waitFor()
      expect(await field(detail, "verdict").locator(".badge").textContent()).toBe("refused")
      expect(await field(detail, "cause-kind").textContent()).toBe("body")
      // The line feeds of the pretty body are shown as ↵ (and kept).
      expect(await field(detail, "signed").textContent()).toBe(compact)
      expect(await field(detail, "sent").textContent()).toBe(pretty.replaceAll("\n", "↵\n"))
      expect(await field(detail, "signed").locator("mark").count()).toBe(1)
      expect(await field(detail, "request-body").textContent()).toBe(pretty)
      expect(emulator.order(order.out_trade_no)).toBeUndefined()
      served.push(await page.content())
    })

    it("a claim made from the member's side is notified as ACCEPT_CARD, shown delivered with one attempt and the decrypted content", async () => {
      emulator.putTemplate({ card_id, appid: "wxd678efh567hg6787" })
      const page = await openConsole()
      await show(page, "member")
      const form = page.locator(`form[data-action="claim"]`)
      await form.locator(`input[name="card_id"]`).fill(card_id)
      await form.locator(`button[type="submit"]`).click()
      const result = field(form, "member-result").locator("pre")
      await result.waitFor()
      const claimed = JSON.parse((await result.textContent())!) as { readonly openid: string; readonly url: string }
      expect(claimed.url).toContain("activate_ticket=")

      await show(page, "notifications")
      const notification = page.locator("article[data-notification-id]").filter({
        has: page.locator(`[data-field="content"]`, { hasText: claimed.openid })
      })
      await notification.waitFor()
      expect(await field(notification, "event-type").textContent()).toBe("MEMBERCARD.ACCEPT_CARD")
      // Delivered: shown without a reload, when the notifier's attempt was answered.
      await expect.poll(() => field(notification, "state").textContent()).toBe("delivered")
      expect(await field(notification, "attempts").locator("li").count()).toBe(1)
      expect(await field(notification, "attempts").locator("li .st").textContent()).toBe("200")
      expect(await field(notification, "next-attempt").count()).toBe(0)
      const content = JSON.parse((await field(notification, "content").textContent())!)
      expect(content).toMatchObject({ card_id, openid: claimed.openid })
      expect(deliveries.filter((d) => d.event_type === "MEMBERCARD.ACCEPT_CARD")).toEqual([
        { event_type: "MEMBERCARD.ACCEPT_CARD", status: 200 }
      ])
      served.push(await page.content())
    })

    it("the fault kinds are offered with their labels; a 500 scripted from the page is listed with the client's retry after it, and the script is then used up", async () => {
      const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
      const page = await openConsole()
      await show(page, "faults")
      const form = page.locator("#fault-form")
      // The kinds offered, each shown with its label, as the overview serves them.
      expect(await form.locator(`select[name="kind"] option`).evaluateAll((options) =>
        options.map((option) => [option.getAttribute("value"), option.textContent])
      )).toEqual([
        ["500", "500 SYSTEM_ERROR"],
        ["429", "429 FREQUENCY_LIMITED"],
        ["202", "202 Accepted (nothing applied)"],
        ["drop", "dropped connection"],
        ["forged-signature", "forged signature"]
      ])
      await form.locator(`select[name="endpoint"]`).selectOption("GetUserCard")
      await form.locator(`select[name="kind"]`).selectOption("500")
      await form.locator(`input[name="times"]`).fill("1")
      await form.locator(`button[type="submit"]`).click()
      const scripted = page.locator(`#faults tr[data-fault="GetUserCard Error 500 SYSTEM_ERROR"]`)
      await scripted.waitFor()
      expect(await scripted.locator("td").allTextContents()).toEqual(["GetUserCard", "Error 500 SYSTEM_ERROR", "1"])
      expect(await page.locator("#fault-count").textContent()).toBe("1")

      await run(MemberCard.getUserCard({ card_id, code: card.code }))
      const [retried, failed] = emulator.requestJournal()
      await show(page, "requests")
      await row(page, retried!.id).waitFor()
      expect(await page.locator("#requests tr[data-request-id]").evaluateAll((trs) =>
        trs.slice(0, 2).map((tr) => tr.getAttribute("data-request-id"))
      )).toEqual([String(retried!.id), String(failed!.id)])
      const shown = async (id: number) => {
        const tr = row(page, id)
        return [
          await field(tr, "target").getAttribute("title"),
          await field(tr, "status").textContent(),
          await field(tr, "code").textContent(),
          await field(tr, "fault").textContent()
        ]
      }
      const target = `/v3/marketing/membercard-open/cards/${card_id}/codes/${card.code}`
      expect(await shown(failed!.id)).toEqual([`${target}\n→ GetUserCard`, "500", "SYSTEM_ERROR", "Error 500 SYSTEM_ERROR"])
      expect(await shown(retried!.id)).toEqual([`${target}\n→ GetUserCard`, "200", "", ""])

      await show(page, "faults")
      await page.locator(`#faults tr[data-fault]`).waitFor({ state: "detached" })
      expect(await page.locator("#faults").textContent()).toContain("No fault scripted")
      expect(await page.locator("#fault-count").textContent()).toBe("")
    })

    it("deliver again now: a delivery answered 500 waits 60 s, shown pending with a countdown; the button delivers it at once", async () => {
      const card = emulator.putCard({ card_id, code: fresh("c").slice(0, 20) })
      const page = await openConsole("notifications")
      failOnce.push("MEMBERCARD.USERCARD_MANAGE")
      emulator.userManagesCard({ card_id, code: card.code, action: "USER_VIEW_MEMBERCARD" })
      const id = emulator.notifications().at(-1)!.id
      const notification = page.locator(`article[data-notification-id="${id}"]`)
      const next = field(notification, "next-attempt")
      await next.waitFor()
      expect(await field(notification, "state").textContent()).toBe("pending")
      expect(await field(notification, "attempts").locator("li .st").allTextContents()).toEqual(["500"])
      expect(await field(notification, "attempts").locator("li [data-field=\"answer\"]").allTextContents())
        .toEqual(["{\"code\":\"FAIL\",\"message\":\"busy\"}"])
      const countdown = (await next.textContent())!
      // "next attempt in 59s (hh:mm:ss)" or "in 1m 00s": due 60 s after the attempt was answered.
      const [, minutes, secs] = /^next attempt in (?:(\d+)m )?(\d+)s \(\d\d:\d\d:\d\d\)$/.exec(countdown) ?? []
      const seconds = Number(minutes ?? 0) * 60 + Number(secs)
      expect(seconds, countdown).toBeGreaterThanOrEqual(50)
      expect(seconds, countdown).toBeLessThanOrEqual(65)
      expect(await page.locator("#pending-count").textContent()).not.toBe("")
      // It counts down.
      await expect.poll(() => next.textContent(), { timeout: 3000 }).not.toBe(countdown)
      served.push(await page.content())

      const clicked = Date.now()
      await field(notification, "state").locator("xpath=..").locator(`button[data-action="deliver"]`).click()
      await expect.poll(() => field(notification, "state").textContent(), { timeout: 10_000 }).toBe("delivered")
      expect(Date.now() - clicked).toBeLessThan(10_000)
      expect(await field(notification, "attempts").locator("li .st").allTextContents()).toEqual(["500", "200"])
      expect(await next.count()).toBe(0)
      expect(deliveries.filter((d) => d.event_type === "MEMBERCARD.USERCARD_MANAGE").map((d) => d.status)).toEqual([500, 200])
    })

    it("a phone number filled in from the page is shown masked; nothing served holds a secret or a phone number in plain", async () => {
      emulator.putTemplate({ card_id, appid: "wxd678efh567hg6787" })
      const page = await openConsole("member")
      const claim = page.locator(`form[data-action="claim"]`)
      await claim.locator(`input[name="card_id"]`).fill(card_id)
      await claim.locator(`button[type="submit"]`).click()
      await field(claim, "member-result").locator("pre").waitFor()
      const { openid } = JSON.parse((await field(claim, "member-result").locator("pre").textContent())!) as { readonly openid: string }
      const code = emulator.allCards().find((c) => c.openid === openid)!.code

      const activation = page.locator(`form[data-action="activation-form"]`)
      await activation.locator(`input[name="card_id"]`).fill(card_id)
      await activation.locator(`input[name="code"]`).fill(code)
      await activation.locator(`input[name="nickname"]`).fill("小明")
      await activation.locator(`input[name="mobile"]`).fill(phone)
      await activation.locator(`button[type="submit"]`).click()
      const filled = field(activation, "member-result").locator("pre")
      await filled.waitFor()
      served.push(await page.content())
      const { activate_ticket } = JSON.parse((await filled.textContent())!) as { readonly activate_ticket: string }

      // The merchant reads the form: it gets the number WeChat holds; the console shows WeChat's answer masked.
      const information = await run(MemberCard.getActivateInformation({ activate_ticket: decodeURIComponent(activate_ticket) }))
      expect(information.user_information?.common_field_list).toEqual([{ name: "USER_FORM_INFO_FLAG_MOBILE", value: phone }])
      const entry = newest()
      expect(entry.endpoint).toBe("GetActivateInformation")
      await show(page, "requests")
      await row(page, entry.id).click()
      const body = field(page.locator("#request-detail"), "response").locator("pre")
      await body.waitFor()
      expect(await body.textContent()).toContain(`"value":"${maskedPhone}"`)
      for (const view of ["state", "notifications", "faults"]) await show(page, view)
      await show(page, "requests")
      await row(page, entry.id).click()
      await body.waitFor()
      served.push(await page.content())

      // Everything the API served to the page, and the event stream up to this request.
      await Promise.all(pendingBodies.splice(0))
      await expect.poll(() => events.text.includes(`"id":${entry.id},`)).toBe(true)
      const all = [...served, events.text].join("\n")
      expect(all).toContain(maskedPhone)
      expect(all).not.toContain(phone)
      expect(all).not.toContain("PRIVATE KEY")
      expect(all).not.toContain(Redacted.value(emulator.merchantPrivateKey!).split("\n")[1]!)
      expect(all).not.toContain(Redacted.value(emulator.apiV3Key))
      expect(all).not.toContain(Redacted.value(emulator.brandOptions().brandApiKey))
      expect(events.text).toMatch(/event: request\ndata: \{"id":\d+,/)
      expect(apiAnswers).toBeGreaterThan(30)
      expect(served.length).toBeGreaterThan(apiAnswers)
    })

    it("no page logged a console error or threw (a Content-Security-Policy violation would be one)", async () => {
      const page = await openConsole()
      for (const view of ["state", "notifications", "member", "faults", "requests"]) await show(page, view)
      await page.close()
      pages.splice(0)
      expect(browserErrors).toEqual([])
    })
  }
)
