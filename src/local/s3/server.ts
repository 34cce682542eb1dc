/**
 * The local S3 stand-in: path-style S3 (`<endpoint>/<bucket>/<key>`) over plain `node:http` on 127.0.0.1, answering
 * like real S3 — `ListObjectsV2`, `GetObject` (with `Range`), `HeadObject`, `PutObject`, `DeleteObject`,
 * `HeadBucket`, `ListBuckets` — authenticated with SigV4 (header or presigned, ./sigv4.ts) by the IAM users' and
 * root's long-term keys or the local STS's session credentials (a shared `SessionStore`, ./accessKeys.ts), authorized
 * by the local IAM evaluator (./authorize.ts), with S3's error documents (./xml.ts), bucket CORS for the app's origins
 * (./cors.ts) and atomic file storage (./storage.ts).
 * Local-stack extensions (not S3): `GET /__local/trace/<requestId>` explains a refusal (../tracing.ts), and with the
 * `controls` option the shared test controls under `/__local/` (../controls.ts) and the stack clock.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StackConfig } from "../config";
import { handleControlRequest, isControlRequest, type StackControls } from "../controls";
import { closeServer, listen, readBodyUpTo } from "../http";
import { createTraceStore, type TraceStore } from "../iam/trace";
import { formPairs } from "../sts/query";
import type { SessionStore } from "../sts/sessions";
import { lenientFormDecode, type HttpRequestParts } from "../sts/sigv4";
import { handleTraceRequest, isTraceRequest, originsOf } from "../tracing";
import { authenticate, UNSIGNED_PAYLOAD, type S3Caller } from "./sigv4";
import { checkPermission, s3Arn, type RequestCircumstances } from "./authorize";
import { corsResponseHeaders, preflightHeaders } from "./cors";
import { isS3Fault, methodNotAllowed, noSuchBucket, noSuchKey, notImplemented, S3Fault, S3_MESSAGES } from "./errors";
import { deleteObject, getObject, listObjectsV2, putObject, sha256HexOf, type Reply } from "./operations";
import { openObjectStore, type ObjectStore } from "./storage";
import { errorDocument, listBucketsDocument } from "./xml";

/** A running local S3. */
export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Where the objects are stored. */
  dataDir: string;
  /** The traces of recent refusals (also served on `/__local/trace/<requestId>`). */
  traces: TraceStore;
  /** Stop listening and drop open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Options of {@link startS3}. */
export interface S3Options {
  config: StackConfig;
  /** The local STS's session store: S3 accepts the credentials it issued (and `config`'s long-term keys). */
  sessions: SessionStore;
  /** Default 0 (a free port); `npm start` uses stack.json `endpoints.s3` (9405). */
  port?: number;
  /** Default 127.0.0.1 (the local stack binds loopback only). */
  host?: string;
  /** The S3 clock, ms since the epoch. Default: `controls.now` when given, else `Date.now`. */
  now?: () => number;
  /** Where objects live. Default: `WIC_S3_DATA_DIR`, else stack.json `s3.dataDir` relative to the repository root. */
  dataDir?: string;
  /** The shared test controls: answered under `/__local/` on this port too, and their clock is S3's. */
  controls?: StackControls;
  /** Where refusals' traces are kept. Default: a new bounded store. */
  traces?: TraceStore;
  /** No warnings on the console (tests). */
  quiet?: boolean;
  /** Where unexpected internal errors are reported. Default `console.error`. */
  logError?: (message: string, error: unknown) => void;
}

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Bodies of requests other than PUT are read whole up to this size. */
const MAX_OTHER_BODY_BYTES = 1024 * 1024;
/** S3's longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
/** Query parameters naming S3 sub-resources or operations the stand-in does not implement. */
const SUBRESOURCES = new Set([
  "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering", "inventory",
  "legal-hold", "lifecycle", "location", "logging", "metrics", "notification", "object-lock", "ownershipControls",
  "partNumber", "policy", "policyStatus", "publicAccessBlock", "replication", "requestPayment", "restore", "retention",
  "select", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
]);

/** The data folder: the option, else `WIC_S3_DATA_DIR`, else stack.json `s3.dataDir` (relative to the repository root). */
export function resolveDataDir(config: StackConfig, option?: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const chosen = option ?? (env.WIC_S3_DATA_DIR?.trim() || undefined) ?? config.s3.dataDir;
  return isAbsolute(chosen) ? chosen : resolve(REPO_ROOT, chosen);
}

/**
 * Create `users/<subject>/welcome.txt` in every bucket for every test user at every provider (stack.json `users[].sub`
 * and `users[].subjects.*`) with `s3.seedText` (`${name}`, `${subject}` filled in), where it does not exist yet.
 */
export async function seedWelcomeObjects(store: ObjectStore, config: StackConfig, now: number): Promise<number> {
  let created = 0;
  for (const bucket of config.s3.buckets) {
    for (const user of config.users) {
      for (const subject of new Set([user.sub, ...Object.values(user.subjects)])) {
        const key = `users/${subject}/welcome.txt`;
        if (store.head(bucket, key)) continue;
        const text = config.s3.seedText.split("${name}").join(user.name).split("${subject}").join(subject);
        await store.put(bucket, key, [Buffer.from(text, "utf8")], {
          contentType: "text/plain; charset=utf-8",
          userMetadata: {},
          headers: {},
          maxBytes: Number.MAX_SAFE_INTEGER,
          now,
        });
        created++;
      }
    }
  }
  return created;
}

/** Bucket and key of a path-style request path; a malformed escape fails. */
export function parsePathStyle(rawPath: string): { bucket?: string; key?: string } {
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (path === "") return {};
  const slash = path.indexOf("/");
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new S3Fault("InvalidURI", 400, S3_MESSAGES.invalidUri, [["URI", rawPath]]);
    }
  };
  if (slash < 0) return { bucket: decode(path) };
  const key = path.slice(slash + 1);
  return { bucket: decode(path.slice(0, slash)), ...(key === "" ? {} : { key: decode(key) }) };
}

function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] ?? "", raw[i + 1] ?? ""]);
  return pairs;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request handler of the local S3 (exported for embedding); `store` is an opened object store. */
export function createS3Handler(opts: S3Options, store: ObjectStore, traces: TraceStore): (req: IncomingMessage, res: ServerResponse) => void {
  const { config } = opts;
  const now = opts.now ?? opts.controls?.now ?? Date.now;
  const appOrigins = originsOf(config.clients[0]?.redirectUris ?? []);
  const logError = opts.logError ?? ((message: string, error: unknown) => console.error(message, error));

  async function route(req: IncomingMessage, at: RequestCircumstances): Promise<Reply> {
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? "" : target.slice(q + 1);
    const method = (req.method ?? "GET").toUpperCase();
    const { bucket, key } = parsePathStyle(path);
    const params = new Map<string, string>();
    for (const [name, value] of formPairs(query, lenientFormDecode)) if (!params.has(name)) params.set(name, value ?? "");

    if (method === "OPTIONS") {
      if (bucket === undefined || !store.hasBucket(bucket)) throw new S3Fault("AccessForbidden", 403, S3_MESSAGES.corsNoBucket, [["Method", header(req, "access-control-request-method") ?? ""], ["ResourceType", "BUCKET"]]);
      const headers = preflightHeaders(
        header(req, "origin"),
        header(req, "access-control-request-method"),
        header(req, "access-control-request-headers"),
        appOrigins,
        key === undefined ? "BUCKET" : "OBJECT",
      );
      return { status: 200, headers: { ...headers, "Content-Length": "0" } };
    }

    const parts: HttpRequestParts = { method, path, query, headers: headerPairs(req.rawHeaders), body: new Uint8Array() };
    const caller = authenticate(parts, { config, region: config.region, now: at.now, sessions: opts.sessions });
    if (method !== "PUT") await checkSmallBody(req, caller);

    if (bucket === undefined) {
      if (method !== "GET") throw methodNotAllowed(method, "SERVICE");
      checkPermission(config, traces, caller, { action: "s3:ListAllMyBuckets", resource: "*" }, at);
      const buckets = store.buckets.map((name) => ({ name, created: Date.UTC(2024, 0, 1) }));
      const body = Buffer.from(listBucketsDocument({ id: "0".repeat(64), displayName: "web-identity-console" }, buckets), "utf8");
      return { status: 200, headers: { "Content-Type": "application/xml", "Content-Length": String(body.length) }, body };
    }
    for (const name of params.keys()) if (SUBRESOURCES.has(name)) throw notImplemented(`?${name}`);
    if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
    const bucketArn = s3Arn(config.partition, bucket);

    if (key === undefined) {
      if (method === "GET") {
        if (params.get("list-type") !== "2") throw notImplemented("ListObjects version 1: use ListObjectsV2, list-type=2");
        const keys: Record<string, string> = {};
        for (const [param, conditionKey] of [["prefix", "s3:prefix"], ["delimiter", "s3:delimiter"], ["max-keys", "s3:max-keys"]] as const) {
          const value = params.get(param);
          if (value !== undefined) keys[conditionKey] = value;
        }
        checkPermission(config, traces, caller, { action: "s3:ListBucket", resource: bucketArn, keys }, at);
        const list = (name: string) => params.get(name);
        return listObjectsV2(store, bucket, {
          ...(list("prefix") !== undefined ? { prefix: list("prefix") } : {}),
          ...(list("delimiter") !== undefined ? { delimiter: list("delimiter") } : {}),
          ...(list("max-keys") !== undefined ? { maxKeys: list("max-keys") } : {}),
          ...(list("continuation-token") !== undefined ? { continuationToken: list("continuation-token") } : {}),
          ...(list("start-after") !== undefined ? { startAfter: list("start-after") } : {}),
          ...(list("encoding-type") !== undefined ? { encodingType: list("encoding-type") } : {}),
        });
      }
      if (method === "HEAD") {
        checkPermission(config, traces, caller, { action: "s3:ListBucket", resource: bucketArn }, at);
        return { status: 200, headers: { "x-amz-bucket-region": config.region, "Content-Length": "0" } };
      }
      if (method === "PUT" || method === "DELETE" || method === "POST") throw notImplemented(`${method} on a bucket`);
      throw methodNotAllowed(method, "BUCKET");
    }

    const keyBytes = Buffer.byteLength(key, "utf8");
    if (keyBytes > MAX_KEY_BYTES) throw new S3Fault("KeyTooLongError", 400, S3_MESSAGES.keyTooLong, [["MaxSizeAllowed", String(MAX_KEY_BYTES)], ["Size", String(keyBytes)]]);
    const objectArn = s3Arn(config.partition, bucket, key);
    switch (method) {
      case "GET":
      case "HEAD": {
        checkPermission(config, traces, caller, { action: "s3:GetObject", resource: objectArn }, at);
        if (!store.head(bucket, key)) {
          // S3 says NoSuchKey only to a caller who may list the bucket, else AccessDenied. With a prefix-conditioned
          // s3:ListBucket, which prefix S3 checks here is not documented [~]: the missing key itself is used.
          checkPermission(config, traces, caller, { action: "s3:ListBucket", resource: bucketArn, keys: { "s3:prefix": key } }, at);
          throw noSuchKey(key);
        }
        return getObject(store, bucket, key, {
          head: method === "HEAD",
          ...(header(req, "range") !== undefined ? { range: header(req, "range") } : {}),
          conditions: {
            ...(header(req, "if-match") !== undefined ? { ifMatch: header(req, "if-match") } : {}),
            ...(header(req, "if-none-match") !== undefined ? { ifNoneMatch: header(req, "if-none-match") } : {}),
            ...(header(req, "if-modified-since") !== undefined ? { ifModifiedSince: header(req, "if-modified-since") } : {}),
            ...(header(req, "if-unmodified-since") !== undefined ? { ifUnmodifiedSince: header(req, "if-unmodified-since") } : {}),
          },
          overrides: params,
        });
      }
      case "PUT":
        if (header(req, "x-amz-copy-source") !== undefined) throw notImplemented("CopyObject");
        checkPermission(config, traces, caller, { action: "s3:PutObject", resource: objectArn }, at);
        return putObject(store, bucket, key, req as AsyncIterable<Uint8Array>, {
          headers: req.headers,
          payloadHash: caller.kind === "signed" ? caller.payloadHash : UNSIGNED_PAYLOAD,
          maxObjectBytes: config.s3.maxObjectBytes,
          now: at.now,
        });
      case "DELETE":
        checkPermission(config, traces, caller, { action: "s3:DeleteObject", resource: objectArn }, at);
        return deleteObject(store, bucket, key);
      case "POST":
        throw notImplemented("POST on an object (multipart uploads, browser form uploads)");
      default:
        throw methodNotAllowed(method, "OBJECT");
    }
  }

  /**
   * Rule: a request other than PUT has a small body matching its signed payload hash.
   * @throws S3Fault `XAmzContentSHA256Mismatch` (400); `InvalidRequest` for a body over 1 MiB.
   */
  async function checkSmallBody(req: IncomingMessage, caller: S3Caller): Promise<void> {
    const body = await readBodyUpTo(req, MAX_OTHER_BODY_BYTES);
    if (body === undefined) throw new S3Fault("InvalidRequest", 400, "The local S3 stand-in reads request bodies of at most 1 MiB except for PutObject.");
    if (caller.kind === "signed" && caller.payloadHash !== UNSIGNED_PAYLOAD && caller.payloadHash !== sha256HexOf(body)) {
      throw new S3Fault("XAmzContentSHA256Mismatch", 400, S3_MESSAGES.sha256Mismatch, [
        ["ClientComputedContentSHA256", caller.payloadHash],
        ["S3ComputedContentSHA256", sha256HexOf(body)],
      ]);
    }
  }

  function send(req: IncomingMessage, res: ServerResponse, reply: Reply, common: Record<string, string>): void {
    const headers = { ...common, ...reply.headers };
    if (!req.complete) headers.Connection = "close";
    res.writeHead(reply.status, headers);
    const head = req.method === "HEAD";
    const body = reply.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      res.end(head ? undefined : body);
      return;
    }
    if (head) {
      body.destroy();
      res.end();
      return;
    }
    body.on("error", (error) => {
      logError("local S3: reading an object failed", error);
      res.destroy(error);
    });
    res.on("close", () => body.destroy());
    body.pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const hostId = randomBytes(57).toString("base64");
    const at: RequestCircumstances = { requestId, sourceIp: req.socket.remoteAddress ?? "", now: now() };
    const common: Record<string, string> = {
      "x-amz-request-id": requestId,
      "x-amz-id-2": hostId,
      Date: new Date(at.now).toUTCString(),
      Server: "AmazonS3",
      ...((req.method ?? "").toUpperCase() === "OPTIONS" ? {} : corsResponseHeaders(header(req, "origin"), appOrigins)),
    };
    let reply: Reply;
    try {
      reply = await route(req, at);
    } catch (error) {
      const fault = isS3Fault(error) ? error : new S3Fault("InternalError", 500, S3_MESSAGES.internalError);
      if (!isS3Fault(error)) logError(`local S3: internal error for request ${requestId}`, error);
      const body = Buffer.from(errorDocument(fault, requestId, hostId), "utf8");
      reply = { status: fault.status, headers: { "Content-Type": "application/xml", "Content-Length": String(body.length), ...fault.headers }, body };
    }
    if (res.destroyed) return;
    send(req, res, reply, common);
  }

  return (req, res) => {
    if (isTraceRequest(req.url)) {
      handleTraceRequest(traces, "s3", appOrigins, req, res);
      return;
    }
    if (opts.controls && isControlRequest(req.url)) {
      handleControlRequest(opts.controls, req, res, logError);
      return;
    }
    handle(req, res).catch((error: unknown) => {
      logError("local S3: failed to answer", error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

/**
 * Open the data folder (removing stale temporary files, seeding the welcome objects) and start the local S3 on
 * `host:port` (default 127.0.0.1, a free port).
 * @throws the listen error (e.g. `EADDRINUSE`) when the port is taken.
 */
export async function startS3(opts: S3Options): Promise<S3Server> {
  const dataDir = resolveDataDir(opts.config, opts.dataDir);
  const warn = opts.quiet ? () => {} : (message: string) => console.warn(message);
  const store = await openObjectStore(dataDir, opts.config.s3.buckets, warn);
  await seedWelcomeObjects(store, opts.config, (opts.now ?? opts.controls?.now ?? Date.now)());
  const traces = opts.traces ?? createTraceStore();
  const server = createServer({ maxHeaderSize: 32 * 1024 }, createS3Handler(opts, store, traces));
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // large uploads may take long; idle sockets still time out (keepAliveTimeout)
  const { url } = await listen(server, opts.port ?? 0, opts.host ?? "127.0.0.1");
  return { url, dataDir, traces, close: () => closeServer(server) };
}
