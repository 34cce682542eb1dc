/** Test helpers for the STS checks: catch the StsFault a check throws (anything else is rethrown). */
import { StsFault } from "./faults";

/** The StsFault `fn` throws; fails the test when it throws nothing or something else. */
export function thrownFault(fn: () => unknown): StsFault {
  try {
    fn();
  } catch (e) {
    if (e instanceof StsFault) return e;
    throw e;
  }
  throw new Error("expected an StsFault");
}

/** `[code, status, message]` of the StsFault `fn` throws. */
export function thrownFaultTriple(fn: () => unknown): [string, number, string] {
  const f = thrownFault(fn);
  return [f.code, f.status, f.message];
}

/** `[code, status, message]` of the StsFault `p` rejects with. */
export async function rejectedFaultTriple(p: Promise<unknown>): Promise<[string, number, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StsFault) return [e.code, e.status, e.message];
    throw e;
  }
  throw new Error("expected an StsFault");
}
