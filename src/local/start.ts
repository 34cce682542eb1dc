/**
 * `npm start`: the local stack (the generic OpenID provider, the Google, Login with Amazon and Facebook personas, the
 * STS stand-in and the S3 stand-in, which share one session store, and the SAML IdP) and the app, all on 127.0.0.1.
 *   --base-port N  the app on N, the stack on N+1…N+7 (./ports.ts); default: the app on 5173, the stack on 9400–9406
 *   --app-port P   only the app on P
 *   --stack-only   only the local stack (e.g. for the interop tests of another client)
 *   --preview      build the app and serve the production bundle with a strict Content-Security-Policy (port 4173)
 *
 * Environment: WIC_BASE_PORT and WIC_APP_PORT (when the flag is absent); WIC_IDP_ID_TOKEN_TTL,
 * WIC_IDP_ACCESS_TOKEN_TTL, WIC_IDP_REFRESH_TOKEN_TTL, WIC_IDP_SESSION_TTL (whole seconds) override stack.json's
 * `ttl`; WIC_S3_DATA_DIR replaces stack.json's `s3.dataDir`.
 *
 * This process is dedicated to the stack (and the Vite server): it installs the stack clock, so `Date.now()` here
 * follows the test controls' clock offset (`POST /__local/clock`), which is how the OpenID provider's clock moves too.
 */
import { build } from "vite";
import { startBanner } from "./banner";
import { createStackControls, installStackClock } from "./controls";
import { idpTtlFromEnv, loadStackConfig } from "./config";
import { busyPorts, launchApp, launchStack, PortInUseError, type LaunchedApp, type LaunchedStack } from "./launch";
import { layoutPorts, PORT_OPTIONS, PortOptionError, portOptionsFrom, resolvePorts, stackOverrides } from "./ports";

const MODES = ["--preview", "--stack-only"];
const USAGE = `usage: npm start [-- [${PORT_OPTIONS.basePort.flag} N] [${PORT_OPTIONS.appPort.flag} P] [--preview | --stack-only]]`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

function layoutOrExit() {
  try {
    const { options, rest } = portOptionsFrom(process.argv.slice(2), process.env);
    const unknown = rest.filter((arg) => !MODES.includes(arg));
    if (unknown.length > 0) fail(`Unknown option${unknown.length === 1 ? "" : "s"} ${unknown.map((a) => JSON.stringify(a)).join(", ")}\n${USAGE}`, 2);
    if (rest.includes("--preview") && rest.includes("--stack-only")) fail(`--preview and --stack-only exclude each other\n${USAGE}`, 2);
    return { layout: resolvePorts({ ...options, preview: rest.includes("--preview") }), mode: rest.includes("--preview") ? "preview" : rest.includes("--stack-only") ? "stack-only" : "dev" } as const;
  } catch (error) {
    if (error instanceof PortOptionError) fail(`${error.message}\n${USAGE}`, 2);
    throw error;
  }
}
const { layout, mode } = layoutOrExit();

function configOrExit() {
  try {
    const loaded = loadStackConfig(undefined, stackOverrides(layout));
    loaded.ttl = { ...loaded.ttl, ...idpTtlFromEnv(process.env) };
    return loaded;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}
const config = configOrExit();

// Every port first, so that one message lists all the taken ones before anything starts.
const taken = await busyPorts(layoutPorts(layout).filter((p) => p.name !== "app" || mode !== "stack-only"));
if (taken.length > 0) fail(new PortInUseError(taken).message);

const controls = createStackControls({ usernames: config.users.map((u) => u.username), log: (line) => console.log(`[stack] ${line}`) });
installStackClock(controls);

function startFailed(error: unknown): never {
  return fail(error instanceof PortInUseError ? error.message : `The local stack failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

const stack: LaunchedStack = await launchStack({ config, layout, controls }).catch(startFailed);
let app: LaunchedApp | undefined;
if (mode !== "stack-only") {
  try {
    if (mode === "preview") await build({ logLevel: "warn" });
    app = await launchApp({ mode, layout });
  } catch (error) {
    await stack.close();
    startFailed(error);
  }
}

console.log(startBanner(config, stack, layout, app?.url ?? ""));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([app?.close(), stack.close()]);
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
