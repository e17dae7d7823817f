/**
 * No value given on the command line is ever repeated in what the command line prints (review of the 0.6 CLI
 * hardening, item 1): `@effect/cli` quotes the argument at fault ("Received unknown argument: '--api-v3-kye=<key>'",
 * "'<value>' is not a integer", "Path '<file>' must exist"), and the report carried it to stderr. A sweep feeds a
 * key-like sentinel and a phone number into every malformed position of every command, in process (`main.run`), and
 * asserts neither appears on stdout or stderr; the rewritten messages name the flag at fault instead. One child
 * process confirms the bin prints the same.
 */
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { isFlagName, redact, valuesOf } from "../src/cli/Argv.js"
import * as Endpoints from "../src/cli/Endpoints.js"
import { run } from "../src/cli/main.js"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** Looks like an APIv3 key (32 ASCII characters, mixed case). */
const KEY = "Zq8vSecretKey0123456789abcdefXYZ"
const PHONE = "13812345678"

interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `main.run` in process, stdout and stderr captured. */
const cli = async (args: ReadonlyArray<string>): Promise<Outcome> => {
  let stdout = ""
  let stderr = ""
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await Effect.runPromise(run(["node", "effect-wechatpay", ...args]).pipe(Effect.provide(NodeServices.layer)))
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

let dir = ""
const saved: Record<string, string | undefined> = {}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-argv-secrets-"))
  const merchant = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  writeFileSync(join(dir, "merchant.pem"), merchant.privateKey.export({ type: "pkcs8", format: "pem" }))
  // A configured client, so a command gets past its configuration to the flags' values; port 1 refuses at once.
  const env: Record<string, string> = {
    WECHATPAY_MCHID: "1900000109",
    WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    WECHATPAY_MERCHANT_PRIVATE_KEY: join(dir, "merchant.pem"),
    WECHATPAY_PUBLIC_KEY_ID: "PUB_KEY_ID_0112345678202401010000000000000000",
    WECHATPAY_PUBLIC_KEY: platform.publicKey.export({ type: "spki", format: "pem" }).toString(),
    WECHATPAY_BASE_URL: "http://127.0.0.1:1",
    // A brand's too (the same key pair will do), so a brand command also gets past its configuration.
    WECHATPAY_BRAND_ID: "1000001",
    WECHATPAY_BRAND_SERIAL_NUMBER: "3493DE0D9BB4EB98A8C65EAA7E8EE887EC24B71A",
    WECHATPAY_BRAND_PRIVATE_KEY: join(dir, "merchant.pem"),
    WECHATPAY_BRAND_PUBLIC_KEY_ID: "PUB_KEY_ID_0112345678202401010000000000000000",
    WECHATPAY_BRAND_PUBLIC_KEY: platform.publicKey.export({ type: "spki", format: "pem" }).toString()
  }
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name]
    process.env[name] = value
  }
  delete process.env["WECHATPAY_API_V3_KEY"]
})

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  rmSync(dir, { recursive: true, force: true })
})

const specs = Endpoints.specs()

/** Every malformed position for `secret`: unknown flags, positionals, each typed flag's value, paths, JSON, duplicates. */
const positions = (secret: string, everyCommand: boolean): ReadonlyArray<ReadonlyArray<string>> => [
  ["emulator", "serve", `--api-v3-kye=${secret}`],
  ["emulator", "serve", "--api-v3-kye", secret],
  ["emulator", "serve", secret],
  ["emulator", "serve", "--port", secret],
  ["emulator", "serve", `--port=${secret}`],
  ["emulator", "serve", "--merchant-public-key", secret],
  ["emulator", "serve", "--api-v3-key-file", secret],
  ["emulator", "serve", "--api-v3-key", secret, "--api-v3-key", secret],
  ["emulator", "serve", "--api-v3-key", secret.slice(0, 31)],
  ["emulator", "serve", `--${secret}`],
  ["emulator", "serve", `-${secret}`],
  ["emulator", "serve", `--${secret}=${secret}`],
  ["notification", "parse", "--headers", secret, "--body", secret],
  ["notification", "parse", `--headers=${secret}`, `--body=${secret}`, "--max-clock-skew", secret],
  [secret],
  ["membercard", secret],
  ["--log-level", secret, "membercard", "get-callback"],
  ["membercard", "get-callback", "--base-url", secret],
  ["membercard", "get-user-card", "--card-id", `${secret}${secret}`, "--code", secret],
  ["membercard", "get-user-card", "--card-id", "pCard1", "--code", "0123", "--max-retries", secret],
  ["membercard", "update-user-card", "--json", secret],
  ["membercard", "update-user-card", "--json", `{"card_id":"${secret}${secret}"}`],
  ["membercard", "search-phone-member", "--card-id", "pCard1", "--phone-number", secret, secret],
  // 商家名片会员卡: a provider's request naming the brand, and a brand's (whose client reads WECHATPAY_BRAND_*).
  ["partner-card-member", "get-card-template", "--brand-id", `${secret}${secret}`, "--card-id", secret],
  ["partner-card-member", "import-user-card-by-phone", "--brand-id", "1001", "--phone-number", secret, secret],
  ["brand-card-member", "update-user-card", "--user-card-code", "UC1", "--phone-number", secret, secret],
  ["brand-card-member", "get-card-template", "--card-id", secret, "--brand-id", secret],
  ["brand-card-member", "get-card-template", "--card-id", "pCard1", "--base-url", secret],
  ...(everyCommand ? commandPositions(secret) : [])
]

/** Every command: a bare argument, and a value each typed flag cannot take. */
const commandPositions = (secret: string): ReadonlyArray<ReadonlyArray<string>> =>
  specs.flatMap((spec) => [
    [spec.group, spec.command, secret],
    ...spec.fields
      .filter((field) => ["integer", "number", "choice", "boolean", "file"].includes(field.kind))
      .map((field) => [spec.group, spec.command, `--${field.flag}`, secret])
  ])

describe("no value given on the command line is repeated (review item 1)", () => {
  it("the review's three cases: the flag is named, the value is not (exit 2, one InvalidArguments line)", async () => {
    const typo = await cli(["emulator", "serve", `--api-v3-kye=${KEY}`])
    expect(typo.code).toBe(2)
    expect(typo.stdout).toBe("")
    expect(JSON.parse(typo.stderr)).toEqual({
      _tag: "InvalidArguments",
      message: "unexpected flag --api-v3-kye (its value not shown): not a flag of this command, given twice, or " +
        "without its value"
    })
    const bare = await cli(["emulator", "serve", KEY])
    expect(bare.code).toBe(2)
    expect(JSON.parse(bare.stderr).message).toMatch(/^an unexpected positional argument \(value not shown\)/)
    const phone = await cli(["membercard", "search-phone-member", PHONE])
    expect(phone.code).toBe(2)
    expect(JSON.parse(phone.stderr).message).toMatch(/^an unexpected positional argument \(value not shown\)/)
    for (const run of [typo, bare, phone]) {
      expect(run.stderr).not.toContain(KEY)
      expect(run.stderr).not.toContain(PHONE)
    }
  })

  it("an invalid value names its flag: not an integer, no such file, not one of the choices", async () => {
    const port = await cli(["emulator", "serve", "--port", KEY])
    expect(JSON.parse(port.stderr).message).toBe("--port: not an integer (value not shown)")
    const file = await cli(["emulator", "serve", `--api-v3-key-file=${KEY}`])
    expect(JSON.parse(file.stderr).message).toBe("--api-v3-key-file: no such file (path not shown)")
    const both = await cli(["notification", "parse", "--headers", KEY, "--body", KEY])
    expect(JSON.parse(both.stderr).message).toBe(
      "--headers: no such file (path not shown)\n\n--body: no such file (path not shown)"
    )
    const url = await cli(["membercard", "get-callback", "--base-url", KEY])
    expect(url.code).toBe(1)
    expect(JSON.parse(url.stderr).message).toContain("<value of --base-url>")
    const brandUrl = await cli(["brand-card-member", "list-card-templates", "--offset", "0", "--limit", "1", "--base-url", KEY])
    expect(brandUrl.code).toBe(1)
    expect(JSON.parse(brandUrl.stderr)).toMatchObject({
      _tag: "ConfigurationError",
      message: expect.stringContaining("<value of --base-url>")
    })
  })

  it("the sweep: every malformed position of every command, a key and a phone number, never printed", async () => {
    const leaks: Array<string> = []
    let runs = 0
    // The key in every position of every command (each run is ~70 ms of effect/cli); the phone number in the
    // positions that differ in kind.
    for (const [secret, everyCommand] of [[KEY, true], [PHONE, false]] as const) {
      for (const args of positions(secret, everyCommand)) {
        const { code, stderr, stdout } = await cli(args)
        runs++
        expect(code, args.join(" ")).not.toBe(0)
        // One JSON report (and, for --api-v3-key, its warning) — nothing unparsed from effect/cli.
        const lines = stderr.trim().split("\n").filter((line) => !line.includes("level=WARN"))
        expect(lines, args.join(" ")).toHaveLength(1)
        expect(() => JSON.parse(lines[0]!), stderr).not.toThrow()
        if (stdout.includes(secret) || stderr.includes(secret)) leaks.push(`${args.join(" ")} → ${stderr}`)
      }
    }
    expect(runs).toBeGreaterThan(100)
    expect(leaks).toEqual([])
  }, 120_000)
})

describe("Argv", () => {
  it("a flag name is lowercase kebab words (≤ 12 characters each, 40 in all); anything else is a value", () => {
    expect(isFlagName("--api-v3-kye")).toBe(true)
    expect(isFlagName("-p")).toBe(true)
    expect(isFlagName(`--${"a".repeat(12)}`)).toBe(true)
    expect(isFlagName(`--${"a".repeat(13)}`)).toBe(false)
    expect(isFlagName(`--${KEY}`)).toBe(false)
    expect(isFlagName("--13812345678")).toBe(false)
    expect(isFlagName("--a=b")).toBe(false)
  })

  it("values: after = or the next argument, positionals that are not command words, odd flag names", () => {
    const commands = new Set(["membercard", "get-user-card"])
    expect(valuesOf(["node", "bin", "membercard", "get-user-card", "--card-id", "c1", "--code=c2", "x", `--${KEY}`], commands))
      .toEqual([
        { value: "c1", flag: "--card-id" },
        { value: "c2", flag: "--code" },
        { value: "x", flag: undefined },
        { value: `--${KEY}`, flag: undefined }
      ])
  })

  it("redact: a value quoted or written anywhere goes, at 4 characters or more and as a whole word", () => {
    const argv = ["node", "bin", "--card-id", "Card", "--openid", "o-openid-1"]
    expect(redact("MemberCard 'Card' o-openid-1 x", argv, new Set())).toBe("MemberCard (value not shown) <value of --openid> x")
  })
})

describe("the bin prints the same (a child process)", () => {
  it("emulator serve --api-v3-kye=<key>: exit 2, the flag named, the key not printed", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "bin.ts"), "emulator", "serve", `--api-v3-kye=${KEY}`], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    const code = await new Promise<number | null>((done) => child.on("exit", done))
    expect(code).toBe(2)
    expect(output).toContain("--api-v3-kye")
    expect(output).not.toContain(KEY)
  }, 60_000)
})
