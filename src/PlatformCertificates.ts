/**
 * 下载平台证书 (`GET /v3/certificates`): the platform certificates of certificate mode, each encrypted with the
 * merchant's APIv3 key (AEAD_AES_256_GCM, associated data `certificate`).
 *
 * @since 0.4.0
 */
import * as Schema from "effect/Schema"
import * as Endpoint from "./Endpoint.js"
import * as Wire from "./Wire.js"

/**
 * 证书算法类型 (`algorithm_type`): `RSA` (default) or `SM2` (国密).
 *
 * @since 0.4.0
 * @category schemas
 */
export const AlgorithmType = Wire.Enum("RSA", "SM2")

/**
 * @since 0.4.0
 * @category schemas
 */
export const DownloadCertificatesRequest = Schema.Struct({
  /** 证书算法类型; WeChat answers RSA certificates when absent. */
  algorithm_type: Wire.optional(AlgorithmType.request)
})

/**
 * @since 0.4.0
 * @category models
 */
export interface DownloadCertificatesRequest extends Schema.Schema.Type<typeof DownloadCertificatesRequest> {}

/**
 * An encrypted certificate as WeChat sends it: decrypt `ciphertext` with the APIv3 key, `nonce` and
 * `associated_data` to get the PEM.
 *
 * @since 0.4.0
 * @category schemas
 */
export const EncryptedCertificate = Schema.Struct({
  /** `AEAD_AES_256_GCM` */
  algorithm: Schema.String,
  nonce: Schema.String,
  associated_data: Wire.optional(Schema.String),
  ciphertext: Schema.String
})

/**
 * @since 0.4.0
 * @category models
 */
export interface EncryptedCertificate extends Schema.Schema.Type<typeof EncryptedCertificate> {}

/**
 * One platform certificate entry.
 *
 * @since 0.4.0
 * @category schemas
 */
export const CertificateEntry = Schema.Struct({
  /** 证书序列号 (upper-case hex). */
  serial_no: Schema.String,
  /** 证书启用时间 (RFC 3339). */
  effective_time: Schema.String,
  /** 证书弃用时间 (RFC 3339). */
  expire_time: Schema.String,
  encrypt_certificate: EncryptedCertificate
})

/**
 * @since 0.4.0
 * @category models
 */
export interface CertificateEntry extends Schema.Schema.Type<typeof CertificateEntry> {}

/**
 * @since 0.4.0
 * @category schemas
 */
export const DownloadCertificatesResponse = Schema.Struct({
  data: Schema.Array(CertificateEntry)
})

/**
 * @since 0.4.0
 * @category models
 */
export interface DownloadCertificatesResponse extends Schema.Schema.Type<typeof DownloadCertificatesResponse> {}

/**
 * 下载平台证书 — `GET /v3/certificates`. A merchant without platform certificates (new since 2024) gets
 * `404 RESOURCE_NOT_EXISTS`: it is on public-key mode.
 *
 * @since 0.4.0
 * @category tags
 */
export class DownloadCertificates extends Endpoint.Service<DownloadCertificates>()("PlatformCertificates.DownloadCertificates", {
  method: "GET",
  path: "/v3/certificates",
  request: DownloadCertificatesRequest,
  response: DownloadCertificatesResponse
}) {}

/**
 * @since 0.4.0
 * @category errors
 */
export type DownloadCertificatesError = Endpoint.JsonError

/**
 * 下载平台证书, as sent (still encrypted).
 *
 * @since 0.4.0
 * @category accessors
 */
export const downloadCertificates = DownloadCertificates.call
