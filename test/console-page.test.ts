/**
 * The console's page as a string, checked cheaply (no browser): its script compiles, it loads nothing from another
 * host, it never puts anything but a constant through `innerHTML`, and it carries the `data-*` hooks the browser tests
 * and the server's contract rely on.
 */
import vm from "node:vm"
import { describe, expect, it } from "@effect/vitest"
import { page } from "../src/testing/console/page.js"

const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
const script = scripts[0]?.[2] ?? ""

describe("console page", () => {
  it("is one HTML document with one inline script", () => {
    expect(page.startsWith("<!doctype html>")).toBe(true)
    expect(page.trimEnd().endsWith("</html>")).toBe(true)
    expect(scripts).toHaveLength(1)
    expect(scripts[0]?.[1]).toBe("") // inline: no src, no type=module
    expect(script.length).toBeGreaterThan(1000)
  })

  it("has a script that compiles", () => {
    expect(() => new vm.Script(script, { filename: "console-page.js" })).not.toThrow()
  })

  it("has no template interpolation left over and no backtick in its script", () => {
    expect(page).not.toContain("${")
    expect(script).not.toContain("`")
  })

  it("fetches nothing from another host", () => {
    expect(page).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i)
    expect(page).not.toMatch(/https?:\/\//i)
    expect(page).not.toMatch(/<(link|script|img|iframe)\b[^>]*\b(src|href)=["']?(?!data:|#)[^"'\s>]/i)
    expect(page).not.toMatch(/@import|url\(/i)
    expect(page).toContain("connect-src 'self'")
  })

  it("puts no data through innerHTML, outerHTML, insertAdjacentHTML or document.write", () => {
    for (const m of script.matchAll(/\.(innerHTML|outerHTML)\s*\+?=\s*([^\n;]*)/g)) {
      expect(m[2]?.trim(), m[0]).toMatch(/^("[^"]*"|'[^']*')$/)
    }
    expect(script).not.toMatch(/insertAdjacentHTML|document\.write|\beval\(|new Function/)
  })

  it("uses the contract's absolute paths", () => {
    expect(script).toContain("\"/console/api/\"")
    expect(script).toContain("\"/console/events\"")
    expect(script).toContain("\"content-type\": \"application/json\"")
    for (const event of ["request", "notification", "state", "faults"]) {
      expect(script).toContain(`addEventListener("${event}"`)
    }
  })

  it("has the hooks of the browser tests", () => {
    for (const view of ["requests", "state", "notifications", "member", "faults"]) {
      expect(page).toContain(`<a href="#${view}" data-view="${view}">`)
      expect(page).toMatch(new RegExp(`<section data-view="${view}"`))
    }
    const fields = [
      "method", "target", "status", "code", "request-id", "caller", "duration", "fault", // request rows
      "verdict", "cause", "cause-kind", "cause-title", "signed", "sent", "sign-string", "request-headers",
      "request-body", "response", // request detail
      "event-type", "state", "attempts", "next-attempt", "content", // notifications
      "member-result"
    ]
    for (const field of fields) expect(page, field).toMatch(new RegExp(`["']${field}["']`))
    for (
      const hook of [
        "\"data-request-id\"", "id=\"request-detail\"", "\"data-notification-id\"", "\"data-action\": \"deliver\"",
        "id=\"fault-form\"", "select name=\"endpoint\"", "select name=\"kind\"", "input name=\"times\"", "\"data-fault\"",
        "data-action=\"clear-faults\"", "id=\"live\"", "\"live\"", "\"offline\"", "\"data-action\": action"
      ]
    ) expect(page).toContain(hook)
    for (const table of ["templates", "cards", "orders", "brand-user-cards", "brand-templates", "brand-points"]) {
      expect(page).toContain(`"${table}"`)
    }
  })

  it("offers a form for every member action (the fault kinds come from the overview: the browser test shows their labels)", () => {
    const actions = [
      "claim", "activation-form", "pay", "delete", "brand-open", "brand-delete", "brand-points-sync", "brand-redeem"
    ]
    for (const action of actions) expect(script).toContain(`"${action}": [`)
  })
})
