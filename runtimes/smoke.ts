/**
 * The runtime smoke programme: what a new user writes, on the public API only (`WechatPay.layer` +
 * `FetchHttpClient.layer` + `MemberCard`), run unchanged on Node, Bun, Deno and workerd (see runtimes/run.ts).
 *
 * It talks to the emulator the harness serves from Node on 127.0.0.1, and to the harness's control endpoint (plain
 * fetch) to script faults and read what the emulator applied: this file never imports the emulator, so a Worker
 * bundle holds only what an app would.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { Media, MemberCard, Notification, WechatPay } from "effect-wechatpay"

/** What the harness passes in: where the emulator and its control endpoint listen, and the keys it made. */
export interface SmokeConfig {
  readonly runtime: string
  readonly baseUrl: string
  readonly control: string
  readonly mchid: string
  readonly merchantSerialNumber: string
  readonly merchantPrivateKey: string
  readonly wechatpayPublicKeys: Readonly<Record<string, string>>
  readonly apiV3Key: string
  /** A member's card the harness put in the emulator (balance 888, 500 points). */
  readonly card: { readonly card_id: string; readonly code: string }
  /** An approved card template to import a member into by phone number. */
  readonly template: string
}

/** One check's outcome, printed as `✔ name — detail` / `✘ name — detail`. */
export interface Check {
  readonly name: CheckName
  readonly ok: boolean
  readonly detail: string
}

/** The checks every runtime runs, in order. */
export const checkNames = [
  "read a card",
  "write retried after a 500, applied once",
  "forged response refused",
  "validation error, nothing sent",
  "notification parsed",
  "phone number encrypted",
  "image uploaded",
  "layerNode: node:http where it is real, refused on Workers"
] as const

export type CheckName = typeof checkNames[number]

/** The emulator's bookkeeping as the harness's control endpoint reports it. */
interface EmulatorCounts {
  readonly requests: number
  readonly endpointRequests: number
  readonly applied: number
  readonly ledger: ReadonlyArray<{ readonly endpoint: string; readonly code?: string }>
}

const control = <A>(config: SmokeConfig, path: string, body: unknown): Effect.Effect<A, Error> =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(`${config.control}${path}`, { method: "POST", body: JSON.stringify(body) })
      if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`)
      return (await response.json()) as A
    },
    catch: (error) => error instanceof Error ? error : new Error(String(error))
  })

const counts = (config: SmokeConfig, query: { readonly endpoint?: string; readonly key?: string } = {}) =>
  control<EmulatorCounts>(config, "/counts", query)

/**
 * The client: one line of setup, the same on every runtime (README "Runtimes"). Built per run: a Worker must not
 * build it in global scope.
 */
export const clientLayer = <O extends WechatPay.Options>(options: O) =>
  // runtimes:setup
  MemberCard.layer.pipe(Layer.provideMerge(WechatPay.layer(options)), Layer.provide(FetchHttpClient.layer))

/** The options from what the harness passed: the emulator's merchant, keys and address. */
const options = (config: SmokeConfig) => ({
  mchid: config.mchid,
  merchantSerialNumber: config.merchantSerialNumber,
  merchantPrivateKey: Redacted.make(config.merchantPrivateKey),
  wechatpayPublicKeys: config.wechatpayPublicKeys,
  apiV3Key: Redacted.make(config.apiV3Key),
  baseUrl: config.baseUrl
})

const show = (value: unknown): string =>
  value instanceof Error ? `${value.name}: ${value.message}` : typeof value === "object" && value !== null && "_tag" in value
  ? `${String(value._tag)}${"message" in value ? `: ${String(value.message)}` : ""}`
  : String(value)

/** Runs one check; any failure or defect is that check's failure, with the reason, and the next check still runs. */
const check = <R>(
  name: CheckName,
  body: Effect.Effect<{ readonly ok: boolean; readonly detail: string }, unknown, R>
): Effect.Effect<Check, never, R> =>
  body.pipe(
    Effect.map(({ detail, ok }) => ({ name, ok, detail })),
    Effect.catchCause((cause) => {
      const only = cause.reasons.length === 1 ? cause.reasons[0] : undefined
      return Effect.succeed({
        name,
        ok: false,
        detail: only !== undefined && Cause.isFailReason(only)
          ? show(only.error)
          : Cause.pretty(cause).split("\n")[0] ?? "defect"
      })
    })
  )

const checks = (config: SmokeConfig) => {
  const { card_id, code } = config.card
  const tag = config.runtime.replace(/[^A-Za-z0-9]/g, "")
  return [
    check("read a card", Effect.gen(function*() {
      const card = yield* MemberCard.getUserCard({ card_id, code })
      return { ok: card.balance === 888 && card.bonus_value === 500, detail: `balance ${card.balance}, points ${card.bonus_value}` }
    })),
    check("write retried after a 500, applied once", Effect.gen(function*() {
      const out_request_no = `upd-${tag}`
      const before = yield* counts(config, { endpoint: "UpdateUserCard" })
      yield* control(config, "/inject", {
        endpoint: "UpdateUserCard",
        fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR", message: "injected" }
      })
      yield* MemberCard.updateUserCard({ card_id, code, level: "金卡", out_request_no })
      const after = yield* counts(config, { endpoint: "UpdateUserCard", key: out_request_no })
      const attempts = after.endpointRequests - before.endpointRequests
      return { ok: attempts === 2 && after.applied === 1, detail: `${attempts} attempts, applied ${after.applied} time(s)` }
    })),
    check("forged response refused", Effect.gen(function*() {
      yield* control(config, "/inject", { endpoint: "GetUserCard", fault: { _tag: "TamperSignature" } })
      return yield* MemberCard.getUserCard({ card_id, code }).pipe(
        Effect.map(() => ({ ok: false, detail: "a tampered signature was accepted" })),
        Effect.catchTag("ResponseVerificationError", (e) => Effect.succeed({ ok: true, detail: `ResponseVerificationError ${e.reason}` }))
      )
    })),
    check("validation error, nothing sent", Effect.gen(function*() {
      const before = yield* counts(config)
      const refused = yield* MemberCard.prepareBonus({ card_id, code, out_trade_no: `T-${tag}`, mchid: config.mchid, bonus_value: -5 }).pipe(
        Effect.map(() => "sent"),
        Effect.catchTag("RequestValidationError", () => Effect.succeed("RequestValidationError"))
      )
      const after = yield* counts(config)
      return {
        ok: refused === "RequestValidationError" && after.requests === before.requests,
        detail: `${refused}, ${after.requests - before.requests} request(s) sent`
      }
    })),
    check("notification parsed", Effect.gen(function*() {
      const delivery = yield* control<Notification.Input>(config, "/notification", { card_id, code })
      const event = yield* Notification.parse(delivery)
      return {
        ok: event._tag === "UserCardManage" && event.resource.code === code,
        detail: `${event._tag} (${event.event_type})`
      }
    })),
    check("phone number encrypted", Effect.gen(function*() {
      const imported = yield* MemberCard.importUserCardByPhone({
        card_id: config.template,
        phone_number: Redacted.make("13800138000"),
        out_request_no: `imp-${tag}`
      })
      const { ledger } = yield* counts(config)
      const issued = ledger.some((entry) => entry.endpoint === "ImportUserCardByPhone" && entry.code === imported.code)
      return { ok: imported.code !== undefined && issued, detail: `the emulator decrypted it and issued code ${imported.code}` }
    })),
    check("image uploaded", Effect.gen(function*() {
      // 100 000 bytes: the SHA-256 the signed meta carries spans many blocks (plain JavaScript where node:crypto is
      // absent); the emulator refuses the upload unless it matches the file.
      const file = new Uint8Array(100_000)
      file.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      for (let i = 8; i < file.length; i++) file[i] = (i * 31) & 0xff
      const { media_url } = yield* Media.uploadImage({ file, filename: `smoke-${tag}.png` }).pipe(Effect.provide(Media.layer))
      return { ok: media_url.startsWith("https://"), detail: `the emulator checked the file's SHA-256 and stored it at ${media_url}` }
    })),
    check("layerNode: node:http where it is real, refused on Workers", Effect.gen(function*() {
      const read = MemberCard.getUserCard({ card_id, code }).pipe(
        Effect.provide(MemberCard.layer.pipe(Layer.provide(WechatPay.layerNode(options(config))))),
        Effect.result
      )
      const before = yield* counts(config)
      const result = yield* read
      if (config.runtime.startsWith("workerd")) {
        const sent = (yield* counts(config)).requests - before.requests
        const refused = Result.isFailure(result) && result.failure._tag === "ConfigurationError" && sent === 0
        return { ok: refused, detail: refused ? "ConfigurationError, nothing sent" : `not refused (${sent} sent): ${show(result)}` }
      }
      const ok = Result.isSuccess(result) && result.success.balance === 888
      return { ok, detail: ok ? "the card read over NodeTransport" : show(Result.isFailure(result) ? result.failure : result) }
    }))
  ] as const
}

/** Every check, in order, with the client built for this run (never in global scope). */
export const smoke = (config: SmokeConfig): Effect.Effect<ReadonlyArray<Check>> =>
  Effect.all(checks(config)).pipe(
    Effect.provide(clientLayer(options(config))),
    Effect.catchCause((cause) =>
      // The layer itself failed: every check fails with that reason.
      Effect.succeed(checkNames.map((name) => ({ name, ok: false, detail: `client layer: ${Cause.pretty(cause).split("\n")[0]}` })))
    )
  )

/** The lines a runtime prints: one per check, then `runtime <name>: N passed, N failed`. */
export const report = (runtime: string, results: ReadonlyArray<Check>): string => {
  const passed = results.filter((result) => result.ok).length
  return [
    ...results.map((result) => `${result.ok ? "✔" : "✘"} ${result.name} — ${result.detail}`),
    `runtime ${runtime}: ${passed} passed, ${results.length - passed} failed`
  ].join("\n")
}
