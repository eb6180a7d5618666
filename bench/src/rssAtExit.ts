/**
 * A preload (`node --import`) for a process the bench does not write itself (the CLI): prints the
 * process's peak resident set size on stderr when it exits, as `{"maxRss":bytes}`.
 */
process.on("exit", () => {
  process.stderr.write(`${JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024 })}\n`)
})
