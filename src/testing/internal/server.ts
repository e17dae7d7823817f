/**
 * How requests reach the emulator: an in-process `HttpClient`, and node:http on 127.0.0.1. Both hand the emulator
 * the request as sent and deliver its answer byte for byte.
 *
 * @internal
 */
import * as http from "node:http"
import type * as net from "node:net"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as Scope from "effect/Scope"
import type * as ConsoleServer from "../console/server.js"
import type { Server } from "./model.js"
import { markServed } from "./served.js"
import type { EmulatorState } from "./state.js"

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** See `Emulator.httpClient`. */
export const httpClient = (emulator: EmulatorState): HttpClient.HttpClient =>
  HttpClient.make((request, url) => {
    const bytes = request.body._tag === "Uint8Array"
      ? request.body.body
      : request.body._tag === "Raw" && typeof request.body.body === "string"
      ? encoder.encode(request.body.body)
      : request.body._tag === "Raw" && request.body.body instanceof Uint8Array
      ? request.body.body
      : new Uint8Array(0)
    const body = decoder.decode(bytes)
    return Effect.flatMap(
      emulator.handle({ method: request.method, target: url.pathname + url.search, headers: request.headers, body, bytes }),
      (result) =>
        result._tag === "Drop"
          ? Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, description: "connection dropped by the emulator" })
            })
          )
          : Effect.succeed(HttpClientResponse.fromWeb(
            request,
            // A string body goes out as its UTF-8 bytes, a leading BOM included: exactly what was signed.
            new Response(result.body === "" ? null : result.body, { status: result.status, headers: result.headers })
          ))
    )
  })

const maxRequestBytes = 3 * 1024 * 1024

/** See `Emulator.requestListener`. */
export const requestListener = (emulator: EmulatorState) =>
(req: http.IncomingMessage, res: http.ServerResponse): void => {
  const chunks: Array<Buffer> = []
  let size = 0
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    // Room for the largest upload WeChat takes (a 2 MB image plus its multipart framing); anything larger is refused.
    if (size > maxRequestBytes) {
      res.writeHead(413).end()
      req.destroy()
    } else chunks.push(chunk)
  })
  req.on("end", () => {
    const headers: Record<string, string | undefined> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value.join(", ") : value
    }
    const bytes = Buffer.concat(chunks)
    Effect.runPromise(emulator.handle({
      method: req.method ?? "GET",
      target: req.url ?? "/",
      headers,
      body: bytes.toString("utf8"),
      bytes
    })).then((result) => {
      if (result._tag === "Drop") {
        req.socket.destroy()
        return
      }
      if (res.destroyed) return
      // With a length, as WeChat answers; without one, Node would send the body chunked. The length is that of the
      // UTF-8 bytes written (a leading BOM counts three).
      const body = result.body === "" ? undefined : Buffer.from(result.body, "utf8")
      // (A 204 carries no Content-Length at all.)
      res.writeHead(
        result.status,
        result.status === 204 ? result.headers : { ...result.headers, "content-length": String(body?.byteLength ?? 0) }
      ).end(body)
    }, () => req.socket.destroy())
  })
}

/** See `Emulator.serve`. */
export const serve = (
  emulator: EmulatorState,
  options: { readonly port?: number | undefined; readonly console?: boolean | undefined } = {}
): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.flatMap(
    // The console is loaded only when asked for: no entry point imports it.
    options.console === true ? Effect.promise(() => import("../console/server.js")) : Effect.succeed(undefined),
    (consoleModule) => listen(emulator, options.port, consoleModule)
  )

const listen = (
  emulator: EmulatorState,
  port: number | undefined,
  consoleModule: typeof ConsoleServer | undefined
): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<
      { server: http.Server; sockets: Set<net.Socket>; baseUrl: string; unmark: () => void }
    >((resume) => {
      const sockets = new Set<net.Socket>()
      let baseUrl = ""
      const listener = consoleModule === undefined
        ? requestListener(emulator)
        : consoleModule.consoleListener(emulator, requestListener(emulator), { baseUrl: () => baseUrl })
      const server = http.createServer(listener)
      // WeChat's keep-alive is 8 s; behave the same so clients meet stale sockets as they would in production.
      server.keepAliveTimeout = 8000
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(port ?? 0, "127.0.0.1", () => {
        baseUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
        resume(Effect.succeed({ server, sockets, baseUrl, unmark: markServed(emulator, baseUrl) }))
      })
    }),
    ({ server, unmark }) =>
      Effect.callback<void>((resume) => {
        unmark()
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(Effect.map(({ baseUrl, sockets }) => ({
    baseUrl,
    connections: () => sockets.size,
    ...(consoleModule !== undefined ? { console: `${baseUrl}${consoleModule.consolePath}` } : {})
  })))
