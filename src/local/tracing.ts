/**
 * `GET /__local/trace/<requestId>` — a local-stack extension real AWS does not have: the IAM evaluation trace of a
 * recent refusal by the S3 stand-in (a permission policy) or the STS stand-in (a role's trust policy), so the app
 * can show "why refused". Unlike the other `/__local/` controls (./controls.ts) it is read-only and CORS-enabled for
 * the app's origins (no credentials), so the browser app can fetch it; like them it answers loopback clients only.
 *
 *   200 {"requestId": "…", "service": "s3" | "sts", "trace": EvaluationTrace, "encodedAuthorizationMessage"?: "…"}
 *   404 {"error": "…"}   no trace is kept under that id
 *
 * `encodedAuthorizationMessage` (also a local extension) is present for a refusal by a permission policy (S3's
 * `AccessDenied`, and STS's for AssumeRole / GetFederationToken / DecodeAuthorizationMessage when the caller's own
 * policies refuse): the opaque message STS's DecodeAuthorizationMessage decodes. Real S3 and STS never put one in
 * their answers (services such as EC2 do, in the error message), so the stand-ins keep AWS's texts and expose it here.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isLoopbackAddress, isLoopbackHost } from "./controls";
import type { TraceStore } from "./iam/trace";

/** The origins of the given redirect URIs (e.g. `http://127.0.0.1:5173/` → `http://127.0.0.1:5173`): the app's origins. */
export function originsOf(redirectUris: readonly string[]): Set<string> {
  const origins = new Set<string>();
  for (const uri of redirectUris) {
    const parsed = URL.parse(uri);
    if (parsed) origins.add(parsed.origin);
  }
  return origins;
}

/** The path prefix of the trace endpoint. */
export const TRACE_PATH_PREFIX = "/__local/trace/";

/** True when the request target is the trace endpoint (servers route it before the other controls). */
export function isTraceRequest(url: string | undefined): boolean {
  return ((url ?? "/").split("?")[0] ?? "/").startsWith(TRACE_PATH_PREFIX);
}

const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = body === undefined ? Buffer.alloc(0) : Buffer.from(`${JSON.stringify(body)}\n`, "utf8");
  res.writeHead(status, {
    ...(body === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" }),
    "Content-Length": String(text.length),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

/**
 * Answer a request under {@link TRACE_PATH_PREFIX} from `store` (see the module comment). `appOrigins` are the
 * origins allowed to read it cross-origin (stack.json `clients[0].redirectUris`' origins); a request from any other
 * `Origin` is refused (403) and gets no CORS headers. Never throws.
 */
export function handleTraceRequest(
  store: TraceStore,
  service: "s3" | "sts",
  appOrigins: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const origin = req.headers.origin;
  const cors: Record<string, string> = origin !== undefined && appOrigins.has(origin) ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : { Vary: "Origin" };
  if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) {
    send(res, 403, { error: "The trace endpoint answers loopback clients only" }, {});
    return;
  }
  if (origin !== undefined && !appOrigins.has(origin)) {
    send(res, 403, { error: `Origin ${origin} may not read traces (allowed: the app's origins)` }, { Vary: "Origin" });
    return;
  }
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "OPTIONS") {
    const requested = req.headers["access-control-request-headers"];
    send(res, 204, undefined, {
      ...cors,
      "Access-Control-Allow-Methods": "GET, HEAD",
      ...(requested ? { "Access-Control-Allow-Headers": requested } : {}),
      "Access-Control-Max-Age": "600",
    });
    return;
  }
  if (method !== "GET" && method !== "HEAD") {
    send(res, 405, { error: "The trace endpoint is read-only: GET /__local/trace/<requestId>" }, { ...cors, Allow: "GET, HEAD, OPTIONS" });
    return;
  }
  const raw = ((req.url ?? "").split("?")[0] ?? "").slice(TRACE_PATH_PREFIX.length);
  const id = REQUEST_ID.test(raw) ? raw : "";
  const trace = id === "" ? undefined : store.get(id);
  if (trace === undefined) {
    send(res, 404, { error: `No trace is kept for request id ${JSON.stringify(raw)}: only recent refusals by the ${service === "s3" ? "S3" : "STS"} stand-in are recorded` }, cors);
    return;
  }
  const encodedAuthorizationMessage = store.encodedMessage(id);
  send(res, 200, { requestId: id, service, trace, ...(encodedAuthorizationMessage !== undefined ? { encodedAuthorizationMessage } : {}) }, cors);
}
