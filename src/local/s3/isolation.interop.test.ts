/**
 * The per-user folder pattern holds under a randomized workload: alice and bob, each with their own web identity
 * credentials, run a seeded random sequence of list / get / head / put / delete operations across both folders (and
 * the bucket's root). Nothing outside one's own folder ever succeeds; every such attempt is `AccessDenied`, and its
 * trace (GET /__local/trace/<requestId>) names the failing Resource or s3:prefix condition. Inside one's own folder
 * every operation succeeds and reads back what was written.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { CheckTrace, EvaluationTrace } from "../iam/trace";
import { BUCKET, fetchTrace, s3Failure, useS3Stack } from "./testing";

const stack = useS3Stack();
const USERS = ["alice", "bob"] as const;
type User = (typeof USERS)[number];
const clients = {} as Record<User, S3Client>;

beforeAll(async () => {
  for (const user of USERS) clients[user] = stack.client(await stack.credentials(user));
});

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20_260_807;
const OPERATIONS = 240;
const KINDS = ["list", "get", "head", "put", "delete"] as const;

function failedChecks(trace: EvaluationTrace): CheckTrace[] {
  return trace.policies.flatMap((p) => p.statements.flatMap((s) => s.checks.filter((c) => !c.ok)));
}

describe(`isolation: ${OPERATIONS} seeded random operations (seed ${SEED})`, () => {
  it("nothing outside one's own folder succeeds; each refusal is AccessDenied with a trace naming the failing check", async () => {
    const random = prng(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    // What each folder holds, as the test wrote it (the seeded welcome objects included).
    const model = new Map<string, string>();
    for (const user of USERS) model.set(`users/${user}/welcome.txt`, "(seeded)");
    const tally = { allowed: 0, denied: 0 };
    for (let i = 0; i < OPERATIONS; i++) {
      const actor = pick(USERS);
      const target = random() < 0.1 ? "root" : pick(USERS);
      const kind = pick(KINDS);
      const folder = target === "root" ? "" : `users/${target}/`;
      const key = `${folder}file-${Math.floor(random() * 4)}.txt`;
      const body = `op ${i} by ${actor}`;
      const client = clients[actor];
      const run = () => {
        switch (kind) {
          case "list":
            return client.send(new ListObjectsV2Command({ Bucket: BUCKET, ...(target === "root" ? {} : { Prefix: folder }) }));
          case "get":
            return client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
          case "head":
            return client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
          case "put":
            return client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
          case "delete":
            return client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        }
      };
      const step = `#${i} ${actor} ${kind} ${kind === "list" ? folder || "(bucket root)" : key}`;
      if (target === actor) {
        tally.allowed++;
        if ((kind === "get" || kind === "head") && !model.has(key)) {
          const missing = await s3Failure(run());
          expect([step, missing.status]).toEqual([step, 404]);
          continue;
        }
        const out = await run();
        if (kind === "put") model.set(key, body);
        if (kind === "delete") model.delete(key);
        if (kind === "get" && model.get(key) !== "(seeded)") {
          expect([step, await (out as { Body?: { transformToString(): Promise<string> } }).Body?.transformToString()]).toEqual([step, model.get(key)]);
        }
        if (kind === "list") {
          const listed = ((out as { Contents?: { Key?: string }[] }).Contents ?? []).map((c) => c.Key).sort();
          expect([step, listed]).toEqual([step, [...model.keys()].filter((k) => k.startsWith(folder)).sort()]);
        }
        continue;
      }
      tally.denied++;
      const f = await s3Failure(run());
      // A HEAD answer has no body, so the SDK cannot read the code there: only the status (and the trace) tell.
      expect([step, kind === "head" ? "AccessDenied" : f.name, f.status]).toEqual([step, "AccessDenied", 403]);
      const { status, body: answer } = await fetchTrace(stack.s3.url, f.requestId ?? "");
      expect([step, status, answer.service]).toEqual([step, 200, "s3"]);
      const trace = answer.trace as EvaluationTrace;
      expect([step, trace.decision]).toEqual([step, "ImplicitDeny"]);
      const failed = failedChecks(trace);
      if (kind === "list") {
        expect([step, trace.request.action, failed.some((c) => c.key === "s3:prefix" && c.resolved?.[0] === `users/${actor}/*`)]).toEqual([step, "s3:ListBucket", true]);
        expect([step, trace.summary]).toEqual([step, expect.stringContaining("s3:prefix")]);
      } else {
        const action = { get: "s3:GetObject", head: "s3:GetObject", put: "s3:PutObject", delete: "s3:DeleteObject" }[kind];
        expect([step, trace.request.action, trace.request.resource]).toEqual([step, action, `arn:aws:s3:::${BUCKET}/${key}`]);
        const resource = failed.find((c) => c.element === "Resource" && c.resolved?.includes(`arn:aws:s3:::${BUCKET}/users/${actor}/*`));
        expect([step, resource?.actual]).toEqual([step, [`arn:aws:s3:::${BUCKET}/${key}`]]);
      }
      // The refused write left the other folder untouched.
      if (kind === "put" || kind === "delete") {
        const owner = target === "root" ? undefined : clients[target];
        if (owner && model.has(key)) {
          const still = await owner.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
          if (model.get(key) !== "(seeded)") expect([step, await still.Body?.transformToString()]).toEqual([step, model.get(key)]);
        }
      }
    }
    expect(tally.allowed + tally.denied).toBe(OPERATIONS);
    expect(tally.denied).toBeGreaterThan(80);
    expect(tally.allowed).toBeGreaterThan(80);
  });
});
