/**
 * Object storage of the local S3 stand-in: one file per object under `<dataDir>/<bucket>/`, holding the object's
 * bytes followed by its metadata (a JSON trailer, its length and a magic tag), so an object and its metadata change
 * together with one `rename`. Writes are atomic: the body streams into a temporary file in the same folder, which is
 * fsynced and renamed over the object's file (then the folder is fsynced) — a crash mid-write leaves the old object
 * or none, never a partial one; stale temporary files are removed at start. Keys map to file names that cannot
 * escape the folder ({@link keyToFileName}). An in-memory index (loaded at start) answers listings.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { S3Fault, S3_MESSAGES } from "./errors";

/** What the stand-in keeps about an object besides its bytes. */
export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted hex MD5 of the bytes, e.g. `"d41d8cd98f00b204e9800998ecf8427e"` (a single-part upload's ETag). */
  etag: string;
  /** ms since the epoch, whole seconds (S3's `Last-Modified` resolution). */
  lastModified: number;
  contentType: string;
  /** `x-amz-meta-*` headers, names lower-case without the prefix. */
  userMetadata: Record<string, string>;
  /** Stored representation headers sent with the PUT (`Cache-Control`, `Content-Disposition`, …), lower-case names. */
  headers: Record<string, string>;
}

/** An object opened for reading: its metadata and a stream of (part of) its bytes. */
export interface OpenedObject {
  meta: ObjectMeta;
  /** Stream bytes `start..end` (inclusive; default the whole object). Call once; closes the file when done. */
  stream(range?: { start: number; end: number }): Readable;
  /** Close without streaming. */
  close(): Promise<void>;
}

/** The digests of a received body, for the caller's checks before the object replaces the old one. */
export interface BodyDigests {
  size: number;
  md5: Buffer;
  sha256Hex: string;
  sha1: Buffer;
}

/** What a PUT stores besides the body. */
export interface PutOptions {
  contentType: string;
  userMetadata: Record<string, string>;
  headers: Record<string, string>;
  /** The largest body accepted. @throws S3Fault `EntityTooLarge` while streaming when exceeded (nothing is stored). */
  maxBytes: number;
  /** Called with the digests once the body is complete, before it is committed: throw to refuse it. */
  verify?: (digests: BodyDigests) => void;
  /** The object's time, ms (default now). */
  now?: number;
}

/** The local S3's objects. */
export interface ObjectStore {
  readonly dataDir: string;
  readonly buckets: readonly string[];
  hasBucket(bucket: string): boolean;
  /** Every object of a bucket, sorted by key (UTF-8 byte order, as S3 lists). */
  list(bucket: string): ObjectMeta[];
  head(bucket: string, key: string): ObjectMeta | undefined;
  /** Open an object for reading; undefined when it does not exist. */
  open(bucket: string, key: string): Promise<OpenedObject | undefined>;
  /** Store a body (atomically) under `key`, replacing any object there. */
  put(bucket: string, key: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: PutOptions): Promise<ObjectMeta>;
  /** Remove an object (nothing happens when there is none). */
  delete(bucket: string, key: string): Promise<void>;
}

const MAGIC = Buffer.from("WICS3v1\n", "latin1");
const TRAILER_LEN_BYTES = 4;
const TEMP_PREFIX = ".tmp-";
const OBJECT_SUFFIX = ".obj";
/** Longest encoded key kept readable in a file name (file names are at most 255 bytes). */
const MAX_READABLE_NAME = 200;

/**
 * The file name of an object key: every byte of the key's UTF-8 outside `a-z 0-9 _ -` as `%xx` (lower-case hex, so
 * names are unique on case-insensitive file systems too, and `.`, `/` and `\` never appear), plus `.obj`; keys whose
 * encoding is longer than 200 characters become `~<sha256 hex>.obj` (the key itself is in the file's trailer).
 */
export function keyToFileName(key: string): string {
  let encoded = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const safe = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2d;
    encoded += safe ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, "0")}`;
  }
  if (encoded.length > MAX_READABLE_NAME) return `~${createHash("sha256").update(key, "utf8").digest("hex")}${OBJECT_SUFFIX}`;
  return `${encoded}${OBJECT_SUFFIX}`;
}

/** Compare keys as S3 orders them: by UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function isMeta(v: unknown): v is ObjectMeta {
  const m = v as ObjectMeta;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.key === "string" &&
    typeof m.size === "number" &&
    typeof m.etag === "string" &&
    typeof m.lastModified === "number" &&
    typeof m.contentType === "string" &&
    typeof m.userMetadata === "object" &&
    typeof m.headers === "object"
  );
}

/** Read the metadata trailer of an open object file; undefined when the file is not a complete object. */
async function readTrailer(handle: FileHandle): Promise<ObjectMeta | undefined> {
  const { size } = await handle.stat();
  const tail = MAGIC.length + TRAILER_LEN_BYTES;
  if (size < tail) return undefined;
  const end = Buffer.alloc(tail);
  await handle.read(end, 0, tail, size - tail);
  if (!end.subarray(TRAILER_LEN_BYTES).equals(MAGIC)) return undefined;
  const jsonLength = end.readUInt32BE(0);
  if (jsonLength > size - tail) return undefined;
  const json = Buffer.alloc(jsonLength);
  await handle.read(json, 0, jsonLength, size - tail - jsonLength);
  try {
    const meta: unknown = JSON.parse(json.toString("utf8"));
    return isMeta(meta) && meta.size === size - tail - jsonLength ? meta : undefined;
  } catch {
    return undefined;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Open (creating folders as needed) the store under `dataDir` for `buckets`: removes stale temporary files left by
 * an interrupted write, and indexes every complete object (unreadable files are reported through `warn` and ignored).
 */
export async function openObjectStore(dataDir: string, buckets: readonly string[], warn: (message: string) => void = () => {}): Promise<ObjectStore> {
  const index = new Map<string, Map<string, ObjectMeta>>();
  for (const bucket of buckets) {
    const dir = join(dataDir, bucket);
    mkdirSync(dir, { recursive: true });
    const objects = new Map<string, ObjectMeta>();
    for (const name of readdirSync(dir)) {
      if (name.startsWith(TEMP_PREFIX)) {
        unlinkSync(join(dir, name));
        continue;
      }
      if (!name.endsWith(OBJECT_SUFFIX)) continue;
      const handle = await open(join(dir, name), "r");
      try {
        const meta = await readTrailer(handle);
        if (meta && keyToFileName(meta.key) === name) objects.set(meta.key, meta);
        else warn(`local S3: ignoring ${join(dir, name)} (not a complete object of this store)`);
      } finally {
        await handle.close();
      }
    }
    index.set(bucket, objects);
  }

  // One commit (rename or unlink, then the index) at a time per object, so the index follows the file's last change.
  const locks = new Map<string, Promise<void>>();
  async function serialized<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = locks.get(id) ?? Promise.resolve();
    const run = before.then(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    locks.set(id, settled);
    try {
      return await run;
    } finally {
      if (locks.get(id) === settled) locks.delete(id);
    }
  }

  function objects(bucket: string): Map<string, ObjectMeta> {
    const map = index.get(bucket);
    if (!map) throw new Error(`local S3: no bucket ${bucket}`);
    return map;
  }

  return {
    dataDir,
    buckets: [...buckets],
    hasBucket: (bucket) => index.has(bucket),
    list: (bucket) => [...objects(bucket).values()].sort((a, b) => compareKeys(a.key, b.key)),
    head: (bucket, key) => objects(bucket).get(key),

    async open(bucket, key) {
      objects(bucket);
      let handle: FileHandle;
      try {
        handle = await open(join(dataDir, bucket, keyToFileName(key)), "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
      const meta = await readTrailer(handle);
      if (!meta || meta.key !== key) {
        await handle.close();
        return undefined;
      }
      return {
        meta,
        stream(range) {
          if (meta.size === 0) {
            void handle.close();
            return Readable.from([]);
          }
          return handle.createReadStream({ start: range?.start ?? 0, end: range?.end ?? meta.size - 1, autoClose: true });
        },
        close: () => handle.close(),
      };
    },

    async put(bucket, key, body, opts) {
      const dir = join(dataDir, bucket);
      objects(bucket);
      const temp = join(dir, `${TEMP_PREFIX}${randomBytes(12).toString("hex")}`);
      const handle = await open(temp, "wx", 0o600);
      let committed = false;
      try {
        const md5 = createHash("md5");
        const sha256 = createHash("sha256");
        const sha1 = createHash("sha1");
        let size = 0;
        for await (const chunk of body) {
          size += chunk.length;
          if (size > opts.maxBytes) {
            throw new S3Fault("EntityTooLarge", 400, S3_MESSAGES.entityTooLarge, [
              ["ProposedSize", String(size)],
              ["MaxSizeAllowed", String(opts.maxBytes)],
            ]);
          }
          md5.update(chunk);
          sha256.update(chunk);
          sha1.update(chunk);
          await handle.write(chunk);
        }
        const digests: BodyDigests = { size, md5: md5.digest(), sha256Hex: sha256.digest("hex"), sha1: sha1.digest() };
        opts.verify?.(digests);
        const meta: ObjectMeta = {
          key,
          size,
          etag: `"${digests.md5.toString("hex")}"`,
          lastModified: Math.floor((opts.now ?? Date.now()) / 1000) * 1000,
          contentType: opts.contentType,
          userMetadata: opts.userMetadata,
          headers: opts.headers,
        };
        const json = Buffer.from(JSON.stringify(meta), "utf8");
        const length = Buffer.alloc(TRAILER_LEN_BYTES);
        length.writeUInt32BE(json.length, 0);
        await handle.write(Buffer.concat([json, length, MAGIC]));
        await handle.sync();
        await handle.close();
        await serialized(`${bucket}/${key}`, async () => {
          await rename(temp, join(dir, keyToFileName(key)));
          committed = true;
          await fsyncDir(dir);
          objects(bucket).set(key, meta);
        });
        return meta;
      } finally {
        if (!committed) {
          await handle.close().catch(() => {});
          await unlink(temp).catch(() => {});
        }
      }
    },

    async delete(bucket, key) {
      const dir = join(dataDir, bucket);
      objects(bucket);
      await serialized(`${bucket}/${key}`, async () => {
        try {
          await unlink(join(dir, keyToFileName(key)));
          await fsyncDir(dir);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
        objects(bucket).delete(key);
      });
    },
  };
}

/** The temporary files of interrupted writes still present in a bucket folder (for tests and diagnostics). */
export async function pendingTempFiles(dataDir: string, bucket: string): Promise<string[]> {
  return (await readdir(join(dataDir, bucket))).filter((name) => name.startsWith(TEMP_PREFIX));
}
