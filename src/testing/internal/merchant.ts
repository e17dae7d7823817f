/**
 * One merchant the emulator serves: its identity (mchid, certificate serial, public key), its APIv3 key, its WeChat
 * Pay public key (`PUB_KEY_ID_…`, per merchant as WeChat issues it), its callback URL and its own state. The primary
 * merchant (`Options.mchid` …) gets its keys at once, as before 1.2.0; the others (`Options.merchants`) make their
 * RSA keys on first use, so an emulator with a few merchants starts as fast as one with one.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as Redacted from "effect/Redacted"
import * as Aead from "./aead.js"
import type { MerchantOptions } from "./model.js"
import type { Store } from "./store.js"
import { randomHex } from "./wechatSide.js"

/** The key pair WeChat holds for the merchant's `PUB_KEY_ID_…`. */
export interface PlatformKey {
  readonly id: string
  /** PEM (SPKI), what the merchant configures. */
  readonly pem: string
  readonly privateKey: crypto.KeyObject
}

/** A fresh `PUB_KEY_ID_…` and its key pair. */
export const makePlatformKey = (): PlatformKey => {
  const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  return {
    id: `PUB_KEY_ID_${crypto.randomInt(1e9, 9e9)}${"0".repeat(24)}`,
    pem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: pair.privateKey
  }
}

/** The APIv3 key given, checked, or a generated one. */
export const apiV3KeyOf = (given: string | undefined): string => {
  const key = given ?? Aead.randomAlphanumeric(32)
  // The key itself stays out of the message: it may be a real one pasted by mistake.
  if (!/^[\x21-\x7e]{32}$/.test(key)) throw new Error("Emulator: apiV3Key must be 32 printable ASCII characters")
  return key
}

/** A caller's API key as WeChat holds it (a merchant's, or a brand's): the public half, and the private one if made here. */
export interface CallerKey {
  readonly publicKey: crypto.KeyObject
  /** Present when the emulator generated the pair. */
  readonly privateKey: Redacted.Redacted<string> | undefined
}

/** The public key given, or a fresh pair (the caller's API certificate key) made here. */
export const callerKeyOf = (publicKeyPem: string | undefined): CallerKey => {
  if (publicKeyPem !== undefined) return { publicKey: crypto.createPublicKey(publicKeyPem), privateKey: undefined }
  const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
  return {
    publicKey: pair.publicKey,
    privateKey: Redacted.make(pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString())
  }
}

/** A merchant of the emulator. Implements `WechatSide.Merchant` (who a request's Authorization must match). */
export class Account {
  readonly mchid: string
  readonly serialNumber: string
  readonly apiV3Key: Redacted.Redacted<string>
  /** The APIv3 key's 32 ASCII bytes, the AEAD key. */
  readonly apiV3KeyBytes: Uint8Array
  readonly store: Store
  /** A service provider (普通服务商): its bonus calls may name no merchant. */
  readonly serviceProvider: boolean
  private readonly notifyUrl: string | undefined
  private readonly publicKeyPem: string | undefined
  private merchantKey: CallerKey | undefined
  private platform: PlatformKey | undefined

  constructor(
    options: MerchantOptions,
    store: Store,
    eager?: { readonly platform: PlatformKey }
  ) {
    this.mchid = options.mchid
    this.serialNumber = options.merchantSerialNumber ?? randomHex(20).toUpperCase()
    const apiV3Key = apiV3KeyOf(options.apiV3Key)
    this.apiV3Key = Redacted.make(apiV3Key)
    this.apiV3KeyBytes = Buffer.from(apiV3Key, "ascii")
    this.notifyUrl = options.notifyUrl
    this.serviceProvider = options.serviceProvider === true
    this.publicKeyPem = options.merchantPublicKey
    this.store = store
    if (eager !== undefined) {
      this.platform = eager.platform
      this.merchantKey = callerKeyOf(options.merchantPublicKey)
    } else if (options.merchantPublicKey !== undefined) {
      // A PEM that does not parse is a set-up error: say so now, not on the first request.
      this.merchantKey = callerKeyOf(options.merchantPublicKey)
    }
  }

  /** The merchant's public key (`apiclient_cert`), what its signatures are verified with. */
  get publicKey(): crypto.KeyObject {
    return this.ownKey().publicKey
  }

  /** The merchant's private key when the emulator generated it (no `merchantPublicKey` given). TEST ONLY. */
  get privateKey(): Redacted.Redacted<string> | undefined {
    return this.ownKey().privateKey
  }

  /** WeChat's key for this merchant's `PUB_KEY_ID_…`: signs answers and notifications in public-key mode. */
  get platformKey(): PlatformKey {
    return this.platform ??= makePlatformKey()
  }

  /** Where this merchant's notifications go now: its `notifyUrl`, else the URL it set with `setCallback`. */
  callbackUrl(): string | undefined {
    return this.notifyUrl ?? (this.store.locals.get("callback") as { notify_url?: string } | undefined)?.notify_url
  }

  private ownKey(): CallerKey {
    return this.merchantKey ??= callerKeyOf(this.publicKeyPem)
  }
}
