import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "./config";

const shipped = JSON.parse(readFileSync(new URL("../public/config.json", import.meta.url), "utf8")) as Record<string, unknown>;

describe("parseConfig", () => {
  it("accepts the shipped local configuration", () => {
    const r = parseConfig(shipped);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.region).toBe("us-east-1");
    expect(r.config.stsEndpoint).toBe("http://127.0.0.1:9401");
    expect(r.config.providers.map((p) => [p.id, p.authority, p.clientId])).toEqual([["local", "http://127.0.0.1:9400", "web-identity-console"]]);
    expect(r.config.roles.map((r) => r.arn)).toEqual(["arn:aws:iam::123456789012:role/WebIdentityConsoleUser", "arn:aws:iam::123456789012:role/demo/AliceOnly"]);
  });

  it("lists every problem at once, each with its path", () => {
    const r = parseConfig({
      region: "US East",
      stsEndpoint: "http://sts.example.com",
      providers: [
        { id: "Bad Id", label: "", type: "saml", authority: "ftp://x", clientId: "", scope: "profile" },
        { id: "ok", label: "OK", type: "oidc", authority: "https://issuer.example.com/", clientId: "c" },
        { id: "ok", label: "Dup", type: "oidc", authority: "https://issuer.example.com", clientId: "c" },
      ],
      roles: [{ arn: "arn:aws:iam::123:role/X" }, "nope"],
      durationSeconds: 100,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'region must be an AWS region like "us-east-1", got "US East"',
      "stsEndpoint must be an https URL (http only on 127.0.0.1/localhost)",
      "providers[0].id must be 1–32 lowercase letters, digits or dashes",
      "providers[0].label is required",
      'providers[0].type must be "oidc"',
      "providers[0].authority must be an https URL (http only on 127.0.0.1/localhost)",
      "providers[0].clientId is required",
      'providers[0].scope must include "openid"',
      'providers[2].id "ok" is used twice',
      'roles[0].arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got "arn:aws:iam::123:role/X"',
      "roles[1] must be an object",
      "durationSeconds must be an integer from 900 to 43200",
    ]);
  });

  it("accepts aws-global and extra connect origins, rejects URLs with paths", () => {
    const base = { providers: [{ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com", clientId: "x" }], roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] };
    const ok = parseConfig({ ...base, region: "aws-global", connectOrigins: ["https://oauth2.googleapis.com/"] });
    expect(ok.ok && ok.config.connectOrigins).toEqual(["https://oauth2.googleapis.com"]);
    const bad = parseConfig({ ...base, region: "ap-southeast-12", connectOrigins: ["https://x.example/token", 3] });
    expect(bad.ok ? [] : bad.problems).toEqual([
      "connectOrigins[0] must be an origin like https://oauth2.googleapis.com",
      "connectOrigins[1] must be an origin like https://oauth2.googleapis.com",
    ]);
  });

  it("rejects a non-object and empty lists", () => {
    expect(parseConfig([])).toEqual({ ok: false, problems: ["config.json must be a JSON object"] });
    const r = parseConfig({ region: "eu-west-1", providers: [], roles: [] });
    expect(r.ok ? [] : r.problems).toEqual(["providers must list at least one identity provider", "roles must list at least one role ARN"]);
  });

  it("trims trailing slashes and defaults scope and duration", () => {
    const r = parseConfig({ region: "eu-central-1", providers: [{ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com/", clientId: "x" }], roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] });
    expect(r).toEqual({
      ok: true,
      config: {
        region: "eu-central-1",
        providers: [{ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com", clientId: "x", scope: "openid", refreshTokens: false }],
        roles: [{ arn: "arn:aws:iam::123456789012:role/R", label: "arn:aws:iam::123456789012:role/R" }],
        durationSeconds: 3600,
        connectOrigins: [],
      },
    });
  });
});

describe("lifecycle settings", () => {
  const base = { region: "us-east-1", roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] };
  const provider = { id: "p", label: "P", type: "oidc", authority: "https://issuer.example.com", clientId: "c" };

  it("accepts a refresh margin and a provider's refresh-token opt-in", () => {
    const r = parseConfig({ ...base, providers: [{ ...provider, refreshTokens: true }], refreshMarginSeconds: 120 });
    expect(r.ok && r.config.refreshMarginSeconds).toBe(120);
    expect(r.ok && r.config.providers[0]?.refreshTokens).toBe(true);
  });

  it("refuses a margin outside 10–3600 s and a refreshTokens that is not a boolean", () => {
    const r = parseConfig({ ...base, providers: [{ ...provider, refreshTokens: "yes" }], refreshMarginSeconds: 5 });
    expect(r.ok ? [] : r.problems).toEqual([
      "providers[0].refreshTokens must be true or false",
      "refreshMarginSeconds must be a whole number of seconds from 10 to 3600, got 5",
    ]);
  });
});

describe("loadConfig", () => {
  it("turns fetch failures, HTTP errors and bad JSON into problems", async () => {
    const failing = (() => Promise.reject(new TypeError("Failed to fetch"))) as typeof fetch;
    expect(await loadConfig("/config.json", failing)).toEqual({ ok: false, problems: ["could not fetch /config.json: Failed to fetch"] });
    const notFound = (() => Promise.resolve(new Response("nope", { status: 404 }))) as typeof fetch;
    expect(await loadConfig("/config.json", notFound)).toEqual({ ok: false, problems: ["could not fetch /config.json: HTTP 404"] });
    const html = (() => Promise.resolve(new Response("<html>proxy</html>", { status: 200 }))) as typeof fetch;
    expect(await loadConfig("/config.json", html)).toEqual({ ok: false, problems: ["/config.json is not valid JSON"] });
  });
});
