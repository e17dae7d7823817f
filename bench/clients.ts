/**
 * The six clients under test. Each factory imports its library lazily (so a column's process loads only what
 * that column uses, and the cold-start child can time the import), parses its keys once when constructed, and
 * returns a `BenchClient` whose every call is signed and whose every 2xx response is verified.
 */
import type * as NodeCrypto from "node:crypto"
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import type * as Library from "../src/index.js"
import {
  type ChildConfig,
  type Constructed,
  type Op,
  opBody,
  opMethod,
  opPath,
  opStatus,
  readCard,
  runPromiseWorkers,
  userAgent,
  writeCard
} from "./common.js"
import { effectClient } from "./effect-client.js"

const require = createRequire(import.meta.url)

const firstOp: Op = { kind: "get", key: "" }

// ---------------------------------------------------------------------------------------------------------------
// effect-wechatpay

const makeEffect = async (config: ChildConfig): Promise<Constructed> => {
  const lib = (await import(pathToFileURL(join(config.dist, "index.js")).href)) as typeof Library
  // Module by module, as the library itself imports effect (the "effect" barrel would load every module).
  const [Effect, Layer, ManagedRuntime, Redacted, Result] = await Promise.all([
    import("effect/Effect"),
    import("effect/Layer"),
    import("effect/ManagedRuntime"),
    import("effect/Redacted"),
    import("effect/Result")
  ])
  return effectClient({ lib, Effect, Layer, ManagedRuntime, Redacted, Result }, config, async (options) => {
    const { WechatPay } = lib
    if (config.column === "effect-fetch") {
      return WechatPay.layer(options).pipe(Layer.provide((await import("effect/http/FetchHttpClient")).layer))
    }
    // The library's own node:http transport (`NodeTransport`, keep-alive agent): nothing else to import.
    if (config.nodeClient === "transport") return WechatPay.layerNode(options)
    // The same client on @effect/platform-node's HttpClients, for comparison.
    const NodeHttpClient = await import("@effect/platform-node/NodeHttpClient")
    const http = config.nodeClient === "undici"
      ? NodeHttpClient.layerUndici
      : config.nodeClient === "http"
      ? NodeHttpClient.layerNodeHttp
      // `NodeHttpClient.layerNodeHttp` builds its `http.Agent` with Node's defaults, without keep-alive; every other
      // column keeps connections alive, so this one does too.
      : NodeHttpClient.layerNodeHttpOptions({ keepAlive: true })
    return WechatPay.layer(options).pipe(Layer.provide(http))
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Floors: the least a correct client must do — sign with a cached KeyObject, send, read, verify, parse.

const makeFloorCrypto = async (config: ChildConfig) => {
  const crypto: typeof NodeCrypto = await import("node:crypto")
  const privateKey = crypto.createPrivateKey(config.merchantPrivateKey)
  const publicKeys = new Map([[config.publicKeyId, crypto.createPublicKey(config.publicKey)]])
  const { mchid, merchantSerial } = config
  const authorization = (method: string, target: string, body: string): string => {
    const timestamp = Math.floor(Date.now() / 1000).toString()
    const nonce = crypto.randomBytes(16).toString("hex")
    const signature = crypto.sign(
      "sha256",
      Buffer.from(`${method}\n${target}\n${timestamp}\n${nonce}\n${body}\n`),
      privateKey
    ).toString("base64")
    return `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",` +
      `serial_no="${merchantSerial}",signature="${signature}"`
  }
  /** The same signature on libuv's thread pool (diagnostic: `BENCH_FLOOR_ASYNC_SIGN=1` for floor B). */
  const authorizationAsync = (method: string, target: string, body: string): Promise<string> => {
    const timestamp = Math.floor(Date.now() / 1000).toString()
    const nonce = crypto.randomBytes(16).toString("hex")
    return new Promise((resolve, reject) =>
      crypto.sign("sha256", Buffer.from(`${method}\n${target}\n${timestamp}\n${nonce}\n${body}\n`), privateKey, (error, signature) => {
        if (error !== null) return reject(error)
        resolve(
          `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",` +
            `serial_no="${merchantSerial}",signature="${signature.toString("base64")}"`
        )
      })
    )
  }
  /** Throws unless the status is the expected 2xx and the response is fresh and signed by the WeChat Pay key. */
  const check = (
    op: Op,
    status: number,
    header: (name: string) => string | null | undefined,
    body: string
  ): void => {
    if (status !== opStatus(op)) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`)
    const timestamp = header("wechatpay-timestamp")
    const nonce = header("wechatpay-nonce")
    const serial = header("wechatpay-serial")
    const signature = header("wechatpay-signature")
    if (!timestamp || !nonce || !serial || !signature) throw new Error("unsigned response")
    const key = publicKeys.get(serial)
    if (key === undefined) throw new Error(`unknown Wechatpay-Serial ${serial}`)
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) throw new Error("stale Wechatpay-Timestamp")
    const ok = crypto.verify(
      "sha256",
      Buffer.from(`${timestamp}\n${nonce}\n${body}\n`),
      key,
      Buffer.from(signature, "base64")
    )
    if (!ok) throw new Error("response signature does not verify")
    if (op.kind === "get") JSON.parse(body)
  }
  return { authorization, authorizationAsync, check }
}

const fixedHeaders = (config: ChildConfig, authorization: string, hasBody: boolean): Record<string, string> => {
  const headers: Record<string, string> = {
    accept: "application/json",
    "user-agent": userAgent,
    "wechatpay-serial": config.publicKeyId,
    authorization
  }
  if (hasBody) headers["content-type"] = "application/json"
  return headers
}

const makeFloorFetch = async (config: ChildConfig): Promise<Constructed> => {
  const { authorization, check } = await makeFloorCrypto(config)
  const call = async (op: Op): Promise<void> => {
    const path = opPath(op)
    const method = opMethod(op)
    const fields = opBody(op, config.mchid)
    const body = fields === undefined ? undefined : JSON.stringify(fields)
    const response = await fetch(config.baseUrl + path, {
      method,
      headers: fixedHeaders(config, authorization(method, path, body ?? ""), body !== undefined),
      ...(body === undefined ? {} : { body })
    })
    const text = await response.text()
    check(op, response.status, (name) => response.headers.get(name), text)
  }
  return {
    client: { run: (plan, keys) => runPromiseWorkers(plan, keys, call), close: async () => {} },
    firstCall: () => call(firstOp)
  }
}

const makeFloorHttp = async (config: ChildConfig): Promise<Constructed> => {
  const http = await import("node:http")
  const { authorization, authorizationAsync, check } = await makeFloorCrypto(config)
  const asyncSign = process.env["BENCH_FLOOR_ASYNC_SIGN"] === "1"
  const agent = new http.Agent({ keepAlive: true })
  const url = new URL(config.baseUrl)
  const host = url.hostname
  const port = Number(url.port)
  const call = (op: Op): Promise<void> => {
    const path = opPath(op)
    const method = opMethod(op)
    const fields = opBody(op, config.mchid)
    const body = fields === undefined ? undefined : JSON.stringify(fields)
    return asyncSign
      ? authorizationAsync(method, path, body ?? "").then((auth) => send(op, path, method, body, auth))
      : send(op, path, method, body, authorization(method, path, body ?? ""))
  }
  const send = (op: Op, path: string, method: string, body: string | undefined, auth: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(
        { host, port, method, path, agent, headers: fixedHeaders(config, auth, body !== undefined) },
        (response) => {
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("error", reject)
          response.on("end", () => {
            try {
              const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")
              const headers = response.headers
              check(op, response.statusCode ?? 0, (name) => headers[name] as string | undefined, text)
              resolve()
            } catch (error) {
              reject(error)
            }
          })
        }
      )
      request.on("error", reject)
      request.end(body)
    })
  return {
    client: { run: (plan, keys) => runPromiseWorkers(plan, keys, call), close: async () => agent.destroy() },
    firstCall: () => call(firstOp)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// wechatpay-axios-plugin 0.9.6, configured as its README shows (public-key mode: `certs` keyed by PUB_KEY_ID_…);
// it signs in a request interceptor and verifies every 2xx in a response transformer, throwing on failure.

interface AxiosResponseLike {
  readonly status: number
  readonly data: unknown
}
interface AxiosResource {
  get(config: Record<string, unknown>): Promise<AxiosResponseLike>
  post(data: unknown, config: Record<string, unknown>): Promise<AxiosResponseLike>
  patch(data: unknown, config: Record<string, unknown>): Promise<AxiosResponseLike>
  readonly [segment: string]: any
}

const makeAxiosPlugin = async (config: ChildConfig): Promise<Constructed> => {
  const { Wechatpay } = require("wechatpay-axios-plugin") as { Wechatpay: new(config: Record<string, unknown>) => any }
  const wxpay = new Wechatpay({
    mchid: config.mchid,
    serial: config.merchantSerial,
    privateKey: config.merchantPrivateKey,
    certs: { [config.publicKeyId]: config.publicKey },
    baseURL: `${config.baseUrl}/`,
    // Public-key mode: ask WeChat to sign the response with the public key (spec §1.4).
    headers: { "Wechatpay-Serial": config.publicKeyId }
  })
  // v3/marketing/membercard-open/cards/{card_id}/codes/{code}
  const card: AxiosResource = wxpay.v3.marketing.membercardOpen.cards._card_id_.codes._code_
  const rights: AxiosResource = card.rights
  const prepare: AxiosResource = card.bonus.prepare
  const commit: AxiosResource = card.bonus.commit
  const call = async (op: Op): Promise<void> => {
    const params = op.kind === "get" ? readCard : writeCard
    const body = opBody(op, config.mchid)
    const response = op.kind === "get"
      ? await card.get({ ...params })
      : await (op.kind === "update" ? card : op.kind === "rights" ? rights : op.kind === "prepare" ? prepare : commit)[
        op.kind === "update" || op.kind === "rights" ? "patch" : "post"
      ](body, { ...params })
    if (response.status !== opStatus(op)) throw new Error(`HTTP ${response.status}`)
    if (op.kind === "get" && (typeof response.data !== "object" || response.data === null)) throw new Error("not JSON")
  }
  return {
    client: { run: (plan, keys) => runPromiseWorkers(plan, keys, call), close: async () => {} },
    firstCall: () => call(firstOp)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// wechatpay-node-v3 2.2.1, following its README's manual pattern: `getSignature` + `getAuthorization`, send with
// superagent, then `verifySign` on the raw response text (it looks keys up in the static `Pay.certificates` map,
// which public-key mode fills by hand: there is no certificate to download).

interface WxPayLike {
  getSignature(method: string, nonce: string, timestamp: string, url: string, body?: string | Record<string, unknown>): string
  getAuthorization(nonce: string, timestamp: string, signature: string): string
  verifySign(params: { timestamp: string; nonce: string; body: string; serial: string; signature: string }): Promise<boolean>
}
interface SuperagentResponse {
  readonly status: number
  readonly text?: string
  readonly body: unknown
  readonly headers: Record<string, string | undefined>
}
interface SuperagentRequest extends PromiseLike<SuperagentResponse> {
  set(headers: Record<string, string>): SuperagentRequest
  send(body: unknown): SuperagentRequest
}
type Superagent = Record<"get" | "patch" | "post", (url: string) => SuperagentRequest>

const makeNodeV3 = async (config: ChildConfig): Promise<Constructed> => {
  const WxPay = require("wechatpay-node-v3") as {
    new(options: Record<string, unknown>): WxPayLike
    certificates: Record<string, string>
  }
  const request = require("superagent") as Superagent
  const pay = new WxPay({
    appid: "wx8888888888888888",
    mchid: config.mchid,
    serial_no: config.merchantSerial,
    publicKey: Buffer.from(config.merchantPublicKey),
    privateKey: Buffer.from(config.merchantPrivateKey),
    userAgent
  })
  WxPay.certificates[config.publicKeyId] = config.publicKey
  const call = async (op: Op): Promise<void> => {
    const method = opMethod(op)
    const url = opPath(op)
    const params = opBody(op, config.mchid)
    const nonce_str = Math.random().toString(36).substr(2, 15)
    const timestamp = parseInt(+new Date() / 1000 + "").toString()
    const signature = pay.getSignature(method, nonce_str, timestamp, url, params)
    const authorization = pay.getAuthorization(nonce_str, timestamp, signature)
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": userAgent,
      Authorization: authorization,
      "Wechatpay-Serial": config.publicKeyId
    }
    if (params !== undefined) headers["Content-Type"] = "application/json"
    let pending = request[method === "GET" ? "get" : method === "PATCH" ? "patch" : "post"](config.baseUrl + url).set(headers)
    if (params !== undefined) pending = pending.send(params)
    const result = await pending
    if (result.status !== opStatus(op)) throw new Error(`HTTP ${result.status}`)
    const h = result.headers
    const ok = await pay.verifySign({
      timestamp: h["wechatpay-timestamp"] ?? "",
      nonce: h["wechatpay-nonce"] ?? "",
      body: result.text ?? "",
      serial: h["wechatpay-serial"] ?? "",
      signature: h["wechatpay-signature"] ?? ""
    })
    if (!ok) throw new Error("response signature does not verify")
    if (op.kind === "get" && (typeof result.body !== "object" || result.body === null)) throw new Error("not JSON")
  }
  return {
    client: { run: (plan, keys) => runPromiseWorkers(plan, keys, call), close: async () => {} },
    firstCall: () => call(firstOp)
  }
}

export const construct = (config: ChildConfig): Promise<Constructed> => {
  switch (config.column) {
    case "effect-fetch":
    case "effect-node":
    case "effect-node-notel":
      return makeEffect(config)
    case "axios-plugin":
      return makeAxiosPlugin(config)
    case "node-v3":
      return makeNodeV3(config)
    case "floor-fetch":
      return makeFloorFetch(config)
    case "floor-http":
      return makeFloorHttp(config)
  }
}

