/**
 * `multipart/form-data` as WeChat's upload endpoints read it (RFC 7578): the parts of a body, and the `meta` JSON
 * part that the merchant signs instead of the multipart bytes.
 *
 * @internal
 */
import * as crypto from "node:crypto"

/** One part of a multipart body. */
export interface Part {
  /** From `Content-Disposition: form-data; name="…"`. */
  readonly name: string
  readonly filename?: string | undefined
  readonly contentType?: string | undefined
  /** Header names lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly bytes: Uint8Array
  /** Its SHA-256 (hex), computed once when first asked: the journal and the upload's check share it. */
  readonly sha256: () => string
}

/** The boundary of a `multipart/form-data` Content-Type, or `undefined`. */
export const boundaryOf = (contentType: string): string | undefined => {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return undefined
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType)
  return match === null ? undefined : match[1] ?? match[2]
}

const indexOf = (haystack: Buffer, needle: Buffer, from: number): number => haystack.indexOf(needle, from)

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8")

/** The parts, or `undefined` when the body is not well-formed multipart for this Content-Type. */
export const parse = (contentType: string, body: Uint8Array): ReadonlyArray<Part> | undefined => {
  const boundary = boundaryOf(contentType)
  if (boundary === undefined) return undefined
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const delimiter = Buffer.from(`--${boundary}`, "latin1")
  const crlf = Buffer.from("\r\n", "latin1")
  const headerEnd = Buffer.from("\r\n\r\n", "latin1")
  const parts: Array<Part> = []
  let at = indexOf(bytes, delimiter, 0)
  if (at !== 0) return undefined
  for (;;) {
    at += delimiter.length
    if (bytes.subarray(at, at + 2).toString("latin1") === "--") return parts
    if (!bytes.subarray(at, at + 2).equals(crlf)) return undefined
    at += 2
    const headersEnd = indexOf(bytes, headerEnd, at)
    if (headersEnd < 0) return undefined
    const headers: Record<string, string> = {}
    for (const line of utf8(bytes.subarray(at, headersEnd)).split("\r\n")) {
      const colon = line.indexOf(":")
      if (colon < 1) return undefined
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const next = indexOf(bytes, Buffer.concat([crlf, delimiter]), headersEnd + 4)
    if (next < 0) return undefined
    const disposition = headers["content-disposition"] ?? ""
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1]
    if (!/^form-data\s*;/i.test(disposition) || name === undefined) return undefined
    const content = bytes.subarray(headersEnd + 4, next)
    let digest: string | undefined
    parts.push({
      name,
      filename: /;\s*filename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: headers["content-type"],
      headers,
      bytes: content,
      sha256: () => digest ??= crypto.createHash("sha256").update(content).digest("hex")
    })
    at = next + 2
  }
}

/** The `meta` part's bytes: what the merchant signs for an upload (not the multipart body). */
export const metaBytes = (parts: ReadonlyArray<Part>): Uint8Array | undefined =>
  parts.find((part) => part.name === "meta")?.bytes

/** The `meta` part as a JSON object, or `undefined`. */
export const meta = (parts: ReadonlyArray<Part>): Record<string, unknown> | undefined => {
  const bytes = metaBytes(parts)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** A request's body, read once for everything that needs it (the journal, the signature check, the handler). */
export interface Body {
  /** As received. */
  readonly bytes: Uint8Array
  /** Its parts, when it is well-formed multipart for its Content-Type. */
  readonly parts: ReadonlyArray<Part> | undefined
  /** What its signature covers: an upload's `meta` part, any other body whole. */
  readonly signed: Uint8Array
}

/** Read a body once: its parts when it is multipart, and what its signature covers. */
export const read = (contentType: string | undefined, bytes: Uint8Array): Body => {
  const parts = contentType === undefined ? undefined : parse(contentType, bytes)
  return { bytes, parts, signed: (parts === undefined ? undefined : metaBytes(parts)) ?? bytes }
}
