/**
 * What the library measures, as Effect `Metric`s, and the switch that turns it off.
 *
 * The metrics go to the `Metric.MetricRegistry` in context (Effect's process-wide registry by default): an exporter
 * reads them from there — `@effect/opentelemetry`'s `NodeSdk.layer` with a `metricReader`, or Effect's own
 * `effect/observability/OtlpMetrics` — and `Metric.snapshot` lists them in process. Names follow OpenTelemetry's
 * semantic conventions where one exists (`http.client.request.duration`); the others are `wechatpay.*`. Durations are
 * histograms in seconds.
 *
 * No attribute value is personal data or unbounded: never a card `code`, an openid or a phone number, and no
 * `card_id` (a brand's templates are unbounded across merchants) and no `mchid`; WeChat codes by name only for the
 * codes in `knownCodes`, every other code folded into `other_code`. Spans carry the ids (`wechatpay.card_id`,
 * `wechatpay.request_id`); metrics carry only what can be counted.
 *
 * Each metric below is the metric without attributes: read one series with `Metric.withAttributes(metric, {...})`
 * and `Metric.value`, or all of them with `Metric.snapshot`.
 *
 * @since 1.2.0
 */
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import * as Internal from "./internal/telemetry.js"

export {
  /**
   * Whether the library records its metrics and its retry span events; `true` unless switched off (`layerDisabled`).
   * Read from the calling fiber when a call starts, like `RetryPolicy`: provide it to the program (or the runtime),
   * not inside the client's own layer. Spans are not affected: they follow the `Tracer` in force.
   *
   * @since 1.2.0
   * @category references
   */
  Enabled,
  /**
   * The WeChat codes a `wechatpay.outcome` names; any other code is `other_code`.
   *
   * @since 1.2.0
   * @category constants
   */
  knownCodes
} from "./internal/telemetry.js"

/**
 * What providing `Enabled` adds to the context: nothing a program requires (the reference has a default).
 *
 * @since 1.2.0
 * @category references
 */
export type Enabled = never

/**
 * Switch the library's metrics and retry span events off (e.g. `ManagedRuntime.make(Layer.merge(AppLive,
 * Telemetry.layerDisabled))`). A call then reads no extra clock and updates no metric.
 *
 * @since 1.2.0
 * @category layers
 */
export const layerDisabled: Layer.Layer<never> = Layer.succeed(Internal.Enabled, false)

/**
 * `http.client.request.duration` (OpenTelemetry): one per attempt that reached the transport, from the signed
 * request's sending to its last byte received. Attributes: `http.request.method`, `server.address`, `server.port`,
 * `http.response.status_code` (when an answer came), `error.type` (a 4xx/5xx status, or the transport failure:
 * `Timeout`, `Connection`, `ResponseBody`, `InvalidUrl`).
 *
 * @since 1.2.0
 * @category metrics
 */
export const httpClientRequestDuration: Metric.Histogram<number> = Internal.histogram(Internal.specs.httpDuration)

/**
 * `wechatpay.client.call.duration`: one per endpoint call, from its start (validation) to its outcome, retries and
 * rate-budget waits included; its count is the number of calls. Attributes: `wechatpay.endpoint`
 * (`MemberCard.GetUserCard` …) and `wechatpay.outcome`: `ok`, `validation`, `signing`, `transport`, `verification`,
 * `decode`, a code of `knownCodes`, or `other_code`.
 *
 * @since 1.2.0
 * @category metrics
 */
export const callDuration: Metric.Histogram<number> = Internal.histogram(Internal.specs.callDuration)

/**
 * `wechatpay.client.attempts`: every attempt of a call, first ones and retries. Attribute: `wechatpay.endpoint`.
 *
 * @since 1.2.0
 * @category metrics
 */
export const attempts: Metric.Counter<number> = Internal.counter(Internal.specs.attempts)

/**
 * `wechatpay.client.retries`: every retried attempt, counted when it starts. Attributes: `wechatpay.endpoint` and
 * `wechatpay.retry.reason`, the failed attempt's: `rate_limited` (429), `unavailable` (501–503), `server_error`
 * (other 5xx), `accepted` (202), `transport_timeout`, `transport_connection`, `transport_response_body`,
 * `signature_probe`, `verification`, `signing` or `other`.
 *
 * @since 1.2.0
 * @category metrics
 */
export const retries: Metric.Counter<number> = Internal.counter(Internal.specs.retries)

/**
 * `wechatpay.client.sign.duration`: the signing of each attempt (an RSA signature, or your KMS's round trip).
 *
 * @since 1.2.0
 * @category metrics
 */
export const signDuration: Metric.Histogram<number> = Internal.signDuration

/**
 * `wechatpay.client.verify.duration`: the verification of each 2xx answer's signature that succeeded.
 *
 * @since 1.2.0
 * @category metrics
 */
export const verifyDuration: Metric.Histogram<number> = Internal.verifyDuration

/**
 * `wechatpay.platform_certificates.downloads` (certificate mode): each download, by `wechatpay.outcome` (as for
 * calls, plus `certificate` for an answer whose certificates did not open).
 *
 * @since 1.2.0
 * @category metrics
 */
export const certificateDownloads: Metric.Counter<number> = Internal.counter(Internal.specs.certificateDownloads)

/**
 * `wechatpay.platform_certificates.age` (certificate mode): seconds since the last successful download, computed
 * when read (an exporter's collection, `Metric.snapshot`). Absent until the first success. With several
 * certificate-mode verifiers in one registry (one per merchant under `Merchants`), the stalest: the age of the
 * oldest last good download among them; gone when the last of them is closed.
 *
 * @since 1.2.0
 * @category metrics
 */
export const certificateAge: Metric.Gauge<number> = Internal.certificateAge

/**
 * `wechatpay.notifications.received`: every request `Notification.httpApp` received.
 *
 * @since 1.2.0
 * @category metrics
 */
export const notificationsReceived: Metric.Counter<number> = Internal.notificationsReceived

/**
 * `wechatpay.notifications.handled`: notifications whose handler ran, by `wechatpay.notification.outcome`: `ok`
 * (answered 204) or `failed` (failed, died or was interrupted: answered 500, WeChat delivers again).
 *
 * @since 1.2.0
 * @category metrics
 */
export const notificationsHandled: Metric.Counter<number> = Internal.counter(Internal.specs.notificationsHandled)

/**
 * `wechatpay.notifications.duplicates`: deliveries of an id already handled (`wechatpay.notification.state`: `done`,
 * answered 204) or being handled (`in_progress`, answered 503).
 *
 * @since 1.2.0
 * @category metrics
 */
export const notificationsDuplicates: Metric.Counter<number> = Internal.counter(Internal.specs.notificationsDuplicates)

/**
 * `wechatpay.notifications.refused`: requests answered with an error before any handler ran, by
 * `wechatpay.notification.reason`: `MethodNotAllowed`, `BodyTooLarge`, `BodyTimeout`, `BodyUnreadable`, a
 * verification reason (`MissingHeader`, `UnknownSerial`, `InvalidTimestamp`, `StaleTimestamp`, `InvalidSignature`),
 * `NotificationDecryptError`, `NotificationDecodeError` or `NotificationStoreError`.
 *
 * @since 1.2.0
 * @category metrics
 */
export const notificationsRefused: Metric.Counter<number> = Internal.counter(Internal.specs.notificationsRefused)

/**
 * `wechatpay.notification_store.duration`: each operation of the `NotificationStore` `httpApp` uses, whatever the
 * store, by `wechatpay.store.operation` (`claim`, `extend`, `complete`, `release`).
 *
 * @since 1.2.0
 * @category metrics
 */
export const storeDuration: Metric.Histogram<number> = Internal.histogram(Internal.specs.storeDuration)

/**
 * `wechatpay.notification_store.errors`: store operations that failed, died or timed out, by
 * `wechatpay.store.operation`.
 *
 * @since 1.2.0
 * @category metrics
 */
export const storeErrors: Metric.Counter<number> = Internal.counter(Internal.specs.storeErrors)

/**
 * `wechatpay.rate_limit.wait.duration` (with a `RateLimit` budget): the wait of each attempt for a token, zero
 * included, by `wechatpay.rate_limit.budget` (`merchant`, `endpoint`) and `wechatpay.endpoint`.
 *
 * @since 1.2.0
 * @category metrics
 */
export const rateLimitWait: Metric.Histogram<number> = Internal.histogram(Internal.specs.rateLimitWait)
