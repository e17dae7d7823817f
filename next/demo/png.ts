/**
 * A tiny PNG encoder for the demo: the logo is drawn in code, so the demo needs no image file. 8-bit RGB, one
 * IDAT chunk, no filtering — enough for a real PNG any viewer (and WeChat's type check) accepts.
 */
import { Buffer } from "node:buffer"
import { deflateSync } from "node:zlib"

type Rgb = readonly [number, number, number]

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

const crc32 = (bytes: Uint8Array): number =>
  (bytes.reduce((c, byte) => crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0

const chunk = (type: string, data: Uint8Array): Buffer => {
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.byteLength)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

/** A `width`×`height` PNG whose pixel at (x, y) is `pixel(x, y)`. */
export const png = (width: number, height: number, pixel: (x: number, y: number) => Rgb): Uint8Array => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  const rows = Array.from({ length: height }, (_, y) =>
    // Each row starts with its filter type (0: none).
    Buffer.from([0, ...Array.from({ length: width }, (_, x) => pixel(x, y)).flat()]))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", new Uint8Array())
  ])
}
