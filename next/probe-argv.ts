import * as crypto from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Endpoints from "./src/cli/Endpoints.ts"
import { run } from "./src/cli/main.ts"

const KEY = "Zq8vSecretKey0123456789abcdefXYZ"
const PHONE = "13812345678"
const realOut = process.stdout.write.bind(process.stdout)
const realErr = process.stderr.write.bind(process.stderr)
const cli = async (args: ReadonlyArray<string>) => {
  let stdout = "", stderr = ""
  process.stdout.write = ((c: any) => { stdout += String(c); return true }) as any
  process.stderr.write = ((c: any) => { stderr += String(c); return true }) as any
  try {
    const code = await Effect.runPromise(run(["node", "effect-wechatpay", ...args]).pipe(Effect.provide(NodeServices.layer)))
    return { code, stdout, stderr }
  } finally {
    process.stdout.write = realOut as any
    process.stderr.write = realErr as any
  }
}
const dir = mkdtempSync(join(tmpdir(), "cli-argv-secrets-"))
const merchant = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const platform = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
writeFileSync(join(dir, "merchant.pem"), merchant.privateKey.export({ type: "pkcs8", format: "pem" }))
Object.assign(process.env, {
  WECHATPAY_MCHID: "1900000109",
  WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
  WECHATPAY_MERCHANT_PRIVATE_KEY: join(dir, "merchant.pem"),
  WECHATPAY_PUBLIC_KEY_ID: "PUB_KEY_ID_0112345678202401010000000000000000",
  WECHATPAY_PUBLIC_KEY: platform.publicKey.export({ type: "spki", format: "pem" }).toString(),
  WECHATPAY_BASE_URL: "http://127.0.0.1:1"
})
delete process.env["WECHATPAY_API_V3_KEY"]
const specs = Endpoints.specs()
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
  ...(everyCommand ? specs.flatMap((spec) => [
    [spec.group, spec.command, secret],
    ...spec.fields.filter((f) => ["integer", "number", "choice", "boolean", "file"].includes(f.kind)).map((f) => [spec.group, spec.command, `--${f.flag}`, secret])
  ]) : [])
]
const show = process.argv.includes("--show")
let runs = 0, bad = 0
const t0 = Date.now()
for (const [secret, every] of [[KEY, true], [PHONE, false]] as const) {
  for (const args of positions(secret, every)) {
    const { code, stderr, stdout } = await cli(args)
    runs++
    const lines = stderr.trim().split("\n").filter((l) => !l.includes("level=WARN"))
    let ok = code !== 0 && lines.length === 1
    try { JSON.parse(lines[0]!) } catch { ok = false }
    if (stdout.includes(secret) || stderr.includes(secret)) ok = false
    if (!ok) bad++
    if (!ok || show) console.log(ok ? "ok " : "BAD", code, args.join(" ").replaceAll(secret, "<S>"), "→", stderr.trim().replaceAll(secret, "<<<SECRET>>>"), stdout.slice(0, 100))
  }
}
console.log("runs", runs, "bad", bad, "ms/run", (Date.now() - t0) / runs)
for (const args of [["emulator", "serve", `--api-v3-kye=${KEY}`], ["emulator", "serve", KEY], ["membercard", "search-phone-member", PHONE], ["emulator", "serve", "--port", KEY], ["emulator", "serve", `--api-v3-key-file=${KEY}`], ["notification", "parse", "--headers", KEY, "--body", KEY], ["membercard", "get-callback", "--base-url", KEY]]) {
  const r = await cli(args); console.log(r.code, r.stderr.trim())
}
rmSync(dir, { recursive: true, force: true })
