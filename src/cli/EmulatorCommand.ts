/**
 * `effect-wechatpay emulator serve`: the emulator on 127.0.0.1 as a server any language can test against. Once it
 * listens it prints one line of JSON on stdout with everything a client needs (address, merchant identity, the
 * platform keys, the APIv3 key and, when it generated the merchant key, the path of that key's file); it logs one
 * line per request on stderr, delivers notifications (signed, sealed with the APIv3 key, retried on WeChat's
 * schedule) and runs until SIGINT, SIGTERM, SIGHUP, SIGQUIT or SIGUSR2 (exit 0, a second signal too), then closes its
 * sockets and removes the key files.
 *
 * `--merchants N` (since 1.2.0) serves N more merchants, generated (mchid, keys, APIv3 key), listed in the line's
 * `merchants`.
 *
 * Since 1.3.0 it also serves 商家名片会员卡 for one generated brand (every merchant may act for it): the line's
 * `brand` has what a `BrandClient` needs (brand id, brand API certificate serial, the private key's file, the brand's
 * WeChat Pay public key and id, the brand API key).
 *
 * The APIv3 key is printed only when the emulator generated it. A key of one's own comes from
 * `WECHATPAY_API_V3_KEY` or `--api-v3-key-file PATH`; `--api-v3-key` still works but warns, since the process list
 * (`ps`) shows a process's arguments to every user of the machine.
 *
 * @since 0.4.0
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { consoleListener, consolePath } from "../testing/console/server.js"
import * as Emulator from "../testing/Emulator.js"
import { InvalidArguments, ListenError } from "./CliError.js"
import { apiV3KeyConfig } from "./Endpoints.js"
import { printLine, withDefectLog } from "./Output.js"
import { running } from "./Signals.js"

/**
 * The line printed once the server listens.
 *
 * @since 0.4.0
 * @category models
 */
export interface Ready {
  readonly baseUrl: string
  /** (1.4.0) The emulator's console on the same port: open it in a browser. */
  readonly console: string
  readonly mchid: string
  readonly merchantSerialNumber: string
  readonly publicKeyId: string
  readonly publicKey: string
  readonly certificateSerial: string
  readonly certificate: string
  /** Only when the emulator generated it (no `WECHATPAY_API_V3_KEY`, `--api-v3-key-file` or `--api-v3-key`). */
  readonly apiV3Key?: string
  /** Only when the emulator generated the merchant key pair (no `--merchant-public-key`). */
  readonly merchantPrivateKeyFile?: string
  /** (1.2.0) The merchants `--merchants N` added, each generated; absent without the flag. */
  readonly merchants?: ReadonlyArray<ReadyMerchant>
  /** (1.3.0) The brand of 商家名片会员卡 it serves (generated), as a `BrandClient` is configured. */
  readonly brand: ReadyBrand
}

/**
 * The brand `emulator serve` serves: what a `BrandClient` needs to call as it (`BrandClient.Options`), the private key
 * in a file of the same private directory as the merchants' keys.
 *
 * @since 1.3.0
 * @category models
 */
export interface ReadyBrand {
  readonly brandId: string
  /** The brand API certificate's serial (`serial_no`). */
  readonly brandSerialNumber: string
  readonly brandPrivateKeyFile: string
  /** The brand's WeChat Pay public key id (`Wechatpay-Serial` of every call) and key. */
  readonly wechatpayPublicKeyId: string
  readonly wechatpayPublicKey: string
  /** 品牌API密钥: its notifications are sealed with it. */
  readonly brandApiKey: string
}

/**
 * A merchant `--merchants N` added: what a client needs to call as it.
 *
 * @since 1.2.0
 * @category models
 */
export interface ReadyMerchant {
  readonly mchid: string
  readonly merchantSerialNumber: string
  /** Its own WeChat Pay public key id and key (the platform certificates are the emulator's, printed above). */
  readonly publicKeyId: string
  readonly publicKey: string
  readonly apiV3Key: string
  readonly merchantPrivateKeyFile: string
}

/** The package's version, shown by the console (read as `main.ts` reads it: the bundle sits in `dist/cli/`). */
const version = (createRequire(import.meta.url)("../../package.json") as { readonly version: string }).version

/** More merchants than a test needs only costs start-up time (two RSA keys each). */
const maxMerchants = 100

const options = {
  port: Flag.Int("port").pipe(
    Flag.withDescription("the port on 127.0.0.1 (default: a free one, printed in baseUrl)"),
    Flag.optional
  ),
  mchid: Flag.String("mchid").pipe(Flag.withDescription("the merchant id it accepts"), Flag.optional),
  merchantSerialNumber: Flag.String("merchant-serial-number").pipe(
    Flag.withDescription("the merchant certificate serial it accepts"),
    Flag.optional
  ),
  merchantPublicKey: Flag.File("merchant-public-key", { mustExist: true }).pipe(
    Flag.withDescription("PEM file of the merchant's public key (default: a key pair is generated)"),
    Flag.optional
  ),
  apiV3Key: Flag.Redacted("api-v3-key").pipe(
    Flag.withDescription(
      "the merchant's APIv3 key, 32 ASCII characters — visible to other users in `ps`: prefer WECHATPAY_API_V3_KEY " +
        "or --api-v3-key-file (default: WECHATPAY_API_V3_KEY, else generated and printed)"
    ),
    Flag.optional
  ),
  apiV3KeyFile: Flag.File("api-v3-key-file", { mustExist: true }).pipe(
    Flag.withDescription("a file holding the merchant's APIv3 key (32 ASCII characters; a final newline is ignored)"),
    Flag.optional
  ),
  notifyUrl: Flag.String("notify-url").pipe(
    Flag.withDescription(
      "where the first merchant's notifications are delivered (default, and for the others: the URL set with set-callback)"
    ),
    Flag.optional
  ),
  merchants: Flag.Int("merchants").pipe(
    Flag.withDescription(
      `serve this many more merchants (0–${maxMerchants}), each with generated ids and keys, listed in the ready line`
    ),
    Flag.optional
  )
}

/** `count` merchant ids after 1900000200 that are not `taken`. */
const merchantIds = (count: number, taken: string): Array<string> => {
  const ids: Array<string> = []
  for (let n = 1900000200; ids.length < count; n++) if (String(n) !== taken) ids.push(String(n))
  return ids
}

const readPem = (path: string): Effect.Effect<string, InvalidArguments> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: () => new InvalidArguments({ flag: "merchant-public-key", message: "--merchant-public-key: cannot read the file" })
  })

/**
 * The generated merchant keys, one file each (0600), in one fresh private directory (0700) — none when there is no
 * key to hand out; removed when the scope closes, and by the process's exit hook if the process ends without closing
 * it (an uncaught exception, a second signal). One directory and one hook however many merchants are served.
 *
 * @since 0.6.0
 * @category constructors
 */
export const keyFiles = (keys: ReadonlyArray<readonly [name: string, pem: Redacted.Redacted<string>]>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      if (keys.length === 0) return { files: [] as ReadonlyArray<string>, remove: undefined }
      const dir = mkdtempSync(join(tmpdir(), "effect-wechatpay-emulator-"))
      const remove = () => rmSync(dir, { recursive: true, force: true })
      process.once("exit", remove)
      const files = keys.map(([name, pem]) => {
        const file = join(dir, name)
        writeFileSync(file, Redacted.value(pem), { mode: 0o600 })
        return file
      })
      return { files, remove }
    }),
    ({ remove }) =>
      Effect.sync(() => {
        if (remove === undefined) return
        process.removeListener("exit", remove)
        remove()
      })
  )

/** The APIv3 key given (`undefined`: generate one), from exactly one of the flag, the file or the environment. */
const suppliedKey = (flags: {
  readonly apiV3Key: Option.Option<Redacted.Redacted<string>>
  readonly apiV3KeyFile: Option.Option<string>
}) =>
  Effect.gen(function*() {
    if (Option.isSome(flags.apiV3Key) && Option.isSome(flags.apiV3KeyFile)) {
      return yield* new InvalidArguments({
        flag: "api-v3-key-file",
        message: "give the APIv3 key once: --api-v3-key-file or --api-v3-key, not both"
      })
    }
    const [flag, key] = Option.isSome(flags.apiV3KeyFile)
      ? ["api-v3-key-file", yield* readKeyFile(flags.apiV3KeyFile.value)] as const
      : Option.isSome(flags.apiV3Key)
      ? ["api-v3-key", flags.apiV3Key.value] as const
      : ["WECHATPAY_API_V3_KEY", Option.getOrUndefined(yield* Config.option(apiV3KeyConfig))] as const
    if (key === undefined) return undefined
    if (flag === "api-v3-key") {
      yield* Effect.logWarning(
        "--api-v3-key is visible to every user of this machine in the process list (ps): give the key in " +
          "WECHATPAY_API_V3_KEY or --api-v3-key-file instead"
      )
    }
    // Checked here so the message can name the source; it states the length only, never the key.
    const length = Buffer.byteLength(Redacted.value(key), "utf8")
    if (length !== 32 || !/^[\x21-\x7e]+$/.test(Redacted.value(key))) {
      return yield* new InvalidArguments({
        ...(flag === "WECHATPAY_API_V3_KEY" ? {} : { flag }),
        message: `the APIv3 key (${flag === "WECHATPAY_API_V3_KEY" ? flag : `--${flag}`}) must be 32 ASCII ` +
          `characters; it has ${length} bytes`
      })
    }
    return key
  })

const readKeyFile = (path: string): Effect.Effect<Redacted.Redacted<string>, InvalidArguments> =>
  Effect.try({
    try: () => Redacted.make(readFileSync(path, "utf8").replace(/\r?\n$/, "")),
    catch: () => new InvalidArguments({ flag: "api-v3-key-file", message: "--api-v3-key-file: cannot read the file" })
  })

/**
 * The emulator's listener behind a server on 127.0.0.1 that logs each request (method, path without its query,
 * status) at INFO on stderr. Closed, connections and all, when the scope closes.
 */
const listen = (emulator: Emulator.EmulatorState, port: number | undefined) =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    let baseUrl = ""
    // The console on the same port (`/console`): its page, API and event stream are not logged request by request.
    const listener = consoleListener(emulator, Emulator.requestListener(emulator), { baseUrl: () => baseUrl, version })
    const log = (method: string, path: string, status: number | "dropped") =>
      Effect.runForkWith(context)(Effect.logInfo("request").pipe(Effect.annotateLogs({ method, path, status })))
    return yield* Effect.acquireRelease(
      Effect.callback<http.Server, ListenError>((resume) => {
        const server = http.createServer((req, res) => {
          // The query may hold personal data (an openid): only the path is logged.
          const path = (req.url ?? "").split("?")[0]!
          if (path === consolePath || path.startsWith(`${consolePath}/`)) return listener(req, res)
          res.on("finish", () => log(req.method ?? "", path, res.statusCode))
          res.on("close", () => {
            if (!res.writableFinished) log(req.method ?? "", path, "dropped")
          })
          listener(req, res)
        })
        server.keepAliveTimeout = 8000
        server.once("error", (error: NodeJS.ErrnoException) => {
          const reason = error.code === "EADDRINUSE"
            ? "AddressInUse"
            : error.code === "EACCES" || error.code === "EPERM"
            ? "PermissionDenied"
            : "Unavailable"
          resume(Effect.fail(
            new ListenError({
              port: port ?? 0,
              reason,
              message: `cannot listen on 127.0.0.1:${port ?? 0}: ${
                reason === "AddressInUse" ? "the port is in use" : reason === "PermissionDenied" ? "not permitted" : "unavailable"
              } (${error.code ?? "unknown"})`
            })
          ))
        })
        server.listen(port ?? 0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    ).pipe(Effect.map((server) => baseUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`))
  })

/**
 * `emulator serve`.
 *
 * @since 0.4.0
 * @category constructors
 */
export const serve = Command.make("serve", options, (flags) =>
  withDefectLog(Effect.scoped(Effect.gen(function*() {
    // A signal stops a server cleanly (exit 0): there is no outcome to report.
    yield* running({ _tag: "Server" })
    if (Option.isSome(flags.port) && (flags.port.value < 0 || flags.port.value > 65535)) {
      return yield* new InvalidArguments({ flag: "port", message: "--port must be 0–65535" })
    }
    const merchantPublicKey = Option.isSome(flags.merchantPublicKey)
      ? yield* readPem(flags.merchantPublicKey.value)
      : undefined
    const extra = Option.getOrElse(flags.merchants, () => 0)
    if (extra < 0 || extra > maxMerchants) {
      return yield* new InvalidArguments({ flag: "merchants", message: `--merchants must be 0–${maxMerchants}` })
    }
    const apiV3Key = yield* suppliedKey(flags)
    const mchid = Option.getOrUndefined(flags.mchid)
    const emulator = yield* Emulator.make({
      mchid,
      merchantSerialNumber: Option.getOrUndefined(flags.merchantSerialNumber),
      merchantPublicKey,
      apiV3Key: apiV3Key === undefined ? undefined : Redacted.value(apiV3Key),
      notifyUrl: Option.getOrUndefined(flags.notifyUrl),
      ...(extra > 0 ? { merchants: merchantIds(extra, mchid ?? "1900000109").map((id) => ({ mchid: id })) } : {})
    }).pipe(
      // The constructor's message may quote what it was given (a key): report the kind of failure only.
      Effect.catchDefect(() =>
        new InvalidArguments({
          message: "the emulator refused its options (a merchant public key that is not a PEM public key, or an " +
            "APIv3 key that is not 32 ASCII characters)"
        })
      )
    )
    const baseUrl = yield* listen(emulator, Option.getOrUndefined(flags.port))
    // Notifications go out (to --notify-url, else the URL set with set-callback) for as long as the server runs.
    yield* Layer.build(
      Emulator.layerNotifier.pipe(
        Layer.provide(Layer.succeed(Emulator.Emulator, emulator)),
        Layer.provide(FetchHttpClient.layer)
      )
    )
    const others = emulator.mchids.slice(1).map((id) => emulator.merchantOptions(id))
    const brand = emulator.brandOptions()
    const { files } = yield* keyFiles([
      ...(emulator.merchantPrivateKey === undefined
        ? []
        : [["merchant-private-key.pem", emulator.merchantPrivateKey] as const]),
      ...others.map((merchant) => [`merchant-private-key-${merchant.mchid}.pem`, merchant.merchantPrivateKey] as const),
      ["brand-private-key.pem", brand.brandPrivateKey] as const
    ])
    const primaryKeyFile = emulator.merchantPrivateKey === undefined ? undefined : files[0]
    const merchants = others.map((merchant, i): ReadyMerchant => {
      const [publicKeyId, publicKey] = Object.entries(merchant.wechatpayPublicKeys).find(([k]) => k.startsWith("PUB_KEY_ID_"))!
      return {
        mchid: merchant.mchid,
        merchantSerialNumber: merchant.merchantSerialNumber,
        publicKeyId,
        publicKey,
        apiV3Key: Redacted.value(merchant.apiV3Key),
        merchantPrivateKeyFile: files[files.length - 1 - others.length + i]!
      }
    })
    const ready: Ready = {
      baseUrl,
      console: `${baseUrl}${consolePath}`,
      mchid: emulator.mchid,
      merchantSerialNumber: emulator.merchantSerialNumber,
      publicKeyId: emulator.publicKeyId,
      publicKey: emulator.publicKey,
      certificateSerial: emulator.certificateSerial,
      certificate: emulator.certificate,
      // A key given is the caller's already, and a ready line ends up in CI logs: only a generated one is printed.
      ...(apiV3Key === undefined ? { apiV3Key: Redacted.value(emulator.apiV3Key) } : {}),
      ...(primaryKeyFile === undefined ? {} : { merchantPrivateKeyFile: primaryKeyFile }),
      ...(merchants.length > 0 ? { merchants } : {}),
      brand: {
        brandId: brand.brandId,
        brandSerialNumber: brand.brandSerialNumber,
        brandPrivateKeyFile: files[files.length - 1]!,
        wechatpayPublicKeyId: brand.wechatpayPublicKeyId,
        wechatpayPublicKey: brand.wechatpayPublicKey,
        brandApiKey: Redacted.value(brand.brandApiKey)
      }
    }
    yield* printLine(ready)
    yield* Effect.logInfo("listening").pipe(Effect.annotateLogs({ baseUrl }))
    return yield* Effect.never
  })))
).pipe(Command.withDescription("run the WeChat Pay emulator on 127.0.0.1 until SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR2; prints one JSON line"))

