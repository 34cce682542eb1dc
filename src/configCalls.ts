/**
 * The `stsCalls` section of config.json: what the console's "More STS calls" panel offers besides the calls every
 * session can make (GetAccessKeyInfo, GetSessionToken, GetFederationToken, DecodeAuthorizationMessage). Optional:
 * without it the panel offers AssumeRole with a typed-in role ARN and AssumeRoleWithSAML with a pasted assertion.
 */
import { httpUrl, isRecord, ROLE_ARN } from "./configRules.ts";

/** A role offered for role chaining (AssumeRole with the web-identity session's credentials). */
export interface ChainRoleOption {
  label: string;
  arn: string;
}

export interface StsCallsConfig {
  /** Roles offered for AssumeRole; a role ARN can also be typed in. */
  chainRoles: ChainRoleOption[];
  /**
   * A SAML identity provider whose sign-in page hands the app a `SAMLResponse` by `postMessage` (the local SAML IdP's
   * extension: `?origin=<app origin>`). Real IdPs post to AWS's sign-in page instead; paste their assertion then.
   */
  saml?: { label: string; signInUrl: string } | undefined;
  /**
   * The STS endpoint is the local stack: after a refusal the app reads its `/__local/trace/<request id>` extension
   * (why the policy refused, and the encoded authorization message). Never set this for real AWS.
   */
  localTrace: boolean;
}

export const NO_STS_CALLS: StsCallsConfig = { chainRoles: [], localTrace: false };

/** Validate `stsCalls` (absent → {@link NO_STS_CALLS}), pushing every problem found with its path. */
export function parseStsCalls(raw: unknown, problems: string[]): StsCallsConfig {
  if (raw === undefined) return NO_STS_CALLS;
  if (!isRecord(raw)) {
    problems.push(`stsCalls must be an object, got ${JSON.stringify(raw)}`);
    return NO_STS_CALLS;
  }
  const chainRoles: ChainRoleOption[] = [];
  if (raw.chainRoles !== undefined && !Array.isArray(raw.chainRoles)) problems.push("stsCalls.chainRoles must be a list of {label, arn}");
  else
    (raw.chainRoles ?? []).forEach((r: unknown, i: number) => {
      const at = `stsCalls.chainRoles[${i}]`;
      if (!isRecord(r) || typeof r.arn !== "string" || !ROLE_ARN.test(r.arn)) {
        problems.push(`${at}.arn must be a role ARN like arn:aws:iam::123456789012:role/Name, got ${JSON.stringify(isRecord(r) ? r.arn : r)}`);
      } else chainRoles.push({ arn: r.arn, label: typeof r.label === "string" && r.label.trim() ? r.label : r.arn });
    });
  let saml: StsCallsConfig["saml"];
  if (raw.saml !== undefined) {
    const s = raw.saml;
    if (!isRecord(s) || !httpUrl(s.signInUrl)) problems.push(`stsCalls.saml.signInUrl must be an https URL (http only on 127.0.0.1/localhost), got ${JSON.stringify(isRecord(s) ? s.signInUrl : s)}`);
    else saml = { signInUrl: s.signInUrl, label: typeof s.label === "string" && s.label.trim() ? s.label : new URL(s.signInUrl).host };
  }
  if (raw.localTrace !== undefined && typeof raw.localTrace !== "boolean") problems.push(`stsCalls.localTrace must be true or false, got ${JSON.stringify(raw.localTrace)}`);
  return { chainRoles, ...(saml ? { saml } : {}), localTrace: raw.localTrace === true };
}
