/**
 * The STS operations of the local stand-in, each a list of named checks that throw {@link StsFault}s.
 * AWS docs: STS API reference `AssumeRoleWithWebIdentity`, `GetCallerIdentity`; behaviour per
 * /work/shared/reference/sts.md §2, §4, §5.3, §7.
 */
import { deflateRawSync } from "node:zlib";
import type { RoleConfig, StackConfig } from "../config";
import type { ConditionValues } from "../iam/policy";
import type { EvaluationTrace } from "../iam/trace";
import { parsePolicyDocument, PolicyDocumentError } from "../iam/policy";
import { assumedRoleArn, evaluateTrust, evaluateTrustWithTrace, findRole, parseRoleArn } from "../iam/roles";
import { keysForTrace } from "../iam/variables";
import { checkTokenSessionTags, checkTokenSourceIdentity, sessionConditionKeys, type TokenSessionTags } from "./claims";
import { MESSAGES, StsFault } from "./faults";
import { roleUniqueId } from "./ids";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import type { AssumedRoleSessionData, SessionStore } from "./sessions";
import type { HttpRequestParts } from "./sigv4";
import { callerIdentity, checkSignedCaller, type Caller } from "./callers";
import { ASSUME_ROLE_WITH_WEB_IDENTITY_RULES, checkMembers, policyArnProblems } from "./validation";
import { verifyIdentity } from "./builtin";
import type { TokenInfoOptions } from "./tokeninfo";
import type { KeySource } from "./jwks";
import type { WebIdentity } from "./webidentity";

/** What every operation needs: the IAM model, the key source, the session store and the clock. */
export interface StsContext {
  config: StackConfig;
  keys: KeySource;
  /** How the providers of OAuth 2.0 access tokens (`ProviderId`) are called. Default: global fetch, 5 s. */
  tokenInfo?: TokenInfoOptions;
  sessions: SessionStore;
  /** ms since the epoch */
  now(): number;
}

/** Default session length when `DurationSeconds` is absent. */
export const DEFAULT_DURATION_SECONDS = 3600;

/**
 * The packed-policy budget, in deflated bytes, that `PackedPolicySize` is a percentage of. AWS's packing format is
 * not public; this is calibrated so the STS API reference's AssumeRole example policy reports 6 %.
 */
export const PACKED_POLICY_BUDGET = 2048;

// ---------------------------------------------------------------------------------------------------------------
// AssumeRoleWithWebIdentity checks

/**
 * Rule: `RoleArn` names an IAM role (`arn:PARTITION:iam::ACCOUNT:role/…`).
 * @throws StsFault `ValidationError` (400) `<arn> is invalid`.
 */
export function checkRoleArnFormat(arn: string): void {
  if (!parseRoleArn(arn)) throw new StsFault("ValidationError", 400, `${arn} is invalid`);
}

/** Session data the token passes (reference §5.4), which the trust policy must also allow. */
export interface TokenSessionData {
  /** From the `https://aws.amazon.com/tags` claim: needs `sts:TagSession`. */
  tags?: TokenSessionTags;
  /** From the `https://aws.amazon.com/source_identity` claim: needs `sts:SetSourceIdentity`. */
  sourceIdentity?: string;
}

/**
 * Rule: the role exists in this account and its trust policy allows the token's provider (`Principal.Federated`: the
 * IAM OIDC provider's ARN, or `accounts.google.com` / `www.amazon.com` / `graph.facebook.com`) to
 * `sts:AssumeRoleWithWebIdentity` under the identity's condition keys (`<provider>:aud`, `:sub`, `:azp`, `:amr`,
 * `:oaud`; `www.amazon.com:app_id`, `:user_id`; `graph.facebook.com:app_id`, `:id`)
 * — and, with the same principal and keys, `sts:TagSession` when the token passes session tags and
 * `sts:SetSourceIdentity` when it passes a source identity. The request's `aws:RequestTag/<key>`, `aws:TagKeys`,
 * `sts:TransitiveTagKeys` and `sts:SourceIdentity` are among the keys.
 * @throws StsFault `AccessDenied` (403) `Not authorized to perform sts:AssumeRoleWithWebIdentity` (whichever failed;
 *   the fault's `trace` names the failed check for the local trace endpoint — the response never does).
 */
export function checkRoleTrust(config: StackConfig, arn: string, identity: WebIdentity, session: TokenSessionData = {}): RoleConfig {
  return checkFederatedTrust(config, arn, "sts:AssumeRoleWithWebIdentity", identity.federatedProvider, identity.conditionKeys, session, MESSAGES.notAuthorizedWebIdentity);
}

/**
 * Rule: the role exists and its trust policy allows `Principal.Federated` = `provider` to perform `action` under
 * `providerKeys` plus the session data's keys and `aws:FederatedProvider` — and also `sts:TagSession` with session
 * tags, `sts:SetSourceIdentity` with a source identity. Shared by AssumeRoleWithWebIdentity and AssumeRoleWithSAML.
 * @throws StsFault `AccessDenied` (403) with `message`; the fault's `trace` names the failed check (for the local
 *   trace endpoint only).
 */
export function checkFederatedTrust(
  config: StackConfig,
  arn: string,
  action: string,
  provider: string,
  providerKeys: ConditionValues,
  session: TokenSessionData,
  message: string,
): RoleConfig {
  const principal = { type: "Federated", id: provider };
  const keys = { ...providerKeys, ...sessionConditionKeys(session.tags, session.sourceIdentity), "aws:FederatedProvider": provider };
  const role = findRole(config, arn);
  if (!role) {
    const trace: EvaluationTrace = {
      decision: "ImplicitDeny",
      request: { action, principal, keys: keysForTrace(keys) },
      policies: [],
      summary: `No role ${arn} exists in the local IAM model (stack.json), so no trust policy allows ${action}.`,
    };
    throw new StsFault("AccessDenied", 403, message, { trace });
  }
  const actions = [action];
  if (session.tags) actions.push("sts:TagSession");
  if (session.sourceIdentity !== undefined) actions.push("sts:SetSourceIdentity");
  for (const needed of actions) {
    // The fast decision on the hot path; the trace only for a refusal (AWS's message stays the same either way).
    if (evaluateTrust(role, principal, needed, keys) !== "Allow") {
      throw new StsFault("AccessDenied", 403, message, { trace: evaluateTrustWithTrace(role, principal, needed, keys) });
    }
  }
  return role;
}

/**
 * Rule: `DurationSeconds` (default 3600) does not exceed the role's `MaxSessionDuration`.
 * @throws StsFault `ValidationError` (400) `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`
 */
export function checkDuration(role: RoleConfig, durationSeconds: number): number {
  if (durationSeconds > role.maxSessionDuration) throw new StsFault("ValidationError", 400, MESSAGES.maxSessionDuration);
  return durationSeconds;
}

/**
 * Rule: an inline session policy is a JSON policy document (no `Principal`) that, together with the managed policy
 * ARNs and the session tags, packs within the budget; `PackedPolicySize` is the percentage of the budget used
 * (absent without policies and tags).
 * @throws StsFault `MalformedPolicyDocument` (400); `PackedPolicyTooLarge` (400)
 *   `Packed policy consumes N% of allotted space, please use smaller policy.`
 */
export function checkSessionPolicy(
  policy: string | undefined,
  policyArns: readonly string[],
  tags: TokenSessionTags | undefined = undefined,
): number | undefined {
  const tagCount = tags?.tags.length ?? 0;
  if (policy === undefined && policyArns.length === 0 && tagCount === 0) return undefined;
  let packedBytes = 0;
  if (policy !== undefined) {
    try {
      const doc = parsePolicyDocument(policy);
      packedBytes += deflateRawSync(Buffer.from(JSON.stringify(doc))).length;
    } catch (e) {
      if (e instanceof PolicyDocumentError) throw new StsFault("MalformedPolicyDocument", 400, e.message, { cause: e });
      throw e;
    }
  }
  for (const arn of policyArns) packedBytes += deflateRawSync(Buffer.from(arn)).length;
  if (tagCount > 0) packedBytes += deflateRawSync(Buffer.from(JSON.stringify(tags))).length;
  const percent = Math.ceil((packedBytes * 100) / PACKED_POLICY_BUDGET);
  if (percent > 100) {
    throw new StsFault("PackedPolicyTooLarge", 400, `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`);
  }
  return percent;
}

/** What an AssumeRole* session records beyond the role and session name (see `sessions.ts`). */
export type RoleSessionExtras = Omit<
  AssumedRoleSessionData,
  "accessKeyId" | "secretAccessKey" | "expiration" | "account" | "assumedRoleArn" | "assumedRoleId" | "roleArn" | "roleName" | "roleSessionName"
>;

/**
 * Issue credentials for a session of `role` named `sessionName`, ending at `expiresAt` (ms), with `extras`; returns
 * the `AssumedRoleUser` and `Credentials` members every AssumeRole* answer has.
 */
export function issueRoleSession(ctx: StsContext, role: RoleConfig, roleArn: string, sessionName: string, extras: RoleSessionExtras, expiresAt: number): ResultTree {
  const assumedRoleId = `${roleUniqueId(ctx.config.account, roleArn)}:${sessionName}`;
  const assumedArn = assumedRoleArn(ctx.config, role, sessionName);
  const creds = ctx.sessions.issue(
    { kind: "assumed-role", account: ctx.config.account, assumedRoleArn: assumedArn, assumedRoleId, roleArn, roleName: role.name, roleSessionName: sessionName, ...extras },
    expiresAt,
  );
  return {
    AssumedRoleUser: { Arn: assumedArn, AssumedRoleId: assumedRoleId },
    Credentials: { SessionToken: creds.sessionToken, SecretAccessKey: creds.secretAccessKey, Expiration: creds.expiration, AccessKeyId: creds.accessKeyId },
  };
}

/**
 * `AssumeRoleWithWebIdentity` (unsigned; a signature, if any, is ignored): validate the members, verify the web
 * identity token (an OIDC ID token of an IAM OIDC provider or of Google; with `ProviderId`, an OAuth 2.0 access token
 * confirmed by Login with Amazon or Facebook), check the session tags and source identity it passes, evaluate the role's trust policy (with
 * `sts:TagSession` / `sts:SetSourceIdentity` when needed), apply DurationSeconds and session policies, and issue
 * account-encoded temporary credentials whose session records the tags and source identity.
 * @throws StsFault `ValidationError`, `InvalidIdentityToken`, `ExpiredTokenException`, `IDPRejectedClaim`,
 *   `IDPCommunicationError`, `InvalidParameterValue`, `AccessDenied`, `MalformedPolicyDocument`, `PackedPolicyTooLarge`
 *   — see the checks above and ./builtin.ts.
 */
export async function assumeRoleWithWebIdentity(params: QueryParams, ctx: StsContext): Promise<ResultTree> {
  const { arns: policyArns, problems } = policyArnProblems(params);
  checkMembers(params, ASSUME_ROLE_WITH_WEB_IDENTITY_RULES, problems);
  const arn = params.get("RoleArn") ?? "";
  const sessionName = params.get("RoleSessionName") ?? "";
  const token = params.get("WebIdentityToken") ?? "";
  const durationParam = params.get("DurationSeconds");
  const duration = durationParam === undefined ? DEFAULT_DURATION_SECONDS : Number(durationParam.trim());
  checkRoleArnFormat(arn);

  const now = ctx.now();
  const identity = await verifyIdentity(token, params.get("ProviderId"), {
    config: ctx.config,
    keys: ctx.keys,
    now,
    ...(ctx.tokenInfo ? { tokenInfo: ctx.tokenInfo } : {}),
  });
  const tags = checkTokenSessionTags(identity.claims);
  const sourceIdentity = checkTokenSourceIdentity(identity.claims);
  const role = checkRoleTrust(ctx.config, arn, identity, {
    ...(tags ? { tags } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  });
  checkDuration(role, duration);
  const packedPolicySize = checkSessionPolicy(params.get("Policy"), policyArns, tags);

  const session = issueRoleSession(
    ctx,
    role,
    arn,
    sessionName,
    {
      webIdentity: {
        federatedProvider: identity.federatedProvider,
        providerName: identity.providerName,
        sub: identity.sub,
        aud: identity.audience,
        keys: identity.conditionKeys,
      },
      ...(params.get("Policy") !== undefined ? { sessionPolicy: params.get("Policy") } : {}),
      ...(policyArns.length > 0 ? { policyArns } : {}),
      ...(tags ? { sessionTags: tags.tags, transitiveTagKeys: tags.transitiveTagKeys } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    },
    now + duration * 1000,
  );

  return {
    SubjectFromWebIdentityToken: identity.sub,
    Audience: identity.audience,
    ...session,
    SourceIdentity: sourceIdentity,
    PackedPolicySize: packedPolicySize,
    Provider: identity.federatedProvider,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Signed operations (the others: ./assumeRole.ts, ./sessionTokens.ts, ./decode.ts, ./accessKeyInfo.ts)

/**
 * Rule: signed operations carry a valid SigV4 signature made with a long-term key of the local IAM model or live
 * session credentials issued by this STS (./callers.ts).
 * @throws StsFault `MissingAuthenticationToken`, `IncompleteSignature`, `SignatureDoesNotMatch`,
 *   `InvalidClientTokenId`, `ExpiredToken`.
 */
export function checkSignedRequest(req: HttpRequestParts, ctx: StsContext): Caller {
  return checkSignedCaller(req, ctx);
}

/**
 * `GetCallerIdentity`: who signed the request (reference §4.2): an IAM user (`user/NAME`, `AIDA…`), the root
 * (`:root`, the account id), an assumed role (`assumed-role/ROLE/SESSION`, `AROA…:SESSION`), a federated user
 * (`federated-user/NAME`, `ACCT:NAME`), or GetSessionToken credentials (their user's or root's). No permission needed.
 * @throws StsFault see {@link checkSignedRequest}.
 */
export function getCallerIdentity(req: HttpRequestParts, ctx: StsContext): ResultTree {
  const identity = callerIdentity(ctx.config, checkSignedRequest(req, ctx));
  return { Arn: identity.arn, UserId: identity.userId, Account: identity.account };
}
