/**
 * What the console's tests and its screenshot script share: how Debian's Chromium is started headless, and a request
 * to the emulator signed by hand over other bytes than it carries (the integrator's bug the console explains).
 */
import * as crypto from "node:crypto"
import * as Redacted from "effect/Redacted"
import type { Emulator } from "../src/testing/index.js"

/** Debian's Chromium, or `CHROMIUM_PATH`. */
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium"

/**
 * Headless, without a sandbox (CI runs as root) and without the background connections this machine's closed network
 * refuses (Chromium would try Google's hosts at every start).
 */
export const chromiumArgs: ReadonlyArray<string> = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/**
 * A request to the emulator at `baseUrl` with the merchant's Authorization made by hand (node:crypto) over
 * `signedBody`, sending `sentBody`: the signature is genuine, the bytes are not the ones signed.
 */
export const misSignedCall = async (
  emulator: Emulator.EmulatorState,
  baseUrl: string,
  request: {
    readonly method: string
    readonly target: string
    readonly signedBody: string
    readonly sentBody: string
    readonly userAgent?: string
  }
): Promise<{ readonly status: number; readonly requestId: string | null; readonly body: string }> => {
  const { method, sentBody, signedBody, target } = request
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = crypto.randomBytes(16).toString("hex").toUpperCase()
  const message = `${method}\n${target}\n${timestamp}\n${nonce}\n${signedBody}\n`
  const signature = crypto.sign("sha256", Buffer.from(message, "utf8"), Redacted.value(emulator.merchantPrivateKey!))
    .toString("base64")
  const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${emulator.mchid}",nonce_str="${nonce}",` +
    `signature="${signature}",timestamp="${timestamp}",serial_no="${emulator.merchantSerialNumber}"`
  const response = await fetch(`${baseUrl}${target}`, {
    method,
    headers: {
      authorization,
      accept: "application/json",
      "user-agent": request.userAgent ?? "effect-wechatpay-console-test",
      "content-type": "application/json"
    },
    ...(method === "GET" ? {} : { body: sentBody })
  })
  return { status: response.status, requestId: response.headers.get("request-id"), body: await response.text() }
}
