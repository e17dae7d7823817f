/**
 * The WeChat Pay stand-in, in its own process on 127.0.0.1: the library's emulator (built `dist/testing`), which
 * checks every request's Authorization signature and signs every response (`reuseSignatures`: one signature per
 * identical body per second, so that the server is not the bottleneck; every response still verifies).
 *
 * Driven by bench/run.ts over IPC:
 * - `{ type: "fresh", id }` → closes the current emulator, starts a new one (new platform key, empty ledger) on a
 *   new port and answers `{ type: "ready", id, baseUrl, publicKeyId, publicKey }`;
 * - `{ type: "stats", id }` → `{ type: "stats", id, requests, applied }` for the current emulator.
 *
 * Environment: BENCH_DIST (absolute path of dist/), BENCH_MCHID, BENCH_MERCHANT_SERIAL, BENCH_MERCHANT_PUBLIC_KEY.
 */
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type * as Testing from "../src/testing/index.js"
import { readCard, writeCard } from "./common.js"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const { Emulator } = (await import(pathToFileURL(join(env("BENCH_DIST"), "testing", "index.js")).href)) as typeof Testing

let current: { state: Testing.Emulator.EmulatorState; scope: Scope.Closeable } | undefined

const fresh = async () => {
  if (current !== undefined) await Effect.runPromise(Scope.close(current.scope, Exit.void))
  const state = new Emulator.EmulatorState({
    reuseSignatures: true,
    mchid: env("BENCH_MCHID"),
    merchantSerialNumber: env("BENCH_MERCHANT_SERIAL"),
    merchantPublicKey: env("BENCH_MERCHANT_PUBLIC_KEY"),
    cards: [
      { ...readCard, balance: 888, bonus_value: 500, level: "银卡" },
      { ...writeCard, balance: 0, bonus_value: 0 }
    ]
  })
  const scope = await Effect.runPromise(Scope.make())
  const server = await Effect.runPromise(Scope.provide(scope)(Emulator.serve(state, { port: 0 })))
  current = { state, scope }
  return { baseUrl: server.baseUrl, publicKeyId: state.publicKeyId, publicKey: state.publicKey }
}

process.on("message", (message: { type: string; id: number }) => {
  const reply = (body: Record<string, unknown>) => process.send?.({ ...body, id: message.id })
  if (message.type === "fresh") {
    fresh().then((ready) => reply({ type: "ready", ...ready }), (error) => reply({ type: "error", message: String(error) }))
  } else if (message.type === "stats") {
    reply({ type: "stats", requests: current?.state.requests() ?? 0, applied: current?.state.ledger.length ?? 0 })
  }
})
process.on("disconnect", () => process.exit(0))
process.send?.({ type: "listening" })
