/**
 * Endpoints compile their request validation and response decoding with Effect's Schema JIT (`Endpoint.ts`,
 * `SchemaJITCompiler.enable`), which generates code with `new Function`; where that is refused (workerd, a strict
 * CSP) the JIT interprets instead. Either way a caller must see exactly the same thing: the same values, the same
 * bytes sent, the same errors and messages.
 *
 * test/schema-jit-corpus.ts runs every declaration's validation, encoding and decoding over one fixed corpus (valid
 * samples, each field damaged in several ways, inputs of the wrong kind, extra keys; responses likewise, as JSON
 * text) in two fresh processes: one where code generation works, one where `globalThis.Function` throws before the
 * library loads. The two outputs must be identical, and the first must really have used the JIT.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

interface Run {
  readonly mode: "jit" | "interpreted"
  /** Functions built through `globalThis.Function` (the JIT's parsers). */
  readonly generated: number
  /** Attempts refused (the interpreted run's blocked `Function`). */
  readonly refused: number
  readonly declarations: number
  readonly results: ReadonlyArray<{
    readonly endpoint: string
    readonly outcome: { readonly success?: unknown; readonly failure?: unknown }
  }>
}

const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url))
const corpus = fileURLToPath(new URL("./schema-jit-corpus.ts", import.meta.url))

const run = (mode: Run["mode"]): Promise<Run> =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [tsx, corpus, mode], { maxBuffer: 1 << 28, timeout: 120_000 }, (error, stdout, stderr) =>
      error === null ? resolve(JSON.parse(stdout) as Run) : reject(new Error(`${mode}: ${error.message}\n${stderr}`)))
  )

describe("Schema JIT (Endpoint parsers)", () => {
  it("validates, encodes and decodes every declaration exactly as the interpreter does", async () => {
    const [jit, interpreted] = await Promise.all([run("jit"), run("interpreted")])

    // The JIT really compiled (and nothing was compiled where code generation was refused).
    expect(jit.generated).toBeGreaterThan(0)
    expect(interpreted.generated).toBe(0)
    expect(interpreted.refused).toBeGreaterThan(0)

    // The corpus exercises every declaration both ways: some inputs accepted, some refused.
    // membercard-open 31, its activities 4, media 1, certificates 1; 商家名片会员卡: the provider's 22, the brand's 16.
    expect(jit.declarations).toBeGreaterThanOrEqual(75)
    const endpoints = new Set(jit.results.map((result) => result.endpoint))
    expect(endpoints.size).toBe(jit.declarations)
    for (const surface of ["PartnerCardMember", "BrandCardMember"]) {
      expect([...endpoints].filter((name) => name.startsWith(`${surface}.`)).length, surface)
        .toBe(surface === "PartnerCardMember" ? 22 : 16)
    }
    for (const endpoint of endpoints) {
      const outcomes = jit.results.filter((result) => result.endpoint === endpoint).map((result) => result.outcome)
      expect(outcomes.some((outcome) => "success" in outcome), `${endpoint}: an accepted input`).toBe(true)
      expect(outcomes.some((outcome) => "failure" in outcome), `${endpoint}: a refused input`).toBe(true)
    }

    expect(interpreted.results.length).toBe(jit.results.length)
    const differing = jit.results.findIndex((result, i) =>
      JSON.stringify(result) !== JSON.stringify(interpreted.results[i])
    )
    // The first difference, shown whole, if any.
    expect(differing === -1 ? undefined : jit.results[differing]).toEqual(
      differing === -1 ? undefined : interpreted.results[differing]
    )
    expect(differing).toBe(-1)
  }, 180_000)
})
