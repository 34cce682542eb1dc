/**
 * Local-stack extensions ("test controls"): switches that real AWS and real identity providers do not have, so tests
 * can expire sessions without waiting, make silent renewal fail on purpose, revoke a user's tokens at a provider and
 * take a provider down. One {@link StackControls} object is shared by the whole stack (`npm start` creates it; tests
 * create their own) and every server mounts {@link handleControlRequest} under `/__local/`, so the STS port and every
 * identity-provider port (the generic OpenID provider and the Google, Amazon and Facebook personas) answer the same
 * controls:
 *
 *   GET  /__local/state                                          → the current state
 *   POST /__local/clock          {"offsetSeconds": N}            → the stack clock = real time + N s (|N| ≤ 10 days)
 *   POST /__local/silent-renewal {"username": "alice", "refuse": true|false}
 *                                                                → prompt=none for alice's IdP session: login_required
 *   POST /__local/persona        {"persona": "google", "mode": "up"|"offline"|"garbage"}
 *                                                                → offline: that provider closes every request's socket
 *                                                                  without answering; garbage: it answers every request
 *                                                                  with a 200 HTML maintenance page; up: normal
 *                                                                  (persona: "oidc" | "google" | "amazon" | "facebook")
 *   POST /__local/revoke         {"persona": "amazon", "username": "alice"}
 *                                                                → every access and refresh token that provider has
 *                                                                  issued to alice so far stops working at once
 *                                                                  (the answer adds "revokedTokens": how many)
 *   POST /__local/reset          {}                              → offset 0, no refusals, every provider up
 *
 * `/__local/` itself stays answered on a provider's port while that provider is offline or answering garbage, so a
 * test can bring it back up through the same port.
 *
 * Every answer is JSON: `{ "ok": true, ...state }` or `{ "error": "..." }`. Only loopback clients are answered; a
 * request carrying an `Origin` header (any web page: browsers send it on every cross-origin POST) is refused with 403,
 * and there are no CORS headers, so no page can drive or read the controls.
 *
 * The clock: the STS reads {@link StackControls.now}. oidc-provider reads `Date.now()` deep inside, so under
 * `npm start` {@link installStackClock} makes `Date.now` itself follow the offset in the stack process.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PERSONAS } from "./config";
import { readBodyUpTo } from "./http";

/** Every control lives under this path, on the IdP's port and on the STS's port. */
export const CONTROL_PATH_PREFIX = "/__local/";
/** Bound of `POST /__local/clock`'s `offsetSeconds`, either way: 10 days. */
export const MAX_CLOCK_OFFSET_SECONDS = 10 * 24 * 60 * 60;
/** Largest accepted control request body. */
export const MAX_CONTROL_BODY_BYTES = 4 * 1024;

/** The identity providers of the stack: the generic OpenID provider ("oidc") and the personas. */
export const IDENTITY_PROVIDERS = ["oidc", ...PERSONAS] as const;
export type IdentityProviderName = (typeof IDENTITY_PROVIDERS)[number];

/**
 * How a provider answers (`POST /__local/persona`):
 * - `up`: normally;
 * - `offline`: it closes every request's socket without answering — a provider that is down or unreachable;
 * - `garbage`: it answers every request `200 text/html` with a maintenance page — a proxy or captive portal in front.
 */
export const PROVIDER_MODES = ["up", "offline", "garbage"] as const;
export type ProviderMode = (typeof PROVIDER_MODES)[number];

/** What a running provider gives the controls so that `POST /__local/revoke` reaches its token store. */
export interface RevocableProvider {
  /** Make every access and refresh token issued to `username` so far unusable; resolves with how many there were. */
  revokeUserTokens(username: string): Promise<number>;
}

/** What `GET /__local/state` (and every successful POST) answers, besides `"ok": true`. */
export interface StackControlState {
  /** The clock offset in whole seconds (may be negative). */
  clockOffsetSeconds: number;
  /** The stack clock, ISO 8601 (real time + offset). */
  now: string;
  /** Whether `Date.now` of the stack process follows the offset (oidc-provider's clock): true under `npm start`. */
  processClockShifted: boolean;
  /** Usernames whose silent renewal (`prompt=none`) is refused, sorted. */
  silentRenewalRefused: string[];
  /** How each identity provider answers. */
  personas: Record<IdentityProviderName, ProviderMode>;
}

/** The shared, mutable state of the local-stack extensions. */
export interface StackControls {
  /** The stack clock: real time + the offset, ms since the epoch. */
  now(): number;
  readonly clockOffsetSeconds: number;
  /**
   * Replace the clock offset (absolute, not cumulative).
   * @throws RangeError unless `seconds` is an integer within ±{@link MAX_CLOCK_OFFSET_SECONDS}.
   */
  setClockOffset(seconds: number): void;
  /**
   * Refuse (or allow again) `prompt=none` for the IdP session of `username`.
   * @throws RangeError for a username that is not a configured test user (when the controls know the users).
   */
  setSilentRenewalRefused(username: string, refuse: boolean): void;
  isSilentRenewalRefused(username: string): boolean;
  /**
   * Take a provider offline, make it answer garbage, or bring it back up.
   * @throws RangeError for an unknown provider or mode.
   */
  setProviderMode(provider: IdentityProviderName, mode: ProviderMode): void;
  providerMode(provider: IdentityProviderName): ProviderMode;
  /**
   * Called by a provider server when it starts with these controls, so that {@link revokeTokens} reaches it.
   * @returns a function that detaches it again (call it on close).
   */
  attachProvider(provider: IdentityProviderName, store: RevocableProvider): () => void;
  /**
   * Revoke every access and refresh token `provider` has issued to `username` so far (every running instance of it
   * attached to these controls). Later sign-ins get working tokens.
   * @returns how many tokens stopped working.
   * @throws RangeError for an unknown provider or username, or when no such provider is attached.
   */
  revokeTokens(provider: IdentityProviderName, username: string): Promise<number>;
  /** Offset 0, no refusals, every provider up. */
  reset(): void;
  state(): StackControlState;
}

export interface StackControlsOptions {
  /** The configured test users: other usernames are refused with a clear error. Default: any username. */
  usernames?: readonly string[];
  /** Told about every change, one line each (`npm start` prints them). */
  log?: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// The clock seam

const ORIGINAL_NOW = Symbol("wic.originalDateNow");
type ShiftedDateNow = (() => number) & { [ORIGINAL_NOW]?: () => number };
const shiftedBy = new WeakSet<StackControls>();

/** Real time in ms, even while {@link installStackClock} has replaced `Date.now` (respects test fake timers). */
function realNow(): number {
  const current = Date.now as ShiftedDateNow;
  const original = current[ORIGINAL_NOW];
  return original ? original() : current();
}

/**
 * Make `Date.now()` of this whole process return the stack clock (`controls.now()`): the only way to shift
 * oidc-provider's clock, which calls `Date.now()` internally. Only `npm start` calls it — its process holds nothing
 * but the local stack and the Vite server. `new Date()` without arguments is not affected.
 * @returns a function that puts the original `Date.now` back (tests must call it).
 * @throws Error when a stack clock is already installed.
 */
export function installStackClock(controls: StackControls): () => void {
  const original = Date.now;
  if ((original as ShiftedDateNow)[ORIGINAL_NOW]) throw new Error("installStackClock: a stack clock is already installed in this process");
  const shifted: ShiftedDateNow = () => controls.now();
  shifted[ORIGINAL_NOW] = original;
  Date.now = shifted;
  shiftedBy.add(controls);
  return () => {
    if (Date.now === shifted) Date.now = original;
    shiftedBy.delete(controls);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The state

export function createStackControls(opts: StackControlsOptions = {}): StackControls {
  const known = opts.usernames ? new Set(opts.usernames) : undefined;
  const log = opts.log ?? (() => {});
  let offsetSeconds = 0;
  const refused = new Set<string>();
  const modes = new Map<IdentityProviderName, ProviderMode>();
  const attached = new Map<IdentityProviderName, Set<RevocableProvider>>();
  const checkUsername = (username: unknown): string => {
    if (typeof username !== "string" || !/^[\w.@+-]{1,64}$/.test(username)) throw new RangeError(`username must be a test user's name, got ${JSON.stringify(username)}`);
    if (known && !known.has(username)) throw new RangeError(`${JSON.stringify(username)} is not a test user (known: ${[...known].join(", ")})`);
    return username;
  };
  const checkProvider = (provider: unknown): IdentityProviderName => {
    if (typeof provider !== "string" || !(IDENTITY_PROVIDERS as readonly string[]).includes(provider)) {
      throw new RangeError(`persona must be one of ${IDENTITY_PROVIDERS.join(", ")}, got ${JSON.stringify(provider)}`);
    }
    return provider as IdentityProviderName;
  };

  const controls: StackControls = {
    now: () => realNow() + offsetSeconds * 1000,
    get clockOffsetSeconds() {
      return offsetSeconds;
    },
    setClockOffset(seconds) {
      if (typeof seconds !== "number" || !Number.isInteger(seconds) || Math.abs(seconds) > MAX_CLOCK_OFFSET_SECONDS) {
        throw new RangeError(`offsetSeconds must be a whole number of seconds from -${MAX_CLOCK_OFFSET_SECONDS} to ${MAX_CLOCK_OFFSET_SECONDS} (±10 days), got ${JSON.stringify(seconds)}`);
      }
      offsetSeconds = seconds;
      log(`clock offset ${seconds >= 0 ? "+" : ""}${seconds} s: stack time is now ${new Date(controls.now()).toISOString()}`);
    },
    setSilentRenewalRefused(username, refuse) {
      checkUsername(username);
      if (refuse) refused.add(username);
      else refused.delete(username);
      log(`silent renewal (prompt=none) ${refuse ? "refused" : "allowed again"} for ${username}`);
    },
    isSilentRenewalRefused: (username) => refused.has(username),
    setProviderMode(provider, mode) {
      checkProvider(provider);
      if (typeof mode !== "string" || !(PROVIDER_MODES as readonly string[]).includes(mode)) throw new RangeError(`mode must be one of ${PROVIDER_MODES.join(", ")}, got ${JSON.stringify(mode)}`);
      if (mode === "up") modes.delete(provider);
      else modes.set(provider, mode);
      log(`${provider}: ${mode === "up" ? "up (answering normally)" : mode === "offline" ? "offline (closing every connection without answering)" : "answering garbage (an HTML maintenance page)"}`);
    },
    providerMode: (provider) => modes.get(provider) ?? "up",
    attachProvider(provider, store) {
      checkProvider(provider);
      const stores = attached.get(provider) ?? new Set<RevocableProvider>();
      stores.add(store);
      attached.set(provider, stores);
      return () => {
        stores.delete(store);
      };
    },
    async revokeTokens(provider, username) {
      checkProvider(provider);
      checkUsername(username);
      const stores = [...(attached.get(provider) ?? [])];
      if (stores.length === 0) throw new RangeError(`No ${provider} provider runs with these controls`);
      let count = 0;
      for (const store of stores) count += await store.revokeUserTokens(username);
      log(`${provider}: revoked ${count} token${count === 1 ? "" : "s"} of ${username}`);
      return count;
    },
    reset() {
      offsetSeconds = 0;
      refused.clear();
      modes.clear();
      log("reset: clock offset 0, silent renewal allowed for everyone, every provider up");
    },
    state: () => ({
      clockOffsetSeconds: offsetSeconds,
      now: new Date(controls.now()).toISOString(),
      processClockShifted: shiftedBy.has(controls),
      silentRenewalRefused: [...refused].sort(),
      personas: Object.fromEntries(IDENTITY_PROVIDERS.map((p) => [p, modes.get(p) ?? "up"])) as Record<IdentityProviderName, ProviderMode>,
    }),
  };
  return controls;
}

// ---------------------------------------------------------------------------------------------------------------
// The HTTP face

/** True when the request target is under {@link CONTROL_PATH_PREFIX} (the servers hand those to the controls). */
export function isControlRequest(url: string | undefined): boolean {
  const path = (url ?? "/").split("?")[0] ?? "/";
  return path === CONTROL_PATH_PREFIX.slice(0, -1) || path.startsWith(CONTROL_PATH_PREFIX);
}

class ControlRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}

/** A Host header naming this machine by a loopback name (defeats DNS rebinding). Absent (HTTP/1.0) is allowed. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = /^\[([^\]]+)\](?::\d+)?$/.exec(host)?.[1] ?? host.replace(/:\d+$/, "");
  return name.toLowerCase() === "localhost" || isLoopbackAddress(name);
}

const ROUTES: Record<string, { method: "GET" | "POST"; keys: readonly string[] }> = {
  state: { method: "GET", keys: [] },
  clock: { method: "POST", keys: ["offsetSeconds"] },
  "silent-renewal": { method: "POST", keys: ["username", "refuse"] },
  persona: { method: "POST", keys: ["persona", "mode"] },
  revoke: { method: "POST", keys: ["persona", "username"] },
  reset: { method: "POST", keys: [] },
};

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new ControlRefusal(415, "The body must be JSON (Content-Type: application/json)");
  const body = await readBodyUpTo(req, MAX_CONTROL_BODY_BYTES);
  if (body === undefined) throw new ControlRefusal(413, `The body must be at most ${MAX_CONTROL_BODY_BYTES} bytes`, { Connection: "close" });
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ControlRefusal(400, "The body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ControlRefusal(400, "The body must be a JSON object");
  return parsed as Record<string, unknown>;
}

async function answer(controls: StackControls, req: IncomingMessage): Promise<StackControlState & { revokedTokens?: number }> {
  if (!isLoopbackAddress(req.socket.remoteAddress)) throw new ControlRefusal(403, "Test controls answer loopback clients only");
  if (req.headers.origin !== undefined) throw new ControlRefusal(403, "Test controls refuse requests from web pages (the request has an Origin header)");
  if (!isLoopbackHost(req.headers.host)) throw new ControlRefusal(403, "Test controls answer only requests addressed to a loopback host name");

  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const name = path.startsWith(CONTROL_PATH_PREFIX) ? path.slice(CONTROL_PATH_PREFIX.length) : "";
  const route = Object.hasOwn(ROUTES, name) ? ROUTES[name] : undefined;
  if (!route) throw new ControlRefusal(404, `No test control at ${path} (there are ${Object.keys(ROUTES).map((r) => CONTROL_PATH_PREFIX + r).join(", ")})`);
  const method = (req.method ?? "GET").toUpperCase();
  const allowed = route.method === "GET" ? ["GET", "HEAD"] : ["POST"];
  if (!allowed.includes(method)) throw new ControlRefusal(405, `${path} answers ${allowed.join(" and ")} only`, { Allow: allowed.join(", ") });
  if (route.method === "GET") return controls.state();

  const body = await readJsonObject(req);
  const unknown = Object.keys(body).filter((key) => !route.keys.includes(key));
  if (unknown.length > 0) throw new ControlRefusal(400, `Unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (${path} takes ${route.keys.length ? route.keys.join(", ") : "no fields"})`);
  try {
    switch (name) {
      case "clock":
        if (!("offsetSeconds" in body)) throw new RangeError('offsetSeconds is required, e.g. {"offsetSeconds": 7200}');
        controls.setClockOffset(body.offsetSeconds as number);
        break;
      case "silent-renewal":
        if (typeof body.refuse !== "boolean") throw new RangeError('refuse must be true or false, e.g. {"username": "alice", "refuse": true}');
        controls.setSilentRenewalRefused(body.username as string, body.refuse);
        break;
      case "persona":
        if (!("mode" in body)) throw new RangeError('mode is required, e.g. {"persona": "google", "mode": "offline"}');
        controls.setProviderMode(body.persona as IdentityProviderName, body.mode as ProviderMode);
        break;
      case "revoke":
        return { ...controls.state(), revokedTokens: await controls.revokeTokens(body.persona as IdentityProviderName, body.username as string) };
      case "reset":
        controls.reset();
        break;
    }
  } catch (error) {
    if (error instanceof RangeError) throw new ControlRefusal(400, error.message);
    throw error;
  }
  return controls.state();
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(`${JSON.stringify(body)}\n`, "utf8");
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(text.length),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

/**
 * Answer a request under `/__local/` (see the module comment). Never throws; never sets CORS headers.
 * @param onError where unexpected failures are reported. Default `console.error`.
 */
export function handleControlRequest(
  controls: StackControls,
  req: IncomingMessage,
  res: ServerResponse,
  onError: (message: string, error: unknown) => void = (message, error) => console.error(message, error),
): void {
  answer(controls, req).then(
    (state) => sendJson(res, 200, { ok: true, ...state }),
    (error: unknown) => {
      if (error instanceof ControlRefusal) {
        sendJson(res, error.status, { error: error.message }, error.headers);
        return;
      }
      onError(`test controls: ${req.method} ${req.url} failed`, error);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: "The test control failed" });
    },
  );
}
