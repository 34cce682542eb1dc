/**
 * AssumeRoleWithSAML through the browser's STS client against the local STS, with an assertion from the local SAML
 * IdP obtained by a real HTTP sign-in (alice's password on its form; the SAMLResponse read from the HTTP-POST binding
 * page), then GetCallerIdentity with the credentials. NameQualifier is recomputed here as AWS documents it.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig } from "../../local/config";
import { startSamlIdp, type SamlIdpServer } from "../../local/saml/server";
import { startSts, type StsServer } from "../../local/sts/server";
import { createSessionStore } from "../../local/sts/sessions";
import { isAwsServiceError } from "../errors";
import { rejection } from "../testing";
import { assumeRoleWithSaml, createStsClient, getCallerIdentity } from "./index";

const ROLE = "arn:aws:iam::123456789012:role/SamlUser";
const PROVIDER = "arn:aws:iam::123456789012:saml-provider/LocalSAML";

let config: StackConfig;
let idp: SamlIdpServer;
let sts: StsServer;

beforeAll(async () => {
  config = loadStackConfig();
  idp = await startSamlIdp({ config });
  const provider = config.samlProviders[0];
  if (!provider) throw new Error("stack.json has no SAML provider");
  provider.metadataUrl = idp.metadataUrl;
  sts = await startSts({ config, port: 0, sessions: createSessionStore() });
});

afterAll(async () => {
  await Promise.all([idp?.close(), sts?.close()]);
});

function field(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} on the page`);
  return (m[1] ?? "").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

/** Sign in on the IdP's form as a browser would; the base64 SAMLResponse of the POST-binding page. */
async function signIn(username: string): Promise<string> {
  const form = await (await fetch(idp.ssoUrl)).text();
  const body = new URLSearchParams({ origin: field(form, "origin"), RelayState: field(form, "RelayState"), NameIDFormat: field(form, "NameIDFormat"), username, password: `${username}-password` });
  const page = await fetch(idp.ssoUrl, { method: "POST", body });
  expect(page.status).toBe(200);
  return field(await page.text(), "SAMLResponse");
}

const client = () => createStsClient({ region: config.region, endpoint: sts.url, retry: { retries: 0, baseMs: 0 } });

describe("AssumeRoleWithSAML through the browser client", () => {
  it("reads every member of the answer, and the credentials sign GetCallerIdentity", async () => {
    const done = await assumeRoleWithSaml(client(), { roleArn: ROLE, principalArn: PROVIDER, samlAssertion: await signIn("alice"), durationSeconds: 900 });
    const { result } = done;
    expect(result.assumedRoleUser.arn).toBe("arn:aws:sts::123456789012:assumed-role/SamlUser/alice");
    expect([result.subject, result.subjectType, result.issuer, result.audience]).toEqual(["alice", "persistent", idp.entityId, "https://signin.aws.amazon.com/saml"]);
    expect(result.nameQualifier).toBe(createHash("sha1").update(`${idp.entityId}123456789012/LocalSAML`).digest("base64"));
    expect(done.metadata).toMatchObject({ httpStatus: 200, attempts: 1 });
    const who = await getCallerIdentity(createStsClient({ region: config.region, endpoint: sts.url, credentials: result.credentials }));
    expect(who.result.arn).toBe(result.assumedRoleUser.arn);
  });

  it("a replayed assertion is refused with a typed AWS error", async () => {
    const assertion = await signIn("bob");
    await assumeRoleWithSaml(client(), { roleArn: ROLE, principalArn: PROVIDER, samlAssertion: assertion });
    const error = await rejection(assumeRoleWithSaml(client(), { roleArn: ROLE, principalArn: PROVIDER, samlAssertion: assertion }));
    expect(isAwsServiceError(error) && error.status).toBe(400);
    expect(error).toMatchObject({ metadata: { attempts: 1, httpStatus: 400 } });
  });
});
