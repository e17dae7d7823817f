import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/** A finite, positive duration in milliseconds; a `RangeError` (a programming error) otherwise. */
export const positiveMillis = (name: string, input: Duration.Input): number => {
  const decoded = Duration.fromInput(input)
  const millis = Option.isSome(decoded) && Duration.isFinite(decoded.value) ? Duration.toMillis(decoded.value) : Number.NaN
  if (!(millis > 0)) throw new RangeError(`${name} must be a finite, positive duration`)
  return millis
}
