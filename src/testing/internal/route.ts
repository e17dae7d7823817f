/**
 * Emulator routes generated from the `Endpoint` declarations: a declaration's method and path template compiled to a
 * matcher, its request schema for WeChat's request checks, and the resource's handler. Also the types a resource
 * module is written against (`Call`, `Context`, `Outcome`, `Handler`).
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import type * as Endpoint from "../../Endpoint.js"
import * as Wire from "../../Wire.js"
import type { EmulatorRequest, LedgerEntry } from "./model.js"
import type { Sealed } from "./aead.js"
import type { BrandAccount } from "./brand.js"
import type { PlatformCertificate } from "./certificate.js"
import * as Multipart from "./multipart.js"
import type { Applied, Store } from "./store.js"
import { ApiFailure } from "./wechatSide.js"

/** A request that passed WeChat's checks, as a handler sees it. */
export interface Call<I> {
  /** The endpoint's short name (`GetUserCard`). */
  readonly endpoint: string
  /** Path parameters, query parameters (numbers decoded) and body fields, validated by the declaration's schema. */
  readonly request: I
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>
  /** Query parameters as sent (strings), percent-decoded. */
  readonly query: Readonly<Record<string, string>>
  /** The JSON body as sent (unknown fields kept), `{}` without one; the `meta` JSON of a multipart request. */
  readonly body: Readonly<Record<string, unknown>>
  /** The body text as received, for idempotency fingerprints. */
  readonly raw: string
  /** The body bytes as received (a multipart body is not text). */
  readonly bytes: Uint8Array
  /** Header names lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The parts of a `multipart/form-data` body; empty otherwise. */
  readonly parts: ReadonlyArray<Multipart.Part>
}

/** What a write decides once it is known to be new: the change, the answer, the ledger fields. */
export interface Decision {
  /** Applied on commit, never before. */
  readonly change?: (() => void) | undefined
  /** Resource-specific ledger fields (e.g. `card_id`, `code`, `balanceDelta`). */
  readonly entry?: Readonly<Record<string, unknown>> | undefined
  /** Default 204. */
  readonly status?: number | undefined
  /** A JSON value answered with the status; none for 204. */
  readonly json?: unknown
}

/**
 * Who signed a request: a merchant (APIv3, `mchid="…"`: a merchant or a service provider) or a brand (品牌API,
 * `brand_id="…"`, since 1.3.0).
 */
export type Principal =
  | { readonly kind: "merchant"; readonly mchid: string }
  | { readonly kind: "brand"; readonly brand: BrandAccount }

/** The emulator as a handler sees it, for one call. */
export interface Context {
  /** The calling merchant's mchid; `""` for a brand's call (see `principal`). */
  readonly mchid: string
  /** The calling merchant is a service provider (普通服务商). @since 1.3.0 */
  readonly serviceProvider: boolean
  /** Who signed the request. */
  readonly principal: Principal
  /** The brands of 商家名片会员卡 the emulator serves, by brand_id. */
  readonly brands: ReadonlyMap<string, BrandAccount>
  /**
   * A value WeChat hands back encrypted for the caller (a member's phone number): RSA-OAEP to the caller's API
   * certificate public key (the merchant's, or the brand API certificate's).
   */
  readonly encryptForCaller: (plain: string) => string
  /** The request's time, Unix seconds (the emulator's clock: `TestClock` in `it.effect`). */
  readonly now: number
  /** State shared by all resources. */
  readonly store: Store
  /**
   * Decrypt a field the merchant encrypted with the platform key named by `Wechatpay-Serial` (RSA-OAEP,
   * SHA-1/MGF1-SHA-1): the public-key id ⇒ the platform key, the certificate serial ⇒ the certificate's key. A
   * missing serial, or a ciphertext not made with the key it names, is WeChat's PARAM_ERROR.
   */
  readonly decrypt: (ciphertextBase64: string) => string | ApiFailure
  /**
   * The platform certificates not expired at `now` (what 下载平台证书 lists); `undefined` for a merchant without
   * platform certificates.
   */
  readonly certificates: () => ReadonlyArray<PlatformCertificate> | undefined
  /** AEAD_AES_256_GCM under the merchant's APIv3 key, a fresh 12-character nonce. */
  readonly seal: (associatedData: string, plaintext: string) => Sealed
  /** This resource's private state in this emulator (the caller's: a merchant's or a brand's), created by `init` on first use. */
  readonly local: <S>(name: string, init: () => S) => S
  /**
   * A write, decided now and applied on commit. With a `key` (the idempotency key's value): the same key with the
   * same `fingerprint` repeats the first answer and applies nothing; with another fingerprint it is refused;
   * `decide` runs only for a new key. Without a key the write is applied each time. Every application is one
   * ledger entry `{ endpoint, key, ...entry }`.
   */
  readonly apply: (write: {
    readonly key?: string | undefined
    readonly fingerprint?: string | undefined
    readonly decide: () => Decision | ApiFailure
    /**
     * Where the key is remembered, and under which name, when not in the caller's store under the endpoint's name: a
     * brand's keys are the brand's, whichever surface sends them (商家名片会员卡).
     */
    readonly idempotency?: { readonly keys: Map<string, Applied>; readonly scope: string } | undefined
    /** A seen key is refused with this, whatever the request, instead of answered again (WeChat refuses some repeats). */
    readonly repeated?: ApiFailure | undefined
  }) => Outcome | ApiFailure
}

/** A decided success: the answer, and the state change it stands for (applied only by `commit`). */
export interface Outcome {
  readonly status: number
  readonly body: string
  readonly commit: () => void
}

/** A resource's behaviour for one endpoint: business rules only (authentication and request checks are done). */
export type Handler<I> = (call: Call<I>, ctx: Context) => Outcome | ApiFailure

const nothing = (): void => {}

/** An answer that changes nothing (reads): JSON with this status, or an empty 204. */
export const reply = (status: number, json?: unknown): Outcome => ({
  status,
  body: json === undefined ? "" : JSON.stringify(json),
  commit: nothing
})

/** A request schema: decoded from what arrives (path, query or body fields), synchronously, needing no service. */
export type RequestSchema = Schema.Codec<any, any>

/** How a route reads its body. */
export interface HandleOptions {
  /** `json` (default) or `multipart` (`multipart/form-data` with a `meta` JSON part, e.g. image upload). */
  readonly body?: "json" | "multipart" | undefined
  /** Validate with this schema instead of the declaration's (e.g. when the declaration types a file as bytes). */
  readonly request?: RequestSchema | undefined
  /** The handler checks a body `mchid` itself (bonus calls); otherwise one unlike the caller's is PARAM_ERROR. */
  readonly ownMchid?: boolean | undefined
}

/** One resource entry: a declaration and its behaviour. */
export interface Handled {
  readonly definition: Endpoint.Definition<any>
  readonly handler: Handler<any>
  readonly options: HandleOptions
}

/**
 * Serve a declared endpoint: `handle(MemberCard.GetUserCard, (call, ctx) => …)`. The route (method, path, request
 * checks) comes from the declaration; the handler is the resource's behaviour.
 */
export const handle = <I extends object>(
  endpoint: { readonly definition: Endpoint.Definition<I> },
  handler: Handler<I>,
  options: HandleOptions = {}
): Handled => ({ definition: endpoint.definition, handler: handler as Handler<any>, options })

/** The products whose endpoints keep their prefix: the two 商家名片会员卡 surfaces share their operations' names. */
const prefixed: ReadonlySet<string> = new Set(["PartnerCardMember", "BrandCardMember"])

/**
 * `MemberCard.GetUserCard` → `GetUserCard`; a 商家名片会员卡 surface's name is kept whole
 * (`PartnerCardMember.CreateCardTemplate`, `BrandCardMember.CreateCardTemplate`).
 */
export const shortName = (name: string): string => {
  const dot = name.lastIndexOf(".")
  return prefixed.has(name.slice(0, dot)) ? name : name.slice(dot + 1)
}

/** A compiled route. */
export interface Route {
  readonly method: string
  /** Short name: what `requests(name)`, faults and the ledger use. */
  readonly endpoint: string
  readonly definition: Endpoint.Definition<any>
  /** Path parameters (still percent-encoded) when `path` is this route's, else `undefined`. */
  readonly match: (path: string) => ReadonlyArray<string> | undefined
  readonly pathParams: ReadonlyArray<string>
  readonly handled: Handled
  /** Fields of the request schema that expect a number / boolean (query values are decoded to them). */
  readonly numbers: ReadonlySet<string>
  readonly booleans: ReadonlySet<string>
  /**
   * Query fields and path parameters declared as URL text: checked as received, then decoded once for the handler
   * (as WeChat does).
   */
  readonly urlText: ReadonlySet<string>
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** A path template (`/v3/…/cards/{card_id}`) as an anchored matcher: each `{param}` is one non-empty segment. */
export const compilePath = (template: string): { readonly pattern: RegExp; readonly params: ReadonlyArray<string> } => {
  const params: Array<string> = []
  const source = template.split(/\{([a-z_]+)\}/).map((part, i) => {
    if (i % 2 === 0) return escapeRegExp(part)
    params.push(part)
    return "([^/]+)"
  }).join("")
  return { pattern: new RegExp(`^${source}$`), params }
}

/** Whether a value of `ast` (an encoded side: what arrives) can be a number / boolean. */
const expects = (ast: AST.AST, tag: "Number" | "Boolean", seen = 0): boolean => {
  if (seen > 16) return false
  switch (ast._tag) {
    case "Number":
    case "Boolean":
      return ast._tag === tag
    case "Literal":
      return typeof ast.literal === (tag === "Number" ? "number" : "boolean")
    case "Union":
      return ast.types.some((member) => expects(member, tag, seen + 1))
    case "Suspend":
      return expects(ast.thunk(), tag, seen + 1)
    default:
      return false
  }
}

/**
 * The fields whose encoded side (what the request carries; refinements are checks on the same node, and a
 * transformation's input is its encoded side) expects a number / boolean.
 */
const fieldsExpecting = (schema: RequestSchema, tag: "Number" | "Boolean"): Set<string> => {
  const fields = new Set<string>()
  const encoded = AST.toEncoded(schema.ast)
  // A schema without a fixed set of keys: nothing is decoded, the strings are validated as sent.
  if (!AST.isObjects(encoded)) return fields
  for (const property of encoded.propertySignatures) {
    if (typeof property.name === "string" && expects(property.type, tag)) fields.add(property.name)
  }
  return fields
}

/** Compile a resource entry into a route. */
export const compile = (handled: Handled): Route => {
  const { definition } = handled
  const { params, pattern } = compilePath(definition.path)
  const schema = handled.options.request ?? definition.request
  return {
    method: definition.method,
    endpoint: shortName(definition.name),
    definition,
    pathParams: params,
    match: (path) => {
      const match = pattern.exec(path)
      return match === null ? undefined : match.slice(1)
    },
    handled,
    numbers: fieldsExpecting(schema, "Number"),
    booleans: fieldsExpecting(schema, "Boolean"),
    urlText: Wire.urlTextFields(schema)
  }
}

/** The routes of these resources; a second route for one method and path, or one name, is a programming error. */
export const router = (handlers: ReadonlyArray<Handled>) => {
  const routes = handlers.map(compile)
  const seen = new Set<string>()
  for (const route of routes) {
    const shape = `${route.method} ${route.definition.path.replace(/\{[a-z_]+\}/g, "{}")}`
    if (seen.has(shape) || seen.has(route.endpoint)) {
      throw new Error(`emulator: two handlers for ${route.endpoint} (${shape})`)
    }
    seen.add(shape)
    seen.add(route.endpoint)
  }
  return {
    routes,
    /** The route for a method and path (without query), if any. */
    find: (method: string, path: string): { readonly route: Route; readonly raw: ReadonlyArray<string> } | undefined => {
      for (const route of routes) {
        if (route.method !== method) continue
        const raw = route.match(path)
        if (raw !== undefined) return { route, raw }
      }
      return undefined
    }
  }
}

const paramError = (field: string, location: string, issue: string, message = `参数错误: ${field}`): ApiFailure =>
  new ApiFailure(400, "PARAM_ERROR", message, { field: `/${field}`, location, issue })

/**
 * A query string as `URLSearchParams` reads it (`&`-separated, `+` is a space), but strict: a malformed
 * percent-escape, or a name given twice, is PARAM_ERROR rather than silently rewritten. With `raw`, the values as
 * written (not decoded) are kept there too.
 */
export const parseQuery = (query: string, raw?: Record<string, string>): Record<string, string> | ApiFailure => {
  const fields: Record<string, string> = {}
  for (const pair of query.split("&")) {
    if (pair === "") continue
    const equals = pair.indexOf("=")
    const rawName = equals < 0 ? pair : pair.slice(0, equals)
    const rawValue = equals < 0 ? "" : pair.slice(equals + 1)
    let name: string
    let value: string
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "))
      value = decodeURIComponent(rawValue.replace(/\+/g, " "))
    } catch {
      return paramError(rawName, "query", "malformed percent-encoding", "查询参数格式错误")
    }
    if (Object.hasOwn(fields, name)) return paramError(name, "query", "given more than once", "查询参数重复")
    fields[name] = value
    if (raw !== undefined) raw[name] = rawValue
  }
  return fields
}

/**
 * Issues as `{ path, message }`. A missing field reads `is missing`, as the emulator has always answered; other
 * messages are Schema's (which, by default, do not repeat the value) or the declaration's own.
 */
const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) => {
    const message = SchemaIssue.defaultLeafHook(issue)
    return issue._tag === "MissingKey" && message === "Missing key" ? "is missing" : message
  }
})

const canonicalNumber = /^-?(0|[1-9]\d{0,15})(\.\d+)?$/

const decodeQueryValues = (route: Route, query: Record<string, string>): Record<string, unknown> => {
  const fields: Record<string, unknown> = {}
  for (const name in query) {
    const value = query[name]!
    fields[name] = route.numbers.has(name) && canonicalNumber.test(value)
      ? Number(value)
      : route.booleans.has(name) && (value === "true" || value === "false")
      ? value === "true"
      : value
  }
  return fields
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * WeChat's request checks for a matched route, in its order: path parameters, query, Content-Type, body, the
 * sensitive field (decrypted with the key `Wechatpay-Serial` names), the documented request schema, the caller's
 * `mchid`. The call, or the PARAM_ERROR WeChat would answer.
 */
export const parseCall = (
  request: EmulatorRequest,
  received: Multipart.Body,
  found: { readonly route: Route; readonly raw: ReadonlyArray<string> },
  ctx: Pick<Context, "mchid" | "decrypt">
): Call<unknown> | ApiFailure => {
  const { bytes } = received
  const mchid = ctx.mchid
  const { raw, route } = found
  const params: Record<string, string> = {}
  for (let i = 0; i < route.pathParams.length; i++) {
    const name = route.pathParams[i]!
    try {
      params[name] = decodeURIComponent(raw[i]!)
    } catch {
      return paramError(name, "path", "malformed percent-encoding", "路径参数格式错误")
    }
  }
  const method = route.method
  const hasBody = method !== "GET" && method !== "DELETE"
  let query: Record<string, string> = {}
  const rawQuery: Record<string, string> = {}
  if (!hasBody) {
    const q = request.target.indexOf("?")
    if (q >= 0) {
      const parsed = parseQuery(request.target.slice(q + 1), rawQuery)
      if (parsed instanceof ApiFailure) return parsed
      query = parsed
    }
  }
  let body: Record<string, unknown> = {}
  let parts: ReadonlyArray<Multipart.Part> = []
  if (hasBody) {
    const contentType = request.headers["content-type"] ?? ""
    if (route.handled.options.body === "multipart") {
      const parsed = received.parts
      if (parsed === undefined) return new ApiFailure(400, "PARAM_ERROR", "Content-Type须为multipart/form-data")
      const meta = Multipart.meta(parsed)
      if (meta === undefined) return new ApiFailure(400, "PARAM_ERROR", "缺少meta或meta不是合法的JSON")
      parts = parsed
      body = meta
    } else if (route.definition.omitEmptyBody === true && bytes.byteLength === 0) {
      // A call whose page shows no body and no Content-Type (the brand's 作废会员卡模板, ON-B 4015582724): nothing
      // to read; a JSON body, when one is sent, is read as usual.
      body = {}
    } else {
      if (!contentType.startsWith("application/json")) {
        return new ApiFailure(400, "PARAM_ERROR", "Content-Type须为application/json")
      }
      try {
        const parsed: unknown = JSON.parse(request.body)
        if (!isObject(parsed)) throw new Error()
        body = parsed
      } catch {
        return new ApiFailure(400, "PARAM_ERROR", "请求体不是合法的JSON")
      }
    }
  }
  const schema = route.handled.options.request ?? route.definition.request
  const input: Record<string, unknown> = hasBody ? { ...body, ...params } : { ...decodeQueryValues(route, query), ...params }
  // URL text (`encrypt_code`, `activate_ticket`) is checked as it was written — only unreserved characters and
  // escapes — and the handler gets it decoded once, as WeChat reads it.
  const rawParams: Record<string, string> = {}
  for (let i = 0; i < route.pathParams.length; i++) rawParams[route.pathParams[i]!] = raw[i]!
  for (const name of route.urlText) {
    if (Object.hasOwn(rawParams, name)) input[name] = rawParams[name]
    else if (!hasBody && Object.hasOwn(rawQuery, name)) input[name] = rawQuery[name]
  }
  // A sensitive field arrives encrypted under another name (`encrypted_phone_number`); the declaration types it in
  // plain (`phone_number: Redacted`), so it is decrypted here and checked, and reaches the handler, as declared.
  const sensitive = route.definition.encrypt
  if (sensitive !== undefined && sensitive.as in input) {
    const ciphertext = input[sensitive.as]
    delete input[sensitive.as]
    if (typeof ciphertext !== "string") return paramError(sensitive.as, "body", "Expected string")
    const plain = ctx.decrypt(ciphertext)
    if (plain instanceof ApiFailure) return plain
    input[sensitive.field] = Redacted.make(plain)
  }
  const decoded = Schema.decodeUnknownResult(schema, { errors: "first" })(input)
  if (Result.isFailure(decoded)) {
    const issue = formatIssue(decoded.failure.issue).issues[0]
    const path = (issue?.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment))
    if (sensitive !== undefined && path[0] === sensitive.field) path[0] = sensitive.as
    const field = path.join("/")
    const top = path[0] ?? ""
    const location = route.pathParams.includes(top) ? "path" : hasBody ? "body" : "query"
    return paramError(field, location, issue?.message ?? "invalid")
  }
  const given = hasBody ? body : query
  if (mchid !== "" && "mchid" in given && given.mchid !== mchid && route.handled.options.ownMchid !== true) {
    return new ApiFailure(400, "PARAM_ERROR", "请求中的mchid与Authorization中的mchid不一致")
  }
  let validated = decoded.success as Record<string, unknown>
  for (const name of route.urlText) {
    if (Object.hasOwn(params, name)) validated = { ...validated, [name]: params[name] }
    else if (!hasBody && Object.hasOwn(query, name)) validated = { ...validated, [name]: query[name] }
  }
  return {
    endpoint: route.endpoint,
    request: validated,
    params,
    query,
    body,
    raw: request.body,
    bytes,
    headers: request.headers,
    parts
  }
}

/**
 * The ledger entry of one applied write by merchant `mchid`. `visibleMchid`: the `mchid` field is enumerable (seen by
 * deep equality and JSON) — when the emulator serves several merchants; with one, ledgers keep their pre-1.2.0 shape.
 */
export const ledgerEntry = (
  endpoint: string,
  key: string,
  entry: Readonly<Record<string, unknown>> | undefined,
  mchid: string,
  visibleMchid: boolean
): LedgerEntry => {
  const ledger = { ...entry, endpoint, key }
  Object.defineProperty(ledger, "mchid", { value: mchid, enumerable: visibleMchid, writable: false, configurable: false })
  return ledger as unknown as LedgerEntry
}
