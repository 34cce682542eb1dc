/**
 * IAM users and the account root of the local IAM model (stack.json `iamUsers`, `root`): long-term `AKIA…` access
 * keys that encode the account (reference §0.6), a virtual MFA device per user (a base32 TOTP seed, ./totp.ts) and
 * inline permission policies. IAM User Guide "IAM identifiers" (user ARN `arn:aws:iam::ACCOUNT:user/PATH/NAME`,
 * unique ids `AIDA…`, the root `arn:aws:iam::ACCOUNT:root`, MFA serial `arn:aws:iam::ACCOUNT:mfa/NAME`) and
 * "Managing access keys for IAM users". Every value here is a local test value, not a secret.
 */
import type { PolicyDocument, StackConfig } from "../config";
import { accountEncodedId, accountFromId } from "../sts/ids";
import { base32Decode } from "./totp";

/** A long-term access key pair. */
export interface AccessKeyConfig {
  /** `AKIA` + 16 characters encoding the account. */
  accessKeyId: string;
  /** 40 characters. */
  secretAccessKey: string;
  /**
   * IAM's key status (`UpdateAccessKey`): an `Inactive` key authenticates nothing — STS and S3 refuse it as they refuse
   * an unknown key. Default `Active`.
   */
  status?: "Active" | "Inactive";
}

/** A virtual MFA device. */
export interface MfaDeviceConfig {
  /** `arn:aws:iam::ACCOUNT:mfa/NAME` — the `SerialNumber` callers pass. */
  serialNumber: string;
  /** The device's seed, base32 (what an authenticator app is given). */
  totpSecret: string;
}

/** An IAM user. */
export interface IamUserConfig {
  name: string;
  /** `/` or `/a/b/`. */
  path: string;
  description?: string;
  accessKeys: AccessKeyConfig[];
  mfa?: MfaDeviceConfig;
  /** Inline permission policies, by name. */
  permissionPolicies: { name: string; document: PolicyDocument }[];
}

/** The account root user's long-term credentials (AWS advises against creating root access keys; the stack has one to exercise the root rules). */
export interface RootConfig {
  accessKeys: AccessKeyConfig[];
  mfa?: MfaDeviceConfig;
}

/** A long-term key that the local IAM model knows, and whose it is. */
export type LongTermKeyOwner = { kind: "user"; user: IamUserConfig; key: AccessKeyConfig } | { kind: "root"; key: AccessKeyConfig };

/** `arn:PARTITION:iam::ACCOUNT:user/PATH/NAME`. */
export function userArn(config: StackConfig, user: Pick<IamUserConfig, "path" | "name">): string {
  return `arn:${config.partition}:iam::${config.account}:user${user.path}${user.name}`;
}

/** `arn:PARTITION:iam::ACCOUNT:root`. */
export function rootArn(config: StackConfig): string {
  return `arn:${config.partition}:iam::${config.account}:root`;
}

/** The user's stable unique id (`AIDA` + 17 characters encoding the account), as GetCallerIdentity's `UserId`. */
export function userUniqueId(config: StackConfig, user: Pick<IamUserConfig, "path" | "name">): string {
  return accountEncodedId(config.account, "AIDA", 21, `user-id:${userArn(config, user)}`);
}

/** The user named `name`, if any. */
export function findUser(config: StackConfig, name: string): IamUserConfig | undefined {
  return config.iamUsers.find((u) => u.name === name);
}

/** The owner of a long-term access key id, if the local IAM model has it. */
export function findLongTermKey(config: StackConfig, accessKeyId: string): LongTermKeyOwner | undefined {
  for (const user of config.iamUsers) {
    const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
    if (key) return { kind: "user", user, key };
  }
  const rootKey = config.root?.accessKeys.find((k) => k.accessKeyId === accessKeyId);
  return rootKey ? { kind: "root", key: rootKey } : undefined;
}

/**
 * The owner of a long-term access key id that may sign requests: known to the local IAM model and not `Inactive`
 * (an inactive key is answered like an unknown one; whether AWS words it differently was not found [~]).
 */
export function findActiveLongTermKey(config: StackConfig, accessKeyId: string): LongTermKeyOwner | undefined {
  const owner = findLongTermKey(config, accessKeyId);
  return owner && owner.key.status !== "Inactive" ? owner : undefined;
}

function keyProblems(at: string, keys: unknown, account: string, seen: Set<string>): string[] {
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 2) return [`${at}.accessKeys must list 1–2 access keys (IAM allows two per user)`];
  const problems: string[] = [];
  for (const [j, raw] of (keys as Partial<AccessKeyConfig>[]).entries()) {
    const id = raw?.accessKeyId ?? "";
    if (!/^AKIA[A-Z2-7]{16}$/.test(id)) problems.push(`${at}.accessKeys[${j}].accessKeyId must be AKIA followed by 16 characters of A–Z2–7`);
    else if (accountFromId(id) !== account) problems.push(`${at}.accessKeys[${j}].accessKeyId ${id} does not encode account ${account} (reference §0.6)`);
    if (seen.has(id)) problems.push(`${at}.accessKeys[${j}].accessKeyId ${id} is used twice`);
    seen.add(id);
    if (typeof raw?.secretAccessKey !== "string" || raw.secretAccessKey.length !== 40) problems.push(`${at}.accessKeys[${j}].secretAccessKey must be 40 characters`);
    if (raw?.status !== undefined && raw.status !== "Active" && raw.status !== "Inactive") problems.push(`${at}.accessKeys[${j}].status must be Active or Inactive`);
  }
  return problems;
}

function mfaProblems(at: string, mfa: Partial<MfaDeviceConfig> | undefined, expectedSerial: string): string[] {
  if (mfa === undefined) return [];
  const problems: string[] = [];
  if (mfa.serialNumber !== expectedSerial) problems.push(`${at}.mfa.serialNumber must be ${expectedSerial}`);
  try {
    if (typeof mfa.totpSecret !== "string" || base32Decode(mfa.totpSecret).length < 10) problems.push(`${at}.mfa.totpSecret must be a base32 seed of at least 16 characters`);
  } catch {
    problems.push(`${at}.mfa.totpSecret must be base32 (A–Z, 2–7)`);
  }
  return problems;
}

/** Every problem of stack.json's `iamUsers` and `root` (for loadStackConfig's one list of problems). */
export function iamUserProblems(c: StackConfig): string[] {
  const problems: string[] = [];
  const seenKeys = new Set<string>();
  const names = new Set<string>();
  if (!Array.isArray(c.iamUsers)) return ["iamUsers must be a list of IAM users"];
  for (const [i, u] of c.iamUsers.entries()) {
    const at = `iamUsers[${i}]`;
    if (!/^[\w+=,.@-]{1,64}$/.test(u.name ?? "")) problems.push(`${at}.name is not a valid IAM user name`);
    if (names.has(u.name)) problems.push(`${at}.name ${u.name} is duplicated`);
    names.add(u.name);
    if (!/^\/([\x21-\x7e]*\/)?$/.test(u.path ?? "")) problems.push(`${at}.path must start and end with /`);
    problems.push(...keyProblems(at, u.accessKeys, c.account, seenKeys));
    problems.push(...mfaProblems(at, u.mfa, `arn:${c.partition}:iam::${c.account}:mfa/${u.name}`));
    if (!Array.isArray(u.permissionPolicies)) problems.push(`${at}.permissionPolicies must be a list (may be empty)`);
  }
  if (c.root !== undefined) {
    problems.push(...keyProblems("root", c.root.accessKeys, c.account, seenKeys));
    problems.push(...mfaProblems("root", c.root.mfa, `arn:${c.partition}:iam::${c.account}:mfa/root-account-mfa-device`));
  }
  return problems;
}
