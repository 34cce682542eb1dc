/** Test helpers for the identity providers: the raw token response of a headless sign-in, and the test controls. */
import { vi } from "vitest";

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
