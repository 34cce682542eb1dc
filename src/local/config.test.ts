import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_IDP_TTL, DEFAULT_STACK_FILE, idpTtlFromEnv, loadStackConfig } from "./config";

const dir = mkdtempSync(join(tmpdir(), "wic-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** stack.json with `edit` applied, written to a temporary file. */
function variant(edit: (raw: Record<string, unknown>) => void): string {
  const raw = JSON.parse(readFileSync(DEFAULT_STACK_FILE, "utf8")) as Record<string, unknown>;
  edit(raw);
  const file = join(dir, `stack-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

describe("stack.json ttl", () => {
  it("ships the documented defaults", () => {
    expect(DEFAULT_IDP_TTL).toEqual({ idToken: 3600, accessToken: 3600, refreshToken: 86400, session: 86400 });
    expect(loadStackConfig().ttl).toEqual(DEFAULT_IDP_TTL);
  });

  it("fills missing lifetimes with the defaults, and a missing ttl object entirely", () => {
    expect(loadStackConfig(variant((raw) => delete raw.ttl)).ttl).toEqual(DEFAULT_IDP_TTL);
    expect(loadStackConfig(variant((raw) => (raw.ttl = { idToken: 60 }))).ttl).toEqual({ ...DEFAULT_IDP_TTL, idToken: 60 });
  });

  it("lists every bad lifetime in one error", () => {
    const file = variant((raw) => (raw.ttl = { idToken: 0, accessToken: 1.5, refreshToken: "86400", session: -1, sessions: 5 }));
    const error = (() => {
      try {
        loadStackConfig(file);
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected loadStackConfig to throw");
    })();
    for (const key of ["idToken", "accessToken", "refreshToken", "session"]) expect(error.message).toContain(`ttl.${key} must be a whole number of seconds`);
    expect(error.message).toContain("ttl.sessions is not a known lifetime");
  });

  it("refuses a ttl that is not an object", () => {
    expect(() => loadStackConfig(variant((raw) => (raw.ttl = 3600)))).toThrow(/ttl must be an object/);
  });
});

describe("stack.json clients[].refreshTokens", () => {
  it("is true for the app client", () => {
    expect(loadStackConfig().clients.find((c) => c.clientId === "web-identity-console")?.refreshTokens).toBe(true);
  });

  it("must be true or false", () => {
    const file = variant((raw) => {
      const [client] = raw.clients as Record<string, unknown>[];
      if (client) delete client.refreshTokens;
    });
    expect(() => loadStackConfig(file)).toThrow(/clients\[0\]\.refreshTokens must be true or false/);
  });
});

describe("idpTtlFromEnv", () => {
  it("reads the four variables; unset or empty ones are left out", () => {
    expect(idpTtlFromEnv({})).toEqual({});
    expect(
      idpTtlFromEnv({ WIC_IDP_ID_TOKEN_TTL: "60", WIC_IDP_ACCESS_TOKEN_TTL: " 30 ", WIC_IDP_REFRESH_TOKEN_TTL: "", WIC_IDP_SESSION_TTL: "120", OTHER: "x" }),
    ).toEqual({ idToken: 60, accessToken: 30, session: 120 });
    expect(idpTtlFromEnv({ WIC_IDP_REFRESH_TOKEN_TTL: "86400" })).toEqual({ refreshToken: 86400 });
  });

  it("refuses anything but a positive whole number of seconds, naming each variable", () => {
    for (const bad of ["0", "-5", "1.5", "1e3", "abc", "60s", "99999999999"]) {
      expect(() => idpTtlFromEnv({ WIC_IDP_SESSION_TTL: bad }), bad).toThrow(/^WIC_IDP_SESSION_TTL must be a positive whole number of seconds/);
    }
    expect(() => idpTtlFromEnv({ WIC_IDP_ID_TOKEN_TTL: "x", WIC_IDP_ACCESS_TOKEN_TTL: "0" })).toThrow(/WIC_IDP_ID_TOKEN_TTL[\s\S]*\n[\s\S]*WIC_IDP_ACCESS_TOKEN_TTL/);
  });
});

describe("stack.json sts.maxRequestsPerSecond", () => {
  it("is off as shipped (no throttling unless configured)", () => {
    expect(loadStackConfig().sts?.maxRequestsPerSecond).toBeUndefined();
  });

  it("takes a whole number of requests per second", () => {
    expect(loadStackConfig(variant((raw) => (raw.sts = { maxRequestsPerSecond: 50 }))).sts).toEqual({ maxRequestsPerSecond: 50 });
  });

  it("refuses anything else, and an sts that is not an object", () => {
    for (const bad of [0, 2.5, "50", -1, 2_000_000]) {
      expect(() => loadStackConfig(variant((raw) => (raw.sts = { maxRequestsPerSecond: bad })))).toThrow(/sts\.maxRequestsPerSecond must be a whole number/);
    }
    expect(() => loadStackConfig(variant((raw) => (raw.sts = 50)))).toThrow(/sts must be an object/);
  });
});
