/**
 * What `npm start` prints once everything listens: where each part is (the URLs it really bound), the ports' layout
 * and how to move it, the test controls, test users, roles and IAM users. The bench waits for its last line.
 */
import type { StackConfig } from "./config";
import { CONTROL_PATH_PREFIX } from "./controls";
import type { LaunchedStack } from "./launch";
import { PORT_OPTIONS, portRange, type PortLayout } from "./ports";
import { samlProviderArn } from "./saml/config";

/** The start banner. `appUrl` is empty when no app is served (`--stack-only`). */
export function startBanner(config: StackConfig, stack: LaunchedStack, layout: PortLayout, appUrl: string): string {
  const { idp, personas, sts, s3, samlIdp } = stack;
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
  const portsLine = `Ports: ${appUrl ? `the app ${layout.app}, ` : ""}the local stack ${portRange(layout.stack)} — move them all with \`npm start -- ${PORT_OPTIONS.basePort.flag} N\` (the app on N, the stack on N+1…)`;
  return `
Web Identity Console — local stack
${providerLines.join("\n")}
  STS              ${sts.url}
  S3               ${s3.url}   bucket${config.s3.buckets.length === 1 ? "" : "s"} ${config.s3.buckets.join(", ")} (path-style), data in ${s3.dataDir}
                   e.g. with credentials from the app: aws --endpoint-url ${s3.url} s3 ls s3://${bucket}/users/alice/
${samlLines.map((line) => `${line}\n`).join("")}${appUrl ? `  App              ${appUrl}\n` : ""}
${portsLine}
IdP lifetimes (every provider): ${ttlLine}
Test controls (loopback only, not AWS):
${controlsLines.map((line) => `  ${line}`).join("\n")}

Test users (log in on any provider's page; each provider knows them under its own subject):
${config.users.map((u) => `  ${u.username.padEnd(8)} password: ${u.password.padEnd(16)} sub ${u.sub} · Google sub ${u.subjects.google} · Amazon user_id ${u.subjects.amazon} · Facebook id ${u.subjects.facebook}`).join("\n")}

Roles (account ${config.account}):
${config.roles.map((r) => `  arn:${config.partition}:iam::${config.account}:role${r.path}${r.name} — ${r.description ?? ""}`).join("\n")}

${iamUserLines(config, sts.url).join("\n")}

Press Ctrl+C to stop.`;
}

/** The IAM users' and root's long-term keys (local test values), an AWS CLI profile per key, and the endpoint hint. */
function iamUserLines(config: StackConfig, stsUrl: string): string[] {
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
    "~/.aws/credentials (then: export AWS_ENDPOINT_URL_STS=" + stsUrl + " AWS_REGION=" + config.region + "; aws sts get-caller-identity --profile wic-operator):",
    ...keyed.flatMap((k) => [`  [${k.profile}]`, `  aws_access_key_id = ${k.key?.accessKeyId}`, `  aws_secret_access_key = ${k.key?.secretAccessKey}`]),
  ];
}
