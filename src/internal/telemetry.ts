/**
 * The library's metrics and what records them: the definitions `Telemetry.ts` publishes, the switch, and the
 * per-series caches the hot path uses.
 *
 * Each series (a metric with one set of attribute values) is its own `Metric` object, made once and kept here: an
 * update is then a lookup in a small `Map` and the registry's own lookup, with no attributes merged and no context
 * copied per call (`Metric.withAttributes` would add both to every update). Every attribute value is from a closed
 * set (endpoint names, outcome words, known WeChat codes, HTTP methods and statuses, the configured hosts), so the
 * number of series is bounded whatever the traffic.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Metric from "effect/Metric"

/** Whether the library records its metrics (and the retry span events): on unless switched off. */
export const Enabled: Context.Reference<boolean> = Context.Reference<boolean>("effect-wechatpay/Telemetry/Enabled", {
  defaultValue: () => true
})

/**
 * High-resolution milliseconds for durations (`performance.now()`: Node, Deno, Bun, workers and browsers). Not the
 * Effect `Clock`: its nanoseconds are a `bigint` (an allocation per read), and a duration needs no wall time.
 */
export const now: () => number = typeof globalThis.performance?.now === "function"
  ? () => globalThis.performance.now()
  : () => Date.now()

/** OpenTelemetry's advised boundaries for `http.client.request.duration`, in seconds. */
export const httpBoundaries: ReadonlyArray<number> = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10
]

/** For local CPU work measured in seconds (signing, verification): 50 µs to 1 s. */
export const cpuBoundaries: ReadonlyArray<number> = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
]

/** For waits (rate budget, notification store), in seconds: 1 ms to 10 s. */
export const waitBoundaries: ReadonlyArray<number> = [
  0, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

interface HistogramSpec {
  readonly name: string
  readonly description: string
  readonly boundaries: ReadonlyArray<number>
}

interface CounterSpec {
  readonly name: string
  readonly description: string
}

export const specs = {
  httpDuration: {
    name: "http.client.request.duration",
    description: "Duration of HTTP client requests to WeChat Pay, one per attempt (s)",
    boundaries: httpBoundaries
  },
  callDuration: {
    name: "wechatpay.client.call.duration",
    description: "Duration of endpoint calls, retries and waits included; its count is the calls (s)",
    boundaries: httpBoundaries
  },
  attempts: { name: "wechatpay.client.attempts", description: "Attempts of endpoint calls, first ones and retries" },
  retries: { name: "wechatpay.client.retries", description: "Retried attempts, by the reason of the failed one" },
  signDuration: {
    name: "wechatpay.client.sign.duration",
    description: "Time to sign a request (s)",
    boundaries: cpuBoundaries
  },
  verifyDuration: {
    name: "wechatpay.client.verify.duration",
    description: "Time to verify a response's signature (s)",
    boundaries: cpuBoundaries
  },
  certificateDownloads: {
    name: "wechatpay.platform_certificates.downloads",
    description: "Platform certificate downloads, by outcome"
  },
  certificateAge: {
    name: "wechatpay.platform_certificates.age",
    description: "Time since the platform certificates were last downloaded successfully (s)"
  },
  notificationsReceived: {
    name: "wechatpay.notifications.received",
    description: "Requests received by Notification.httpApp"
  },
  notificationsHandled: {
    name: "wechatpay.notifications.handled",
    description: "Notifications whose handler ran, by outcome"
  },
  notificationsDuplicates: {
    name: "wechatpay.notifications.duplicates",
    description: "Deliveries of a notification already handled (done) or being handled (in_progress)"
  },
  notificationsRefused: {
    name: "wechatpay.notifications.refused",
    description: "Notifications refused before their handler ran, by reason"
  },
  storeDuration: {
    name: "wechatpay.notification_store.duration",
    description: "Duration of notification store operations (s)",
    boundaries: waitBoundaries
  },
  storeErrors: {
    name: "wechatpay.notification_store.errors",
    description: "Failed notification store operations (errors, defects and timeouts)"
  },
  rateLimitWait: {
    name: "wechatpay.rate_limit.wait.duration",
    description: "Time an attempt waited for its rate budget (s)",
    boundaries: waitBoundaries
  }
} as const satisfies Record<string, HistogramSpec | CounterSpec>

/** A series of a histogram: the histogram with these attribute values. */
export const histogram = (spec: HistogramSpec, attributes?: Metric.Metric.AttributeSet): Metric.Histogram<number> =>
  Metric.histogram(spec.name, { description: spec.description, boundaries: spec.boundaries, attributes })

/** A series of a counter. */
export const counter = (spec: CounterSpec, attributes?: Metric.Metric.AttributeSet): Metric.Counter<number> =>
  Metric.counter(spec.name, { description: spec.description, incremental: true, attributes })

/** Series made on first use, one per key. */
class Series<K, M> {
  private readonly series = new Map<K, M>()
  constructor(private readonly make: (key: K) => M) {}
  get(key: K): M {
    let metric = this.series.get(key)
    if (metric === undefined) {
      metric = this.make(key)
      this.series.set(key, metric)
    }
    return metric
  }
}

/** Series by two keys, without building a key string per lookup. */
class Series2<K1, K2, M> {
  private readonly series = new Map<K1, Series<K2, M>>()
  constructor(private readonly make: (first: K1, second: K2) => M) {}
  get(first: K1, second: K2): M {
    let inner = this.series.get(first)
    if (inner === undefined) {
      inner = new Series((k2: K2) => this.make(first, k2))
      this.series.set(first, inner)
    }
    return inner.get(second)
  }
}

// --- client ---

/**
 * The WeChat codes an outcome names (`wechatpay.outcome`): the documented codes the library types as errors of their
 * own. Any other code — one WeChat adds, a product-specific one, `HTTP_<status>` for an answer without a body — is
 * folded into `other_code`, so the label's values stay bounded.
 */
export const knownCodes: ReadonlySet<string> = new Set([
  "ALREADY_EXISTS",
  "PARAM_ERROR",
  "INVALID_REQUEST",
  "SIGN_ERROR",
  "NO_AUTH",
  "NOT_FOUND",
  "RESOURCE_NOT_EXISTS",
  "FREQUENCY_LIMITED",
  "RATELIMIT_EXCEEDED",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "SYSTEM_ERROR"
])

interface Failure {
  readonly _tag: string
  readonly code?: string | undefined
  readonly status?: number | undefined
  readonly reason?: string | undefined
  readonly probe?: boolean | undefined
}

/** A call's outcome as a bounded word: `ok` aside, the failure's kind, or the WeChat code when it is a known one. */
export const outcomeOf = (error: Failure): string => {
  switch (error._tag) {
    case "TransportError":
      return "transport"
    case "ResponseVerificationError":
      return "verification"
    case "ResponseDecodeError":
      return "decode"
    case "RequestValidationError":
      return "validation"
    case "SigningError":
      return "signing"
    case "CertificateError":
      return "certificate"
  }
  const code = error.code
  return code !== undefined && knownCodes.has(code) ? code : "other_code"
}

const transportReasons: Record<string, string> = {
  Timeout: "transport_timeout",
  Connection: "transport_connection",
  ResponseBody: "transport_response_body",
  InvalidUrl: "transport_invalid_url"
}

/** Why an attempt was retried, as a bounded word (`wechatpay.retry.reason`). */
export const retryReasonOf = (error: Failure): string => {
  if (error._tag === "TransportError") return transportReasons[error.reason ?? ""] ?? "transport"
  if (error._tag === "ResponseVerificationError") return error.probe === true ? "signature_probe" : "verification"
  if (error._tag === "SigningError") return "signing"
  const status = error.status
  if (status === 429) return "rate_limited"
  if (status === 202) return "accepted"
  if (status !== undefined && status >= 501 && status <= 503) return "unavailable"
  if (status !== undefined && status >= 500) return "server_error"
  return "other"
}

export const callDuration = new Series2((endpoint: string, outcome: string) =>
  histogram(specs.callDuration, { "wechatpay.endpoint": endpoint, "wechatpay.outcome": outcome })
)

export const attempts = new Series((endpoint: string) => counter(specs.attempts, { "wechatpay.endpoint": endpoint }))

export const retries = new Series2((endpoint: string, reason: string) =>
  counter(specs.retries, { "wechatpay.endpoint": endpoint, "wechatpay.retry.reason": reason })
)

export const signDuration = histogram(specs.signDuration)
export const verifyDuration = histogram(specs.verifyDuration)

/**
 * `http.client.request.duration` for one host (`server.address`, `server.port`): by method, and by the response's
 * status (a number) or the transport failure's reason (a string, as `error.type`). A 4xx or 5xx also gets its status
 * as `error.type`, as OpenTelemetry's HTTP conventions ask.
 */
export class HttpSeries {
  private readonly series: Series2<string, number | string, Metric.Histogram<number>>
  constructor(origin: string) {
    const url = new URL(origin)
    const address = url.hostname
    const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80"
    this.series = new Series2((method: string, result: number | string) => {
      const attributes: Record<string, string> = {
        "http.request.method": method,
        "server.address": address,
        "server.port": port
      }
      if (typeof result === "number") {
        attributes["http.response.status_code"] = String(result)
        if (result >= 400) attributes["error.type"] = String(result)
      } else {
        attributes["error.type"] = result
      }
      return histogram(specs.httpDuration, attributes)
    })
  }
  get(method: string, result: number | string): Metric.Histogram<number> {
    return this.series.get(method, result)
  }
}

// --- platform certificates ---

export const certificateDownloads = new Series((outcome: string) =>
  counter(specs.certificateDownloads, { "wechatpay.outcome": outcome })
)

export const certificateAge = Metric.gauge(specs.certificateAge.name, { description: specs.certificateAge.description })

// --- notifications ---

/**
 * `wechatpay.platform_certificates.age` over every certificate-mode verifier recording into one registry (one per
 * merchant under `Merchants`): the age of the stalest merchant's last good download — the one an alert is for. The
 * gauge is registered while at least one verifier has had a good download, and removed when the last one is closed.
 */
interface AgeGroup {
  readonly holders: Set<{ last: number }>
  readonly registration: Metric.Registration
}
const ageGroups = new WeakMap<object, AgeGroup>()

export const trackCertificateAge = (context: Context.Context<never>) => {
  const registry = Context.get(context, Metric.MetricRegistry)
  const holder = { last: 0 }
  let group: AgeGroup | undefined
  return {
    success: (now: number): void => {
      holder.last = now
      if (group !== undefined) return
      group = ageGroups.get(registry)
      if (group === undefined) {
        const holders = new Set<{ last: number }>()
        group = {
          holders,
          registration: Metric.registerUnsafe(certificateAge, context, {
            get: (read) => {
              const at = Context.get(read, Clock.Clock).currentTimeMillisUnsafe()
              let oldest = at
              for (const each of holders) oldest = Math.min(oldest, each.last)
              return { value: (at - oldest) / 1000 }
            },
            update: () => {},
            modify: () => {}
          })
        }
        ageGroups.set(registry, group)
      }
      group.holders.add(holder)
    },
    release: (): void => {
      if (group === undefined) return
      group.holders.delete(holder)
      if (group.holders.size === 0 && ageGroups.get(registry) === group) {
        group.registration.remove()
        ageGroups.delete(registry)
      }
      group = undefined
    }
  }
}

export const notificationsReceived = counter(specs.notificationsReceived)

export const notificationsHandled = new Series((outcome: string) =>
  counter(specs.notificationsHandled, { "wechatpay.notification.outcome": outcome })
)

export const notificationsDuplicates = new Series((state: string) =>
  counter(specs.notificationsDuplicates, { "wechatpay.notification.state": state })
)

export const notificationsRefused = new Series((reason: string) =>
  counter(specs.notificationsRefused, { "wechatpay.notification.reason": reason })
)

export const storeDuration = new Series((operation: string) =>
  histogram(specs.storeDuration, { "wechatpay.store.operation": operation })
)

export const storeErrors = new Series((operation: string) =>
  counter(specs.storeErrors, { "wechatpay.store.operation": operation })
)

// --- rate budget ---

export const rateLimitWait = new Series2((budget: string, endpoint: string) =>
  histogram(specs.rateLimitWait, { "wechatpay.rate_limit.budget": budget, "wechatpay.endpoint": endpoint })
)

/** The context to record into, when the library records at all. */
export const contextOf = (fiber: {
  readonly getRef: <A>(ref: Context.Reference<A>) => A
  readonly context: Context.Context<never>
}): Context.Context<never> | undefined => fiber.getRef(Enabled) ? fiber.context : undefined
