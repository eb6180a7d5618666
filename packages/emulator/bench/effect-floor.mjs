// Calibration: the smallest @effect/platform HttpServer on @effect/platform-node answering the same JSON.
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"

const server = createServer()
const app = Effect.map(HttpServerRequest.HttpServerRequest, (req) =>
  HttpServerResponse.text(
    JSON.stringify({ id: req.url, object: "batch", status: "in_progress", request_counts: { total: 10, completed: 0, failed: 0 }, pad: "x".repeat(600) }),
    { contentType: "application/json", headers: { "x-request-id": "req_floor" } }
  )
)
const main = HttpServer.serve(app).pipe(
  HttpMiddleware.withTracerDisabledWhen(() => true),
  Layer.provide(NodeHttpServer.layer(() => server, { port: 0, host: "127.0.0.1" }))
)
Effect.runFork(Layer.launch(main))
server.on("listening", () => console.log(`http://127.0.0.1:${server.address().port}`))
process.on("SIGTERM", () => process.exit(0))
