/** The walk over the product's `Endpoint` declarations shared by the reliability-product suites (not a test file). */
import { type Endpoint, Media, MemberCard, MemberCardActivity } from "../src/index.js"

/** What a module exports for each declared endpoint: a Tag class carrying its declaration. */
const isDeclared = (value: unknown): value is { readonly definition: Endpoint.Definition<object> } =>
  typeof value === "function" && "definition" in value

/** Every declaration of every product module (`MemberCard`, `MemberCardActivity`, `Media`), once each. */
export const declarations: ReadonlyArray<Endpoint.Definition<object>> = [
  ...new Map(
    [MemberCard, MemberCardActivity, Media].flatMap((module) => Object.values(module).filter(isDeclared))
      .map((tag) => [tag.definition.name, tag.definition] as const)
  ).values()
]

/** The declarations that write (every method but GET). */
export const writes = declarations.filter((definition) => definition.method !== "GET")

/** A repeat-safe write: the client may repeat it (an idempotency key, or declared `repeatable`). */
export const repeatSafe = (definition: Endpoint.Definition<object>): boolean =>
  definition.idempotencyKey !== undefined || definition.repeatable !== undefined

/** The emulator's name of an endpoint: its declaration's name without the product. */
export const shortName = (definition: Endpoint.Definition<object>): string =>
  definition.name.slice(definition.name.lastIndexOf(".") + 1)
