/**
 * Scripted faults: the queue rules are taken from, and how a fault reshapes a signed answer. Which faults stop a
 * request before it is processed, or apply nothing, is decided in `state.ts`, next to the request flow.
 *
 * @internal
 */
import type { AnyEndpointName } from "./model.js"
import * as WechatSide from "./wechatSide.js"

/**
 * A scripted misbehaviour.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  /** Answer with this status and WeChat error code (unsigned, like real error responses); nothing is applied. */
  | { readonly _tag: "Error"; readonly status: number; readonly code: string; readonly message?: string }
  /** Answer with this status and no body (gateway / overload). Nothing is applied. */
  | { readonly _tag: "EmptyError"; readonly status: number }
  /** Wait before handling (the write is applied after the wait, if the client is still there). */
  | { readonly _tag: "Delay"; readonly millis: number }
  /** Drop the connection before anything is applied. */
  | { readonly _tag: "Drop" }
  /** Apply the write, then drop the connection: the client never learns it succeeded. */
  | { readonly _tag: "DropAfterApply" }
  /** Flip a byte of the response signature (still valid Base64). */
  | { readonly _tag: "TamperSignature" }
  /** Change the response body after signing it. */
  | { readonly _tag: "TamperBody" }
  /** A `WECHATPAY/SIGNTEST/` probe signature. */
  | { readonly _tag: "ProbeSignature" }
  /** Sign with a timestamp this many seconds in the past. */
  | { readonly _tag: "StaleTimestamp"; readonly seconds: number }
  /** Sign with a key whose serial the client does not know. */
  | { readonly _tag: "UnknownSerial" }
  /** Omit the `Wechatpay-*` signature headers. */
  | { readonly _tag: "Unsigned" }
  /** A correctly signed 200 whose body is not JSON. */
  | { readonly _tag: "NonJsonBody" }
  /** A correctly signed 200 whose body is JSON of the wrong shape. */
  | { readonly _tag: "WrongShape" }
  /** A correctly signed 200 whose body is this large (bytes). */
  | { readonly _tag: "OversizedBody"; readonly bytes: number }
  /** A correctly signed 200 whose body is JSON nested this deep. */
  | { readonly _tag: "DeepJson"; readonly depth: number }
  /** A `Wechatpay-Timestamp` that is not a number. */
  | { readonly _tag: "InvalidTimestamp" }
  /** A huge `Wechatpay-Serial` header value. */
  | { readonly _tag: "HugeHeader"; readonly bytes: number }
  /**
   * After the usual checks, answer `202 Accepted` with no body, signed like a success (over `ts\nnonce\n\n`).
   * Nothing is applied.
   */
  | { readonly _tag: "Accepted" }
  /** Answer this redirect status with a `Location` header and no body, unsigned, before any check. Nothing is applied. */
  | {
    readonly _tag: "Redirect"
    readonly status: 301 | 302 | 303 | 307 | 308
    readonly location: string
  }
  /**
   * A correctly signed 200 whose body is a UTF-8 byte order mark (EF BB BF) followed by the endpoint's JSON body
   * (`{}` for a 204 endpoint); the signature covers the BOM. The request is processed as usual (a write is applied,
   * as the 200 says), like the other signed-200 faults.
   */
  | { readonly _tag: "BomBody" }

/**
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
  /** Only calls to this endpoint; all endpoints when absent. */
  readonly endpoint?: AnyEndpointName | undefined
  readonly fault: Fault
  /** How many matching requests it hits. Default 1. */
  readonly times?: number | undefined
}

/** Rules in the order they were injected; each hits `times` matching requests, then goes. */
export class FaultQueue {
  private rules: Array<{ readonly rule: FaultRule; left: number }> = []

  inject(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? 1 })
  }

  clear(): void {
    this.rules = []
  }

  /** The rules still scripted, in order, with what each has left. */
  list(): ReadonlyArray<{ readonly rule: FaultRule; readonly left: number }> {
    return this.rules.map(({ left, rule }) => ({ rule, left }))
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

/** A fault in a few words, as the console lists it: its tag and what parameterises it (`Error 500 SYSTEM_ERROR`). */
export const describe = (fault: Fault): string => {
  switch (fault._tag) {
    case "Error":
      return `Error ${fault.status} ${fault.code}`
    case "EmptyError":
      return `EmptyError ${fault.status}`
    case "Delay":
      return `Delay ${fault.millis} ms`
    case "StaleTimestamp":
      return `StaleTimestamp ${fault.seconds} s`
    case "OversizedBody":
      return `OversizedBody ${fault.bytes} bytes`
    case "DeepJson":
      return `DeepJson ${fault.depth}`
    case "HugeHeader":
      return `HugeHeader ${fault.bytes} bytes`
    case "Redirect":
      return `Redirect ${fault.status}`
    default:
      return fault._tag
  }
}
