import { describe, expect, it } from "vitest";
import type { ProviderSession } from "../auth/oidc";
import { explainError, isAwsServiceError } from "../aws/errors";
import type { AppConfig } from "../config";
import { NO_STS_CALLS } from "../configCalls";
import { EXCHANGE_RETRY, exchangeToken } from "./exchange";

const config: AppConfig = {
  region: "us-east-1",
  stsEndpoint: "http://127.0.0.1:9401",
  providers: [],
  roles: [{ label: "Amazon users", arn: "arn:aws:iam::123456789012:role/AmazonUser" }],
  durationSeconds: 3600,
  connectOrigins: [],
  stsCalls: NO_STS_CALLS,
};

const amazonSession: ProviderSession = {
  providerId: "amazon",
  stsToken: "access_token",
  stsProviderId: "www.amazon.com",
  webIdentityToken: "Atza|IwEBIExample",
  webIdentityTokenExpiresAt: undefined,
  webIdentityTokenIssuedAt: 0,
  subject: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A",
  displayName: "alice@example.test",
  idToken: "",
  accessToken: "Atza|IwEBIExample",
  tokenType: "bearer",
  scope: "profile",
  expiresAt: undefined,
  hasRefreshToken: false,
  claims: {},
  header: {},
  profile: undefined,
  obtainedBy: "sign-in",
  callbackMs: 1,
};

const input = { roleArn: "arn:aws:iam::123456789012:role/AmazonUser", sessionName: "alice", durationSeconds: 3600 };

const IDP_DOWN = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>IDPCommunicationError</Code><Message>www.amazon.com did not answer</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
const SUCCESS = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken><Audience>amzn1.application-oa2-client.x</Audience>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/AmazonUser/alice</Arn><AssumedRoleId>AROAEXAMPLEEXAMPLE123:alice</AssumedRoleId></AssumedRoleUser>
<Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE12</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
<Provider>www.amazon.com</Provider></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-ok</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;

function sequence(...bodies: [number, string][]) {
  const sent: string[] = [];
  const fetchImpl = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    sent.push(String(init?.body ?? ""));
    const [status, body] = bodies[Math.min(sent.length - 1, bodies.length - 1)] ?? [500, ""];
    return new Response(body, { status, headers: { "content-type": "text/xml", "x-amzn-requestid": `r-${sent.length}` } });
  }) as typeof fetch;
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  return { fetch: fetchImpl, sent, waits, sleep };
}

describe("exchangeToken", () => {
  it("sends an access token with its ProviderId, and keeps every retried IDPCommunicationError on the exchange", async () => {
    const net = sequence([400, IDP_DOWN], [400, IDP_DOWN], [200, SUCCESS]);
    const done = await exchangeToken(config, amazonSession, input, undefined, { fetch: net.fetch, sleep: net.sleep, random: () => 0.5 });
    const form = new URLSearchParams(net.sent[0]);
    expect(form.get("WebIdentityToken")).toBe("Atza|IwEBIExample");
    expect(form.get("ProviderId")).toBe("www.amazon.com");
    expect(done.result.provider).toBe("www.amazon.com");
    expect(net.sent).toHaveLength(3);
    // Full jitter: half of 300·2ⁿ.
    expect(net.waits).toEqual([150, 300]);
    expect(done.exchange.retried?.map((r) => [r.why, r.delayMs, r.exchange.response?.status])).toEqual([
      ["IDPCommunicationError", 150, 400],
      ["IDPCommunicationError", 300, 400],
    ]);
    expect(done.exchange.response?.status).toBe(200);
  });

  it("gives up after the bounded retries with the attempts attached, and says how often it tried", async () => {
    const net = sequence([400, IDP_DOWN]);
    const error = await exchangeToken(config, amazonSession, input, undefined, { fetch: net.fetch, sleep: net.sleep, random: () => 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(net.sent).toHaveLength(EXCHANGE_RETRY.retries + 1);
    expect(isAwsServiceError(error) && error.code).toBe("IDPCommunicationError");
    if (!isAwsServiceError(error)) return;
    expect(error.exchange?.retried).toHaveLength(EXCHANGE_RETRY.retries);
    expect(explainError(error)).toMatch(/could not reach the identity provider to check the token\. The app tried 3 times/);
  });

  it("never retries IDPRejectedClaim, and sends no ProviderId for an ID token", async () => {
    const rejected = IDP_DOWN.replace("IDPCommunicationError", "IDPRejectedClaim");
    const net = sequence([403, rejected]);
    const idSession: ProviderSession = { ...amazonSession, stsToken: "id_token", stsProviderId: undefined, webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln" };
    const error = await exchangeToken(config, idSession, input, undefined, { fetch: net.fetch, sleep: net.sleep }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(net.sent).toHaveLength(1);
    expect(new URLSearchParams(net.sent[0]).has("ProviderId")).toBe(false);
    expect(isAwsServiceError(error) && error.code).toBe("IDPRejectedClaim");
    expect(isAwsServiceError(error) && error.exchange?.retried).toBeUndefined();
  });
});
