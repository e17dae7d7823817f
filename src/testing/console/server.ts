/**
 * The emulator's console, server side: a node:http listener that answers `/console…` (the page, its JSON API and
 * its event stream, `api.ts`) and hands every other request to the emulator's own listener — one port for both.
 *
 * It reads the emulator through `inspectionOf` (journal, faults, accounts) and its public methods (state,
 * notifications, the member's side), and it writes only what a person at the console may do: script faults, deliver a
 * notification now, act as a member. What it serves is masked here, once: no private key ever (none is read), the
 * APIv3 and brand API keys by `maskSecret`, phone numbers by `maskPhone`.
 *
 * Loaded only when a console is asked for (`Emulator.serve(…, { console: true })`, `emulator serve`): no entry point
 * of the library imports it.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import type * as http from "node:http"
import { createRequire } from "node:module"
import * as Redacted from "effect/Redacted"
import type { Fault } from "../internal/faults.js"
import * as Faults from "../internal/faults.js"
import type { JournalEntry } from "../internal/journal.js"
import { deliveryOf } from "../internal/platform.js"
import * as Activities from "../internal/resources/activities.js"
import * as ServiceModules from "../internal/resources/serviceModules.js"
import { type EmulatorState, inspectionOf } from "../internal/state.js"
import { type Callers, diagnose } from "../internal/signDiagnosis.js"
import type * as Api from "./api.js"
import { maskFields, maskPhone, maskSecret } from "./api.js"
import { page } from "./page.js"

/** Where the console is served, below the emulator's base URL. */
export const consolePath = "/console"

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void

/** The largest JSON body the console's API reads. */
const maxBodyBytes = 64 * 1024

/** Unread events buffered for one browser beyond which its stream is closed (it reconnects and starts afresh). */
const maxBufferedEvents = 4 * 1024 * 1024

/** A comment on the event stream this often keeps proxies and browsers from closing it. */
const heartbeatMillis = 15_000

/** Names this machine by: the console answers no other Host (a DNS-rebinding page cannot reach it). */
const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/

/**
 * `next` (the emulator's listener) with the console in front: `/console`, `/console/api/…`, `/console/events` are
 * answered here, every other request goes to `next` unchanged.
 */
export const consoleListener = (
  emulator: EmulatorState,
  next: Listener,
  options: { readonly baseUrl: () => string; readonly version?: string | undefined }
): Listener => {
  const api = makeApi(emulator, options)
  return (req, res) => {
    const url = req.url ?? "/"
    if (url !== consolePath && !url.startsWith(`${consolePath}/`) && !url.startsWith(`${consolePath}?`)) {
      return next(req, res)
    }
    if (!loopbackHost.test(req.headers.host ?? "")) return send(res, 403, { error: "the console answers 127.0.0.1 and localhost only" })
    const path = url.split("?", 1)[0]!
    if (path === consolePath || path === `${consolePath}/`) {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { error: "GET only" })
      return sendPage(res, req.method === "HEAD")
    }
    if (path === `${consolePath}/events`) return api.events(req, res)
    const write = req.method === "POST" || req.method === "DELETE"
    if (write) {
      // A form of another site cannot send JSON without a preflight, which is never answered: no cross-site writes.
      const origin = req.headers.origin
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
        return send(res, 415, { error: "send Content-Type: application/json" })
      }
      if (origin !== undefined && !loopbackHost.test(origin.replace(/^http:\/\//, ""))) {
        return send(res, 403, { error: "cross-origin writes are refused" })
      }
    }
    readBody(req, (body) => {
      if (body === undefined) return send(res, 413, { error: `at most ${maxBodyBytes} bytes` })
      let parsed: unknown = undefined
      if (write && body.length > 0) {
        try {
          parsed = JSON.parse(body)
        } catch {
          return send(res, 400, { error: "the body is not JSON" })
        }
      }
      if (!path.startsWith(`${consolePath}/api/`)) return send(res, 404, { error: "no such console route" })
      let answer: Answer | undefined
      try {
        answer = api.route(req.method ?? "GET", path.slice(`${consolePath}/api/`.length), parsed)
      } catch (error) {
        // A bug of the console must not take the emulator down: the request is answered, the process goes on.
        return send(res, 500, { error: `the console failed: ${maskPhone(error instanceof Error ? error.message : String(error))}` })
      }
      if (answer === undefined) return send(res, 404, { error: "no such console route" })
      send(res, answer.status, answer.body)
    })
  }
}

interface Answer {
  readonly status: number
  readonly body: unknown
}

const ok = (body: unknown, status = 200): Answer => ({ status, body })
const refused = (status: number, error: string): Answer => ({ status, body: { error } })

/** The console's routes over one emulator. */
const makeApi = (emulator: EmulatorState, options: { readonly baseUrl: () => string; readonly version?: string | undefined }) => {
  const inspection = inspectionOf(emulator)
  const delivery = deliveryOf(emulator)
  const callers = callersOf(emulator)

  const route = (method: string, path: string, body: unknown): Answer | undefined => {
    const [resource, raw, verb] = path.split("/")
    const id = raw === undefined ? undefined : decoded(raw)
    if (id === null) return refused(400, "a path segment is not valid percent-encoding")
    switch (resource) {
      case "overview":
        return method === "GET" && id === undefined ? ok(overview(emulator, options)) : undefined
      case "requests":
        if (method !== "GET") return undefined
        if (id === undefined) return ok({ requests: summaries(inspection.journal.entries()) })
        {
          const entry = inspection.journal.entry(Number(id))
          return entry === undefined || entry.result === undefined
            ? refused(404, `request ${id} is not in the journal (the last 500 are kept)`)
            : ok(detail(entry, callers))
        }
      case "state":
        return method === "GET" && id === undefined ? ok(state(emulator)) : undefined
      case "notifications":
        if (method === "GET" && id === undefined) return ok({ notifications: notifications(emulator) })
        if (method === "POST" && id !== undefined && verb === "deliver") {
          const outcome = delivery.notifications.deliverNow(id)
          if (outcome === undefined) return refused(404, "no such notification")
          if (outcome === "no notifier") {
            return refused(409, "no notifier delivers this emulator's notifications (Emulator.layerNotifier)")
          }
          return ok({ ok: true, outcome }, 202)
        }
        return undefined
      case "faults":
        if (id !== undefined) return undefined
        if (method === "GET") return ok({ faults: faults(emulator) })
        if (method === "DELETE") {
          emulator.clearFaults()
          return ok({ faults: [] })
        }
        if (method === "POST") {
          const script = faultScript(body, inspection.endpoints)
          if (typeof script === "string") return refused(400, script)
          emulator.inject(script)
          return ok({ faults: faults(emulator) }, 201)
        }
        return undefined
      case "member":
        if (method !== "POST" || id === undefined) return undefined
        return member(emulator, id, body)
      default:
        return undefined
    }
  }

  /** The event stream: every answered request, every change, until the browser goes. */
  const events: Listener = (req, res) => {
    if (req.method !== "GET") return send(res, 405, { error: "GET only" })
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    })
    res.write("retry: 2000\n\n")
    const emit = (event: string, data: unknown) => {
      // A browser that stopped reading: close the stream rather than buffer without end; EventSource reconnects and the
      // page then fetches everything again.
      if (res.writableLength > maxBufferedEvents) return void res.end()
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    }
    // Off the request's path: the emulator answers first, the console hears of it after.
    const unhear = inspection.journal.subscribe((entry) => void setImmediate(() => emit("request", summary(entry))))
    const unwatch = inspection.watch((change) => emit(change.kind, change.kind === "notification" ? { id: change.id } : {}))
    const heartbeat = setInterval(() => res.write(": ping\n\n"), heartbeatMillis)
    heartbeat.unref()
    const stop = () => {
      unhear()
      unwatch()
      clearInterval(heartbeat)
    }
    req.on("close", stop)
    res.on("close", stop)
  }

  return { route, events }
}

/** A path segment decoded, `null` when it is not valid percent-encoding. */
const decoded = (segment: string): string | null => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

/** The keys the emulator checks signatures with, for the diagnosis. */
const callersOf = (emulator: EmulatorState): Callers => {
  const { accounts, brands } = inspectionOf(emulator)
  const merchant = (mchid: string) => {
    const account = accounts.get(mchid)
    return account === undefined
      ? undefined
      : { kind: "merchant" as const, id: account.mchid, serialNumber: account.serialNumber, publicKey: account.publicKey }
  }
  const brand = (brand_id: string) => {
    const account = brands.get(brand_id)
    return account === undefined
      ? undefined
      : { kind: "brand" as const, id: account.brand_id, serialNumber: account.serialNumber, publicKey: account.publicKey }
  }
  return {
    merchant,
    brand,
    all: () => [...[...accounts.keys()].map((id) => merchant(id)!), ...[...brands.keys()].map((id) => brand(id)!)]
  }
}

/**
 * The package's version, from its package.json — three levels up from this module in src/ and in dist/ alike; ""
 * when it cannot be read. Read once, and only when the caller does not say (the CLI's bundle does: from there, three
 * levels up is not the package).
 */
let packageVersion: string | undefined
const versionOfPackage = (): string => {
  if (packageVersion !== undefined) return packageVersion
  try {
    const read = (createRequire(import.meta.url)("../../../package.json") as { readonly version?: unknown }).version
    packageVersion = typeof read === "string" ? read : ""
  } catch {
    packageVersion = ""
  }
  return packageVersion
}

const overview = (
  emulator: EmulatorState,
  options: { readonly baseUrl: () => string; readonly version?: string | undefined }
): Api.Overview => {
  const { accounts, brands, endpoints } = inspectionOf(emulator)
  return {
    version: options.version ?? versionOfPackage(),
    baseUrl: options.baseUrl(),
    merchants: [...accounts.values()].map((account) => {
      const callbackUrl = account.callbackUrl()
      return {
        mchid: account.mchid,
        merchantSerialNumber: account.serialNumber,
        publicKeyId: account.platformKey.id,
        serviceProvider: account.serviceProvider,
        apiV3Key: maskSecret(Redacted.value(account.apiV3Key)),
        ...(callbackUrl !== undefined ? { callbackUrl } : {})
      }
    }),
    brands: [...brands.values()].map((brand) => ({
      brand_id: brand.brand_id,
      brandSerialNumber: brand.serialNumber,
      publicKeyId: brand.platformKey.id,
      brandApiKey: maskSecret(Redacted.value(brand.brandApiKey))
    })),
    notifier: deliveryOf(emulator).notifications.delivering,
    endpoints,
    faultKinds: offered.map(({ kind, label }) => ({ kind, label })),
    memberActions: ["claim", "activation-form", "pay", "delete", "brand-open", "brand-delete", "brand-points-sync", "brand-redeem"]
  }
}

const textDecoder = new TextDecoder()

/** Whom an Authorization header names. */
const callerOf = (authorization: string | undefined): string | undefined => {
  const named = authorization === undefined ? undefined : /(?:^|[ ,])(mchid|brand_id)="([^"]{1,64})"/.exec(authorization)
  return named === null || named === undefined ? undefined : `${named[1]} ${named[2]}`
}

/** WeChat's error code of an error answer. */
const codeOf = (status: number, body: string): string | undefined => {
  if (status < 400 || body === "") return undefined
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code
    return typeof code === "string" ? code : undefined
  } catch {
    return undefined
  }
}

const summary = (entry: JournalEntry): Api.RequestSummary => {
  const result = entry.result
  const status = result === undefined || result._tag === "Drop" ? "dropped" as const : result.status
  const requestId = result?._tag === "Respond" ? result.headers["request-id"] : undefined
  const caller = callerOf(entry.headers["authorization"])
  const code = result?._tag === "Respond" ? codeOf(result.status, result.body) : undefined
  return {
    id: entry.id,
    at: entry.at,
    method: entry.method,
    target: maskPhone(entry.target),
    endpoint: entry.endpoint,
    status,
    ...(requestId !== undefined ? { requestId } : {}),
    ...(caller !== undefined ? { caller } : {}),
    durationMs: Math.round(entry.durationMs * 100) / 100,
    ...(code !== undefined ? { code } : {}),
    ...(entry.fault !== undefined ? { fault: entry.fault } : {})
  }
}

const summaries = (entries: ReadonlyArray<JournalEntry>): ReadonlyArray<Api.RequestSummary> =>
  entries.filter((entry) => entry.result !== undefined).map(summary)

/** The body as a person reads it: text, an upload's parts described (its file by size and SHA-256), phone numbers masked. */
const bodyText = (entry: JournalEntry): string => {
  if (entry.parts !== undefined) {
    return entry.parts.map((part) =>
      part.filename === undefined
        ? `--- part "${part.name}" ---\n${maskPhone(part.text ?? "")}`
        : `--- part "${part.name}" (file ${JSON.stringify(part.filename)}, ${part.contentType ?? "no type"}, ` +
          `${part.bytes} bytes, sha256 ${part.sha256}) ---`
    ).join("\n")
  }
  const text = maskPhone(textDecoder.decode(entry.body))
  return entry.bodyBytes > entry.body.byteLength
    ? `${text}\n… (${entry.bodyBytes - entry.body.byteLength} more bytes not kept)`
    : text
}

/** An answer's body as the console shows it: phone numbers masked, in WeChat's hex echo of the sign string too. */
const answerText = (body: string): string =>
  maskPhone(body).replace(/("truncated_sign_message_hex":")([0-9a-f]*)"/, (_, head: string, hex: string) => `${head}${maskHex(hex)}"`)

/**
 * Headers as the console shows them: phone numbers masked, and cookies (a browser that reached the emulator's port
 * sends those of every other local app) not at all.
 */
const headersOf = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const shown: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    shown[name] = name === "cookie" || name === "set-cookie" ? `(${value.length} characters, not shown)` : maskPhone(value)
  }
  return shown
}

/** Bytes in hex with the phone numbers their ASCII spells masked (`*`, one byte each, so offsets stay true). */
const maskHex = (hex: string): string =>
  Buffer.from(maskPhone(Buffer.from(hex, "hex").toString("latin1")), "latin1").toString("hex")

/** A diagnosis as the console shows it: the request's text — sign string, lines, signed and sent — masked. */
const maskDiagnosis = (diagnosis: Api.Diagnosis): Api.Diagnosis => {
  const { cause, signString } = diagnosis
  return {
    ...diagnosis,
    ...(signString !== undefined
      ? {
        signString: {
          ...signString,
          text: maskPhone(signString.text),
          hex: maskHex(signString.hex),
          lines: maskFields(signString.lines)
        }
      }
      : {}),
    ...(cause !== undefined ? { cause: maskFields(cause) } : {})
  }
}

const detail = (entry: JournalEntry, callers: Callers): Api.RequestDetail => {
  const result = entry.result!
  const status = result._tag === "Respond" ? result.status : undefined
  return {
    ...summary(entry),
    request: { headers: headersOf(entry.headers), body: bodyText(entry), bodyBytes: entry.bodyBytes },
    signature: entry.signedBody === undefined
      ? {
        scheme: entry.target.startsWith("/brand/") ? "brand" : "merchant",
        verdict: {
          ok: status !== 401,
          summary: `The body (${entry.bodyBytes} bytes) was too large to keep, so its sign string is not shown; the ` +
            `emulator answered ${status ?? "nothing (dropped)"}.`
        }
      }
      : maskDiagnosis(diagnose({
        method: entry.method,
        target: entry.target,
        headers: entry.headers,
        signedBody: entry.signedBody,
        body: entry.body,
        receivedAt: Math.floor(entry.at / 1000)
      }, callers)),
    ...(result._tag === "Respond"
      ? { response: { status: result.status, headers: headersOf(result.headers), body: answerText(result.body) } }
      : {})
  }
}

/** A value as the console shows it: a copy, phone numbers masked in every string but identifiers (`maskFields`). */
const masked = <A>(value: A): A => maskFields(value)

type Fields = Readonly<Record<string, unknown>>

const state = (emulator: EmulatorState): Api.StateView => {
  const { accounts } = inspectionOf(emulator)
  const now = Date.now()
  return masked<Api.StateView>({
    merchants: [...accounts.values()].map((account) => {
      const { store } = account
      const payments = emulator.payments(account.mchid)
      const paid = new Set(payments.map((payment) => payment.out_trade_no))
      const order = (out_trade_no: string) => store.bonusOrders.get(out_trade_no)
      return {
        mchid: account.mchid,
        templates: [...store.templates.values()].map((template) => ({ ...template })),
        cards: [...store.cards.values()].map((card) => ({
          card_id: card.card_id,
          code: card.code,
          openid: card.openid,
          status: card.user_card_status,
          points: card.bonus_value,
          balance: card.balance,
          level: card.level,
          membership_number: card.membership_number
        })),
        activities: Activities.kept(store, now),
        serviceModules: ServiceModules.kept(store),
        orders: [
          ...payments.map((payment) => {
            const bonus = order(payment.out_trade_no)
            return {
              out_trade_no: payment.out_trade_no,
              card_id: payment.card_id,
              code: payment.code,
              total: payment.total,
              points: bonus === undefined ? "due" as const : bonus.committed ? "committed" as const : "prepared" as const,
              ...(bonus !== undefined ? { bonus_value: bonus.bonus_value } : {})
            }
          }),
          ...[...store.bonusOrders.entries()].filter(([out_trade_no]) => !paid.has(out_trade_no)).map((
            [out_trade_no, bonus]
          ) => {
            const slash = bonus.card.indexOf("/")
            return {
              out_trade_no,
              card_id: bonus.card.slice(0, slash),
              code: bonus.card.slice(slash + 1),
              points: bonus.committed ? "committed" as const : "prepared" as const,
              bonus_value: bonus.bonus_value
            }
          })
        ],
        ledger: emulator.ledger.filter((entry) => entry.mchid === account.mchid).length
      }
    }),
    brands: emulator.brandIds.map((brand_id) => {
      const brand = emulator.brandState(brand_id)
      return {
        brand_id,
        templates: brand.templates as unknown as ReadonlyArray<Fields>,
        userCards: brand.userCards as ReadonlyArray<Fields>,
        activities: brand.activities as ReadonlyArray<Fields>,
        points: brand.points
      }
    })
  })
}

const notifications = (emulator: EmulatorState): ReadonlyArray<Api.NotificationView> => {
  const delivery = deliveryOf(emulator)
  return emulator.notifications().slice().reverse().map((record) => {
    const url = delivery.url(record.id)
    const nextAttemptAt = delivery.notifications.nextAttemptAt(record.id)
    return {
      id: record.id,
      event_type: record.event_type,
      summary: record.summary,
      create_time: record.create_time,
      recipient: record.mchid !== "" ? `mchid ${record.mchid}` : `brand_id ${record.brand_id ?? ""}`,
      ...(url !== undefined ? { url } : {}),
      state: record.state,
      content: masked(record.resource),
      attempts: record.attempts.map((attempt) => ({
        at: attempt.at,
        ...(attempt.status !== undefined ? { status: attempt.status } : {}),
        ...(attempt.answer !== undefined ? { answer: maskPhone(attempt.answer) } : {}),
        ...(attempt.error !== undefined ? { error: attempt.error } : {}),
        ...(attempt.fault !== undefined ? { fault: attempt.fault._tag } : {})
      })),
      ...(nextAttemptAt !== undefined && record.state === "pending" ? { nextAttemptAt } : {})
    }
  })
}

const faults = (emulator: EmulatorState): ReadonlyArray<Api.FaultView> =>
  inspectionOf(emulator).faults.list().map(({ left, rule }) => ({
    ...(rule.endpoint !== undefined ? { endpoint: rule.endpoint } : {}),
    kind: Faults.describe(rule.fault),
    left
  }))

/** The faults the console scripts: WeChat's own answers for the first three, then the network's and a forger's. */
/** The faults the page offers, in its order: what each scripts, and the words the page shows for it. */
const offered: ReadonlyArray<{ readonly kind: Api.FaultKind; readonly label: string; readonly fault: Fault }> = [
  { kind: "500", label: "500 SYSTEM_ERROR", fault: { _tag: "Error", status: 500, code: "SYSTEM_ERROR", message: "系统错误" } },
  { kind: "429", label: "429 FREQUENCY_LIMITED", fault: { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED", message: "频率超限" } },
  { kind: "202", label: "202 Accepted (nothing applied)", fault: { _tag: "Accepted" } },
  { kind: "drop", label: "dropped connection", fault: { _tag: "Drop" } },
  { kind: "forged-signature", label: "forged signature", fault: { _tag: "TamperSignature" } }
]

const faultScript = (
  body: unknown,
  endpoints: ReadonlyArray<string>
): { readonly endpoint?: string; readonly fault: Fault; readonly times: number } | string => {
  if (typeof body !== "object" || body === null) return "send { kind, times, endpoint? }"
  const { endpoint, kind, times } = body as Record<string, unknown>
  const fault = offered.find((offer) => offer.kind === kind)?.fault
  if (fault === undefined) return `kind must be one of ${offered.map((offer) => offer.kind).join(", ")}`
  if (typeof times !== "number" || !Number.isInteger(times) || times < 1 || times > 100) return "times must be 1–100"
  if (endpoint !== undefined && endpoint !== "" && (typeof endpoint !== "string" || !endpoints.includes(endpoint))) {
    return "endpoint must be one the emulator routes (or absent: every endpoint)"
  }
  return {
    ...(typeof endpoint === "string" && endpoint !== "" ? { endpoint } : {}),
    fault,
    times
  }
}

const text = (fields: Record<string, unknown>, name: string): string | undefined => {
  const value = fields[name]
  return typeof value === "string" && value !== "" ? value : undefined
}

/** A whole number given as a JSON number or as decimal digits (a form's text), nothing else (no `1e3`, no `0x10`). */
const integer = (fields: Record<string, unknown>, name: string): number | undefined => {
  const given = fields[name]
  const value = typeof given === "string" && /^\d{1,15}$/.test(given) ? Number(given) : given
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined
}

/** A member's action: the emulator's own method for it, its refusal (a thrown set-up error) as a 400. */
const member = (emulator: EmulatorState, action: string, body: unknown): Answer => {
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
  const need = (name: string): string => {
    const value = text(fields, name)
    if (value === undefined) throw new Error(`${name} is required`)
    return value
  }
  const mchid = text(fields, "mchid")
  const brand_id = text(fields, "brand_id")
  try {
    switch (action) {
      case "claim":
        return ok({ result: masked(emulator.openActivationPage({ card_id: need("card_id"), ...optional({ openid: text(fields, "openid"), mchid }) })) })
      case "activation-form": {
        const mobile = text(fields, "mobile")
        const name = text(fields, "name")
        const common = [
          ...(mobile !== undefined ? [{ name: "USER_FORM_INFO_FLAG_MOBILE", value: mobile }] : []),
          ...(name !== undefined ? [{ name: "USER_FORM_INFO_FLAG_NAME", value: name }] : [])
        ]
        return ok({
          result: masked(emulator.userFillsActivationForm({
            card_id: need("card_id"),
            code: need("code"),
            ...optional({ mchid, nickname: text(fields, "nickname") }),
            ...(common.length > 0 ? { user_information: { common_field_list: common } } : {})
          }))
        })
      }
      case "pay": {
        const total = integer(fields, "total")
        if (total === undefined || total <= 0) throw new Error("total must be a positive integer (fen)")
        return ok({ result: masked(emulator.userPays({ card_id: need("card_id"), code: need("code"), total, ...optional({ mchid }) })) })
      }
      case "delete":
        emulator.userManagesCard({ card_id: need("card_id"), code: need("code"), action: "USER_DELETE_MEMBERCARD", ...optional({ mchid }) })
        return ok({ result: { card_id: fields.card_id, code: fields.code, user_card_status: "DELETE" } })
      case "brand-open":
        return ok({
          result: masked(emulator.userOpensBrandCard({ card_id: need("card_id"), ...optional({ openid: text(fields, "openid"), brand_id }) }))
        })
      case "brand-delete":
        return ok({ result: masked(emulator.userDeletesBrandCard({ card_id: need("card_id"), openid: need("openid"), ...optional({ brand_id }) })) })
      case "brand-points-sync":
        return ok({ result: masked(emulator.requestBrandPointsSync({ card_id: need("card_id"), openid: need("openid"), ...optional({ brand_id }) })) })
      case "brand-redeem": {
        const deduct_points = integer(fields, "deduct_points")
        if (deduct_points === undefined || deduct_points <= 0) throw new Error("deduct_points must be a positive integer")
        return ok({
          result: masked(emulator.userRedeemsBrandPoints({ card_id: need("card_id"), openid: need("openid"), deduct_points, ...optional({ brand_id }) }))
        })
      }
      default:
        return refused(404, `no member action ${action}`)
    }
  } catch (error) {
    return refused(400, maskPhone(error instanceof Error ? error.message : String(error)))
  }
}

/** The fields that have a value (the emulator's options are exact: an absent field is not `undefined`). */
const optional = <A extends Record<string, string | undefined>>(fields: A): { [K in keyof A]?: string } => {
  const present: Record<string, string> = {}
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) present[name] = value
  return present as { [K in keyof A]?: string }
}

const readBody = (req: http.IncomingMessage, done: (body: string | undefined) => void): void => {
  const chunks: Array<Buffer> = []
  let size = 0
  let over = false
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > maxBodyBytes) over = true
    else chunks.push(chunk)
  })
  req.on("end", () => done(over ? undefined : Buffer.concat(chunks).toString("utf8")))
}

const send = (res: http.ServerResponse, status: number, body: unknown): void => {
  const bytes = Buffer.from(JSON.stringify(body), "utf8")
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(bytes.byteLength),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff"
  }).end(bytes)
}

/** The page's inline scripts and styles, allowed by their hashes and nothing else. */
const pageHeaders = (() => {
  const hashes = (tag: string) =>
    [...page.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))]
      .map((match) => `'sha256-${crypto.createHash("sha256").update(match[1]!, "utf8").digest("base64")}'`).join(" ")
  return {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": `default-src 'none'; script-src ${hashes("script")}; style-src ${hashes("style")}; ` +
      "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
  }
})()

const pageBytes = Buffer.from(page, "utf8")

const sendPage = (res: http.ServerResponse, head: boolean): void => {
  res.writeHead(200, { ...pageHeaders, "content-length": String(pageBytes.byteLength) })
  res.end(head ? undefined : pageBytes)
}
