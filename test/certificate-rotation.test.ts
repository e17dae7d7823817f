/**
 * The rotation story: the emulator, in certificate mode on 127.0.0.1, rotates its platform certificate while calls run
 * concurrently. The client holds only what `PlatformCertificates.layerVerifier` downloaded: it keeps verifying
 * without a restart, no call fails during the switch, and the switch costs one download.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { MemberCard } from "../src/index.js"
import * as NodeTransport from "../src/NodeTransport.js"
import * as PlatformCertificates from "../src/PlatformCertificates.js"
import * as Signer from "../src/Signer.js"
import { Emulator } from "../src/testing/index.js"
import * as Transport from "../src/Transport.js"
import * as WechatPayClient from "../src/WechatPayClient.js"
import { card_id, fresh } from "./support.js"

/** What went over the wire: the certificate downloads, and the serial each answer was signed under. */
interface Wire {
  downloads: number
  readonly signedBy: Map<string, number>
}

/** The real Node transport, counting downloads and the signing serial of each GetUserCard answer. */
const layerCountingTransport = (wire: Wire): Layer.Layer<Transport.Transport, import("../src/WechatPayError.js").ConfigurationError> =>
  Layer.effect(
    Transport.Transport,
    Effect.map(Transport.Transport, (inner) =>
      Transport.Transport.of({
        send: (request, limits) => {
          if (request.target === "/v3/certificates") wire.downloads++
          return Effect.tap(inner.send(request, limits), (response) =>
            Effect.sync(() => {
              const serial = response.headers["wechatpay-serial"]
              if (request.target !== "/v3/certificates" && serial !== undefined) {
                wire.signedBy.set(serial, (wire.signedBy.get(serial) ?? 0) + 1)
              }
            }))
        }
      }))
  ).pipe(Layer.provide(NodeTransport.layer()))

/** GetUserCard over the refreshing verifier, against the emulator server in context; no key configured. */
const layerClient = (wire: Wire) =>
  Layer.unwrap(
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const server = yield* Emulator.EmulatorServer
      const identity = {
        mchid: emulator.mchid,
        merchantSerialNumber: emulator.merchantSerialNumber,
        baseUrl: server.baseUrl
      }
      return MemberCard.GetUserCard.layer.pipe(
        Layer.provide(WechatPayClient.layer(identity)),
        Layer.provideMerge(PlatformCertificates.layer({ ...identity, apiV3Key: emulator.apiV3Key })),
        Layer.provide(Signer.layerRsa({ privateKey: emulator.merchantPrivateKey! })),
        Layer.provide(layerCountingTransport(wire))
      )
    })
  )

describe("certificate rotation", () => {
  it.live("the emulator rotates its certificate mid-run: every concurrent call verifies, one download for the switch", () =>
    Effect.gen(function*() {
      const wire: Wire = { downloads: 0, signedBy: new Map() }
      const context = yield* Layer.build(
        layerClient(wire).pipe(Layer.provideMerge(Emulator.layerServer()), Layer.provideMerge(Emulator.layer({ mode: "certificate" })))
      )
      const run = <A, E>(effect: Effect.Effect<A, E, MemberCard.GetUserCard | PlatformCertificates.Certificates>) =>
        Effect.provide(effect, context)
      const emulator = yield* Effect.provide(Emulator.Emulator, context)
      const before = emulator.certificateSerial
      const code = fresh("c")
      emulator.putCard({ card_id, code, balance: 100, bonus_value: 500 })
      expect(wire.downloads).toBe(1)
      const held = yield* run(Effect.flatMap(PlatformCertificates.Certificates, (c) => c.current))
      expect(held.map((c) => c.serial)).toEqual([before])

      // 8 callers, each calling until told to stop; every result kept.
      const results = yield* Ref.make<Array<Result.Result<unknown, { readonly _tag: string }>>>([])
      const stop = yield* Ref.make(false)
      const caller = Effect.gen(function*() {
        while (!(yield* Ref.get(stop))) {
          const result = yield* Effect.result(run(MemberCard.GetUserCard.call({ card_id, code })))
          yield* Ref.update(results, (list) => [...list, result])
        }
      })
      const fibers = yield* Effect.forEach(Array.from({ length: 8 }), () => Effect.forkChild(caller))
      const callsSoFar = Effect.map(Ref.get(results), (list) => list.length)
      while ((yield* callsSoFar) < 40) yield* Effect.sleep("5 millis")

      const rotated = emulator.rotateCertificate()
      expect(rotated.serial).not.toBe(before)
      const atRotation = yield* callsSoFar
      while ((yield* callsSoFar) < atRotation + 80) yield* Effect.sleep("5 millis")
      yield* Ref.set(stop, true)
      yield* Fiber.joinAll(fibers)

      const all = yield* Ref.get(results)
      const failures = all.filter(Result.isFailure).map((e) => e.failure._tag)
      expect(failures).toEqual([])
      // Both certificates signed answers the client accepted, and the switch took one download (lazy, on the new
      // serial, shared by every caller that met it).
      expect(wire.signedBy.get(before)).toBeGreaterThanOrEqual(40)
      expect(wire.signedBy.get(rotated.serial)).toBeGreaterThanOrEqual(70)
      expect(wire.downloads).toBe(2)
      const after = yield* run(Effect.flatMap(PlatformCertificates.Certificates, (c) => c.current))
      expect(after.map((c) => c.serial).sort()).toEqual([before, rotated.serial].sort())
      expect(after[0]!.serial).toBe(rotated.serial)
    }), 60_000)
})
