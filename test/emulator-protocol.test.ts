/**
 * The emulator's side of the protocol, pinned without any of the library's code: requests are signed here by hand
 * with node:crypto over hand-written messages (and the spec's vectors), and the emulator's response signatures are
 * checked with node:crypto over hand-built `ts\nnonce\nbody\n`. A bug shared by client and emulator cannot pass here.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/testing/TestClock"
import { Emulator } from "../src/testing/index.js"

const vectors = path.join(import.meta.dirname, "vectors")
const vector = JSON.parse(fs.readFileSync(path.join(vectors, "vectors.json"), "utf8"))
/** K-java-mch: the merchant key of the official Java SDK's tests. */
const merchantKey = crypto.createPrivateKey(fs.readFileSync(path.join(vectors, "k-java-mch.private.pem"), "utf8"))
const merchantSerial: string = vector.keys["K-java-mch"].serial

const mchid = "1900000109"
const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const code = "478515832665"
const now = 1_764_000_000
const cardPath = `/v3/marketing/membercard-open/cards/${card_id}/codes/${code}`

const newEmulator = (options: Partial<Emulator.Options> = {}) =>
  new Emulator.EmulatorState({
    mchid,
    merchantSerialNumber: merchantSerial,
    merchantPublicKey: crypto.createPublicKey(merchantKey).export({ type: "spki", format: "pem" }).toString(),
    cards: [{ card_id, code, bonus_value: 100 }],
    ...options
  })

const sign = (message: string): string => crypto.sign("sha256", Buffer.from(message, "utf8"), merchantKey).toString("base64")

const authorization = (p: { nonce: string; timestamp: string; signature: string; mchid?: string }): string =>
  `WECHATPAY2-SHA256-RSA2048 mchid="${p.mchid ?? mchid}",nonce_str="${p.nonce}",timestamp="${p.timestamp}",` +
  `serial_no="${merchantSerial}",signature="${p.signature}"`

/** A request as the emulator sees it, with the given Authorization. */
const request = (method: string, target: string, body: string, auth: string, extra: Record<string, string> = {}) => ({
  method,
  target,
  body,
  headers: {
    accept: "application/json",
    "user-agent": "emulator-protocol.test",
    authorization: auth,
    ...(body === "" ? {} : { "content-type": "application/json" }),
    ...extra
  }
})

const respond = (result: Emulator.EmulatorResult) => {
  if (result._tag !== "Respond") throw new Error("the emulator dropped the connection")
  return result
}

const errorCode = (result: Emulator.EmulatorResult): unknown => JSON.parse(respond(result).body).code

/** node:crypto over a hand-built response message, with the key the emulator says it used. */
const verifiesResponse = (emulator: Emulator.EmulatorState, result: Emulator.EmulatorResult, message: string): boolean => {
  const { headers } = respond(result)
  const key = headers["wechatpay-serial"] === emulator.publicKeyId ? emulator.publicKey : emulator.certificate
  return crypto.verify("sha256", Buffer.from(message, "utf8"), key, Buffer.from(headers["wechatpay-signature"]!, "base64"))
}

describe("emulator protocol (WeChat's side, pinned by hand)", () => {
  it.effect("accepts a GET signed by hand over `GET\\nTARGET\\nTS\\nNONCE\\n\\n`", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const nonce = "n0nceGET0000000000000000000000AB"
      const signature = sign(`GET\n${cardPath}\n${now}\n${nonce}\n\n`)
      const result = respond(yield* emulator.handle(request("GET", cardPath, "", authorization({ nonce, timestamp: `${now}`, signature }))))
      expect(result.status).toBe(200)
      expect(JSON.parse(result.body)).toMatchObject({ card_id, code, bonus_value: 100 })
    }))

  it.effect("accepts a PATCH signed over the exact body; the same request with the final \\n dropped is 401 SIGN_ERROR", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const target = `${cardPath}/rights`
      const body = `{"out_request_no":"r-hand-1","add_bonus_value":5}`
      const nonce = "handSigned000000000000000000000A"
      const truncated = respond(yield* emulator.handle(request(
        "PATCH",
        target,
        body,
        authorization({ nonce, timestamp: `${now}`, signature: sign(`PATCH\n${target}\n${now}\n${nonce}\n${body}`) })
      )))
      expect(truncated.status).toBe(401)
      expect(errorCode(truncated)).toBe("SIGN_ERROR")
      // WeChat echoes the message it rebuilt: the five lines, the last ended by \n.
      expect(JSON.parse(truncated.body).detail.sign_information).toMatchObject({
        method: "PATCH",
        url: target,
        sign_message_length: Buffer.byteLength(`PATCH\n${target}\n${now}\n${nonce}\n${body}\n`)
      })
      expect(emulator.applied("r-hand-1")).toBe(0)

      const ok = respond(yield* emulator.handle(request(
        "PATCH",
        target,
        body,
        authorization({ nonce, timestamp: `${now}`, signature: sign(`PATCH\n${target}\n${now}\n${nonce}\n${body}\n`) })
      )))
      expect(ok.status).toBe(204)
      expect(emulator.applied("r-hand-1")).toBe(1)
      expect(emulator.card(card_id, code)!.bonus_value).toBe(105)
    }))

  it.effect("a body re-serialised after signing (other spacing, other key order) is 401 SIGN_ERROR and applies nothing", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const target = `${cardPath}/rights`
      const nonce = "reSerialised00000000000000000000"
      const signed = `{"out_request_no":"r-hand-2","add_bonus_value":5}`
      for (const sent of [`{"out_request_no": "r-hand-2", "add_bonus_value": 5}`, `{"add_bonus_value":5,"out_request_no":"r-hand-2"}`]) {
        const signature = sign(`PATCH\n${target}\n${now}\n${nonce}\n${signed}\n`)
        const result = yield* emulator.handle(request("PATCH", target, sent, authorization({ nonce, timestamp: `${now}`, signature })))
        expect(respond(result).status).toBe(401)
        expect(errorCode(result)).toBe("SIGN_ERROR")
      }
      expect(emulator.applied("r-hand-2")).toBe(0)
    }))

  it.effect("signs over UTF-8 bytes: a Chinese body signed by hand is accepted", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const body = `{"out_request_no":"r-hand-3","level":"黄金会员"}`
      const nonce = "utf8Body000000000000000000000000"
      const signature = sign(`PATCH\n${cardPath}\n${now}\n${nonce}\n${body}\n`)
      const result = yield* emulator.handle(request("PATCH", cardPath, body, authorization({ nonce, timestamp: `${now}`, signature })))
      expect(respond(result).status).toBe(204)
      expect(emulator.card(card_id, code)!.level).toBe("黄金会员")
    }))

  it.effect("spec vectors TV-11 and TV-3: the expected messages, signed with K-java-mch, pass authentication (404 for the route)", () =>
    Effect.gen(function*() {
      const tv11 = vector["TV-11"]
      const tv3 = vector["TV-3"].cases[1]
      const url = new URL(tv11.url)
      const cases = [
        { method: "GET", target: url.pathname + url.search, body: "", message: tv11.expectedMessage, ts: tv11.ts, nonce: tv11.nonce },
        { method: "POST", target: tv3.path, body: tv3.body, message: tv3.expectedMessage, ts: vector["TV-3"].ts, nonce: vector["TV-3"].nonce }
      ]
      for (const c of cases) {
        yield* TestClock.setTime(Number(c.ts) * 1000)
        const emulator = newEmulator({ mchid: tv11.mchid })
        const good = yield* emulator.handle(request(c.method, c.target, c.body, authorization({ mchid: tv11.mchid, nonce: c.nonce, timestamp: c.ts, signature: sign(c.message) })))
        // Authenticated, then routed: no member-card route there.
        expect([respond(good).status, errorCode(good)]).toEqual([404, "NOT_FOUND"])
        const bad = yield* emulator.handle(
          request(c.method, c.target, c.body, authorization({ mchid: tv11.mchid, nonce: c.nonce, timestamp: c.ts, signature: sign(c.message.slice(0, -1)) }))
        )
        expect([respond(bad).status, errorCode(bad)]).toEqual([401, "SIGN_ERROR"])
      }
    }))

  it.effect("Authorization: any parameter order is accepted; spaces after commas, another scheme or a missing parameter are refused", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const nonce = "orderOfParams0000000000000000000"
      const signature = sign(`GET\n${cardPath}\n${now}\n${nonce}\n\n`)
      const p = { mchid: `mchid="${mchid}"`, nonce: `nonce_str="${nonce}"`, ts: `timestamp="${now}"`, serial: `serial_no="${merchantSerial}"`, sig: `signature="${signature}"` }
      const status = (header: string) => Effect.map(emulator.handle(request("GET", cardPath, "", header)), (r) => [respond(r).status, errorCode(r)])
      const scheme = "WECHATPAY2-SHA256-RSA2048 "
      // go/java, php/axios and python/skit orders.
      for (
        const order of [
          [p.mchid, p.nonce, p.ts, p.serial, p.sig],
          [p.mchid, p.serial, p.ts, p.nonce, p.sig],
          [p.mchid, p.nonce, p.sig, p.ts, p.serial]
        ]
      ) {
        expect(respond(yield* emulator.handle(request("GET", cardPath, "", scheme + order.join(",")))).status).toBe(200)
      }
      const refused = [
        `${scheme}${[p.mchid, p.nonce, p.ts, p.serial, p.sig].join(", ")}`,
        `${scheme} ${[p.mchid, p.nonce, p.ts, p.serial, p.sig].join(",")}`,
        `WECHATPAY2-SHA256-RSA4096 ${[p.mchid, p.nonce, p.ts, p.serial, p.sig].join(",")}`,
        `${scheme}${[p.mchid, p.nonce, p.ts, p.serial].join(",")}`,
        `${scheme}${[p.mchid, `nonce_str=${nonce}`, p.ts, p.serial, p.sig].join(",")}`
      ]
      for (const header of refused) expect(yield* status(header)).toEqual([401, "SIGN_ERROR"])
    }))

  it.effect("a lower-case method in the signed message, or a timestamp 301 s off, is refused", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const nonce = "caseAndClock00000000000000000000"
      const lower = yield* emulator.handle(request("GET", cardPath, "", authorization({ nonce, timestamp: `${now}`, signature: sign(`get\n${cardPath}\n${now}\n${nonce}\n\n`) })))
      expect(errorCode(lower)).toBe("SIGN_ERROR")
      const ts = `${now - 301}`
      const stale = yield* emulator.handle(request("GET", cardPath, "", authorization({ nonce, timestamp: ts, signature: sign(`GET\n${cardPath}\n${ts}\n${nonce}\n\n`) })))
      expect(JSON.parse(respond(stale).body)).toMatchObject({ code: "SIGN_ERROR", message: "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟" })
      const edge = `${now - 300}`
      const inTime = yield* emulator.handle(request("GET", cardPath, "", authorization({ nonce, timestamp: edge, signature: sign(`GET\n${cardPath}\n${edge}\n${nonce}\n\n`) })))
      expect(respond(inTime).status).toBe(200)
    }))

  it.effect("response signatures verify with node:crypto over a hand-built `ts\\nnonce\\nbody\\n` (public-key and certificate mode, 200 and 204)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = newEmulator()
      const nonce = "responses0000000000000000000000A"
      const get = (serial: string | undefined) =>
        emulator.handle(request("GET", cardPath, "", authorization({ nonce, timestamp: `${now}`, signature: sign(`GET\n${cardPath}\n${now}\n${nonce}\n\n`) }), serial === undefined ? {} : { "wechatpay-serial": serial }))
      for (const serial of [emulator.publicKeyId, undefined]) {
        const result = respond(yield* get(serial))
        const h = result.headers
        expect(h["wechatpay-serial"]).toBe(serial ?? emulator.certificateSerial)
        expect(h["wechatpay-timestamp"]).toBe(`${now}`)
        expect(h["wechatpay-nonce"]).toMatch(/^[0-9A-Za-z]{32}$/)
        expect(h["wechatpay-signature-type"]).toBe("WECHATPAY2-SHA256-RSA2048")
        expect(verifiesResponse(emulator, result, `${h["wechatpay-timestamp"]}\n${h["wechatpay-nonce"]}\n${result.body}\n`)).toBe(true)
        // The final \n is part of what WeChat signs.
        expect(verifiesResponse(emulator, result, `${h["wechatpay-timestamp"]}\n${h["wechatpay-nonce"]}\n${result.body}`)).toBe(false)
      }
      const body = `{"out_request_no":"r-hand-4","add_bonus_value":1}`
      const target = `${cardPath}/rights`
      const write = respond(yield* emulator.handle(request("PATCH", target, body, authorization({ nonce, timestamp: `${now}`, signature: sign(`PATCH\n${target}\n${now}\n${nonce}\n${body}\n`) }))))
      expect([write.status, write.body]).toEqual([204, ""])
      expect(verifiesResponse(emulator, write, `${write.headers["wechatpay-timestamp"]}\n${write.headers["wechatpay-nonce"]}\n\n`)).toBe(true)
      // A fresh nonce per response.
      const a = respond(yield* get(undefined)).headers["wechatpay-nonce"]
      const b = respond(yield* get(undefined)).headers["wechatpay-nonce"]
      expect(a).not.toBe(b)
    }))
})
