/**
 * effect-wechatpay: the WeChat Pay APIv3 client for Effect.
 *
 * @since 0.1.0
 */

/** @since 0.3.0 */
export * as Authorization from "./Authorization.js"
export * as Encryptor from "./Encryptor.js"
/** @since 0.1.0 */
export * as Endpoint from "./Endpoint.js"
/** @since 0.3.0 */
export * as Media from "./Media.js"
/** @since 0.1.0 */
export * as MemberCard from "./MemberCard.js"
/** @since 0.3.0 */
export * as MemberCardActivity from "./MemberCardActivity.js"
/** @since 0.2.0 */
export * as NodeTransport from "./NodeTransport.js"
/** @since 0.4.0 */
export * as Notification from "./Notification.js"
/** @since 0.4.0 */
export * as NotificationStore from "./NotificationStore.js"
/** @since 0.3.0 */
export * as Paging from "./Paging.js"
/** @since 0.4.0 */
export * as PlatformCertificates from "./PlatformCertificates.js"
/** @since 0.1.0 */
export * as RetryPolicy from "./RetryPolicy.js"
/** @since 0.1.0 */
export * as Signer from "./Signer.js"
/** @since 1.2.0 */
export * as Telemetry from "./Telemetry.js"
/** @since 0.2.0 */
export * as Transport from "./Transport.js"
/** @since 0.1.0 */
export * as Verifier from "./Verifier.js"
/** @since 0.3.0 */
export * as Wire from "./Wire.js"
/** @since 0.1.0 */
export * as WechatPay from "./WechatPay.js"
/** @since 0.1.0 */
export * as WechatPayClient from "./WechatPayClient.js"
/** @since 0.1.0 */
export * as WechatPayError from "./WechatPayError.js"
/** @since 0.1.0 */
export {
  AlreadyExists,
  ConfigurationError,
  FrequencyLimited,
  InvalidRequest,
  NoAuth,
  NotFound,
  ParamError,
  RequestValidationError,
  ResponseDecodeError,
  ResponseVerificationError,
  ServiceUnavailable,
  SignError,
  SigningError,
  SystemError,
  TransportError,
  UnknownApiError
} from "./WechatPayError.js"
/** @since 0.4.0 */
export { NotificationDecodeError, NotificationDecryptError, NotificationVerificationError } from "./Notification.js"
/** @since 0.4.0 */
export { CertificateError } from "./PlatformCertificates.js"
