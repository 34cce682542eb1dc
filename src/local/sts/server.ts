/**
 * The local STS stand-in: AWS Query protocol over plain `node:http` on 127.0.0.1, answering like real STS
 * (/work/shared/reference/sts.md): `AssumeRoleWithWebIdentity` (unsigned; IAM OIDC providers, Google ID tokens, and
 * Login with Amazon / Facebook access tokens with `ProviderId`) and `GetCallerIdentity` (SigV4), XML or
 * JSON (`Accept: application/json`), CORS like STS (§6). Every failure is an {@link StsFault} rendered by one
 * handler as `ErrorResponse`. Shares no code with the browser client (src/aws).
 * With the `controls` option it also answers the local-stack test controls under `/__local/` (../controls.ts — not
 * an AWS API) and reads the stack clock. `GET /__local/trace/<requestId>` (../tracing.ts, not an AWS API either)
 * explains a trust-policy refusal: the trace the IAM evaluator attached to its `AccessDenied` is kept by request id.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { StackConfig } from "../config";
import { handleControlRequest, isControlRequest, type StackControls } from "../controls";
import { closeServer, listen, readBodyUpTo } from "../http";
import { createTraceStore, type TraceStore } from "../iam/trace";
import { handleTraceRequest, isTraceRequest, originsOf } from "../tracing";
import { assumeRoleWithWebIdentity, checkSignedRequest, getCallerIdentity, type StsContext } from "./actions";
import { getAccessKeyInfo } from "./accessKeyInfo";
import { assumeRoleWithSAML } from "./saml";
import { assumeRole } from "./assumeRole";
import { decodeAuthorizationMessage } from "./decode";
import { getFederationToken, getSessionToken } from "./sessionTokens";
import { isStsFault, StsFault } from "./faults";
import { checkAction, checkVersion, requestParams } from "./query";
import { renderFault, renderSuccess, type RenderedBody, type ResultTree } from "./render";
import { createSessionStore, type SessionStore } from "./sessions";
import type { HttpRequestParts } from "./sigv4";
import { createJwksCache, type KeySource } from "./jwks";
import { checkRate, createRateLimiter } from "./throttle";

/** A running local STS. */
export interface StsServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stop listening and drop open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Options of {@link startSts} / {@link createStsHandler}. */
export interface StsOptions {
  config: StackConfig;
  /** Default 0 (a free port); `npm start` uses 9401. */
  port?: number;
  /** Default 127.0.0.1 (the local stack binds loopback only). */
  host?: string;
  /** The STS clock, ms since the epoch (a seam for tests). Default: `controls.now` when given, else `Date.now`. */
  now?: () => number;
  /**
   * Local-stack extensions shared with the IdP: `/__local/…` is answered on this port (the same controls as the
   * IdP's), and the STS reads the stack clock (`controls.now`, unless `now` is given).
   */
  controls?: StackControls;
  /** fetch used for OIDC discovery and JWKS, and for the token-info calls of `ProviderId` tokens. Default global `fetch`. */
  fetchImpl?: typeof fetch;
  /** How long Login with Amazon / Facebook may take to answer a token-info call (ms). Default 5000. */
  providerTimeoutMs?: number;
  /** Share a session store with other stand-ins (e.g. S3) so they can open session tokens. Default: a new one. */
  sessions?: SessionStore;
  /** Replace the JWKS cache (tests). Default: {@link createJwksCache} with `fetchImpl`. */
  keys?: KeySource;
  /** Where unexpected internal errors are reported. Default `console.error`. */
  logError?: (message: string, error: unknown) => void;
  /** Where the traces of trust-policy refusals are kept (served on `/__local/trace/<requestId>`). Default: a new store. */
  traces?: TraceStore;
  /**
   * Requests per second above which the STS answers `Throttling` (400) `Rate exceeded` (./throttle.ts). Default:
   * stack.json's `sts.maxRequestsPerSecond`; no limit when neither is set.
   */
  maxRequestsPerSecond?: number;
  /** The throttle's monotonic clock in ms (a seam for tests). Default `performance.now`. */
  rateClock?: () => number;
}

/** Requests larger than this are refused (`AssumeRoleWithWebIdentity`'s token is at most 20000 characters). */
export const MAX_BODY_BYTES = 64 * 1024;

const EXPOSE_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date";

/**
 * The answer to a CORS preflight, header for header as real STS sends it (reference §6, captured 2021): the request
 * id, `Allow-Origin: *`, the requested headers reflected, `Allow-Methods: POST`, the exposed headers, `Max-Age:
 * 172800`, `Content-Length: 0` — no body, no `Date`, no `Content-Type`. (A browser needs no `GET` there: GET is a
 * CORS-safelisted method.)
 */
function answerPreflight(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const requested = req.headers["access-control-request-headers"];
  const headers: Record<string, string> = { "x-amzn-RequestId": requestId, "Access-Control-Allow-Origin": "*" };
  if (requested !== undefined) headers["Access-Control-Allow-Headers"] = requested;
  headers["Access-Control-Allow-Methods"] = "POST";
  headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS;
  headers["Access-Control-Max-Age"] = "172800";
  headers["Content-Length"] = "0";
  res.sendDate = false;
  res.writeHead(200, headers);
  res.end();
}

/** Signed operations of the current STS model that the stand-in does not implement yet. */
const SIGNED_NOT_IMPLEMENTED = new Set([
  "AssumeRoot",
  "GetDelegatedAccessToken",
  "GetWebIdentityToken",
]);
/** Unsigned operations not implemented yet. */
const UNSIGNED_NOT_IMPLEMENTED = new Set<string>();

/**
 * Rule: the request body is at most {@link MAX_BODY_BYTES}.
 * @throws StsFault `RequestEntityTooLarge` (413).
 */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readBodyUpTo(req, MAX_BODY_BYTES);
  if (body === undefined) throw new StsFault("RequestEntityTooLarge", 413, `The request body exceeds the maximum of ${MAX_BODY_BYTES} bytes.`);
  return body;
}

function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] ?? "", raw[i + 1] ?? ""]);
  return pairs;
}

/**
 * Rule: STS answers `GET` and `POST` only (plus CORS `OPTIONS`).
 * @throws StsFault `MethodNotAllowed` (405).
 */
function checkMethod(method: string): void {
  if (method !== "GET" && method !== "POST") {
    throw new StsFault("MethodNotAllowed", 405, `The HTTP method ${method} is not allowed: STS accepts GET and POST.`);
  }
}

/** Run one operation; returns the operation name and its result tree. */
async function dispatch(parts: HttpRequestParts, ctx: StsContext): Promise<{ operation: string; result: ResultTree }> {
  checkMethod(parts.method);
  const params = requestParams(parts.query, Buffer.from(parts.body.buffer, parts.body.byteOffset, parts.body.byteLength).toString("utf8"));
  const operation = checkAction(params);
  checkVersion(params, operation);
  switch (operation) {
    case "AssumeRoleWithWebIdentity":
      return { operation, result: await assumeRoleWithWebIdentity(params, ctx) };
    case "GetCallerIdentity":
      return { operation, result: getCallerIdentity(parts, ctx) };
    case "AssumeRole":
      return { operation, result: assumeRole(parts, params, ctx) };
    case "GetSessionToken":
      return { operation, result: getSessionToken(parts, params, ctx) };
    case "GetFederationToken":
      return { operation, result: getFederationToken(parts, params, ctx) };
    case "DecodeAuthorizationMessage":
      return { operation, result: decodeAuthorizationMessage(parts, params, ctx) };
    case "GetAccessKeyInfo":
      return { operation, result: getAccessKeyInfo(parts, params, ctx) };
    case "AssumeRoleWithSAML":
      return { operation, result: await assumeRoleWithSAML(params, ctx) };
    default:
      if (SIGNED_NOT_IMPLEMENTED.has(operation)) checkSignedRequest(parts, ctx);
      if (SIGNED_NOT_IMPLEMENTED.has(operation) || UNSIGNED_NOT_IMPLEMENTED.has(operation)) {
        throw new StsFault("NotImplemented", 501, `The local STS stand-in does not implement ${operation} yet.`);
      }
      throw new StsFault("InvalidAction", 400, `Could not find operation ${operation} for version 2011-06-15`);
  }
}

/**
 * The request listener of the local STS, for `http.createServer` (exported for embedding; {@link startSts} uses it).
 * Never throws: every failure becomes an `ErrorResponse`.
 */
export function createStsHandler(opts: StsOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const ctx: StsContext = {
    config: opts.config,
    now: opts.now ?? opts.controls?.now ?? Date.now,
    sessions: opts.sessions ?? createSessionStore(),
    keys: opts.keys ?? createJwksCache(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
    tokenInfo: {
      ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
      ...(opts.providerTimeoutMs !== undefined ? { timeoutMs: opts.providerTimeoutMs } : {}),
    },
  };
  const logError = opts.logError ?? ((message: string, error: unknown) => console.error(message, error));
  const traces = opts.traces ?? createTraceStore();
  const appOrigins = originsOf(opts.config.clients[0]?.redirectUris ?? []);
  const rate = opts.maxRequestsPerSecond ?? opts.config.sts?.maxRequestsPerSecond;
  const limiter = rate === undefined ? undefined : createRateLimiter(rate, opts.rateClock);
  /** `Date` of the stack clock, formatted once per second. */
  let dateSecond = Number.NaN;
  let dateText = "";
  function httpDate(): string {
    const second = Math.floor(ctx.now() / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateText = new Date(second * 1000).toUTCString();
    }
    return dateText;
  }

  /** An answer with the request id, the stack clock's `Date` and CORS headers (the body as a string: one write). */
  function send(res: ServerResponse, status: number, requestId: string, rendered: RenderedBody, close = false): void {
    const headers: Record<string, string> = {
      "x-amzn-RequestId": requestId,
      Date: httpDate(),
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers": EXPOSE_HEADERS,
      "Content-Length": String(Buffer.byteLength(rendered.body, "utf8")),
      "Content-Type": rendered.contentType,
    };
    if (close) headers.Connection = "close";
    res.writeHead(status, headers);
    res.end(rendered.body, "utf8");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = (req.method ?? "GET").toUpperCase();
    if (method === "OPTIONS") {
      answerPreflight(req, res, requestId);
      return;
    }
    const json = /\bapplication\/json\b/i.test(req.headers.accept ?? "");
    try {
      checkRate(limiter);
      const body = await readBody(req);
      const target = req.url ?? "/";
      const q = target.indexOf("?");
      const parts: HttpRequestParts = {
        method,
        path: q < 0 ? target : target.slice(0, q),
        query: q < 0 ? "" : target.slice(q + 1),
        headers: headerPairs(req.rawHeaders),
        body,
      };
      const { operation, result } = await dispatch(parts, ctx);
      send(res, 200, requestId, renderSuccess(operation, result, requestId, json));
    } catch (error) {
      const fault = isStsFault(error) ? error : new StsFault("InternalFailure", 500, "The request processing has failed because of an unknown error, exception or failure.");
      if (!isStsFault(error)) logError(`local STS: internal error for request ${requestId}`, error);
      if (fault.trace) traces.record(requestId, fault.trace, fault.encodedAuthorizationMessage);
      send(res, fault.status, requestId, renderFault(fault, requestId, json), fault.status === 413);
    }
  }

  const controls = opts.controls;
  return (req, res) => {
    if (isTraceRequest(req.url)) {
      handleTraceRequest(traces, "sts", appOrigins, req, res);
      return;
    }
    if (controls && isControlRequest(req.url)) {
      handleControlRequest(controls, req, res, logError);
      return;
    }
    handle(req, res).catch((error: unknown) => {
      logError("local STS: failed to answer", error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

/**
 * Start the local STS on `host:port` (default 127.0.0.1, a free port).
 * @throws the listen error (e.g. `EADDRINUSE`) when the port is taken.
 */
export async function startSts(opts: StsOptions): Promise<StsServer> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer({ maxHeaderSize: 32 * 1024 }, createStsHandler(opts));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const { url } = await listen(server, opts.port ?? 0, host);
  return { url, close: () => closeServer(server) };
}
