/**
 * 0.6.0 hardening of the command line (review of 0.5.0, items 3–5 and the exit-code table), run as users run it:
 * the bin's source (src/cli/bin.ts) started by Node with tsx as a child process, signals sent to that process.
 *
 * What is proven: an interrupted endpoint command exits 128 + the signal's number with one `Interrupted` JSON line
 * on stderr (a write's outcome is unknown: the line says how to check and whether repeating is safe) and nothing on
 * stdout; `emulator serve` stops with exit 0 on SIGINT, SIGTERM and SIGHUP and removes its key file every time (and
 * after an uncaught exception); the APIv3 key given to `emulator serve` (environment, file or flag) is never printed,
 * the flag warns; a busy port is a typed `ListenError`; `notification parse` exits 5 for a notification sealed under
 * another APIv3 key and for one whose resource does not decode. (The exit-code table, tag by tag, and what an
 * `Interrupted` report says: test/cli-exit-codes.test.ts.)
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as crypto from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const binTs = join(root, "src", "cli", "bin.ts")

interface Child {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** Resolves with the first stdout line. */
  readonly firstLine: Promise<string>
}

/** The bin as a child process (Node with tsx: the process receiving the signal is the CLI itself). */
const start = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}): Child => {
  const base: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" }
  for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value
  const child = spawn(process.execPath, ["--import", "tsx", binTs, ...args], {
    cwd: root,
    env: base,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  let onLine: (line: string) => void = () => {}
  const firstLine = new Promise<string>((done) => (onLine = done))
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
    const end = stdout.indexOf("\n")
    if (end >= 0) onLine(stdout.slice(0, end))
  })
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal }))
  )
  void exit.then(() => onLine(""))
  return { child, stdout: () => stdout, stderr: () => stderr, exit, firstLine }
}

const runToEnd = async (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}) => {
  const run = start(args, env)
  const { code } = await run.exit
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

/** The single JSON line on stderr. */
const report = (stderr: string): Record<string, unknown> => {
  const lines = stderr.trim().split("\n")
  expect(lines, stderr).toHaveLength(1)
  return JSON.parse(lines[0]!) as Record<string, unknown>
}

// ---------------------------------------------------------------------------------------------------------------
// A server that accepts and never answers, and the identity a client needs
// ---------------------------------------------------------------------------------------------------------------

let silent: net.Server
let silentUrl = ""
const sockets = new Set<net.Socket>()
/** Resolvers waiting for the next request's first bytes. */
const waiting: Array<() => void> = []
let dir = ""
const merchant = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const platformPem = platform.publicKey.export({ type: "spki", format: "pem" }).toString()
const publicKeyId = "PUB_KEY_ID_0112345678202401010000000000000000"
let clientEnv: Record<string, string> = {}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hardening-cli-"))
  const keyFile = join(dir, "merchant.pem")
  writeFileSync(keyFile, merchant.privateKey.export({ type: "pkcs8", format: "pem" }))
  clientEnv = {
    WECHATPAY_MCHID: "1900000109",
    WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    WECHATPAY_MERCHANT_PRIVATE_KEY: keyFile,
    WECHATPAY_PUBLIC_KEY_ID: publicKeyId,
    WECHATPAY_PUBLIC_KEY: platformPem
  }
  silent = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.once("data", () => waiting.splice(0).forEach((f) => f()))
  })
  await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done))
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((done) => silent.close(done))
  rmSync(dir, { recursive: true, force: true })
})

/** Start a command against the silent server; resolves once its request has arrived (it is then in flight). */
const inFlight = async (args: ReadonlyArray<string>): Promise<Child> => {
  const arrived = new Promise<void>((done) => waiting.push(done))
  const run = start([...args, "--base-url", silentUrl, "--max-retries", "0"], clientEnv)
  await Promise.race([arrived, run.exit.then(() => {
    throw new Error(`exited before sending: ${run.stderr()}`)
  })])
  return run
}

// ---------------------------------------------------------------------------------------------------------------
// Item 3: an interrupted command
// ---------------------------------------------------------------------------------------------------------------

describe("an interrupted endpoint command (review 0.5.0 item 3)", () => {
  const invalidate = ["membercard", "invalidate-user-card", "--card-id", "pCard1", "--code", "0123456789"]

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129]
  ] as const)("a write interrupted by %s: exit %i, one Interrupted line on stderr (outcome unknown, how to check), nothing on stdout", async (signal, code) => {
    const run = await inFlight(invalidate)
    run.child.kill(signal)
    expect(await run.exit).toEqual({ code, signal: null })
    expect(run.stdout()).toBe("")
    const line = report(run.stderr())
    expect(line).toMatchObject({
      _tag: "Interrupted",
      signal,
      operation: "membercard invalidate-user-card",
      request: "POST /v3/marketing/membercard-open/cards/{card_id}/codes/{code}/unavailable",
      write: true,
      outcome: "unknown",
      check: "effect-wechatpay membercard get-user-card --card-id <card_id> --code <code>"
    })
    // No idempotency key and not documented as repeatable: repeating it blindly is not called safe.
    expect(line["retry"]).toMatch(/^not safe/)
    expect(line["message"]).toContain("outcome is unknown")
    expect(run.stderr()).not.toContain("0123456789")
  }, 60_000)

  it("a write with an idempotency key: the line says repeating it with the same --out-request-no and values is safe", async () => {
    const run = await inFlight([
      "membercard", "import-user-card-by-openid", "--card-id", "pCard1", "--openid", "o-secret-openid", "--out-request-no", "req-1"
    ])
    run.child.kill("SIGINT")
    expect((await run.exit).code).toBe(130)
    expect(run.stdout()).toBe("")
    const line = report(run.stderr())
    expect(line).toMatchObject({ _tag: "Interrupted", signal: "SIGINT", write: true, outcome: "unknown" })
    expect(line["retry"]).toMatch(/^safe to repeat with the same --out-request-no and the same values/)
    expect(typeof line["check"]).toBe("string")
    expect(run.stderr()).not.toContain("o-secret-openid")
  }, 60_000)

  it("a read interrupted by SIGTERM: exit 143, the line says nothing was changed (no outcome to check)", async () => {
    const run = await inFlight(["membercard", "get-user-card", "--card-id", "pCard1", "--code", "0123456789"])
    run.child.kill("SIGTERM")
    expect((await run.exit).code).toBe(143)
    expect(run.stdout()).toBe("")
    const line = report(run.stderr())
    expect(line).toMatchObject({ _tag: "Interrupted", signal: "SIGTERM", operation: "membercard get-user-card", write: false })
    expect(line["outcome"]).toBeUndefined()
    expect(line["message"]).toContain("a read")
  }, 60_000)
})

// ---------------------------------------------------------------------------------------------------------------
// Items 4 and 5: emulator serve's APIv3 key and its key file
// ---------------------------------------------------------------------------------------------------------------

const supplied = "supplied-apiv3-key-0123456789abc"

interface Served {
  readonly run: Child
  readonly ready: Record<string, string>
}

const serve = async (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Served> => {
  const run = start(["emulator", "serve", ...args], env)
  const line = await run.firstLine
  expect(line, run.stderr()).not.toBe("")
  return { run, ready: JSON.parse(line) as Record<string, string> }
}

/** The client environment from a ready line, the key file as the merchant key. */
const envOf = (ready: Record<string, string>, apiV3Key: string) => ({
  WECHATPAY_MCHID: ready["mchid"]!,
  WECHATPAY_MERCHANT_SERIAL_NUMBER: ready["merchantSerialNumber"]!,
  WECHATPAY_MERCHANT_PRIVATE_KEY: ready["merchantPrivateKeyFile"]!,
  WECHATPAY_PUBLIC_KEY_ID: ready["publicKeyId"]!,
  WECHATPAY_PUBLIC_KEY: ready["publicKey"]!,
  WECHATPAY_BASE_URL: ready["baseUrl"]!,
  WECHATPAY_API_V3_KEY: apiV3Key
})

describe("emulator serve: the APIv3 key and the key file (review 0.5.0 items 4, 5)", () => {
  it.each([
    ["WECHATPAY_API_V3_KEY", "SIGHUP"],
    ["--api-v3-key-file", "SIGINT"],
    ["--api-v3-key (warns)", "SIGTERM"]
  ] as const)("a key from %s is used and never printed; %s stops it with exit 0 and removes the key file", async (source, signal) => {
    const keyFile = join(dir, `apiv3-${signal}.txt`)
    writeFileSync(keyFile, `${supplied}\n`, { mode: 0o600 })
    const { ready, run } = source === "WECHATPAY_API_V3_KEY"
      ? await serve([], { WECHATPAY_API_V3_KEY: supplied })
      : source === "--api-v3-key-file"
      ? await serve(["--api-v3-key-file", keyFile])
      : await serve(["--api-v3-key", supplied])
    // Only a generated key is printed.
    expect(ready["apiV3Key"]).toBeUndefined()
    const privateKeyFile = ready["merchantPrivateKeyFile"]!
    expect(existsSync(privateKeyFile)).toBe(true)
    // The emulator seals with the supplied key: certificates download opens them with it.
    const download = await runToEnd(["certificates", "download"], envOf(ready, supplied))
    expect(download.code, download.stderr).toBe(0)
    expect(JSON.parse(download.stdout).data[0].serial_no).toBe(ready["certificateSerial"])
    run.child.kill(signal)
    expect(await run.exit).toEqual({ code: 0, signal: null })
    expect(existsSync(privateKeyFile)).toBe(false)
    expect(existsSync(dirname(privateKeyFile))).toBe(false)
    expect(run.stdout() + run.stderr()).not.toContain(supplied)
    if (source === "--api-v3-key (warns)") {
      expect(run.stderr()).toMatch(/level=WARN .*--api-v3-key.*(ps|process list)/)
    } else {
      expect(run.stderr()).not.toMatch(/level=WARN/)
    }
  }, 90_000)

  it("a generated key is printed (the only way to learn it)", async () => {
    const { ready, run } = await serve([])
    expect(ready["apiV3Key"]).toMatch(/^[\x21-\x7e]{32}$/)
    run.child.kill("SIGINT")
    expect((await run.exit).code).toBe(0)
    expect(existsSync(ready["merchantPrivateKeyFile"]!)).toBe(false)
  }, 60_000)

  it("refused, exit 2, the key never quoted: both --api-v3-key and --api-v3-key-file; a key file of the wrong length", async () => {
    const keyFile = join(dir, "apiv3-both.txt")
    writeFileSync(keyFile, supplied)
    const short = join(dir, "apiv3-short.txt")
    writeFileSync(short, "short-secret-key")
    const [both, wrong] = await Promise.all([
      runToEnd(["emulator", "serve", "--api-v3-key", supplied, "--api-v3-key-file", keyFile]),
      runToEnd(["emulator", "serve", "--api-v3-key-file", short])
    ])
    expect(both.code).toBe(2)
    expect(report(both.stderr)).toMatchObject({ _tag: "InvalidArguments", flag: "api-v3-key-file" })
    expect(wrong.code).toBe(2)
    expect(report(wrong.stderr)._tag).toBe("InvalidArguments")
    for (const run of [both, wrong]) {
      expect(run.stdout).toBe("")
      expect(run.stderr).not.toContain(supplied)
      expect(run.stderr).not.toContain("short-secret-key")
    }
  }, 60_000)

  it("the generated key file is removed after an uncaught exception too", async () => {
    // The scope's finalizer does not run when Node dies of an uncaught exception; the process's exit hook does.
    const script = [
      `import * as Effect from "effect/Effect"`,
      `import * as Redacted from "effect/Redacted"`,
      `import { keyFiles } from "./src/cli/EmulatorCommand.ts"`,
      `Effect.runFork(Effect.scoped(Effect.flatMap(keyFiles([["merchant-private-key.pem", Redacted.make("k")]]), ({ files: [file] }) => Effect.sync(() => {`,
      `  process.stdout.write(file + "\\n")`,
      `  setTimeout(() => { throw new Error("boom") }, 10)`,
      `}).pipe(Effect.andThen(Effect.never)))))`
    ].join("\n")
    const crash = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    crash.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    const code = await new Promise<number | null>((done) => crash.on("exit", done))
    expect(code).toBe(1)
    const file = out.trim()
    expect(file).toMatch(/merchant-private-key\.pem$/)
    expect(existsSync(file)).toBe(false)
  }, 60_000)

  it("a port in use: a typed ListenError (exit 6, the port and the reason), nothing on stdout", async () => {
    const busy = (silent.address() as net.AddressInfo).port
    const run = await runToEnd(["emulator", "serve", "--port", String(busy)])
    expect(run.code).toBe(6)
    expect(run.stdout).toBe("")
    expect(report(run.stderr)).toMatchObject({ _tag: "ListenError", reason: "AddressInUse", port: busy })
  }, 60_000)
})

// ---------------------------------------------------------------------------------------------------------------
// Review of the 0.6 hardening, items 5–7: early signals, SIGQUIT, a second signal
// ---------------------------------------------------------------------------------------------------------------

describe("signals from the first line on, SIGQUIT, a second signal (review of 0.6, items 5–7)", () => {
  it("the entry statically imports only a dependency-free listener (the command line loads after it listens)", () => {
    const statics = (file: string) =>
      [...readFileSync(join(root, "src", "cli", file), "utf8").matchAll(/^import\s[^(]*?from\s+"([^"]+)"/gm)].map((m) => m[1])
    expect(statics("bin.ts")).toEqual(["./Listen.js"])
    expect(statics("Listen.ts")).toEqual([])
  })

  it("a signal as soon as the entry listens, before the command starts: one Interrupted line (nothing sent), exit 130", async () => {
    const run = start(["membercard", "get-callback"], { ...clientEnv, EFFECT_WECHATPAY_SIGNAL_MARKER: "1" })
    // The marker is the entry's first write, right after it listens (tsx and Node's own start-up come before).
    const deadline = Date.now() + 30_000
    while (!run.stderr().includes("listening\n") && Date.now() < deadline) {
      if (run.child.exitCode !== null) break
      await new Promise((done) => setTimeout(done, 2))
    }
    expect(run.stderr()).toContain("listening\n")
    run.child.kill("SIGINT")
    expect(await run.exit).toEqual({ code: 130, signal: null })
    const line = report(run.stderr().replace("listening\n", ""))
    expect(line).toMatchObject({ _tag: "Interrupted", signal: "SIGINT", outcome: "not sent" })
    expect(line["message"]).toContain("before any request was sent")
  }, 60_000)

  it("emulator serve stopped by SIGQUIT (Ctrl-\\): exit 0, the key file removed", async () => {
    const { ready, run } = await serve([])
    const file = ready["merchantPrivateKeyFile"]!
    expect(existsSync(file)).toBe(true)
    run.child.kill("SIGQUIT")
    expect(await run.exit).toEqual({ code: 0, signal: null })
    expect(existsSync(file)).toBe(false)
  }, 60_000)

  it("emulator serve, two signals 5, 20 or 40 ms apart (the second during shutdown): exit 0, the key file removed", async () => {
    // 0.6.0 as first written ended by the second signal itself in 2 of 3 tries (its handlers were gone by then).
    await Promise.all([5, 20, 40].map(async (gap) => {
      const { ready, run } = await serve([])
      const file = ready["merchantPrivateKeyFile"]!
      run.child.kill("SIGTERM")
      await new Promise((done) => setTimeout(done, gap))
      run.child.kill("SIGINT")
      expect(await run.exit, `${gap} ms`).toEqual({ code: 0, signal: null })
      expect(existsSync(file)).toBe(false)
      expect(existsSync(dirname(file))).toBe(false)
    }))
  }, 60_000)
})

// ---------------------------------------------------------------------------------------------------------------
// `notification parse` end to end for decryption and decoding
// ---------------------------------------------------------------------------------------------------------------

describe("notification parse: decryption and decoding failures end to end", () => {
  const apiV3Key = "notify-apiv3-key-0123456789abcde"

  /** A notification as WeChat sends it: the resource sealed with `key`, the whole body signed by the platform key. */
  const notification = (key: string, plaintext: string) => {
    const nonce = "0123456789ab"
    const associated = "membercard"
    const cipher = crypto.createCipheriv("aes-256-gcm", Buffer.from(key, "utf8"), Buffer.from(nonce, "utf8"))
    cipher.setAAD(Buffer.from(associated, "utf8"))
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()])
    const body = JSON.stringify({
      id: "EV-2018022511223320873",
      create_time: "2024-01-01T00:00:00+08:00",
      resource_type: "encrypt-resource",
      event_type: "MEMBERCARD.ACCEPT_CARD",
      summary: "领卡通知",
      resource: {
        algorithm: "AEAD_AES_256_GCM",
        ciphertext: sealed.toString("base64"),
        associated_data: associated,
        original_type: "membercard",
        nonce
      }
    })
    const timestamp = String(Math.floor(Date.now() / 1000))
    const signNonce = crypto.randomBytes(16).toString("hex")
    const signature = crypto.sign("sha256", Buffer.from(`${timestamp}\n${signNonce}\n${body}\n`), platform.privateKey)
    return {
      headers: {
        "Wechatpay-Serial": publicKeyId,
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": signNonce,
        "Wechatpay-Signature": signature.toString("base64"),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"
      },
      body
    }
  }

  const parse = (name: string, key: string, plaintext: string) => {
    const { body, headers } = notification(key, plaintext)
    writeFileSync(join(dir, `${name}.headers.json`), JSON.stringify(headers))
    writeFileSync(join(dir, `${name}.body`), body)
    return runToEnd(
      ["notification", "parse", "--headers", join(dir, `${name}.headers.json`), "--body", join(dir, `${name}.body`)],
      { WECHATPAY_PUBLIC_KEY_ID: publicKeyId, WECHATPAY_PUBLIC_KEY: platformPem, WECHATPAY_API_V3_KEY: apiV3Key }
    )
  }

  const resource = JSON.stringify({
    event_type: "NEW_ACTIVATE",
    card_id: "pCard1",
    code: "0123456789",
    openid: "o-notify-openid",
    create_time: "2024-01-01T00:00:00+08:00",
    event_time: "2024-01-01T00:00:00+08:00"
  })

  it("sealed under another APIv3 key: NotificationDecryptError, exit 5; a resource that does not decode: NotificationDecodeError, exit 5; the right one: exit 0", async () => {
    const [wrongKey, undecodable, good] = await Promise.all([
      parse("wrong-key", "another-apiv3-key-0123456789abcd", resource),
      parse("undecodable", apiV3Key, JSON.stringify({ event_type: "NEW_ACTIVATE", card_id: 7 })),
      parse("good", apiV3Key, resource)
    ])
    expect(good.code, good.stderr).toBe(0)
    expect(JSON.parse(good.stdout)).toMatchObject({ _tag: "AcceptCard" })
    expect(wrongKey.code).toBe(5)
    expect(wrongKey.stdout).toBe("")
    expect(report(wrongKey.stderr)._tag).toBe("NotificationDecryptError")
    expect(undecodable.code).toBe(5)
    expect(undecodable.stdout).toBe("")
    expect(report(undecodable.stderr)._tag).toBe("NotificationDecodeError")
    for (const run of [wrongKey, undecodable]) {
      expect(run.stderr).not.toContain(apiV3Key)
      expect(run.stderr).not.toContain("o-notify-openid")
    }
  }, 60_000)
})
