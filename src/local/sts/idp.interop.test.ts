/**
 * The whole local federation path: an ID token from the real local OpenID provider (src/local/idp, signed in through
 * its login form) exchanged at the local STS by the official AWS SDK v3, then used for a signed call.
 */
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../config";
import { signInHeadless } from "../idp/headless";
import { startIdp, type IdpServer } from "../idp/server";
import { startSts, type StsServer } from "./server";

const CLIENT_ID = "web-identity-console";
const REDIRECT_URI = "http://127.0.0.1:5173/";
const USER_ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";
const ALICE_ROLE = "arn:aws:iam::123456789012:role/demo/AliceOnly";

let idp: IdpServer;
let sts: StsServer;

beforeAll(async () => {
  idp = await startIdp({ config: loadStackConfig(), port: 0, quiet: true });
  // The IdP picked a free port: rewrite the IAM OIDC provider and the trust policies to that issuer.
  sts = await startSts({ config: loadStackConfig(undefined, { issuer: idp.issuer }), port: 0 });
});

afterAll(async () => {
  await sts?.close();
  await idp?.close();
});

async function idToken(username: string): Promise<string> {
  const tokens = await signInHeadless({ issuer: idp.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username, password: `${username}-password` });
  return tokens.idToken;
}

function assume(token: string, roleArn: string, sessionName: string) {
  const client = new STSClient({ region: "us-east-1", endpoint: sts.url, maxAttempts: 1 });
  return client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: token }));
}

describe("local OpenID provider → local STS, with the AWS SDK v3", () => {
  it("alice's ID token assumes WebIdentityConsoleUser, and the credentials sign GetCallerIdentity", async () => {
    const out = await assume(await idToken("alice"), USER_ROLE, "alice");
    expect(out.SubjectFromWebIdentityToken).toBe("alice");
    expect(out.Audience).toBe(CLIENT_ID);
    expect(out.Provider).toBe(`arn:aws:iam::123456789012:oidc-provider/${new URL(idp.issuer).host}`);
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice");
    const creds = out.Credentials;
    const who = await new STSClient({
      region: "us-east-1",
      endpoint: sts.url,
      maxAttempts: 1,
      credentials: { accessKeyId: creds?.AccessKeyId ?? "", secretAccessKey: creds?.SecretAccessKey ?? "", sessionToken: creds?.SessionToken },
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::123456789012:assumed-role/WebIdentityConsoleUser/alice");
  });

  it("alice's ID token assumes AliceOnly", async () => {
    const out = await assume(await idToken("alice"), ALICE_ROLE, "alice");
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/AliceOnly/alice");
  });

  it("bob's ID token assumes WebIdentityConsoleUser but is refused AliceOnly with AccessDenied", async () => {
    const token = await idToken("bob");
    expect((await assume(token, USER_ROLE, "bob")).SubjectFromWebIdentityToken).toBe("bob");
    const error = await assume(token, ALICE_ROLE, "bob").then(
      () => undefined,
      (e: unknown) => e as Error & { Code?: string; $metadata?: { httpStatusCode?: number } },
    );
    expect([error?.name, error?.Code, error?.$metadata?.httpStatusCode, error?.message]).toEqual([
      "AccessDenied",
      "AccessDenied",
      403,
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    ]);
  });
});
