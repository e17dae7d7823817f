/**
 * 0.6.0 hardening of Notification and httpApp (review items): the signature is checked over the exact bytes received
 * (a body that changes when decoded as text), a Wechatpay-* header sent twice with different values is refused, an
 * event_type naming a built-in property of objects is an Unknown event, a verified notification that cannot be
 * opened reaches the dead-letter hook, the body read is bounded in time (a dripping client gets 408), and a handler
 * that outlives the store's lease keeps its claim alive — or is stopped — so that one id never runs twice at once.
 */
import * as crypto from "node:crypto"
import * as Http from "node:http"
import * as Net from "node:net"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Aead from "../src/internal/aead.js"
import * as Notification from "../src/Notification.js"
import * as NotificationStore from "../src/NotificationStore.js"
import * as Verifier from "../src/Verifier.js"
import { listenLoopback } from "./support.js"

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" }
})
const keyId = "PUB_KEY_ID_0114232019042900000000000000000001"
const apiV3Key = "Zq4xV7mW2pL9sT1cR8nB3kF6hJ0dG5aY"
const wrongApiV3Key = "Hk2nP8qW4xT6vB1mZ9cL3sR7fJ0dG5aY"
const openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"

let sequence = 0
const freshId = () => `EV-H06-${Date.now()}-${sequence++}`

interface Delivery {
  readonly headers: Record<string, string>
  readonly body: Buffer
}

const envelopeOf = (options: { readonly id?: string; readonly event_type?: string; readonly key?: string } = {}) => {
  const nonce = "fdasflkja484"
  return {
    id: options.id ?? freshId(),
    create_time: "2024-08-14T12:00:00+08:00",
    resource_type: "encrypt-resource",
    event_type: options.event_type ?? "MEMBERCARD.ACCEPT_CARD",
    summary: "领卡通知",
    resource: {
      original_type: "membercard",
      algorithm: "AEAD_AES_256_GCM",
      ciphertext: Effect.runSync(Aead.encrypt(
        Aead.keyBytes(options.key ?? apiV3Key),
        nonce,
        "membercard",
        Buffer.from(JSON.stringify({ event_type: "NEW_ACTIVATE", card_id, event_time: "2024-08-14T12:00:00+08:00", openid }))
      )),
      associated_data: "membercard",
      nonce
    }
  }
}

/** Signed over exactly `body`'s bytes, at `at` (seconds; default now by the real clock). */
const sign = (body: Buffer, at?: number): Delivery => {
  const ts = String(at ?? Math.floor(Date.now() / 1000))
  const nonce = crypto.randomBytes(16).toString("hex")
  return {
    headers: {
      "wechatpay-timestamp": ts,
      "wechatpay-nonce": nonce,
      "wechatpay-serial": keyId,
      "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
      "wechatpay-signature": crypto.sign("sha256", Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), body, Buffer.from("\n")]), privateKey)
        .toString("base64"),
      "content-type": "application/json",
      "request-id": "08F78BB5AF0610D302"
    },
    body
  }
}

const notification = (options: { readonly id?: string; readonly event_type?: string; readonly key?: string } = {}) =>
  sign(Buffer.from(JSON.stringify(envelopeOf(options))))

/**
 * Bodies that are valid only as bytes: decoding them as UTF-8 text and encoding again gives other bytes. A BOM
 * (TextDecoder drops it) and an invalid UTF-8 byte inside a JSON string (it becomes U+FFFD, three bytes).
 */
const onlyAsBytes = (id: string): ReadonlyArray<{ readonly name: string; readonly body: Buffer }> => {
  const json = JSON.stringify(envelopeOf({ id }))
  const at = json.indexOf("领卡通知")
  return [
    { name: "BOM", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]) },
    {
      name: "invalid UTF-8",
      body: Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from([0xff, 0xc3]), Buffer.from(json.slice(at))])
    }
  ]
}
const reencoded = (body: Buffer) => Buffer.from(new TextDecoder().decode(body))

const VerifierLive = Verifier.layer({ publicKeys: { [keyId]: publicKey } })
const NotificationsLive = (key = apiV3Key, options: Partial<Notification.Options> = {}) =>
  Notification.layer({ apiV3Key: Redacted.make(key), ...options }).pipe(Layer.provide(VerifierLive), Layer.orDie)

const parseLive = (input: Notification.Input) => Notification.parse(input).pipe(Effect.provide(NotificationsLive()))

const logs: Array<{ level: string; text: string }> = []
const CapturingLogger = Logger.make((options) => {
  logs.push({ level: options.logLevel.toUpperCase(), text: Logger.formatLogFmt.log(options) })
})

/** `httpApp(handle, options)` on 127.0.0.1 for the scope; its port. */
const serve = <E>(
  handle: (event: Notification.Event) => Effect.Effect<void, E>,
  options: Notification.HttpAppOptions = {}
): Effect.Effect<number, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const handler = yield* NodeHttpServer.makeHandler(Notification.httpApp(handle, options), { scope }).pipe(
      Effect.provide(Layer.mergeAll(
        NotificationsLive(),
        NotificationStore.layerMemory(),
        Logger.layer([CapturingLogger])
      ))
    )
    const origin = yield* listenLoopback(Http.createServer(handler))
    return Number(new URL(origin).port)
  })

interface RawAnswer {
  readonly status: number
  readonly text: string
  /** Milliseconds from connecting until the server closed the connection. */
  readonly closedAfter: number
}

/**
 * One request over a raw socket: `head` lines as given (names in their case, repeated names kept), then the body in
 * `chunks`, `gap` ms apart. Resolves when the server closes the connection, or `wait` ms after the last write.
 */
const raw = (
  port: number,
  head: ReadonlyArray<readonly [string, string]>,
  chunks: ReadonlyArray<Buffer>,
  options: { readonly gap?: number; readonly contentLength?: number; readonly wait?: number } = {}
) =>
  Effect.callback<RawAnswer, Error>((resume) => {
    const started = Date.now()
    const socket = Net.connect(port, "127.0.0.1")
    const received: Array<Buffer> = []
    let done = false
    const timers: Array<NodeJS.Timeout> = []
    const finish = () => {
      if (done) return
      done = true
      for (const t of timers) clearTimeout(t)
      socket.destroy()
      const text = Buffer.concat(received).toString("latin1")
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      resume(Effect.succeed({ status, text, closedAfter: Date.now() - started }))
    }
    socket.on("data", (d: Buffer) => {
      received.push(d)
      // keep-alive: a complete answer without a body or with a JSON body ends the exchange for this test
      const text = Buffer.concat(received).toString("latin1")
      if (/\r\n\r\n/.test(text) && (/^HTTP\/1\.1 204/.test(text) || /\}$/.test(text))) {
        timers.push(setTimeout(finish, 20))
      }
    })
    socket.on("end", finish)
    socket.on("close", finish)
    socket.on("error", finish)
    const length = options.contentLength ?? chunks.reduce((n, c) => n + c.length, 0)
    const lines = [
      "POST /notify HTTP/1.1",
      "Host: 127.0.0.1",
      `Content-Length: ${length}`,
      ...head.map(([name, value]) => `${name}: ${value}`)
    ]
    socket.write(lines.join("\r\n") + "\r\n\r\n")
    chunks.forEach((chunk, i) => {
      timers.push(setTimeout(() => {
        if (!socket.destroyed) socket.write(chunk)
      }, (options.gap ?? 0) * i))
    })
    timers.push(setTimeout(finish, (options.gap ?? 0) * chunks.length + (options.wait ?? 2_000)))
  })

const headLines = (headers: Record<string, string>) => Object.entries(headers) as Array<[string, string]>

describe("the signature is checked over the exact bytes received", () => {
  it.live("parse: a body valid only as bytes verifies; its re-encoded text does not, either way round", () =>
    Effect.gen(function*() {
      for (const { body, name } of onlyAsBytes(freshId())) {
        expect(reencoded(body).equals(body), name).toBe(false)
        const delivery = sign(body)
        const event = yield* parseLive({ headers: delivery.headers, body: new Uint8Array(body) })
        expect(event._tag, name).toBe("AcceptCard")
        // The received bytes re-encoded (as a decode-then-encode step would) do not match the signature …
        const changed = yield* Effect.flip(parseLive({ headers: delivery.headers, body: new Uint8Array(reencoded(body)) }))
        expect(changed._tag, name).toBe("NotificationVerificationError")
        // … and a signature over the re-encoded text does not verify the bytes that arrived.
        const overText = sign(reencoded(body))
        const mismatch = yield* Effect.flip(parseLive({ headers: overText.headers, body: new Uint8Array(body) }))
        expect(mismatch._tag, name).toBe("NotificationVerificationError")
      }
    }))

  it.live("httpApp over a raw socket: the bytes-only body is handled (204); signed over its text, refused (401)", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const port = yield* serve((event) => Effect.sync(() => void seen.push(event.id)))
      for (const { body, name } of onlyAsBytes(freshId())) {
        const good = sign(body)
        expect((yield* raw(port, headLines(good.headers), [body])).status, name).toBe(204)
        const overText = sign(reencoded(body))
        expect((yield* raw(port, headLines(overText.headers), [body])).status, name).toBe(401)
      }
      expect(seen).toHaveLength(1) // both bodies carry the same id: the second is a duplicate
    }))
})

describe("a Wechatpay-* header sent twice with different values is refused", () => {
  const signatureOf = (d: Delivery) => d.headers["wechatpay-signature"]!
  it.live("parse: in two letter cases, in an array, or joined with a comma; in either order", () =>
    Effect.gen(function*() {
      const good = notification()
      const other = signatureOf(notification())
      const { "wechatpay-signature": _, ...rest } = good.headers
      const ambiguous: ReadonlyArray<Notification.Input["headers"]> = [
        { ...rest, "Wechatpay-Signature": signatureOf(good), "wechatpay-signature": other },
        { ...rest, "wechatpay-signature": other, "WECHATPAY-SIGNATURE": signatureOf(good) },
        { ...rest, "wechatpay-signature": [signatureOf(good), other] },
        { ...rest, "wechatpay-signature": `${signatureOf(good)}, ${other}` },
        { ...good.headers, "Wechatpay-Timestamp": String(Number(good.headers["wechatpay-timestamp"]) + 1) },
        { ...good.headers, "WECHATPAY-SERIAL": "PUB_KEY_ID_0114232019042900000000000000000002" }
      ]
      for (const headers of ambiguous) {
        const error = yield* Effect.flip(parseLive({ headers, body: good.body }))
        expect(error._tag).toBe("NotificationVerificationError")
        expect(error._tag === "NotificationVerificationError" && error.reason).toBe("AmbiguousHeader")
      }
      // The same value twice (a proxy that repeats headers) is one value.
      const repeated: ReadonlyArray<Notification.Input["headers"]> = [
        { ...good.headers, "Wechatpay-Signature": signatureOf(good) },
        { ...rest, "wechatpay-signature": [signatureOf(good), signatureOf(good)] },
        { ...rest, "wechatpay-signature": `${signatureOf(good)}, ${signatureOf(good)}` }
      ]
      for (const headers of repeated) {
        expect((yield* parseLive({ headers, body: good.body }))._tag).toBe("AcceptCard")
      }
    }))

  it.live("httpApp over a raw socket: 401 AmbiguousHeader, the handler never runs; the same value twice is 204", () =>
    Effect.gen(function*() {
      logs.length = 0
      const seen: Array<string> = []
      const port = yield* serve((event) => Effect.sync(() => void seen.push(event.id)))
      const good = notification()
      const other = signatureOf(notification())
      const lines = headLines(good.headers).filter(([name]) => name !== "wechatpay-signature")
      const first = yield* raw(port, [...lines, ["Wechatpay-Signature", signatureOf(good)], ["wechatpay-signature", other]], [good.body])
      expect(first.status).toBe(401)
      const second = yield* raw(port, [...lines, ["wechatpay-signature", other], ["WECHATPAY-SIGNATURE", signatureOf(good)]], [good.body])
      expect(second.status).toBe(401)
      expect(logs.filter((l) => l.text.includes("reason=AmbiguousHeader"))).toHaveLength(2)
      expect(seen).toHaveLength(0)
      const twice = yield* raw(port, [...lines, ["Wechatpay-Signature", signatureOf(good)], ["wechatpay-signature", signatureOf(good)]], [good.body])
      expect(twice.status).toBe(204)
      expect(seen).toHaveLength(1)
    }))
})

describe("an event_type naming a built-in property of objects", () => {
  it.live("decodes as the Unknown event (never a crash, never a known one)", () =>
    Effect.gen(function*() {
      for (const event_type of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "__defineGetter__"]) {
        const event = yield* parseLive(notification({ event_type })).pipe(Effect.sandbox, Effect.exit)
        expect(Exit.isSuccess(event), event_type).toBe(true)
        if (Exit.isSuccess(event)) {
          expect(event.value._tag).toBe("Unknown")
          expect(event.value.event_type).toBe(event_type)
          expect(event.value.resource).toMatchObject({ card_id, openid })
        }
      }
    }))
})


describe("dead letters: a verified notification that cannot be opened", () => {
  it.live("reaches onDeadLetter with the exact bytes and headers received; 400 as before; replayable", () =>
    Effect.gen(function*() {
      logs.length = 0
      const letters: Array<Notification.DeadLetter> = []
      const seen: Array<string> = []
      const port = yield* serve((event) => Effect.sync(() => void seen.push(event.id)), {
        onDeadLetter: (letter) => Effect.sync(() => void letters.push(letter))
      })
      // Sealed with another APIv3 key (a key rotated on one side only), and an envelope without its id.
      const id = freshId()
      const sealed = notification({ id, key: wrongApiV3Key })
      const { id: _, ...withoutId } = envelopeOf()
      const noId = sign(Buffer.from(JSON.stringify(withoutId)))
      // A BOM-prefixed body: the letter must hold the bytes, not a decoded copy.
      const bom = sign(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("[]")]))
      expect((yield* raw(port, headLines(sealed.headers), [sealed.body])).status).toBe(400)
      expect((yield* raw(port, headLines(noId.headers), [noId.body])).status).toBe(400)
      expect((yield* raw(port, headLines(bom.headers), [bom.body])).status).toBe(400)
      // Not verified: no letter (it may be forged).
      const forged = { ...sealed, body: Buffer.from(sealed.body.toString().replace("领卡通知", "激活通知")) }
      expect((yield* raw(port, headLines(forged.headers), [forged.body])).status).toBe(401)
      expect(letters.map((l) => [l.error._tag, l.id])).toEqual([
        ["NotificationDecryptError", id],
        ["NotificationDecodeError", undefined],
        ["NotificationDecodeError", undefined]
      ])
      expect(Buffer.from(letters[0]!.body).equals(sealed.body)).toBe(true)
      expect(Buffer.from(letters[2]!.body).equals(bom.body)).toBe(true)
      for (const [name, value] of Object.entries(sealed.headers)) expect(letters[0]!.headers[name]).toBe(value)
      expect(letters[0]!.requestId).toBe("08F78BB5AF0610D302")
      expect(seen).toHaveLength(0)
      // Replay once the key is fixed: the stored letter parses (a wide enough clock window for its age).
      const replayed = yield* Notification.parse({ headers: letters[0]!.headers, body: letters[0]!.body }).pipe(
        Effect.provide(NotificationsLive(wrongApiV3Key, { maxClockSkew: "30 days" }))
      )
      expect(replayed).toMatchObject({ _tag: "AcceptCard", id, resource: { openid } })
      for (const line of logs) expect(line.text).not.toContain(openid)
    }))

  it.live("a hook that fails or dies is logged; the answer stays 400", () =>
    Effect.gen(function*() {
      logs.length = 0
      let calls = 0
      const port = yield* serve(() => Effect.void, {
        onDeadLetter: () => Effect.suspend(() => ++calls === 1 ? Effect.fail("disk full") : Effect.die("boom"))
      })
      for (let i = 0; i < 2; i++) {
        const sealed = notification({ key: wrongApiV3Key })
        expect((yield* raw(port, headLines(sealed.headers), [sealed.body])).status).toBe(400)
      }
      expect(calls).toBe(2)
      expect(logs.filter((l) => l.text.includes("dead letter not stored"))).toHaveLength(2)
    }))
})

describe("the body read is bounded in time", () => {
  it.live("a client dripping its body gets 408 at bodyTimeout and the connection is closed; a prompt one 204", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const port = yield* serve((event) => Effect.sync(() => void seen.push(event.id)), { bodyTimeout: "500 millis" })
      const delivery = notification()
      const drips = Array.from({ length: 60 }, (_, i) => delivery.body.subarray(i, i + 1))
      const dripped = yield* raw(port, headLines(delivery.headers), drips, {
        gap: 50,
        contentLength: delivery.body.length,
        wait: 0
      })
      expect(dripped.status).toBe(408)
      expect(JSON.parse(dripped.text.slice(dripped.text.indexOf("\r\n\r\n") + 4))).toMatchObject({ code: "FAIL" })
      // Closed by the server soon after the timeout, long before the 60 drips (3 s) would have ended.
      expect(dripped.closedAfter).toBeGreaterThanOrEqual(450)
      expect(dripped.closedAfter).toBeLessThan(2_500)
      expect(seen).toHaveLength(0)
      // The whole body at once, or in a few quick pieces, is read well within the bound.
      expect((yield* raw(port, headLines(delivery.headers), [delivery.body])).status).toBe(204)
      const again = notification()
      const pieces = [again.body.subarray(0, 100), again.body.subarray(100, 400), again.body.subarray(400)]
      expect((yield* raw(port, headLines(again.headers), pieces, { gap: 30 })).status).toBe(204)
      expect(seen).toHaveLength(2)
    }))

  it.live("a Content-Length over maxBodyBytes is answered 413 at once, without waiting for the body", () =>
    Effect.gen(function*() {
      const port = yield* serve(() => Effect.void, { bodyTimeout: "2 seconds", maxBodyBytes: 1024 })
      const delivery = notification()
      // Nothing of the declared body is sent: only the header can justify the answer, long before bodyTimeout.
      const answer = yield* raw(port, headLines(delivery.headers), [], { contentLength: 1025, wait: 1_500 })
      expect(answer.status).toBe(413)
      expect(answer.closedAfter).toBeLessThan(1_500)
    }))

  it("bodyTimeout defaults to 5 seconds; a zero, negative or infinite one is refused", () => {
    expect(Duration.toMillis(Notification.defaultBodyTimeout)).toBe(5_000)
    for (const bodyTimeout of [0, -1, Duration.infinity, "soon" as Duration.Input]) {
      expect(() => Notification.httpApp(() => Effect.void, { bodyTimeout })).toThrow(RangeError)
    }
  })
})
