/**
 * The words the metrics are labelled with, from the failure they describe: every outcome (`wechatpay.outcome`) and
 * retry reason (`wechatpay.retry.reason`), the boundaries of the status ranges, the attributes of
 * `http.client.request.duration` per host, and the certificate-age gauge over several verifiers. Each label is a
 * closed set an alert is written against: a wrong word is a silent alert.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Metric from "effect/Metric"
import * as Telemetry from "../src/internal/telemetry.js"

const snapshotOf = (registry: Metric.MetricRegistry) => Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry))
const contextOf = (registry: Metric.MetricRegistry): Context.Context<never> =>
  Context.make(Metric.MetricRegistry, registry) as Context.Context<never>

describe("wechatpay.outcome", () => {
  it("names the failure's kind, or the WeChat code when it is a known one; any other code is other_code", () => {
    expect(Telemetry.outcomeOf({ _tag: "TransportError" })).toBe("transport")
    expect(Telemetry.outcomeOf({ _tag: "ResponseVerificationError" })).toBe("verification")
    expect(Telemetry.outcomeOf({ _tag: "ResponseDecodeError" })).toBe("decode")
    expect(Telemetry.outcomeOf({ _tag: "RequestValidationError" })).toBe("validation")
    expect(Telemetry.outcomeOf({ _tag: "SigningError" })).toBe("signing")
    expect(Telemetry.outcomeOf({ _tag: "CertificateError" })).toBe("certificate")
    for (const code of Telemetry.knownCodes) expect(Telemetry.outcomeOf({ _tag: "ParamError", code })).toBe(code)
    expect(Telemetry.outcomeOf({ _tag: "UnknownApiError", code: "CARD_QUOTA_EXCEEDED_FOR_13800138000" })).toBe("other_code")
    expect(Telemetry.outcomeOf({ _tag: "UnknownApiError", code: "HTTP_500" })).toBe("other_code")
    expect(Telemetry.outcomeOf({ _tag: "UnknownApiError" })).toBe("other_code")
    expect(Telemetry.knownCodes.size).toBe(12)
  })
})

describe("wechatpay.retry.reason", () => {
  it("a transport failure by its reason; a probe apart from other verification failures; signing", () => {
    expect(Telemetry.retryReasonOf({ _tag: "TransportError", reason: "Timeout" })).toBe("transport_timeout")
    expect(Telemetry.retryReasonOf({ _tag: "TransportError", reason: "Connection" })).toBe("transport_connection")
    expect(Telemetry.retryReasonOf({ _tag: "TransportError", reason: "ResponseBody" })).toBe("transport_response_body")
    expect(Telemetry.retryReasonOf({ _tag: "TransportError", reason: "InvalidUrl" })).toBe("transport_invalid_url")
    expect(Telemetry.retryReasonOf({ _tag: "TransportError", reason: "Other" })).toBe("transport")
    expect(Telemetry.retryReasonOf({ _tag: "TransportError" })).toBe("transport")
    expect(Telemetry.retryReasonOf({ _tag: "ResponseVerificationError", probe: true })).toBe("signature_probe")
    expect(Telemetry.retryReasonOf({ _tag: "ResponseVerificationError", probe: false })).toBe("verification")
    expect(Telemetry.retryReasonOf({ _tag: "ResponseVerificationError", status: 503 })).toBe("verification")
    expect(Telemetry.retryReasonOf({ _tag: "SigningError", status: 500 })).toBe("signing")
  })

  it("an API answer by its status: 429, 202, 501–503 (at both ends and one past), other 5xx, anything else", () => {
    const reason = (status: number | undefined) => Telemetry.retryReasonOf({ _tag: "SystemError", status })
    expect(reason(429)).toBe("rate_limited")
    expect(reason(202)).toBe("accepted")
    expect([500, 501, 502, 503, 504].map(reason)).toEqual([
      "server_error",
      "unavailable",
      "unavailable",
      "unavailable",
      "server_error"
    ])
    expect(reason(599)).toBe("server_error")
    expect(reason(499)).toBe("other")
    expect(reason(400)).toBe("other")
    expect(reason(undefined)).toBe("other")
  })
})

describe("http.client.request.duration's attributes", () => {
  const attributesOf = (origin: string, method: string, result: number | string) => {
    const registry: Metric.MetricRegistry = new Map()
    new Telemetry.HttpSeries(origin).get(method, result).updateUnsafe(0.01, contextOf(registry))
    const [series] = snapshotOf(registry)
    return series!.attributes
  }

  it("server.address and server.port from the base URL (443 for https, 80 for http, or the one given)", () => {
    expect(attributesOf("https://api.mch.weixin.qq.com", "GET", 200)).toEqual({
      "http.request.method": "GET",
      "server.address": "api.mch.weixin.qq.com",
      "server.port": "443",
      "http.response.status_code": "200"
    })
    expect(attributesOf("http://127.0.0.1", "POST", 204)).toMatchObject({ "server.address": "127.0.0.1", "server.port": "80" })
    expect(attributesOf("https://api2.mch.weixin.qq.com:8443", "PATCH", 204)).toMatchObject({ "server.port": "8443" })
  })

  it("error.type is a 4xx/5xx status (not 399) or the transport failure, which has no status", () => {
    expect(attributesOf("https://h.example", "GET", 399)).not.toHaveProperty("error.type")
    expect(attributesOf("https://h.example", "GET", 400)).toMatchObject({ "error.type": "400", "http.response.status_code": "400" })
    expect(attributesOf("https://h.example", "GET", 503)).toMatchObject({ "error.type": "503" })
    const timeout = attributesOf("https://h.example", "GET", "Timeout")
    expect(timeout).toMatchObject({ "error.type": "Timeout" })
    expect(timeout).not.toHaveProperty("http.response.status_code")
  })

  it("one series per (method, result), made once", () => {
    const series = new Telemetry.HttpSeries("https://h.example")
    expect(series.get("GET", 200)).toBe(series.get("GET", 200))
    expect(series.get("GET", 200)).not.toBe(series.get("POST", 200))
    expect(Telemetry.attempts.get("MemberCard.GetUserCard")).toBe(Telemetry.attempts.get("MemberCard.GetUserCard"))
    expect(Telemetry.retries.get("MemberCard.GetUserCard", "rate_limited"))
      .toBe(Telemetry.retries.get("MemberCard.GetUserCard", "rate_limited"))
  })

  it("counters only count up", () => {
    const registry: Metric.MetricRegistry = new Map()
    const attempts = Telemetry.attempts.get("MemberCard.GetUserCard")
    attempts.updateUnsafe(1, contextOf(registry))
    attempts.updateUnsafe(-1, contextOf(registry))
    const [series] = snapshotOf(registry)
    expect((series!.state as { readonly count: number }).count).toBe(1)
  })
})

describe("wechatpay.platform_certificates.age over several verifiers", () => {
  const ageIn = (registry: Metric.MetricRegistry) => {
    const series = snapshotOf(registry).filter((s) => s.id === "wechatpay.platform_certificates.age")
    return series.length === 0 ? undefined : (series[0]!.state as { readonly value: number }).value
  }

  it("absent until a good download; the stalest verifier's age; gone when the last is released, back with the next", () => {
    const registry: Metric.MetricRegistry = new Map()
    const a = Telemetry.trackCertificateAge(contextOf(registry))
    const b = Telemetry.trackCertificateAge(contextOf(registry))
    b.release() // before any download: nothing to release
    expect(ageIn(registry)).toBeUndefined()
    a.success(Date.now() - 60_000)
    b.success(Date.now() - 5_000)
    expect(ageIn(registry)).toBeGreaterThanOrEqual(59.9)
    expect(ageIn(registry)).toBeLessThan(61)
    a.release()
    expect(ageIn(registry)).toBeGreaterThanOrEqual(4.9)
    expect(ageIn(registry)).toBeLessThan(6)
    b.success(Date.now() - 1_000) // a second good download moves its age, and registers nothing twice
    expect(snapshotOf(registry).filter((s) => s.id === "wechatpay.platform_certificates.age")).toHaveLength(1)
    expect(ageIn(registry)).toBeLessThan(2)
    b.release()
    expect(ageIn(registry)).toBeUndefined()
    const c = Telemetry.trackCertificateAge(contextOf(registry))
    c.success(Date.now() - 3_000)
    expect(ageIn(registry)).toBeGreaterThanOrEqual(2.9)
    c.release()
    expect(ageIn(registry)).toBeUndefined()
  })
})
