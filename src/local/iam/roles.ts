/**
 * Roles of the local IAM model (stack.json): lookup by ARN and trust-policy checks. IAM User Guide "IAM
 * identifiers" (role ARN `arn:aws:iam::ACCOUNT:role/PATH/NAME`, assumed-role ARN drops the path) and "Create a role
 * for OpenID Connect federation" (trust policy with `Principal.Federated` and provider condition keys).
 */
import { roleArn, type RoleConfig, type StackConfig } from "../config";
import { evaluatePolicies, evaluatePoliciesWithTrace, type ConditionValues, type Decision, type RequestContext } from "./policy";
import type { EvaluationTrace } from "./trace";

/** The caller as a trust policy's `Principal` sees it (see `RequestContext.principal`: type, id and aliases). */
export type TrustPrincipal = NonNullable<RequestContext["principal"]>;

/** The parts of a role ARN. */
export interface ParsedRoleArn {
  partition: string;
  account: string;
  /** `/` or `/a/b/` */
  path: string;
  name: string;
}

/** Parse `arn:PARTITION:iam::ACCOUNT:role[/PATH]/NAME`; undefined when the text is not a role ARN. */
export function parseRoleArn(arn: string): ParsedRoleArn | undefined {
  const m = /^arn:([a-z][a-z0-9-]*):iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,64})$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1] ?? "", account: m[2] ?? "", path: m[3] ?? "/", name: m[4] ?? "" };
}

/** The configured role with exactly this ARN (partition, account, path and name), if any. */
export function findRole(config: StackConfig, arn: string): RoleConfig | undefined {
  return config.roles.find((r) => roleArn(config, r) === arn);
}

/** `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION` — the role path is dropped. */
export function assumedRoleArn(config: StackConfig, role: RoleConfig, sessionName: string): string {
  return `arn:${config.partition}:sts::${config.account}:assumed-role/${role.name}/${sessionName}`;
}

/**
 * Evaluate a role's trust policy for a federated principal performing `action` with these condition keys.
 * Returns `Allow` only when a statement allows and none denies.
 */
export function evaluateTrust(role: RoleConfig, principal: TrustPrincipal, action: string, keys: ConditionValues): Decision {
  return evaluatePolicies([role.trustPolicy], { action, principal, keys });
}

/**
 * {@link evaluateTrust} with its explanation: the role's trust policy (named after the role, kind `trust`), each
 * statement's Principal, Action and condition keys ✓/✗ against the request, and a summary naming what decided.
 */
export function evaluateTrustWithTrace(role: RoleConfig, principal: TrustPrincipal, action: string, keys: ConditionValues): EvaluationTrace {
  return evaluatePoliciesWithTrace([{ name: role.name, document: role.trustPolicy }], "trust", { action, principal, keys });
}
