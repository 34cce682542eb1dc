/**
 * `npm start`: the local stack (OpenID provider + STS stand-in) and the app, all on 127.0.0.1.
 *   --stack-only   only the local stack (e.g. for the interop tests of another client)
 *   --preview      build the app and serve the production bundle with a strict Content-Security-Policy (port 4173)
 *
 * Environment: WIC_IDP_ID_TOKEN_TTL, WIC_IDP_ACCESS_TOKEN_TTL, WIC_IDP_REFRESH_TOKEN_TTL, WIC_IDP_SESSION_TTL
 * (whole seconds) override stack.json's `ttl`.
 *
 * This process is dedicated to the stack (and the Vite server): it installs the stack clock, so `Date.now()` here
 * follows the test controls' clock offset (`POST /__local/clock`), which is how the OpenID provider's clock moves too.
 */
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from "vite";
import { CONTROL_PATH_PREFIX, createStackControls, installStackClock } from "./controls";
import { idpTtlFromEnv, loadStackConfig } from "./config";
import { startIdp } from "./idp/server";
import { startSts } from "./sts/server";

const args = new Set(process.argv.slice(2));
const port = (url: string) => Number(new URL(url).port);

function configOrExit() {
  try {
    const loaded = loadStackConfig();
    loaded.ttl = { ...loaded.ttl, ...idpTtlFromEnv(process.env) };
    return loaded;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
const config = configOrExit();

const controls = createStackControls({ usernames: config.users.map((u) => u.username), log: (line) => console.log(`[stack] ${line}`) });
installStackClock(controls);

function failOnBusyPort(what: string, url: string) {
  return (error: unknown) => {
    const code = (error as { code?: string }).code;
    console.error(code === "EADDRINUSE" ? `${what}: ${url} is already in use — is another \`npm start\` running?` : `${what} failed to start: ${String(error)}`);
    process.exit(1);
  };
}

const idp = await startIdp({ config, port: port(config.endpoints.idp), controls }).catch(failOnBusyPort("OpenID provider", config.endpoints.idp));
const sts = await startSts({ config, port: port(config.endpoints.sts), controls }).catch(failOnBusyPort("STS", config.endpoints.sts));
const ttlLine = `ID token ${config.ttl.idToken} s, access token ${config.ttl.accessToken} s, refresh token ${config.ttl.refreshToken} s, session ${config.ttl.session} s`;
const controlsLine = `POST ${sts.url}${CONTROL_PATH_PREFIX}clock {"offsetSeconds":N} · POST …/silent-renewal {"username":"alice","refuse":true} · POST …/reset · GET …/state (also on ${idp.url}${CONTROL_PATH_PREFIX})`;

let app: ViteDevServer | PreviewServer | undefined;
let appUrl = "";
if (args.has("--preview")) {
  await build({ logLevel: "warn" });
  app = await preview({}); // security headers (strict CSP) come from vite.config.ts
  appUrl = app.resolvedUrls?.local[0] ?? "http://127.0.0.1:4173/";
} else if (!args.has("--stack-only")) {
  const dev = await createServer({});
  await dev.listen().catch(failOnBusyPort("App", config.endpoints.app));
  app = dev;
  appUrl = dev.resolvedUrls?.local[0] ?? config.endpoints.app;
}

console.log(`
Web Identity Console — local stack
  OpenID provider  ${idp.issuer}
  STS              ${sts.url}
${appUrl ? `  App              ${appUrl}\n` : ""}
IdP lifetimes: ${ttlLine}
Test controls (loopback only, not AWS): ${controlsLine}

Test users (log in on the provider's page):
${config.users.map((u) => `  ${u.username.padEnd(8)} password: ${u.password}`).join("\n")}

Roles (account ${config.account}):
${config.roles.map((r) => `  arn:${config.partition}:iam::${config.account}:role${r.path}${r.name} — ${r.description ?? ""}`).join("\n")}

Press Ctrl+C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([app?.close(), sts.close(), idp.close()]);
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
