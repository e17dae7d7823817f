/**
 * NodeTransport's idle timeout, as behaviour rather than a constant: after a call, the pooled connection is closed
 * by the client — after about 4 s with the default layer (well inside WeChat's 8 s keep-alive, so the client never
 * writes on a socket the server is closing), after about 1 s with `idleTimeout: "1 second"`. The server here never
 * closes an idle connection itself, so whatever closes it is the client. Margins are wide on purpose: the checks
 * are "not yet at half the timeout" and "closed well before 8 s".
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { NodeTransport, Transport } from "../src/index.js"
import { closesWithin, listenLoopback } from "./support.js"

const limits = { timeoutMillis: 5000, maxResponseBytes: 1024 }

/** One call through a transport built by `layer`; the server's socket of that call. */
const oneCall = <E>(layer: Layer.Layer<Transport.Transport, E>) =>
  Effect.gen(function*() {
    const sockets: Array<Net.Socket> = []
    const server = Http.createServer((_, res) => res.end("ok"))
    server.keepAliveTimeout = 60_000
    server.on("connection", (socket: Net.Socket) => sockets.push(socket))
    const origin = yield* listenLoopback(server)
    const transport = Context.get(yield* Layer.build(layer), Transport.Transport)
    yield* transport.send({ method: "GET", origin, target: "/v3/ping", headers: {}, body: undefined }, limits)
    expect(sockets).toHaveLength(1)
    return sockets[0]!
  })

/** Open at `notBefore` ms after the call, closed by `by` ms. */
const closedBetween = (socket: Net.Socket, notBefore: number, by: number) =>
  Effect.gen(function*() {
    expect(yield* closesWithin(socket, notBefore), `still open after ${notBefore} ms`).toBe(false)
    expect(yield* closesWithin(socket, by - notBefore), `closed by the client within ${by} ms`).toBe(true)
  })

describe("NodeTransport idle timeout (behaviour)", () => {
  it.live("default layer: the idle connection is kept past 2 s and closed by the client before 7 s; idleTimeout 1 s: kept past 0.4 s, closed before 3 s", () =>
    Effect.gen(function*() {
      const [byDefault, oneSecond] = yield* Effect.all([
        oneCall(NodeTransport.layer()),
        oneCall(NodeTransport.layer({ idleTimeout: "1 second" }))
      ])
      yield* Effect.all([closedBetween(byDefault, 2000, 7000), closedBetween(oneSecond, 400, 3000)], {
        concurrency: "unbounded"
      })
    }), 20_000)
})
