import * as crypto from "node:crypto"
import * as net from "node:net"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import { run } from "./src/cli/main.ts"
const dir = mkdtempSync(join(tmpdir(), "sig-"))
writeFileSync(join(dir, "m.pem"), crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }))
let requests = 0
const sockets = new Set<net.Socket>()
const silent = net.createServer((s) => { sockets.add(s); s.once("data", () => requests++) })
await new Promise<void>((d) => silent.listen(0, "127.0.0.1", d))
Object.assign(process.env, { WECHATPAY_MCHID: "1900000109", WECHATPAY_MERCHANT_SERIAL_NUMBER: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", WECHATPAY_MERCHANT_PRIVATE_KEY: join(dir, "m.pem"), WECHATPAY_PUBLIC_KEY_ID: "PUB_KEY_ID_0112345678202401010000000000000000", WECHATPAY_PUBLIC_KEY: crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString(), WECHATPAY_BASE_URL: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}` })
const realErr = process.stderr.write.bind(process.stderr)
const cli = async (args: Array<string>, stop: Effect.Effect<"SIGINT" | "SIGTERM">, pending?: () => any) => {
  let stderr = ""
  process.stderr.write = ((c: any) => { stderr += String(c); return true }) as any
  try {
    const code = await Effect.runPromise(run(["node", "x", ...args], stop, pending ? { pending } : {}).pipe(Effect.provide(NodeServices.layer)))
    return { code, stderr: stderr.trim().slice(0, 160) }
  } finally { process.stderr.write = realErr as any }
}
const inv = ["membercard", "invalidate-user-card", "--card-id", "pCard1", "--code", "0123456789"]
console.log(await cli([...inv, "--max-retries", "0"], Effect.succeed("SIGINT")), requests)
console.log(await cli(["membercard", "invalidate-user-card", "--card-id", "x".repeat(40), "--code", "0123456789"], Effect.succeed("SIGINT")), requests)
delete process.env["WECHATPAY_MCHID"]
console.log(await cli(inv, Effect.never))
console.log(await cli(inv, Effect.succeed("SIGTERM"), () => "SIGTERM"))
process.env["WECHATPAY_MCHID"] = "1900000109"
const before = requests
console.log(await cli([...inv, "--max-retries", "0"], Effect.promise(async () => { while (requests === before) await new Promise((d) => setTimeout(d, 5)); return "SIGINT" as const })))
for (const s of sockets) s.destroy(); silent.close()
