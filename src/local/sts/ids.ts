/**
 * Account-encoded IAM identifiers, as real AWS issues them (reference §0.6): characters 5–12 of an `ASIA…`/`AROA…`
 * id are the base32 encoding of `floor(account / 2) + 2^39`, and character 13 carries the account's parity (upper
 * half of the base32 alphabet for odd accounts). The same algorithm as getmoto/moto
 * `generate_access_key_id_from_account_id`; `GetAccessKeyInfo` can decode it offline.
 */
import { createHash, randomFillSync } from "node:crypto";

/** The base32 alphabet AWS key ids use (RFC 4648, `A–Z2–7`). */
export const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** `int.from_bytes(base32decode("QAAAAAAA"))`: the offset added to `floor(account / 2)`. */
const ACCOUNT_OFFSET = 549_755_813_888n;

function checkAccountId(account: string): bigint {
  if (!/^\d{12}$/.test(account)) throw new Error(`account id must be 12 digits, got ${JSON.stringify(account)}`);
  return BigInt(account);
}

/** Per account: its 8 id characters and its parity. A stack has one or a few accounts; bounded all the same. */
const accountCodes = new Map<string, { part: string; odd: boolean }>();
const MAX_CACHED_ACCOUNTS = 64;

function accountCode(account: string): { part: string; odd: boolean } {
  const known = accountCodes.get(account);
  if (known) return known;
  const id = checkAccountId(account);
  const n = id / 2n + ACCOUNT_OFFSET; // 40 bits → exactly 8 base32 characters
  let part = "";
  for (let shift = 35n; shift >= 0n; shift -= 5n) part += ID_ALPHABET[Number((n >> shift) & 31n)];
  const code = { part, odd: id % 2n === 1n };
  if (accountCodes.size >= MAX_CACHED_ACCOUNTS) accountCodes.clear();
  accountCodes.set(account, code);
  return code;
}

/** The 8 base32 characters that encode `account` (positions 5–12 of a key id). */
export function accountPart(account: string): string {
  return accountCode(account).part;
}

/**
 * Fresh random bytes from the CSPRNG, drawn from a pool refilled 4 KiB at a time (one `getrandom` per ~100
 * credentials instead of three per credential). Each byte is handed out once.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;
export function randomPoolBytes(count: number): Buffer {
  if (count > POOL_BYTES) throw new Error(`at most ${POOL_BYTES} random bytes at a time`);
  if (poolOffset + count > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + count));
  poolOffset += count;
  return out;
}

/** Map bytes to id characters (each byte picks one of the 32 characters; 256 is a multiple of 32, so unbiased). */
function charsFrom(bytes: Uint8Array, count: number, alphabet: string = ID_ALPHABET): string {
  let out = "";
  for (let i = 0; i < count; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

function parityChar(account: string, byte: number): string {
  return ID_ALPHABET[(accountCode(account).odd ? 16 : 0) + (byte % 16)] ?? "A";
}

/**
 * A key id for `account`: `prefix` + 8 account characters + 1 parity character + random characters up to
 * `length` (20 for access keys, 21 for role ids). Pass `seed` for a deterministic id (e.g. a role's stable id).
 */
export function accountEncodedId(account: string, prefix: string, length: number, seed?: string): string {
  const fixed = prefix + accountPart(account);
  const rest = length - fixed.length - 1;
  if (rest < 0) throw new Error(`id length ${length} too short for prefix ${prefix}`);
  const bytes = seed === undefined ? randomPoolBytes(rest + 1) : createHash("sha256").update(seed).digest();
  return fixed + parityChar(account, bytes[0] ?? 0) + charsFrom(bytes.subarray(1), rest);
}

/** A fresh temporary access key id: `ASIA` + 16 characters, encoding `account`. */
export function newSessionAccessKeyId(account: string): string {
  return accountEncodedId(account, "ASIA", 20);
}

const roleIds = new Map<string, string>();
const MAX_CACHED_ROLE_IDS = 1024;

/** The stable role id (`AROA` + 17 characters) of the role with this ARN; the same ARN always yields the same id. */
export function roleUniqueId(account: string, roleArn: string): string {
  const key = `${account}\n${roleArn}`;
  let id = roleIds.get(key);
  if (id === undefined) {
    id = accountEncodedId(account, "AROA", 21, `role-id:${roleArn}`);
    if (roleIds.size >= MAX_CACHED_ROLE_IDS) roleIds.clear();
    roleIds.set(key, id);
  }
  return id;
}

/** The account a key id or unique id encodes (the inverse of {@link accountEncodedId}); undefined when not decodable. */
export function accountFromId(id: string): string | undefined {
  if (id.length < 13) return undefined;
  let n = 0n;
  for (const c of id.slice(4, 12)) {
    const v = ID_ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    n = (n << 5n) | BigInt(v);
  }
  const parity = ID_ALPHABET.indexOf(id[12] ?? "");
  if (parity < 0 || n < ACCOUNT_OFFSET) return undefined;
  const account = (n - ACCOUNT_OFFSET) * 2n + (parity >= 16 ? 1n : 0n);
  return account.toString().padStart(12, "0");
}

/** A 40-character secret access key from the base64 alphabet, like the ones STS issues. */
export function newSecretAccessKey(): string {
  return randomPoolBytes(30).toString("base64");
}
