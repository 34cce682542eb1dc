/**
 * The credentials in the formats other tools read, and the last signed call as a curl command. Pure text builders:
 * the UI copies their output only on an explicit click (src/console/UseCredentials.tsx).
 */
import type { Exchange } from "../aws/exchange";
import type { TemporaryCredentials } from "../aws/sts";

/** `'…'` for POSIX shells: everything literal; a `'` becomes `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"] as const;

function environment(c: TemporaryCredentials, region: string, line: (name: string, value: string) => string): string {
  const values = [c.accessKeyId, c.secretAccessKey, c.sessionToken, region];
  return `${ENV_NAMES.map((name, i) => line(name, values[i] ?? "")).join("\n")}\n`;
}

/** `export AWS_…=…` lines for bash/zsh (the AWS CLI and SDKs read them). */
export function bashEnvironment(c: TemporaryCredentials, region: string): string {
  return environment(c, region, (name, value) => `export ${name}=${shellQuote(value)}`);
}

/** `$Env:AWS_… = …` lines for PowerShell: single quotes, a `'` doubled. */
export function powerShellEnvironment(c: TemporaryCredentials, region: string): string {
  return environment(c, region, (name, value) => `$Env:${name} = '${value.replaceAll("'", "''")}'`);
}

/** A `~/.aws/credentials` profile (the region belongs in `~/.aws/config`, said in a comment). */
export function credentialsProfile(c: TemporaryCredentials, region: string, profile = "web-identity-console"): string {
  return [
    `# Expires ${c.expiration.toISOString()}. In ~/.aws/config: [profile ${profile}] region = ${region}`,
    `[${profile}]`,
    `aws_access_key_id = ${c.accessKeyId}`,
    `aws_secret_access_key = ${c.secretAccessKey}`,
    `aws_session_token = ${c.sessionToken}`,
    "",
  ].join("\n");
}

/** Region and service of a signed exchange, from its credential scope (`date/region/service/aws4_request`). */
export function signingScope(x: Exchange): { region: string; service: string } | undefined {
  const [, region, service] = x.signing?.credentialScope.split("/") ?? [];
  return region && service ? { region, service } : undefined;
}

/** Headers curl computes itself when it signs (`--aws-sigv4`), or that the browser added: not copied. */
const CURL_OWN_HEADERS = new Set(["authorization", "x-amz-date", "x-amz-security-token", "host", "content-length", "x-amz-content-sha256"]);

/**
 * The signed call as a curl command that signs it again when run (`curl --aws-sigv4`, curl 7.75+): same method, URL,
 * content type and body, the same credentials (so it works until they expire). Undefined for an unsigned exchange.
 */
export function curlCommand(x: Exchange, c: TemporaryCredentials): string | undefined {
  const scope = signingScope(x);
  if (!scope) return undefined;
  const lines = [
    `curl --aws-sigv4 ${shellQuote(`aws:amz:${scope.region}:${scope.service}`)}`,
    `  --user ${shellQuote(`${c.accessKeyId}:${c.secretAccessKey}`)}`,
    `  -H ${shellQuote(`x-amz-security-token: ${c.sessionToken}`)}`,
  ];
  for (const [name, value] of Object.entries(x.request.headers)) {
    if (!CURL_OWN_HEADERS.has(name.toLowerCase())) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (x.request.body !== "") lines.push(`  --data-binary ${shellQuote(x.request.body)}`);
  if (x.request.method !== (x.request.body !== "" ? "POST" : "GET")) lines.push(`  -X ${x.request.method}`);
  lines.push(`  ${shellQuote(x.request.url)}`);
  return lines.join(" \\\n");
}
