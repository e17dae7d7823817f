/**
 * Regenerates the README's screenshots of the emulator's console (docs/console/*.png): starts an emulator with the
 * console over loopback, a notifier and a small merchant notification endpoint, plays a realistic scene through the
 * library's own client (and one mis-signed call), then photographs each view in headless Chromium.
 *
 *   npx tsx scripts/console-screenshots.ts
 *
 * Chromium: `CHROMIUM_PATH`, else /usr/bin/chromium. The Chinese text needs a CJK font (Debian: fonts-wqy-microhei
 * or fonts-noto-cjk); without one a warning is printed and the shots show boxes for it.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as zlib from "node:zlib"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import { chromium } from "playwright-core"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { chromiumArgs, chromiumPath, misSignedCall } from "../test/support-console.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const outDir = Path.join(root, "docs", "console")

const card_id = "pbLatjvoRVyDoUFNvvZt2z9Lcv2Q"
const appid = "wxd678efh567hg6787"

/** Whether fontconfig knows a font for Chinese. */
const cjkFont = (): string | undefined => {
  try {
    return execFileSync("fc-list", [":lang=zh", "family"], { encoding: "utf8" }).split("\n").find((line) => line.trim() !== "")
  } catch {
    return undefined
  }
}

/**
 * A PNG as Chromium wrote it (8-bit RGB or RGBA), written again losslessly smaller: no row filter and zlib level 9
 * suit flat UI colours better than Chromium's fast encoder (about 15 % less). Any other PNG is left as it is.
 */
const recompress = (file: string): void => {
  const png = Fs.readFileSync(file)
  let width = 0
  let height = 0
  let colorType = -1
  let bitDepth = 0
  let interlace = 0
  const idat: Array<Buffer> = []
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at)
    const type = png.toString("latin1", at + 4, at + 8)
    const data = png.subarray(at + 8, at + 8 + length)
    if (type === "IHDR") {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      bitDepth = data[8]!
      colorType = data[9]!
      interlace = data[12]!
    } else if (type === "IDAT") idat.push(data)
    at += 12 + length
  }
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) return
  const bpp = colorType === 6 ? 4 : 3
  const stride = width * bpp
  const filtered = zlib.inflateSync(Buffer.concat(idat))
  // Unfiltered rows, each behind a 0 (filter "none") byte.
  const raw = Buffer.alloc(height * (stride + 1))
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)]!
    const row = y * (stride + 1) + 1
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? raw[row + x - bpp]! : 0
      const b = y > 0 ? raw[row + x - stride - 1]! : 0
      const c = x >= bpp && y > 0 ? raw[row + x - bpp - stride - 1]! : 0
      const p = a + b - c
      const predicted = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4
        ? (Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c)
        : 0
      raw[row + x] = (filtered[row + x]! + predicted) & 0xff
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8)
    head.writeUInt32BE(data.length, 0)
    head.write(type, 4, "latin1")
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(type)), 0)
    return Buffer.concat([head, data, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8
  ihdr[9] = colorType
  const smaller = Buffer.concat([
    png.subarray(0, 8),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw, { level: 9, memLevel: 9 })),
    chunk("IEND", Buffer.alloc(0))
  ])
  if (smaller.length < png.length) Fs.writeFileSync(file, smaller)
}

/**
 * The merchant's notification endpoint: 200, except 500 to the notifications named (by id) in `refuseOnce` (the first
 * attempt) and `refuseAlways`. The emulator records a notification synchronously and delivers it later, so an id added
 * right after the member's action is there before its first attempt arrives.
 */
const refuseOnce = new Set<string>()
const refuseAlways = new Set<string>()
const merchantEndpoint = Effect.acquireRelease(
  Effect.promise(async () => {
    const server = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        let id = ""
        try {
          id = String(JSON.parse(Buffer.concat(chunks).toString("utf8")).id)
        } catch {
          // answered 200
        }
        const refused = refuseAlways.has(id) || refuseOnce.delete(id)
        res.writeHead(refused ? 500 : 200, { "content-type": "application/json" })
          .end(refused ? JSON.stringify({ code: "FAIL", message: "数据库繁忙" }) : "")
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return server
  }),
  (server) =>
    Effect.promise(() =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    )
)

const scene = Effect.gen(function*() {
  const merchant = yield* merchantEndpoint
  const notifyUrl = `http://127.0.0.1:${(merchant.address() as net.AddressInfo).port}/wechatpay/notify`
  const emulator = yield* Emulator.make({ notifyUrl })
  const server = yield* Emulator.serve(emulator, { console: true })
  const consoleUrl = server.console!
  console.log(`console: ${consoleUrl}`)

  const live = Layer.mergeAll(
    MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerClient({ baseUrl: server.baseUrl }))),
    Emulator.layerNotifier
  ).pipe(
    Layer.provide(Layer.mergeAll(
      Layer.succeed(Emulator.Emulator, emulator),
      FetchHttpClient.layer,
      RetryPolicy.layer({ baseDelay: "20 millis", maxDelay: "50 millis" })
    ))
  )
  const context = yield* Layer.build(live)
  const client = <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof live>>) => Effect.provide(effect, context)

  /** What a person does at the console (the member's side, faults, deliveries), through its JSON API. */
  const consoleApi = (path: string, body: unknown, method = "POST") =>
    Effect.promise(async () => {
      const response = await fetch(`${consoleUrl}/api/${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body)
      })
      const json = await response.json() as any
      if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`)
      return json
    })

  const delivered = (until: (records: ReadonlyArray<Emulator.NotificationRecord>) => boolean) =>
    Emulator.awaitNotifications(until).pipe(Effect.provideService(Emulator.Emulator, emulator))

  // The merchant's template and a few members.
  emulator.putTemplate({ card_id, appid, title: "Effect 咖啡 · 会员卡", brand_name: "Effect 咖啡" })
  const members = [
    emulator.putCard({ card_id, code: "0891234567", nickname: "小明", bonus_value: 120, balance: 5000, level: "金卡" }),
    emulator.putCard({ card_id, code: "0891234568", nickname: "小红", bonus_value: 40, balance: 0, level: "银卡" }),
    emulator.putCard({ card_id, code: "0891234569", nickname: "阿强", bonus_value: 0, balance: 1200, level: "银卡" })
  ]
  const [xiaoming, xiaohong, aqiang] = members as [typeof members[0], typeof members[0], typeof members[0]]

  // Client calls: a read, a write of rights.
  yield* client(MemberCard.getUserCard({ card_id, code: xiaoming.code }))
  yield* client(MemberCard.setUserCardRights({
    card_id,
    code: xiaohong.code,
    before_bonus_value: 40,
    bonus_value: 60,
    add_bonus_value: 20,
    out_request_no: "R202601150001"
  }))

  // A member claims a card and fills the activation form; the merchant reads it.
  const claimed = (yield* consoleApi("member/claim", { card_id })).result as { openid: string }
  const newCode = emulator.allCards().find((card) => card.openid === claimed.openid)!.code
  const form = (yield* consoleApi("member/activation-form", { card_id, code: newCode, nickname: "小李", mobile: "13912345678" }))
    .result as { activate_ticket: string }
  yield* client(MemberCard.getActivateInformation({ activate_ticket: decodeURIComponent(form.activate_ticket) }))
  yield* delivered((records) => records.some((r) => r.event_type === "MEMBERCARD.ACCEPT_CARD" && r.state === "delivered"))

  // A payment, then its points through PrepareBonus / CommitBonus.
  const paid = (yield* consoleApi("member/pay", { card_id, code: xiaoming.code, total: 3200 })).result as { out_trade_no: string }
  yield* delivered((records) => records.some((r) => r.event_type === "TRANSACTION.SUCCESS" && r.state === "delivered"))
  const order = { card_id, code: xiaoming.code, out_trade_no: paid.out_trade_no, mchid: emulator.mchid, bonus_value: 32 }
  yield* client(MemberCard.prepareBonus(order))
  yield* client(MemberCard.commitBonus(order))

  // The pretty/compact body bug: signed over compact JSON, sent pretty.
  const misSigned = yield* Effect.promise(async () => {
    const body = { out_trade_no: "T202601150007", mchid: emulator.mchid, bonus_value: 12 }
    await misSignedCall(emulator, server.baseUrl, {
      method: "POST",
      target: `/v3/marketing/membercard-open/cards/${card_id}/codes/${aqiang.code}/bonus/prepare`,
      signedBody: JSON.stringify(body),
      sentBody: JSON.stringify(body, null, 2),
      userAgent: "my-shop-backend/2.3 (node 24)"
    })
    return emulator.requestJournal()[0]!.id
  })

  // A 500 scripted once: the client's retry follows it.
  yield* consoleApi("faults", { endpoint: "GetUserCard", kind: "500", times: 1 })
  yield* client(MemberCard.getUserCard({ card_id, code: aqiang.code }))

  // Notifications the merchant answered 500: one delivered again at once ("Deliver again now"), one left waiting.
  emulator.userManagesCard({ card_id, code: xiaohong.code, action: "USER_VIEW_MEMBERCARD" })
  const viewed = emulator.notifications().at(-1)!.id
  refuseOnce.add(viewed)
  const waiting = (id: string) =>
    Effect.promise(async () => {
      for (;;) {
        const { notifications } = await (await fetch(`${consoleUrl}/api/notifications`)).json() as {
          notifications: Array<{ id: string; nextAttemptAt?: number }>
        }
        if (notifications.find((n) => n.id === id)?.nextAttemptAt !== undefined) return
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })
  yield* waiting(viewed)
  yield* consoleApi(`notifications/${viewed}/deliver`, {})
  yield* delivered((records) => records.some((r) => r.id === viewed && r.state === "delivered"))
  emulator.userManagesCard({ card_id, code: aqiang.code, action: "USER_DELETE_MEMBERCARD" })
  const deleted = emulator.notifications().at(-1)!.id
  refuseAlways.add(deleted)
  yield* waiting(deleted)

  // Faults scripted and not yet used.
  yield* consoleApi("faults", { endpoint: "CommitBonus", kind: "429", times: 2 })
  yield* consoleApi("faults", { endpoint: "SetUserCardRights", kind: "drop", times: 1 })

  yield* Effect.promise(() => shoot(consoleUrl, misSigned))
})

const shoot = async (consoleUrl: string, misSigned: number) => {
  Fs.mkdirSync(outDir, { recursive: true })
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, "--font-render-hinting=none"] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 })
    const errors: Array<string> = []
    page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())))
    page.on("pageerror", (error) => void errors.push(error.message))
    await page.goto(`${consoleUrl}#member`)
    await page.locator("#live.on").waitFor()
    await page.locator(`form[data-action="claim"]`).waitFor()

    const save = async (name: string) => {
      const file = Path.join(outDir, name)
      await page.screenshot({ path: file, fullPage: false })
      recompress(file)
      console.log(`${Path.relative(root, file)}  ${(Fs.statSync(file).size / 1024).toFixed(0)} KB`)
    }
    const show = async (view: string, ready: string) => {
      await page.locator(`nav a[data-view="${view}"]`).click()
      await page.locator(ready).first().waitFor()
      await page.evaluate(() => (globalThis as any).scrollTo(0, 0))
    }

    // The member's side: a claim made from the page, its answer shown.
    const claim = page.locator(`form[data-action="claim"]`)
    await claim.locator(`input[name="card_id"]`).fill(card_id)
    await claim.locator(`button[type="submit"]`).click()
    await claim.locator(`[data-field="member-result"] pre`).waitFor()
    await save("member.png")

    await show("requests", "#requests tr[data-request-id]")
    await page.locator("#request-detail").waitFor({ state: "hidden" })
    await save("requests.png")

    await page.locator(`#requests tr[data-request-id="${misSigned}"]`).click()
    await page.locator(`#request-detail [data-field="sent"]`).waitFor()
    // The detail from its head down, below the tabs.
    await page.evaluate(() => {
      const window = globalThis as any
      const detail = window.document.querySelector("#request-detail")
      const nav = window.document.querySelector("nav")
      window.scrollTo(0, detail.getBoundingClientRect().top + window.scrollY - nav.getBoundingClientRect().height - 8)
    })
    await save("sign-error.png")

    await show("state", "#state-body .block")
    await save("state.png")

    await show("notifications", `[data-field="next-attempt"]`)
    await save("notifications.png")

    await show("faults", "#faults tr[data-fault]")
    await save("faults.png")

    if (errors.length > 0) console.warn(`console errors in the page:\n${errors.join("\n")}`)
  } finally {
    await browser.close()
  }
}

const font = cjkFont()
if (font === undefined) {
  console.warn("warning: no CJK font found (fc-list :lang=zh): the Chinese text will show as boxes. " +
    "Install one, e.g. apt-get install fonts-wqy-microhei")
} else {
  console.log(`CJK font: ${font}`)
}
if (!Fs.existsSync(chromiumPath)) {
  console.error(`no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`)
  process.exit(1)
}
await Effect.runPromise(Effect.scoped(scene))
