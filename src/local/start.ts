/**
 * `npm start`: the local stack (OpenID provider + STS stand-in) and the app, all on 127.0.0.1.
 *   --stack-only   only the local stack (e.g. for the interop tests of another client)
 *   --preview      build the app and serve the production bundle with a strict Content-Security-Policy (port 4173)
 */
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from "vite";
import { loadStackConfig } from "./config";
import { startIdp } from "./idp/server";
import { startSts } from "./sts/server";

const args = new Set(process.argv.slice(2));
const config = loadStackConfig();
const port = (url: string) => Number(new URL(url).port);

function failOnBusyPort(what: string, url: string) {
  return (error: unknown) => {
    const code = (error as { code?: string }).code;
    console.error(code === "EADDRINUSE" ? `${what}: ${url} is already in use — is another \`npm start\` running?` : `${what} failed to start: ${String(error)}`);
    process.exit(1);
  };
}

const idp = await startIdp({ config, port: port(config.endpoints.idp) }).catch(failOnBusyPort("OpenID provider", config.endpoints.idp));
const sts = await startSts({ config, port: port(config.endpoints.sts) }).catch(failOnBusyPort("STS", config.endpoints.sts));

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
