/**
 * The README's endpoint table is checked against the declarations: every declared endpoint has its row (accessor,
 * method, path), and every row names a declared endpoint. Adding an endpoint without documenting it fails here.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { type Endpoint, Media, MemberCard, MemberCardActivity, PlatformCertificates } from "../src/index.js"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

const modules = { MemberCard, MemberCardActivity, Media, PlatformCertificates } as const
const prefixes: Record<keyof typeof modules, string> = {
  MemberCard: "/v3/marketing/membercard-open",
  MemberCardActivity: "/v3/marketing/membercard-activity",
  Media: "",
  PlatformCertificates: ""
}

const declared = Object.entries(modules).flatMap(([module, exports]) =>
  Object.entries(exports as Record<string, unknown>).flatMap(([, value]) => {
    if (typeof value !== "function" || !("definition" in value) || !("call" in value)) return []
    const accessor = Object.entries(exports as Record<string, unknown>).find(([, v]) => v === value.call)?.[0]
    const definition = value.definition as Endpoint.Definition<object>
    return [{ module: module as keyof typeof modules, accessor, definition }]
  })
)

/** The rows of the endpoint table: `| # | \`Module.accessor\` | METHOD \`path\` — 中文名 | … |`. */
const rows = [...readme.matchAll(/^\| (\d+|—) \| `(\w+)\.(\w+)` \| (GET|POST|PATCH|PUT|DELETE) `([^`]+)` — ([^|]+) \|/gm)].map((m) => ({
  number: m[1]!,
  module: m[2]!,
  accessor: m[3]!,
  method: m[4]!,
  path: m[5]!,
  title: m[6]!.trim()
}))

describe("README endpoint table", () => {
  it("every declared endpoint (34 + the image upload + the certificate download) has exactly one row with its accessor, method and path", () => {
    expect(declared.length).toBe(36)
    for (const { accessor, definition, module } of declared) {
      expect(accessor, definition.name).toBeDefined()
      const matching = rows.filter((row) => row.module === module && row.accessor === accessor)
      expect(matching.length, `${module}.${accessor}`).toBe(1)
      const row = matching[0]!
      expect(row.method, definition.name).toBe(definition.method)
      const full = row.path.startsWith("/v3") ? row.path : prefixes[module] + row.path
      expect(full, definition.name).toBe(definition.path)
      expect(row.title, definition.name).toMatch(/[\u4e00-\u9fa5]/)
    }
  })

  it("every row names a declared endpoint, numbered 1–34 once each", () => {
    expect(rows.length).toBe(36)
    for (const row of rows) {
      expect(declared.some((d) => d.module === row.module && d.accessor === row.accessor), `${row.module}.${row.accessor}`).toBe(true)
    }
    const numbers = rows.map((row) => row.number).filter((n) => n !== "—").map(Number).sort((a, b) => a - b)
    expect(numbers).toEqual(Array.from({ length: 34 }, (_, i) => i + 1))
  })
})
