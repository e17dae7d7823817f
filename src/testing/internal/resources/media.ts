/**
 * 图片上传 (image upload): POST /v3/marketing/favor/media/image-upload, multipart/form-data. Serve it with `handle(Tag, handler, { body: "multipart", request: <schema of the meta JSON> })`: the signature covers the `meta` part; `call.parts` holds the file.
 *
 * Empty for now: its owner fills `handlers` (see `index.ts` for how).
 *
 * @internal
 */
import type { Handled } from "../route.js"

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = []
