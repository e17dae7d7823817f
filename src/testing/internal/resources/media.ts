/**
 * 图片上传(营销专用) (image upload): `POST /v3/marketing/favor/media/image-upload`, multipart/form-data. The signature
 * covers the `meta` JSON part (checked before this handler runs); here WeChat's own checks: the `meta` names the file
 * and its SHA-256, which must match the `file` part; JPG/PNG/BMP only, at most 2 MB. Each upload gets a new URL; the
 * uploaded images are kept so tests can check what a template's `logo_url` points at.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { imageType, maxImageBytes, UploadImage } from "../../../Media.js"
import { type Context, handle, type HandleOptions, type Handled, type Handler } from "../route.js"
import { ApiFailure, randomHex } from "../wechatSide.js"

/** An image the emulator stored. */
export interface StoredImage {
  readonly filename: string
  readonly sha256: string
  readonly bytes: Uint8Array
}

/** `media_url` → image, per emulator. */
export const images = (ctx: Pick<Context, "local">) => ctx.local("media", () => new Map<string, StoredImage>())

/**
 * One upload, checked as WeChat checks it, stored on commit. The brand's 图片上传 (`/brand/card-member/media/
 * image-upload`, ON-B 4015680641: JPG/JPEG/BMP/PNG, ≤ 2 MB, `meta` signed) is served by the same handler.
 */
export const upload: Handler<unknown> = (call, ctx) => {
  const meta = call.body as { readonly filename: string; readonly sha256: string }
  const file = call.parts.find((part) => part.name === "file")
  if (file === undefined) return new ApiFailure(400, "PARAM_ERROR", "缺少file参数")
  if (file.bytes.byteLength > maxImageBytes) return new ApiFailure(400, "PARAM_ERROR", "图片大小不能超过2M")
  if (imageType(file.bytes) === undefined) return new ApiFailure(400, "PARAM_ERROR", "媒体图片只支持JPG、BMP、PNG格式")
  const sha256 = file.sha256()
  if (sha256 !== meta.sha256.toLowerCase()) return new ApiFailure(400, "PARAM_ERROR", "文件摘要sha256与文件内容不一致")
  // Stored on commit, like any write: a fault that answers without applying (Accepted) stores nothing.
  return ctx.apply({
    decide: () => {
      const media_url = `https://qpic.cn/effect-wechatpay-emulator/${randomHex(16)}`
      return {
        change: () => void images(ctx).set(media_url, { filename: meta.filename, sha256, bytes: file.bytes }),
        entry: { media_url, sha256 },
        status: 200,
        json: { media_url }
      }
    }
  })
}

/**
 * How an upload route reads its request: the multipart `meta`, its file name one of the page's types (营销专用:
 * JPG, BMP, PNG; the brand's page also names JPEG).
 */
export const uploadOptions = (filename: RegExp): HandleOptions => ({
  body: "multipart",
  request: Schema.Struct({
    filename: Schema.String.check(Schema.isPattern(filename)),
    sha256: Schema.String.check(Schema.isPattern(/^[0-9a-fA-F]{64}$/))
  })
})

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [handle(UploadImage, upload, uploadOptions(/\.(jpg|bmp|png)$/i))]
