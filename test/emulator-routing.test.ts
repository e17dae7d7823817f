/**
 * Emulator routes generated from the `Endpoint` declarations: a route matches exactly its method and path template,
 * percent-decodes each `{param}` segment, decodes query integers where the schema expects them, and answers WeChat's
 * 404 NOT_FOUND / 400 PARAM_ERROR (detail.location path, query or body). Requests are signed here by hand with
 * node:crypto (none of the client's code), so the emulator's own checks are what is tested.
 */
import * as crypto from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import * as Endpoint from "../src/Endpoint.js"
import { GetUserCard } from "../src/membercard/GetUserCard.js"
import { SetUserCardRights } from "../src/membercard/SetUserCardRights.js"
import { UpdateUserCard } from "../src/membercard/UpdateUserCard.js"
import { handlers } from "../src/testing/internal/resources/index.js"
import { handle, parseCall, parseQuery, reply, router, shortName } from "../src/testing/internal/route.js"
import { ApiFailure, decryptField } from "../src/testing/internal/wechatSide.js"
import { Emulator } from "../src/testing/index.js"

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const base = "/v3/marketing/membercard-open/cards"
const now = 1_764_000_000

/** A request signed by hand with the emulator's generated merchant key. */
const signed = (emulator: Emulator.EmulatorState, method: string, target: string, body = "") => {
  const nonce = crypto.randomBytes(16).toString("hex")
  const key = crypto.createPrivateKey(Redacted.value(emulator.merchantPrivateKey!))
  const signature = crypto.sign("sha256", Buffer.from(`${method}\n${target}\n${now}\n${nonce}\n${body}\n`, "utf8"), key)
    .toString("base64")
  return {
    method,
    target,
    body,
    headers: {
      accept: "application/json",
      "user-agent": "emulator-routing.test",
      authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${emulator.mchid}",nonce_str="${nonce}",timestamp="${now}",` +
        `serial_no="${emulator.merchantSerialNumber}",signature="${signature.toString()}"`,
      ...(body === "" ? {} : { "content-type": "application/json" })
    }
  }
}

const send = (emulator: Emulator.EmulatorState, method: string, target: string, body = "") =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now * 1000)
    const result = yield* emulator.handle(signed(emulator, method, target, body))
    if (result._tag !== "Respond") throw new Error("dropped")
    return { status: result.status, json: result.body === "" ? undefined : JSON.parse(result.body) }
  })

/** A declaration with query integers and a boolean, as the list endpoints have. */
class ListThings extends Endpoint.Service<ListThings>()("Test.ListThings", {
  method: "GET",
  path: "/v3/test/cards/{card_id}/things",
  request: Schema.Struct({
    card_id: Schema.String.check(Schema.isMaxLength(8)),
    offset: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
    limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 50 })),
    active: Schema.optionalKey(Schema.Boolean),
    name: Schema.optionalKey(Schema.String)
  })
}) {}

const local = router([handle(ListThings, (call) => reply(200, call.request))])
const ctx = { mchid: "1900000109", decrypt: (c: string) => c }

const parse = (target: string) => {
  const [path] = target.split("?", 1) as [string]
  const found = local.find("GET", path)
  if (found === undefined) throw new Error(`no route for ${path}`)
  return parseCall({ method: "GET", target, headers: {}, body: "" }, { bytes: new Uint8Array(0), parts: undefined, signed: new Uint8Array(0) }, found, ctx)
}

const detailOf = (result: unknown) => {
  expect(result).toBeInstanceOf(ApiFailure)
  const failure = result as ApiFailure
  expect(failure.status).toBe(400)
  expect(failure.code).toBe("PARAM_ERROR")
  return failure.detail as { field: string; location: string; issue: string }
}

describe("emulator routes from the Endpoint declarations", () => {
  it("every registered handler compiles to one route per declaration, named by its short name", () => {
    const { routes } = router(handlers)
    expect(routes.length).toBe(handlers.length)
    for (const route of routes) expect(route.endpoint).toBe(shortName(route.definition.name))
    expect(routes.map((r) => r.endpoint)).toEqual(expect.arrayContaining([
      "GetUserCard",
      "UpdateUserCard",
      "SetUserCardRights",
      "PrepareBonus",
      "CommitBonus"
    ]))
  })

  it("a second handler for a declaration is refused", () => {
    const twice = handle(ListThings, () => reply(204))
    expect(() => router([twice, twice])).toThrow(/two handlers for ListThings/)
  })

  it("matches exactly the declaration's method and path: not longer, not shorter, not another method", () => {
    const { find } = router(handlers)
    const path = `${base}/${card_id}/codes/123`
    expect(find("GET", path)?.route.definition).toBe(GetUserCard.definition)
    expect(find("PATCH", path)?.route.definition).toBe(UpdateUserCard.definition)
    expect(find("PATCH", `${path}/rights`)?.route.definition).toBe(SetUserCardRights.definition)
    expect(find("GET", `${path}/rights`)).toBeUndefined()
    expect(find("GET", `${base}/${card_id}/codes`)?.route.definition).not.toBe(GetUserCard.definition)
    expect(find("GET", `${path}/`)).toBeUndefined()
    expect(find("GET", `${base}/${card_id}/codes//`)).toBeUndefined()
    expect(find("GET", `/prefix${path}`)).toBeUndefined()
    expect(find("DELETE", `${path}/rights`)).toBeUndefined()
  })

  it.effect("percent-decodes each path parameter (one segment, %2F included)", () =>
    Effect.gen(function*() {
      const code = "卡/1 2"
      const emulator = new Emulator.EmulatorState({ cards: [{ card_id, code }] })
      const answer = yield* send(emulator, "GET", `${base}/${card_id}/codes/${encodeURIComponent(code)}`)
      expect(answer.status).toBe(200)
      expect(answer.json.code).toBe(code)
      expect(emulator.requests("GetUserCard")).toBe(1)
    }))

  it.effect("unknown routes are 404 NOT_FOUND (counted as \"other\"), a known path under another method too", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState({ cards: [{ card_id, code: "1" }] })
      for (
        const [method, target] of [
          ["GET", "/v3/marketing/membercard-open/nowhere"],
          ["GET", `${base}/${card_id}/codes/1/rights`],
          ["GET", `${base}/${card_id}/codes/1/`],
          ["PUT", `${base}/${card_id}/codes/1`]
        ] as const
      ) {
        const answer = yield* send(emulator, method, target)
        expect(answer.status, `${method} ${target}`).toBe(404)
        expect(answer.json.code).toBe("NOT_FOUND")
      }
      expect(emulator.requests("other")).toBe(4)
    }))

  it.effect("PARAM_ERROR names the location: a malformed or invalid path parameter is \"path\"", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState({ cards: [{ card_id, code: "1" }] })
      const malformed = yield* send(emulator, "GET", `${base}/${card_id}/codes/%E4%B8`)
      expect(malformed.status).toBe(400)
      expect(malformed.json.code).toBe("PARAM_ERROR")
      expect(malformed.json.detail.location).toBe("path")
      expect(malformed.json.detail.field).toBe("/code")
      const tooLong = yield* send(emulator, "GET", `${base}/${"x".repeat(33)}/codes/1`)
      expect(tooLong.json.code).toBe("PARAM_ERROR")
      expect(tooLong.json.detail).toMatchObject({ field: "/card_id", location: "path" })
    }))

  it.effect("PARAM_ERROR names the location: a body field is \"body\", and nothing is applied", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState({ cards: [{ card_id, code: "1" }] })
      const answer = yield* send(emulator, "PATCH", `${base}/${card_id}/codes/1`, JSON.stringify({ level: "abcdefghij", out_request_no: "r1" }))
      expect(answer.status).toBe(400)
      expect(answer.json.code).toBe("PARAM_ERROR")
      expect(answer.json.detail).toMatchObject({ field: "/level", location: "body" })
      const missing = yield* send(emulator, "PATCH", `${base}/${card_id}/codes/1`, JSON.stringify({ level: "金卡" }))
      expect(missing.json.detail).toMatchObject({ field: "/out_request_no", location: "body" })
      expect(emulator.ledger).toEqual([])
    }))

  describe("query parameters", () => {
    it("integers (and booleans) are decoded from their string form where the schema expects one", () => {
      const call = parse("/v3/test/cards/c1/things?offset=0&limit=10&active=true&name=%E4%B8%AD+1")
      expect(call).not.toBeInstanceOf(ApiFailure)
      if (call instanceof ApiFailure) return
      expect(call.request).toEqual({ card_id: "c1", offset: 0, limit: 10, active: true, name: "中 1" })
      expect(call.query).toEqual({ offset: "0", limit: "10", active: "true", name: "中 1" })
      expect(call.params).toEqual({ card_id: "c1" })
    })

    it("a value that is not the integer the schema expects is PARAM_ERROR in \"query\"", () => {
      for (const limit of ["abc", "1.5", "100", "010", "", "0x10", "1e1", " 1"]) {
        expect(detailOf(parse(`/v3/test/cards/c1/things?limit=${encodeURIComponent(limit)}`)), limit)
          .toMatchObject({ field: "/limit", location: "query" })
      }
      expect(detailOf(parse("/v3/test/cards/c1/things?offset=-1&limit=1"))).toMatchObject({ field: "/offset", location: "query" })
    })

    it("a missing required query parameter is PARAM_ERROR in \"query\"; an invalid path parameter in \"path\"", () => {
      expect(detailOf(parse("/v3/test/cards/c1/things?offset=1"))).toMatchObject({ field: "/limit", location: "query" })
      expect(detailOf(parse("/v3/test/cards/123456789/things?limit=1"))).toMatchObject({ field: "/card_id", location: "path" })
    })

    it("strict: a malformed percent-escape or a repeated name is PARAM_ERROR in \"query\"", () => {
      expect(detailOf(parse("/v3/test/cards/c1/things?limit=1&name=%ZZ")).location).toBe("query")
      expect(detailOf(parse("/v3/test/cards/c1/things?limit=1&limit=2"))).toMatchObject({ field: "/limit", location: "query" })
      expect(parseQuery("a=1&&b=&c")).toEqual({ a: "1", b: "", c: "" })
    })
  })

  it.effect("a multipart upload is authenticated over its `meta` part, not over the multipart bytes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const emulator = new Emulator.EmulatorState()
      const meta = JSON.stringify({ filename: "a.png", sha256: "0".repeat(64) })
      const boundary = "b0undary"
      const bytes = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n${meta}` +
          `\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]),
        Buffer.from(`\r\n--${boundary}--\r\n`)
      ])
      const target = "/v3/test/nowhere/upload"
      const over = (signedText: string) => {
        const request = signed(emulator, "POST", target, signedText)
        return {
          ...request,
          body: bytes.toString("utf8"),
          bytes,
          headers: { ...request.headers, "content-type": `multipart/form-data; boundary=${boundary}` }
        }
      }
      const status = (result: Emulator.EmulatorResult) => result._tag === "Respond" ? result.status : 0
      // Authenticated, then no route: 404; signed over the multipart text instead: 401.
      expect(status(yield* emulator.handle(over(meta)))).toBe(404)
      expect(status(yield* emulator.handle(over(bytes.toString("utf8"))))).toBe(401)
    }))

  it("decrypts a field encrypted to a platform key (RSA-OAEP SHA-1); another key's ciphertext is PARAM_ERROR", () => {
    const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
    const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
    const encrypt = (key: crypto.KeyObject) =>
      crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from("13800138000"))
        .toString("base64")
    expect(decryptField(encrypt(pair.publicKey), pair.privateKey)).toBe("13800138000")
    const wrong = decryptField(encrypt(other.publicKey), pair.privateKey)
    expect(wrong).toBeInstanceOf(ApiFailure)
    expect((wrong as ApiFailure).code).toBe("PARAM_ERROR")
  })
})
