import { describe, expect, it } from "vitest";
import type { Exchange } from "../aws/exchange";
import { bashEnvironment, credentialsProfile, curlCommand, powerShellEnvironment, shellQuote } from "./credentialFormats";

const creds = { accessKeyId: "ASIAEXAMPLEEXAMPLE12", secretAccessKey: "se/cr+et'key", sessionToken: "IQoJb3JpZ2lu/+=", expiration: new Date("2030-01-01T00:00:00Z") };

const signed: Exchange = {
  request: {
    method: "POST",
    url: "http://127.0.0.1:9401/",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-amz-date": "20300101T000000Z", "x-amz-security-token": creds.sessionToken, authorization: "AWS4-HMAC-SHA256 …" },
    body: "Action=GetCallerIdentity&Version=2011-06-15",
  },
  startedAt: new Date(0),
  durationMs: 1,
  signing: { canonicalRequest: "", stringToSign: "", signature: "", signedHeaders: "", credentialScope: "20300101/us-east-1/sts/aws4_request", amzDate: "20300101T000000Z" },
};

describe("credential formats", () => {
  it("quotes for the shell so every value is literal", () => {
    expect(shellQuote("a'b $c")).toBe(`'a'\\''b $c'`);
    expect(bashEnvironment(creds, "us-east-1")).toBe(
      `export AWS_ACCESS_KEY_ID='ASIAEXAMPLEEXAMPLE12'\nexport AWS_SECRET_ACCESS_KEY='se/cr+et'\\''key'\nexport AWS_SESSION_TOKEN='IQoJb3JpZ2lu/+='\nexport AWS_REGION='us-east-1'\n`,
    );
    expect(powerShellEnvironment(creds, "us-east-1")).toContain(`$Env:AWS_SECRET_ACCESS_KEY = 'se/cr+et''key'`);
  });

  it("writes a credentials profile with every value in full", () => {
    const profile = credentialsProfile(creds, "eu-west-1");
    expect(profile.split("\n").slice(1)).toEqual([
      "[web-identity-console]",
      "aws_access_key_id = ASIAEXAMPLEEXAMPLE12",
      "aws_secret_access_key = se/cr+et'key",
      "aws_session_token = IQoJb3JpZ2lu/+=",
      "",
    ]);
    expect(profile).toMatch(/^# .*region = eu-west-1/);
  });

  it("turns a signed call into a curl command that signs again, without the old signature", () => {
    expect(curlCommand(signed, creds)).toBe(
      [
        `curl --aws-sigv4 'aws:amz:us-east-1:sts'`,
        `  --user 'ASIAEXAMPLEEXAMPLE12:se/cr+et'\\''key'`,
        `  -H 'x-amz-security-token: IQoJb3JpZ2lu/+='`,
        `  -H 'content-type: application/x-www-form-urlencoded'`,
        `  --data-binary 'Action=GetCallerIdentity&Version=2011-06-15'`,
        `  'http://127.0.0.1:9401/'`,
      ].join(" \\\n"),
    );
    const { signing: _unsigned, ...unsignedCall } = signed;
    expect(curlCommand(unsignedCall, creds)).toBeUndefined();
  });
});
