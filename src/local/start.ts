/**
 * `npm start`: the local stack (the generic OpenID provider, the Google, Login with Amazon and Facebook personas, the
 * STS stand-in and the S3 stand-in, which share one session store) and the app, all on 127.0.0.1, each on the port of
 * its stack.json endpoint.
 *   --stack-only   only the local stack (e.g. for the interop tests of another client)
 *   --preview      build the app and serve the production bundle with a strict Content-Security-Policy (port 4173)
 *
 * Environment: WIC_IDP_ID_TOKEN_TTL, WIC_IDP_ACCESS_TOKEN_TTL, WIC_IDP_REFRESH_TOKEN_TTL, WIC_IDP_SESSION_TTL
 * (whole seconds) override stack.json's `ttl`; WIC_S3_DATA_DIR replaces stack.json's `s3.dataDir`.
 *
 * This process is dedicated to the stack (and the Vite server): it installs the stack clock, so `Date.now()` here
 * follows the test controls' clock offset (`POST /__local/clock`), which is how the OpenID provider's clock moves too.
 */
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from "vite";
import { CONTROL_PATH_PREFIX, createStackControls, installStackClock } from "./controls";
import { idpTtlFromEnv, loadStackConfig, PERSONAS, type PersonaName } from "./config";
import { PROVIDER_PROFILES, startIdp, type IdpServer } from "./idp/server";
import { startS3 } from "./s3/server";
import { samlProviderArn } from "./saml/config";
import { startSamlIdp } from "./saml/server";
import { startSts } from "./sts/server";
import { createSessionStore } from "./sts/sessions";

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
const personas = {} as Record<PersonaName, IdpServer>;
for (const persona of PERSONAS) {
  const url = config.endpoints[persona];
  personas[persona] = await startIdp({ config, persona, port: port(url), controls }).catch(failOnBusyPort(PROVIDER_PROFILES[persona].displayName, url));
}
const sessions = createSessionStore();
const sts = await startSts({ config, port: port(config.endpoints.sts), controls, sessions }).catch(failOnBusyPort("STS", config.endpoints.sts));
const s3 = await startS3({ config, port: port(config.endpoints.s3), controls, sessions }).catch(failOnBusyPort("S3", config.endpoints.s3));
const samlUrl = config.endpoints.saml;
const samlIdp = samlUrl === undefined ? undefined : await startSamlIdp({ config, port: port(samlUrl) }).catch(failOnBusyPort("SAML IdP", samlUrl));
const samlLines = samlIdp
  ? [
      `  SAML IdP         ${samlIdp.ssoUrl}   metadata ${samlIdp.metadataUrl}`,
      `                   IAM SAML provider${config.samlProviders.length === 1 ? "" : "s"} ${config.samlProviders.map((p) => samlProviderArn(config, p.name)).join(", ")}`,
      `                   for the app: ${samlIdp.ssoUrl}?origin=${new URL(config.endpoints.app).origin}&RelayState=… (postMessage to that origin)`,
    ]
  : [];
const bucket = config.s3.buckets[0] ?? "";
const ttlLine = `ID token ${config.ttl.idToken} s, access token ${config.ttl.accessToken} s, refresh token ${config.ttl.refreshToken} s, session ${config.ttl.session} s`;
const controlsLines = [
  `GET  ${sts.url}${CONTROL_PATH_PREFIX}state · POST …/reset {}`,
  `POST …/clock {"offsetSeconds":N} · POST …/silent-renewal {"username":"alice","refuse":true}`,
  `POST …/persona {"persona":"oidc|google|amazon|facebook","mode":"up|offline|garbage"}`,
  `POST …/revoke {"persona":"amazon","username":"alice"} (every token that provider gave alice stops working)`,
  `(the same on every provider's port and on S3's: ${[idp, ...Object.values(personas), s3].map((s) => s.url).join(", ")})`,
  `GET  …/trace/<requestId> on the STS and S3 ports: why a request was refused (the IAM evaluation trace)`,
];
const { google, amazon, facebook } = config.personas;
const providerLines = [
  `  OpenID provider  ${idp.issuer}   client id ${config.clients.map((c) => c.clientId).join(", ")} (public, PKCE)`,
  `  Google           ${personas.google.issuer}   client id ${google.clientId}`,
  `                   client secret ${google.clientSecret} — not a secret: Google's token endpoint demands one even with PKCE`,
  `  Amazon           ${personas.amazon.url}   client id ${amazon.clientId}, app id ${amazon.appId} (no discovery: ${personas.amazon.url}/ap/oa, /auth/o2/token)`,
  `  Facebook         ${personas.facebook.url}   app id ${facebook.appId} (no discovery: ${personas.facebook.url}/v19.0/dialog/oauth, /v19.0/oauth/access_token)`,
];

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
${providerLines.join("\n")}
  STS              ${sts.url}
  S3               ${s3.url}   bucket${config.s3.buckets.length === 1 ? "" : "s"} ${config.s3.buckets.join(", ")} (path-style), data in ${s3.dataDir}
                   e.g. with credentials from the app: aws --endpoint-url ${s3.url} s3 ls s3://${bucket}/users/alice/
${samlLines.map((line) => `${line}\n`).join("")}${appUrl ? `  App              ${appUrl}\n` : ""}
IdP lifetimes (every provider): ${ttlLine}
Test controls (loopback only, not AWS):
${controlsLines.map((line) => `  ${line}`).join("\n")}

Test users (log in on any provider's page; each provider knows them under its own subject):
${config.users.map((u) => `  ${u.username.padEnd(8)} password: ${u.password.padEnd(16)} sub ${u.sub} · Google sub ${u.subjects.google} · Amazon user_id ${u.subjects.amazon} · Facebook id ${u.subjects.facebook}`).join("\n")}

Roles (account ${config.account}):
${config.roles.map((r) => `  arn:${config.partition}:iam::${config.account}:role${r.path}${r.name} — ${r.description ?? ""}`).join("\n")}

${iamUserLines().join("\n")}

Press Ctrl+C to stop.`);

/** The IAM users' and root's long-term keys (local test values), an AWS CLI profile per key, and the endpoint hint. */
function iamUserLines(): string[] {
  const keyed = [
    ...config.iamUsers.map((u) => ({ profile: `wic-${u.name}`, label: `${u.name.padEnd(8)} arn:${config.partition}:iam::${config.account}:user${u.path}${u.name}`, key: u.accessKeys[0], mfa: u.mfa, note: u.description ?? "" })),
    ...(config.root ? [{ profile: "wic-root", label: `root     arn:${config.partition}:iam::${config.account}:root`, key: config.root.accessKeys[0], mfa: config.root.mfa, note: "the account root (cannot AssumeRole)" }] : []),
  ].filter((k) => k.key !== undefined);
  if (keyed.length === 0) return [];
  return [
    "IAM users (long-term keys for the signed STS calls; local test values, not secrets):",
    ...keyed.flatMap((k) => [
      `  ${k.label} — ${k.note}`,
      `           access key ${k.key?.accessKeyId}  secret ${k.key?.secretAccessKey}`,
      ...(k.mfa ? [`           MFA device ${k.mfa.serialNumber}  TOTP seed (base32) ${k.mfa.totpSecret}`] : []),
    ]),
    "",
    "~/.aws/credentials (then: export AWS_ENDPOINT_URL_STS=" + sts.url + " AWS_REGION=" + config.region + "; aws sts get-caller-identity --profile wic-operator):",
    ...keyed.flatMap((k) => [`  [${k.profile}]`, `  aws_access_key_id = ${k.key?.accessKeyId}`, `  aws_secret_access_key = ${k.key?.secretAccessKey}`]),
  ];
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([app?.close(), sts.close(), s3.close(), idp.close(), samlIdp?.close(), ...Object.values(personas).map((p) => p.close())]);
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
