/**
 * Time-based one-time passwords as IAM's virtual MFA devices use them: RFC 6238 TOTP over RFC 4226 HOTP with
 * HMAC-SHA-1, 6 digits, a 30-second step, and the device's seed written in base32 (RFC 4648, the form authenticator
 * apps take). IAM accepts a code from the current step or one step either side (IAM User Guide "Resynchronize virtual
 * and hardware MFA devices" — devices drift; the window here is ±1 step). Pure functions of the secret and the time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The step of IAM virtual MFA devices, in seconds. */
export const TOTP_STEP_SECONDS = 30;
/** Codes are 6 decimal digits. */
export const TOTP_DIGITS = 6;
/** Codes of this many steps before or after the current one are accepted too. */
export const TOTP_WINDOW_STEPS = 1;

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * Decode RFC 4648 base32 (case-insensitive; spaces and `=` padding ignored, as authenticator apps accept it).
 * @throws Error on a character outside the alphabet.
 */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const c of clean) {
    const v = BASE32_ALPHABET.indexOf(c);
    if (v < 0) throw new Error(`not a base32 character: ${JSON.stringify(c)}`);
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP: the 6-digit code of `counter` under `key` (dynamic truncation of HMAC-SHA-1). */
export function hotp(key: Uint8Array, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, "0");
}

/** The TOTP step number at `nowMs`. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** The TOTP code of a base32 seed at `nowMs` (what the user's authenticator app shows). */
export function totpCode(base32Secret: string, nowMs: number): string {
  return hotp(base32Decode(base32Secret), totpStep(nowMs));
}

/**
 * Whether `code` is the TOTP code of the seed at `nowMs`, or of one step before or after it (constant-time compare
 * per candidate). A code that is not exactly 6 digits never verifies.
 */
export function verifyTotp(base32Secret: string, code: string, nowMs: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const key = base32Decode(base32Secret);
  const given = Buffer.from(code, "ascii");
  const step = totpStep(nowMs);
  let ok = false;
  for (let d = -TOTP_WINDOW_STEPS; d <= TOTP_WINDOW_STEPS; d++) {
    if (timingSafeEqual(Buffer.from(hotp(key, step + d), "ascii"), given)) ok = true;
  }
  return ok;
}
