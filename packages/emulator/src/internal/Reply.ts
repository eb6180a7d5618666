/**
 * What a route answers, before it becomes an HTTP response.
 */
export interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  /** a JSON body */
  readonly json?: unknown
  /** a raw text body (`content-type` from `contentType`) */
  readonly text?: string
  /** a raw binary body */
  readonly bytes?: Uint8Array
  /** a body streamed line by line (JSONL), generated lazily */
  readonly lines?: () => Iterator<string>
  readonly contentType?: string
}

export const json = (status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply =>
  headers === undefined ? { status, json: body } : { status, json: body, headers }
