/**
 * Start the whole local stack and the app on a port layout (./ports.ts): what `npm start` runs (./start.ts), as
 * functions a test can call too. Every listener binds 127.0.0.1; a port that is taken is reported as a
 * {@link PortInUseError} naming the port, the part that wanted it and how to move.
 */
import { createServer as createNetServer } from "node:net";
import { createServer, mergeConfig, preview, type InlineConfig } from "vite";
import { servedAppConfig } from "./appConfig";
import { PERSONAS, type PersonaName, type StackConfig } from "./config";
import type { StackControls } from "./controls";
import { startIdp, type IdpServer } from "./idp/server";
import { appConfigMoves, loopbackOrigin, PORT_LABELS, PORT_OPTIONS, PORTS_PER_BASE, type PortLayout, type PortName } from "./ports";
import { startS3, type S3Server } from "./s3/server";
import { startSamlIdp, type SamlIdpServer } from "./saml/server";
import { startSts, type StsServer } from "./sts/server";
import { createSessionStore, type SessionStore } from "./sts/sessions";

/** A listener that could not start because its port is taken. */
export interface BusyPort {
  name: PortName;
  port: number;
}

/** One or more ports are taken; the message names each port, what wanted it, and how to move. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(readonly busy: readonly BusyPort[]) {
    super(portInUseMessage(busy));
  }
}

/** "Port 9401 (the local STS) is already in use." per port, then how to move the app and the stack. */
export function portInUseMessage(busy: readonly BusyPort[]): string {
  const { basePort, appPort } = PORT_OPTIONS;
  return [
    ...busy.map((b) => `Port ${b.port} (wanted by ${PORT_LABELS[b.name]}) is already in use.`),
    `Is another \`npm start\` running? Otherwise move the app and the whole local stack: \`npm start -- ${basePort.flag} N\` (or ${basePort.env}=N) puts the app on N and the stack on N+1…N+${PORTS_PER_BASE - 1}` +
      (busy.every((b) => b.name === "app") ? `; \`npm start -- ${appPort.flag} P\` (or ${appPort.env}=P) moves only the app.` : "."),
  ].join("\n");
}

/** The listeners among `ports` whose port cannot be bound on 127.0.0.1 right now (checked one after the other). */
export async function busyPorts(ports: readonly BusyPort[]): Promise<BusyPort[]> {
  const busy: BusyPort[] = [];
  for (const p of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once("error", () => resolve(false));
      probe.listen(p.port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (!free) busy.push(p);
  }
  return busy;
}

/** `start()`, with a taken port (`EADDRINUSE`, or Vite's strictPort refusal) reported as a {@link PortInUseError}. */
async function onPort<T>(name: PortName, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : "";
    if (code === "EADDRINUSE" || message === `Port ${port} is already in use`) throw new PortInUseError([{ name, port }]);
    throw error;
  }
}

export interface LaunchStackOptions {
  /** stack.json loaded with `stackOverrides(layout)`, so that every origin in it is the layout's. */
  config: StackConfig;
  layout: PortLayout;
  /** The test controls shared by every part (`npm start` passes them; without them there are none). */
  controls?: StackControls;
  /** The session store shared by the STS and S3. Default: a new one. */
  sessions?: SessionStore;
  /** Where S3 keeps objects. Default: S3's own (`WIC_S3_DATA_DIR`, else stack.json `s3.dataDir`). */
  dataDir?: string;
  /** No request logs from the identity providers and S3 (tests). */
  quiet?: boolean;
}

/** The running local stack. */
export interface LaunchedStack {
  idp: IdpServer;
  personas: Record<PersonaName, IdpServer>;
  sts: StsServer;
  s3: S3Server;
  /** Absent when stack.json has no `endpoints.saml`. */
  samlIdp?: SamlIdpServer;
  /** Stop every part. */
  close(): Promise<void>;
}

/**
 * Start the generic OpenID provider, the three personas, the STS, S3 and (with `endpoints.saml`) the SAML IdP, each on
 * its port of `layout`. If one fails, those already started are stopped before the error is thrown.
 * @throws PortInUseError for a taken port; the part's own start error otherwise.
 */
export async function launchStack(opts: LaunchStackOptions): Promise<LaunchedStack> {
  const { config, layout, controls } = opts;
  const quiet = opts.quiet ?? false;
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.map((s) => s.close()));
  };
  const track = <T extends { close(): Promise<void> }>(server: T): T => (started.push(server), server);
  const withControls = controls ? { controls } : {};
  try {
    const idp = track(await onPort("idp", layout.stack.idp, () => startIdp({ config, port: layout.stack.idp, quiet, ...withControls })));
    const personas = {} as Record<PersonaName, IdpServer>;
    for (const persona of PERSONAS) {
      const port = layout.stack[persona];
      personas[persona] = track(await onPort(persona, port, () => startIdp({ config, persona, port, quiet, ...withControls })));
    }
    const sessions = opts.sessions ?? createSessionStore();
    const sts = track(await onPort("sts", layout.stack.sts, () => startSts({ config, port: layout.stack.sts, sessions, ...withControls })));
    const s3 = track(
      await onPort("s3", layout.stack.s3, () => startS3({ config, port: layout.stack.s3, sessions, quiet, ...withControls, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) })),
    );
    const samlIdp = config.endpoints.saml === undefined ? undefined : track(await onPort("saml", layout.stack.saml, () => startSamlIdp({ config, port: layout.stack.saml })));
    return { idp, personas, sts, s3, ...(samlIdp ? { samlIdp } : {}), close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A running app server (Vite dev server or preview). */
export interface LaunchedApp {
  /** e.g. `http://127.0.0.1:5173/` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve the app on `layout.app`: the Vite dev server, or (`preview`) the production bundle already built in the
 * configured `build.outDir`, with vite.config.ts's security headers. Either serves config.json with the stack's origins
 * of `layout` (./appConfig.ts). `inline` is merged over vite.config.ts (tests: log level, cache folder, outDir).
 * @throws PortInUseError when the app's port is taken.
 */
export async function launchApp(opts: { mode: "dev" | "preview"; layout: PortLayout; inline?: InlineConfig }): Promise<LaunchedApp> {
  const port = opts.layout.app;
  const ours: InlineConfig = { plugins: [servedAppConfig(appConfigMoves(opts.layout))], server: { port, strictPort: true }, preview: { port, strictPort: true } };
  const inline = mergeConfig(opts.inline ?? {}, ours);
  const fallback = `${loopbackOrigin(port)}/`;
  if (opts.mode === "preview") {
    const server = await onPort("app", port, () => preview(inline));
    return { url: server.resolvedUrls?.local[0] ?? fallback, close: () => server.close() };
  }
  const dev = await createServer(inline);
  await onPort("app", port, () => dev.listen()).catch(async (error: unknown) => {
    await dev.close();
    throw error;
  });
  return { url: dev.resolvedUrls?.local[0] ?? fallback, close: () => dev.close() };
}
