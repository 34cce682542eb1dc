/**
 * Where `npm start` listens: the one place that lays out the ports of the app and of every part of the local stack.
 *
 * - Nothing given: today's ports — the app on 5173 (`--preview`: 4173), the stack on 9400–9406 (stack.json's
 *   `endpoints`).
 * - `--base-port N` (or `WIC_BASE_PORT=N`): the app on N (dev server or preview alike), the stack on N+1…N+7 in the
 *   order of {@link STACK_PARTS} — the order of the default ports 9400…9406.
 * - `--app-port P` (or `WIC_APP_PORT=P`): the app alone on P; with `--base-port` too, the stack still follows N.
 *
 * Everything that names a port is derived from the layout: stack.json's origins are moved with {@link stackOverrides}
 * (issuer URLs, IAM OIDC provider names and ARNs, trust-policy condition keys, policy variables, the built-in
 * providers' URLs, the SAML metadata URL), the app client's redirect URIs (and so the CORS origins of the IdPs, STS and
 * S3) with the app, and the app's served config.json with {@link appConfigMoves}.
 *
 * No Node imports: the start script, the app server plugin and tests read it.
 */
import type { EndpointName, StackOverrides } from "./config";

/** The local stack's listeners in port order: with `--base-port N`, part i listens on N+1+i. */
export const STACK_PARTS = ["idp", "sts", "google", "amazon", "facebook", "s3", "saml"] as const satisfies readonly EndpointName[];
export type StackPart = (typeof STACK_PARTS)[number];
/** Every listener `npm start` may open. */
export type PortName = StackPart | "app";

/** What each listener is, in the words of the start banner and the error messages. */
export const PORT_LABELS: Readonly<Record<PortName, string>> = Object.freeze({
  app: "the app",
  idp: "the local OpenID provider",
  sts: "the local STS",
  google: "the Google persona",
  amazon: "the Login with Amazon persona",
  facebook: "the Facebook persona",
  s3: "the local S3",
  saml: "the local SAML IdP",
});

/** The app's ports when nothing is given: the Vite dev server's and `vite preview`'s (vite.config.ts). */
export const DEFAULT_APP_PORT = 5173;
export const DEFAULT_PREVIEW_PORT = 4173;
/** The stack's ports when nothing is given (stack.json's `endpoints`). */
export const DEFAULT_STACK_PORTS: Readonly<Record<StackPart, number>> = Object.freeze({
  idp: 9400,
  sts: 9401,
  google: 9402,
  amazon: 9403,
  facebook: 9404,
  s3: 9405,
  saml: 9406,
});

/** Lowest port accepted (below it a port needs root), highest port. */
export const MIN_PORT = 1024;
export const MAX_PORT = 65535;
/** Ports a base takes: the app's and the stack's. */
export const PORTS_PER_BASE = 1 + STACK_PARTS.length;

/** The command-line options and their environment variables. */
export const PORT_OPTIONS = Object.freeze({ basePort: { flag: "--base-port", env: "WIC_BASE_PORT" }, appPort: { flag: "--app-port", env: "WIC_APP_PORT" } });

/** What was asked for (from {@link portOptionsFrom}); every member optional. */
export interface PortOptions {
  /** The app on it, the stack on the next {@link STACK_PARTS}.length ports. */
  basePort?: number;
  /** The app alone. */
  appPort?: number;
  /** The app is the production bundle (`--preview`): its default port is 4173 instead of 5173. */
  preview?: boolean;
}

/** Where each listener goes. */
export interface PortLayout {
  /** The app's port in this run (dev server or preview). */
  app: number;
  stack: Readonly<Record<StackPart, number>>;
  /**
   * Whether the app left its default ports: then the app client's loopback redirect URIs (stack.json registers 5173
   * and 4173, on 127.0.0.1 and localhost) are moved to `app`; otherwise they stay as registered.
   */
  appMoved: boolean;
}

/** A refused port option: the message names the option and echoes the value. */
export class PortOptionError extends Error {
  override readonly name = "PortOptionError";
}

/** `http://127.0.0.1:<port>`: every listener binds loopback only. */
export function loopbackOrigin(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/**
 * Lay the ports out (see the module comment).
 * @throws PortOptionError when a port is out of range ({@link MIN_PORT}–{@link MAX_PORT}, a base leaving room for the
 *   stack's ports after it) or two listeners would share a port, with the values given.
 */
export function resolvePorts(options: PortOptions = {}): PortLayout {
  const { basePort, appPort, preview = false } = options;
  const problems: string[] = [];
  const base = PORT_OPTIONS.basePort.flag;
  if (basePort !== undefined && !(Number.isInteger(basePort) && basePort >= MIN_PORT && basePort + PORTS_PER_BASE - 1 <= MAX_PORT)) {
    problems.push(`${base} must be a whole number from ${MIN_PORT} to ${MAX_PORT - PORTS_PER_BASE + 1} (the app uses it and the stack the ${STACK_PARTS.length} ports after it), got ${String(basePort)}`);
  }
  if (appPort !== undefined && !(Number.isInteger(appPort) && appPort >= MIN_PORT && appPort <= MAX_PORT)) {
    problems.push(`${PORT_OPTIONS.appPort.flag} must be a whole number from ${MIN_PORT} to ${MAX_PORT}, got ${String(appPort)}`);
  }
  if (problems.length > 0) throw new PortOptionError(problems.join("\n"));
  const stack = Object.fromEntries(STACK_PARTS.map((part, i) => [part, basePort === undefined ? DEFAULT_STACK_PORTS[part] : basePort + 1 + i])) as Record<StackPart, number>;
  const app = appPort ?? basePort ?? (preview ? DEFAULT_PREVIEW_PORT : DEFAULT_APP_PORT);
  const clash = STACK_PARTS.find((part) => stack[part] === app);
  if (clash !== undefined) {
    const given = [basePort === undefined ? "" : `${base} ${basePort}`, appPort === undefined ? "" : `${PORT_OPTIONS.appPort.flag} ${appPort}`].filter(Boolean).join(" with ");
    throw new PortOptionError(`${given}: the app and ${PORT_LABELS[clash]} would both use port ${app}; choose an app port outside ${portRange(stack)}`);
  }
  return Object.freeze({ app, stack: Object.freeze(stack), appMoved: appPort !== undefined || basePort !== undefined });
}

/** "9400–9406": the stack's ports as a range. */
export function portRange(stack: Readonly<Record<StackPart, number>>): string {
  const ports = STACK_PARTS.map((part) => stack[part]);
  return `${Math.min(...ports)}–${Math.max(...ports)}`;
}

/** Every listener of the layout with its port, the app first (for the pre-flight check and the banner). */
export function layoutPorts(layout: PortLayout): { name: PortName; port: number }[] {
  return [{ name: "app", port: layout.app }, ...STACK_PARTS.map((name) => ({ name, port: layout.stack[name] }))];
}

/**
 * The options given on the command line (`--base-port 7000`, `--base-port=7000`, `--app-port …`) or, when a flag is
 * absent, in the environment (`WIC_BASE_PORT`, `WIC_APP_PORT`; empty counts as unset). `rest` keeps the other
 * arguments in order.
 * @throws PortOptionError naming each option whose value is not a whole number (echoed as given) or is missing.
 */
export function portOptionsFrom(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { options: Omit<PortOptions, "preview">; rest: string[] } {
  const raw: Partial<Record<keyof typeof PORT_OPTIONS, { value: string | undefined; from: string }>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const key = (Object.keys(PORT_OPTIONS) as (keyof typeof PORT_OPTIONS)[]).find((k) => arg === PORT_OPTIONS[k].flag || arg.startsWith(`${PORT_OPTIONS[k].flag}=`));
    if (key === undefined) {
      rest.push(arg);
      continue;
    }
    const flag = PORT_OPTIONS[key].flag;
    if (arg.startsWith(`${flag}=`)) raw[key] = { value: arg.slice(flag.length + 1), from: flag };
    else {
      const next = argv[i + 1];
      raw[key] = { value: next === undefined || next.startsWith("--") ? undefined : next, from: flag };
      if (raw[key].value !== undefined) i++;
    }
  }
  for (const key of Object.keys(PORT_OPTIONS) as (keyof typeof PORT_OPTIONS)[]) {
    const fromEnv = env[PORT_OPTIONS[key].env];
    if (raw[key] === undefined && fromEnv !== undefined && fromEnv !== "") raw[key] = { value: fromEnv, from: PORT_OPTIONS[key].env };
  }
  const options: Omit<PortOptions, "preview"> = {};
  const problems: string[] = [];
  for (const [key, given] of Object.entries(raw) as [keyof typeof PORT_OPTIONS, { value: string | undefined; from: string }][]) {
    if (given.value === undefined) problems.push(`${given.from} needs a port number, e.g. ${given.from} 7000`);
    else if (!/^\d{1,5}$/.test(given.value.trim())) problems.push(`${given.from} must be a port number, got ${JSON.stringify(given.value)}`);
    else options[key] = Number(given.value.trim());
  }
  if (problems.length > 0) throw new PortOptionError(problems.join("\n"));
  return { options, rest };
}

/**
 * What {@link loadStackConfig} needs to put stack.json on the layout: every stack origin, and the app's when it moved.
 * Tests that start parts on free ports use the same overrides with the ports they got.
 */
export function stackOverrides(layout: PortLayout): StackOverrides {
  const endpoints: NonNullable<StackOverrides["endpoints"]> = Object.fromEntries(STACK_PARTS.map((part) => [part, loopbackOrigin(layout.stack[part])]));
  if (layout.appMoved) endpoints.app = loopbackOrigin(layout.app);
  return { endpoints };
}

/**
 * The host moves that turn the default stack's origins into the layout's, for the app's served config.json (which
 * names the stack's origins, never the app's own): `[from host, to host]`, e.g. `["127.0.0.1:9401", "127.0.0.1:7002"]`.
 */
export function appConfigMoves(layout: PortLayout): [string, string][] {
  return STACK_PARTS.filter((part) => layout.stack[part] !== DEFAULT_STACK_PORTS[part]).map((part) => [`127.0.0.1:${DEFAULT_STACK_PORTS[part]}`, `127.0.0.1:${layout.stack[part]}`]);
}

/**
 * Replace every whole occurrence of each `from` host (`host:port`, not followed by another digit) in `text` by its `to`
 * host, all at once: moving 9400→9401 and 9401→9402 together never moves a host twice.
 */
export function moveHosts(text: string, moves: readonly (readonly [string, string])[]): string {
  if (moves.length === 0) return text;
  const escaped = moves.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\w.-])(${escaped.join("|")})(?!\\d)`, "g");
  const to = new Map(moves.map(([from, target]) => [from, target]));
  return text.replace(pattern, (host) => to.get(host) ?? host);
}

/** Loopback host names: a redirect URI on one of them is the app on this machine. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * `uris` with every loopback URI (127.0.0.1, localhost, [::1]) moved to `port`, path kept, duplicates dropped: how the
 * app client's registered redirect URIs follow a moved app.
 */
export function moveLoopbackUris(uris: readonly string[], port: number): string[] {
  const moved = uris.map((uri) => {
    const u = URL.parse(uri);
    return u !== null && LOOPBACK_HOSTS.has(u.hostname) ? `${u.protocol}//${u.hostname}:${port}${u.pathname}${u.search}${u.hash}` : uri;
  });
  return [...new Set(moved)];
}
