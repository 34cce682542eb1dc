/**
 * Durability of the local S3's atomic writes: the S3 stand-in runs in a child process that is killed (SIGKILL) while
 * large streaming PUTs are half-received — one replacing an existing object, one creating a new key. After a restart
 * on the same data folder the old object is intact (byte for byte), the new key does not exist, no temporary file is
 * left, and a completed PUT survives a further kill and restart.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { request as httpRequest, type ClientRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../config";
import { createSessionStore } from "../sts/sessions";
import { s3Failure } from "./testing";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BUCKET = "web-identity-console-demo";
const KEY = randomBytes(32);
const dataDir = mkdtempSync(join(tmpdir(), "wic-s3-durability-"));
const children = new Set<ChildProcessWithoutNullStreams>();

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Start the stand-in in a child process; resolves with its URL once it listens (bounded: 20 s). */
async function startChild(): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/local/s3/standalone.ts"], {
    cwd: REPO,
    env: { ...process.env, WIC_S3_SESSION_KEY: KEY.toString("hex"), WIC_S3_DATA_DIR: dataDir },
  });
  children.add(child);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the S3 child did not start in 20 s: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`the S3 child exited (${code}): ${stderr}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

async function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
  children.delete(child);
}

/** Alice's credentials for the stack.json role (its policy variable is the default issuer's `127.0.0.1:9400:sub`). */
function aliceCredentials() {
  const config = loadStackConfig();
  const role = config.roles.find((r) => r.name === "WebIdentityConsoleUser");
  if (!role) throw new Error("no WebIdentityConsoleUser role");
  return createSessionStore(KEY).issue(
    {
      account: config.account,
      assumedRoleArn: `arn:aws:sts::${config.account}:assumed-role/${role.name}/alice`,
      assumedRoleId: "AROAEXAMPLEDURABILITY:alice",
      roleArn: `arn:aws:iam::${config.account}:role/${role.name}`,
      roleName: role.name,
      roleSessionName: "alice",
      webIdentity: {
        federatedProvider: `arn:aws:iam::${config.account}:oidc-provider/127.0.0.1:9400`,
        providerName: "127.0.0.1:9400",
        sub: "alice",
        aud: "web-identity-console",
        keys: { "127.0.0.1:9400:sub": "alice", "127.0.0.1:9400:aud": "web-identity-console" },
      },
    },
    Date.now() + 3600_000,
  );
}

const client = (url: string) => new S3Client({ region: "us-east-1", endpoint: url, forcePathStyle: true, credentials: aliceCredentials(), maxAttempts: 1 });
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

async function read(url: string, key: string): Promise<Buffer> {
  const out = await client(url).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
}

/** Begin a PUT of `size` bytes through a presigned URL and send only `sent` of them; the request stays open. */
async function halfPut(url: string, key: string, size: number, sent: number): Promise<ClientRequest> {
  const presigned = await getSignedUrl(client(url), new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });
  const req = httpRequest(presigned, { method: "PUT", headers: { "Content-Length": String(size) } });
  req.on("error", () => {}); // the server dies under it
  req.write(Buffer.alloc(sent, 0x42));
  return req;
}

/** Wait (bounded: 10 s) until the bucket folder holds `count` temporary files of at least `bytes` bytes each. */
async function tempFilesReach(count: number, bytes: number): Promise<void> {
  const dir = join(dataDir, BUCKET);
  for (let i = 0; i < 200; i++) {
    const temps = readdirSync(dir).filter((n) => n.startsWith(".tmp-"));
    if (temps.length >= count && temps.every((n) => statSync(join(dir, n)).size >= bytes)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${count} temporary files of ${bytes} bytes appeared`);
}

describe("atomic writes survive a crash", () => {
  it("killed mid-PUT: the old object stays whole, a new key does not appear, no temporary file remains; a completed PUT survives", async () => {
    const first = await startChild();
    const original = randomBytes(1024 * 1024);
    await client(first.url).send(new PutObjectCommand({ Bucket: BUCKET, Key: "users/alice/big.bin", Body: original }));
    const size = 8 * 1024 * 1024;
    const over = await halfPut(first.url, "users/alice/big.bin", size, 3 * 1024 * 1024);
    const fresh = await halfPut(first.url, "users/alice/new.bin", size, 3 * 1024 * 1024);
    await tempFilesReach(2, 2 * 1024 * 1024);
    await kill(first.child);
    over.destroy();
    fresh.destroy();

    const second = await startChild();
    expect(readdirSync(join(dataDir, BUCKET)).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
    const after = await read(second.url, "users/alice/big.bin");
    expect([after.length, md5(after)]).toEqual([original.length, md5(original)]);
    const missing = await s3Failure(client(second.url).send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/new.bin" })));
    expect([missing.name, missing.status]).toEqual(["NoSuchKey", 404]);
    expect((await read(second.url, "users/alice/welcome.txt")).toString()).toMatch(/^Hello Alice Example!/);

    const replacement = randomBytes(2 * 1024 * 1024);
    await client(second.url).send(new PutObjectCommand({ Bucket: BUCKET, Key: "users/alice/big.bin", Body: replacement }));
    await kill(second.child);
    const third = await startChild();
    const survived = await read(third.url, "users/alice/big.bin");
    expect([survived.length, md5(survived)]).toEqual([replacement.length, md5(replacement)]);
    await kill(third.child);
  }, 60_000);
});
