/**
 * The `effect-wechatpay` command line, run as users run it: the package is built and packed once (`npm pack`, whose
 * `prepack` is `npm run build`, in a temporary copy of the sources), unpacked with no node_modules, and the bin is
 * started as a child process. The emulator is the CLI's own
 * `emulator serve`; commands get their configuration from the line it prints, as a shell script would.
 *
 * What is proven: every endpoint declaration has a command whose --help lists each request field with its limits;
 * a write and a read go through to the emulator; each failure category has its exit code and one JSON object on
 * stderr (invalid input sends nothing); no key material or phone number is ever printed; a client written with
 * node:crypto alone works against the server from the printed line; SIGTERM and SIGINT stop it cleanly (signals and
 * the APIv3 key's sources in detail: test/hardening-0.6-cli.test.ts); the root
 * entry of the built package never loads effect/cli; the built bin is self-contained (effect and
 * @effect/platform-node bundled, their licences shipped), listens before it loads anything else, and loads the
 * emulator only for `emulator serve`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as crypto from "node:crypto"
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as esbuild from "esbuild"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Endpoint, Media, MemberCard, MemberCardActivity } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"
import * as PlatformCertificates from "../src/PlatformCertificates.js"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

// ---------------------------------------------------------------------------------------------------------------
// The built package and the bin as a child process
// ---------------------------------------------------------------------------------------------------------------

/** The package as `npm pack` packs it (bin/, dist/, src/, package.json), unpacked without any node_modules. */
let pkg = ""
/** The temporary folder holding the build's sources, the tarball and the unpacked package. */
let work = ""
const bin = () => join(pkg, "bin", "effect-wechatpay.js")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Every output of every run, to look for secrets at the end. */
const outputs: Array<string> = []

const cli = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}): Promise<Run> =>
  new Promise((done) => {
    // Only what a run needs: no WECHATPAY_* from the developer's shell.
    const base: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" }
    for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value
    execFile(process.execPath, [bin(), ...args], { env: base, cwd: pkg, timeout: 60_000 }, (error, stdout, stderr) => {
      outputs.push(stdout, stderr)
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
      done({ code, stdout, stderr })
    })
  })

interface Ready {
  readonly baseUrl: string
  readonly console: string
  readonly mchid: string
  readonly merchantSerialNumber: string
  readonly publicKeyId: string
  readonly publicKey: string
  readonly certificateSerial: string
  readonly certificate: string
  /** Only when the emulator generated the key. */
  readonly apiV3Key?: string
  readonly merchantPrivateKeyFile?: string
}

interface Server {
  readonly child: ChildProcess
  readonly ready: Ready
  /** The line as printed. */
  readonly line: string
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

const serve = (args: ReadonlyArray<string> = [], extraEnv: Record<string, string> = {}): Promise<Server> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin(), "emulator", "serve", ...args], {
      cwd: pkg,
      env: { PATH: process.env["PATH"] ?? "", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal }))
    )
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const end = stdout.indexOf("\n")
      if (end >= 0 && !settled) {
        settled = true
        const line = stdout.slice(0, end)
        done({ child, ready: JSON.parse(line) as Ready, line, stdout: () => stdout, stderr: () => stderr, exit })
      }
    })
    let settled = false
    void exit.then(({ code }) => {
      if (!settled) fail(new Error(`emulator serve exited with ${code} before listening: ${stderr}`))
    })
  })

/** The environment a script would set from the printed line (the merchant key as a file path, as usual). */
const envOf = (ready: Ready): Record<string, string> => ({
  WECHATPAY_MCHID: ready.mchid,
  WECHATPAY_MERCHANT_SERIAL_NUMBER: ready.merchantSerialNumber,
  WECHATPAY_MERCHANT_PRIVATE_KEY: ready.merchantPrivateKeyFile!,
  WECHATPAY_PUBLIC_KEY_ID: ready.publicKeyId,
  WECHATPAY_PUBLIC_KEY: ready.publicKey,
  WECHATPAY_BASE_URL: ready.baseUrl
})

/** The path of `settledLog`'s own requests, left out of the count. */
const logMark = "/v3/cli-test/log-mark/"
let logMarks = 0

/** Requests the server logged (one INFO line each on stderr), `settledLog`'s own left out. */
const requestsLogged = (server: Server): number =>
  server.stderr().split("\n").filter((l) => /message=request /.test(l) && !l.includes(logMark)).length

/**
 * The requests the server has logged, once every request it answered so far is in the log. A line follows its
 * response by a tick, so a command that has exited may not be counted yet: a request of our own is sent now and its
 * line awaited — the server logs in order, so by then the lines of all earlier requests are in.
 */
const settledLog = async (server: Server): Promise<number> => {
  const mark = `${logMark}${++logMarks}`
  await (await fetch(`${server.ready.baseUrl}${mark}`)).arrayBuffer()
  const logged = new RegExp(`message=request .*path=${mark}(\\s|$)`, "m")
  for (let i = 0; i < 500 && !logged.test(server.stderr()); i++) await new Promise((r) => setTimeout(r, 20))
  if (!logged.test(server.stderr())) throw new Error(`the server did not log ${mark} within 10 s`)
  return requestsLogged(server)
}

/** A 1×1 PNG (magic bytes and a real image). */
const onePixelPng = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex"
)

const failure = (run: Run): Record<string, unknown> => {
  const lines = run.stderr.trim().split("\n")
  expect(lines, run.stderr).toHaveLength(1)
  return JSON.parse(lines[0]!) as Record<string, unknown>
}

const closedPort = (): Promise<number> =>
  new Promise((done) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => done(port))
    })
  })

let server: Server
let env: Record<string, string>
let merchantKeyPem = ""

/** Where the shared server delivers notifications: what arrived, headers and body bytes as received. */
const delivered: Array<{ readonly headers: http.IncomingHttpHeaders; readonly rawHeaders: Array<string>; readonly body: Buffer }> = []
const receiver = http.createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    delivered.push({ headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) })
    res.writeHead(204)
    res.end()
  })
})
/** The APIv3 key the shared server is given (32 ASCII characters). */
const apiV3Key = "cli-test-apiv3-key-0123456789abc"

/** Run `command` in `cwd`; fails with what it printed if it exits non-zero. */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string): Promise<void> =>
  new Promise((done, fail) => {
    execFile(command, args, { cwd, timeout: 170_000 }, (error, stdout, stderr) =>
      error === null ? done() : fail(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stdout}\n${stderr}`)))
  })

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "effect-wechatpay-cli-"))
  // The package's own build (`prepack` runs `npm run build`: tsc, then the bin's bundle), in a copy of what it is
  // built from — a concurrent build in the checkout cannot interfere — packed as npm publishes it, and unpacked.
  const source = join(work, "source")
  for (const entry of ["package.json", "tsconfig.json", "tsconfig.build.json", "bin", "scripts", "src"]) {
    cpSync(join(root, entry), join(source, entry), { recursive: true })
  }
  symlinkSync(join(root, "node_modules"), join(source, "node_modules"), "dir")
  await exec("npm", ["pack", "--silent", "--pack-destination", work], source)
  const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"))
  expect(tarball, "npm pack wrote the package's tarball").toBeDefined()
  await exec("tar", ["-xzf", tarball!], work)
  pkg = join(work, "package")
  expect(existsSync(join(pkg, "dist", "cli", "bin.js")), "the package ships dist/cli/bin.js").toBe(true)
  // No node_modules next to the unpacked package: the bin runs on what the package ships and Node's built-ins alone.
  expect(existsSync(join(pkg, "node_modules"))).toBe(false)
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done))
  const notifyUrl = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/wechatpay/notify`
  // The key from the environment, as the server's documentation asks (a flag would show it in `ps`).
  server = await serve(["--notify-url", notifyUrl], { WECHATPAY_API_V3_KEY: apiV3Key })
  env = envOf(server.ready)
  merchantKeyPem = readFileSync(server.ready.merchantPrivateKeyFile!, "utf8")
}, 180_000)

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill("SIGINT")
    await server.exit
  }
  receiver.close()
  if (work !== "") rmSync(work, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------------------------------
// The declarations, walked independently of the CLI's own walk
// ---------------------------------------------------------------------------------------------------------------

const groups = {
  membercard: MemberCard,
  "membercard-activity": MemberCardActivity,
  media: Media,
  certificates: PlatformCertificates,
  "partner-card-member": PartnerCardMember,
  "brand-card-member": BrandCardMember
} as const

const kebab = (s: string) => s.replace(/_/g, "-").replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()

const declared = Object.entries(groups).flatMap(([group, exports]) =>
  Object.entries(exports as Record<string, unknown>).flatMap(([, value]) => {
    if (typeof value !== "function" || !("definition" in value) || !("call" in value)) return []
    const accessor = Object.entries(exports as Record<string, unknown>).find(([, v]) => v === value.call)![0]
    const definition = value.definition as Endpoint.Definition<object>
    const command = group === "certificates" && accessor === "downloadCertificates" ? "download" : kebab(accessor)
    return [{ group, command, accessor, definition }]
  })
)

/** A field's `maxLength`, as the schema documents it (the same keyword the help text must show). */
const maxLengthOf = (ast: AST.AST): number | undefined => {
  try {
    const json = Schema.toJsonSchemaDocument(Schema.make(ast)).schema as { maxLength?: number }
    return json.maxLength
  } catch {
    return undefined
  }
}

/** A request's fields: every request schema is a struct. */
const fieldsOf = (ast: AST.AST): ReadonlyArray<AST.PropertySignature> => {
  if (!AST.isObjects(ast)) throw new Error(`a request schema that is not a struct: ${ast._tag}`)
  return ast.propertySignatures
}

/** Run `f` over `items`, `n` at a time. */
const pool = async <A, B>(items: ReadonlyArray<A>, n: number, f: (a: A) => Promise<B>): Promise<Array<B>> => {
  const results: Array<B> = []
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await f(items[i]!)
    }
  }))
  return results
}

describe("effect-wechatpay --help", () => {
  it("every endpoint declaration (75) has a command whose --help lists each request field with its limits", async () => {
    // 37 of membercard-open (with confirm-membership), membercard-activity, media and certificates; 22 of a
    // provider's 商家名片会员卡, 16 of a brand's.
    expect(declared.length).toBe(75)
    const helps = await pool(declared, 3, ({ command, group }) => cli([group, command, "--help"]))
    declared.forEach(({ command, definition, group }, i) => {
      const help = helps[i]!
      expect(help.code, `${group} ${command}`).toBe(0)
      expect(help.stdout).toContain(`${definition.method} ${definition.path}`)
      for (const property of fieldsOf(definition.request.ast)) {
        const name = String(property.name)
        expect(help.stdout, `${group} ${command} --${kebab(name)}`).toContain(`--${kebab(name)}`)
        expect(help.stdout, `${group} ${command} ${name}`).toContain(`${name}: ${AST.isOptional(property.type) ? "optional" : "required"}`)
        const max = maxLengthOf(property.type)
        if (max !== undefined && name !== "phone_number") {
          expect(help.stdout, `${group} ${command} ${name} ≤ ${max}`).toMatch(new RegExp(`${name}: [^\\n]*${max} characters`))
        }
      }
    })
  }, 240_000)

  it("shows the documented limits: lengths, bounds, enums, the secret and the nested JSON shape", async () => {
    const list = await cli(["membercard", "list-card-templates", "--help"])
    // Piped, the help has no ANSI styles.
    expect(list.stdout).not.toMatch(/\u001b\[/)
    expect(list.stdout).toContain("offset: required; integer; ≥ 0")
    expect(list.stdout).toMatch(/limit: required; integer;[^\n]*≤ 20/)
    const bonus = await cli(["membercard", "prepare-bonus", "--help"])
    expect(bonus.stdout).toContain("bonus_value: required; integer; ≥ 1")
    const create = await cli(["membercard", "create-card-template", "--help"])
    expect(create.stdout).toContain("code_type: required; one of BAR_CODE, QRCODE, BAR_CODE_AND_QRCODE, NONE_CODE")
    expect(create.stdout).toMatch(/date_information: required; JSON object \{type, /)
    expect(create.stdout).toContain("title: required; string; 1–10 characters")
    const phone = await cli(["membercard", "import-user-card-by-phone", "--help"])
    expect(phone.stdout).toContain("phone_number: required; secret string")
    const upload = await cli(["media", "upload-image", "--help"])
    expect(upload.stdout).toContain("file: required; path of a file")
  }, 60_000)
})

describe("effect-wechatpay emulator serve", () => {
  it("prints one JSON line with what a client needs; the generated merchant key is a 0600 file", () => {
    const { ready } = server
    expect(server.stdout()).toBe(`${server.line}\n`)
    expect(ready.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(ready.mchid).toMatch(/^\d+$/)
    expect(ready.merchantSerialNumber).toMatch(/^[0-9A-F]{40}$/)
    expect(ready.publicKeyId).toMatch(/^PUB_KEY_ID_/)
    expect(crypto.createPublicKey(ready.publicKey).asymmetricKeyType).toBe("rsa")
    expect(new crypto.X509Certificate(ready.certificate).serialNumber.toUpperCase()).toBe(ready.certificateSerial)
    // A key given is not printed back.
    expect(ready.apiV3Key).toBeUndefined()
    expect(statSync(ready.merchantPrivateKeyFile!).mode & 0o777).toBe(0o600)
    // The key file holds the private half of the merchant key the server accepts, and the line does not hold it.
    expect(crypto.createPrivateKey(merchantKeyPem).asymmetricKeyType).toBe("rsa")
    expect(server.line).not.toContain("PRIVATE KEY")
  })

  it("serves the console on the same port (printed as console); its requests are not logged one by one", async () => {
    const { ready } = server
    expect(ready.console).toBe(`${ready.baseUrl}/console`)
    const page = await fetch(ready.console)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(await page.text()).toContain("<html")
    const overview = (await (await fetch(`${ready.console}/api/overview`)).json()) as {
      version: string
      baseUrl: string
      notifier: boolean
      merchants: ReadonlyArray<{ mchid: string; apiV3Key: string }>
    }
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    expect(overview).toMatchObject({ version: manifest.version, baseUrl: ready.baseUrl, notifier: true })
    // The key given in the environment, masked: its first two and last two characters and its length.
    expect(overview.merchants[0]).toMatchObject({ mchid: ready.mchid, apiV3Key: `${apiV3Key.slice(0, 2)}…${apiV3Key.slice(-2)} (32)` })
    expect(server.stderr()).not.toContain("/console")
  })

  it("with --merchant-public-key, --mchid, --merchant-serial-number: no key file; SIGTERM closes it (exit 0)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-merchant-"))
    const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
    const publicFile = join(dir, "merchant.pub.pem")
    writeFileSync(publicFile, pair.publicKey.export({ type: "spki", format: "pem" }))
    const own = await serve(["--merchant-public-key", publicFile, "--mchid", "1230000109", "--merchant-serial-number", "ABC123"])
    try {
      expect(own.ready.mchid).toBe("1230000109")
      expect(own.ready.merchantSerialNumber).toBe("ABC123")
      expect(own.ready.merchantPrivateKeyFile).toBeUndefined()
      // A client holding the private half is accepted.
      const privateFile = join(dir, "merchant.pem")
      writeFileSync(privateFile, pair.privateKey.export({ type: "pkcs8", format: "pem" }))
      const set = await cli(["membercard", "set-callback", "--notify-url", "https://example.com/own"], {
        ...envOf(own.ready),
        WECHATPAY_MERCHANT_PRIVATE_KEY: privateFile
      })
      expect(set.code, set.stderr).toBe(0)
    } finally {
      own.child.kill("SIGTERM")
      const { code, signal } = await own.exit
      expect({ code, signal }).toEqual({ code: 0, signal: null })
      rmSync(dir, { recursive: true, force: true })
    }
    // Closed: nothing listens on its port any more.
    const refused = await cli(["membercard", "get-callback", "--max-retries", "0"], { ...env, WECHATPAY_BASE_URL: own.ready.baseUrl })
    expect(refused.code).toBe(4)
    expect(own.stderr()).toMatch(/message=listening/)
  }, 60_000)

  it("a port in use: exit 6 with a ListenError report, nothing printed on stdout", async () => {
    const port = Number(new URL(server.ready.baseUrl).port)
    const run = await cli(["emulator", "serve", "--port", String(port)])
    expect(run.code).toBe(6)
    expect(run.stdout).toBe("")
    expect(failure(run)).toMatchObject({ _tag: "ListenError", port, reason: "AddressInUse", message: expect.stringContaining("EADDRINUSE") })
  }, 30_000)
})

describe("endpoint commands against emulator serve", () => {
  it("a write then a read: the decoded response on stdout, exit 0; --json merged under the flags (a flag wins)", async () => {
    const set = await cli(
      ["membercard", "set-callback", "--json", JSON.stringify({ notify_url: "https://example.com/from-json" }), "--notify-url", "https://example.com/from-flag"],
      env
    )
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toBe("")
    expect(JSON.parse(set.stdout)).toEqual({ notify_url: "https://example.com/from-flag", mchid: server.ready.mchid })
    const get = await cli(["membercard", "get-callback"], env)
    expect(get.code, get.stderr).toBe(0)
    expect(JSON.parse(get.stdout)).toEqual({ notify_url: "https://example.com/from-flag", mchid: server.ready.mchid })
    // --json alone is a whole request.
    const fromJson = await cli(["membercard", "set-callback", "--json", JSON.stringify({ notify_url: "https://example.com/j" })], env)
    expect(JSON.parse(fromJson.stdout)).toMatchObject({ notify_url: "https://example.com/j" })
  }, 60_000)

  it("media upload-image --file PATH: the file's bytes, named after the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-upload-"))
    writeFileSync(join(dir, "logo.png"), onePixelPng)
    try {
      const upload = await cli(["media", "upload-image", "--file", join(dir, "logo.png")], env)
      expect(upload.code, upload.stderr).toBe(0)
      expect(JSON.parse(upload.stdout).media_url).toMatch(/^https?:\/\//)
      // Not an image by content: the library's rule, nothing sent.
      writeFileSync(join(dir, "fake.png"), "not an image")
      const before = await settledLog(server)
      const fake = await cli(["media", "upload-image", "--file", join(dir, "fake.png")], env)
      expect(fake.code).toBe(2)
      expect(failure(fake)).toMatchObject({ _tag: "RequestValidationError", message: expect.stringContaining("JPG, PNG or BMP") })
      expect(await settledLog(server)).toBe(before)
      // A missing file: the CLI's own check.
      const missing = await cli(["media", "upload-image", "--file", join(dir, "absent.png")], env)
      expect(missing.code).toBe(2)
      expect(failure(missing)._tag).toBe("InvalidArguments")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("a member's story: upload a logo, create a template (flags + --json), import a member, read the card; the ACCEPT_CARD notification is delivered and `notification parse` opens it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-story-"))
    try {
      writeFileSync(join(dir, "logo.png"), onePixelPng)
      const upload = await cli(["media", "upload-image", "--file", join(dir, "logo.png")], env)
      const { media_url } = JSON.parse(upload.stdout) as { media_url: string }
      const created = await cli([
        "membercard", "create-card-template",
        "--appid", "wxea9c30890f48d5ae", "--title", "CLI测试卡", "--description", "命令行创建",
        "--logo-url", media_url, "--background-picture-url", media_url,
        "--code-type", "BAR_CODE", "--code-mode", "SYSTEM_ALLOCATE", "--out-request-no", "cli-tpl-1",
        "--json", JSON.stringify({ title: "JSON里的标题", brand: { brand_id: "1004", display_name: "微信支付" } }),
        "--date-information", JSON.stringify({ type: "PERMANENT" }),
        // A boolean flag is `true` or `false` as typed: with `true` the library would require init_level.
        "--need-display-level", "false"
      ], env)
      expect(created.code, created.stderr).toBe(0)
      const template = JSON.parse(created.stdout) as { card_id: string; title: string; brand: unknown }
      expect(template).toMatchObject({ title: "CLI测试卡", brand: { brand_id: "1004" }, code_mode: "SYSTEM_ALLOCATE" })
      const openid = "o-cli-member-0001"
      const imported = await cli(
        ["membercard", "import-user-card-by-openid", "--card-id", template.card_id, "--openid", openid, "--out-request-no", "cli-imp-1"],
        env
      )
      expect(imported.code, imported.stderr).toBe(0)
      const { code } = JSON.parse(imported.stdout) as { code: string }
      const card = await cli(["membercard", "get-user-card", "--card-id", template.card_id, "--code", code], env)
      expect(card.code, card.stderr).toBe(0)
      expect(JSON.parse(card.stdout)).toMatchObject({ card_id: template.card_id, code, openid, user_card_status: "EFFECTIVE" })
      // The server logs paths only: the openid (personal data) sent in the import's body is not in its log.
      expect(server.stderr()).toContain(`/cards/${template.card_id}/users/import`)
      expect(server.stderr()).not.toContain(openid)

      for (let i = 0; i < 200 && delivered.length === 0; i++) await new Promise((r) => setTimeout(r, 25))
      expect(delivered).toHaveLength(1)
      const notification = delivered[0]!
      // Headers as `Name: value` lines (what `curl -D` or a proxy log shows), the body byte for byte.
      const lines = ["POST /wechatpay/notify HTTP/1.1"]
      for (let i = 0; i < notification.rawHeaders.length; i += 2) lines.push(`${notification.rawHeaders[i]}: ${notification.rawHeaders[i + 1]}`)
      writeFileSync(join(dir, "headers.txt"), lines.join("\r\n") + "\r\n")
      writeFileSync(join(dir, "headers.json"), JSON.stringify(notification.headers))
      writeFileSync(join(dir, "body"), notification.body)
      const withKey = { ...env, WECHATPAY_API_V3_KEY: apiV3Key }
      // Only the WeChat Pay public key and the APIv3 key: no merchant identity, no private key.
      const verifyOnly = {
        WECHATPAY_PUBLIC_KEY_ID: server.ready.publicKeyId,
        WECHATPAY_PUBLIC_KEY: server.ready.publicKey,
        WECHATPAY_API_V3_KEY: apiV3Key
      }
      const minimal = await cli(["notification", "parse", "--headers", join(dir, "headers.txt"), "--body", join(dir, "body")], verifyOnly)
      expect(minimal.code, minimal.stderr).toBe(0)
      expect(JSON.parse(minimal.stdout)).toMatchObject({ _tag: "AcceptCard", resource: { openid } })
      for (const headers of ["headers.txt", "headers.json"]) {
        const parsed = await cli(["notification", "parse", "--headers", join(dir, headers), "--body", join(dir, "body")], withKey)
        expect(parsed.code, parsed.stderr).toBe(0)
        expect(JSON.parse(parsed.stdout)).toMatchObject({
          _tag: "AcceptCard",
          event_type: "MEMBERCARD.ACCEPT_CARD",
          resource: { card_id: template.card_id, code, openid }
        })
      }
      // One byte changed: verification fails (5), and the report holds neither the openid nor the key.
      writeFileSync(join(dir, "tampered"), Buffer.from(notification.body.toString("utf8").replace(/"id":"./, (m) => m.slice(0, -1) + (m.endsWith("0") ? "1" : "0"))))
      const tampered = await cli(["notification", "parse", "--headers", join(dir, "headers.txt"), "--body", join(dir, "tampered")], withKey)
      expect(tampered.code).toBe(5)
      expect(failure(tampered)).toMatchObject({ _tag: "NotificationVerificationError", reason: "InvalidSignature" })
      // Without the APIv3 key: configuration (1). Headers that are neither JSON nor header lines: invalid input (2).
      const keyless = await cli(["notification", "parse", "--headers", join(dir, "headers.txt"), "--body", join(dir, "body")], env)
      expect(keyless.code).toBe(1)
      expect(failure(keyless)).toMatchObject({ _tag: "ConfigError", message: expect.stringContaining("WECHATPAY_API_V3_KEY") })
      writeFileSync(join(dir, "junk.txt"), "this is not a header")
      const junk = await cli(["notification", "parse", "--headers", join(dir, "junk.txt"), "--body", join(dir, "body")], withKey)
      expect(junk.code).toBe(2)
      for (const run of [tampered, keyless, junk]) expect(run.stdout + run.stderr).not.toContain(openid)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it("certificates download: decrypted with WECHATPAY_API_V3_KEY and checked; without the key nothing is sent (1); a wrong key fails (5)", async () => {
    const withKey = { ...env, WECHATPAY_API_V3_KEY: apiV3Key }
    const downloaded = await cli(["certificates", "download"], withKey)
    expect(downloaded.code, downloaded.stderr).toBe(0)
    const { data } = JSON.parse(downloaded.stdout) as { data: Array<{ serial_no: string; certificate: string; expire_time: string }> }
    expect(data.length).toBeGreaterThanOrEqual(1)
    for (const entry of data) {
      const certificate = new crypto.X509Certificate(entry.certificate)
      expect(certificate.serialNumber.toUpperCase()).toBe(entry.serial_no)
      expect(Date.parse(entry.expire_time)).toBeGreaterThan(Date.now())
    }
    expect(data.map((entry) => entry.serial_no)).toContain(server.ready.certificateSerial)
    const before = await settledLog(server)
    const keyless = await cli(["certificates", "download"], env)
    expect(keyless.code).toBe(1)
    expect(failure(keyless)).toMatchObject({ _tag: "ConfigError", message: expect.stringContaining("WECHATPAY_API_V3_KEY") })
    const wrongKey = "another-32-character-apiv3-key!!"
    const wrong = await cli(["certificates", "download"], { ...env, WECHATPAY_API_V3_KEY: wrongKey })
    expect(wrong.code).toBe(5)
    expect(failure(wrong)).toMatchObject({ _tag: "CertificateError", reason: "DecryptionFailed" })
    expect(wrong.stdout + wrong.stderr).not.toContain(wrongKey)
    // 31 and 33 bytes: refused before sending.
    for (const key of [apiV3Key.slice(0, 31), `${apiV3Key}x`]) {
      const wrongLength = await cli(["certificates", "download"], { ...env, WECHATPAY_API_V3_KEY: key })
      expect(wrongLength.code).toBe(1)
      expect(failure(wrongLength)).toMatchObject({ _tag: "ConfigurationError", message: expect.stringContaining(`${key.length} bytes`) })
      expect(wrongLength.stdout + wrongLength.stderr).not.toContain(key)
    }
    expect(await settledLog(server)).toBe(before + 1)
  }, 60_000)

  it("certificates download with no WeChat Pay key configured, only the APIv3 key: the first download bootstraps (certificate mode)", async () => {
    const { WECHATPAY_PUBLIC_KEY: _key, WECHATPAY_PUBLIC_KEY_ID: _id, ...identity } = env
    const run = await cli(["certificates", "download"], { ...identity, WECHATPAY_API_V3_KEY: apiV3Key })
    expect(run.code, run.stderr).toBe(0)
    const { data } = JSON.parse(run.stdout) as { data: Array<{ serial_no: string; certificate: string }> }
    expect(data.map((entry) => entry.serial_no)).toContain(server.ready.certificateSerial)
    for (const entry of data) expect(new crypto.X509Certificate(entry.certificate).serialNumber.toUpperCase()).toBe(entry.serial_no)
    // Without the APIv3 key there is nothing to verify with: a configuration error, nothing printed on stdout.
    const keyless = await cli(["certificates", "download"], identity)
    expect(keyless.code).toBe(1)
    expect(keyless.stdout).toBe("")
  }, 60_000)

  it("exit 2: invalid input is refused before sending (the server's request count is unchanged)", async () => {
    const before = await settledLog(server)
    // card_id is string(1..32): 33 characters and an empty one are refused, 32 is sent (an unknown card → 4xx).
    const long = await cli(["membercard", "get-user-card", "--card-id", "p".repeat(33), "--code", "1"], env)
    expect(long.code).toBe(2)
    expect(failure(long)).toMatchObject({
      _tag: "RequestValidationError",
      issues: [{ path: ["card_id"], message: "card_id must be at most 32 characters" }]
    })
    const empty = await cli(["membercard", "get-user-card", "--card-id", "", "--code", "1"], env)
    expect(empty.code).toBe(2)
    const missing = await cli(["membercard", "get-user-card", "--code", "1"], env)
    expect(missing.code).toBe(2)
    expect(failure(missing)).toMatchObject({ issues: [{ path: ["card_id"], message: "is missing" }] })
    // --need-display-level true is the boolean true: the library's cross-field rule then wants init_level.
    const template = {
      appid: "wx1", logo_url: "https://qpic.cn/x", background_picture_url: "https://qpic.cn/x", title: "卡",
      description: "d", code_type: "BAR_CODE", code_mode: "SYSTEM_ALLOCATE", out_request_no: "t-1",
      date_information: { type: "PERMANENT" }, brand: { brand_id: "1004", display_name: "微信支付" }
    }
    const level = await cli(["membercard", "create-card-template", "--json", JSON.stringify(template), "--need-display-level", "true"], env)
    expect(level.code).toBe(2)
    expect(failure(level)).toMatchObject({ issues: [{ path: ["init_level"] }] })
    // limit ≤ 20: 21 is refused.
    const limit = await cli(["membercard", "list-card-templates", "--appid", "wx1", "--offset", "0", "--limit", "21"], env)
    expect(limit.code).toBe(2)
    // The flag parser: not an integer, an unknown flag, a value outside an enum, JSON that is not JSON or not an object.
    for (
      const args of [
        ["membercard", "list-card-templates", "--appid", "wx1", "--offset", "zero", "--limit", "1"],
        ["membercard", "get-user-card", "--card-id", "p1", "--cde", "1"],
        ["membercard", "create-qr-code", "--card-id", "p1", "--activate-type", "SOMETIMES"],
        ["membercard", "set-callback", "--json", "{not json"],
        ["membercard", "set-callback", "--json", "[1]"],
        ["membercard"]
      ]
    ) {
      const run = await cli(args, env)
      expect(run.code, args.join(" ")).toBe(2)
      expect(run.stdout, args.join(" ")).toBe("")
      expect(failure(run)._tag, args.join(" ")).toBe("InvalidArguments")
    }
    expect(await settledLog(server)).toBe(before)
    // At the limit it is sent.
    const at = await cli(["membercard", "get-user-card", "--card-id", "p".repeat(32), "--code", "1"], env)
    expect(at.code).toBe(3)
    expect(await settledLog(server)).toBe(before + 1)
  }, 120_000)

  it("exit 3: WeChat's 4xx, with its code, status, message and Request-ID", async () => {
    const run = await cli(["membercard", "get-user-card", "--card-id", "pUnknownCard", "--code", "1"], env)
    expect(run.code).toBe(3)
    expect(run.stdout).toBe("")
    const report = failure(run)
    expect(report).toMatchObject({ _tag: "InvalidRequest", code: "INVALID_REQUEST", status: 400 })
    expect(report["requestId"]).toMatch(/^[0-9a-f]{32}$/)
    expect(typeof report["message"]).toBe("string")
  }, 30_000)

  it("exit 4: a 5xx answer, and a transport failure (a closed port)", async () => {
    const fake = http.createServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/json", "request-id": "f".repeat(32) })
      res.end(JSON.stringify({ code: "SYSTEM_ERROR", message: "系统错误" }))
    })
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r))
    try {
      const url = `http://127.0.0.1:${(fake.address() as net.AddressInfo).port}`
      const run = await cli(["membercard", "get-callback", "--base-url", url, "--max-retries", "0"], env)
      expect(run.code).toBe(4)
      expect(failure(run)).toMatchObject({ _tag: "SystemError", code: "SYSTEM_ERROR", status: 500, requestId: "f".repeat(32) })
    } finally {
      await new Promise((r) => fake.close(r))
    }
    const port = await closedPort()
    const refused = await cli(["membercard", "get-callback", "--base-url", `http://127.0.0.1:${port}`, "--max-retries", "0"], env)
    expect(refused.code).toBe(4)
    expect(failure(refused)).toMatchObject({ _tag: "TransportError", reason: "Connection" })
  }, 30_000)

  it("exit 5: a response that fails verification (a public key that is not the server's)", async () => {
    const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" })
    const run = await cli(["membercard", "get-callback"], { ...env, WECHATPAY_PUBLIC_KEY: other.toString() })
    expect(run.code).toBe(5)
    expect(run.stdout).toBe("")
    expect(failure(run)).toMatchObject({ _tag: "ResponseVerificationError", reason: "InvalidSignature" })
  }, 30_000)

  it("exit 1: anything else (configuration missing or malformed), without echoing the value", async () => {
    const missing = await cli(["membercard", "get-callback"], { ...env, WECHATPAY_MCHID: undefined })
    expect(missing.code).toBe(1)
    expect(failure(missing)).toMatchObject({ _tag: "ConfigError", message: expect.stringContaining("WECHATPAY_MCHID") })
    // A private key that is not one: the PEM's body must not be echoed.
    const mangled = merchantKeyPem.replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\nAAAA")
    const bad = await cli(["membercard", "get-callback"], { ...env, WECHATPAY_MERCHANT_PRIVATE_KEY: mangled })
    expect(bad.code).toBe(1)
    expect(failure(bad)._tag).toBe("ConfigurationError")
  }, 30_000)

  it("--phone-number is a secret: encrypted on the wire, never printed, on success or failure", async () => {
    const phone = "13812345678"
    const found = await cli(["membercard", "search-phone-member", "--card-id", "pPhoneCard", "--phone-number", phone], env)
    expect([0, 3], found.stderr).toContain(found.code)
    const tooLong = await cli(
      ["membercard", "search-phone-member", "--card-id", "pPhoneCard", "--phone-number", phone.repeat(30)],
      env
    )
    expect(tooLong.code).toBe(2)
    expect(failure(tooLong)).toMatchObject({ _tag: "RequestValidationError", issues: [{ path: ["phone_number"] }] })
    const port = await closedPort()
    const down = await cli(
      ["membercard", "search-phone-member", "--card-id", "pPhoneCard", "--phone-number", phone, "--base-url", `http://127.0.0.1:${port}`, "--max-retries", "0"],
      env
    )
    expect(down.code).toBe(4)
    // Given in --json instead, it is read as a secret all the same.
    const viaJson = await cli(
      ["membercard", "search-phone-member", "--json", JSON.stringify({ card_id: "pPhoneCard", phone_number: phone })],
      env
    )
    expect([0, 3], viaJson.stderr).toContain(viaJson.code)
    for (const run of [found, tooLong, down, viaJson]) {
      expect(run.stdout + run.stderr).not.toContain(phone)
    }
    expect(server.stderr()).not.toContain(phone)
  }, 60_000)
})

// ---------------------------------------------------------------------------------------------------------------
// A client in plain node:crypto (no Effect, no library code) against the server, from the printed line only
// ---------------------------------------------------------------------------------------------------------------

describe("a non-Effect client against emulator serve", () => {
  const request = (
    ready: Ready,
    privateKeyPem: string,
    method: "GET" | "PATCH",
    path: string,
    body = ""
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> => {
    const timestamp = String(Math.floor(Date.now() / 1000))
    const nonce = crypto.randomBytes(16).toString("hex")
    const signature = crypto.sign("sha256", Buffer.from(`${method}\n${path}\n${timestamp}\n${nonce}\n${body}\n`), privateKeyPem)
      .toString("base64")
    const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${ready.mchid}",nonce_str="${nonce}",` +
      `signature="${signature}",timestamp="${timestamp}",serial_no="${ready.merchantSerialNumber}"`
    return new Promise((done, fail) => {
      const req = http.request(new URL(path, ready.baseUrl), {
        method,
        headers: {
          authorization,
          accept: "application/json",
          "user-agent": "plain-node-client/1.0",
          "wechatpay-serial": ready.publicKeyId,
          ...(body === "" ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
        }
      }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }))
      })
      req.on("error", fail)
      req.end(body)
    })
  }

  /** The answer's signature, checked with the printed platform public key (`Wechatpay-Serial` names its id). */
  const verified = (ready: Ready, response: { headers: http.IncomingHttpHeaders; body: string }): boolean => {
    const h = response.headers
    if (h["wechatpay-serial"] !== ready.publicKeyId) return false
    const message = `${h["wechatpay-timestamp"]}\n${h["wechatpay-nonce"]}\n${response.body}\n`
    return crypto.verify("sha256", Buffer.from(message), ready.publicKey, Buffer.from(String(h["wechatpay-signature"]), "base64"))
  }

  it("signs a write and a read with node:crypto; both answers verify with the printed public key", async () => {
    const { ready } = server
    const key = readFileSync(ready.merchantPrivateKeyFile!, "utf8")
    const path = "/v3/marketing/membercard-open/callback"
    const body = JSON.stringify({ notify_url: "https://example.com/plain-node" })
    const set = await request(ready, key, "PATCH", path, body)
    expect(set.status, set.body).toBe(200)
    expect(verified(ready, set)).toBe(true)
    const get = await request(ready, key, "GET", path)
    expect(get.status).toBe(200)
    expect(verified(ready, get)).toBe(true)
    expect(JSON.parse(get.body)).toEqual({ notify_url: "https://example.com/plain-node", mchid: ready.mchid })
    // The verification is real: one changed byte of the body fails it. And a wrong key is refused by the server.
    expect(verified(ready, { ...get, body: get.body.replace("plain", "plaiN") })).toBe(false)
    const stranger = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" })
    const refused = await request(ready, stranger.toString(), "GET", path)
    expect(refused.status).toBe(401)
    expect(JSON.parse(refused.body).code).toBe("SIGN_ERROR")
  }, 30_000)
})

// ---------------------------------------------------------------------------------------------------------------
// Secrets, packaging, shutdown
// ---------------------------------------------------------------------------------------------------------------

describe("secrets and packaging", () => {
  it("no run printed the merchant private key or the APIv3 key; the server printed no key body on stderr", () => {
    const body = merchantKeyPem.split("\n").filter((line) => line !== "" && !line.startsWith("-----")).join("")
    expect(body.length).toBeGreaterThan(1000)
    const printed = outputs.join("\n").replace(/\n/g, "")
    expect(outputs.length).toBeGreaterThan(40)
    // Every 32-character piece of the key's Base64 body (any printed key would contain several).
    const pieces = Array.from({ length: Math.floor(body.length / 32) }, (_, i) => body.slice(i * 32, i * 32 + 32))
    for (const piece of pieces) {
      expect(printed).not.toContain(piece)
      expect(server.stderr()).not.toContain(piece)
    }
    expect(printed).not.toContain(apiV3Key)
    expect(printed).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/)
    expect(server.stderr()).not.toContain(apiV3Key)
  })

  it("the built root entry (and ./testing, ./HttpClientTransport) never imports effect/cli, @effect/platform-node or the CLI", () => {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, "utf8")
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const specifier = match[1]!
        // effect/cli is part of effect since 4.0 (0.6's @effect/cli, @effect/printer*).
        expect(specifier, file).not.toMatch(/^(?:@effect\/(cli|printer|printer-ansi|platform-node)|effect\/cli(?:\/|$))/)
        if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier))
      }
    }
    for (const entry of ["index.js", "testing/index.js", "HttpClientTransport.js"]) visit(join(pkg, "dist", entry))
    expect(seen.size).toBeGreaterThan(20)
    expect([...seen].some((file) => file.includes(`${join(pkg, "dist", "cli")}`))).toBe(false)
  })

  it("package.json: the bin; the built bin imports no package (effect and @effect/platform-node are bundled in, their licences shipped)", async () => {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
    expect(manifest.bin).toEqual({ "effect-wechatpay": "./bin/effect-wechatpay.js" })
    expect(manifest.files).toContain("bin")
    expect(readFileSync(join(pkg, "bin", "effect-wechatpay.js"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/)
    // Every file the bin can load, followed from bin/ through every import (`import()` too), as esbuild parses them
    // (a string that looks like an import is not one): the package's own dist/cli/ files and Node's built-ins, nothing
    // else — the bin needs no package installed (there is no node_modules here: a package import would not resolve).
    const { metafile } = await esbuild.build({
      absWorkingDir: pkg,
      entryPoints: [join(pkg, "bin", "effect-wechatpay.js")],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent"
    })
    const loadable = Object.keys(metafile.inputs).sort()
    const shipped = readdirSync(join(pkg, "dist", "cli")).filter((name) => name.endsWith(".js")).map((name) => `dist/cli/${name}`)
    expect(loadable).toEqual(["bin/effect-wechatpay.js", ...shipped].sort())
    const external = new Set(Object.values(metafile.inputs).flatMap(({ imports }) => imports.filter((i) => i.external).map((i) => i.path)))
    expect(external.size).toBeGreaterThan(5)
    for (const specifier of external) expect(specifier).toMatch(/^node:/)
    // What it bundles, pinned for development (effect is also the library's one peer; @effect/platform-node only
    // builds the bin; the user of a shared notification store brings it — an optional peer), with their licences
    // shipped next to it. `effect` is the one required peer: npm installs no optional one.
    expect(manifest.peerDependencies).toEqual({
      effect: "^4.1.5",
      "@effect/platform-node": "^4.1.5",
      "@effect/sql-pg": "^4.1.5",
      redis: ">=5.1 <7"
    })
    expect(manifest.peerDependenciesMeta).toEqual({
      "@effect/platform-node": { optional: true },
      "@effect/sql-pg": { optional: true },
      redis: { optional: true }
    })
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.devDependencies["@effect/platform-node"]).toBe("4.1.5")
    expect(manifest.devDependencies["effect"]).toBe("4.1.5")
    const licences = readFileSync(join(pkg, "dist", "cli", "LICENSES.md"), "utf8")
    for (const bundled of ["effect@4.1.5 (MIT)", "@effect/platform-node@4.1.5 (MIT)", "@effect/platform-node-shared@4.1.5 (MIT)"]) {
      expect(licences).toContain(`## ${bundled}`)
    }
    expect(licences).toContain("Copyright (c) 2023 Effectful Technologies Inc")
    // A runtime dependency, if one is ever added, is pinned.
    for (const version of Object.values((manifest.dependencies ?? {}) as Record<string, string>)) expect(version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it("the built bin listens before it loads the command line, and loads the emulator only for `emulator serve`", async () => {
    // Which files a file loads before its code runs (static imports, followed), read by esbuild.
    const { metafile } = await esbuild.build({
      absWorkingDir: pkg,
      entryPoints: [join(pkg, "dist", "cli", "bin.js")],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent"
    })
    const statically = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file)) return seen
      seen.add(file)
      for (const { kind, path } of metafile.inputs[file]!.imports) if (kind === "import-statement" && !path.startsWith("node:")) statically(path, seen)
      return seen
    }
    // The bundle keeps the name of each module it holds in a comment (`// dist/cli/Listen.js`).
    const modulesOf = (files: Set<string>) =>
      [...files].flatMap((file) => [...readFileSync(join(pkg, file), "utf8").matchAll(/^\/\/ ((?:node_modules|dist)\/\S+\.js)$/gm)].map((m) => m[1]!))
    const chunkOf = (module: string) =>
      Object.keys(metafile.inputs).find((file) => readFileSync(join(pkg, file), "utf8").includes(`\n// ${module}\n`))!
    // The entry and what it loads before its first line runs: the signal handlers (`Listen`) and nothing of effect.
    const first = modulesOf(statically("dist/cli/bin.js"))
    expect(first).toContain("dist/cli/Listen.js")
    expect(first.filter((module) => module !== "dist/cli/bin.js" && module !== "dist/cli/Listen.js")).toEqual([])
    // The command line (`main`) loads effect/cli and the endpoint commands, not the emulator nor `notification parse`.
    const main = modulesOf(statically(chunkOf("dist/cli/main.js")))
    expect(main).toContain("node_modules/effect/dist/cli/Command.js")
    expect(main).toContain("dist/cli/Endpoints.js")
    expect(main.filter((module) => /^dist\/(testing|cli\/(EmulatorCommand|NotificationCommand))/.test(module))).toEqual([])
    expect(modulesOf(statically(chunkOf("dist/cli/EmulatorCommand.js")))).toContain("dist/testing/Emulator.js")
  })

  it("SIGINT stops the shared server cleanly: exit 0, port closed, the generated key file removed", async () => {
    const keyFile = server.ready.merchantPrivateKeyFile!
    expect(existsSync(keyFile)).toBe(true)
    server.child.kill("SIGINT")
    expect(await server.exit).toEqual({ code: 0, signal: null })
    expect(existsSync(keyFile)).toBe(false)
    const port = Number(new URL(server.ready.baseUrl).port)
    const connected = await new Promise<boolean>((done) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy()
        done(true)
      })
      socket.on("error", () => done(false))
    })
    expect(connected).toBe(false)
  }, 30_000)
})
