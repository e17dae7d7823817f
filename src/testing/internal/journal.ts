/**
 * The emulator's journal: the last requests it received, each with what it answered, for the console and for tests
 * (`EmulatorState.journal`). Recording is one object and one array slot per request; what the console shows of an
 * entry (the sign string, the diagnosis, masked bodies) is worked out only when it is looked at.
 *
 * @internal
 */
import type { EmulatorResult } from "./model.js"

/** How many requests are kept; older ones leave as new ones arrive. */
export const journalCapacity = 500

/** Bodies above this are kept only in part (their first `keptBodyBytes`), and cannot be diagnosed byte for byte. */
export const keptBodyBytes = 256 * 1024

/**
 * A request the emulator received and what it answered.
 *
 * @since 1.4.0
 * @category models
 */
export interface JournalEntry {
  /** Increasing from 1 for the life of the emulator. */
  readonly id: number
  /** When it was received: epoch milliseconds on the emulator's `Clock`. */
  readonly at: number
  readonly method: string
  /** Path and query, as received. */
  readonly target: string
  /** As received, lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The body as received (its first `keptBodyBytes` when larger: see `bodyBytes`). */
  readonly body: Uint8Array
  /** The size of the body received. */
  readonly bodyBytes: number
  /** What the caller signs: the body, or an upload's `meta` part; absent when the body was too large to keep. */
  readonly signedBody: Uint8Array | undefined
  /**
   * An upload's parts, described when it arrived (the body itself may be kept only in part): each part's name, file
   * name, type, size, and its text (a field) or SHA-256 (a file).
   */
  readonly parts: ReadonlyArray<PartSummary> | undefined
  /** The endpoint it was routed to, `"other"` when none. */
  readonly endpoint: string
  /** The scripted fault that shaped the answer, if any (`Emulator.Fault`'s `_tag` and detail). */
  readonly fault: string | undefined
  /** The answer; absent while it is being handled. */
  readonly result: EmulatorResult | undefined
  /** From receipt to answer, milliseconds. */
  readonly durationMs: number
}

/**
 * A part of a multipart request as the journal keeps it.
 *
 * @since 1.4.0
 * @category models
 */
export interface PartSummary {
  readonly name: string
  readonly filename?: string | undefined
  readonly contentType?: string | undefined
  readonly bytes: number
  /** A field's value as text (not a file's). */
  readonly text?: string | undefined
  /** A file's SHA-256, hex. */
  readonly sha256?: string | undefined
}

/** The last `journalCapacity` requests, in a ring; listeners hear each one once it is answered. */
export class Journal {
  private readonly ring: Array<JournalEntry | undefined> = []
  private next = 1
  private readonly listeners = new Set<(entry: JournalEntry) => void>()

  /** Record a request as it arrives. */
  received(entry: Omit<JournalEntry, "id" | "result" | "durationMs">): JournalEntry {
    const recorded: JournalEntry = { ...entry, id: this.next++, result: undefined, durationMs: 0 }
    this.ring[(recorded.id - 1) % journalCapacity] = recorded
    return recorded
  }

  /** Its answer (or drop), and how long it took. */
  answered(entry: JournalEntry, result: EmulatorResult, durationMs: number): void {
    const done: JournalEntry = { ...entry, result, durationMs }
    const slot = (entry.id - 1) % journalCapacity
    if (this.ring[slot]?.id === entry.id) this.ring[slot] = done
    for (const listener of this.listeners) listener(done)
  }

  /** Every entry kept, newest first. */
  entries(): ReadonlyArray<JournalEntry> {
    const all: Array<JournalEntry> = []
    for (let id = this.next - 1; id >= 1 && id >= this.next - journalCapacity; id--) {
      const entry = this.ring[(id - 1) % journalCapacity]
      if (entry !== undefined) all.push(entry)
    }
    return all
  }

  /** Entry `id`, while it is kept. */
  entry(id: number): JournalEntry | undefined {
    if (!Number.isInteger(id) || id < 1) return undefined
    const entry = this.ring[(id - 1) % journalCapacity]
    return entry?.id === id ? entry : undefined
  }

  /** How many listen now (the console's open event streams). */
  get listening(): number {
    return this.listeners.size
  }

  /** Hear every answered request until the returned function is called. */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }
}
