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
}

const failure = (request: WireRequest, reason: TransportError["reason"], message: string) =>
  new TransportError({ reason, method: request.method, url: request.origin + request.target, message })

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
          http: new Http.Agent(common),
          https: new Https.Agent({ ...common, ...options.tls }),
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
              port: url.port === "" ? undefined : Number(url.port)
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
          const max = limits.maxResponseBytes
          let done = false
          let req: Http.ClientRequest
          try {
            req = origin.request({
              agent: origin.agent,
              hostname: origin.hostname,
              port: origin.port,
              method: request.method,
              path: request.target,
              headers: request.headers
            })
          } catch (e) {
            // Second line of defence: Node's own refusal of characters it would have to escape.
            resume(Effect.fail(failure(request, "InvalidUrl", `Invalid request URL (${(e as Error).message}).`)))
            return
          }
          const fail = (reason: TransportError["reason"], message: string) => {
            if (done) return
            done = true
            clearTimeout(timer)
            req.destroy()
            resume(Effect.fail(failure(request, reason, message)))
          }
          const timer = setTimeout(
            () => fail("Timeout", `No complete response within ${limits.timeoutMillis} ms.`),
            limits.timeoutMillis
          )
          req.on("error", (e) => fail("Connection", e.message))
          req.on("response", (res) => {
            const status = res.statusCode ?? 0
            const responseHeaders = flatten(res.headers)
            const declared = responseHeaders["content-length"]
            if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > max) {
              fail("ResponseBody", `Response body larger than ${max} bytes refused.`)
              return
            }
            const chunks: Array<Uint8Array> = []
            let size = 0
            res.on("data", (chunk: Uint8Array) => {
              size += chunk.length
              if (size > max) fail("ResponseBody", `Response body larger than ${max} bytes refused.`)
              else chunks.push(chunk)
            })
            res.on("error", (e) => fail("ResponseBody", `Response body could not be read (${e.message}).`))
            res.on("close", () => {
              if (!res.complete) fail("ResponseBody", "The connection closed before the whole body arrived.")
            })
            res.on("end", () => {
              if (done) return
              done = true
              clearTimeout(timer)
              const body = chunks.length === 0 ? empty : chunks.length === 1 ? chunks[0]! : Bytes.concat(chunks)
              // Effect 4 runs the resumed fiber synchronously, inside this listener, while Node hands the socket back
              // to the agent's pool only on the next tick (after the user's "end" handlers): a call made right away
              // would open a second connection. A microtask runs after that tick.
              queueMicrotask(() => resume(Effect.succeed({ status, headers: responseHeaders, body })))
            })
          })
          req.end(request.body)
          return Effect.sync(() => {
            if (done) return
            done = true
            clearTimeout(timer)
            req.destroy()
          })
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
