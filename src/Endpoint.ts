/**
 * The one place that turns a declarative endpoint description — method, path template, request schema, response
 * schema, idempotency key — into a service function. Endpoint modules say *what*; this says *how*: validate before
 * anything is sent, split path parameters from body fields, encode once, call the transport, decode.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"
import * as Tracer from "effect/Tracer"
import { Encryptor } from "./Encryptor.js"
import * as Telemetry from "./internal/telemetry.js"
import {
  type ApiRequest,
  type ApiResponse,
  type Caller,
  type Method,
  type Upload,
  WechatPayClient
} from "./WechatPayClient.js"
import { type CallError, RequestValidationError, ResponseDecodeError } from "./WechatPayError.js"
import * as Wire from "./Wire.js"

/**
 * An endpoint as a service: a function from the request to the decoded response.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint<in I, out A, out E> {
  (request: I): Effect.Effect<A, E>
}

/**
 * What an endpoint with no response body (204) can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type NoContentError = CallError | RequestValidationError

/**
 * What an endpoint with a JSON response body can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonError = NoContentError | ResponseDecodeError

/**
 * @since 0.1.0
 * @category models
 */
export interface Definition<I extends object> {
  /** Span and error name, e.g. `MemberCard.GetUserCard`. */
  readonly name: string
  readonly method: Method
  /** Path with `{param}` placeholders, each a field of the request. */
  readonly path: string
  /** The wire shape (snake_case) of path parameters and body fields together, with the documented rules. */
  readonly request: Schema.Codec<I, I>
  /**
   * The request field that makes a repeated write safe (`out_request_no`, `out_trade_no`). GETs are always
   * repeatable; a write without an idempotency key is never repeated.
   */
  readonly idempotencyKey?: keyof I & string
  /**
   * Why this write may be repeated without an idempotency key, when it may: e.g. "a set: repeating it with the same
   * body changes nothing". Present ⇒ repeated, but only after an answer saying it was not processed (429, 501–503):
   * after an unknown outcome (timeout, dropped connection, 500) a blind repeat could undo another writer's change made
   * in between. Absent (and no `idempotencyKey`) ⇒ never repeated; a write that notifies a user or moves state on
   * once must leave it out.
   */
  readonly repeatable?: string
  /** Request fields safe to record on the span (ids, never personal data). */
  readonly spanAttributes?: ReadonlyArray<keyof I & string>
  /** A sensitive field to encrypt before sending (then the endpoint needs an `Encryptor`). */
  readonly encrypt?: Sensitive<I> | undefined
  /**
   * How the body fields go on the wire when not as JSON (a multipart upload): the bytes, their Content-Type and the
   * text to sign in their place — or an Effect of them, when making them is asynchronous (WebCrypto's digest). Called
   * once per call; every attempt sends the same bytes.
   */
  readonly body?: ((fields: Record<string, unknown>) => Upload | Effect.Effect<Upload>) | undefined
  /**
   * Request fields the client fills in when the caller leaves them out, from what the client knows (its `mchid`):
   * e.g. the bonus calls name the merchant. Applied after validation; a field the caller gave is kept.
   */
  readonly defaults?: ((request: I, client: ClientFacts) => Partial<I>) | undefined
  /**
   * A rule that depends on the client as well as the request: an issue (the field and what is wrong) refuses the call
   * before anything is sent, as a `RequestValidationError`. E.g. a service provider's bonus call must name the
   * sub-merchant.
   *
   * @since 1.3.0
   */
  readonly refuse?: ((request: I, client: ClientFacts) => { readonly path: string; readonly message: string } | undefined) | undefined
  /**
   * Send the encrypting key's id as `Wechatpay-Serial` even when the sensitive field is left out: for pages that mark
   * the header required on the call (商家名片会员卡's import and confirm), whose other fields (the member's form
   * answers) the caller may have encrypted with `Encryptor.encrypt`.
   *
   * @since 1.3.0
   */
  readonly serialAlways?: boolean | undefined
  /**
   * A write with nothing but path parameters sends no body at all (no `Content-Type`, an empty body line signed)
   * rather than `{}`: for a page that shows none (the brand's 作废会员卡模板).
   *
   * @since 1.3.0
   */
  readonly omitEmptyBody?: boolean | undefined
  /**
   * WeChat's printed rate limit for this call, requests per second per signer (mchid or brand_id): the surfaces export
   * them as `RateLimit` budgets (`PartnerCardMember.rateLimits`, `BrandCardMember.rateLimits`).
   *
   * @since 1.3.0
   */
  readonly rateLimit?: number | undefined
}

/**
 * What a declaration's `defaults` may read from the client.
 *
 * @since 0.6.0
 * @category models
 */
export interface ClientFacts {
  /** 商户号 the client signs as. */
  readonly mchid: string
  /** The mchid is a service provider's (`WechatPayClient.Options.serviceProvider`). @since 1.3.0 */
  readonly serviceProvider?: boolean | undefined
}

/**
 * A sensitive request field: given in plain (`Redacted`) as `field`, sent encrypted as `as` (e.g. `phone_number` →
 * `encrypted_phone_number`), with the encrypting key's id as `Wechatpay-Serial`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Sensitive<I> {
  readonly field: keyof I & string
  readonly as: string
}

/** `encodeURIComponent` plus `!'()*`, which URL parsers may rewrite in a query (a rewritten target is unsigned). */
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** `path?k=v&…`, each name and value percent-encoded (RFC 3986) unless declared as URL text. */
const withQuery = (path: string, fields: Record<string, unknown>, asText: ReadonlySet<string>): string =>
  `${path}?${
    Object.entries(fields).map(([k, v]) => `${rfc3986(k)}=${asText.has(k) ? String(v) : rfc3986(String(v))}`).join("&")
  }`

/**
 * What an endpoint calls: a client (`WechatPayClient`, or a `BrandClient`), and what its declaration's `defaults` and
 * `refuse` may read of it (a brand's client has no mchid: its declarations read none).
 *
 * @since 1.3.0
 * @category models
 */
export type Client = Caller & Partial<ClientFacts>

type Segment = { readonly literal: string } | { readonly param: string }

const compilePath = (template: string): ReadonlyArray<Segment> =>
  template.split(/(\{[a-z_]+\})/).filter((part) => part !== "").map((part) =>
    part.startsWith("{") ? { param: part.slice(1, -1) } : { literal: part }
  )

/**
 * Schema's default messages end with the value (`Expected string, actual "13812345678"`): a response field of the
 * wrong type would put a member's data in the error, its logs and the CLI's output. What was expected is enough;
 * the documented rules' own messages ("must be at most 32 characters") carry no value and are kept.
 */
const withoutValue = (message: string): string =>
  message === "Missing key"
    ? "is missing" // 0.x's wording for an absent required field, kept for callers matching it
    : message.startsWith("Expected ")
    ? message.replace(/, actual [\s\S]*$/, "")
    : message

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const issuesOf = (
  issue: SchemaIssue.Issue
): Array<{ readonly path: Array<string | number>; readonly message: string }> => {
  try {
    return formatter(issue).issues.map((issue) => ({
      path: (issue.path ?? []).map((segment) => {
        const key = typeof segment === "object" ? segment.key : segment
        return typeof key === "number" || typeof key === "string" ? key : String(key)
      }),
      message: withoutValue(issue.message)
    }))
  } catch {
    // A pathologically nested value can overflow the stack while formatting. Keep the failure typed.
    return [{ path: [], message: "value too deeply nested to describe" }]
  }
}

const describe = (issues: ReturnType<typeof issuesOf>): string =>
  issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")

const validationError = (endpoint: string, error: SchemaIssue.Issue): RequestValidationError => {
  const issues = issuesOf(error)
  return new RequestValidationError({ endpoint, issues, message: `Invalid ${endpoint} request: ${describe(issues)}` })
}

/** A JSON-like object: not an array, not a class instance (a `Uint8Array` file, a `Redacted` secret). */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A UTF-16 surrogate without its partner: not a character, so it has no UTF-8 form to sign, send or store. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * The path of the first string in `value` holding a lone surrogate (`encodeURIComponent` throws on one, and
 * `JSON.stringify` would send an escape WeChat cannot store), or `undefined`. Iterative: depth cannot overflow.
 */
const findLoneSurrogate = (value: unknown): Array<string | number> | undefined =>
  holdsLoneSurrogate(value) ? pathToLoneSurrogate(value) : undefined

/**
 * Whether any string in `value` holds a lone surrogate: the check every call makes, with one array of pending values
 * as its only allocation. Iterative: depth cannot overflow.
 */
const holdsLoneSurrogate = (value: unknown): boolean => {
  const pending: Array<unknown> = [value]
  while (pending.length > 0) {
    const current = pending.pop()
    if (typeof current === "string") {
      if (loneSurrogate.test(current)) return true
    } else if (Array.isArray(current) || isPlainObject(current)) {
      for (const key in current) pending.push((current as Record<string, unknown>)[key])
    }
  }
  return false
}

/** The path of the first string holding a lone surrogate (walked only once one is known to be there). */
const pathToLoneSurrogate = (value: unknown): Array<string | number> | undefined => {
  // A path is kept as parent links, and turned into an array only for the string that fails.
  interface Step {
    readonly value: unknown
    readonly key: string | undefined
    readonly parent: Step | undefined
  }
  const stack: Array<Step> = [{ value, key: undefined, parent: undefined }]
  while (stack.length > 0) {
    const step = stack.pop()!
    const current = step.value
    if (typeof current === "string") {
      if (loneSurrogate.test(current)) {
        const path: Array<string> = []
        for (let at: Step | undefined = step; at?.key !== undefined; at = at.parent) path.unshift(at.key)
        return path
      }
    } else if (Array.isArray(current) || isPlainObject(current)) {
      for (const key in current) stack.push({ value: (current as Record<string, unknown>)[key], key, parent: step })
    }
  }
  return undefined
}

/**
 * `input` with every property whose value is `undefined` removed, at any depth: for a caller compiled without
 * `exactOptionalPropertyTypes`, `{ level: undefined }` means "no level", as it would after `JSON.stringify`. The
 * input itself when it has none (the usual case: no copy).
 */
const withoutUndefined = (input: unknown, depth = 0): unknown => {
  // No request nests deeper than a few levels; past this depth the value is left for validation to refuse (and a
  // hostile, deeply nested value cannot overflow the stack here).
  if (depth > maxUndefinedDepth) return input
  if (Array.isArray(input)) {
    let copy: Array<unknown> | undefined
    for (let i = 0; i < input.length; i++) {
      const cleaned = withoutUndefined(input[i], depth + 1)
      if (cleaned !== input[i]) (copy ??= input.slice())[i] = cleaned
    }
    return copy ?? input
  }
  if (!isPlainObject(input)) return input
  let copy: Record<string, unknown> | undefined
  for (const key in input) {
    const value = input[key]
    if (value === undefined) {
      copy ??= { ...input }
      delete copy[key]
    } else {
      const cleaned = withoutUndefined(value, depth + 1)
      if (cleaned !== value) (copy ??= { ...input })[key] = cleaned
    }
  }
  return copy ?? input
}

const maxUndefinedDepth = 32

/**
 * Compile a definition into a function of the transport. Everything that can be done once is done here.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<I extends object, A, AE>(
  definition: Definition<I> & { readonly response: Schema.Codec<A, AE> }
): (client: Client, encryptor?: Encryptor["Service"]) => Endpoint<I, A, JsonError>
export function make<I extends object>(
  definition: Definition<I> & { readonly response?: undefined }
): (client: Client, encryptor?: Encryptor["Service"]) => Endpoint<I, void, NoContentError>
export function make<I extends object, A, AE>(
  definition: Definition<I> & { readonly response?: Schema.Codec<A, AE> | undefined }
): (client: Client, encryptor?: Encryptor["Service"]) => Endpoint<I, A | void, JsonError> {
  const { method, name } = definition
  const segments = compilePath(definition.path)
  const pathParams = new Set(segments.flatMap((s) => ("param" in s ? [s.param] : [])))
  const hasBody = method !== "GET" && method !== "DELETE"
  // Parsers are compiled on an endpoint's first call, not at import: a program using a few of the 35 endpoints does
  // not pay at start-up for the others (bench/README.md, cold start).
  const validate = lazily(() => ParseResultDecode(definition.request))
  const response = definition.response
  const decodeResponse = response === undefined ? undefined : lazily(() => ParseResultDecode(response))
  const spanFields = definition.spanAttributes ?? []

  const encodeBody = definition.body
  // Values declared as URL text (`Wire.urlText`) are already percent-encoded: encoding them again would make WeChat
  // decode `%2B` to the literal text "%2B". Query values and path segments alike: validation let through only
  // unreserved characters and `%XX` escapes, which are safe in both.
  const verbatim = lazily(() => Wire.urlTextFields(definition.request))
  const defaults = definition.defaults
  const refuse = definition.refuse
  const omitEmptyBody = definition.omitEmptyBody === true
  const serialAlways = definition.serialAlways === true
  /** A request as it goes on the wire: the signed target, and a JSON body or an upload. */
  interface Wire {
    readonly path: string
    readonly body?: string | undefined
    readonly upload?: Upload | undefined
  }
  const encode = (
    input: Record<string, unknown>
  ): Omit<Wire, "upload"> & { readonly upload?: Upload | Effect.Effect<Upload> | undefined } => {
    let path = ""
    const asText = verbatim()
    for (const segment of segments) {
      path += "literal" in segment
        ? segment.literal
        : asText.has(segment.param)
        ? String(input[segment.param])
        : encodeURIComponent(String(input[segment.param]))
    }
    const rest: Record<string, unknown> = {}
    let restSize = 0
    for (const key in input) {
      if (!pathParams.has(key) && input[key] !== undefined) {
        rest[key] = input[key]
        restSize++
      }
    }
    if (hasBody) {
      if (restSize === 0 && omitEmptyBody) return { path, body: undefined }
      return encodeBody === undefined ? { path, body: JSON.stringify(rest) } : { path, upload: encodeBody(rest) }
    }
    if (restSize === 0) return { path, body: undefined }
    return { path: withQuery(path, rest, asText), body: undefined }
  }

  const attributesOf = (input: unknown): Record<string, unknown> => {
    const attributes: Record<string, unknown> = { "wechatpay.endpoint": name }
    for (const field of spanFields) {
      const value = typeof input === "object" && input !== null ? (input as Record<string, unknown>)[field] : undefined
      if (typeof value === "string") attributes[`wechatpay.${field}`] = value
    }
    return attributes
  }

  // One span per call, named after the endpoint, opened with `useSpan`: recorded and ended, but not installed as
  // the current span of the call's own steps (that costs a context and fiber-ref copy per call, ~20 µs of JS time,
  // bench/README.md); the library's internals open no spans of their own. Under Effect's built-in tracer, which
  // exports nothing, no span is made at all: nothing could observe it.
  // The tracer is read from the fiber in this step (what `Effect.tracer` does, without a step of its own), and so is
  // the telemetry switch: with it on, the call's start is read here and its outcome recorded where it is known.
  const traced = <X, E>(input: unknown, body: (span: Tracer.Span | undefined, metrics: Metrics | undefined) => Effect.Effect<X, E>) =>
    Effect.withFiber((fiber) => {
      const context = Telemetry.contextOf(fiber)
      const metrics = context === undefined ? undefined : new Metrics(name, context, Telemetry.now())
      return fiber.getRef(Tracer.Tracer) === builtInTracer
        ? body(undefined, metrics)
        : Effect.useSpan(name, { kind: "client", attributes: attributesOf(input) }, (span) => body(span, metrics))
    })

  /** A request refused before sending: recorded as `validation`. */
  const refused = (input: unknown, error: RequestValidationError) =>
    traced(input, (_span, metrics) => {
      metrics?.record("validation")
      return Effect.fail(error)
    })

  const utf8 = new TextEncoder()

  return (client, encryptor) => (input) => {
    const validated = validate()(withoutUndefined(input))
    if (Result.isFailure(validated)) return refused(input, validationError(name, validated.failure.issue))
    // From here on the span's attributes are read from the validated copy (the same strings): the caller's own object
    // need not stay reachable for as long as the call is in flight.
    const decoded = validated.success
    if (refuse !== undefined) {
      const issue = refuse(decoded as I, client as ClientFacts)
      if (issue !== undefined) {
        const issues = [{ path: [issue.path], message: issue.message }]
        return refused(
          input,
          new RequestValidationError({ endpoint: name, issues, message: `Invalid ${name} request: ${describe(issues)}` })
        )
      }
    }
    const value = (defaults === undefined
      ? decoded
      : { ...defaults(decoded as I, client as ClientFacts), ...decoded }) as Record<string, unknown>
    const lone = findLoneSurrogate(value)
    if (lone !== undefined) {
      const issues = [{ path: lone, message: "must be well-formed Unicode (it holds a lone surrogate)" }]
      return refused(
        input,
        new RequestValidationError({ endpoint: name, issues, message: `Invalid ${name} request: ${describe(issues)}` })
      )
    }
    const keyed = method === "GET" ||
      (definition.idempotencyKey !== undefined && value[definition.idempotencyKey] !== undefined)
    const idempotent = keyed || definition.repeatable !== undefined
    const sensitive = definition.encrypt
    const plain = sensitive === undefined ? undefined : value[sensitive.field] as Redacted.Redacted<string> | undefined
    if (sensitive === undefined || plain === undefined || encryptor === undefined) {
      const serial = serialAlways && encryptor !== undefined ? encryptor.serial : undefined
      return traced(decoded, (span, metrics) => send(client, value, idempotent, !keyed, serial, span, metrics))
    }
    // Encrypted once per call, before the first attempt: a retry re-sends the very same ciphertext.
    const size = utf8.encode(Redacted.value(plain)).byteLength
    if (size > encryptor.maxPlaintextBytes) {
      const issues = [{
        path: [sensitive.field],
        message: `must be at most ${encryptor.maxPlaintextBytes} bytes of UTF-8 to be encrypted (RSA-OAEP)`
      }]
      return refused(
        input,
        new RequestValidationError({ endpoint: name, issues, message: `Invalid ${name} request: ${describe(issues)}` })
      )
    }
    const sealed = encryptor.encryptWithSerial !== undefined
      ? encryptor.encryptWithSerial(plain)
      : Effect.map(encryptor.encrypt(plain), (ciphertext) => ({ ciphertext, serial: encryptor.serial }))
    return traced(decoded, (span, metrics) =>
      Effect.flatMap(sealed, ({ ciphertext, serial }) => {
        const { [sensitive.field]: _plain, ...rest } = value
        return send(client, { ...rest, [sensitive.as]: ciphertext }, idempotent, !keyed, serial, span, metrics)
      }))
  }

  function send(
    client: Client,
    value: Record<string, unknown>,
    idempotent: boolean,
    onlyIfUnprocessed: boolean,
    serial: string | undefined,
    span: Tracer.Span | undefined,
    metrics: Metrics | undefined
  ): Effect.Effect<A | void, JsonError> {
    const wire = encode(value)
    // An upload made asynchronously (WebCrypto's digest) is awaited first; the common call goes straight through.
    return Effect.isEffect(wire.upload)
      ? Effect.flatMap(wire.upload, (upload) =>
        execute(client, { ...wire, upload }, idempotent, onlyIfUnprocessed, serial, span, metrics))
      : execute(client, wire as Wire, idempotent, onlyIfUnprocessed, serial, span, metrics)
  }

  function execute(
    client: Client,
    wire: Wire,
    idempotent: boolean,
    onlyIfUnprocessed: boolean,
    serial: string | undefined,
    span: Tracer.Span | undefined,
    metrics: Metrics | undefined
  ): Effect.Effect<A | void, JsonError> {
    const call = client.execute(new Call(name, method, wire, idempotent, onlyIfUnprocessed, serial, span))
    // Without a span (Effect's built-in tracer) or metrics, nothing to record: the call's own errors as they are.
    if (span === undefined && metrics === undefined) {
      return decodeResponse === undefined ? Effect.asVoid(call) : Effect.flatMap(call, decodeBody)
    }
    // The Request-ID is what WeChat support asks for: record it on success and on every API error that has one.
    return Effect.matchEffect(
      call,
      {
        onFailure: (error): Effect.Effect<never, JsonError> => {
          if (span !== undefined && "requestId" in error && error.requestId !== undefined) {
            span.attribute("wechatpay.request_id", error.requestId)
          }
          metrics?.record(Telemetry.outcomeOf(error))
          return Effect.fail(error)
        },
        onSuccess: (response): Effect.Effect<A | void, JsonError> => {
          if (span !== undefined && response.requestId !== undefined) {
            span.attribute("wechatpay.request_id", response.requestId)
          }
          if (decodeResponse === undefined) {
            metrics?.record("ok")
            return Effect.void
          }
          const decoded = decodeResult(response)
          metrics?.record(Result.isSuccess(decoded) ? "ok" : "decode")
          return Result.isSuccess(decoded) ? Effect.succeed(decoded.success) : Effect.fail(decoded.failure)
        }
      }
    )
  }

  function decodeBody(response: ApiResponse): Effect.Effect<A, ResponseDecodeError> {
    const decoded = decodeResult(response)
    return Result.isSuccess(decoded) ? Effect.succeed(decoded.success) : Effect.fail(decoded.failure)
  }

  function decodeResult(response: ApiResponse): Result.Result<A, ResponseDecodeError> {
    const decodeError = (message: string) =>
      new ResponseDecodeError({
        endpoint: name,
        status: response.status,
        message,
        ...(response.requestId !== undefined ? { requestId: response.requestId } : {})
      })
    let json: unknown
    try {
      // JSON text may start with a BOM (RFC 8259 lets a parser ignore it); the verified body keeps it, the parser not.
      const body = response.body.charCodeAt(0) === 0xfeff ? response.body.slice(1) : response.body
      json = JSON.parse(body)
    } catch {
      return Result.fail(decodeError("The response body is not JSON."))
    }
    const decoded = decodeResponse!()(json)
    return Result.isSuccess(decoded)
      ? Result.succeed(decoded.success)
      : Result.fail(decodeError(`The response does not match ${name}: ${describe(issuesOf(decoded.failure.issue))}`))
  }
}

/**
 * The call an endpoint hands to `WechatPayClient`. A class, not an object literal: it lives as long as the call (each
 * attempt reads it), and V8 may pretenure the allocation site of a literal whose objects outlive a scavenge, after which
 * each one keeps what it points to alive until the next full GC (bench/README.md).
 */
class Call implements ApiRequest {
  readonly endpoint: string
  readonly method: Method
  readonly path: string
  readonly body: string | undefined
  readonly upload: Upload | undefined
  readonly idempotent: boolean
  readonly onlyIfUnprocessed: boolean
  readonly serial: string | undefined
  readonly span: Tracer.Span | undefined
  constructor(
    endpoint: string,
    method: Method,
    wire: { readonly path: string; readonly body?: string | undefined; readonly upload?: Upload | undefined },
    idempotent: boolean,
    onlyIfUnprocessed: boolean,
    serial: string | undefined,
    span: Tracer.Span | undefined
  ) {
    this.endpoint = endpoint
    this.method = method
    this.path = wire.path
    this.body = wire.body
    this.upload = wire.upload
    this.idempotent = idempotent
    this.onlyIfUnprocessed = onlyIfUnprocessed
    this.serial = serial
    this.span = span
  }
}

/**
 * One call's metrics: where to record, and when it started. A class (one small object per call, with telemetry on)
 * rather than closures over the start.
 */
class Metrics {
  constructor(
    readonly endpoint: string,
    readonly context: Context.Context<never>,
    readonly started: number
  ) {}
  record(outcome: string): void {
    Telemetry.callDuration.get(this.endpoint, outcome).updateUnsafe((Telemetry.now() - this.started) / 1000, this.context)
  }
}

/** `make()` once, on first use. */
const lazily = <A>(make: () => A): () => A => {
  let value: A | undefined
  return () => (value ??= make())
}

/** Effect's default tracer: spans made under it are kept nowhere. */
const builtInTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/**
 * A parser of `schema` (all issues reported, extra keys ignored), compiled by Effect's Schema JIT: a function generated
 * for the schema (`new Function`) instead of the interpreter's walk of its AST — the same results and messages
 * (test/schema-jit.test.ts runs every declaration both ways), less work per call. Where code generation is refused
 * (workerd, a strict CSP) the JIT finds out on its own and the interpreter parses, as without it.
 */
function ParseResultDecode<A, I>(schema: Schema.Codec<A, I>) {
  SchemaJITCompiler.enable(schema.ast)
  return Schema.decodeUnknownResult(schema, { errors: "all", onExcessProperty: "ignore" })
}

/**
 * An endpoint's Tag class, with its layer and accessor attached.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceClass<Self, I extends object, A, E, R = WechatPayClient>
  extends Context.ServiceClass<Self, string, Endpoint<I, A, E>>
{
  /** The real endpoint over `WechatPayClient` (and the `Encryptor`, for an endpoint with a sensitive field). */
  readonly layer: Layer.Layer<Self, never, R>
  /** `(request) => Effect<A, E, Self>`: the accessor. */
  readonly call: (request: I) => Effect.Effect<A, E, Self>
  /**
   * The declaration itself, for what is derived from it (emulator routes, docs tables, tests that walk every
   * endpoint).
   */
  readonly definition: Definition<I> & { readonly response?: Schema.Codec<A, any> | undefined }
}

/**
 * Declare an endpoint: its Tag (named after it), its real layer and its accessor, from the definition alone.
 *
 * ```ts
 * export class GetUserCard extends Endpoint.Service<GetUserCard>()("MemberCard.GetUserCard", {
 *   method: "GET", path: "/v3/…/cards/{card_id}/codes/{code}", request: GetUserCardRequest, response: UserCard
 * }) {}
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const Service = <Self>() =>
<I extends object, A = void, AE = never, S extends Sensitive<I> | undefined = undefined>(
  name: string,
  definition: Omit<Definition<I>, "name" | "encrypt"> & {
    readonly response?: Schema.Codec<A, AE> | undefined
    readonly encrypt?: S
  }
): ServiceClass<
  Self,
  I,
  A,
  [A] extends [void] ? NoContentError : JsonError,
  [S] extends [undefined] ? WechatPayClient : WechatPayClient | Encryptor
> => {
  const full = { ...definition, name } as Definition<I>
  const implementation = make(full as Definition<I> & { readonly response: Schema.Codec<A, AE> })
  const layer = definition.encrypt === undefined
    ? (tag: Context.Service<Self, Endpoint<I, A, any>>) =>
      Layer.effect(tag, Effect.map(WechatPayClient, (client) => implementation(client) as Endpoint<I, A, any>))
    : (tag: Context.Service<Self, Endpoint<I, A, any>>) =>
      Layer.effect(tag, Effect.zipWith(WechatPayClient, Encryptor, (c, e) => implementation(c, e) as Endpoint<I, A, any>))
  return declare(name, full, layer) as any
}

/**
 * `Service` for endpoints served by another client: `serviceOn(BrandClient)` declares the brand surface's endpoints,
 * whose layers need that client only (it brings its own `Encryptor` for a sensitive field, under its own keys).
 *
 * @since 1.3.0
 * @category constructors
 */
export const serviceOn = <ClientId, C extends Client & { readonly encryptor: Encryptor["Service"] }>(
  client: Context.Key<ClientId, C>
) =>
<Self>() =>
<I extends object, A = void, AE = never>(
  name: string,
  definition: Omit<Definition<I>, "name" | "defaults"> & { readonly response?: Schema.Codec<A, AE> | undefined }
): ServiceClass<Self, I, A, [A] extends [void] ? NoContentError : JsonError, ClientId> => {
  const full = { ...definition, name } as Definition<I>
  const implementation = make(full as Definition<I> & { readonly response: Schema.Codec<A, AE> })
  return declare(
    name,
    full,
    (tag: Context.Service<Self, Endpoint<I, A, any>>) =>
      Layer.effect(tag, Effect.map(client, (c) => implementation(c, c.encryptor) as Endpoint<I, A, any>))
  ) as any
}

/** The Tag, its layer (made by `layerOf` from the Tag) and its accessor. */
const declare = <Self, I extends object, A, R>(
  name: string,
  definition: Definition<I>,
  layerOf: (tag: Context.Service<Self, Endpoint<I, A, any>>) => Layer.Layer<Self, never, R>
) => {
  const tag = Context.Service<Self, Endpoint<I, A, any>>()(`effect-wechatpay/${name}`)
  return Object.assign(tag, {
    definition,
    layer: layerOf(tag),
    call: (request: I) => Effect.flatMap(tag, (endpoint) => endpoint(request))
  })
}
