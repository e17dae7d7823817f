/**
 * `Transport` straight on node:http / node:https with keep-alive agents: the fast path on Node.
 *
 * One attempt is one `Effect.callback`: the request is written with the signed target and bytes as given (Node sends
 * `path` verbatim and refuses characters that would need escaping, which become `InvalidUrl`), the body is counted
 * as it arrives and refused past the limit, and one timer covers connect → last byte. Interrupting the call, a
 * timeout or an oversized body destroys the socket, so a half-read connection never returns to the pool.
 *
 * ```ts
 * const WechatPayLive = WechatPay.layerWith(options).pipe(Layer.provide(NodeTransport.layer()))
 * // or simply: WechatPay.layerNode(options)
 * ```
 *
 * node:http and node:https are found when the layer is built (`process.getBuiltinModule`), not imported: this module
 * is in the root entry's graph, and a Worker's bundle must hold no `node:` module. On a runtime without them the
 * layer fails with a `ConfigurationError` that says to use `WechatPay.layer` with an `HttpClient`; so it does on
 * Workers, whose node:http (nodejs_compat) neither pools connections nor honours TLS options.
 *
 * @since 0.2.0
 */
import type * as Http from "node:http"
import type * as Https from "node:https"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Bytes from "./internal/crypto/bytes.js"
import { builtin, isWorkerd } from "./internal/builtin.js"
import { type Limits, Transport, type Service, type WireRequest, type WireResponse } from "./Transport.js"
import { ConfigurationError, TransportError } from "./WechatPayError.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Most connections open at once per host. Default: unbounded (one per call in flight). */
  readonly maxSockets?: number | undefined
  /**
   * How long an idle pooled connection is kept. Default 4 s: well inside WeChat's 8 s keep-alive, so a request is
   * never written onto a connection the server is closing. (A server's `Keep-Alive: timeout=…` hint, when shorter,
   * wins.)
   */
  readonly idleTimeout?: Duration.Input | undefined
  /** Extra TLS options for https, e.g. `ca` for a private CA in a test environment. */
  readonly tls?: Pick<Https.AgentOptions, "ca" | "servername" | "minVersion"> | undefined
}

/**
 * How long an idle pooled connection is kept unless `idleTimeout` says otherwise: well inside WeChat's 8 s
 * keep-alive.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultIdleTimeout: Duration.Duration = Duration.seconds(4)

interface Origin {
  readonly request: typeof Http.request
  readonly agent: Http.Agent
  readonly hostname: string
  readonly port: number | undefined
  /** The `Host` header Node would send: `url.host` (IPv6 in brackets, a default port left out). */
  readonly host: string
}

const failure = (
  request: Pick<WireRequest, "method" | "origin" | "target">,
  reason: TransportError["reason"],
  message: string
) => new TransportError({ reason, method: request.method, url: request.origin + request.target, message })

const empty = new Uint8Array(0)

/** Node joins repeated headers with ", " except `set-cookie` (an array); make every value a string. */
const flatten = (headers: Http.IncomingHttpHeaders): Record<string, string> => {
  for (const name in headers) {
    if (typeof headers[name] !== "string") {
      const out: Record<string, string> = {}
      for (const key in headers) {
        const value = headers[key]
        if (value !== undefined) out[key] = typeof value === "string" ? value : value.join(", ")
      }
      return out
    }
  }
  return headers as Record<string, string>
}

/** Methods for which Node frames a body with `Content-Length` by default (it sends the others' bodies unframed). */
const framedByDefault = (method: string): boolean => method === "POST" || method === "PUT" || method === "PATCH"

/**
 * The request headers as the flat `[name, value, …]` list Node writes as is. Given an object, Node copies each header
 * into a dictionary of `[name, value]` pairs through `setHeader`, kept for the request's lifetime: per request a dozen
 * objects more to survive a scavenge while it is in flight (and, once V8 pretenures that code, to be allocated in the
 * old generation and drag what they point to along; bench/README.md). What Node adds itself to an object's headers is
 * added here the same way: `Host` (unless given), and for a body Node would frame, `Content-Length` (unless given:
 * with a list Node writes the header block before the body is known).
 */
const headerList = (request: WireRequest, origin: Origin): Array<string> => {
  const list: Array<string> = []
  let host = false
  let length = false
  const headers = request.headers
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue
    const lower = name.toLowerCase()
    if (lower === "host") host = true
    else if (lower === "content-length") length = true
    list.push(name, headers[name]!)
  }
  if (!host) list.push("Host", origin.host)
  if (!length && request.body !== undefined && framedByDefault(request.method)) {
    list.push("Content-Length", String(request.body.byteLength))
  }
  return list
}

/** The options of one request (a class, not a literal: see `Exchange`). */
class RequestOptions {
  readonly agent: Http.Agent
  readonly hostname: string
  readonly port: number | undefined
  readonly method: string
  readonly path: string
  readonly headers: Array<string>
  constructor(origin: Origin, request: WireRequest) {
    this.agent = origin.agent
    this.hostname = origin.hostname
    this.port = origin.port
    this.method = request.method
    this.path = request.target
    this.headers = headerList(request, origin)
  }
}

/** Where a request's and its response's listeners find their exchange. */
const exchangeKey = Symbol.for("effect-wechatpay/NodeTransport/Exchange")

type Carrier = { [exchangeKey]?: Exchange }

const exchangeOf = (emitter: Http.ClientRequest | Http.IncomingMessage): Exchange =>
  (emitter as unknown as Carrier)[exchangeKey]!

/**
 * One request in flight, from writing it to the last byte of its response.
 *
 * Its listeners and its timer are functions of this module, which find the exchange on the request or the response,
 * rather than closures made per request. Besides being fewer objects per call, this keeps what a request allocates
 * out of Node's own per-event listener arrays (`res` already has Node's `end` listener): were V8 to pretenure the
 * allocation site of those arrays, each such array would keep a request's closures, and through them the whole
 * request, alive in the old generation until the next full GC (bench/README.md).
 */
class Exchange {
  // What an error names; not the request itself, so that its headers (the signature among them) are not kept alive
  // for the whole call once Node has written them.
  readonly method: WireRequest["method"]
  readonly origin: string
  readonly target: string
  done = false
  timer: ReturnType<typeof setTimeout> | undefined = undefined
  status = 0
  headers: Record<string, string> | undefined = undefined
  /** The body's first chunk; further ones (rare: a body in several reads) in `chunks`, the first included. */
  first: Uint8Array | undefined = undefined
  chunks: Array<Uint8Array> | undefined = undefined
  size = 0
  constructor(
    request: WireRequest,
    readonly limits: Limits,
    readonly req: Http.ClientRequest,
    readonly resume: (effect: Effect.Effect<WireResponse, TransportError>) => void
  ) {
    this.method = request.method
    this.origin = request.origin
    this.target = request.target
  }

  fail(reason: TransportError["reason"], message: string): void {
    if (this.done) return
    this.done = true
    clearTimeout(this.timer)
    this.req.destroy()
    this.resume(Effect.fail(failure(this, reason, message)))
  }

  // The timer's callback and the interruption's finalizer, as fields: a closure made in `send` would keep `send`'s
  // whole scope (the request, its headers and signature) alive until the answer, not just the exchange.

  /** The timer's callback. */
  readonly expire = (): void => this.fail("Timeout", `No complete response within ${this.limits.timeoutMillis} ms.`)

  /** Interrupted: drop the connection, answer nothing. */
  readonly abort: Effect.Effect<void> = Effect.sync(() => {
    if (this.done) return
    this.done = true
    clearTimeout(this.timer)
    this.req.destroy()
  })

  tooLarge(): void {
    this.fail("ResponseBody", `Response body larger than ${this.limits.maxResponseBytes} bytes refused.`)
  }
}

function onRequestError(this: Http.ClientRequest, error: Error): void {
  exchangeOf(this).fail("Connection", error.message)
}

function onResponse(this: Http.ClientRequest, res: Http.IncomingMessage): void {
  const exchange = exchangeOf(this)
  ;(res as unknown as Carrier)[exchangeKey] = exchange
  exchange.status = res.statusCode ?? 0
  const headers = exchange.headers = flatten(res.headers)
  const declared = headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > exchange.limits.maxResponseBytes) {
    exchange.tooLarge()
    return
  }
  res.on("data", onData)
  res.on("error", onResponseError)
  res.on("close", onResponseClose)
}

function onData(this: Http.IncomingMessage, chunk: Uint8Array): void {
  const exchange = exchangeOf(this)
  exchange.size += chunk.length
  if (exchange.size > exchange.limits.maxResponseBytes) exchange.tooLarge()
  else if (exchange.first === undefined) exchange.first = chunk
  else (exchange.chunks ??= [exchange.first]).push(chunk)
}

function onResponseError(this: Http.IncomingMessage, error: Error): void {
  exchangeOf(this).fail("ResponseBody", `Response body could not be read (${error.message}).`)
}

/**
 * The response's last event. Complete, it is the answer: Node emits `close` after `end`, once it has handed the
 * socket back to the agent's pool (on the tick after `end`), so a call made at once from here reuses the connection.
 */
function onResponseClose(this: Http.IncomingMessage): void {
  const exchange = exchangeOf(this)
  if (!this.complete) {
    exchange.fail("ResponseBody", "The connection closed before the whole body arrived.")
    return
  }
  if (exchange.done) return
  exchange.done = true
  clearTimeout(exchange.timer)
  const body = exchange.first === undefined
    ? empty
    : exchange.chunks === undefined
    ? exchange.first
    : Bytes.concat(exchange.chunks)
  const headers = exchange.headers!
  // The request and the response still point at the exchange; the answer is not kept through them.
  exchange.first = exchange.chunks = exchange.headers = undefined
  exchange.resume(Effect.succeed({ status: exchange.status, headers, body }))
}

const modules: Effect.Effect<{ readonly Http: typeof Http; readonly Https: typeof Https }, ConfigurationError> =
  Effect.suspend(() => {
    // workerd's node:http (nodejs_compat) is a layer over fetch: its Agent neither pools nor takes TLS options.
    const http = isWorkerd() ? undefined : builtin<typeof Http>("node:http")
    const https = isWorkerd() ? undefined : builtin<typeof Https>("node:https")
    return http !== undefined && https !== undefined ? Effect.succeed({ Http: http, Https: https }) : Effect.fail(
      new ConfigurationError({
        option: "transport",
        message: "NodeTransport needs node:http and node:https through process.getBuiltinModule (Node ≥ 20.16, Bun, " +
          "Deno; not Workers); on this runtime use WechatPay.layer with an HttpClient (e.g. FetchHttpClient.layer)."
      })
    )
  })

/**
 * The agent's idle `timeout`, applied to a socket when it goes back to the pool (as the agent does, server hint
 * included) but not while a request uses it.
 *
 * With `timeout` among its options, Node's agent also adds a `socket.once("timeout")` listener for every request
 * (`listenSocketTimeout`), which does nothing for a request it did not set a timeout on, ours included: a wrapper and
 * its state per call, kept in the socket's listener array while the call is in flight — an array V8 may pretenure,
 * which then keeps them, and what they point to, alive until the next full GC (bench/README.md). Here the option is
 * set only for the duration of `keepSocketAlive` (the agent's own, which sets the idle timer of a freed socket and
 * honours a shorter `Keep-Alive: timeout=…` from the server). Where an agent has no `keepSocketAlive` (not Node's),
 * the option stays as given.
 */
const idleOnlyWhenFree = <A extends Http.Agent>(agent: A, idleMillis: number): A => {
  const keepSocketAlive = agent.keepSocketAlive as ((this: A, socket: unknown) => boolean) | undefined
  const agentOptions = (agent as unknown as { readonly options?: { timeout?: number } }).options
  if (typeof keepSocketAlive !== "function" || agentOptions?.timeout !== idleMillis) return agent
  delete agentOptions.timeout
  agent.keepSocketAlive = function(this: A, socket) {
    agentOptions.timeout = idleMillis
    try {
      return keepSocketAlive.call(this, socket)
    } finally {
      delete agentOptions.timeout
    }
  }
  return agent
}

/**
 * Build the transport. Its agents (and their pooled connections) are closed when the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, ConfigurationError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.flatMap(modules, ({ Http, Https }) => {
        const idle = Duration.fromInput(options.idleTimeout ?? defaultIdleTimeout)
        const idleMillis = Option.isSome(idle) ? Duration.toMillis(idle.value) : Number.NaN
        if (!(idleMillis >= 1 && idleMillis <= 2_147_483_647)) {
          return Effect.fail(
            new ConfigurationError({ option: "idleTimeout", message: "idleTimeout must be a duration between 1 ms and 24 days." })
          )
        }
        const { maxSockets } = options
        if (maxSockets !== undefined && !(Number.isSafeInteger(maxSockets) && maxSockets >= 1)) {
          return Effect.fail(
            new ConfigurationError({ option: "maxSockets", message: "maxSockets must be a whole number, at least 1." })
          )
        }
        const common = {
          keepAlive: true,
          scheduling: "lifo" as const,
          timeout: idleMillis,
          ...(maxSockets === undefined ? {} : { maxSockets })
        }
        return Effect.succeed({
          http: idleOnlyWhenFree(new Http.Agent(common), idleMillis),
          https: idleOnlyWhenFree(new Https.Agent({ ...common, ...options.tls }), idleMillis),
          request: { http: Http.request, https: Https.request }
        })
      }),
      (agents) =>
        Effect.sync(() => {
          agents.http.destroy()
          agents.https.destroy()
        })
    ),
    (agents): Service => {
      const origins = new Map<string, Origin | undefined>()
      const resolve = (origin: string): Origin | undefined => {
        if (origins.has(origin)) return origins.get(origin)
        let resolved: Origin | undefined
        try {
          const url = new URL(origin)
          const secure = url.protocol === "https:"
          if (secure || url.protocol === "http:") {
            resolved = {
              request: secure ? agents.request.https : agents.request.http,
              agent: secure ? agents.https : agents.http,
              hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
              port: url.port === "" ? undefined : Number(url.port),
              host: url.host
            }
          }
        } catch {
          resolved = undefined
        }
        if (origins.size < 64) origins.set(origin, resolved)
        return resolved
      }

      const send = (request: WireRequest, limits: Limits): Effect.Effect<WireResponse, TransportError> =>
        Effect.callback<WireResponse, TransportError>((resume) => {
          const origin = resolve(request.origin)
          // A request-target is visible ASCII (RFC 9112). Node would write Latin-1 characters as single raw bytes
          // (not the UTF-8 that was signed) and DEL verbatim, so refuse anything else here.
          if (origin === undefined || !/^\/[\x21-\x7e]*$/.test(request.target)) {
            resume(Effect.fail(failure(request, "InvalidUrl", "Invalid request URL.")))
            return
          }
          let req: Http.ClientRequest
          try {
            req = origin.request(new RequestOptions(origin, request))
          } catch (e) {
            // Second line of defence: Node's own refusal of characters it would have to escape.
            resume(Effect.fail(failure(request, "InvalidUrl", `Invalid request URL (${(e as Error).message}).`)))
            return
          }
          const exchange = new Exchange(request, limits, req, resume)
          ;(req as unknown as Carrier)[exchangeKey] = exchange
          // Not `setTimeout(callback, ms, exchange)`: Node keeps extra arguments in an array literal, one more
          // allocation site per request for V8 to pretenure (see `Exchange`).
          exchange.timer = setTimeout(exchange.expire, limits.timeoutMillis)
          req.on("error", onRequestError)
          req.on("response", onResponse)
          req.end(request.body)
          return exchange.abort
        })

      return { send }
    }
  )

/**
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Transport, ConfigurationError> =>
  Layer.effect(Transport, make(options))
