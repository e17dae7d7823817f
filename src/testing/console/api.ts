/**
 * What the emulator's console serves, as JSON: the contract between its server side (`server.ts`) and its page
 * (`page.ts`). Everything here is already masked: no private key ever, the APIv3 and brand API keys as `maskSecret`
 * shows them, phone numbers as `maskPhone` shows them.
 *
 * Routes (all on the emulator's own 127.0.0.1 port; a Host other than 127.0.0.1/localhost is refused):
 * - `GET /console` — the page (HTML, CSS and script inline; nothing fetched from elsewhere).
 * - `GET /console/api/overview` → `Overview`
 * - `GET /console/api/requests` → `{ requests: ReadonlyArray<RequestSummary> }`, newest first
 * - `GET /console/api/requests/:id` → `RequestDetail` (404 `{ error }` once it has left the journal)
 * - `GET /console/api/state` → `StateView`
 * - `GET /console/api/notifications` → `{ notifications: ReadonlyArray<NotificationView> }`, newest first
 * - `POST /console/api/notifications/:id/deliver` → 202 `{ ok: true }`: an attempt now (see `deliverNow`)
 * - `GET /console/api/faults` → `{ faults: ReadonlyArray<FaultView> }`
 * - `POST /console/api/faults` body `FaultScript` → 201 `{ faults }`; `DELETE /console/api/faults` → `{ faults: [] }`
 * - `POST /console/api/member/:action` body `MemberAction` (by `action`) → 200 `{ result }`, 400 `{ error }`
 * - `GET /console/events` — server-sent events: `request` (data: `RequestSummary`), `notification` (data `{ id }`),
 *   `state` (data `{}`), `faults` (data `{}`); a comment line every 15 s keeps it open.
 *
 * A POST or DELETE must carry `Content-Type: application/json` and no foreign `Origin` (a page of another site
 * cannot script the emulator of a developer's machine).
 *
 * @internal
 */

/** The emulator at a glance: whom it serves, and the choices the page offers. */
export interface Overview {
  readonly version: string
  readonly baseUrl: string
  readonly merchants: ReadonlyArray<{
    readonly mchid: string
    readonly merchantSerialNumber: string
    readonly publicKeyId: string
    readonly serviceProvider: boolean
    /** Masked: `maskSecret`. */
    readonly apiV3Key: string
    /** Where its notifications go (`notifyUrl`, else the URL it set with `setCallback`), if known. */
    readonly callbackUrl?: string
  }>
  readonly brands: ReadonlyArray<{
    readonly brand_id: string
    readonly brandSerialNumber: string
    readonly publicKeyId: string
    /** Masked: `maskSecret`. */
    readonly brandApiKey: string
  }>
  /** Whether a notifier delivers notifications now (`layerNotifier`; always under `emulator serve`). */
  readonly notifier: boolean
  /** The endpoint names a fault can be scripted for (`AnyEndpointName`), sorted. */
  readonly endpoints: ReadonlyArray<string>
  /** The faults the page offers, each with the words it shows. */
  readonly faultKinds: ReadonlyArray<{ readonly kind: FaultKind; readonly label: string }>
  /** The member's-side actions. */
  readonly memberActions: ReadonlyArray<MemberActionName>
}

/** One request in the live list. */
export interface RequestSummary {
  /** Increasing from 1 for the life of the emulator. */
  readonly id: number
  /** When it was received: epoch milliseconds. */
  readonly at: number
  readonly method: string
  /** As received: path and query. */
  readonly target: string
  /** The endpoint it was routed to (`AnyEndpointName`), `"other"` for no route. */
  readonly endpoint: string
  /** The status answered, or `"dropped"` (the connection was closed without an answer). */
  readonly status: number | "dropped"
  /** `Request-ID` of the answer, when it had one. */
  readonly requestId?: string
  /** Whom the Authorization names: `mchid 1900000109` / `brand_id 1000001`; absent when it names no one. */
  readonly caller?: string
  /** From receipt to answer (or drop), milliseconds. */
  readonly durationMs: number
  /** WeChat's error `code` of an error answer (`SIGN_ERROR` …). */
  readonly code?: string
  /** The scripted fault that shaped the answer (`Error 500`, `Drop`, `Accepted` …), if any. */
  readonly fault?: string
}

/** One request opened. */
export interface RequestDetail extends RequestSummary {
  readonly request: {
    /** Lower-case names, as received. */
    readonly headers: Readonly<Record<string, string>>
    /** The body as text (UTF-8), phone numbers masked; an upload's file part summarised. */
    readonly body: string
    readonly bodyBytes: number
  }
  /** What the emulator checked: the sign string it rebuilt from the request, and the outcome. */
  readonly signature: Diagnosis
  /** The answer as sent: status, headers (with `Wechatpay-*` signature headers), body; absent when dropped. */
  readonly response?: {
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
}

/** The signature check of one request, explained (`signDiagnosis.ts`). */
export interface Diagnosis {
  /** Which scheme the path needs: a merchant's (`WECHATPAY2-SHA256-RSA2048`) or a brand's. */
  readonly scheme: "merchant" | "brand"
  /** The sign string the emulator rebuilt (absent when the Authorization could not be read). */
  readonly signString?: {
    /** Its five lines, each ending in `\n`, as text (the body as UTF-8, lossy). */
    readonly text: string
    /** Its bytes in hex (the first 4 KiB). */
    readonly hex: string
    readonly bytes: number
    readonly lines: {
      readonly method: string
      readonly target: string
      readonly timestamp: string
      readonly nonce: string
      /** The body line as text (for an upload, the `meta` part, which is what is signed). */
      readonly body: string
    }
  }
  /** `ok`: the signature verifies with the key of the caller named; else why WeChat refuses it. */
  readonly verdict: { readonly ok: boolean; readonly summary: string }
  /** For a refusal: the exact difference found between what was signed and what was sent. */
  readonly cause?: Cause
}

/**
 * Why a request's signature was refused, as precisely as it can be found. `kind`:
 * - `format` — the Authorization header is missing or not `SCHEME key="value",…`
 * - `scheme` — the wrong scheme (a merchant's on a brand path, or the reverse)
 * - `identity` — the `mchid` / `brand_id` named is not one the emulator serves (or `mchid` on a brand path)
 * - `serial` — `serial_no` is not the certificate serial of the caller named
 * - `timestamp` — more than 300 s from the emulator's clock (or not Unix seconds)
 * - `body` — the signature verifies over other body bytes (what they were is in `signed`)
 * - `target` — it verifies over another path/query (another encoding, order, prefix …)
 * - `method` — it verifies with another method line
 * - `key` — it verifies, but with another caller's key (named in `detail`)
 * - `signature` — not canonical Base64
 * - `unknown` — nothing tried verifies: another key, or other bytes than any variant tried
 */
export interface Cause {
  readonly kind:
    | "format"
    | "scheme"
    | "identity"
    | "serial"
    | "timestamp"
    | "body"
    | "target"
    | "method"
    | "key"
    | "signature"
    | "unknown"
  /** One line: what is wrong. */
  readonly title: string
  /** The explanation and what to change. */
  readonly detail: string
  /** What the caller apparently signed (the differing line or value), when found. */
  readonly signed?: string
  /** What was sent instead. */
  readonly sent?: string
}

/** Everything the emulator holds, by merchant and by brand. */
export interface StateView {
  readonly merchants: ReadonlyArray<{
    readonly mchid: string
    readonly templates: ReadonlyArray<Readonly<Record<string, unknown>>>
    readonly cards: ReadonlyArray<{
      readonly card_id: string
      readonly code: string
      readonly openid: string
      readonly status: string
      readonly points: number
      readonly balance: number
      readonly level: string
      readonly membership_number: string
    }>
    readonly activities: ReadonlyArray<Readonly<Record<string, unknown>>>
    readonly serviceModules: ReadonlyArray<Readonly<Record<string, unknown>>>
    /** Paid orders (the member's side `pay`) and bonus orders (`PrepareBonus` / `CommitBonus`). */
    readonly orders: ReadonlyArray<{
      readonly out_trade_no: string
      readonly card_id: string
      readonly code: string
      /** Paid on the member's side, in fen. */
      readonly total?: number
      /** `due` (paid, no PrepareBonus yet), `prepared`, `committed`. */
      readonly points: "due" | "prepared" | "committed"
      readonly bonus_value?: number
    }>
    readonly ledger: number
  }>
  readonly brands: ReadonlyArray<{
    readonly brand_id: string
    readonly templates: ReadonlyArray<Readonly<Record<string, unknown>>>
    /** Phone numbers masked. */
    readonly userCards: ReadonlyArray<Readonly<Record<string, unknown>>>
    readonly activities: ReadonlyArray<Readonly<Record<string, unknown>>>
    readonly points: ReadonlyArray<{ readonly card_id: string; readonly user_card_code: string; readonly point_balance: number }>
  }>
}

/** A notification and its deliveries. */
export interface NotificationView {
  readonly id: string
  readonly event_type: string
  readonly summary: string
  readonly create_time: string
  /** Whom it is for: `mchid …` or `brand_id …`. */
  readonly recipient: string
  /** Where it goes now (absent: no URL known yet). */
  readonly url?: string
  readonly state: "pending" | "delivered" | "failed"
  /** The decrypted content (the resource's plaintext), phone numbers masked. */
  readonly content: Readonly<Record<string, unknown>>
  readonly attempts: ReadonlyArray<{
    /** Epoch milliseconds. */
    readonly at: number
    readonly status?: number
    /** The merchant's answer (its first KiB), when it had a body. */
    readonly answer?: string
    readonly error?: string
    readonly fault?: string
  }>
  /** When the next attempt is due on WeChat's schedule (epoch ms), while it is pending and waiting. */
  readonly nextAttemptAt?: number
}

/** The faults the page offers (a subset of `Emulator.Fault`, the ones an integrator watches a client retry on). */
export type FaultKind = "500" | "429" | "202" | "drop" | "forged-signature"

/** A scripted fault, as the page lists it. */
export interface FaultView {
  /** All endpoints when absent. */
  readonly endpoint?: string
  readonly kind: string
  /** Answers it still shapes. */
  readonly left: number
}

/** `POST /console/api/faults`: the next `times` answers of `endpoint` (all endpoints when absent). */
export interface FaultScript {
  readonly endpoint?: string
  readonly kind: FaultKind
  /** 1–100. */
  readonly times: number
}

export type MemberActionName =
  | "claim"
  | "activation-form"
  | "pay"
  | "delete"
  | "brand-open"
  | "brand-delete"
  | "brand-points-sync"
  | "brand-redeem"

/** The body of `POST /console/api/member/:action` (fields by action; `mchid` / `brand_id` default to the first). */
export type MemberAction =
  /** 领卡: a card of template `card_id` claimed (MEMBERCARD.ACCEPT_CARD); answers the jump URL of the activation page. */
  | { readonly action: "claim"; readonly mchid?: string; readonly card_id: string; readonly openid?: string }
  /** The member fills the activation form of a claimed card: answers a new `activate_ticket` (WeChat notifies nothing). */
  | {
    readonly action: "activation-form"
    readonly mchid?: string
    readonly card_id: string
    readonly code: string
    readonly nickname?: string
    /** Plain; masked wherever the console shows it. */
    readonly mobile?: string
    readonly name?: string
  }
  /** The member pays an order (TRANSACTION.SUCCESS): points are then due (PrepareBonus / CommitBonus). */
  | { readonly action: "pay"; readonly mchid?: string; readonly card_id: string; readonly code: string; readonly total: number }
  /** The member deletes the card in WeChat (MEMBERCARD.USERCARD_MANAGE, USER_DELETE_MEMBERCARD). */
  | { readonly action: "delete"; readonly mchid?: string; readonly card_id: string; readonly code: string }
  | { readonly action: "brand-open"; readonly brand_id?: string; readonly card_id: string; readonly openid?: string }
  | { readonly action: "brand-delete"; readonly brand_id?: string; readonly card_id: string; readonly openid: string }
  | { readonly action: "brand-points-sync"; readonly brand_id?: string; readonly card_id: string; readonly openid: string }
  | {
    readonly action: "brand-redeem"
    readonly brand_id?: string
    readonly card_id: string
    readonly openid: string
    readonly deduct_points: number
  }

/**
 * A secret as the console shows it: its first two and last two characters and its length (`ab…yz (32)`); never
 * more. Enough to tell two keys apart, not to use one.
 */
export const maskSecret = (secret: string): string =>
  secret.length <= 8 ? `•••• (${secret.length})` : `${secret.slice(0, 2)}…${secret.slice(-2)} (${secret.length})`

/**
 * Mainland mobile numbers (11 digits from 1[3-9]), optionally after `+86`/`86`, wherever they appear in text as a
 * number of their own: not inside a longer run of letters and digits (an `out_trade_no`, a card code, a nonce).
 */
const phonePattern = /(?<![0-9A-Za-z])(\+?86)?(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])/g

/** Phone numbers in `text` as `138****5678`. */
export const maskPhone = (text: string): string =>
  text.replace(phonePattern, (_, prefix: string | undefined, head: string, _middle: string, tail: string) =>
    `${prefix ?? ""}${head}****${tail}`)

/**
 * The fields that name things rather than people: a card code, a membership number or an order number may be 11 digits
 * from 1[3-9] and still be no phone number — masked, it would no longer find its card.
 */
const identifiers = new Set([
  "card_id",
  "code",
  "user_card_code",
  "membership_number",
  "openid",
  "out_trade_no",
  "out_request_no",
  "transaction_id",
  "record_id",
  "activity_id",
  "mchid",
  "sub_mchid",
  "brand_id",
  "id"
])

/**
 * A value as the console shows it: a copy in which every string is masked with `maskPhone`, but for the identifier
 * fields above; numbers, booleans and keys are left as they are (a JSON number is a count or an amount, never a phone
 * number WeChat sends).
 */
export const maskFields = <A>(value: A, key?: string): A => {
  if (typeof value === "string") return (key !== undefined && identifiers.has(key) ? value : maskPhone(value)) as A
  if (Array.isArray(value)) return value.map((item) => maskFields(item)) as A
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {}
    for (const [name, field] of Object.entries(value)) copy[name] = maskFields(field, name)
    return copy as A
  }
  return value
}
