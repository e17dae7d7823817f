/**
 * 下载平台证书 (`GET /v3/certificates`): every platform certificate not yet expired, each sealed with the merchant's
 * APIv3 key (AEAD_AES_256_GCM, associated data `certificate`, a fresh 12-character nonce), signed like any answer.
 * A merchant without platform certificates (`Options.platformCertificates: false`) gets WeChat's 404. The emulator's
 * certificates are RSA: `algorithm_type=SM2` lists none.
 *
 * @internal
 */
import { DownloadCertificates } from "../../../PlatformCertificates.js"
import { beijingTime } from "../notifications.js"
import { handle, type Handled, reply } from "../route.js"
import { ApiFailure } from "../wechatSide.js"

/** This resource's endpoints. */
export const handlers: ReadonlyArray<Handled> = [
  handle(DownloadCertificates, (call, ctx) => {
    const certificates = ctx.certificates()
    if (certificates === undefined) {
      return new ApiFailure(404, "RESOURCE_NOT_EXISTS", "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥")
    }
    const listed = call.request.algorithm_type === "SM2" ? [] : certificates
    return reply(200, {
      data: listed.map((certificate) => {
        const sealed = ctx.seal("certificate", certificate.pem)
        return {
          serial_no: certificate.serial,
          effective_time: beijingTime(Math.floor(certificate.notBefore.getTime() / 1000)),
          expire_time: beijingTime(Math.floor(certificate.notAfter.getTime() / 1000)),
          encrypt_certificate: {
            algorithm: sealed.algorithm,
            nonce: sealed.nonce,
            associated_data: sealed.associated_data,
            ciphertext: sealed.ciphertext
          }
        }
      })
    })
  })
]
