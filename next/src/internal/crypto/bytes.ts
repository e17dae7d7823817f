/**
 * Bytes without `Buffer`: UTF-8 through TextEncoder/TextDecoder and Base64 through atob/btoa, which every runtime the
 * library supports has (Node ≥ 16, Bun, Deno, workerd, browsers).
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text)

/** A string from UTF-8 bytes (malformed sequences become U+FFFD, as `Buffer#toString` does). */
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)

/** Standard Base64 with padding. */
export const toBase64 = (bytes: Uint8Array): string => {
  let binary = ""
  // Chunks keep `String.fromCharCode`'s argument list short on large inputs.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/** Bytes from standard Base64; the caller checks the text first (`Protocol.isBase64`), `atob` throws otherwise. */
export const fromBase64 = (text: string): Uint8Array => {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** Several byte arrays as one. */
export const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Lower-case hex. */
export const toLowerHex = (bytes: Uint8Array): string => {
  let out = ""
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0")
  return out
}

/** Upper-case hex. */
export const toHex = (bytes: Uint8Array): string => toLowerHex(bytes).toUpperCase()
