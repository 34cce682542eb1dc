import type { Adapter, AdapterFactory, AdapterPayload } from "oidc-provider";

/** Models whose artifacts belong to a grant and disappear with it (revocation, refresh-token reuse). */
const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; Infinity when the model has no expiry. */
  expiresAt: number;
}

export interface MemoryAdapterOptions {
  /** Extra life given to every expiring entry, like the provider's `clockTolerance`. */
  clockToleranceSeconds: number;
  /**
   * The clock expiries are measured with, ms since the epoch: the stack clock (`StackControls.now` of ../controls) so a clock
   * shift expires stored tokens too. Default `Date.now()` (read on each call).
   */
  now?: () => number;
}

/** Models that hold what a user was given, and go when the user's tokens are revoked (the session stays). */
const REVOCABLE = new Set([...GRANTABLE, "Grant"]);
/** Of those, the tokens a client holds. */
const TOKENS = new Set(["AccessToken", "RefreshToken"]);

/** oidc-provider's adapter factory plus the one local-stack operation the library has no call for. */
export type MemoryAdapterFactory = AdapterFactory & {
  /**
   * Delete every grant, authorization code, access token and refresh token of `accountId` (all clients): they stop
   * working at once, as when a user revokes an app's access at the provider. The login session stays, so a later
   * sign-in (interactive or `prompt=none`) makes a new grant and gets working tokens.
   * @returns how many access and refresh tokens were still live.
   */
  revokeAccount(accountId: string): number;
};

/**
 * One in-memory store per IdP instance, so several IdPs in one process (tests, personas) never share state.
 * Written here rather than relying on oidc-provider's built-in memory adapter only because that one prints a
 * "development-only adapter" warning on every start; a local stack that forgets everything on restart is the point.
 */
export function createMemoryAdapter(opts: MemoryAdapterOptions): MemoryAdapterFactory {
  const { clockToleranceSeconds } = opts;
  const now = opts.now ?? (() => Date.now());
  const entries = new Map<string, Entry>();
  const grants = new Map<string, Set<string>>();
  const sessionUids = new Map<string, string>();
  const userCodes = new Map<string, string>();

  const live = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };

  const sweep = (): void => {
    const at = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
  };

  class MemoryAdapter implements Adapter {
    readonly #model: string;
    constructor(model: string) {
      this.#model = model;
    }

    #key(id: string): string {
      return `${this.#model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      if (entries.size > 5000) sweep();
      const key = this.#key(id);
      const expiresAt = typeof expiresIn === "number" ? now() + (expiresIn + clockToleranceSeconds) * 1000 : Infinity;
      entries.set(key, { payload, expiresAt });
      if (this.#model === "Session" && typeof payload.uid === "string") sessionUids.set(payload.uid, id);
      if (typeof payload.userCode === "string") userCodes.set(payload.userCode, id);
      if (GRANTABLE.has(this.#model) && typeof payload.grantId === "string") {
        const members = grants.get(payload.grantId) ?? new Set<string>();
        members.add(key);
        grants.set(payload.grantId, members);
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(this.#key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = sessionUids.get(uid);
      return id === undefined ? undefined : live(this.#key(id));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = userCodes.get(userCode);
      return id === undefined ? undefined : live(this.#key(id));
    }

    async consume(id: string): Promise<void> {
      const payload = live(this.#key(id));
      if (payload) payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const key = this.#key(id);
      const payload = entries.get(key)?.payload;
      entries.delete(key);
      if (!payload) return;
      if (typeof payload.uid === "string" && sessionUids.get(payload.uid) === id) sessionUids.delete(payload.uid);
      if (typeof payload.userCode === "string" && userCodes.get(payload.userCode) === id) userCodes.delete(payload.userCode);
      if (typeof payload.grantId === "string") grants.get(payload.grantId)?.delete(key);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of grants.get(grantId) ?? []) entries.delete(key);
      grants.delete(grantId);
    }
  }

  const revokeAccount = (accountId: string): number => {
    let tokens = 0;
    for (const [key, entry] of entries) {
      const model = key.slice(0, key.indexOf(":"));
      if (!REVOCABLE.has(model) || entry.payload.accountId !== accountId) continue;
      if (TOKENS.has(model) && entry.expiresAt > now()) tokens += 1;
      entries.delete(key);
      if (typeof entry.payload.grantId === "string") grants.get(entry.payload.grantId)?.delete(key);
    }
    return tokens;
  };

  return Object.assign((model: string) => new MemoryAdapter(model), { revokeAccount });
}
