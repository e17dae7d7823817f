/**
 * The effect-wechatpay bench client, given the library and effect modules it runs on: shared by the measured
 * columns (bench/clients.ts, which imports the built dist/ lazily) and the bundled cold start (bench/bundled.ts,
 * which imports everything statically so that esbuild can bundle it).
 */
import type * as EffectT from "effect/Effect"
import type * as LayerT from "effect/Layer"
import type * as ManagedRuntimeT from "effect/ManagedRuntime"
import type * as RedactedT from "effect/Redacted"
import type * as ResultT from "effect/Result"
import type * as Library from "../src/index.js"
import {
  type ChildConfig,
  type Constructed,
  Cycle,
  describeError,
  type Keys,
  type Op,
  opBody,
  type PhaseCount,
  type PhasePlan,
  readCard,
  userAgent,
  writeCard
} from "./common.js"

export interface EffectModules {
  readonly lib: typeof Library
  readonly Effect: typeof EffectT
  readonly Layer: typeof LayerT
  readonly ManagedRuntime: typeof ManagedRuntimeT
  readonly Redacted: typeof RedactedT
  readonly Result: typeof ResultT
}

type ClientLayer = LayerT.Layer<
  Library.WechatPay.Provided<Library.WechatPay.Options>,
  Library.ConfigurationError
>

const firstOp: Op = { kind: "get", key: "" }

export const effectClient = async (
  modules: EffectModules,
  config: ChildConfig,
  transport: (options: Library.WechatPay.Options) => Promise<ClientLayer> | ClientLayer
): Promise<Constructed> => {
  const { lib, Effect, Layer, ManagedRuntime, Redacted, Result } = modules
  const { MemberCard } = lib
  const clientLayer = await transport({
    mchid: config.mchid,
    merchantSerialNumber: config.merchantSerial,
    merchantPrivateKey: Redacted.make(config.merchantPrivateKey),
    wechatpayPublicKeys: { [config.publicKeyId]: config.publicKey },
    baseUrl: config.baseUrl,
    userAgent
  })
  // Telemetry is on by default (metrics recorded into Effect's registry; no exporter here): the `effect-node-notel`
  // column switches it off, so that the pair measures what recording costs per call.
  const layer = config.column === "effect-node-notel"
    ? Layer.merge(MemberCard.layer.pipe(Layer.provide(clientLayer)), lib.Telemetry.layerDisabled)
    : MemberCard.layer.pipe(Layer.provide(clientLayer))
  const runtime = ManagedRuntime.make(layer)
  const endpoints = await runtime.runPromise(Effect.all({
    get: MemberCard.GetUserCard,
    update: MemberCard.UpdateUserCard,
    rights: MemberCard.SetUserCardRights,
    prepare: MemberCard.PrepareBonus,
    commit: MemberCard.CommitBonus
  }))
  const mchid = config.mchid
  // Same field order as `opBody`, so the JSON the library sends is byte-identical to the other columns'.
  const call = (op: Op): EffectT.Effect<unknown, unknown> => {
    switch (op.kind) {
      case "get":
        return endpoints.get(readCard)
      case "update":
        return endpoints.update({ ...writeCard, ...opBody(op, mchid) } as unknown as Library.MemberCard.UpdateUserCardRequest)
      case "rights":
        return endpoints.rights({ ...writeCard, ...opBody(op, mchid) } as unknown as Library.MemberCard.SetUserCardRightsRequest)
      case "prepare":
        return endpoints.prepare({ ...writeCard, ...opBody(op, mchid) } as unknown as Library.MemberCard.BonusRequest)
      case "commit":
        return endpoints.commit({ ...writeCard, ...opBody(op, mchid) } as unknown as Library.MemberCard.BonusRequest)
    }
  }
  // The workload runs inside Effect, as an Effect program would call the library: one fiber per in-flight slot.
  const run = (plan: PhasePlan, keys: Keys): Promise<PhaseCount> =>
    runtime.runPromise(Effect.suspend(() => {
      const count: PhaseCount = { calls: 0, errors: 0 }
      let budget = plan.calls ?? Number.POSITIVE_INFINITY
      const deadline = plan.deadline ?? Number.POSITIVE_INFINITY
      const latencies = plan.latencies
      const worker = Effect.gen(function*() {
        const cycle = new Cycle(keys)
        while (budget > 0 && performance.now() < deadline) {
          budget--
          const op = cycle.next()
          const start = latencies === undefined ? 0 : performance.now()
          const result = yield* Effect.result(call(op))
          if (Result.isFailure(result)) {
            count.errors++
            if (count.firstError === undefined) count.firstError = `${op.kind}: ${describeError(result.failure)}`
          }
          if (latencies !== undefined) latencies.push(performance.now() - start)
          count.calls++
        }
      })
      return Effect.as(
        Effect.all(Array.from({ length: plan.concurrency }, () => worker), { concurrency: "unbounded", discard: true }),
        count
      )
    }))
  return {
    client: { run, close: () => runtime.dispose() },
    firstCall: () => runtime.runPromise(Effect.asVoid(call(firstOp)))
  }
}

