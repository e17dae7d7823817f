/**
 * Media.uploadImage (图片上传(营销专用)): multipart `meta` + `file`, signed over the `meta` JSON exactly as placed in its
 * part (a golden check with node:crypto over the bytes received), never over the multipart bytes; the emulator checks
 * the same and that the sha256 matches; type and size refused before sending; an attempt WeChat answers as not
 * processed (503) is re-sent with the same bytes; a dropped connection (outcome unknown) is not re-sent.
 */
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { type Endpoint, Media, type WechatPayClient, WechatPay } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { listenLoopback } from "./support.js"

/** A 1×1 PNG (magic bytes and a real image). */
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" + "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)
/** A file of `size` bytes that starts like a JPG. */
const jpgOf = (size: number) => {
  const bytes = new Uint8Array(size)
  bytes.set([0xff, 0xd8, 0xff, 0xe0])
  return bytes
}

const served = () =>
  Effect.gen(function*() {
    const emulator = new Emulator.EmulatorState()
    const seen: Array<{ readonly headers: Http.IncomingHttpHeaders; readonly body: Buffer }> = []
    const listener = Emulator.requestListener(emulator)
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => seen.push({ headers: req.headers, body: Buffer.concat(chunks) }))
      listener(req, res)
    })
    const baseUrl = yield* listenLoopback(server)
    const layer = Media.layer.pipe(
      Layer.provide(WechatPay.layerNode({
        mchid: emulator.mchid,
        merchantSerialNumber: emulator.merchantSerialNumber,
        merchantPrivateKey: emulator.merchantPrivateKey!,
        wechatpayPublicKeys: emulator.wechatpayPublicKeys,
        baseUrl
      }))
    )
    return { emulator, seen, layer }
  })

describe("Media.uploadImage", () => {
  it.live("uploads a PNG: media_url back; the signature covers the meta JSON as placed in its part", () =>
    Effect.gen(function*() {
      const { emulator, layer, seen } = yield* served()
      const { media_url } = yield* Media.uploadImage({ file: png, filename: "logo.png" }).pipe(Effect.provide(layer))
      expect(media_url).toMatch(/^https:\/\//)
      expect(seen.length).toBe(1)
      const { body, headers } = seen[0]!
      const boundary = /boundary=([^;]+)$/.exec(headers["content-type"]!)?.[1]
      expect(headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(boundary).toBeDefined()
      // The meta part, byte for byte.
      const text = body.toString("latin1")
      const metaStart = text.indexOf("\r\n\r\n") + 4
      const meta = body.subarray(metaStart, text.indexOf(`\r\n--${boundary}`, metaStart)).toString("utf8")
      const sha256 = Crypto.createHash("sha256").update(png).digest("hex")
      expect(JSON.parse(meta)).toEqual({ filename: "logo.png", sha256 })
      expect(text).toContain(`Content-Disposition: form-data; name="file"; filename="logo.png"\r\nContent-Type: image/png\r\n\r\n`)
      expect(body.includes(png)).toBe(true)
      // Golden: the Authorization signature verifies over POST\npath\nts\nnonce\n<meta>\n — and not over the body.
      const params = Object.fromEntries(
        [...headers.authorization!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])
      )
      const merchantPublic = Crypto.createPublicKey(Redacted.value(emulator.merchantPrivateKey!))
      const signed = (bodyText: string | Buffer) =>
        Crypto.verify(
          "sha256",
          Buffer.concat([
            Buffer.from(`POST\n/v3/marketing/favor/media/image-upload\n${params["timestamp"]}\n${params["nonce_str"]}\n`),
            Buffer.from(bodyText),
            Buffer.from("\n")
          ]),
          merchantPublic,
          Buffer.from(params["signature"]!, "base64")
        )
      expect(signed(meta)).toBe(true)
      expect(signed(body)).toBe(false)
      expect(emulator.requests("UploadImage")).toBe(1)
    }))

  it.live("a 503 (not processed): repeated with the very same bytes (same boundary, same meta), stored once", () =>
    Effect.gen(function*() {
      const { emulator, layer, seen } = yield* served()
      emulator.inject({ endpoint: "UploadImage", fault: { _tag: "Error", status: 503, code: "SERVICE_UNAVAILABLE" } })
      const { media_url } = yield* Media.uploadImage({ file: png, filename: "logo.png" }).pipe(Effect.provide(layer))
      expect(seen.length).toBe(2)
      expect(emulator.requests("UploadImage")).toBe(2)
      expect(seen[1]!.body.equals(seen[0]!.body)).toBe(true)
      expect(seen[1]!.headers["content-type"]).toBe(seen[0]!.headers["content-type"])
      expect(emulator.ledger.filter((e) => e.endpoint === "UploadImage").map((e) => e.media_url)).toEqual([media_url])
    }))

  it.live("DropAfterApply (outcome unknown): not repeated: TransportError, one request, stored once", () =>
    Effect.gen(function*() {
      const { emulator, layer, seen } = yield* served()
      emulator.inject({ endpoint: "UploadImage", fault: { _tag: "DropAfterApply" } })
      const error = yield* Effect.flip(Media.uploadImage({ file: png, filename: "logo.png" }).pipe(Effect.provide(layer)))
      expect(error._tag).toBe("TransportError")
      expect(seen.length).toBe(1)
      expect(emulator.requests("UploadImage")).toBe(1)
      const sha256 = Crypto.createHash("sha256").update(png).digest("hex")
      expect(emulator.ledger.filter((e) => e.endpoint === "UploadImage").map((e) => e.sha256)).toEqual([sha256])
    }))

  it.live("the emulator refuses a correctly signed upload whose meta sha256 is not the file's", () =>
    Effect.gen(function*() {
      const emulator = new Emulator.EmulatorState()
      const baseUrl = yield* listenLoopback(Http.createServer(Emulator.requestListener(emulator)))
      const meta = JSON.stringify({ filename: "logo.png", sha256: "0".repeat(64) })
      const boundary = "b0undary"
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n${meta}\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="logo.png"\r\nContent-Type: image/png\r\n\r\n`),
        png,
        Buffer.from(`\r\n--${boundary}--\r\n`)
      ])
      const timestamp = String(Math.floor(Date.now() / 1000))
      const nonce = "n".repeat(32)
      const signature = Crypto.sign(
        "sha256",
        Buffer.from(`POST\n/v3/marketing/favor/media/image-upload\n${timestamp}\n${nonce}\n${meta}\n`),
        Redacted.value(emulator.merchantPrivateKey!)
      ).toString("base64")
      const answer = yield* Effect.promise(() =>
        fetch(`${baseUrl}/v3/marketing/favor/media/image-upload`, {
          method: "POST",
          headers: {
            accept: "application/json",
            "user-agent": "test",
            "content-type": `multipart/form-data; boundary=${boundary}`,
            authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${emulator.mchid}",nonce_str="${nonce}",timestamp="${timestamp}",` +
              `serial_no="${emulator.merchantSerialNumber}",signature="${signature}"`
          },
          body
        }).then(async (response) => ({ status: response.status, json: await response.json() }))
      )
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({ code: "PARAM_ERROR" })
      expect(emulator.requests("UploadImage")).toBe(1)
    }))

  describe("refused before sending", () => {
    const cases: ReadonlyArray<readonly [string, Media.UploadImageRequest, string]> = [
      ["an empty file", { file: new Uint8Array(0), filename: "a.png" }, "file"],
      ["2 MiB + 1 byte", { file: jpgOf(Media.maxImageBytes + 1), filename: "a.jpg" }, "file"],
      ["a GIF", { file: Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"), filename: "a.png" }, "file"],
      ["text pretending to be a PNG", { file: Buffer.from("hello"), filename: "a.png" }, "file"],
      ["a name without an image suffix", { file: png, filename: "logo" }, "filename"],
      ["a .jpeg name (WeChat names JPG, BMP, PNG)", { file: png, filename: "logo.jpeg" }, "filename"],
      ["a quote in the name", { file: png, filename: "lo\"go.png" }, "filename"],
      ["a line break in the name", { file: png, filename: "lo\r\ngo.png" }, "filename"],
      ["129 characters", { file: png, filename: `${"a".repeat(125)}.png` }, "filename"]
    ]
    for (const [name, request, field] of cases) {
      it.live(name, () =>
        Effect.gen(function*() {
          const { emulator, layer } = yield* served()
          const error = yield* Effect.flip(Media.uploadImage(request).pipe(Effect.provide(layer)))
          expect(error._tag).toBe("RequestValidationError")
          expect(error).toMatchObject({ _tag: "RequestValidationError" })
          expect((error as { fields: ReadonlyArray<string> }).fields).toEqual([field])
          expect(emulator.requests()).toBe(0)
        }))
    }

    it.live("at the limits: exactly 2 MiB; a BMP; an upper-case .JPG; 128 characters", () =>
      Effect.gen(function*() {
        const { emulator, layer } = yield* served()
        const ok = [
          { file: jpgOf(Media.maxImageBytes), filename: "big.jpg" },
          { file: Buffer.from("BM\x00\x00\x00\x00", "latin1"), filename: "a.bmp" },
          { file: png, filename: "LOGO.JPG" },
          { file: png, filename: `${"a".repeat(124)}.png` }
        ]
        for (const request of ok) yield* Media.uploadImage(request).pipe(Effect.provide(layer))
        expect(emulator.requests("UploadImage")).toBe(4)
      }))
  })

  describe("imageType: every magic byte counts", () => {
    // WeChat's three types, written out here rather than read from the module.
    const magics: ReadonlyArray<readonly [string, ReadonlyArray<number>]> = [
      ["image/jpeg", [0xff, 0xd8, 0xff]],
      ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
      ["image/bmp", [0x42, 0x4d]]
    ]
    /** The type whose whole magic begins the file (Buffer comparison, not the module's loop). */
    const reference = (file: Uint8Array): string | undefined =>
      magics.find(([, magic]) =>
        file.length >= magic.length && Buffer.from(file.subarray(0, magic.length)).equals(Buffer.from(magic))
      )?.[0]
    const bytes = (...parts: ReadonlyArray<ReadonlyArray<number>>) => new Uint8Array(parts.flat())
    const decodes = (file: Uint8Array) =>
      Result.isSuccess(Schema.decodeUnknownResult(Media.UploadImageRequest)({ file, filename: "a.jpg" }))

    it("the exact magic passes, alone and followed by anything; each shorter prefix, and each one byte wrong, does not", () => {
      for (const [type, magic] of magics) {
        expect(Media.imageType(bytes(magic))).toBe(type)
        expect(Media.imageType(bytes(magic, [0, 0xff, 1]))).toBe(type)
        expect(decodes(bytes(magic))).toBe(true)
        for (let length = 1; length < magic.length; length++) {
          const prefix = magic.slice(0, length)
          expect(Media.imageType(bytes(prefix)), `${type} ${length} bytes`).toBeUndefined()
          // The prefix, then a wrong byte where the magic goes on, then enough bytes for any magic.
          for (const wrong of [0x00, 0xff, magic[length]! ^ 0x01]) {
            const file = bytes(prefix, [wrong], Array(8).fill(0))
            if (wrong !== magic[length]) expect(Media.imageType(file), `${type} ${length} + ${wrong}`).toBeUndefined()
          }
        }
        for (let at = 0; at < magic.length; at++) {
          for (let value = 0; value < 256; value++) {
            if (value === magic[at]) continue
            const file = bytes(magic, Array(8).fill(0))
            file[at] = value
            expect(Media.imageType(file), `${type}: byte ${at} = ${value}`).toBe(reference(file))
            expect(reference(file)).toBeUndefined()
          }
        }
      }
    })

    it("only the first byte right (FF 00…, 89 00…, 42 00…) is no image, and the request is refused", () => {
      for (const [, magic] of magics) {
        const file = new Uint8Array(64)
        file[0] = magic[0]!
        expect(Media.imageType(file)).toBeUndefined()
        expect(decodes(file)).toBe(false)
      }
    })

    it("property: for any bytes (most starting with a magic, a part of one, or one altered), the type is the reference's", () => {
      const magic = fc.constantFrom(...magics.map(([, m]) => m))
      const byte = fc.integer({ min: 0, max: 255 })
      const tail = fc.array(byte, { maxLength: 10 })
      const file = fc.oneof(
        fc.array(byte, { maxLength: 12 }),
        fc.tuple(magic, fc.nat(), tail).map(([m, n, t]) => bytes(m.slice(0, n % (m.length + 1)), t)),
        fc.tuple(magic, fc.nat(), byte, tail).map(([m, at, value, t]) => {
          const altered = [...m]
          altered[at % m.length] = value
          return bytes(altered, t)
        })
      ).map((f) => f instanceof Uint8Array ? f : new Uint8Array(f))
      fc.assert(fc.property(file, (f) => Media.imageType(f) === reference(f)), { numRuns: 2000, seed: 60 })
    })
  })

  it("types", () => {
    expectTypeOf(Media.uploadImage({ file: png, filename: "a.png" })).toEqualTypeOf<
      Effect.Effect<Media.UploadImageResponse, Endpoint.JsonError, Media.UploadImage>
    >()
    expectTypeOf(Media.layer).toEqualTypeOf<Layer.Layer<Media.UploadImage, never, WechatPayClient.WechatPayClient>>()
  })
})
