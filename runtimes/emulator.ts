/**
 * The harness's side of a smoke run, on Node: a fresh emulator served on 127.0.0.1 (`Emulator.serve`), and a tiny
 * control endpoint beside it, so that a programme in any runtime can script a fault, read what the emulator applied
 * and obtain a notification delivery with nothing but `fetch`.
 */
import * as http from "node:http"
import type * as net from "node:net"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { Emulator } from "effect-wechatpay/testing"
import type { SmokeConfig } from "./smoke.js"

/** A running emulator and its control endpoint; `close` stops both. */
export interface Served {
  readonly config: SmokeConfig
  readonly emulator: Emulator.EmulatorState
  readonly close: () => Promise<void>
}

const card = { card_id: "pSmokeMemberCard000000000001", code: "478515832665" }
const template = "pSmokePhoneTemplate00000001"

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** The control routes: POST /inject (a `FaultRule`), POST /counts, POST /notification ({ card_id, code }). */
const controlListener = (emulator: Emulator.EmulatorState): http.RequestListener => (req, res) => {
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(JSON.stringify(body))
  }
  readBody(req).then(async (text) => {
    const input = (text === "" ? {} : JSON.parse(text)) as Record<string, string | undefined>
    switch (req.url) {
      case "/inject":
        emulator.inject(input as unknown as Parameters<Emulator.EmulatorState["inject"]>[0])
        return answer(200, {})
      case "/counts":
        return answer(200, {
          requests: emulator.requests(),
          endpointRequests: input["endpoint"] === undefined ? 0 : emulator.requests(input["endpoint"]),
          applied: input["key"] === undefined ? 0 : emulator.applied(input["key"]),
          ledger: emulator.ledger.map(({ code, endpoint }) => ({ endpoint, code }))
        })
      case "/notification": {
        // A user views their card in WeChat: WeChat notifies MEMBERCARD.USERCARD_MANAGE; hand over its delivery.
        emulator.userManagesCard({ card_id: input["card_id"]!, code: input["code"]!, action: "USER_VIEW_MEMBERCARD" })
        const record = emulator.notifications().at(-1)!
        return answer(200, await Effect.runPromise(emulator.notificationRequest(record.id)))
      }
      default:
        return answer(404, { error: `no control route ${req.url}` })
    }
  }).catch((error: unknown) => answer(500, { error: String(error) }))
}

/**
 * A fresh emulator (its own keys, a member's card, an approved template) on 127.0.0.1, and its control endpoint;
 * `reuseSignatures` for the throughput bench.
 */
export const serve = async (runtime: string, options: { readonly reuseSignatures?: boolean } = {}): Promise<Served> => {
  const emulator = await Effect.runPromise(Emulator.make({ reuseSignatures: options.reuseSignatures }))
  emulator.putCard({ ...card, balance: 888, bonus_value: 500, level: "银卡" })
  emulator.putTemplate({ card_id: template, status: "APPROVED" })
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(Scope.provide(scope)(Emulator.serve(emulator)))
  const controlServer = http.createServer(controlListener(emulator))
  await new Promise<void>((resolve) => controlServer.listen(0, "127.0.0.1", resolve))
  const { port } = controlServer.address() as net.AddressInfo
  if (emulator.merchantPrivateKey === undefined) throw new Error("the emulator made no merchant key")
  return {
    emulator,
    config: {
      runtime,
      baseUrl: server.baseUrl,
      control: `http://127.0.0.1:${port}`,
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      merchantPrivateKey: Redacted.value(emulator.merchantPrivateKey),
      wechatpayPublicKeys: emulator.wechatpayPublicKeys,
      apiV3Key: Redacted.value(emulator.apiV3Key),
      card,
      template
    },
    close: async () => {
      controlServer.closeAllConnections()
      await new Promise<void>((resolve) => controlServer.close(() => resolve()))
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}
