/**
 * 图片上传(营销专用) — `POST /v3/marketing/favor/media/image-upload`: the image upload that member-card `logo_url`
 * and `background_picture_url` must come from. Multipart (`meta` JSON + the file), signed over the `meta` JSON
 * exactly as placed in its part, never over the multipart bytes.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import * as Bytes from "./internal/crypto/bytes.js"
import * as Crypto from "./internal/crypto/index.js"
import type { Upload, WechatPayClient } from "./WechatPayClient.js"

/**
 * The largest image WeChat accepts: 2 MB ("文件大小不能超过2M"), read as 2 MiB.
 *
 * @since 0.3.0
 * @category constants
 */
export const maxImageBytes = 2 * 1024 * 1024

const signatures: ReadonlyArray<{ readonly type: string; readonly magic: ReadonlyArray<number> }> = [
  { type: "image/jpeg", magic: [0xff, 0xd8, 0xff] },
  { type: "image/png", magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/bmp", magic: [0x42, 0x4d] }
]

/**
 * The content type of an image WeChat accepts (JPG, PNG or BMP), told by its first bytes, not its name.
 *
 * @since 0.3.0
 * @category utils
 */
export const imageType = (file: Uint8Array): string | undefined =>
  signatures.find(({ magic }) => file.byteLength >= magic.length && magic.every((byte, i) => file[i] === byte))?.type

/**
 * @since 0.3.0
 * @category schemas
 */
export const UploadImageRequest = Schema.Struct({
  /** The image's bytes: JPG, PNG or BMP (checked by content), 1 byte to 2 MiB. */
  file: Schema.Uint8Array.check(
    Schema.makeFilter((file: Uint8Array) =>
      file.byteLength === 0
        ? "file is empty"
        : file.byteLength > maxImageBytes
        ? `file must be at most ${maxImageBytes} bytes (2 MB); it has ${file.byteLength}`
        : imageType(file) !== undefined || "file must be a JPG, PNG or BMP image (by its content)"
    )
  ),
  /**
   * The file name, ending in `.jpg`, `.bmp` or `.png` (WeChat: "必须以JPG、BMP、PNG为后缀"), without quotes, backslashes
   * or control characters (it goes into a multipart header).
   */
  filename: Schema.String.check(
    Schema.makeFilter((name: string) =>
      !/\.(jpg|bmp|png)$/i.test(name)
        ? "filename must end with .jpg, .bmp or .png"
        : /["\\\u0000-\u001f\u007f]/.test(name)
        ? "filename must not contain quotes, backslashes or control characters"
        : name.length <= 128 || "filename must be at most 128 characters"
    )
  )
})

/**
 * @since 0.3.0
 * @category models
 */
export interface UploadImageRequest extends Schema.Schema.Type<typeof UploadImageRequest> {}

/**
 * @since 0.3.0
 * @category schemas
 */
export const UploadImageResponse = Schema.Struct({
  /** 媒体文件URL地址, string(256): permanent; use it as `logo_url` / `background_picture_url`. */
  media_url: Schema.String
})

/**
 * @since 0.3.0
 * @category models
 */
export interface UploadImageResponse extends Schema.Schema.Type<typeof UploadImageResponse> {}

const crlf = "\r\n"

/**
 * The multipart body: a `meta` part holding `{"filename":…,"sha256":…}` (the signed text, placed byte for byte) and a
 * `file` part with the image. Built once per call; the digest is an Effect (WebCrypto's is asynchronous, and native:
 * a 2 MiB image costs a Worker a few milliseconds of CPU, not the ~15 ms of a JavaScript SHA-256).
 */
const multipart = (fields: Record<string, unknown>): Effect.Effect<Upload> => {
  const file = fields["file"] as Uint8Array
  const filename = fields["filename"] as string
  return Effect.map(Crypto.backend().sha256(file), (digest) => {
    const meta = JSON.stringify({ filename, sha256: Bytes.toLowerHex(digest) })
    const boundary = `effect-wechatpay-${Bytes.toLowerHex(globalThis.crypto.getRandomValues(new Uint8Array(12)))}`
    const head = `--${boundary}${crlf}Content-Disposition: form-data; name="meta"${crlf}Content-Type: application/json` +
      `${crlf}${crlf}${meta}${crlf}--${boundary}${crlf}Content-Disposition: form-data; name="file"; filename="${filename}"` +
      `${crlf}Content-Type: ${imageType(file)}${crlf}${crlf}`
    const bytes = Bytes.concat([Bytes.utf8(head), file, Bytes.utf8(`${crlf}--${boundary}--${crlf}`)])
    return { bytes, contentType: `multipart/form-data; boundary=${boundary}`, signed: meta }
  })
}

/**
 * The upload's body as the image uploads sign and send it (the brand's 图片上传 has the same form): a `meta` part with
 * the file name and SHA-256, the signed text, and the image.
 *
 * @since 1.3.0
 * @category encoding
 */
export const uploadBody: (fields: Record<string, unknown>) => Effect.Effect<Upload> = multipart

/**
 * 图片上传(营销专用). An upload changes no member's state, so a failed attempt is repeated with the same bytes.
 *
 * @since 0.3.0
 * @category tags
 */
export class UploadImage extends Endpoint.Service<UploadImage>()("Media.UploadImage", {
  method: "POST",
  path: "/v3/marketing/favor/media/image-upload",
  request: UploadImageRequest,
  response: UploadImageResponse,
  body: multipart,
  repeatable: "an upload changes no member's state: a repeat at worst stores the same image twice"
}) {}

/**
 * @since 0.3.0
 * @category errors
 */
export type UploadImageError = Endpoint.JsonError

/**
 * @since 0.3.0
 * @category accessors
 */
export const uploadImage = UploadImage.call

/**
 * The media endpoint; requires only `WechatPayClient`.
 *
 * @since 0.3.0
 * @category layers
 */
export const layer: Layer.Layer<UploadImage, never, WechatPayClient> = UploadImage.layer
