/**
 * The library's own per-call cost, in process: the real endpoints, `WechatPayClient` and `Verifier` (one RSA
 * verification per call), with an instant signer and a transport that answers from memory — no network, no
 * signature, so what is left is validation, encoding, the client pipeline, verification and decoding.
 * Alternates GetUserCard (decoded 200) and SetUserCardRights (204).
 *
 *   npx tsx bench/pipeline.ts            # N=40000 calls per round, 3 rounds after a 5,000-call warm-up
 *   PIPELINE_LIB=bench/.variants/x/index.js npx tsx bench/pipeline.ts   # another build of the library (a prototype)
 *   PIPELINE_VERIFY=0 npx tsx bench/pipeline.ts   # a verifier that accepts without checking: the library's cost alone
 *   PIPELINE_SIGN=rsa npx tsx bench/pipeline.ts   # the real RSA signer: a call's whole client-side CPU but the network
 *   PIPELINE_TELEMETRY=both npx tsx bench/pipeline.ts   # rounds alternate telemetry on (the default) and off
 *                                                       # (`Telemetry.layerDisabled`); also `on`, `off`
 */
import * as crypto from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type * as Library from "../src/index.js"
import { readCard } from "./common.js"

const { Encryptor, MemberCard, Signer, Telemetry, Transport, Verifier, WechatPayClient } = (await import(
  process.env["PIPELINE_LIB"] === undefined ? "../src/index.js" : pathToFileURL(resolve(process.env["PIPELINE_LIB"])).href
)) as typeof Library

const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const keyId = "PUB_KEY_ID_0114232134912410000000000000000000"
const card = JSON.stringify({ ...readCard, user_card_status: "EFFECTIVE", bonus_value: 10, balance: 100 })
const signed = (body: string) => {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = "n".repeat(32)
  const signature = crypto.sign("sha256", Buffer.from(`${timestamp}\n${nonce}\n${body}\n`), privateKey).toString("base64")
  return {
    "wechatpay-timestamp": timestamp,
    "wechatpay-nonce": nonce,
    "wechatpay-serial": keyId,
    "wechatpay-signature": signature,
    "request-id": "08F78BB5A90610"
  }
}
const ok = { status: 200, headers: { ...signed(card), "content-type": "application/json" }, body: Buffer.from(card) }
const noContent = { status: 204, headers: signed(""), body: new Uint8Array(0) }

const live = MemberCard.layer.pipe(
  Layer.provide(Layer.merge(
    WechatPayClient.layer({
      mchid: "1900000109",
      merchantSerialNumber: "3775B6A45ACD588826D15E583A95F5DD",
      baseUrl: "http://127.0.0.1:1"
    }),
    Encryptor.layer({ publicKeys: { [keyId]: publicKey.export({ type: "spki", format: "pem" }) as string } })
  )),
  Layer.provide(Layer.mergeAll(
    Layer.succeed(Transport.Transport, { send: (request) => Effect.succeed(request.method === "GET" ? ok : noContent) }),
    process.env["PIPELINE_SIGN"] === "rsa"
      ? Signer.layerRsa({ privateKey: Redacted.make(privateKey.export({ type: "pkcs8", format: "pem" }) as string) })
      : Layer.succeed(Signer.Signer, { local: true, sign: () => Effect.succeed("c2lnbmF0dXJl") }),
    process.env["PIPELINE_VERIFY"] === "0"
      ? Layer.succeed(Verifier.Verifier, { serial: keyId, verify: () => Effect.void })
      : Verifier.layer({ publicKeys: { [keyId]: publicKey.export({ type: "spki", format: "pem" }) as string } })
  ))
)

const telemetry = process.env["PIPELINE_TELEMETRY"] ?? "on"
if (!["on", "off", "both"].includes(telemetry)) throw new Error(`PIPELINE_TELEMETRY=${telemetry}: on, off or both`)

const main = async () => {
  const runtime = ManagedRuntime.make(live)
  const [get, rights] = await runtime.runPromise(Effect.all([MemberCard.GetUserCard, MemberCard.SetUserCardRights]))
  // The switch is read from the calling fiber: the loop runs with or without it.
  const withTelemetry = (on: boolean) => <A, E>(effect: Effect.Effect<A, E>) =>
    on ? effect : Effect.provide(effect, Telemetry.layerDisabled)
  let serial = 0
  const loop = (count: number) =>
    Effect.gen(function*() {
      for (let i = 0; i < count; i++) {
        const result = yield* Effect.result(
          i % 2 === 0
            ? get(readCard)
            : rights({ ...readCard, out_request_no: `r${serial++}`, add_bonus_value: 1, need_inform_bonus: false })
        )
        if (Result.isFailure(result)) throw new Error(`call failed: ${String(result.failure)}`)
      }
    })
  const n = Number(process.env["N"] ?? 40_000)
  const modes = telemetry === "both" ? [true, false] : [telemetry === "on"]
  for (const on of modes) await runtime.runPromise(withTelemetry(on)(loop(5_000)))
  const cpuPerCall = new Map<boolean, Array<number>>(modes.map((on) => [on, []]))
  for (let round = 1; round <= 3 * modes.length; round++) {
    // Alternate (off, on, on, off, …) so that neither mode always runs first.
    const on = modes[(round + Math.floor((round - 1) / 2)) % modes.length]!
    const cpu = process.cpuUsage()
    const start = performance.now()
    await runtime.runPromise(withTelemetry(on)(loop(n)))
    const used = process.cpuUsage(cpu)
    const wall = performance.now() - start
    cpuPerCall.get(on)!.push((used.user + used.system) / n)
    console.log(
      `round ${round}${telemetry === "both" ? ` (telemetry ${on ? "on" : "off"})` : ""}: ${((wall * 1000) / n).toFixed(1)} µs wall, ${
        ((used.user + used.system) / n).toFixed(1)
      } µs CPU per call`
    )
  }
  if (telemetry === "both") {
    const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const on = median(cpuPerCall.get(true)!)
    const off = median(cpuPerCall.get(false)!)
    console.log(`median CPU per call: telemetry on ${on.toFixed(2)} µs, off ${off.toFixed(2)} µs (on/off ${(on / off).toFixed(3)}×)`)
  }
  await runtime.dispose()
}

main()
