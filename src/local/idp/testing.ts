/** Test helpers for the identity providers: a persona per test file, the raw answers to a headless sign-in, the test controls. */
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { createStackControls, type IdentityProviderName, type StackControls } from "../controls";
import { startIdp, type IdpServer } from "./server";

/** The members of an OpenID discovery document the tests read. */
export interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  response_types_supported: string[];
  code_challenge_methods_supported: string[];
  scopes_supported: string[];
  token_endpoint_auth_methods_supported: string[];
}

/** GET `issuer`'s discovery document. */
export async function discover(issuer: string): Promise<DiscoveryDocument> {
  return (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as DiscoveryDocument;
}

/**
 * Run `fn` and collect the JSON bodies of the answers to every `fetch` whose URL path is `path` (e.g. the token
 * endpoint, to see exactly what the headless client redeemed).
 */
export async function capturingResponses<T>(path: string, fn: () => Promise<T>): Promise<{ result: T; bodies: unknown[] }> {
  const realFetch = globalThis.fetch;
  const bodies: unknown[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const response = await realFetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).pathname === path) bodies.push(await response.clone().json());
    return response;
  });
  try {
    return { result: await fn(), bodies };
  } finally {
    spy.mockRestore();
  }
}

/** `POST /__local/<name>` (or GET without a body) on `base`; the status and JSON answer. */
export async function control(base: string, name: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/__local/${name}`, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What {@link usePersona} started: read its fields inside tests (they are set in `beforeAll`). */
export interface PersonaUnderTest {
  config: StackConfig;
  controls: StackControls;
  server: IdpServer;
}

/**
 * Start `persona` on a free port with its own test controls for the tests of this file: started in `beforeAll`,
 * closed in `afterAll`, controls reset after each test.
 */
export function usePersona(persona: IdentityProviderName): PersonaUnderTest {
  const under = {} as PersonaUnderTest;
  beforeAll(async () => {
    under.config = loadStackConfig();
    under.controls = createStackControls({ usernames: under.config.users.map((u) => u.username) });
    under.server = await startIdp({ config: under.config, persona, port: 0, quiet: true, controls: under.controls });
  });
  afterAll(async () => {
    await under.server?.close();
  });
  afterEach(() => {
    under.controls?.reset();
  });
  return under;
}
