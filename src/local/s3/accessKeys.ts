/**
 * Whose access key signed an S3 request, decided as S3 decides it before it checks the signature: an active long-term
 * `AKIA…` key of an IAM user or of the account root (stack.json `iamUsers`, `root`, ../iam/users.ts) sent without a
 * session token, or the temporary credentials of a live session of the local STS (the shared `SessionStore`) sent with
 * their token. The principal is the STS's {@link Caller} (../sts/callers.ts), so S3 authorizes it with the same
 * identity policies, session policies and condition keys as the STS does.
 */
import type { StackConfig } from "../config";
import { findActiveLongTermKey } from "../iam/users";
import type { Caller } from "../sts/callers";
import { isStsFault } from "../sts/faults";
import { checkSessionCredential, type SessionData, type SessionStore } from "../sts/sessions";
import { S3Fault, S3_MESSAGES } from "./errors";

/** The secret that verifies the signature, and who the key belongs to. */
export interface ResolvedCredentials {
  secretAccessKey: string;
  principal: Caller;
}

/** What resolving a key needs: the IAM model (users, root) and the STS's session store. */
export interface CredentialSources {
  config: StackConfig;
  sessions: SessionStore;
}

/**
 * Rule: an active long-term key of the IAM model is valid only without a session token (undefined: not such a key — an
 * `Inactive` key is treated as unknown). S3 answers a long-term key sent with a leftover session token `InvalidToken`
 * (user reports aws/aws-sdk-go#1802, s3tools/s3cmd#297 and #827: IAM user keys with a stale STS token); whether an
 * expired token would be `ExpiredToken` instead was not found [~], so every token is `InvalidToken` here.
 * @throws S3Fault `InvalidToken` (400, with `<Token-0>`) when a session token comes with the key.
 */
export function checkLongTermCredentials(config: StackConfig, accessKeyId: string, sessionToken: string | undefined): ResolvedCredentials | undefined {
  const owner = findActiveLongTermKey(config, accessKeyId);
  if (!owner) return undefined;
  if (sessionToken !== undefined && sessionToken !== "") throw new S3Fault("InvalidToken", 400, S3_MESSAGES.invalidToken, [["Token-0", sessionToken]]);
  const principal: Caller = owner.kind === "user" ? { kind: "user", accessKeyId, user: owner.user } : { kind: "root", accessKeyId };
  return { secretAccessKey: owner.key.secretAccessKey, principal };
}

/**
 * Rule: any other key is a live session of the local STS, presented with its session token.
 * @throws S3Fault `InvalidAccessKeyId` (403, with `<AWSAccessKeyId>`) for an unknown key or a session key without its
 *   token; `InvalidToken` (400, with `<Token-0>`) for a token the STS did not issue; `ExpiredToken` (400, with
 *   `<Token-0>`) after the session expired.
 */
export function checkTemporaryCredentials(sessions: SessionStore, accessKeyId: string, sessionToken: string | undefined, now: number): SessionData {
  try {
    return checkSessionCredential(sessions, accessKeyId, sessionToken, now);
  } catch (error) {
    if (!isStsFault(error)) throw error;
    if (error.code === "ExpiredToken") throw new S3Fault("ExpiredToken", 400, S3_MESSAGES.expiredToken, [["Token-0", sessionToken ?? ""]]);
    // A token S3 cannot open is InvalidToken; a missing token, or one issued for another key, leaves the key unknown.
    if (sessionToken !== undefined && sessionToken !== "" && sessions.open(sessionToken) === undefined) {
      throw new S3Fault("InvalidToken", 400, S3_MESSAGES.invalidToken, [["Token-0", sessionToken]]);
    }
    throw new S3Fault("InvalidAccessKeyId", 403, S3_MESSAGES.invalidAccessKeyId, [["AWSAccessKeyId", accessKeyId]]);
  }
}

/**
 * The signing secret and principal of an access key: a long-term key first, else a session of the local STS.
 * @throws S3Fault those of {@link checkLongTermCredentials} and {@link checkTemporaryCredentials}.
 */
export function resolveCredentials(sources: CredentialSources, accessKeyId: string, sessionToken: string | undefined, now: number): ResolvedCredentials {
  const longTerm = checkLongTermCredentials(sources.config, accessKeyId, sessionToken);
  if (longTerm) return longTerm;
  const session = checkTemporaryCredentials(sources.sessions, accessKeyId, sessionToken, now);
  return { secretAccessKey: session.secretAccessKey, principal: { kind: "session", accessKeyId, session } };
}
