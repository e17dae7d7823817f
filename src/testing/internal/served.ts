/**
 * Where an emulator is served (`serve`), so that `merchantOptions` can name the `baseUrl`. Kept apart from the server
 * and the state so that neither imports the other.
 *
 * @internal
 */

const served = new WeakMap<object, Array<string>>()

/** The base URL of the most recent server still running for `emulator`, if any. */
export const baseUrlOf = (emulator: object): string | undefined => served.get(emulator)?.at(-1)

/** `emulator` is served at `baseUrl` until the returned function is called. */
export const markServed = (emulator: object, baseUrl: string): () => void => {
  const urls = served.get(emulator) ?? []
  urls.push(baseUrl)
  served.set(emulator, urls)
  return () => {
    const at = urls.lastIndexOf(baseUrl)
    if (at >= 0) urls.splice(at, 1)
  }
}
