/**
 * Temporary security credentials issued by the local STS. The `SessionToken` is self-contained: AES-256-GCM over
 * the session's JSON (secret, expiry, assumed-role identity, web-identity claims, session policies) under a key
 * generated at boot, so nothing is stored per session and any stand-in sharing the {@link SessionStore} (e.g. a
 * later S3) can open a token and evaluate policies. Real STS tokens are opaque too (reference §2.2).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { ConditionValues } from "../iam/policy";
import { MESSAGES, StsFault } from "./faults";
import { newSecretAccessKey, newSessionAccessKeyId } from "./ids";

/** Everything the local stack knows about one issued session. */
export interface SessionData {
  accessKeyId: string;
  secretAccessKey: string;
  /** Expiry, seconds since the epoch. */
  expiration: number;
  account: string;
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
  /** Inline session policy text, when one was passed. */
  sessionPolicy?: string;
  /** Managed session policy ARNs, when passed. */
  policyArns?: string[];
  /** Session tags (for AssumeRoleWithWebIdentity: from the token's `https://aws.amazon.com/tags` claim), in order. */
  sessionTags?: { key: string; value: string }[];
  /** The keys among `sessionTags` that pass on to chained role sessions. */
  transitiveTagKeys?: string[];
  /** The source identity (from the token's `https://aws.amazon.com/source_identity` claim). */
  sourceIdentity?: string;
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

/** Seals and opens session tokens with one AES-256-GCM key. */
export interface SessionStore {
  /** Mint credentials for a session described by everything but the key id, secret and expiry. */
  issue(session: Omit<SessionData, "accessKeyId" | "secretAccessKey" | "expiration">, expiresAt: number): IssuedCredentials;
  /** Open a token; undefined when it was not sealed by this store (or is corrupted). */
  open(sessionToken: string): SessionData | undefined;
}

/** A session store with a fresh random key (pass `key`, 32 bytes, to share one across processes or restarts). */
export function createSessionStore(key: Uint8Array = randomBytes(32)): SessionStore {
  if (key.length !== 32) throw new Error("session key must be 32 bytes");
  const aad = Buffer.from("web-identity-console local sts session v1");
  return {
    issue(session, expiresAt) {
      const data: SessionData = {
        ...session,
        accessKeyId: newSessionAccessKeyId(session.account),
        secretAccessKey: newSecretAccessKey(),
        expiration: Math.floor(expiresAt / 1000),
      };
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad);
      const sealed = Buffer.concat([cipher.update(JSON.stringify(data), "utf8"), cipher.final()]);
      const token = Buffer.concat([Buffer.from([TOKEN_VERSION]), iv, cipher.getAuthTag(), sealed]).toString("base64");
      return {
        accessKeyId: data.accessKeyId,
        secretAccessKey: data.secretAccessKey,
        sessionToken: token,
        expiration: new Date(data.expiration * 1000),
      };
    },
    open(sessionToken) {
      if (sessionToken.length > 16_384 || !/^[A-Za-z0-9+/]+={0,2}$/.test(sessionToken)) return undefined;
      const raw = Buffer.from(sessionToken, "base64");
      if (raw.length <= 1 + IV_BYTES + TAG_BYTES || raw[0] !== TOKEN_VERSION) return undefined;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(1, 1 + IV_BYTES)).setAAD(aad);
        decipher.setAuthTag(raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
        const plain = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
        return JSON.parse(plain.toString("utf8")) as SessionData;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Rule: a temporary (`ASIA…`) key is only valid with the session token it was issued with, before it expires.
 * Long-term keys do not exist in the local stack, so any other key is unknown.
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
 * `${127.0.0.1:9400:sub}`), `aws:FederatedProvider`, `aws:userid` (`AROA…:<session>`), `aws:PrincipalArn` (the role's
 * ARN), `aws:PrincipalAccount`, `aws:PrincipalType` (`AssumedRole`), `aws:PrincipalTag/<key>` for session tags and
 * `aws:SourceIdentity`.
 */
export function sessionContextKeys(session: SessionData): ConditionValues {
  const keys: Record<string, string | readonly string[]> = {
    "aws:userid": session.assumedRoleId,
    "aws:PrincipalArn": session.roleArn,
    "aws:PrincipalAccount": session.account,
    "aws:PrincipalType": "AssumedRole",
  };
  if (session.webIdentity) {
    Object.assign(keys, session.webIdentity.keys);
    keys["aws:FederatedProvider"] = session.webIdentity.federatedProvider;
  }
  for (const { key, value } of session.sessionTags ?? []) keys[`aws:PrincipalTag/${key}`] = value;
  if (session.sourceIdentity !== undefined) keys["aws:SourceIdentity"] = session.sourceIdentity;
  return keys;
}
