import { describe, expect, it } from "vitest";
import { loadStackConfig } from "../config";
import type { StsFault } from "./faults";
import { rejectedFaultTriple as failure } from "./testing";
import { AMAZON, FACEBOOK, tokenInfoUrl, verifyAccessToken, type TokenInfoOptions } from "./tokeninfo";

const config = loadStackConfig();
const AMAZON_CLIENT = "amzn1.application-oa2-client.5e1f0c0ffee04c7d9b1a2c3d4e5f6a7b";
const ALICE_AMAZON = "amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A";
const TOKEN = "Atza|IQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIU";
const AMAZON_REJECTED = ["IDPRejectedClaim", 403, "www.amazon.com: www.amazon.com responded with HTTP/1.1 400 Bad Request"];
const FACEBOOK_REJECTED = ["IDPRejectedClaim", 403, "graph.facebook.com: graph.facebook.com responded with HTTP/1.1 400 Bad Request"];

/** A fetch that answers every call with `answer()` and records the URLs. */
function provider(answer: (url: URL) => Response | Promise<Response>) {
  const calls: URL[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    calls.push(url);
    return answer(url);
  }) as typeof fetch;
  return { calls, opts: { fetchImpl } satisfies TokenInfoOptions };
}

const amazonInfo = { iss: "https://www.amazon.com", user_id: ALICE_AMAZON, aud: AMAZON_CLIENT, app_id: "amzn1.application.3b5e0c0ffee04c7d9b1a2c3d4e5f6a7b", exp: 3597, iat: 1735732800 };
const facebookInfo = { data: { app_id: "1234567890123456", type: "USER", application: "Web Identity Console", is_valid: true, user_id: "10158273645012345", expires_at: 1735736400, issued_at: 1735732800, scopes: ["public_profile"] } };

function communicationError(id: string, reason: string): [string, number, string] {
  return ["IDPCommunicationError", 400, `${id}: could not verify the access token with ${id} (${reason}). Try again later.`];
}

describe("token-info URLs (stack.json builtinProviders)", () => {
  it("Amazon: ?access_token=<token>; Facebook: ?input_token=<token>&access_token=<token>, the token form-encoded", () => {
    expect(tokenInfoUrl(config, AMAZON, TOKEN).href).toBe("http://127.0.0.1:9403/auth/o2/tokeninfo?access_token=Atza%7CIQEBLjAsAhRFiXuWpUXuRvQ9PZL3GMFcYevydwIU");
    expect(tokenInfoUrl(config, FACEBOOK, "EAAB+x").href).toBe("http://127.0.0.1:9404/debug_token?input_token=EAAB%2Bx&access_token=EAAB%2Bx");
  });
});

describe("Login with Amazon access tokens", () => {
  it("token-info's user_id is the subject, its aud (the LWA client id) the audience and www.amazon.com:app_id", async () => {
    const { calls, opts } = provider(() => Response.json(amazonInfo));
    const identity = await verifyAccessToken(AMAZON, TOKEN, config, opts);
    expect(identity).toEqual({
      federatedProvider: "www.amazon.com",
      providerName: "www.amazon.com",
      audience: AMAZON_CLIENT,
      sub: ALICE_AMAZON,
      claims: {},
      conditionKeys: { "www.amazon.com:app_id": AMAZON_CLIENT, "www.amazon.com:user_id": ALICE_AMAZON },
    });
    expect(calls.map((u) => u.searchParams.get("access_token"))).toEqual([TOKEN]);
  });

  it("a 4xx answer (unknown, expired or revoked token) → IDPRejectedClaim 403 in real STS's words, with the status", async () => {
    const invalid = Response.json({ error: "invalid_token", error_description: "The access token provided is expired, revoked, malformed, or invalid" }, { status: 400 });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(() => invalid).opts))).toEqual(AMAZON_REJECTED);
    const unauthorized = new Response("", { status: 401 });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(() => unauthorized).opts))).toEqual([
      "IDPRejectedClaim",
      403,
      "www.amazon.com: www.amazon.com responded with HTTP/1.1 401 Unauthorized",
    ]);
  });

  it("a 5xx answer → IDPCommunicationError 400", async () => {
    const down = () => new Response("busy", { status: 503 });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(down).opts))).toEqual(communicationError(AMAZON, "HTTP 503"));
  });

  it("a redirect or another 2xx is not an answer → IDPCommunicationError", async () => {
    const moved = () => new Response(null, { status: 302, headers: { location: "http://127.0.0.1:1/" } });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(moved).opts))).toEqual(communicationError(AMAZON, "HTTP 302"));
    const noContent = () => new Response(null, { status: 204 });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(noContent).opts))).toEqual(communicationError(AMAZON, "HTTP 204"));
  });

  it("garbage with 200 (an HTML page, JSON that is no object, token info without user_id or aud) → IDPCommunicationError", async () => {
    const html = () => new Response("<html><body>Down for maintenance</body></html>", { status: 200, headers: { "content-type": "text/html" } });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(html).opts))).toEqual(communicationError(AMAZON, "the answer is not JSON"));
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(() => Response.json([amazonInfo])).opts))).toEqual(
      communicationError(AMAZON, "the answer is not a JSON object"),
    );
    for (const missing of ["user_id", "aud"]) {
      const info = { ...amazonInfo, [missing]: undefined };
      expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(() => Response.json(info)).opts))).toEqual(
        communicationError(AMAZON, "the answer is not token information"),
      );
    }
  });

  it("an answer larger than 64 KiB → IDPCommunicationError", async () => {
    const huge = () => new Response(JSON.stringify({ ...amazonInfo, pad: "x".repeat(70_000) }), { status: 200 });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, provider(huge).opts))).toEqual(communicationError(AMAZON, "an answer larger than 65536 bytes"));
  });

  it("no answer (connection refused or reset) → IDPCommunicationError, the network error as cause", async () => {
    const refused = () => Promise.reject(new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }));
    const p = verifyAccessToken(AMAZON, TOKEN, config, provider(refused).opts);
    expect(await failure(p)).toEqual(communicationError(AMAZON, "no answer"));
    const fault = (await p.then(
      () => undefined,
      (e: unknown) => e,
    )) as StsFault;
    expect((fault.cause as Error).message).toBe("fetch failed");
  });

  it("no answer within the timeout → IDPCommunicationError after that long, not longer", async () => {
    const hang = (_: URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error)));
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => hang(new URL(String(input)), init)) as typeof fetch;
    const started = performance.now();
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, { fetchImpl, timeoutMs: 200 }))).toEqual(communicationError(AMAZON, "no answer within 0.2 s"));
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(2_000);
  });

  it("a body that stalls after the headers is bounded by the same timeout", async () => {
    const stalled = () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"user_id":')) }), { status: 200 });
    expect(await failure(verifyAccessToken(AMAZON, TOKEN, config, { ...provider(stalled).opts, timeoutMs: 200 }))).toEqual(
      communicationError(AMAZON, "no answer within 0.2 s"),
    );
  });
});

describe("Facebook access tokens", () => {
  it("debug_token's user_id is the subject (graph.facebook.com:id), its app_id the audience (graph.facebook.com:app_id)", async () => {
    const { calls, opts } = provider(() => Response.json(facebookInfo));
    expect(await verifyAccessToken(FACEBOOK, "EAABtoken", config, opts)).toEqual({
      federatedProvider: "graph.facebook.com",
      providerName: "graph.facebook.com",
      audience: "1234567890123456",
      sub: "10158273645012345",
      claims: {},
      conditionKeys: { "graph.facebook.com:app_id": "1234567890123456", "graph.facebook.com:id": "10158273645012345" },
    });
    expect(calls.map((u) => [u.pathname, u.searchParams.get("input_token"), u.searchParams.get("access_token")])).toEqual([["/debug_token", "EAABtoken", "EAABtoken"]]);
  });

  it("is_valid: false (HTTP 200) → IDPRejectedClaim with real STS's text (the Graph API refuses such a token with 400)", async () => {
    const invalid = { data: { is_valid: false, error: { code: 190, message: "Error validating access token: The session has been invalidated.", subcode: 460 } } };
    expect(await failure(verifyAccessToken(FACEBOOK, "EAABtoken", config, provider(() => Response.json(invalid)).opts))).toEqual(FACEBOOK_REJECTED);
  });

  it("a 400 OAuthException → IDPRejectedClaim", async () => {
    const oauth = { error: { message: "Invalid OAuth access token - Cannot parse access token", type: "OAuthException", code: 190, fbtrace_id: "A1" } };
    expect(await failure(verifyAccessToken(FACEBOOK, "junk", config, provider(() => Response.json(oauth, { status: 400 })).opts))).toEqual(FACEBOOK_REJECTED);
  });

  it("a valid token that is not a user's (an app token) → IDPRejectedClaim", async () => {
    const app = { data: { ...facebookInfo.data, type: "APP", user_id: undefined } };
    expect(await failure(verifyAccessToken(FACEBOOK, "app|secret", config, provider(() => Response.json(app)).opts))).toEqual(FACEBOOK_REJECTED);
  });

  it("JSON without data, or valid data without app_id/user_id → IDPCommunicationError", async () => {
    for (const body of [{ error: "nope" }, { data: { is_valid: "yes" } }, { data: { ...facebookInfo.data, app_id: 1234567890123456 } }, { data: { ...facebookInfo.data, user_id: "" } }]) {
      expect(await failure(verifyAccessToken(FACEBOOK, "EAABtoken", config, provider(() => Response.json(body)).opts))).toEqual(
        communicationError(FACEBOOK, "the answer is not token information"),
      );
    }
  });

  it("a 500 and an HTML page → IDPCommunicationError", async () => {
    expect(await failure(verifyAccessToken(FACEBOOK, "t", config, provider(() => new Response("oops", { status: 500 })).opts))).toEqual(
      communicationError(FACEBOOK, "HTTP 500"),
    );
    expect(await failure(verifyAccessToken(FACEBOOK, "t", config, provider(() => new Response("<!doctype html>", { status: 200 })).opts))).toEqual(
      communicationError(FACEBOOK, "the answer is not JSON"),
    );
  });
});
