/**
 * The `Range` header of GetObject as S3 reads it (Amazon S3 API Reference `GetObject`: "Amazon S3 doesn't support
 * retrieving multiple ranges of data per GET request"; RFC 9110 §14): one `bytes=` range — `a-b`, `a-` or `-n`.
 * A header S3 cannot use (another unit, several ranges, bad syntax) is ignored and the whole object is sent.
 */

/** An inclusive byte range within an object. */
export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** What a Range header asks of an object of a given size. */
export type RangeOutcome = { kind: "whole" } | { kind: "partial"; range: ByteRange } | { kind: "unsatisfiable" };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

/**
 * Resolve a `Range` header against an object of `size` bytes:
 * - absent, multi-range, another unit or malformed → `whole` (S3 ignores what it does not support);
 * - `bytes=a-b` → a..min(b, size-1); `bytes=a-` → a..size-1; `bytes=-n` → the last min(n, size) bytes;
 * - a first byte at or past the end, `bytes=-0`, or a suffix of an empty object → `unsatisfiable` (416 `InvalidRange`);
 * - `bytes=b-a` with `a < b` is syntactically invalid (RFC 9110 §14.1.1) and ignored.
 */
export function resolveRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined) return { kind: "whole" };
  const m = SINGLE.exec(header.trim());
  if (!m) return { kind: "whole" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    const n = Number(last);
    if (!Number.isSafeInteger(n)) return { kind: "whole" };
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { kind: "whole" };
  if (last !== "" && end < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", range: { start, end: Math.min(end, size - 1) } };
}

/** `bytes a-b/size`, the `Content-Range` of a 206 answer. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
