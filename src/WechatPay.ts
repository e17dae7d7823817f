/**
 * One-line setup: the client with the in-memory RSA signer and the public-key verifier (and the `Encryptor` for
 * sensitive fields, under the same WeChat Pay keys), on
 * - `layer`: any `@effect/platform` `HttpClient` you provide (e.g. `FetchHttpClient.layer`), when you want your
 *   own HTTP stack;
 * - `layerNode`: the built-in node:http transport (`NodeTransport`): nothing else to provide, and the fastest on
 *   Node (see bench/README.md);
 * - `layerWith`: a `Transport` you provide.
 *
 * Every layer also outputs the `Verifier` it built (so `Notification.layer` can be provided from it), and, when the
 * options carry the `apiV3Key`, `Notification.Notifications` for the merchant's notifications. With
 * `platformCertificates` (certificate mode) the platform certificates are downloaded, kept and refreshed
 * (`PlatformCertificates.layer`) instead of being configured by hand.
 *
 * @since 0.1.0
 */
import type * as Fs from "node:fs"
import type * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientTransport from "./HttpClientTransport.js"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Encryptor from "./Encryptor.js"
import { builtin } from "./internal/builtin.js"
import * as X509 from "./internal/x509.js"
import * as NodeTransport from "./NodeTransport.js"
import * as Notification from "./Notification.js"
import * as PlatformCertificates from "./PlatformCertificates.js"
import * as Signer from "./Signer.js"
import type { Transport } from "./Transport.js"
import * as Verifier from "./Verifier.js"
import * as WechatPayClient from "./WechatPayClient.js"
import { ConfigurationError } from "./WechatPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends WechatPayClient.Options {
  /** The merchant API private key (`apiclient_key.pem`), PKCS#8 or PKCS#1 PEM. */
  readonly merchantPrivateKey: Redacted.Redacted<string>
  /** `PUB_KEY_ID_…` → WeChat Pay public key PEM, and/or platform certificate serial → certificate PEM. */
  readonly wechatpayPublicKeys: Readonly<Record<string, string>>
  /** Default 5 minutes. */
  readonly maxClockSkew?: Duration.Input | undefined
  /**
   * The APIv3 key (APIv3密钥, 32 characters). With it the layers also provide `Notification.Notifications`
   * (notifications verified with the same keys and decrypted with this key); `platformCertificates` needs it.
   */
  readonly apiV3Key?: Redacted.Redacted<string> | undefined
  /**
   * Certificate mode: download the platform certificates (`GET /v3/certificates`) at start, keep every unexpired one
   * beside `wechatpayPublicKeys` (which may then be `{}`), refresh them every `refreshInterval` (12 h) and on an unknown
   * serial. Needs `apiV3Key`. A merchant without platform certificates fails to start with a `ConfigurationError`
   * saying to use the WeChat Pay public key instead. Sensitive fields are encrypted with the configured public key, or
   * else with the newest certificate held when the layer was built.
   */
  readonly platformCertificates?:
    | boolean
    | Pick<PlatformCertificates.Options, "refreshInterval" | "minRefreshInterval">
    | undefined
}

/**
 * What the layers provide for the options given: the client, the `Encryptor`, the `Verifier`, and
 * `Notification.Notifications` when `apiV3Key` is given.
 *
 * @since 0.4.0
 * @category models
 */
export type Provided<O extends Options> =
  | WechatPayClient.WechatPayClient
  | Encryptor.Encryptor
  | Verifier.Verifier
  | (O extends { readonly apiV3Key: Redacted.Redacted<string> } ? Notification.Notifications : never)

/**
 * Certificate mode's `Encryptor`: the configured public key when there is one, else the newest certificate held —
 * followed as WeChat rotates (a refresh brings the new one; the old one drops out when it expires), so a long-running
 * process never encrypts to an expired certificate. Each encryption reads the certificates held (cheap) and derives
 * the key again only when the newest one changed; `encryptWithSerial` reports the key id used with the ciphertext.
 */
const followingEncryptor = (configured: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const held = yield* PlatformCertificates.Certificates
    const derive = (current: ReadonlyArray<PlatformCertificates.PlatformCertificate>) =>
      Encryptor.make({
        publicKeys: {
          ...Object.fromEntries(current.map((certificate) => [certificate.serial, certificate.certificate])),
          ...configured
        }
      })
    let chosen = { newest: (yield* held.current)[0]?.serial, service: yield* derive(yield* held.current) }
    const current = Effect.flatMap(held.current, (certificates) => {
      const newest = certificates[0]?.serial
      if (newest === chosen.newest || newest === undefined) return Effect.succeed(chosen.service)
      return derive(certificates).pipe(
        Effect.map((service) => {
          chosen = { newest, service }
          return service
        }),
        // Keys that cannot be derived (never expected: each was checked when downloaded): keep the ones in use.
        Effect.orElseSucceed(() => chosen.service)
      )
    })
    // The derived encryptor says which key it used (it goes by the clock too: never an expired certificate).
    const encryptWithSerial = (plaintext: Redacted.Redacted<string>) =>
      Effect.flatMap(current, (service) => service.encryptWithSerial!(plaintext))
    return Encryptor.Encryptor.of({
      get serial() {
        return chosen.service.serial
      },
      get maxPlaintextBytes() {
        return chosen.service.maxPlaintextBytes
      },
      encrypt: (plaintext) => Effect.map(encryptWithSerial(plaintext), ({ ciphertext }) => ciphertext),
      encryptWithSerial
    })
  })

/** Verifier and Encryptor from configured keys, or (certificate mode) from the downloaded platform certificates. */
const keysLayer = (
  options: Options,
  signer: Layer.Layer<Signer.Signer, ConfigurationError>
): Layer.Layer<Verifier.Verifier | Encryptor.Encryptor, ConfigurationError, Transport> => {
  if (options.platformCertificates === undefined || options.platformCertificates === false) {
    return Layer.merge(
      Verifier.layer({ publicKeys: options.wechatpayPublicKeys, maxClockSkew: options.maxClockSkew }),
      Encryptor.layer({ publicKeys: options.wechatpayPublicKeys })
    )
  }
  const apiV3Key = options.apiV3Key
  if (apiV3Key === undefined) {
    // A layer that only fails: it never provides, so claiming the services it would have provided is sound.
    return Layer.effectDiscard(Effect.fail(
      new ConfigurationError({
        option: "apiV3Key",
        message: "platformCertificates needs the APIv3 key: the certificates are downloaded encrypted with it."
      })
    )) as Layer.Layer<Verifier.Verifier | Encryptor.Encryptor, ConfigurationError>
  }
  const certificates = PlatformCertificates.layer({
    ...options,
    ...(options.platformCertificates === true ? {} : options.platformCertificates),
    apiV3Key,
    publicKeys: options.wechatpayPublicKeys
  }).pipe(Layer.provide(signer))
  const encryptor = Layer.effect(Encryptor.Encryptor, followingEncryptor(options.wechatpayPublicKeys))
  return encryptor.pipe(Layer.provideMerge(certificates))
}

/**
 * The client over the `Transport` you provide.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWith = <O extends Options>(options: O): Layer.Layer<Provided<O>, ConfigurationError, Transport> => {
  const signer = Signer.layerRsa({ privateKey: options.merchantPrivateKey })
  const base = WechatPayClient.layer(options).pipe(
    Layer.provide(signer),
    Layer.provideMerge(keysLayer(options, signer))
  )
  const apiV3Key = options.apiV3Key
  if (apiV3Key === undefined) return base as Layer.Layer<Provided<O>, ConfigurationError, Transport>
  return Notification.layer({ apiV3Key, maxClockSkew: options.maxClockSkew }).pipe(
    Layer.provideMerge(base)
  ) as Layer.Layer<Provided<O>, ConfigurationError, Transport>
}

/**
 * The `Transport` over the `HttpClient` in context, loaded when first used: a program on `layerNode` never loads
 * @effect/platform's HTTP client modules (~100 ms of a cold start on Node 20).
 *
 * @since 1.3.0
 * @category layers
 */
export const httpClientTransport: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.unwrap(
  Effect.map(
    Effect.promise((): Promise<typeof HttpClientTransport> => import("./HttpClientTransport.js")),
    (module) => module.layer
  )
)

/**
 * The client over an `@effect/platform` `HttpClient` (`FetchHttpClient.layer`, `NodeHttpClient.layerUndici`, …).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <O extends Options>(
  options: O
): Layer.Layer<Provided<O>, ConfigurationError, HttpClient.HttpClient> =>
  layerWith(options).pipe(Layer.provide(httpClientTransport))

/**
 * The client over the built-in node:http(s) transport with keep-alive connections; needs nothing else.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerNode = <O extends Options & { readonly transport?: NodeTransport.Options | undefined }>(
  options: O
): Layer.Layer<Provided<O>, ConfigurationError> =>
  layerWith(options).pipe(Layer.provide(NodeTransport.layer(options.transport)))

/**
 * A PEM given inline, or the path of a file holding one. The error never repeats the value: a mangled key pasted
 * without its BEGIN line must not end up in a log as a "file name".
 */
const pemOrPath = (name: string) => (value: string): string => {
  if (value.trimStart().startsWith("-----BEGIN")) return value
  try {
    // node:fs only when a path is given, and found at run time rather than imported: a Worker passes PEM text and its
    // bundle holds no `node:` module.
    const fs = builtin<typeof Fs>("node:fs")
    if (fs === undefined) throw new Error("no file system")
    return fs.readFileSync(value.trim(), "utf8")
  } catch {
    throw new Error(`${name} is neither a PEM (-----BEGIN …) nor the path of a readable file`)
  }
}

/** `Config.map` with a function that may throw: its message becomes the `ConfigError`'s (as `mapAttempt` did). */
const attempt = <A, B>(f: (a: A) => B) =>
  Config.mapEffect((a: A) =>
    Effect.try({
      try: () => f(a),
      catch: (e) =>
        new Config.ConfigError(new ConfigProvider.SourceError({ message: e instanceof Error ? e.message : String(e) }))
    })
  )

const pem = (name: string) => Config.String(name).pipe(attempt(pemOrPath(name)))

/**
 * A PEM read from the variable `name`: the PEM text itself, or the path of a file holding it.
 *
 * @since 1.3.0
 * @category config
 */
export const pemConfig = (name: string): Config.Config<string> => pem(name)

/**
 * A secret PEM (a private key) read from the variable `name`, text or path, kept `Redacted`.
 *
 * @since 1.3.0
 * @category config
 */
export const secretPemConfig = (name: string): Config.Config<Redacted.Redacted<string>> =>
  Config.Redacted(name).pipe(
    attempt((value: Redacted.Redacted<string>) => Redacted.make(pemOrPath(name)(Redacted.value(value))))
  )

/**
 * A one-line value (an id, a URL) with the spaces and line breaks around it removed: env files and secret stores
 * often keep a trailing newline, which would otherwise be sent in a header or a URL.
 */
const line = (name: string) => Config.String(name).pipe(Config.map((value) => value.trim()))

/**
 * A one-line value (an id, a URL) read from the variable `name`, the spaces and line breaks around it removed.
 *
 * @since 1.3.0
 * @category config
 */
export const lineConfig = (name: string): Config.Config<string> => line(name)

/**
 * `WECHATPAY_API_V3_KEY`: the APIv3 key, a secret. Spaces and line breaks around it are removed (WeChat's keys are 32
 * letters and digits; a secret store's trailing newline would otherwise make it 33 bytes); its length is checked where
 * it is used.
 *
 * @since 0.4.0
 * @category config
 */
export const apiV3KeyConfig: Config.Config<Redacted.Redacted<string>> = Config.Redacted("WECHATPAY_API_V3_KEY").pipe(
  Config.map((key) => Redacted.make(Redacted.value(key).trim()))
)

/**
 * The WeChat Pay keys alone (`WECHATPAY_PUBLIC_KEY_ID` + `WECHATPAY_PUBLIC_KEY`, `WECHATPAY_PLATFORM_CERTIFICATES`) as
 * `wechatpayPublicKeys`: what verifying a notification or a response needs, without the merchant's identity and
 * private key. Each certificate is filed under the serial read from it.
 *
 * @since 0.4.0
 * @category config
 */
export const publicKeysConfig: Config.Config<Readonly<Record<string, string>>> = Config.all({
  publicKey: Config.option(Config.all([line("WECHATPAY_PUBLIC_KEY_ID"), pem("WECHATPAY_PUBLIC_KEY")])),
  certificates: Config.option(
    Config.Array(Schema.String, "WECHATPAY_PLATFORM_CERTIFICATES").pipe(
      attempt((values) => values.map(pemOrPath("WECHATPAY_PLATFORM_CERTIFICATES")))
    )
  )
}).pipe(
  attempt((c) => {
    const wechatpayPublicKeys: Record<string, string> = {}
    if (Option.isSome(c.publicKey)) wechatpayPublicKeys[c.publicKey.value[0]] = c.publicKey.value[1]
    for (const certificate of Option.getOrElse(c.certificates, () => [])) {
      // The serial is read from the certificate itself, so a file can never be filed under the wrong serial.
      wechatpayPublicKeys[X509.parse(certificate).serial] = certificate
    }
    return wechatpayPublicKeys
  })
)

/**
 * The configuration read by `layerConfig()`, from these environment variables (a PEM value may be the PEM text
 * itself or a path to a file holding it):
 *
 * | variable | meaning |
 * |---|---|
 * | `WECHATPAY_MCHID` | 商户号 |
 * | `WECHATPAY_MERCHANT_SERIAL_NUMBER` | merchant API certificate serial |
 * | `WECHATPAY_MERCHANT_PRIVATE_KEY` | merchant API private key PEM or path (secret) |
 * | `WECHATPAY_PUBLIC_KEY_ID` + `WECHATPAY_PUBLIC_KEY` | WeChat Pay public-key id and its PEM or path |
 * | `WECHATPAY_PLATFORM_CERTIFICATES` | optional, comma-separated platform certificate PEM paths |
 * | `WECHATPAY_API_V3_KEY` | optional, the APIv3 key (secret): notifications and certificate download |
 * | `WECHATPAY_DOWNLOAD_CERTIFICATES` | optional, `true` for certificate mode with downloaded certificates (`platformCertificates`) |
 * | `WECHATPAY_SERVICE_PROVIDER` | optional, `true` when the mchid is a service provider's (`serviceProvider`, since 1.3.0) |
 * | `WECHATPAY_BASE_URL`, `WECHATPAY_USER_AGENT` | optional |
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  mchid: line("WECHATPAY_MCHID"),
  merchantSerialNumber: line("WECHATPAY_MERCHANT_SERIAL_NUMBER"),
  merchantPrivateKey: secretPemConfig("WECHATPAY_MERCHANT_PRIVATE_KEY"),
  wechatpayPublicKeys: publicKeysConfig,
  apiV3Key: Config.option(apiV3KeyConfig),
  downloadCertificates: Config.withDefault(Config.Boolean("WECHATPAY_DOWNLOAD_CERTIFICATES"), false),
  serviceProvider: Config.withDefault(Config.Boolean("WECHATPAY_SERVICE_PROVIDER"), false),
  baseUrl: Config.option(line("WECHATPAY_BASE_URL")),
  userAgent: Config.option(line("WECHATPAY_USER_AGENT"))
}).pipe(
  Config.map((c): Options => {
    return {
      mchid: c.mchid,
      merchantSerialNumber: c.merchantSerialNumber,
      merchantPrivateKey: c.merchantPrivateKey,
      wechatpayPublicKeys: c.wechatpayPublicKeys,
      ...Option.match(c.apiV3Key, { onNone: () => ({}), onSome: (apiV3Key) => ({ apiV3Key }) }),
      ...(c.downloadCertificates ? { platformCertificates: true } : {}),
      ...(c.serviceProvider ? { serviceProvider: true } : {}),
      ...Option.match(c.baseUrl, { onNone: () => ({}), onSome: (baseUrl) => ({ baseUrl }) }),
      ...Option.match(c.userAgent, { onNone: () => ({}), onSome: (userAgent) => ({ userAgent }) })
    }
  })
)

/**
 * `layer`, configured from `Config` (by default `config`, i.e. the environment).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<Provided<Options>, ConfigurationError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrap(Effect.map(options, layer))

/**
 * `layerNode`, configured from `Config` (by default `config`, i.e. the environment).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerNodeConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<Provided<Options>, ConfigurationError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(options, layerNode))
