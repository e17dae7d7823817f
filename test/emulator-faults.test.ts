/**
 * The Accepted, Redirect and BomBody faults as they go on the wire: a raw node:http client against `Emulator.serve`
 * (status, headers, exact bytes, Content-Length), signatures checked with node:crypto over the exact bytes, and the
 * emulator's state afterwards.
 */
import * as crypto from "node:crypto"
import * as http from "node:http"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Emulator } from "../src/testing/index.js"

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const code = "478515832665"
const cardPath = `/v3/marketing/membercard-open/cards/${card_id}/codes/${code}`
const bom = Buffer.from([0xef, 0xbb, 0xbf])

interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** Headers of a request signed by hand (node:crypto) with the emulator's merchant key. */
const signedHeaders = (emulator: Emulator.EmulatorState, method: string, target: string, body: string): Record<string, string> => {
  const timestamp = `${Math.floor(Date.now() / 1000)}`
  const nonce = crypto.randomBytes(16).toString("hex")
  const signature = crypto.sign("sha256", Buffer.from(`${method}\n${target}\n${timestamp}\n${nonce}\n${body}\n`, "utf8"), Redacted.value(emulator.merchantPrivateKey!))
    .toString("base64")
  return {
    accept: "application/json",
    "user-agent": "emulator-faults.test",
    authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${emulator.mchid}",nonce_str="${nonce}",timestamp="${timestamp}",` +
      `serial_no="${emulator.merchantSerialNumber}",signature="${signature}"`,
    ...(body === "" ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) })
  }
}

/** One request over a fresh connection; the response body as raw bytes. */
const send = (baseUrl: string, emulator: Emulator.EmulatorState, method: string, target: string, body = "") =>
  Effect.callback<RawResponse, Error>((resume) => {
    const req = http.request(`${baseUrl}${target}`, { method, headers: signedHeaders(emulator, method, target, body), agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) })))
      res.on("error", (error) => resume(Effect.fail(error)))
    })
    req.on("error", (error) => resume(Effect.fail(error)))
    req.end(body === "" ? undefined : body)
  })

/** node:crypto over `ts\nnonce\n` + the exact body bytes + `\n`, with the key named by `Wechatpay-Serial`. */
const verifies = (emulator: Emulator.EmulatorState, response: RawResponse, body: Buffer = response.body): boolean => {
  const h = response.headers
  const key = h["wechatpay-serial"] === emulator.publicKeyId ? emulator.publicKey : emulator.certificate
  const message = Buffer.concat([Buffer.from(`${h["wechatpay-timestamp"]}\n${h["wechatpay-nonce"]}\n`, "utf8"), body, Buffer.from("\n")])
  return crypto.verify("sha256", message, key, Buffer.from(String(h["wechatpay-signature"]), "base64"))
}

const setup = Effect.gen(function*() {
  const emulator = yield* Emulator.make({ cards: [{ card_id, code, bonus_value: 100 }] })
  const server = yield* Emulator.serve(emulator)
  return { emulator, baseUrl: server.baseUrl }
})

const rights = (key: string) => JSON.stringify({ out_request_no: key, add_bonus_value: 7 })

describe("emulator faults on the wire", () => {
  it.live("Accepted: 202, no body, signed like a success over `ts\\nnonce\\n\\n`; nothing applied", () =>
    Effect.gen(function*() {
      const { baseUrl, emulator } = yield* setup
      emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "Accepted" } })
      const response = yield* send(baseUrl, emulator, "PATCH", `${cardPath}/rights`, rights("acc-1"))
      expect(response.status).toBe(202)
      expect(response.body.byteLength).toBe(0)
      expect(response.headers["content-length"]).toBe("0")
      expect(response.headers["content-type"]).toBeUndefined()
      expect(response.headers["wechatpay-signature-type"]).toBe("WECHATPAY2-SHA256-RSA2048")
      expect(response.headers["request-id"]).toMatch(/^[0-9a-f]{32}$/)
      expect(verifies(emulator, response)).toBe(true)
      expect(emulator.applied("acc-1")).toBe(0)
      expect(emulator.card(card_id, code)!.bonus_value).toBe(100)
      // The key was not recorded either: the same request, fault used up, is applied once.
      const again = yield* send(baseUrl, emulator, "PATCH", `${cardPath}/rights`, rights("acc-1"))
      expect(again.status).toBe(204)
      expect(emulator.applied("acc-1")).toBe(1)
      expect(emulator.card(card_id, code)!.bonus_value).toBe(107)
    }))

  it.live("Accepted on a GET is also a signed, empty 202", () =>
    Effect.gen(function*() {
      const { baseUrl, emulator } = yield* setup
      emulator.inject({ fault: { _tag: "Accepted" } })
      const response = yield* send(baseUrl, emulator, "GET", cardPath)
      expect([response.status, response.body.byteLength]).toEqual([202, 0])
      expect(verifies(emulator, response)).toBe(true)
    }))

  it.live("Redirect: each status with its Location, no body, unsigned; nothing applied", () =>
    Effect.gen(function*() {
      const { baseUrl, emulator } = yield* setup
      const statuses = [301, 302, 303, 307, 308] as const
      for (const status of statuses) {
        const location = `https://api2.mch.weixin.qq.com${cardPath}/rights?from=${status}`
        emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "Redirect", status, location } })
        const response = yield* send(baseUrl, emulator, "PATCH", `${cardPath}/rights`, rights(`redir-${status}`))
        expect(response.status).toBe(status)
        expect(response.headers["location"]).toBe(location)
        expect(response.headers["content-length"]).toBe("0")
        expect(response.body.byteLength).toBe(0)
        for (const name of ["wechatpay-signature", "wechatpay-timestamp", "wechatpay-nonce", "wechatpay-serial"]) {
          expect(response.headers[name]).toBeUndefined()
        }
        expect(emulator.applied(`redir-${status}`)).toBe(0)
      }
      expect(emulator.ledger).toHaveLength(0)
      expect(emulator.card(card_id, code)!.bonus_value).toBe(100)
      expect(emulator.requests("SetUserCardRights")).toBe(statuses.length)
    }))

  it.live("BomBody on GetUserCard: EF BB BF + the card's JSON, Content-Length of those bytes, signature over them", () =>
    Effect.gen(function*() {
      const { baseUrl, emulator } = yield* setup
      const plain = yield* send(baseUrl, emulator, "GET", cardPath)
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "BomBody" } })
      const response = yield* send(baseUrl, emulator, "GET", cardPath)
      expect(response.status).toBe(200)
      expect(response.body.subarray(0, 3)).toEqual(bom)
      expect(JSON.parse(response.body.subarray(3).toString("utf8"))).toEqual(JSON.parse(plain.body.toString("utf8")))
      expect(response.headers["content-length"]).toBe(String(response.body.byteLength))
      expect(response.headers["content-type"]).toBe("application/json")
      expect(verifies(emulator, response)).toBe(true)
      // The BOM is signed: the body without it does not verify.
      expect(verifies(emulator, response, response.body.subarray(3))).toBe(false)
    }))

  it.live("BomBody on a 204 endpoint: a signed 200 whose body is exactly EF BB BF 7B 7D; the write is applied once", () =>
    Effect.gen(function*() {
      const { baseUrl, emulator } = yield* setup
      emulator.inject({ endpoint: "SetUserCardRights", fault: { _tag: "BomBody" } })
      const response = yield* send(baseUrl, emulator, "PATCH", `${cardPath}/rights`, rights("bom-1"))
      expect(response.status).toBe(200)
      expect(response.body).toEqual(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))
      expect(response.headers["content-length"]).toBe("5")
      expect(verifies(emulator, response)).toBe(true)
      expect(emulator.applied("bom-1")).toBe(1)
      expect(emulator.card(card_id, code)!.bonus_value).toBe(107)
      // A repeat (fault used up) is the idempotent 204, not a second application.
      expect((yield* send(baseUrl, emulator, "PATCH", `${cardPath}/rights`, rights("bom-1"))).status).toBe(204)
      expect(emulator.applied("bom-1")).toBe(1)
    }))

  it.live("requests that fail WeChat's checks are answered as usual under Accepted and BomBody", () =>
    Effect.gen(function*() {
      const { baseUrl, emulator } = yield* setup
      emulator.inject({ fault: { _tag: "BomBody" } })
      emulator.inject({ fault: { _tag: "Accepted" } })
      const unknownCard = `/v3/marketing/membercard-open/cards/${card_id}/codes/nope`
      for (let i = 0; i < 2; i++) {
        const response = yield* send(baseUrl, emulator, "GET", unknownCard)
        expect(response.status).toBe(400)
        expect(JSON.parse(response.body.toString("utf8"))).toMatchObject({ code: "INVALID_REQUEST" })
      }
    }))

  it.live("the in-process httpClient delivers the same bytes (BOM included) as the loopback server", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ cards: [{ card_id, code }] })
      emulator.inject({ fault: { _tag: "BomBody" } })
      const target = `${cardPath}/rights`
      const body = rights("bom-2")
      const request = HttpClientRequest.patch(`http://emulator${target}`).pipe(
        HttpClientRequest.setHeaders(signedHeaders(emulator, "PATCH", target, body)),
        HttpClientRequest.bodyText(body, "application/json")
      )
      const response = yield* Emulator.httpClient(emulator).execute(request)
      const bytes = Buffer.from(yield* response.arrayBuffer)
      expect(response.status).toBe(200)
      expect(bytes).toEqual(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))
    }))
})
