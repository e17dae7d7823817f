/**
 * The README's endpoint tables are checked against the declarations: every declared endpoint has its row (accessor,
 * method, path), every row names a declared endpoint, and what a row says of repeating the call and of WeChat's rate
 * limit is what the declaration says. Adding an endpoint without documenting it fails here.
 *
 * Rows are numbered as in WeChat's index and the specs: 1–34 for membercard-open and membercard-activity (an endpoint
 * outside that index, `—`), A1–A22 for a service provider's 商家名片会员卡 (`PartnerCardMember`), B1–B16 for a brand's
 * (`BrandCardMember`).
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { type Endpoint, Media, MemberCard, MemberCardActivity, PlatformCertificates } from "../src/index.js"
import * as BrandCardMember from "../src/BrandCardMember.js"
import * as PartnerCardMember from "../src/PartnerCardMember.js"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

const modules = { MemberCard, MemberCardActivity, Media, PlatformCertificates, PartnerCardMember, BrandCardMember } as const
type Module = keyof typeof modules
const prefixes: Record<Module, string> = {
  MemberCard: "/v3/marketing/membercard-open",
  MemberCardActivity: "/v3/marketing/membercard-activity",
  Media: "",
  PlatformCertificates: "",
  PartnerCardMember: "/v3/brand/partner/card-member",
  BrandCardMember: "/brand/card-member"
}
/** How a module's rows are numbered: a plain number, or the surface's letter and a number. */
const numbering: Record<Module, "" | "A" | "B"> = {
  MemberCard: "",
  MemberCardActivity: "",
  Media: "",
  PlatformCertificates: "",
  PartnerCardMember: "A",
  BrandCardMember: "B"
}

const declared = Object.entries(modules).flatMap(([module, exports]) =>
  Object.entries(exports as Record<string, unknown>).flatMap(([, value]) => {
    if (typeof value !== "function" || !("definition" in value) || !("call" in value)) return []
    const accessor = Object.entries(exports as Record<string, unknown>).find(([, v]) => v === value.call)?.[0]
    const definition = value.definition as Endpoint.Definition<object>
    return [{ module: module as Module, accessor, definition }]
  })
)

/**
 * The rows of the endpoint tables: `| # | \`Module.accessor\` | METHOD \`path\` — 中文名 | succeeds with | repeated? |`,
 * and for 商家名片会员卡 a last column, WeChat's rate limit (`5/s`, or `—` where no page prints one).
 */
const rows = [
  ...readme.matchAll(/^\| (\d+|[AB]\d+|—) \| `(\w+)\.(\w+)` \| (GET|POST|PATCH|PUT|DELETE) `([^`]+)` — ([^|]+) \|(.*)\|$/gm)
].map((m) => {
  const [succeeds, repeated, limit] = m[7]!.split(" | ").map((cell) => cell.trim())
  return {
    number: m[1]!,
    module: m[2]!,
    accessor: m[3]!,
    method: m[4]!,
    path: m[5]!,
    title: m[6]!.trim(),
    succeeds,
    repeated,
    limit
  }
})

const rowOf = (module: string, accessor: string | undefined) =>
  rows.filter((row) => row.module === module && row.accessor === accessor)

describe("README endpoint tables", () => {
  it("every declared endpoint (37 + A22 + B16) has exactly one row with its accessor, method and path", () => {
    // membercard-open (31, with confirmMembership), membercard-activity (4), the image upload, the certificate
    // download; a provider's 商家名片会员卡 (22) and a brand's (16).
    expect(declared.length).toBe(75)
    expect(declared.filter((d) => d.module === "PartnerCardMember").length).toBe(22)
    expect(declared.filter((d) => d.module === "BrandCardMember").length).toBe(16)
    for (const { accessor, definition, module } of declared) {
      expect(accessor, definition.name).toBeDefined()
      const matching = rowOf(module, accessor)
      expect(matching.length, `${module}.${accessor}`).toBe(1)
      const row = matching[0]!
      expect(row.method, definition.name).toBe(definition.method)
      const full = row.path.startsWith("/v3") ? row.path : prefixes[module] + row.path
      expect(full, definition.name).toBe(definition.path)
      expect(row.title, definition.name).toMatch(/[\u4e00-\u9fa5]/)
    }
  })

  it("every row names a declared endpoint; numbered 1–34, A1–A22 and B1–B16 once each, by surface", () => {
    expect(rows.length).toBe(75)
    for (const row of rows) {
      expect(declared.some((d) => d.module === row.module && d.accessor === row.accessor), `${row.module}.${row.accessor}`).toBe(true)
      const letter = numbering[row.module as Module]
      if (letter === "") expect(row.number, `${row.module}.${row.accessor}`).toMatch(/^(\d+|—)$/)
      else expect(row.number, `${row.module}.${row.accessor}`).toMatch(new RegExp(`^${letter}\\d+$`))
    }
    const numbers = (letter: string) =>
      rows.map((row) => row.number).filter((n) => n !== "—" && (letter === "" ? /^\d/.test(n) : n.startsWith(letter)))
        .map((n) => Number(n.replace(/^[AB]/, ""))).sort((a, b) => a - b)
    const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
    expect(numbers("")).toEqual(oneTo(34))
    expect(numbers("A")).toEqual(oneTo(22))
    expect(numbers("B")).toEqual(oneTo(16))
  })

  it("each row's \"repeated?\" is the declaration's: a read, its idempotency key, yes (repeatable), or never", () => {
    for (const { accessor, definition, module } of declared) {
      const row = rowOf(module, accessor)[0]!
      const what = `${module}.${accessor}: ${row.repeated}`
      if (definition.method === "GET") expect(row.repeated, what).toMatch(/^read\b/)
      else if (definition.idempotencyKey !== undefined) expect(row.repeated, what).toMatch(new RegExp(`^\`${definition.idempotencyKey}\``))
      else if (definition.repeatable !== undefined) expect(row.repeated, what).toMatch(/^yes\b/)
      else expect(row.repeated, what).toMatch(/^never\b/)
    }
  })

  it("商家名片会员卡's rows give WeChat's printed rate limit as declared (`N/s`, or — where no page prints one)", () => {
    for (const { accessor, definition, module } of declared) {
      if (numbering[module] === "") continue
      const row = rowOf(module, accessor)[0]!
      expect(row.limit, `${module}.${accessor}`).toBe(definition.rateLimit === undefined ? "—" : `${definition.rateLimit}/s`)
    }
  })
})
