/**
 * Holes a mutation run found in the wire-level tests, closed on both transports (fetch via `WechatPay.layer`,
 * node:http via `WechatPay.layerNode`) against raw node:http servers on 127.0.0.1 that sign and verify with
 * node:crypto on their own (no emulator, no code shared with the client):
 *
 * - the default response bound is exactly 1 MiB: 1,048,576 bytes accepted, 1,048,577 refused, with and without
 *   Content-Length;
 * - the signature covers the exact request bytes sent, also for a body that is not canonical JSON;
 * - every error that carries a `requestId` carries the `Request-ID` the server sent, and a verification error the
 *   real HTTP status;
 * - failing over to `backupBaseUrl` is a decision of one call: the next call starts on the primary again.
 */
import { Buffer } from "node:buffer"
import * as crypto from "node:crypto"
import * as Http from "node:http"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { MemberCard, RetryPolicy, WechatPay, WechatPayClient } from "../src/index.js"
import { listenLoopback } from "./support.js"

const merchant = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const stranger = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const publicKeyId = "PUB_KEY_ID_0114232134912410000000000000"
const mchid = "1900000109"
const merchantSerialNumber = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"

const options = (baseUrl: string, extra: Partial<WechatPay.Options> = {}): WechatPay.Options => ({
  mchid,
  merchantSerialNumber,
  merchantPrivateKey: Redacted.make(merchant.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
  wechatpayPublicKeys: { [publicKeyId]: platform.publicKey.export({ type: "spki", format: "pem" }).toString() },
  baseUrl,
  ...extra
})

const transports = {
  fetch: (o: WechatPay.Options) => WechatPay.layer(o).pipe(Layer.provide(FetchHttpClient.layer)),
  node: (o: WechatPay.Options) => WechatPay.layerNode(o)
} as const
type TransportName = keyof typeof transports

/** The headers of a response signed by the platform key over exactly `body` (optionally: wrongly, or stale). */
const signed = (
  body: Buffer,
  requestId: string,
  how: { readonly key?: crypto.KeyObject; readonly ageSeconds?: number; readonly serial?: string } = {}
): Record<string, string> => {
  const timestamp = String(Math.floor(Date.now() / 1000) - (how.ageSeconds ?? 0))
  const nonce = crypto.randomBytes(16).toString("hex")
  const message = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), body, Buffer.from("\n")])
  return {
    "Request-ID": requestId,
    "Wechatpay-Timestamp": timestamp,
    "Wechatpay-Nonce": nonce,
    "Wechatpay-Serial": how.serial ?? publicKeyId,
    "Wechatpay-Signature": crypto.sign("sha256", message, how.key ?? platform.privateKey).toString("base64"),
    "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"
  }
}

interface Received {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
}

/** A raw server on 127.0.0.1 for the scope; `handle` gets each request with its whole body. */
const server = (
  handle: (request: Received, res: Http.ServerResponse, req: Http.IncomingMessage) => void
): Effect.Effect<{ readonly origin: string; readonly received: Array<Received> }, never, Scope.Scope> => {
  const received: Array<Received> = []
  const http = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) }
      received.push(request)
      handle(request, res, req)
    })
  })
  // Never the server closing an idle connection: only the client's own choices are observed.
  http.keepAliveTimeout = 60_000
  return Effect.map(listenLoopback(http), (origin) => ({ origin, received }))
}

const execute = (request: WechatPayClient.ApiRequest) =>
  Effect.flatMap(WechatPayClient.WechatPayClient, (client) => client.execute(request))

const get = (path: string): WechatPayClient.ApiRequest => ({ endpoint: "Test.Get", method: "GET", path, idempotent: false })

for (const name of Object.keys(transports) as Array<TransportName>) {
  const layerFor = transports[name]

  describe(`over ${name}`, () => {
    // -----------------------------------------------------------------------------------------------------------
    // the default maxResponseBytes is exactly 1 MiB
    // -----------------------------------------------------------------------------------------------------------
    describe("the default response bound is 1,048,576 bytes", () => {
      const sized = () => server((request, res) => {
        const [, size, framing] = request.url.split("/").slice(1) as [string, string, string]
        const body = Buffer.alloc(Number(size), "x")
        const headers = signed(body, `REQ-SIZE-${size}-${framing}`)
        if (framing === "length") {
          res.writeHead(200, { ...headers, "Content-Type": "application/json", "Content-Length": String(body.length) })
          res.end(body)
        } else {
          // No Content-Length: Node sends it chunked, in two chunks.
          res.writeHead(200, { ...headers, "Content-Type": "application/json" })
          res.write(body.subarray(0, 524_288))
          res.end(body.subarray(524_288))
        }
      })

      for (const framing of ["length", "chunked"] as const) {
        it.live(`${framing}: a correctly signed body of exactly 1,048,576 bytes is accepted (default options)`, () =>
          Effect.gen(function*() {
            const { origin, received } = yield* sized()
            const response = yield* execute(get(`/size/1048576/${framing}`)).pipe(Effect.provide(layerFor(options(origin))))
            expect(response.status).toBe(200)
            expect(response.body.length).toBe(1_048_576)
            expect(response.requestId).toBe(`REQ-SIZE-1048576-${framing}`)
            expect(received).toHaveLength(1)
          }))

        it.live(`${framing}: one byte more (1,048,577) is refused: TransportError, reason ResponseBody`, () =>
          Effect.gen(function*() {
            const { origin, received } = yield* sized()
            const result = yield* Effect.result(
              execute(get(`/size/1048577/${framing}`)).pipe(Effect.provide(layerFor(options(origin))))
            )
            // Summarised, so that a wrongly accepted megabyte is not printed in the failure.
            expect(result._tag === "Failure" ? result.failure : { accepted: result.success.body.length })
              .toMatchObject({ _tag: "TransportError", reason: "ResponseBody", method: "GET" })
            expect(received).toHaveLength(1)
          }))
      }
    })

    // -----------------------------------------------------------------------------------------------------------
    // the signature covers the bytes sent
    // -----------------------------------------------------------------------------------------------------------
    describe("the Authorization signature covers the exact bytes sent", () => {
      /** Verifies each request's Authorization with node:crypto over what arrived; answers signed 200 or 401. */
      const verifying = () => server((request, res) => {
        const auth = String(request.headers["authorization"] ?? "")
        const params = Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
        const message = Buffer.concat([
          Buffer.from(`${request.method}\n${request.url}\n${params["timestamp"]}\n${params["nonce_str"]}\n`),
          request.body,
          Buffer.from("\n")
        ])
        const ok = auth.startsWith("WECHATPAY2-SHA256-RSA2048 ") && params["mchid"] === mchid &&
          params["serial_no"] === merchantSerialNumber &&
          crypto.verify("sha256", message, merchant.publicKey, Buffer.from(params["signature"] ?? "", "base64"))
        const body = Buffer.from(JSON.stringify({ verified: ok }))
        res.writeHead(ok ? 200 : 401, { ...signed(body, "REQ-SIGN"), "Content-Type": "application/json" }).end(body)
      })

      const bodies: ReadonlyArray<readonly [string, string]> = [
        ["spaces, a newline and key order not canonical", `{ "card_id" : "x",\n "a":1 }`],
        ["escapes JSON.parse would undo, CJK and an emoji", `{"remark":"\\u91d1金 💎","n":1.0,"e":1e2}`],
        ["a duplicated key", `{"a":1,"a":2}`],
        ["trailing whitespace and a CRLF", `{"a":1}\r\n  `]
      ]
      for (const [what, text] of bodies) {
        it.live(`POST with ${what}: the server verifies the signature over the bytes it received`, () =>
          Effect.gen(function*() {
            const { origin, received } = yield* verifying()
            const response = yield* execute({
              endpoint: "Test.Post",
              method: "POST",
              path: "/v3/raw?x=1",
              body: text,
              idempotent: false
            }).pipe(Effect.provide(layerFor(options(origin))))
            expect(JSON.parse(response.body)).toEqual({ verified: true })
            expect(received).toHaveLength(1)
            expect(received[0]!.body.equals(Buffer.from(text, "utf8"))).toBe(true)
            expect(received[0]!.headers["content-length"]).toBe(String(Buffer.byteLength(text, "utf8")))
          }))
      }

      it.live("a GET (no body) is verified too, over the exact path and query", () =>
        Effect.gen(function*() {
          const { origin } = yield* verifying()
          const response = yield* execute(get("/v3/raw/a%2Fb?q=%E9%87%91&x=1")).pipe(Effect.provide(layerFor(options(origin))))
          expect(JSON.parse(response.body)).toEqual({ verified: true })
        }))
    })

    // -----------------------------------------------------------------------------------------------------------
    // Request-ID and status on every error that carries them
    // -----------------------------------------------------------------------------------------------------------
    describe("every error with a requestId carries the Request-ID the server sent", () => {
      type Scenario = (requestId: string, res: Http.ServerResponse) => void
      const json = (status: number, value: unknown): Scenario => (requestId, res) =>
        res.writeHead(status, { "Request-ID": requestId, "Content-Type": "application/json" }).end(JSON.stringify(value))
      const scenarios: Record<string, Scenario> = {
        param: json(400, { code: "PARAM_ERROR", message: "参数错误" }),
        invalid: json(400, { code: "INVALID_REQUEST", message: "code不存在" }),
        sign: json(401, { code: "SIGN_ERROR", message: "签名错误" }),
        noauth: json(403, { code: "NO_AUTH", message: "无权限" }),
        notfound: json(404, { code: "NOT_FOUND", message: "不存在" }),
        throttled: json(429, { code: "FREQUENCY_LIMITED", message: "频率超限" }),
        system: json(500, { code: "SYSTEM_ERROR", message: "系统错误" }),
        unavailable: json(503, { code: "SERVICE_UNAVAILABLE", message: "服务不可用" }),
        unknown: json(418, { code: "SOMETHING_NEW", message: "?" }),
        empty: (requestId, res) => res.writeHead(502, { "Request-ID": requestId }).end(),
        forged: (requestId, res) => {
          const body = Buffer.from(`{"card_id":"c","code":"forged"}`)
          res.writeHead(201, { ...signed(Buffer.from("{}"), requestId), "Content-Type": "application/json" }).end(body)
        },
        stranger: (requestId, res) => {
          const body = Buffer.from(`{"card_id":"c"}`)
          res.writeHead(200, { ...signed(body, requestId, { key: stranger.privateKey }) }).end(body)
        },
        unsigned: (requestId, res) => res.writeHead(206, { "Request-ID": requestId }).end(`{"card_id":"c"}`),
        stale: (requestId, res) => {
          const body = Buffer.from(`{"card_id":"c"}`)
          res.writeHead(200, signed(body, requestId, { ageSeconds: 3600 })).end(body)
        },
        serial: (requestId, res) => {
          const body = Buffer.from(`{"card_id":"c"}`)
          res.writeHead(203, signed(body, requestId, { serial: "PUB_KEY_ID_0999999999999999999999999999" })).end(body)
        },
        nonjson: (requestId, res) => {
          const body = Buffer.from("<html>bad gateway</html>")
          res.writeHead(200, signed(body, requestId)).end(body)
        },
        shape: (requestId, res) => {
          const body = Buffer.from(`{"balance":"a lot","user_card_status":42}`)
          res.writeHead(203, signed(body, requestId)).end(body)
        }
      }
      const ids = () => server((request, res) => {
        const scenario = request.url.split("/").at(-1)!
        scenarios[scenario]!(`REQ-${name}-${scenario}-08F78BB5AF0610A5`, res)
      })
      const expected: Record<string, Record<string, unknown>> = {
        param: { _tag: "ParamError", status: 400, code: "PARAM_ERROR" },
        invalid: { _tag: "InvalidRequest", status: 400, code: "INVALID_REQUEST" },
        sign: { _tag: "SignError", status: 401, code: "SIGN_ERROR" },
        noauth: { _tag: "NoAuth", status: 403, code: "NO_AUTH" },
        notfound: { _tag: "NotFound", status: 404, code: "NOT_FOUND" },
        throttled: { _tag: "FrequencyLimited", status: 429, code: "FREQUENCY_LIMITED" },
        system: { _tag: "SystemError", status: 500, code: "SYSTEM_ERROR" },
        unavailable: { _tag: "ServiceUnavailable", status: 503, code: "SERVICE_UNAVAILABLE" },
        unknown: { _tag: "UnknownApiError", status: 418, code: "SOMETHING_NEW" },
        empty: { _tag: "UnknownApiError", status: 502, code: "HTTP_502" },
        forged: { _tag: "ResponseVerificationError", reason: "InvalidSignature", status: 201 },
        stranger: { _tag: "ResponseVerificationError", reason: "InvalidSignature", status: 200 },
        unsigned: { _tag: "ResponseVerificationError", reason: "MissingHeader", status: 206 },
        stale: { _tag: "ResponseVerificationError", reason: "StaleTimestamp", status: 200 },
        serial: { _tag: "ResponseVerificationError", reason: "UnknownSerial", status: 203 },
        nonjson: { _tag: "ResponseDecodeError", endpoint: "MemberCard.GetUserCard", status: 200 },
        shape: { _tag: "ResponseDecodeError", endpoint: "MemberCard.GetUserCard", status: 203 }
      }
      for (const scenario of Object.keys(scenarios)) {
        it.live(`${scenario}: ${expected[scenario]!["_tag"]} with requestId === the Request-ID header sent`, () =>
          Effect.gen(function*() {
            const { origin, received } = yield* ids()
            const error = yield* Effect.flip(
              MemberCard.getUserCard({ card_id: "pbLatjvWOibDc5-TBnbUk1pD12o0", code: scenario }).pipe(
                Effect.provide(MemberCard.layer.pipe(Layer.provide(layerFor(options(origin))))),
                Effect.provide(RetryPolicy.layerDisabled)
              )
            )
            expect(error).toMatchObject(expected[scenario]!)
            expect((error as { readonly requestId?: string }).requestId).toBe(`REQ-${name}-${scenario}-08F78BB5AF0610A5`)
            expect(received).toHaveLength(1)
          }))
      }
    })

    // -----------------------------------------------------------------------------------------------------------
    // failover is per call
    // -----------------------------------------------------------------------------------------------------------
    it.live("failover is per call: call 1 fails over to the backup, call 2 starts on the primary again", () =>
      Effect.gen(function*() {
        const answer = (origin: string) => (request: Received, res: Http.ServerResponse, req: Http.IncomingMessage) => {
          if (origin === "primary" && request.url.endsWith("/1")) return req.socket.destroy()
          const body = Buffer.from(JSON.stringify({ origin, url: request.url }))
          res.writeHead(200, signed(body, `REQ-${origin}`)).end(body)
        }
        const primary = yield* server(answer("primary"))
        const backup = yield* server(answer("backup"))
        const calls = Effect.gen(function*() {
          const first = yield* execute({ ...get("/v3/call/1"), idempotent: true })
          const second = yield* execute({ ...get("/v3/call/2"), idempotent: true })
          const third = yield* execute({ ...get("/v3/call/3"), idempotent: true })
          return [first, second, third].map((response) => JSON.parse(response.body))
        })
        const bodies = yield* calls.pipe(
          Effect.provide(layerFor(options(primary.origin, { backupBaseUrl: backup.origin }))),
          Effect.provide(RetryPolicy.layerImmediate())
        )
        expect(bodies).toEqual([
          { origin: "backup", url: "/v3/call/1" },
          { origin: "primary", url: "/v3/call/2" },
          { origin: "primary", url: "/v3/call/3" }
        ])
        expect(primary.received.map((r) => r.url)).toEqual(["/v3/call/1", "/v3/call/2", "/v3/call/3"])
        expect(backup.received.map((r) => r.url)).toEqual(["/v3/call/1"])
      }))
  })
}
