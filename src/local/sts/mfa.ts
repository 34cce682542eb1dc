/**
 * MFA with AssumeRole and GetSessionToken: `SerialNumber` names the caller's virtual MFA device
 * (`arn:aws:iam::ACCOUNT:mfa/NAME`, stack.json `iamUsers[].mfa` / `root.mfa`) and `TokenCode` is its current TOTP code
 * (RFC 6238, ../iam/totp.ts). IAM User Guide "Configuring MFA-protected API access"; the texts are real STS output.
 */
import type { StackConfig } from "../config";
import { verifyTotp } from "../iam/totp";
import { findUser, type MfaDeviceConfig } from "../iam/users";
import { isRootCaller, callerUserName, type Caller } from "./callers";
import { MESSAGES, StsFault } from "./faults";

/** The MFA device of the IAM user or root behind the caller (none for role sessions and federated users). */
export function callerMfaDevice(config: StackConfig, caller: Caller): MfaDeviceConfig | undefined {
  if (caller.kind === "session" && caller.session.kind === "federated-user") return undefined;
  if (isRootCaller(caller)) return config.root?.mfa;
  const name = callerUserName(caller);
  return name === undefined ? undefined : findUser(config, name)?.mfa;
}

/**
 * Rule: with `SerialNumber` and/or `TokenCode`, the serial is the caller's own MFA device and the code is its TOTP
 * code now (±30 s). Returns when the MFA authentication happened (seconds since the epoch), or undefined without MFA
 * parameters.
 * @throws StsFault `AccessDenied` (403) `MultiFactorAuthentication failed, unable to validate MFA code.  Please verify
 *   your MFA serial number is valid and associated with this user.` for a missing or foreign serial;
 *   `MultiFactorAuthentication failed with invalid MFA one time pass code.` for a missing or wrong code. (Which text
 *   real STS gives when only one of the two parameters is passed was not captured [~]: the missing one is treated as
 *   wrong.)
 */
export function checkMfa(config: StackConfig, caller: Caller, serialNumber: string | undefined, tokenCode: string | undefined, nowMs: number): number | undefined {
  if (serialNumber === undefined && tokenCode === undefined) return undefined;
  const device = callerMfaDevice(config, caller);
  if (!device || serialNumber !== device.serialNumber) throw new StsFault("AccessDenied", 403, MESSAGES.mfaUnknownSerial);
  if (tokenCode === undefined || !verifyTotp(device.totpSecret, tokenCode, nowMs)) throw new StsFault("AccessDenied", 403, MESSAGES.mfaInvalidCode);
  return Math.floor(nowMs / 1000);
}
