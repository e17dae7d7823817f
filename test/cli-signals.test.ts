/**
 * When a signal stops a command, in process (`main.run` with the signal given): an operation is "sending" only once
 * its request is handed to the transport (review of the 0.6 CLI hardening, item 4). A signal before that — during
 * flag parsing, validation or the client's construction — is `outcome: "not sent"` and the server gets nothing; a
 * signal received before the command starts stops it before it starts, even a command that would fail at once (bad
 * configuration). The child-process side (a signal after the server received the request): test/hardening-0.6-cli.
 */
import * as crypto from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { run } from "../src/cli/main.js"

let silent: net.Server
let silentUrl = ""
let requests = 0
const sockets = new Set<net.Socket>()
let dir = ""
const saved: Record<string, string | undefined> = {}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cli-signals-"))
  const merchant = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  writeFileSync(join(dir, "merchant.pem"), merchant.privateKey.export({ type: "pkcs8", format: "pem" }))
  silent = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.once("data", () => requests++)
  })
  await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done))
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`
  const env: Record<string, string> = {
    WECHATPAY_MCHID: "1900000109",
    WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    WECHATPAY_MERCHANT_PRIVATE_KEY: join(dir, "merchant.pem"),
    WECHATPAY_PUBLIC_KEY_ID: "PUB_KEY_ID_0112345678202401010000000000000000",
    WECHATPAY_PUBLIC_KEY: platform.publicKey.export({ type: "spki", format: "pem" }).toString(),
    WECHATPAY_BASE_URL: silentUrl
  }
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name]
    process.env[name] = value
  }
})

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  for (const socket of sockets) socket.destroy()
  await new Promise((done) => silent.close(done))
  rmSync(dir, { recursive: true, force: true })
})

/** `main.run` in process with `stop`, stderr captured. */
const cli = async (
  args: ReadonlyArray<string>,
  stop: Effect.Effect<"SIGINT" | "SIGTERM">,
  pending?: () => "SIGINT" | "SIGTERM" | undefined
) => {
  let stderr = ""
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await Effect.runPromise(
      run(["node", "effect-wechatpay", ...args], stop, pending === undefined ? {} : { pending }).pipe(
        Effect.provide(NodeServices.layer)
      )
    )
    return { code, report: JSON.parse(stderr.trim()) as Record<string, unknown> }
  } finally {
    err.mockRestore()
  }
}

const invalidate = ["membercard", "invalidate-user-card", "--card-id", "pCard1", "--code", "0123456789"]

describe("a signal before the request goes out (review item 4)", () => {
  it("signalled at once: the write is not sent, the report says so (not \"may have reached WeChat\"), exit 130", async () => {
    const before = requests
    const { code, report } = await cli([...invalidate, "--max-retries", "0"], Effect.succeed("SIGINT"))
    expect(code).toBe(130)
    expect(report).toMatchObject({ _tag: "Interrupted", signal: "SIGINT", outcome: "not sent" })
    expect(report["message"]).toContain("before any request was sent")
    expect(report["message"]).not.toContain("may have reached")
    // Give a request that went out time to arrive.
    await new Promise((done) => setTimeout(done, 200))
    expect(requests - before).toBe(0)
  })

  it("a request that fails validation, signalled at once: not sent, 0 requests", async () => {
    const before = requests
    const { code, report } = await cli(
      ["membercard", "invalidate-user-card", "--card-id", "x".repeat(40), "--code", "0123456789"],
      Effect.succeed("SIGINT")
    )
    expect(code).toBe(130)
    expect(report).toMatchObject({ _tag: "Interrupted", outcome: "not sent" })
    expect(requests - before).toBe(0)
  })

  it("a signal received before the command started stops it before it starts — even one that fails at once", async () => {
    const saved = process.env["WECHATPAY_MCHID"]
    delete process.env["WECHATPAY_MCHID"]
    try {
      // Without the signal this command is a ConfigError (exit 1).
      expect((await cli(invalidate, Effect.never)).report["_tag"]).toBe("ConfigError")
      const { code, report } = await cli(invalidate, Effect.succeed("SIGTERM"), () => "SIGTERM")
      expect(code).toBe(143)
      expect(report).toMatchObject({ _tag: "Interrupted", signal: "SIGTERM", outcome: "not sent" })
    } finally {
      process.env["WECHATPAY_MCHID"] = saved
    }
  })

  it("a write signalled after its request was sent: outcome unknown", async () => {
    const before = requests
    const sent = Effect.promise(async () => {
      while (requests === before) await new Promise((done) => setTimeout(done, 5))
      return "SIGINT" as const
    })
    const { code, report } = await cli([...invalidate, "--max-retries", "0"], sent)
    expect(code).toBe(130)
    expect(report).toMatchObject({ _tag: "Interrupted", outcome: "unknown", write: true })
  })
})
