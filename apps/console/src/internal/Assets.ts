/**
 * The page: three files read once at start, the script and the style sheet gzipped once. The HTML is
 * filled in per request with the session token (it is served only to holders of the session cookie).
 */
import { readFileSync } from "node:fs"
import { gzipSync } from "node:zlib"

export interface Asset {
  readonly type: string
  readonly body: Buffer
  readonly gzip: Buffer
}

export interface Assets {
  readonly html: (token: string) => string
  readonly files: ReadonlyMap<string, Asset>
}

/** The page's files: src/page in the sources, dist/page in the CLI (one directory up from the chunk that holds this code). */
export const defaultDirectory = new URL("../page/", import.meta.url)

const asset = (type: string, body: Buffer): Asset => ({ type, body, gzip: gzipSync(body, { level: 9 }) })

export const load = (directory: URL = defaultDirectory): Assets => {
  const read = (name: string) => readFileSync(new URL(name, directory))
  const html = read("index.html").toString("utf8")
  const files = new Map<string, Asset>([
    ["/app.js", asset("text/javascript; charset=utf-8", read("app.js"))],
    ["/app.css", asset("text/css; charset=utf-8", read("app.css"))],
    ["/favicon.svg", asset("image/svg+xml", read("favicon.svg"))]
  ])
  return { html: (token) => html.replace("__SESSION_TOKEN__", token), files }
}
