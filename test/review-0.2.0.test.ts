/**
 * The production review of 0.2.0 (issue 9): one spec per finding, each failing on 0.2.0. Scripted transports answer (on the live clock: the responses carry real timestamps)
 * with responses signed here by node:crypto (nothing of the library's signing is reused); the redirect and BOM
 * findings run over real loopback sockets on both transports.
 */
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import {
  Endpoint,
  Media,
  PlatformCertificates,
  MemberCard,
  MemberCardActivity,
  NodeTransport,
  RetryPolicy,
  Transport,
  Verifier,
  WechatPay,
  WechatPayClient,
  WechatPayError
} from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import { card_id, listenLoopback } from "./support.js"

const merchant = Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const platform = Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const publicKeyId = "PUB_KEY_ID_0114232134912410000000000000000000"
const publicKeyPem = platform.publicKey.export({ type: "spki", format: "pem" }).toString()
const identity = {
  mchid: "1900000109",
  merchantSerialNumber: "3775B6A45ACD588826D15E583A95F5DD00000000",
  merchantPrivateKey: Redacted.make(merchant.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
  wechatpayPublicKeys: { [publicKeyId]: publicKeyPem }
}
const code = "478515832665"

/** Headers of a response signed over exactly `body` (bytes), as WeChat signs them. */
const signed = (body: Uint8Array, signature?: string): Record<string, string> => {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = Crypto.randomBytes(16).toString("hex")
  const message = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), body, Buffer.from("\n")])
  return {
    "request-id": `req-${nonce.slice(0, 8)}`,
    "wechatpay-timestamp": timestamp,
    "wechatpay-nonce": nonce,
    "wechatpay-serial": publicKeyId,
    "wechatpay-signature": signature ?? Crypto.sign("sha256", message, platform.privateKey).toString("base64")
  }
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"))
const empty = new Uint8Array(0)

type Reply = { readonly status: number; readonly headers?: Record<string, string>; readonly body?: Uint8Array }
const ok = (json: unknown): Reply => {
  const body = bytes(JSON.stringify(json))
  return { status: 200, headers: { ...signed(body), "content-type": "application/json" }, body }
}
const noContent = (): Reply => ({ status: 204, headers: signed(empty) })
const error = (status: number, code?: string): Reply =>
  code === undefined
    ? { status, headers: { "request-id": "req-err" } }
    : { status, headers: { "request-id": "req-err" }, body: bytes(JSON.stringify({ code, message: code })) }

/**
 * A transport that answers from a script (the last reply repeats) and records what it was asked. With the client,
 * the five endpoints and a retry policy without waits (the decisions are the defaults').
 */
const scripted = (...replies: ReadonlyArray<Reply>) => {
  const sent: Array<Transport.WireRequest> = []
  const transport = Layer.succeed(Transport.Transport, {
    send: (request) =>
      Effect.sync(() => {
        const reply = replies[Math.min(sent.length, replies.length - 1)]!
        sent.push(request)
        return { status: reply.status, headers: reply.headers ?? {}, body: reply.body ?? empty }
      })
  })
  const layer = MemberCard.layer.pipe(
    Layer.provideMerge(WechatPay.layerWith(identity)),
    Layer.provide(transport),
    Layer.merge(RetryPolicy.layerImmediate())
  )
  return { sent, layer }
}

const card = { card_id, code, bonus_value: 500, user_card_status: "EFFECTIVE" }

describe("finding 1: overload and rate limits are retried, classified by status as well as by code", () => {
  const retriedOnce = [
    { name: "503 SERVICE_UNAVAILABLE", reply: error(503, "SERVICE_UNAVAILABLE"), tag: "ServiceUnavailable" },
    { name: "502 with a code we do not know", reply: error(502, "BAD_GATEWAY_SOMETHING"), tag: "UnknownApiError" },
    { name: "501 SERVICE_UNAVAILABLE", reply: error(501, "SERVICE_UNAVAILABLE"), tag: "ServiceUnavailable" },
    { name: "429 RATE_LIMITED", reply: error(429, "RATE_LIMITED"), tag: "FrequencyLimited" },
    { name: "429 without a body", reply: error(429), tag: "UnknownApiError" },
    { name: "429 with a code we do not know", reply: error(429, "TOO_MANY"), tag: "UnknownApiError" }
  ]
  for (const c of retriedOnce) {
    it.live(`${c.name}: a read is repeated and succeeds`, () => {
      const { layer, sent } = scripted(c.reply, ok(card))
      return Effect.gen(function*() {
        const result = yield* MemberCard.getUserCard({ card_id, code })
        expect(result.bonus_value).toBe(500)
        expect(sent.length).toBe(2)
      }).pipe(Effect.provide(layer))
    })
    it.live(`${c.name}: a write is repeated with the same bytes`, () => {
      const { layer, sent } = scripted(c.reply, noContent())
      return Effect.gen(function*() {
        yield* MemberCard.setUserCardRights({ card_id, code, out_request_no: "r-1", add_bonus_value: 5 })
        expect(sent.length).toBe(2)
        expect(Buffer.from(sent[1]!.body!).equals(Buffer.from(sent[0]!.body!))).toBe(true)
      }).pipe(Effect.provide(layer))
    })
    it.live(`${c.name}: decodes to ${c.tag}, retryable or throttled, Request-ID kept`, () => {
      const { layer, sent } = scripted(c.reply)
      return Effect.gen(function*() {
        const e = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }))
        expect(e._tag).toBe(c.tag)
        expect(e.category).toBe(c.reply.status === 429 ? "throttled" : "retryable")
        expect("requestId" in e ? e.requestId : undefined).toBe("req-err")
        expect(sent.length).toBe(4) // 1 + the default 3 retries
      }).pipe(Effect.provide(layer))
    })
  }

  it("categories follow the status whatever the code, and the code where the status says nothing", () => {
    const of = (status: number, code: string) => WechatPayError.fromResponse({ status, code, message: "" }).category
    expect(of(503, "SERVICE_UNAVAILABLE")).toBe("retryable")
    expect(of(503, "ANYTHING")).toBe("retryable")
    expect(of(500, "INVALID_REQUEST")).toBe("retryable")
    expect(of(429, "ANYTHING")).toBe("throttled")
    expect(of(429, "RATELIMIT_EXCEEDED")).toBe("throttled")
    expect(of(400, "ANYTHING")).toBe("client")
    expect(of(400, "PARAM_ERROR")).toBe("client")
    expect(of(401, "SIGN_ERROR")).toBe("auth")
    expect(of(404, "HTTP_404")).toBe("client")
    expect(of(499, "ANYTHING")).toBe("client")
    expect(WechatPayError.fromResponse({ status: 503, code: "SERVICE_UNAVAILABLE", message: "" })._tag).toBe(
      "ServiceUnavailable"
    )
    expect(WechatPayError.fromResponse({ status: 429, code: "RATE_LIMITED", message: "" })._tag).toBe("FrequencyLimited")
  })

  it.live("a 400 is still sent once", () => {
    const { layer, sent } = scripted(error(400, "PARAM_ERROR"))
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }))
      expect(e._tag).toBe("ParamError")
      expect(sent.length).toBe(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("finding 2: a 202 is never a success; an idempotent call is repeated with the original parameters", () => {
  const accepted = (): Reply => ({ status: 202, headers: signed(empty) })

  it.live("a read answered 202 then 200 succeeds with the 200's body, after 2 requests", () => {
    const { layer, sent } = scripted(accepted(), ok(card))
    return Effect.gen(function*() {
      expect((yield* MemberCard.getUserCard({ card_id, code })).bonus_value).toBe(500)
      expect(sent.length).toBe(2)
    }).pipe(Effect.provide(layer))
  })

  it.live("a write answered 202 then 204 is repeated with the same bytes and key", () => {
    const { layer, sent } = scripted(accepted(), noContent())
    return Effect.gen(function*() {
      yield* MemberCard.prepareBonus({ card_id, code, out_trade_no: "T1", mchid: "1900000109", bonus_value: 3 })
      expect(sent.length).toBe(2)
      expect(Buffer.from(sent[1]!.body!).toString()).toBe(Buffer.from(sent[0]!.body!).toString())
      expect(JSON.parse(Buffer.from(sent[0]!.body!).toString()).out_trade_no).toBe("T1")
    }).pipe(Effect.provide(layer))
  })

  it.live("202 every time: a typed, retryable error after the retries, never success", () => {
    const { layer, sent } = scripted(accepted())
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MemberCard.updateUserCard({ card_id, code, out_request_no: "u-1", level: "金卡" }))
      expect(e._tag).toBe("UnknownApiError")
      expect(e).toMatchObject({ status: 202, code: "HTTP_202", category: "retryable" })
      expect((e as WechatPayError.UnknownApiError).message).toContain("not processed")
      expect(sent.length).toBe(4)
    }).pipe(Effect.provide(layer))
  })
})

describe("finding 3: response enums are open, request enums closed", () => {
  it.live("a value WeChat adds (FROZEN, a new common field) decodes, kept as sent", () => {
    const { layer } = scripted(ok({
      ...card,
      user_card_status: "FROZEN",
      user_information: { common_field_list: [{ name: "USER_FORM_FLAG_WECHAT_ID", value: "x" }] }
    }))
    return Effect.gen(function*() {
      const result = yield* MemberCard.getUserCard({ card_id, code })
      expect(result.user_card_status).toBe("FROZEN")
      expect(result.user_information?.common_field_list?.[0]?.name).toBe("USER_FORM_FLAG_WECHAT_ID")
      expect(MemberCard.UserCardStatus.isKnown(result.user_card_status!)).toBe(false)
      expect(MemberCard.UserCardStatus.isKnown("EFFECTIVE")).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.live("a non-string where an enum belongs is still a ResponseDecodeError with the Request-ID", () => {
    const reply = ok({ ...card, user_card_status: 42 })
    const { layer } = scripted(reply)
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }))
      expect(e._tag).toBe("ResponseDecodeError")
      expect((e as WechatPayError.ResponseDecodeError).requestId).toBe(reply.headers!["request-id"])
    }).pipe(Effect.provide(layer))
  })

  it("the request side of an enum stays closed", () => {
    const decode = Schema.decodeUnknownResult(MemberCard.UserCardStatus.request)
    expect(decode("EFFECTIVE")._tag).toBe("Success")
    expect(decode("FROZEN")._tag).toBe("Failure")
  })

  /** Every string literal reachable in a schema's AST (a closed enum, in a response, is a bug waiting for WeChat). */
  const stringLiterals = (ast: SchemaAST.AST, seen = new Set<SchemaAST.AST>()): Array<string> => {
    if (seen.has(ast)) return []
    seen.add(ast)
    // Schema v4 has no Refinement or Transformation nodes: a refinement is a check on the node itself, and what a
    // transformation decodes from is the node's `encoding` (the links to the encoded side), walked here as well.
    const encoded = (ast.encoding ?? []).flatMap((link) => stringLiterals(link.to, seen))
    const own = (): Array<string> => {
      switch (ast._tag) {
        case "Literal":
          return typeof ast.literal === "string" ? [ast.literal] : []
        case "Union":
          return ast.types.flatMap((t) => stringLiterals(t, seen))
        case "Objects":
          return ast.propertySignatures.flatMap((p) => stringLiterals(p.type, seen))
        case "Arrays":
          return [...ast.elements, ...ast.rest].flatMap((t) => stringLiterals(t, seen))
        case "Declaration":
          return ast.typeParameters.flatMap((t) => stringLiterals(t, seen))
        case "Suspend":
          return stringLiterals(ast.thunk(), seen)
        default:
          return []
      }
    }
    return [...own(), ...encoded]
  }

  it("the convention holds for every declared endpoint: no closed string enum in any response schema", () => {
    const declared = [MemberCard, MemberCardActivity, Media, PlatformCertificates, PartnerCardMember, BrandCardMember].flatMap((module) =>
      (Object.values(module) as ReadonlyArray<unknown>).filter(
        (value): value is { readonly definition: Endpoint.Definition<object> & { response?: Schema.Top } } =>
          typeof value === "function" && "definition" in value
      )
    )
    // The whole product: 31 membercard-open endpoints, 4 membercard-activity endpoints, the image upload, the
    // platform-certificate download, and 商家名片会员卡's 22 provider and 16 brand endpoints.
    expect(declared.length).toBe(37 + 22 + 16)
    for (const endpoint of declared) {
      const response = endpoint.definition.response
      if (response !== undefined) expect(stringLiterals(response.ast), endpoint.definition.name).toEqual([])
    }
    // The walk sees a closed enum where there is one.
    expect(stringLiterals(Schema.Struct({ s: MemberCard.UserCardStatus.request }).ast)).toContain("EFFECTIVE")
  })
})

describe("finding 4: a lone surrogate anywhere in a request is a RequestValidationError, never a defect", () => {
  const search = Endpoint.make({
    name: "Test.Search",
    method: "GET",
    path: "/v3/test/{card_id}",
    request: Schema.Struct({ card_id: Schema.String, q: Schema.optional(Schema.String) })
  })
  const cases: ReadonlyArray<{
    readonly name: string
    readonly run: () => Effect.Effect<unknown, WechatPayError.WechatPayError, MemberCard.Services>
    readonly path: string
  }> = [
    { name: "path parameter (high surrogate)", run: () => MemberCard.getUserCard({ card_id, code: "12\uD800" }), path: "code" },
    { name: "path parameter (low surrogate)", run: () => MemberCard.getUserCard({ card_id: "\uDC00x", code }), path: "card_id" },
    {
      name: "body field",
      run: () => MemberCard.updateUserCard({ card_id, code, out_request_no: "u-1", level: "金\uDBFF" }),
      path: "level"
    },
    {
      name: "nested body field",
      run: () =>
        MemberCard.setUserCardRights({ card_id, code, out_request_no: "r-1", guide: { staff_name: "\uD83D" } }),
      path: "guide.staff_name"
    }
  ]
  for (const c of cases) {
    it.live(c.name, () => {
      const { layer, sent } = scripted(noContent())
      return Effect.gen(function*() {
        const exit = yield* Effect.exit(c.run())
        expect(Exit.isFailure(exit) && !Exit.hasInterrupts(exit)).toBe(true)
        const e = yield* Effect.flip(c.run())
        expect(e._tag).toBe("RequestValidationError")
        expect((e as WechatPayError.RequestValidationError).fields).toEqual([c.path])
        expect(sent.length).toBe(0)
      }).pipe(Effect.provide(layer))
    })
  }

  it.live("query value", () => {
    const { layer, sent } = scripted(ok({}))
    return Effect.gen(function*() {
      const client = yield* WechatPayClient.WechatPayClient
      const e = yield* Effect.flip(search(client)({ card_id: "c", q: "a\uD800b" }))
      expect(e._tag).toBe("RequestValidationError")
      expect(sent.length).toBe(0)
      // A well-formed pair (an emoji) is a character like any other, sent UTF-8 percent-encoded.
      yield* search(client)({ card_id: "c", q: "💎" })
      expect(sent[0]!.target).toBe("/v3/test/c?q=%F0%9F%92%8E")
    }).pipe(Effect.provide(layer))
  })
})

describe("finding 5: configuration that is almost right fails when the layer is built", () => {
  const build = (layer: Layer.Layer<WechatPayClient.WechatPayClient, unknown>) =>
    Effect.flip(Effect.scoped(Layer.build(layer)))
  const layers = {
    "WechatPay.layer": (o: Partial<WechatPay.Options>) =>
      WechatPay.layer({ ...identity, ...o } as WechatPay.Options).pipe(Layer.provide(FetchHttpClient.layer)),
    "WechatPay.layerNode": (o: Partial<WechatPay.Options>) => WechatPay.layerNode({ ...identity, ...o } as WechatPay.Options)
  }
  const bad: ReadonlyArray<readonly [string, Partial<WechatPay.Options>, string]> = [
    ["public-key id with a trailing space", { wechatpayPublicKeys: { [`${publicKeyId} `]: publicKeyPem } }, "publicKeys"],
    ["public-key id with a trailing newline", { wechatpayPublicKeys: { [`${publicKeyId}\n`]: publicKeyPem } }, "publicKeys"],
    ["public-key id with letters after the prefix", { wechatpayPublicKeys: { PUB_KEY_ID_ABC: publicKeyPem } }, "publicKeys"],
    ["mchid with a trailing newline", { mchid: "1900000109\n" }, "mchid"],
    ["maxResponseBytes NaN", { maxResponseBytes: Number.NaN }, "maxResponseBytes"],
    ["maxResponseBytes -1", { maxResponseBytes: -1 }, "maxResponseBytes"],
    ["maxResponseBytes 0", { maxResponseBytes: 0 }, "maxResponseBytes"],
    ["maxResponseBytes 1.5", { maxResponseBytes: 1.5 }, "maxResponseBytes"],
    ["maxResponseBytes Infinity", { maxResponseBytes: Number.POSITIVE_INFINITY }, "maxResponseBytes"],
    ["timeout \"ten seconds\"", { timeout: "ten seconds" as never }, "timeout"],
    ["maxClockSkew \"soon\"", { maxClockSkew: "soon" as never }, "maxClockSkew"]
  ]
  for (const [name, make] of Object.entries(layers)) {
    for (const [what, options, option] of bad) {
      it.live(`${name}: ${what} → ConfigurationError(${option})`, () =>
        Effect.gen(function*() {
          const e = yield* build(make(options))
          expect(e).toBeInstanceOf(WechatPayError.ConfigurationError)
          expect((e as WechatPayError.ConfigurationError).option).toBe(option)
        }))
    }
    it.live(`${name}: the limits themselves are accepted (1 byte, 1 ms)`, () =>
      Effect.scoped(Layer.build(make({ maxResponseBytes: 1, timeout: "1 millis" }))))
  }

  it.live("NodeTransport options: idleTimeout and maxSockets are checked", () =>
    Effect.gen(function*() {
      for (const options of [{ idleTimeout: "whenever" as never }, { maxSockets: 0 }, { maxSockets: 2.5 }]) {
        const e = yield* Effect.flip(Effect.scoped(Layer.build(NodeTransport.layer(options))))
        expect(e._tag).toBe("ConfigurationError")
      }
    }))

  it.live("from the environment: ids and URLs are trimmed (a trailing newline from an env file still works)", () =>
    Effect.gen(function*() {
      const config = yield* WechatPay.config.parse(ConfigProvider.fromEnvRecord({
        WECHATPAY_MCHID: " 1900000109\n",
        WECHATPAY_MERCHANT_SERIAL_NUMBER: `${identity.merchantSerialNumber}\r\n`,
        WECHATPAY_MERCHANT_PRIVATE_KEY: Redacted.value(identity.merchantPrivateKey),
        WECHATPAY_PUBLIC_KEY_ID: `${publicKeyId}\n`,
        WECHATPAY_PUBLIC_KEY: publicKeyPem,
        WECHATPAY_BASE_URL: "https://api.mch.weixin.qq.com \n"
      }))
      expect(config.mchid).toBe("1900000109")
      expect(config.merchantSerialNumber).toBe(identity.merchantSerialNumber)
      expect(Object.keys(config.wechatpayPublicKeys)).toEqual([publicKeyId])
      expect(config.baseUrl).toBe("https://api.mch.weixin.qq.com")
      yield* Effect.scoped(Layer.build(WechatPay.layerNode(config)))
    }))

  it.live("Verifier alone: a stray space in an id is refused", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Verifier.make({ publicKeys: { [`${publicKeyId} `]: publicKeyPem } }))
      expect(e.option).toBe("publicKeys")
      expect(e.message).toContain("PUB_KEY_ID_")
    }))
})

/** A raw server on 127.0.0.1 answering every request with `reply`, counting what it receives. */
const rawServer = (reply: (req: Http.IncomingMessage) => Reply) =>
  Effect.gen(function*() {
    const seen: Array<{ method: string; url: string; body: string }> = []
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString() })
        const r = reply(req)
        const body = r.body ?? empty
        res.writeHead(r.status, { ...r.headers, ...(r.status === 204 ? {} : { "content-length": String(body.byteLength) }) })
        res.end(Buffer.from(body))
      })
    })
    const origin = yield* listenLoopback(server)
    return { origin, seen }
  })

const overBoth = (baseUrl: string) => [
  {
    name: "HttpClientTransport (fetch)",
    layer: MemberCard.layer.pipe(
      Layer.provide(WechatPay.layer({ ...identity, baseUrl })),
      Layer.provide(FetchHttpClient.layer),
      Layer.merge(RetryPolicy.layerImmediate())
    )
  },
  {
    name: "NodeTransport",
    layer: MemberCard.layer.pipe(
      Layer.provide(WechatPay.layerNode({ ...identity, baseUrl })),
      Layer.merge(RetryPolicy.layerImmediate())
    )
  }
]

describe("finding 6: a redirect is refused on both transports, typed and not retried; nothing goes to its target", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it.live(`${status} on a read and on a write`, () =>
      Effect.gen(function*() {
        const elsewhere = yield* rawServer(() => ok(card))
        const redirecting = yield* rawServer((req) => ({
          status,
          headers: { location: `${elsewhere.origin}${req.url}`, "request-id": "req-redirect" }
        }))
        for (const client of overBoth(redirecting.origin)) {
          const before = redirecting.seen.length
          const read = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(client.layer)))
          expect(read, client.name).toMatchObject({ _tag: "UnknownApiError", status, code: `HTTP_${status}`, requestId: "req-redirect" })
          expect((read as WechatPayError.UnknownApiError).category, client.name).toBe("client")
          expect((read as WechatPayError.UnknownApiError).message).toContain("redirect")
          const write = yield* Effect.flip(
            MemberCard.setUserCardRights({ card_id, code, out_request_no: "r-redirect", add_bonus_value: 1 }).pipe(
              Effect.provide(client.layer)
            )
          )
          expect(write, client.name).toMatchObject({ _tag: "UnknownApiError", status })
          expect(redirecting.seen.length - before, client.name).toBe(2)
        }
        expect(elsewhere.seen).toEqual([])
      }))
  }
})

describe("finding 7: responses are verified over the bytes received, on both transports", () => {
  it.live("a correctly signed body that starts with a UTF-8 BOM verifies and decodes", () =>
    Effect.gen(function*() {
      const body = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(JSON.stringify(card))])
      const server = yield* rawServer(() => ({ status: 200, headers: { ...signed(body), "content-type": "application/json" }, body }))
      for (const client of overBoth(server.origin)) {
        const result = yield* MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(client.layer))
        expect(result.bonus_value, client.name).toBe(500)
      }
    }))

  it.live("bytes that are not valid UTF-8 are verified as sent (text decoding would have replaced them)", () =>
    Effect.gen(function*() {
      const json = bytes(JSON.stringify({ ...card, nickname: "AB" }))
      const at = Buffer.from(json).indexOf("AB")
      json[at] = 0xff // an invalid UTF-8 byte inside a string value
      const server = yield* rawServer(() => ({ status: 200, headers: { ...signed(json), "content-type": "application/json" }, body: json }))
      for (const client of overBoth(server.origin)) {
        const result = yield* MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(client.layer))
        expect(result.nickname, client.name).toBe("\uFFFDB")
      }
    }))

  it.live("a BOM added after signing is still refused", () =>
    Effect.gen(function*() {
      const json = bytes(JSON.stringify(card))
      const body = new Uint8Array([0xef, 0xbb, 0xbf, ...json])
      const server = yield* rawServer(() => ({ status: 200, headers: { ...signed(json), "content-type": "application/json" }, body }))
      for (const client of overBoth(server.origin)) {
        const e = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }).pipe(Effect.provide(client.layer)))
        expect(e, client.name).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidSignature", status: 200 })
      }
    }))
})

describe("finding 9: lengths count characters; undefined is absent; a probe on a GET is asked once more", () => {
  const level = (value: string) => {
    const { layer, sent } = scripted(noContent())
    return MemberCard.updateUserCard({ card_id, code, out_request_no: "u-1", level: value }).pipe(
      Effect.result,
      Effect.map((result) => ({ result, sent: sent.length })),
      Effect.provide(layer)
    )
  }
  it.live("level (string(5)): five emoji are five characters; six are refused", () =>
    Effect.gen(function*() {
      expect((yield* level("💎💎💎💎💎")).sent).toBe(1)
      const six = yield* level("💎💎💎💎💎💎")
      expect(six.sent).toBe(0)
      expect(six.result._tag === "Failure" && six.result.failure._tag).toBe("RequestValidationError")
      expect((yield* level("钻石会员卡")).sent).toBe(1)
      expect((yield* level("钻石会员卡A")).sent).toBe(0)
    }))

  it.live("undefined optional fields (a caller without exactOptionalPropertyTypes) are accepted and not sent", () => {
    const { layer, sent } = scripted(noContent())
    // What such a caller's code compiles to: the fields are present, holding undefined.
    const loose = { card_id, code, out_request_no: "u-2", level: undefined, balance_information: undefined } as unknown as
      MemberCard.UpdateUserCardRequest
    const nested = { card_id, code, out_request_no: "r-2", guide: { staff_name: "小王", phone_number: undefined } } as unknown as
      MemberCard.SetUserCardRightsRequest
    return Effect.gen(function*() {
      yield* MemberCard.updateUserCard(loose)
      expect(Buffer.from(sent[0]!.body!).toString()).toBe(`{"out_request_no":"u-2"}`)
      yield* MemberCard.setUserCardRights(nested)
      expect(Buffer.from(sent[1]!.body!).toString()).toBe(`{"out_request_no":"r-2","guide":{"staff_name":"小王"}}`)
      // A required field is still required, undefined or not.
      const missing = yield* Effect.flip(
        MemberCard.updateUserCard({ card_id, code, out_request_no: undefined } as unknown as MemberCard.UpdateUserCardRequest)
      )
      expect(missing._tag).toBe("RequestValidationError")
      expect(sent.length).toBe(2)
    }).pipe(Effect.provide(layer))
  })

  const probe = (): Reply => {
    const body = bytes(JSON.stringify(card))
    return { status: 200, headers: signed(body, `WECHATPAY/SIGNTEST/${"A".repeat(340)}==`), body }
  }

  it.live("a GET answered with a probe is asked once more and succeeds", () => {
    const { layer, sent } = scripted(probe(), ok(card))
    return Effect.gen(function*() {
      expect((yield* MemberCard.getUserCard({ card_id, code })).bonus_value).toBe(500)
      expect(sent.length).toBe(2)
    }).pipe(Effect.provide(layer))
  })

  it.live("two probes in a row: the second is the answer (probe: true), after exactly 2 requests", () => {
    const { layer, sent } = scripted(probe())
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }))
      expect(e).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidSignature", probe: true })
      expect(sent.length).toBe(2)
    }).pipe(Effect.provide(layer))
  })

  it.live("a write answered with a probe is not repeated (it was applied all the same)", () => {
    const { layer, sent } = scripted(probe())
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MemberCard.setUserCardRights({ card_id, code, out_request_no: "r-p", add_bonus_value: 1 }))
      expect(e).toMatchObject({ _tag: "ResponseVerificationError", probe: true })
      expect(sent.length).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.live("any other bad signature on a GET is never repeated", () => {
    const body = bytes(JSON.stringify(card))
    const { layer, sent } = scripted({ status: 200, headers: signed(bytes("{}")), body })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MemberCard.getUserCard({ card_id, code }))
      expect(e).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidSignature" })
      expect("probe" in e ? e.probe : undefined).toBeUndefined()
      expect(sent.length).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.live("with retries disabled, a probe is not repeated either", () => {
    const { layer, sent } = scripted(probe(), ok(card))
    return Effect.gen(function*() {
      const e = yield* Effect.flip(
        MemberCard.getUserCard({ card_id, code }).pipe(Effect.provideService(RetryPolicy.RetryPolicy, RetryPolicy.disabled))
      )
      expect(e._tag).toBe("ResponseVerificationError")
      expect(sent.length).toBe(1)
    }).pipe(Effect.provide(layer))
  })
})
