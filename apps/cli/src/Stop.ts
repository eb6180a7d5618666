/**
 * A graceful stop for bulk commands. The first Ctrl-C asks the running command to stop starting new
 * work; what is in flight finishes and is reported (a cancel sent may have taken effect, so it must not
 * vanish from the report). Commands that cannot stop gracefully are interrupted at once, as before.
 */

let handler: (() => void) | undefined

/** While a bulk command runs: what the first Ctrl-C does. Returns the unregistration. */
export const register = (onStop: () => void): (() => void) => {
  handler = onStop
  return () => {
    if (handler === onStop) handler = undefined
  }
}

/** Asks the running command to stop; `false` when none can stop gracefully. */
export const request = (): boolean => {
  const current = handler
  if (current === undefined) return false
  handler = undefined
  current()
  return true
}
