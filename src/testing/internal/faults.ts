/**
 * Scripted faults: the queue rules are taken from, and how a fault reshapes a signed answer. Which faults stop a
 * request before it is processed, or apply nothing, is decided in `state.ts`, next to the request flow.
 *
 * @internal
 */
import type { AnyEndpointName, Fault, FaultRule } from "../Emulator.js"
import * as WechatSide from "./wechatSide.js"

/** Rules in the order they were injected; each hits `times` matching requests, then goes. */
export class FaultQueue {
  private rules: Array<{ readonly rule: FaultRule; left: number }> = []

  inject(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? 1 })
  }

  clear(): void {
    this.rules = []
  }

  /** The first rule that matches this endpoint (`undefined` for an unknown route), used up by one. */
  take(endpoint: AnyEndpointName | undefined): Fault | undefined {
    const index = this.rules.findIndex((f) => f.left > 0 && (f.rule.endpoint === undefined || f.rule.endpoint === endpoint))
    if (index < 0) return undefined
    const entry = this.rules[index]!
    entry.left--
    if (entry.left === 0) this.rules.splice(index, 1)
    return entry.rule.fault
  }
}

/** UTF-8 byte order mark: one character in a string, the bytes EF BB BF on the wire. */
const bom = "\uFEFF"

/** The answer to sign, once the fault has replaced or decorated the success body. */
export const bodyToSign = (
  fault: Fault | undefined,
  status: number,
  body: string
): { readonly status: number; readonly body: string } => {
  switch (fault?._tag) {
    case "NonJsonBody":
      return { status: 200, body: "<html>502 Bad Gateway</html>" }
    case "WrongShape":
      return { status: 200, body: JSON.stringify({ balance: "a lot", user_card_status: 42 }) }
    case "OversizedBody":
      return { status: 200, body: JSON.stringify({ padding: "x".repeat(fault.bytes) }) }
    case "DeepJson":
      return { status: 200, body: "[".repeat(fault.depth) + "]".repeat(fault.depth) }
    case "BomBody":
      return { status: 200, body: bom + (status === 204 || body === "" ? "{}" : body) }
    default:
      return { status, body }
  }
}

/** Damage a correctly signed answer after signing (in place on `headers`); returns the status and body to send. */
export const afterSigning = (
  fault: Fault | undefined,
  status: number,
  headers: Record<string, string>,
  body: string
): { readonly status: number; readonly body: string } => {
  switch (fault?._tag) {
    case "TamperSignature": {
      const signature = headers["wechatpay-signature"]!
      const i = signature.length >> 1
      headers["wechatpay-signature"] = signature.slice(0, i) + (signature[i] === "A" ? "B" : "A") + signature.slice(i + 1)
      break
    }
    case "TamperBody": {
      const tampered = body === "" ? "{}" : body.replace(/\d/, (d) => String((Number(d) + 1) % 10))
      return { status: tampered === "{}" && status === 204 ? 200 : status, body: tampered }
    }
    case "ProbeSignature":
      headers["wechatpay-signature"] = `${WechatSide.probePrefix}${headers["wechatpay-signature"]!.slice(19)}`
      break
    case "Unsigned":
      for (const name of ["wechatpay-timestamp", "wechatpay-nonce", "wechatpay-serial", "wechatpay-signature"]) {
        delete headers[name]
      }
      break
    case "InvalidTimestamp":
      headers["wechatpay-timestamp"] = "tomorrow"
      break
    case "HugeHeader":
      headers["wechatpay-serial"] = "F".repeat(fault.bytes)
      break
  }
  return { status, body }
}
