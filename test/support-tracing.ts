/**
 * A span recorder for tests that check what reaches a tracer (test/tracing.test.ts, test/telemetry.test.ts): every
 * attribute, event and link, the exit the span ended with, and how many times it was ended.
 */
import { randomBytes } from "node:crypto"
import type * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/** A span as our tracer saw it: everything an exporter would be handed. */
export class RecordedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = randomBytes(8).toString("hex")
  readonly traceId: string
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> }> = []
  readonly links: Array<Tracer.SpanLink>
  status: Tracer.SpanStatus
  /** How many times `end` was called (an exporter exports on each). */
  ends = 0

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly annotations: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    readonly sampled: boolean
  ) {
    this.traceId = Option.isSome(parent) ? parent.value.traceId : randomBytes(16).toString("hex")
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.ends++
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }

  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }

  event(name: string, _startTime: bigint, attributes?: Record<string, unknown>): void {
    this.events.push({ name, attributes: attributes ?? {} })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }

  /** The exit the span was ended with (fails the test if it was never ended). */
  get exit(): Exit.Exit<unknown, unknown> {
    if (this.status._tag !== "Ended") throw new Error(`span ${this.name} was never ended`)
    return this.status.exit
  }
}

/** A tracer that records each span it makes into `spans`. */
export const recordingTracer = (spans: Array<RecordedSpan>): Tracer.Tracer =>
  Tracer.make({
    span: ({ annotations, kind, links, name, parent, sampled, startTime }) => {
      const span = new RecordedSpan(name, parent, annotations, links, startTime, kind, sampled)
      spans.push(span)
      return span
    }
  })
