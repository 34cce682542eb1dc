/**
 * Temporary security credentials issued by the local STS. The `SessionToken` is self-contained: AES-256-GCM over
 * the session's JSON (secret, expiry, assumed-role identity, web-identity claims, session policies) under a key
 * generated at boot, so nothing is stored per session and any stand-in sharing the {@link SessionStore} (e.g. a
 * later S3) can open a token and evaluate policies. Real STS tokens are opaque too (reference §2.2).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { ConditionValues } from "../iam/policy";
import { MESSAGES, StsFault } from "./faults";
import { newSecretAccessKey, newSessionAccessKeyId, randomPoolBytes } from "./ids";

/** What every issued session carries, whatever made it. */
export interface SessionCommon {
  accessKeyId: string;
  secretAccessKey: string;
  /** Expiry, seconds since the epoch. */
  expiration: number;
  account: string;
  /** Inline session policy text, when one was passed. */
  sessionPolicy?: string;
  /** Managed session policy ARNs, when passed. */
  policyArns?: string[];
  /** Session tags (passed, from a token or an assertion, or inherited as transitive tags), in order. */
  sessionTags?: { key: string; value: string }[];
  /** The keys among `sessionTags` that pass on to chained role sessions. */
  transitiveTagKeys?: string[];
  /** The source identity (set once; chained sessions keep it). */
  sourceIdentity?: string;
  /**
   * When the caller authenticated with MFA (seconds since the epoch): `aws:MultiFactorAuthPresent` is `true` and
   * `aws:MultiFactorAuthAge` counts from here. Absent: temporary credentials without MFA (`false`).
   */
  mfaAuthenticatedAt?: number;
}

/** An assumed-role session (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML). `kind` may be omitted. */
export interface AssumedRoleSessionData extends SessionCommon {
  kind?: "assumed-role";
  /** `arn:aws:sts::ACCT:assumed-role/NAME/SESSION` */
  assumedRoleArn: string;
  /** `AROA…:SESSION` */
  assumedRoleId: string;
  roleArn: string;
  roleName: string;
  roleSessionName: string;
  /** Web identity: who vouched for the caller, and the keys the trust policy saw (policy variables later). */
  webIdentity?: {
    /** `aws:FederatedProvider`: the IAM OIDC provider's ARN, or `accounts.google.com` / `www.amazon.com` / `graph.facebook.com`. */
    federatedProvider: string;
    /** The condition-key prefix: `host[:port]/path`, or the built-in provider's name. */
    providerName: string;
    /** `SubjectFromWebIdentityToken`. */
    sub: string;
    /** `Audience`. */
    aud: string;
    /**
     * The provider's condition keys, e.g. `127.0.0.1:9400:sub`, `accounts.google.com:aud`/`:oaud`/`:sub`,
     * `www.amazon.com:app_id`/`:user_id`, `graph.facebook.com:app_id`/`:id`.
     */
    keys: Record<string, string | string[]>;
  };
  /** True when the session was made from another role session's credentials (role chaining). */
  chained?: boolean;
  /** SAML federation (AssumeRoleWithSAML): the provider, the subject and the `saml:*` keys usable as policy variables. */
  saml?: {
    /** `aws:FederatedProvider`: the IAM SAML provider's ARN. */
    federatedProvider: string;
    /** `Issuer`. */
    issuer: string;
    /** `Subject` (the NameID). */
    sub: string;
    /** `SubjectType`. */
    subType: string;
    /** `Audience` (the Recipient). */
    aud: string;
    /** `NameQualifier`. */
    nameQualifier: string;
    /** `saml:aud`, `saml:iss`, `saml:sub`, `saml:sub_type`, `saml:namequalifier`, `saml:doc`. */
    keys: Record<string, string>;
  };
}

/** A federated user's session (GetFederationToken): the calling user's permissions ∩ the session policies. */
export interface FederatedUserSessionData extends SessionCommon {
  kind: "federated-user";
  /** `arn:aws:sts::ACCT:federated-user/NAME` */
  federatedUserArn: string;
  /** `ACCT:NAME` */
  federatedUserId: string;
  /** The IAM user who called GetFederationToken; absent when the account root did. */
  userName?: string;
}

/** A GetSessionToken session: the same identity and permissions as the IAM user (or root) who asked for it. */
export interface UserSessionData extends SessionCommon {
  kind: "user-session";
  /** The user's (or root's) ARN. */
  userArn: string;
  /** The user's `AIDA…` id, or the account id for root. */
  userId: string;
  /** The IAM user; absent when the account root called GetSessionToken. */
  userName?: string;
}

/** Everything the local stack knows about one issued session. */
export type SessionData = AssumedRoleSessionData | FederatedUserSessionData | UserSessionData;

/** `Omit` applied to each member of a union (the built-in one keeps only the common members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What {@link SessionStore.issue} takes: a session without its key id, secret and expiry. */
export type SessionInput = DistributiveOmit<SessionData, "accessKeyId" | "secretAccessKey" | "expiration">;

/** True for an assumed-role session (the only kind whose `kind` may be absent). */
export function isAssumedRoleSession(session: SessionData): session is AssumedRoleSessionData {
  return session.kind === undefined || session.kind === "assumed-role";
}

/** The session's identity as GetCallerIdentity answers it (reference §4.2). */
export function sessionIdentity(session: SessionData): { arn: string; userId: string; account: string } {
  if (session.kind === "federated-user") return { arn: session.federatedUserArn, userId: session.federatedUserId, account: session.account };
  if (session.kind === "user-session") return { arn: session.userArn, userId: session.userId, account: session.account };
  return { arn: session.assumedRoleArn, userId: session.assumedRoleId, account: session.account };
}

/** Issued credentials, as the response's `Credentials` element carries them. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

const TOKEN_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longest encoded authorization message accepted for opening (DecodeAuthorizationMessage allows 10240 characters). */
const MAX_ENCODED_MESSAGE = 10_240;

/** AES-256-GCM: version byte, IV, tag, ciphertext — written into one buffer (no intermediate concatenations). */
function seal(key: Uint8Array, aad: Buffer, plain: string): Buffer {
  const iv = randomPoolBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad);
  const body = cipher.update(plain, "utf8");
  const rest = cipher.final(); // empty for GCM (a stream mode), copied all the same
  const out = Buffer.allocUnsafe(1 + IV_BYTES + TAG_BYTES + body.length + rest.length);
  out[0] = TOKEN_VERSION;
  iv.copy(out, 1);
  cipher.getAuthTag().copy(out, 1 + IV_BYTES);
  body.copy(out, 1 + IV_BYTES + TAG_BYTES);
  rest.copy(out, 1 + IV_BYTES + TAG_BYTES + body.length);
  return out;
}

/**
 * `JSON.stringify({ ...session, accessKeyId, secretAccessKey, expiration })`, the same text, without the spread: copying
 * a session object into a new literal and growing it costs more than the JSON itself (V8 gives the copy a slow shape).
 * A session that already has one of the three members (not a {@link SessionInput}) takes the spread.
 */
function sessionJson(session: SessionInput, accessKeyId: string, secretAccessKey: string, expiration: number): string {
  if (Object.hasOwn(session, "accessKeyId") || Object.hasOwn(session, "secretAccessKey") || Object.hasOwn(session, "expiration")) {
    return JSON.stringify({ ...session, accessKeyId, secretAccessKey, expiration });
  }
  const head = JSON.stringify(session);
  const tail = `"accessKeyId":${JSON.stringify(accessKeyId)},"secretAccessKey":${JSON.stringify(secretAccessKey)},"expiration":${JSON.stringify(expiration)}}`;
  return head === "{}" ? `{${tail}` : `${head.slice(0, -1)},${tail}`;
}

/** The plain text of {@link seal}'s output; undefined when it does not authenticate. */
function unseal(key: Uint8Array, aad: Buffer, raw: Buffer): string | undefined {
  if (raw.length <= 1 + IV_BYTES + TAG_BYTES || raw[0] !== TOKEN_VERSION) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(1, 1 + IV_BYTES)).setAAD(aad);
    decipher.setAuthTag(raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

/** Tokens opened recently, kept opened (least recently used dropped first): a client signs many calls with one. */
export const OPENED_SESSIONS_CACHE_SIZE = 256;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Seals and opens session tokens with one AES-256-GCM key. */
export interface SessionStore {
  /** Mint credentials for a session described by everything but the key id, secret and expiry. */
  issue(session: SessionInput, expiresAt: number): IssuedCredentials;
  /**
   * Open a token; undefined when it was not sealed by this store (or is corrupted). The session is frozen and shared
   * by every call with the same token (kept opened in a bounded LRU cache; its expiry is the caller's to check).
   */
  open(sessionToken: string): SessionData | undefined;
  /**
   * Seal a decoded authorization message (a JSON text) into an opaque, authenticated encoded message that only a
   * store with the same key can open — the local stack's counterpart of AWS's encoded authorization messages.
   */
  sealMessage(json: string): string;
  /** Open an encoded authorization message; undefined when this store did not seal it (or it was altered). */
  openMessage(encoded: string): string | undefined;
}

/** A session store with a fresh random key (pass `key`, 32 bytes, to share one across processes or restarts). */
export function createSessionStore(key: Uint8Array = randomBytes(32)): SessionStore {
  if (key.length !== 32) throw new Error("session key must be 32 bytes");
  const aad = Buffer.from("web-identity-console local sts session v1");
  // Authorization messages use their own key, derived from the store's (one key per purpose).
  const messageKey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "web-identity-console authorization message v1", 32));
  const messageAad = Buffer.from("web-identity-console local authorization message v1");
  const opened = new Map<string, SessionData>();
  /** The session of the newest entry of `opened`. */
  let newest: SessionData | undefined;
  return {
    issue(session, expiresAt) {
      const accessKeyId = newSessionAccessKeyId(session.account);
      const secretAccessKey = newSecretAccessKey();
      const expiration = Math.floor(expiresAt / 1000);
      const token = seal(key, aad, sessionJson(session, accessKeyId, secretAccessKey, expiration)).toString("base64");
      return { accessKeyId, secretAccessKey, sessionToken: token, expiration: new Date(expiration * 1000) };
    },
    open(sessionToken) {
      const known = opened.get(sessionToken);
      if (known) {
        // The newest entry (a client signing call after call) needs no LRU move. Found by the map, not by comparing
        // the token text with the last one (which would time how much of another caller's token a guess shares).
        if (known !== newest) {
          opened.delete(sessionToken);
          opened.set(sessionToken, known);
          newest = known;
        }
        return known;
      }
      if (sessionToken.length > 16_384 || !/^[A-Za-z0-9+/]+={0,2}$/.test(sessionToken)) return undefined;
      const plain = unseal(key, aad, Buffer.from(sessionToken, "base64"));
      if (plain === undefined) return undefined;
      let session: SessionData;
      try {
        session = deepFreeze(JSON.parse(plain) as SessionData);
      } catch {
        return undefined;
      }
      opened.set(sessionToken, session);
      newest = session;
      if (opened.size > OPENED_SESSIONS_CACHE_SIZE) {
        const oldest = opened.keys().next().value;
        if (oldest !== undefined) opened.delete(oldest);
      }
      return session;
    },
    sealMessage(json) {
      return seal(messageKey, messageAad, json).toString("base64url");
    },
    openMessage(encoded) {
      if (encoded.length > MAX_ENCODED_MESSAGE || !/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
      return unseal(messageKey, messageAad, Buffer.from(encoded, "base64url"));
    },
  };
}

/**
 * Rule: a temporary (`ASIA…`) key is only valid with the session token it was issued with, before it expires.
 * (Long-term `AKIA…` keys of IAM users and root are looked up in stack.json first, by ./callers.ts.)
 * @throws StsFault `InvalidClientTokenId` (403) for an unknown key or a missing/foreign token;
 *   `ExpiredToken` (403) `The security token included in the request is expired` after expiry.
 */
export function checkSessionCredential(store: SessionStore, accessKeyId: string, sessionToken: string | undefined, nowMs: number): SessionData {
  const session = sessionToken === undefined ? undefined : store.open(sessionToken);
  if (!session || session.accessKeyId !== accessKeyId) {
    throw new StsFault("InvalidClientTokenId", 403, MESSAGES.invalidClientToken);
  }
  if (session.expiration * 1000 <= nowMs) throw new StsFault("ExpiredToken", 403, MESSAGES.expiredSessionToken);
  return session;
}

/**
 * The request-context keys a session brings to permission and session policies (IAM User Guide "AWS global condition
 * context keys" and "Identifying users with web identity federation"): the web identity provider's keys, usable as
 * policy variables (`${accounts.google.com:sub}`, `${www.amazon.com:user_id}`, `${graph.facebook.com:id}`,
 * `${127.0.0.1:9400:sub}`), `aws:FederatedProvider`, `aws:userid` (`AROA…:<session>`, `ACCT:<name>` for a federated
 * user, the user's `AIDA…` id or the account id), `aws:PrincipalArn` (the role's ARN for a role session, else the
 * caller's ARN), `aws:PrincipalAccount`, `aws:PrincipalType` (`AssumedRole`, `FederatedUser`, `User`, `Account`),
 * `aws:username` (IAM users), `aws:PrincipalTag/<key>` for session tags, `aws:SourceIdentity`, and
 * `aws:MultiFactorAuthPresent` (`true`/`false`: temporary credentials always carry it) with `aws:MultiFactorAuthAge`
 * (seconds since the MFA authentication, at `nowMs`).
 */
export function sessionContextKeys(session: SessionData, nowMs: number = Date.now()): ConditionValues {
  const keys: Record<string, string | readonly string[]> = { "aws:PrincipalAccount": session.account };
  if (session.kind === "federated-user") {
    keys["aws:userid"] = session.federatedUserId;
    keys["aws:PrincipalArn"] = session.federatedUserArn;
    keys["aws:PrincipalType"] = "FederatedUser";
  } else if (session.kind === "user-session") {
    keys["aws:userid"] = session.userId;
    keys["aws:PrincipalArn"] = session.userArn;
    keys["aws:PrincipalType"] = session.userName === undefined ? "Account" : "User";
    if (session.userName !== undefined) keys["aws:username"] = session.userName;
  } else {
    keys["aws:userid"] = session.assumedRoleId;
    keys["aws:PrincipalArn"] = session.roleArn;
    keys["aws:PrincipalType"] = "AssumedRole";
    if (session.webIdentity) {
      Object.assign(keys, session.webIdentity.keys);
      keys["aws:FederatedProvider"] = session.webIdentity.federatedProvider;
    }
    if (session.saml) {
      Object.assign(keys, session.saml.keys);
      keys["aws:FederatedProvider"] = session.saml.federatedProvider;
    }
  }
  for (const { key, value } of session.sessionTags ?? []) keys[`aws:PrincipalTag/${key}`] = value;
  if (session.sourceIdentity !== undefined) keys["aws:SourceIdentity"] = session.sourceIdentity;
  keys["aws:MultiFactorAuthPresent"] = session.mfaAuthenticatedAt === undefined ? "false" : "true";
  if (session.mfaAuthenticatedAt !== undefined) {
    keys["aws:MultiFactorAuthAge"] = String(Math.max(0, Math.floor(nowMs / 1000) - session.mfaAuthenticatedAt));
  }
  return keys;
}
