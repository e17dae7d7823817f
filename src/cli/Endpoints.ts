/**
 * One command per endpoint declaration, generated: `<product> <accessor in kebab-case>` with one flag per request
 * field (see `Flags`), `--json` for nested values, and the connection flags. Adding an endpoint declaration adds its
 * command; nothing here is written per endpoint. A product names the client its commands sign with: the merchant's
 * (or service provider's) from `WECHATPAY_*`, or a brand's (`BrandClient`) from `WECHATPAY_BRAND_*`.
 *
 * @since 0.4.0
 */
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as BrandCardMember from "../BrandCardMember.js"
import * as BrandClient from "../BrandClient.js"
import type * as Endpoint from "../Endpoint.js"
import type * as Encryptor from "../Encryptor.js"
import * as Media from "../Media.js"
import * as MemberCard from "../MemberCard.js"
import * as MemberCardActivity from "../MemberCardActivity.js"
import * as NodeTransport from "../NodeTransport.js"
import * as PartnerCardMember from "../PartnerCardMember.js"
import * as PlatformCertificates from "../PlatformCertificates.js"
import * as RetryPolicy from "../RetryPolicy.js"
import * as Transport from "../Transport.js"
import * as WechatPay from "../WechatPay.js"
import type * as WechatPayClient from "../WechatPayClient.js"
import { ConfigurationError } from "../WechatPayError.js"
import { InvalidArguments } from "./CliError.js"
import * as Flags from "./Flags.js"
import { printJson, withDefectLog } from "./Output.js"
import { running } from "./Signals.js"

/**
 * The service identifier of `AnyService`.
 *
 * @since 0.4.0
 * @category models
 */
export interface AnyEndpoint {
  readonly AnyEndpoint: unique symbol
}

/**
 * An endpoint's Tag class, whatever its types.
 *
 * @since 0.4.0
 * @category models
 */
export type AnyService = Endpoint.ServiceClass<
  AnyEndpoint,
  any,
  unknown,
  unknown,
  WechatPayClient.WechatPayClient | Encryptor.Encryptor | BrandClient.BrandClient
>

/**
 * Whose credentials a command signs with: `merchant`, the APIv3 client of the `WECHATPAY_*` variables (a direct
 * merchant or a service provider); `brand`, a brand's client (`BrandClient`) of the `WECHATPAY_BRAND_*` variables.
 *
 * @since 1.3.0
 * @category models
 */
export type Credentials = "merchant" | "brand"

/**
 * One generated command: where it sits, the declaration it calls and its fields.
 *
 * @since 0.4.0
 * @category models
 */
export interface Spec {
  /** The product group, e.g. `membercard`. */
  readonly group: string
  /** The command, e.g. `get-user-card`. */
  readonly command: string
  /** The module's accessor, e.g. `getUserCard`. */
  readonly accessor: string
  /** Whose credentials the command signs with (its product's). */
  readonly credentials: Credentials
  readonly service: AnyService
  readonly fields: ReadonlyArray<Flags.Field>
  /** What is printed instead of the response as decoded, when that is not what a user wants. */
  readonly present?: Present | undefined
  /**
   * For a write: the read command showing the state it changes, with a placeholder per required flag (what an
   * interrupted write's report says to run).
   */
  readonly check?: string | undefined
}

/**
 * A step between the decoded response and stdout. `prepare` runs before anything is sent (so a missing setting
 * fails first) and gives the function applied to the response.
 *
 * @since 0.4.0
 * @category models
 */
export interface Present {
  /** Said in the command's help. */
  readonly description: string
  readonly prepare: Effect.Effect<(response: unknown) => Effect.Effect<unknown, unknown>, unknown>
}

/**
 * `WECHATPAY_API_V3_KEY`, read as `WechatPay.config` reads it (so the check before sending is the client layer's).
 *
 * @since 0.4.0
 * @category config
 */
export const apiV3KeyConfig: Config.Config<Redacted.Redacted<string>> = WechatPay.apiV3KeyConfig

/**
 * `certificates download`: each certificate decrypted with `WECHATPAY_API_V3_KEY` and checked
 * (`PlatformCertificates.decryptCertificate`), printed as `serial_no`, validity and the PEM.
 *
 * @since 0.4.0
 * @category constants
 */
export const decryptedCertificates: Present = {
  description: "printed decrypted and checked: serial_no, validity, certificate (PEM); needs WECHATPAY_API_V3_KEY",
  prepare: Effect.flatMap(
    apiV3KeyConfig,
    (apiV3Key: Redacted.Redacted<string>) =>
      // Checked before sending: a key of the wrong length could open nothing (the message says its length only).
      Buffer.byteLength(Redacted.value(apiV3Key), "utf8") !== 32
        ? Effect.fail(
          new ConfigurationError({
            option: "WECHATPAY_API_V3_KEY",
            message: `WECHATPAY_API_V3_KEY must be the 32-byte APIv3 key; it has ${
              Buffer.byteLength(Redacted.value(apiV3Key), "utf8")
            } bytes.`
          })
        )
        : Effect.succeed((response: unknown) =>
          Effect.forEach(
            (response as PlatformCertificates.DownloadCertificatesResponse).data,
            (entry) =>
              Effect.map(PlatformCertificates.decryptCertificate(entry, apiV3Key), (certificate) => ({
                serial_no: certificate.serial,
                effective_time: entry.effective_time,
                expire_time: entry.expire_time,
                certificate: certificate.certificate
              }))
          ).pipe(Effect.map((data) => ({ data })))
        )
  )
}

/**
 * The products and their command group. `certificates download` reads better than the accessor's own name.
 *
 * @since 0.4.0
 * @category constants
 */
export const products: ReadonlyArray<{
  readonly group: string
  readonly description: string
  readonly module: Readonly<Record<string, unknown>>
  /** Default `merchant`. */
  readonly credentials?: Credentials
  readonly rename?: Readonly<Record<string, string>>
  readonly present?: Readonly<Record<string, Present>>
  /** A write's read command (accessors) where the nearest GET up its path is not the one showing its effect. */
  readonly check?: Readonly<Record<string, string>>
}> = [
  {
    group: "membercard",
    description: "会员卡 (membercard-open): every member-card endpoint",
    module: MemberCard,
    check: {
      importUserCardByOpenid: "listUserCards",
      importUserCardByPhone: "searchPhoneMember",
      importPhoneMember: "searchPhoneMember"
    }
  },
  {
    group: "membercard-activity",
    description: "会员有礼 (membercard-activity): every member-activity endpoint",
    module: MemberCardActivity
  },
  { group: "media", description: "图片上传 (marketing image upload)", module: Media },
  {
    group: "certificates",
    description: "平台证书 (platform certificates)",
    module: PlatformCertificates,
    rename: { downloadCertificates: "download" },
    present: { downloadCertificates: decryptedCertificates }
  },
  {
    group: "partner-card-member",
    description: "商家名片会员卡, a service provider's (/v3/brand/partner/card-member): WECHATPAY_* as the provider, " +
      "--brand-id names the brand",
    module: PartnerCardMember
  },
  {
    group: "brand-card-member",
    description: "商家名片会员卡, a brand's own (/brand/card-member): signed as the brand, from WECHATPAY_BRAND_*",
    module: BrandCardMember,
    credentials: "brand"
  }
]

const isService = (value: unknown): value is AnyService =>
  typeof value === "function" && "definition" in value && "call" in value

/** The read command of a write: the override, else the GET at the longest prefix of its path (its own path first). */
const readOf = (spec: Spec, all: ReadonlyArray<Spec>): Spec | undefined => {
  const override = products.find((product) => product.group === spec.group)?.check?.[spec.accessor]
  if (override !== undefined) return all.find((read) => read.group === spec.group && read.accessor === override)
  const segments = spec.service.definition.path.split("/")
  for (let n = segments.length; n > 1; n--) {
    const prefix = segments.slice(0, n).join("/")
    const read = all.find((s) =>
      s.group === spec.group && s.service.definition.method === "GET" && s.service.definition.path === prefix
    )
    if (read !== undefined) return read
  }
  return undefined
}

/**
 * Every endpoint declaration of every product, with its command's place and fields.
 *
 * @since 0.4.0
 * @category constructors
 */
export const specs = (): ReadonlyArray<Spec> => {
  const all = products.flatMap(({ credentials = "merchant", group, module, present, rename }) =>
    Object.values(module).filter(isService).flatMap((service): Array<Spec> => {
      const accessor = Object.entries(module).find(([, value]) => value === service.call)?.[0]
      if (accessor === undefined) return []
      const fields = Flags.fieldsOf(service.definition.request, service.definition.encrypt?.field)
      const command = rename?.[accessor] ?? Flags.kebab(accessor)
      return [{ group, command, accessor, credentials, service, fields, present: present?.[accessor] }]
    })
  )
  return all.map((spec) => {
    if (spec.service.definition.method === "GET") return spec
    const read = readOf(spec, all)
    if (read === undefined) return spec
    const flags = read.fields.filter((field) => field.required).map((field) => ` --${field.flag} <${field.name}>`)
    return { ...spec, check: `effect-wechatpay ${read.group} ${read.command}${flags.join("")}` }
  })
}

/**
 * What to do about an interrupted write, whose outcome is unknown. Only an idempotency key makes a blind repeat safe
 * (WeChat applies one key once, given the same values). A `repeatable` write is repeated by the client only after an
 * answer saying it was not processed (see `Endpoint.Definition.repeatable`): after an unknown outcome, repeating it
 * blindly could undo a change another writer made in between, so the advice is to check first.
 *
 * @since 0.6.0
 * @category utils
 */
export const retryOf = (spec: Spec): string => {
  const { idempotencyKey, method, repeatable } = spec.service.definition
  if (method === "GET") return "safe: a read"
  if (idempotencyKey !== undefined) {
    return `safe to repeat with the same --${Flags.kebab(idempotencyKey)} and the same values (its idempotency key: ` +
      "WeChat applies it once)"
  }
  if (repeatable !== undefined) {
    return spec.check === undefined
      ? `no read command shows its state; the client repeats it only when WeChat says it was not processed: ${repeatable}`
      : "check first (the check command), then repeat it only if the state is not what you sent: a blind repeat " +
        `could undo a change another writer made in between (${repeatable})`
  }
  return "not safe without checking: it has no idempotency key, so repeat it only if the check shows it was not applied"
}

/**
 * The flags every endpoint command takes besides its fields.
 *
 * @since 0.4.0
 * @category constants
 */
export const connectionOptions = {
  json: Flag.String("json").pipe(
    Flag.withDescription("the request (or part of it) as a JSON object with wire (snake_case) names; a flag wins"),
    Flag.optional
  ),
  baseUrl: Flag.String("base-url").pipe(
    Flag.withDescription("the API base URL (default WECHATPAY_BASE_URL, else https://api.mch.weixin.qq.com)"),
    Flag.optional
  ),
  maxRetries: Flag.Int("max-retries").pipe(
    Flag.withDescription("repeats of a repeat-safe call after a transient failure (default 3)"),
    Flag.optional
  )
}

/**
 * The client from the `WECHATPAY_*` variables (`WechatPay.config`), `--base-url` taking precedence. With no WeChat Pay
 * key configured but the APIv3 key given, certificate mode: the platform certificates are downloaded first (the
 * bootstrap an operator runs `certificates download` for), as with `WECHATPAY_DOWNLOAD_CERTIFICATES=true`.
 *
 * @since 0.4.0
 * @category layers
 */
export const layerClient = (
  baseUrl: Option.Option<string>,
  onSend: Effect.Effect<void> = Effect.void
): Layer.Layer<WechatPayClient.WechatPayClient | Encryptor.Encryptor, unknown> =>
  Layer.unwrap(
    Effect.map(
      Config.map(WechatPay.config, (options) => ({
        ...options,
        ...Option.match(baseUrl, { onNone: () => ({}), onSome: (url) => ({ baseUrl: url.trim() }) }),
        ...(Object.keys(options.wechatpayPublicKeys).length === 0 && options.apiV3Key !== undefined
          ? { platformCertificates: options.platformCertificates ?? true }
          : {})
      })),
      (options) => WechatPay.layerWith(options).pipe(Layer.provide(sending(onSend)))
    )
  )

/**
 * A brand's client from the `WECHATPAY_BRAND_*` variables (`BrandClient.config`), `--base-url` taking precedence. The
 * brand API key (`WECHATPAY_BRAND_API_KEY`) is for notifications: a call does not read it, so it is left out.
 *
 * @since 1.3.0
 * @category layers
 */
export const layerBrandClient = (
  baseUrl: Option.Option<string>,
  onSend: Effect.Effect<void> = Effect.void
): Layer.Layer<BrandClient.BrandClient, unknown> =>
  Layer.unwrap(
    Effect.map(
      Config.map(BrandClient.config, (options): BrandClient.Options => ({
        ...options,
        brandApiKey: undefined,
        ...Option.match(baseUrl, { onNone: () => ({}), onSome: (url) => ({ baseUrl: url.trim() }) })
      })),
      (options) => BrandClient.layerWith(options).pipe(Layer.provide(sending(onSend)))
    )
  )

/** The node:http transport (as `WechatPay.layerNode`), running `onSend` as each request is handed to it. */
const sending = (onSend: Effect.Effect<void>): Layer.Layer<Transport.Transport, unknown> =>
  Layer.effect(
    Transport.Transport,
    Effect.map(Transport.Transport, (transport) =>
      Transport.Transport.of({ send: (request, limits) => Effect.andThen(onSend, transport.send(request, limits)) }))
  ).pipe(Layer.provide(NodeTransport.layer()))

/** One flag per field, by wire name (an endpoint without fields, getCallback, takes none). */
const flagValues = (spec: Spec): Readonly<Record<string, Flag.Flag<Option.Option<unknown>>>> =>
  Object.fromEntries(spec.fields.map((field) => [field.name, Flags.option(field)]))

/**
 * Call the endpoint with the request made of the flags; print the decoded response (nothing for a 204).
 *
 * @since 0.4.0
 * @category constructors
 */
export const call = (
  spec: Spec,
  values: Readonly<Record<string, Option.Option<unknown>>>,
  connection: {
    readonly json: Option.Option<string>
    readonly baseUrl: Option.Option<string>
    readonly maxRetries: Option.Option<number>
  }
): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    const definition = spec.service.definition
    const request = yield* Flags.request(spec.fields, values, connection.json)
    if (Option.isSome(connection.maxRetries) && connection.maxRetries.value < 0) {
      return yield* new InvalidArguments({ flag: "max-retries", message: "--max-retries must be 0 or more" })
    }
    const finish = spec.present === undefined ? Effect.succeed : yield* spec.present.prepare
    // The call is recorded as what the command does (for an interruption's report) when its request is handed to
    // the transport: not while flags are read, the request validated or the client built (which may download the
    // platform certificates: those requests are not the endpoint's, so the recording waits for `armed`).
    let armed = false
    const onSend = Effect.suspend(() =>
      armed
        ? running({
          _tag: "Call",
          operation: `${spec.group} ${spec.command}`,
          request: `${definition.method} ${definition.path}`,
          write: definition.method !== "GET",
          check: spec.check,
          retry: retryOf(spec)
        })
        : Effect.void
    )
    // A spec's service needs its product's client only (a brand endpoint `BrandClient`, any other `WechatPayClient`
    // and the `Encryptor`): the one built here.
    const endpoint = (spec.credentials === "brand"
      ? spec.service.layer.pipe(Layer.provide(layerBrandClient(connection.baseUrl, onSend)))
      : spec.service.layer.pipe(Layer.provide(layerClient(connection.baseUrl, onSend)))) as Layer.Layer<AnyEndpoint, unknown>
    const context = yield* Layer.build(endpoint)
    armed = true
    const called = spec.service.call(request).pipe(Effect.provide(context))
    const response = yield* Option.match(connection.maxRetries, {
      onNone: () => called,
      onSome: (maxRetries) => Effect.provideService(called, RetryPolicy.RetryPolicy, RetryPolicy.make({ maxRetries }))
    })
    if (response !== undefined) yield* printJson(yield* finish(response))
  }).pipe(Effect.scoped)

/**
 * The command of one endpoint.
 *
 * @since 0.4.0
 * @category constructors
 */
export const command = (spec: Spec) => {
  const definition = spec.service.definition
  return Command.make(
    spec.command,
    { fields: flagValues(spec), ...connectionOptions },
    ({ fields, ...connection }) => withDefectLog(call(spec, fields, connection))
  ).pipe(Command.withDescription(
    `${definition.method} ${definition.path} (${definition.name})` +
      (spec.credentials === "brand" ? ", signed as the brand (WECHATPAY_BRAND_*)" : "") +
      (spec.present === undefined ? "" : `: ${spec.present.description}`)
  ))
}
