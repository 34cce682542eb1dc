/**
 * `AssumeRoleWithSAML` of the local STS: a list of named checks, each throwing an {@link StsFault} with AWS's code.
 * AWS docs: STS API reference `AssumeRoleWithSAML` (parameters, result elements, `SessionNotOnOrAfter` capping the
 * session); IAM User Guide "Configure SAML assertions for the authentication response" (Subject/NameID, exactly one
 * bearer `SubjectConfirmation` with `Recipient` and `NotOnOrAfter`, audience `https://signin.aws.amazon.com/saml` or
 * `urn:amazon:webservices`, the Role / RoleSessionName / SessionDuration / SourceIdentity / PrincipalTag attributes,
 * the attribute → `saml:*` context-key table), "Troubleshoot SAML federation with IAM" (error texts), and
 * "Available keys for SAML-based AWS STS federation" (`saml:aud` is the Recipient, `saml:doc`, `saml:namequalifier`).
 *
 * Texts: AWS's where published — `Response signature invalid`, `RoleSessionName is required in AuthnResponse`,
 * `RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}`, `Source Identity must match … and not begin
 * with "aws:"`, `Not authorized to perform sts:AssumeRoleWithSAML`, `Specified provider doesn't exist.`, `Response
 * does not contain the required audience.` (IAM troubleshooting page) and `Issuer not present in specified provider`
 * (the same page; an STS answer carrying it is captured in dbeaver/cloudbeaver#3112). Every other text here (expired,
 * not yet valid, recipient, replay, malformed response, bearer method) is the local stack's own wording: AWS's text was
 * not found, and each such constant says so.
 *
 * The checks are in ./samlChecks.ts, reading the assertion and the values derived from it in ./samlAssertion.ts; this
 * module holds the operation, its trust check and the session it issues.
 */
import type { RoleConfig, StackConfig } from "../config";
import { checkDuration, checkFederatedTrust, checkSessionPolicy, DEFAULT_DURATION_SECONDS, issueRoleSession, type StsContext } from "./actions";
import type { TokenSessionTags } from "./claims";
import { StsFault } from "./faults";
import type { QueryParams } from "./query";
import type { ResultTree } from "./render";
import { createSamlMetadataSource, type SamlMetadataSource } from "./samlMetadata";
import { attributeContextKeys, nameQualifier, readAssertion, SAML_MESSAGES } from "./samlAssertion";
import {
  checkAssertionTimes,
  checkIssuer,
  checkNameId,
  checkReplay,
  checkResponseStatus,
  checkRolePair,
  checkRoleSessionName,
  checkSamlAudience,
  checkSamlProvider,
  checkSamlResponseDocument,
  checkSamlSessionTags,
  checkSamlSignature,
  checkSamlSourceIdentity,
  checkSessionDurationAttribute,
  checkSubjectConfirmation,
  createReplayCache,
  loadProviderMetadata,
  type ReplayCache,
} from "./samlChecks";
import { ARN_PATTERN, checkMembers, POLICY_PATTERN, policyArnProblems, type MemberRule } from "./validation";

export * from "./samlAssertion";
export * from "./samlChecks";

/** The members of `AssumeRoleWithSAMLRequest`, in model order (botocore service-2.json). */
export const ASSUME_ROLE_WITH_SAML_RULES: readonly MemberRule[] = [
  { param: "RoleArn", member: "roleArn", required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  { param: "PrincipalArn", member: "principalArn", required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  // The member name in AWS's message is an assumption [~]: the front end lower-cases the first letter (`roleArn`).
  { param: "SAMLAssertion", member: "sAMLAssertion", required: true, min: 4, max: 100_000, sensitive: true },
  { param: "Policy", member: "policy", min: 1, max: 2048, pattern: POLICY_PATTERN },
  { param: "DurationSeconds", member: "durationSeconds", integer: { min: 900, max: 43200 } },
];

/** Per-server state: metadata read once, assertion IDs seen (kept beside the context, not in it). */
interface SamlState {
  metadata: SamlMetadataSource;
  replay: ReplayCache;
}
const states = new WeakMap<StsContext, SamlState>();

function stateOf(ctx: StsContext): SamlState {
  let state = states.get(ctx);
  if (!state) {
    state = { metadata: createSamlMetadataSource(ctx.tokenInfo?.fetchImpl ? { fetchImpl: ctx.tokenInfo.fetchImpl } : {}), replay: createReplayCache() };
    states.set(ctx, state);
  }
  return state;
}

export interface SamlIdentity {
  providerArn: string;
  providerName: string;
  issuer: string;
  sub: string;
  subType: string;
  /** The Recipient. */
  audience: string;
  nameQualifier: string;
  /** `saml:aud`, `saml:iss`, `saml:sub`, `saml:sub_type`, `saml:namequalifier`, `saml:doc` and the attribute keys. */
  conditionKeys: Record<string, string | string[]>;
}

/**
 * Rule: the role exists and its trust policy allows `Principal.Federated` = the SAML provider's ARN to
 * `sts:AssumeRoleWithSAML` under the `saml:*` keys — and, with the same principal and keys, `sts:TagSession` when the
 * assertion passes session tags and `sts:SetSourceIdentity` when it passes a source identity.
 * @throws StsFault `AccessDenied` (403) `Not authorized to perform sts:AssumeRoleWithSAML` (the trace, for the local
 *   trace endpoint, names what failed).
 */
export function checkSamlRoleTrust(
  config: StackConfig,
  arn: string,
  identity: SamlIdentity,
  session: { tags?: TokenSessionTags; sourceIdentity?: string } = {},
): RoleConfig {
  return checkFederatedTrust(config, arn, "sts:AssumeRoleWithSAML", identity.providerArn, identity.conditionKeys, session, SAML_MESSAGES.notAuthorized);
}

/**
 * The session's end: now + the shortest of `DurationSeconds` (default 3600) and the SessionDuration attribute, and no
 * later than the AuthnStatement's `SessionNotOnOrAfter` (STS API reference: "whichever is shorter").
 * @throws StsFault `ExpiredTokenException` (400) when `SessionNotOnOrAfter` has already passed, local wording [~].
 */
export function sessionExpiry(nowMs: number, durationSeconds: number, sessionDurationAttribute: number | undefined, sessionNotOnOrAfter: number | undefined): number {
  let end = nowMs + Math.min(durationSeconds, sessionDurationAttribute ?? durationSeconds) * 1000;
  if (sessionNotOnOrAfter !== undefined) end = Math.min(end, sessionNotOnOrAfter);
  if (end <= nowMs) {
    throw new StsFault("ExpiredTokenException", 400, `The SAML assertion's SessionNotOnOrAfter ${new Date(end).toISOString()} has passed (local STS wording)`);
  }
  return end;
}

/**
 * `AssumeRoleWithSAML` (unsigned): validate the members; decode and parse the response; find the SAML provider; verify
 * the signature against its metadata and read only the signed assertion; check status, issuer, audience, subject
 * confirmation (bearer, Recipient), validity window, NameID, the Role pair, RoleSessionName, SourceIdentity,
 * SessionDuration and PrincipalTag attributes; evaluate the trust policy; apply DurationSeconds (≤ the role's maximum,
 * capped by SessionDuration and SessionNotOnOrAfter) and session policies; refuse a replay; issue credentials.
 * @throws StsFault — see the checks above.
 */
export async function assumeRoleWithSAML(params: QueryParams, ctx: StsContext): Promise<ResultTree> {
  const { arns: policyArns, problems } = policyArnProblems(params);
  checkMembers(params, ASSUME_ROLE_WITH_SAML_RULES, problems);
  const roleArn = params.get("RoleArn") ?? "";
  const principalArn = params.get("PrincipalArn") ?? "";
  const durationParam = params.get("DurationSeconds");
  const duration = durationParam === undefined ? DEFAULT_DURATION_SECONDS : Number(durationParam.trim());
  const state = stateOf(ctx);

  const { xml, doc } = checkSamlResponseDocument(params.get("SAMLAssertion") ?? "");
  const provider = checkSamlProvider(ctx.config, principalArn);
  const metadata = await loadProviderMetadata(state.metadata, provider, principalArn);
  const now = ctx.now();
  const assertion = readAssertion(checkSamlSignature(xml, doc, metadata.certificates));
  checkResponseStatus(doc);
  const issuer = checkIssuer(assertion, metadata);
  checkSamlAudience(assertion);
  const confirmation = checkSubjectConfirmation(assertion);
  const validUntil = checkAssertionTimes(assertion, confirmation, now);
  const { sub, subType } = checkNameId(assertion);
  checkRolePair(assertion, roleArn, principalArn);
  const sessionName = checkRoleSessionName(assertion);
  const sourceIdentity = checkSamlSourceIdentity(assertion);
  const sessionDurationAttribute = checkSessionDurationAttribute(assertion);
  const tags = checkSamlSessionTags(assertion);

  const qualifier = nameQualifier(issuer, ctx.config.account, provider.name);
  /** The SAML keys of trust and permission policies (the attribute keys below are for trust policies only). */
  const samlKeys = {
    "saml:aud": confirmation.recipient,
    "saml:iss": issuer,
    "saml:sub": sub,
    "saml:sub_type": subType,
    "saml:namequalifier": qualifier,
    "saml:doc": `${ctx.config.account}/${provider.name}`,
  };
  const identity: SamlIdentity = {
    providerArn: principalArn,
    providerName: provider.name,
    issuer,
    sub,
    subType,
    audience: confirmation.recipient,
    nameQualifier: qualifier,
    conditionKeys: { ...attributeContextKeys(assertion.attributes), ...samlKeys },
  };
  const role = checkSamlRoleTrust(ctx.config, roleArn, identity, {
    ...(tags ? { tags } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  });
  checkDuration(role, duration);
  const packedPolicySize = checkSessionPolicy(params.get("Policy"), policyArns, tags);
  const expiresAt = sessionExpiry(now, duration, sessionDurationAttribute, assertion.sessionNotOnOrAfter);
  // Last check, synchronous with the issue below: the ID is spent only when credentials are issued.
  checkReplay(state.replay, assertion, validUntil, now);

  const session = issueRoleSession(
    ctx,
    role,
    roleArn,
    sessionName,
    {
      saml: {
        federatedProvider: principalArn,
        issuer,
        sub,
        subType,
        aud: confirmation.recipient,
        nameQualifier: qualifier,
        // What permission policies may use as policy variables; the attribute keys stay in the trust policy.
        keys: samlKeys,
      },
      ...(params.get("Policy") !== undefined ? { sessionPolicy: params.get("Policy") } : {}),
      ...(policyArns.length > 0 ? { policyArns } : {}),
      ...(tags ? { sessionTags: tags.tags, transitiveTagKeys: tags.transitiveTagKeys } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    },
    expiresAt,
  );

  return {
    Issuer: issuer,
    ...session,
    Audience: confirmation.recipient,
    SubjectType: subType,
    PackedPolicySize: packedPolicySize,
    NameQualifier: qualifier,
    Subject: sub,
    SourceIdentity: sourceIdentity,
  };
}

