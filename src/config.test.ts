import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jsonSyntaxProblem, loadConfig, parseConfig, providerOrigins, rolesFor } from "./config";

const shipped = JSON.parse(readFileSync(new URL("../public/config.json", import.meta.url), "utf8")) as Record<string, unknown>;

describe("parseConfig", () => {
  it("accepts the shipped local configuration: four providers, each with its roles", () => {
    const r = parseConfig(shipped);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.region).toBe("us-east-1");
    expect(r.config.stsEndpoint).toBe("http://127.0.0.1:9401");
    expect(r.config.providers.map((p) => [p.id, p.label, p.type, p.stsToken, p.type === "oauth2" ? p.providerId : undefined])).toEqual([
      ["google", "Google", "oidc", "id_token", undefined],
      ["amazon", "Amazon", "oauth2", "access_token", "www.amazon.com"],
      ["facebook", "Facebook", "oauth2", "access_token", "graph.facebook.com"],
      ["local", "Local OpenID provider", "oidc", "id_token", undefined],
    ]);
    const offered = (id: string) => rolesFor(r.config, id).map((role) => role.arn.split("/").at(-1));
    expect(offered("local")).toEqual(["WebIdentityConsoleUser", "AliceOnly"]);
    expect(offered("google")).toEqual(["GoogleUser", "SocialUser"]);
    expect(offered("amazon")).toEqual(["AmazonUser", "SocialUser"]);
    expect(offered("facebook")).toEqual(["FacebookUser", "SocialUser"]);
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
      'stsEndpoint must be an https URL (http only on 127.0.0.1/localhost), got "http://sts.example.com"',
      'providers[0].id must be 1–32 lowercase letters, digits or dashes, got "Bad Id"',
      "providers[0].label is required",
      "providers[0].clientId is required",
      'providers[0].type must be "oidc" (OpenID Connect with discovery) or "oauth2" (OAuth 2.0 with endpoints written here), got "saml"',
      'providers[2].id "ok" is used twice',
      'roles[0].arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got "arn:aws:iam::123:role/X"',
      "roles[1] must be an object",
      "durationSeconds must be an integer from 900 to 43200, got 100",
    ]);
  });

  it("accepts aws-global and extra connect origins, rejects URLs with paths", () => {
    const base = { providers: [{ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com", clientId: "x" }], roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] };
    const ok = parseConfig({ ...base, region: "aws-global", connectOrigins: ["https://oauth2.googleapis.com/"] });
    expect(ok.ok && ok.config.connectOrigins).toEqual(["https://oauth2.googleapis.com"]);
    const bad = parseConfig({ ...base, region: "ap-southeast-12", connectOrigins: ["https://x.example/token", 3] });
    expect(bad.ok ? [] : bad.problems).toEqual([
      'connectOrigins[0] must be an origin like https://oauth2.googleapis.com, got "https://x.example/token"',
      "connectOrigins[1] must be an origin like https://oauth2.googleapis.com, got 3",
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
        providers: [{ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com", clientId: "x", scope: "openid", stsToken: "id_token", refreshTokens: false }],
        roles: [{ arn: "arn:aws:iam::123456789012:role/R", label: "arn:aws:iam::123456789012:role/R" }],
        durationSeconds: 3600,
        connectOrigins: [],
        stsCalls: { chainRoles: [], localTrace: false },
      },
    });
  });
});

describe("stsCalls (the console's More STS calls)", () => {
  const base = { region: "us-east-1", providers: [{ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com", clientId: "x" }], roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] };
  const calls = (stsCalls: unknown) => parseConfig({ ...base, stsCalls });

  it("reads chain roles, the SAML sign-in page and the local trace switch", () => {
    const r = calls({
      chainRoles: [{ label: "Reader", arn: "arn:aws:iam::123456789012:role/demo/ChainedReader" }, { arn: "arn:aws:iam::123456789012:role/Other" }],
      saml: { signInUrl: "http://127.0.0.1:9406/saml/sso" },
      localTrace: true,
    });
    expect(r.ok && r.config.stsCalls).toEqual({
      chainRoles: [
        { label: "Reader", arn: "arn:aws:iam::123456789012:role/demo/ChainedReader" },
        { label: "arn:aws:iam::123456789012:role/Other", arn: "arn:aws:iam::123456789012:role/Other" },
      ],
      saml: { label: "127.0.0.1:9406", signInUrl: "http://127.0.0.1:9406/saml/sso" },
      localTrace: true,
    });
  });

  it("lists every problem with its path and echoes the bad value", () => {
    const r = calls({ chainRoles: [{ arn: "arn:aws:iam::123:role/R" }, "x"], saml: { signInUrl: "http://idp.example.com/sso" }, localTrace: "yes" });
    expect(r).toEqual({
      ok: false,
      problems: [
        'stsCalls.chainRoles[0].arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got "arn:aws:iam::123:role/R"',
        'stsCalls.chainRoles[1].arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got "x"',
        'stsCalls.saml.signInUrl must be an https URL (http only on 127.0.0.1/localhost), got "http://idp.example.com/sso"',
        'stsCalls.localTrace must be true or false, got "yes"',
      ],
    });
    expect(calls([])).toEqual({ ok: false, problems: ["stsCalls must be an object, got []"] });
  });
});

describe("provider profiles", () => {
  const base = { region: "us-east-1", roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] };
  const amazon = {
    id: "amazon",
    label: "Amazon",
    type: "oauth2",
    authorizationEndpoint: "https://www.amazon.com/ap/oa",
    tokenEndpoint: "https://api.amazon.com/auth/o2/token",
    profileEndpoint: "https://api.amazon.com/user/profile",
    clientId: "amzn1.application-oa2-client.x",
    scope: "profile",
    providerId: "www.amazon.com",
  };
  const problems = (...providers: Record<string, unknown>[]) => {
    const r = parseConfig({ ...base, providers });
    return r.ok ? [] : r.problems;
  };

  it("maps an OAuth 2.0 profile to an access token with its ProviderId, and lists the origins the browser calls", () => {
    const r = parseConfig({ ...base, providers: [amazon] });
    expect(r.ok && r.config.providers[0]).toEqual({ ...amazon, type: "oauth2", stsToken: "access_token", refreshTokens: false });
    expect(r.ok && providerOrigins(r.config.providers[0]!)).toEqual(["https://www.amazon.com", "https://api.amazon.com"]);
  });

  it("refuses profiles STS could not use, saying why", () => {
    expect(problems({ ...amazon, providerId: undefined })).toEqual([
      'providers[0].stsToken "access_token" needs providerId (www.amazon.com or graph.facebook.com): STS checks an access token by calling the provider that providerId names',
    ]);
    expect(problems({ ...amazon, providerId: "accounts.google.com" })).toEqual([
      'providers[0].providerId "accounts.google.com" is not a ProviderId STS supports: only www.amazon.com and graph.facebook.com take OAuth 2.0 access tokens; leave it out for OpenID Connect ID tokens',
    ]);
    expect(problems({ id: "g", label: "G", type: "oidc", clientId: "c" })).toEqual([
      "providers[0].authority is required for an OpenID Connect provider: the issuer URL whose /.well-known/openid-configuration the app reads",
    ]);
    expect(problems({ id: "g", label: "G", type: "oidc", authority: "https://accounts.google.com", clientId: "c", providerId: "www.amazon.com" })).toEqual([
      "providers[0].providerId must be left out when STS receives the ID token: ProviderId is only for OAuth 2.0 access tokens",
    ]);
    expect(problems({ ...amazon, stsToken: "id_token", providerId: undefined, tokenEndpoint: "ftp://x", refreshTokens: true })).toEqual([
      'providers[0].tokenEndpoint is required for an OAuth 2.0 provider: an https URL (http only on 127.0.0.1/localhost), got "ftp://x"',
      'providers[0].stsToken "id_token" needs type "oidc": an OAuth 2.0 provider gives no ID token',
      "providers[0].refreshTokens is only for OpenID Connect providers",
    ]);
    expect(problems({ ...amazon, authority: "https://www.amazon.com" })).toEqual([
      "providers[0].authority is only for OpenID Connect providers: an OAuth 2.0 provider has no discovery, so name authorizationEndpoint and tokenEndpoint",
    ]);
  });

  it("offers each role to the providers it names, and refuses unknown names and providers without a role", () => {
    const google = { id: "google", label: "Google", type: "oidc", authority: "https://accounts.google.com", clientId: "c" };
    const ok = parseConfig({ ...base, providers: [google, amazon], roles: [{ arn: "arn:aws:iam::123456789012:role/A", providers: ["amazon"] }, { arn: "arn:aws:iam::123456789012:role/B" }] });
    expect(ok.ok && rolesFor(ok.config, "google").map((r) => r.arn)).toEqual(["arn:aws:iam::123456789012:role/B"]);
    expect(ok.ok && rolesFor(ok.config, "amazon").map((r) => r.arn)).toEqual(["arn:aws:iam::123456789012:role/A", "arn:aws:iam::123456789012:role/B"]);
    const bad = parseConfig({ ...base, providers: [google, amazon], roles: [{ arn: "arn:aws:iam::123456789012:role/A", providers: ["amazn"] }] });
    expect(bad.ok ? [] : bad.problems).toEqual(['roles[0].providers names "amazn", which is not a configured provider (google, amazon)']);
    const orphan = parseConfig({ ...base, providers: [google, amazon], roles: [{ arn: "arn:aws:iam::123456789012:role/A", providers: ["amazon"] }] });
    expect(orphan.ok ? [] : orphan.problems).toEqual([
      'providers "google" has no role: list it in some role\'s "providers" (or leave a role\'s "providers" out to offer it to everyone)',
    ]);
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
      'providers[0].refreshTokens must be true or false, got "yes"',
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
    const bad = await loadConfig("/config.json", html);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual([expect.stringMatching(/^\/config\.json is not valid JSON: ./)]);
  });
});

describe("config.json problems say where and echo the value", () => {
  const text = '{\n  "region": "us-east-1"\n  "roles": []\n}';

  it("gives line and column of a JSON syntax error in each browser's wording", () => {
    const chrome = new SyntaxError("Expected ',' or '}' after property value in JSON at position 28 (line 3 column 3)");
    expect(jsonSyntaxProblem(text, chrome)).toBe(`line 3, column 3: Expected ',' or '}' after property value in JSON — "  \\"roles\\": []"`);
    const firefox = new SyntaxError("JSON.parse: expected ',' or '}' after property value in object at line 3 column 3 of the JSON data");
    expect(jsonSyntaxProblem(text, firefox)).toBe(`line 3, column 3: JSON.parse: expected ',' or '}' after property value in object — "  \\"roles\\": []"`);
    // Node 20 (an older V8) gives the position only: the line and column are computed from it.
    const positionOnly = new SyntaxError("Expected ',' or '}' after property value in JSON at position 28");
    expect(jsonSyntaxProblem(text, positionOnly)).toBe(`line 3, column 3: Expected ',' or '}' after property value in JSON — "  \\"roles\\": []"`);
    // Safari names no position: its message as is.
    expect(jsonSyntaxProblem(text, new SyntaxError("JSON Parse error: Expected '}'"))).toBe("JSON Parse error: Expected '}'");
  });

  it("loadConfig reports the syntax error of the file it fetched", async () => {
    const fetchStub = (async () => new Response(text, { status: 200 })) as typeof fetch;
    const r = await loadConfig("/config.json", fetchStub);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems[0]).toMatch(/^\/config\.json is not valid JSON: /);
  });

  it("echoes a bad URL", () => {
    const r = parseConfig({ region: "us-east-1", stsEndpoint: "http://sts.example.com", providers: [{ id: "g", label: "G", type: "oidc", authority: "ftp://idp", clientId: "x" }], roles: [{ arn: "arn:aws:iam::123456789012:role/R" }] });
    expect(r).toEqual({
      ok: false,
      problems: [
        'stsEndpoint must be an https URL (http only on 127.0.0.1/localhost), got "http://sts.example.com"',
        'providers[0].authority must be an https URL (http only on 127.0.0.1/localhost), got "ftp://idp"',
      ],
    });
  });
});
