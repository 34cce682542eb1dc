import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterEach, describe, expect, it } from "vitest";
import { S3Fault } from "./errors";
import { compareKeys, keyToFileName, openObjectStore, pendingTempFiles, type OpenedObject, type PutOptions } from "./storage";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wic-s3-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The text of an opened object (fails the test when it does not exist). */
async function read(opened: OpenedObject | undefined, range?: { start: number; end: number }): Promise<string> {
  if (!opened) throw new Error("no such object");
  return text(opened.stream(range));
}

const PUT: PutOptions = { contentType: "text/plain", userMetadata: { a: "1" }, headers: {}, maxBytes: 1000, now: Date.UTC(2024, 0, 1, 0, 0, 0, 999) };

describe("key → file name", () => {
  it("only a-z 0-9 _ - and %xx escapes (lower-case hex) plus .obj: no path separators, dots or upper case", () => {
    for (const key of ["../../etc/passwd", "users/alice/notes.txt", "A/a", "..", ".", "a\\b", "€ x", "%2e%2E", "CON", "x".repeat(10)]) {
      const name = keyToFileName(key);
      expect(name).toMatch(/^(?:[a-z0-9_%-]+|~[0-9a-f]{64})\.obj$/);
      expect(name.slice(0, -4)).not.toContain(".");
    }
    expect(keyToFileName("users/alice/a.txt")).toBe("users%2falice%2fa%2etxt.obj");
    expect(keyToFileName("A")).not.toBe(keyToFileName("a"));
    expect(keyToFileName("%41")).not.toBe(keyToFileName("A"));
  });

  it("long keys become a hash (file names stay under 255 bytes); distinct keys, distinct names", () => {
    const long = "k/".repeat(400);
    expect(keyToFileName(long)).toMatch(/^~[0-9a-f]{64}\.obj$/);
    expect(keyToFileName(long)).not.toBe(keyToFileName(`${long}x`));
    const names = new Set(["a", "A", "a.", "a%", "a/", "a%2f", "é", "e\u0301"].map(keyToFileName));
    expect(names.size).toBe(8);
  });

  it("keys sort by UTF-8 bytes, as S3 lists them", () => {
    expect(["é", "z", "Z", "a"].sort(compareKeys)).toEqual(["Z", "a", "z", "é"]);
  });
});

describe("object store", () => {
  it("put, head, open with a range, list, survive a reopen, delete", async () => {
    const dir = tempDir();
    const store = await openObjectStore(dir, ["b"]);
    const meta = await store.put("b", "users/alice/x.txt", [Buffer.from("hello "), Buffer.from("world")], PUT);
    expect(meta).toMatchObject({ size: 11, etag: '"5eb63bbbe01eeed093cb22bb8f5acdc3"', lastModified: Date.UTC(2024, 0, 1), userMetadata: { a: "1" } });
    const opened = await store.open("b", "users/alice/x.txt");
    expect(await read(opened, { start: 6, end: 10 })).toBe("world");
    const again = await openObjectStore(dir, ["b"]);
    expect(again.list("b").map((m) => m.key)).toEqual(["users/alice/x.txt"]);
    expect(again.head("b", "users/alice/x.txt")).toEqual(meta);
    await again.delete("b", "users/alice/x.txt");
    await again.delete("b", "users/alice/x.txt");
    expect(await again.open("b", "users/alice/x.txt")).toBeUndefined();
    expect(readdirSync(join(dir, "b"))).toEqual([]);
  });

  it("a body over the limit, a refused digest or a failing stream store nothing and keep the old object", async () => {
    const dir = tempDir();
    const store = await openObjectStore(dir, ["b"]);
    await store.put("b", "k", [Buffer.from("old")], PUT);
    await expect(store.put("b", "k", [Buffer.alloc(600), Buffer.alloc(600)], PUT)).rejects.toMatchObject({
      code: "EntityTooLarge",
      fields: [["ProposedSize", "1200"], ["MaxSizeAllowed", "1000"]],
    });
    await expect(store.put("b", "k", [Buffer.from("new")], { ...PUT, verify: () => { throw new S3Fault("BadDigest", 400, "no"); } })).rejects.toMatchObject({ code: "BadDigest" });
    async function* broken(): AsyncIterable<Uint8Array> {
      yield Buffer.from("partial");
      throw new Error("connection reset");
    }
    await expect(store.put("b", "k", broken(), PUT)).rejects.toThrow("connection reset");
    expect(await read(await store.open("b", "k"))).toBe("old");
    expect(await pendingTempFiles(dir, "b")).toEqual([]);
  });

  it("stale temporary files and foreign files are cleaned or ignored at open", async () => {
    const dir = tempDir();
    const store = await openObjectStore(dir, ["b"]);
    await store.put("b", "k", [Buffer.from("v")], PUT);
    writeFileSync(join(dir, "b", ".tmp-0123"), "half an object");
    writeFileSync(join(dir, "b", "junk.obj"), "not an object");
    const warnings: string[] = [];
    const reopened = await openObjectStore(dir, ["b"], (m) => warnings.push(m));
    expect(await pendingTempFiles(dir, "b")).toEqual([]);
    expect(reopened.list("b").map((m) => m.key)).toEqual(["k"]);
    expect(warnings).toHaveLength(1);
  });
});
