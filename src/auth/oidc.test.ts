import { afterEach, describe, expect, it, vi } from "vitest";
import type { SigninResponse } from "oidc-client-ts";
import type { OAuth2ProviderProfile, OidcProviderProfile } from "../config";
import { isProviderError } from "./errors";
import { toSession } from "./oidc";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: "RS256", kid: "k1" })}.${b64(claims)}.c2ln`;

const google: OidcProviderProfile = {
  id: "google",
  label: "Google",
  type: "oidc",
  authority: "https://accounts.google.com",
  clientId: "123-abc.apps.googleusercontent.com",
  scope: "openid email profile",
  stsToken: "id_token",
  refreshTokens: false,
};

const amazon: OAuth2ProviderProfile = {
  id: "amazon",
  label: "Amazon",
  type: "oauth2",
  authorizationEndpoint: "https://www.amazon.com/ap/oa",
  tokenEndpoint: "https://api.amazon.com/auth/o2/token",
  profileEndpoint: "https://api.amazon.com/user/profile",
  clientId: "amzn1.application-oa2-client.x",
  scope: "profile",
  stsToken: "access_token",
  providerId: "www.amazon.com",
  refreshTokens: false,
};

function response(fields: Partial<SigninResponse>): SigninResponse {
  return { access_token: "", token_type: "bearer", scope: "", expires_at: undefined, profile: {}, ...fields } as unknown as SigninResponse;
}

afterEach(() => vi.unstubAllGlobals());

describe("toSession", () => {
  it("an OpenID profile sends the ID token to STS without ProviderId; subject and name come from its claims", async () => {
    const idToken = jwt({ iss: "https://accounts.google.com", sub: "108602733498142750271", azp: google.clientId, aud: google.clientId, email: "alice@example.test", iat: 1000, exp: 4600 });
    const session = await toSession(google, response({ id_token: idToken, access_token: "ya29.opaque", expires_at: 4599 }), "sign-in", 0);
    expect(session).toMatchObject({
      stsToken: "id_token",
      stsProviderId: undefined,
      webIdentityToken: idToken,
      webIdentityTokenExpiresAt: 4600,
      webIdentityTokenIssuedAt: 1000,
      subject: "108602733498142750271",
      displayName: "alice@example.test",
      profile: undefined,
    });
  });

  it("an OpenID profile without an ID token in the answer is refused with a typed error", async () => {
    const error = await toSession(google, response({ access_token: "ya29.opaque" }), "sign-in", 0).catch((e: unknown) => e);
    expect(isProviderError(error) && error.kind).toBe("invalid-response");
  });

  it("an OAuth 2.0 profile sends the opaque access token with its ProviderId, and names the user from the profile call", async () => {
    const calls: [string, RequestInit | undefined][] = [];
    vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return new Response(JSON.stringify({ user_id: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A", name: "Alice Example", email: "alice@example.test" }), { status: 200 });
    });
    const session = await toSession(amazon, response({ access_token: "Atza|IwEB", expires_at: 5000 }), "sign-in", 0);
    expect(calls.map(([url, init]) => [url, (init?.headers as Record<string, string>).Authorization])).toEqual([[amazon.profileEndpoint, "Bearer Atza|IwEB"]]);
    expect(session).toMatchObject({
      stsToken: "access_token",
      stsProviderId: "www.amazon.com",
      webIdentityToken: "Atza|IwEB",
      webIdentityTokenExpiresAt: 5000,
      idToken: "",
      claims: {},
      subject: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A",
      displayName: "alice@example.test",
      profile: { url: amazon.profileEndpoint, userId: "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A", name: "Alice Example" },
    });
  });

  it("a failing profile call does not fail the sign-in: the problem is described instead", async () => {
    vi.stubGlobal("fetch", async () => new Response("<html>down</html>", { status: 502 }));
    const session = await toSession(amazon, response({ access_token: "Atza|IwEB" }), "sign-in", 0);
    expect(session.profile).toEqual({ url: amazon.profileEndpoint, raw: "<html>down</html>", problem: "The profile endpoint answered HTTP 502." });
    expect(session.webIdentityToken).toBe("Atza|IwEB");
    expect(session.displayName).toBe("web-user");
  });
});
