/**
 * The vendors the benchmark drives: where each one's API lives under the loopback server, the fixed
 * bodies the server answers with (taken from the conformance fixtures), and the lines of their results
 * files.
 */

export type Vendor = "openai" | "anthropic" | "together"

export const vendors: ReadonlyArray<Vendor> = ["openai", "anthropic", "together"]

export const isVendor = (s: string): s is Vendor => (vendors as ReadonlyArray<string>).includes(s)

/** The base URL a client is given, under the server's origin (each vendor has its own prefix). */
export const baseUrl = (origin: string, vendor: Vendor): string =>
  vendor === "anthropic" ? `${origin}/anthropic` : `${origin}/${vendor}/v1`

/** The path of a cancel, relative to {@link baseUrl}. */
export const cancelPath = (vendor: Vendor, id: string): string =>
  vendor === "anthropic" ? `/v1/messages/batches/${id}/cancel` : `/batches/${id}/cancel`

/** The full path of a cancel on the server (what raw clients request). */
export const serverCancelPath = (vendor: Vendor, id: string): string =>
  vendor === "anthropic" ? `/anthropic/v1/messages/batches/${id}/cancel` : `/${vendor}/v1/batches/${id}/cancel`

/** An id of the vendor's shape. */
export const batchId = (vendor: Vendor, i: number): string =>
  vendor === "anthropic"
    ? `msgbatch_${String(i).padStart(24, "0")}`
    : vendor === "together"
      ? `7f9c2b1e-4d3a-4b8c-9e2f-${String(i).padStart(12, "0")}`
      : `batch_${String(i).padStart(24, "0")}`

/** The id of a completed batch whose results file is `mb` megabytes. */
export const resultsBatchId = (vendor: Vendor, mb: number): string =>
  vendor === "anthropic" ? `msgbatch_results_${mb}` : `batch_results_${mb}`

export const openAiCancelled = {
  id: "batch_abc123",
  object: "batch",
  endpoint: "/v1/chat/completions",
  errors: null,
  input_file_id: "file-abc123",
  completion_window: "24h",
  status: "cancelling",
  output_file_id: null,
  error_file_id: null,
  created_at: 1711471533,
  in_progress_at: 1711471538,
  expires_at: 1711557933,
  finalizing_at: null,
  completed_at: null,
  failed_at: null,
  expired_at: null,
  cancelling_at: 1711475133,
  cancelled_at: null,
  request_counts: { total: 100, completed: 23, failed: 1 },
  metadata: { customer_id: "user_123456789", batch_description: "Nightly eval job" }
}

export const openAiCompleted = (id: string, fileId: string) => ({
  ...openAiCancelled,
  id,
  status: "completed",
  output_file_id: fileId,
  cancelling_at: null,
  finalizing_at: 1711493133,
  completed_at: 1711493163
})

export const anthropicCancelled = {
  id: "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF",
  type: "message_batch",
  processing_status: "canceling",
  request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
  ended_at: null,
  created_at: "2024-09-24T18:37:24.100435Z",
  expires_at: "2024-09-25T18:37:24.100435Z",
  archived_at: null,
  cancel_initiated_at: "2024-09-24T18:39:03.114875Z",
  results_url: null
}

export const anthropicEnded = (id: string, resultsUrl: string) => ({
  ...anthropicCancelled,
  id,
  processing_status: "ended",
  request_counts: { processing: 0, succeeded: 100, errored: 0, canceled: 0, expired: 0 },
  ended_at: "2024-09-24T19:37:24.100435Z",
  cancel_initiated_at: null,
  results_url: resultsUrl
})

export const togetherCancelled = {
  id: "7f9c2b1e-4d3a-4b8c-9e2f-1a2b3c4d5e6f",
  user_id: "66f0a1b2c3d4e5f601234567",
  input_file_id: "file-3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
  file_size_bytes: 1048576,
  status: "CANCELING",
  job_deadline: "2026-08-13T11:59:59.999998Z",
  created_at: "2026-08-12T12:00:00Z",
  endpoint: "/v1/chat/completions",
  progress: 42.5,
  model_id: "openai/gpt-oss-20b",
  output_file_id: null,
  error_file_id: null,
  completed_at: null
}

const answer =
  "Batch APIs take a file of requests and run them within a day at half the price. This is a fixed answer of a realistic length, so that each line of the results file weighs what a short chat completion weighs in practice."

/** One line of an OpenAI output file (`/files/{id}/content`). */
export const openAiLine = (i: number): string =>
  JSON.stringify({
    id: `batch_req_${i.toString(16).padStart(24, "0")}`,
    custom_id: `request-${i}`,
    response: {
      status_code: 200,
      request_id: `req_${i.toString(16).padStart(32, "0")}`,
      body: {
        id: `chatcmpl-${i.toString(36).padStart(20, "0")}`,
        object: "chat.completion",
        created: 1711652795,
        model: "gpt-4o-mini-2024-07-18",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: answer, refusal: null },
            logprobs: null,
            finish_reason: "stop"
          }
        ],
        usage: { prompt_tokens: 22, completion_tokens: 48, total_tokens: 70 },
        system_fingerprint: "fp_3537616b13"
      }
    },
    error: null
  })

/** One line of an Anthropic results file (`results_url`). */
export const anthropicLine = (i: number): string =>
  JSON.stringify({
    custom_id: `request-${i}`,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${i.toString(36).padStart(24, "0")}`,
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-20250514",
        content: [{ type: "text", text: answer }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 22, output_tokens: 48, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
      }
    }
  })
