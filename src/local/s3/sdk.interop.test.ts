/**
 * The local S3 against the official AWS SDK for JavaScript v3 (`@aws-sdk/client-s3`, `@aws-sdk/s3-request-presigner`)
 * with web identity credentials from the local STS: if the SDK signs requests we accept and parses our answers — and
 * we refuse what real S3 refuses, with its codes, statuses and fields — the stand-in is faithful on the app's paths.
 */
import { createHash, createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, fetchTrace, s3Failure, useS3Stack, type WebCredentials } from "./testing";

const stack = useS3Stack();
let alice: WebCredentials;
let client: S3Client;

beforeAll(async () => {
  alice = await stack.credentials("alice");
  client = stack.client(alice);
});

afterEach(() => {
  stack.clock.s3OffsetMs = 0;
  stack.clock.stsOffsetMs = 0;
});

const md5 = (text: string | Buffer) => createHash("md5").update(text).digest("hex");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text).digest();

describe("objects in one's own folder", () => {
  it("the seeded welcome object is listed and readable", async () => {
    const list = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/" }));
    expect(list.Contents?.map((c) => c.Key)).toContain("users/alice/welcome.txt");
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" }));
    expect(await got.Body?.transformToString()).toMatch(/^Hello Alice Example! .*\(users\/alice\/\)/);
    expect(got.ContentType).toBe("text/plain; charset=utf-8");
  });

  it("put → head → get (whole and Range) → delete, with metadata, ETag = quoted MD5, 206 + Content-Range", async () => {
    const key = "users/alice/notes/a b+c €.txt";
    const body = "0123456789abcdefghij";
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: "text/plain", Metadata: { purpose: "test" } }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect([head.ContentLength, head.ContentType, head.ETag, head.Metadata]).toEqual([20, "text/plain", `"${md5(body)}"`, { purpose: "test" }]);
    expect(head.LastModified?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const whole = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await whole.Body?.transformToString()).toBe(body);
    for (const [range, text, contentRange] of [
      ["bytes=0-4", "01234", "bytes 0-4/20"],
      ["bytes=15-", "fghij", "bytes 15-19/20"],
      ["bytes=-3", "hij", "bytes 17-19/20"],
    ] as const) {
      const part = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: range }));
      expect([part.$metadata.httpStatusCode, await part.Body?.transformToString(), part.ContentRange, part.ContentLength]).toEqual([206, text, contentRange, text.length]);
    }
    const beyond = await s3Failure(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: "bytes=20-" })));
    expect([beyond.name, beyond.status, beyond.message, beyond.fields.RangeRequested, beyond.fields.ActualObjectSize]).toEqual([
      "InvalidRange",
      416,
      "The requested range is not satisfiable",
      "bytes=20-",
      "20",
    ]);
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))).$metadata.httpStatusCode).toBe(204);
    const gone = await s3Failure(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })));
    expect([gone.name, gone.status, gone.message, gone.fields.Key]).toEqual(["NoSuchKey", 404, "The specified key does not exist.", key]);
    const headGone = await s3Failure(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })));
    expect([headGone.name, headGone.status]).toEqual(["NotFound", 404]);
  });

  it("list with a delimiter (CommonPrefixes) and page by page with MaxKeys and the continuation token", async () => {
    const keys = ["users/alice/list/a.txt", "users/alice/list/b.txt", "users/alice/list/sub/c.txt", "users/alice/list/sub/d.txt", "users/alice/list/z.txt"];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    const rolled = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/list/", Delimiter: "/" }));
    expect(rolled.Contents?.map((c) => c.Key)).toEqual(["users/alice/list/a.txt", "users/alice/list/b.txt", "users/alice/list/z.txt"]);
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["users/alice/list/sub/"]);
    expect([rolled.KeyCount, rolled.IsTruncated, rolled.Delimiter, rolled.Prefix]).toEqual([4, false, "/", "users/alice/list/"]);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/list/", MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token && pages < 10);
    expect([seen, pages]).toEqual([keys, 3]);
    const after = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/list/", StartAfter: "users/alice/list/sub/d.txt" }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(["users/alice/list/z.txt"]);
  });

  it("presigned GET and PUT URLs (X-Amz-Security-Token in the query) work with plain fetch", async () => {
    const key = "users/alice/presigned.txt";
    const putUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });
    expect(new URL(putUrl).searchParams.get("X-Amz-Security-Token")).toBe(alice.sessionToken);
    const put = await fetch(putUrl, { method: "PUT", body: "uploaded with a presigned URL" });
    expect([put.status, put.headers.get("etag")]).toEqual([200, `"${md5("uploaded with a presigned URL")}"`]);
    const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: key, ResponseContentDisposition: 'attachment; filename="p.txt"' }), { expiresIn: 300 });
    const got = await fetch(getUrl);
    expect([got.status, await got.text(), got.headers.get("content-disposition")]).toEqual([200, "uploaded with a presigned URL", 'attachment; filename="p.txt"']);
    const tampered = await fetch(getUrl.replace("presigned.txt", "welcome.txt"));
    expect([tampered.status, (await tampered.text()).match(/<Code>(\w+)<\/Code>/)?.[1]]).toEqual([403, "SignatureDoesNotMatch"]);
  });

  it("an expired presigned URL → AccessDenied 'Request has expired' with X-Amz-Expires, Expires, ServerTime", async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" }), { expiresIn: 60 });
    stack.clock.s3OffsetMs = 61_000;
    const response = await fetch(url);
    const xml = await response.text();
    expect(response.status).toBe(403);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message><X-Amz-Expires>60<\/X-Amz-Expires><Expires>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expires><ServerTime>[^<]+<\/ServerTime><RequestId>[0-9A-F]{16}<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/);
  });
});

describe("refusals, as S3 words them", () => {
  it("a wrong secret → SignatureDoesNotMatch with the fields real S3 returns, and the server's StringToSign/CanonicalRequest are what the SDK signed", async () => {
    const wrongSecret = "x".repeat(40);
    const bad = stack.client({ ...alice, secretAccessKey: wrongSecret });
    const f = await s3Failure(bad.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/" })));
    expect([f.name, f.status, f.message]).toEqual([
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    ]);
    const { AWSAccessKeyId, StringToSign, SignatureProvided, StringToSignBytes, CanonicalRequest, CanonicalRequestBytes } = f.fields as Record<string, string>;
    expect(AWSAccessKeyId).toBe(alice.accessKeyId);
    expect(StringToSignBytes).toBe([...Buffer.from(StringToSign ?? "")].map((b) => b.toString(16).padStart(2, "0")).join(" "));
    expect(CanonicalRequestBytes).toBe([...Buffer.from(CanonicalRequest ?? "")].map((b) => b.toString(16).padStart(2, "0")).join(" "));
    // The SDK's signature is the HMAC of *its* string to sign under the wrong secret: reproducing it from the server's
    // StringToSign proves they are the same text, and the server's CanonicalRequest hashes to its 4th line.
    const [, amzDate, scope, canonicalHash] = (StringToSign ?? "").split("\n");
    const [date, region, service] = (scope ?? "").split("/");
    const key = hmac(hmac(hmac(hmac(`AWS4${wrongSecret}`, date ?? ""), region ?? ""), service ?? ""), "aws4_request");
    expect(createHmac("sha256", key).update(StringToSign ?? "").digest("hex")).toBe(SignatureProvided);
    expect(sha256(CanonicalRequest ?? "")).toBe(canonicalHash);
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    expect(CanonicalRequest?.split("\n").slice(0, 3)).toEqual(["GET", `/${BUCKET}/`, "list-type=2&prefix=users%2Falice%2F"]);
  });

  it("S3's clock 20 minutes ahead → RequestTimeTooSkewed 403 with RequestTime, ServerTime, MaxAllowedSkewMilliseconds; the SDK corrects its clock and retries", async () => {
    stack.clock.s3OffsetMs = 20 * 60_000;
    // A client of its own: the SDK moves its clock offset after a skew error.
    const f = await s3Failure(stack.client(alice).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/" })));
    expect([f.name, f.status, f.message, f.fields.MaxAllowedSkewMilliseconds]).toEqual([
      "RequestTimeTooSkewed",
      403,
      "The difference between the request time and the current time is too large.",
      "900000",
    ]);
    expect(f.fields.RequestTime).toMatch(/^\d{8}T\d{6}Z$/);
    expect(f.fields.ServerTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const retrying = stack.client(alice, { maxAttempts: 3 });
    const list = await retrying.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/" }));
    expect(list.KeyCount).toBeGreaterThan(0);
  });

  it("credentials of an expired session → ExpiredToken 400 'The provided token has expired.'", async () => {
    stack.clock.stsOffsetMs = -20 * 60_000; // issued 20 min "ago" for 15 min: expired 5 min ago
    const old = await stack.credentials("alice", { durationSeconds: 900 });
    stack.clock.stsOffsetMs = 0;
    const f = await s3Failure(stack.client(old).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/alice/" })));
    expect([f.name, f.status, f.message, f.fields["Token-0"]]).toEqual(["ExpiredToken", 400, "The provided token has expired.", old.sessionToken]);
  });

  it("no session token → InvalidAccessKeyId 403; unknown bucket → NoSuchBucket 404", async () => {
    const f = await s3Failure(stack.client({ ...alice, sessionToken: "" }).send(new ListObjectsV2Command({ Bucket: BUCKET })));
    expect([f.name, f.status, f.message, f.fields.AWSAccessKeyId]).toEqual(["InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.", alice.accessKeyId]);
    const nb = await s3Failure(client.send(new ListObjectsV2Command({ Bucket: "no-such-bucket-here", Prefix: "users/alice/" })));
    expect([nb.name, nb.status, nb.message, nb.fields.BucketName]).toEqual(["NoSuchBucket", 404, "The specified bucket does not exist", "no-such-bucket-here"]);
  });

  it("another user's folder → AccessDenied 403 'Access Denied', and its trace names the failing Resource / s3:prefix condition", async () => {
    const get = await s3Failure(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/bob/welcome.txt" })));
    expect([get.name, get.status, get.message]).toEqual(["AccessDenied", 403, "Access Denied"]);
    const trace = await fetchTrace(stack.s3.url, get.requestId ?? "");
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ requestId: get.requestId, service: "s3", trace: { decision: "ImplicitDeny", request: { action: "s3:GetObject", resource: `arn:aws:s3:::${BUCKET}/users/bob/welcome.txt` } } });
    expect(JSON.stringify(trace.body.trace)).toContain(`arn:aws:s3:::${BUCKET}/users/alice/*`);
    const list = await s3Failure(client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/bob/" })));
    const listTrace = await fetchTrace(stack.s3.url, list.requestId ?? "");
    expect((listTrace.body.trace as { summary: string }).summary).toMatch(/StringLike s3:prefix = users\/alice\/\* \(users\/\$\{[\d.:]+:sub\}\/\*\) is not met \(got users\/bob\/\)/);
    expect((await fetchTrace(stack.s3.url, "0000000000000000")).status).toBe(404);
  });

  it("a body changed after signing → XAmzContentSHA256Mismatch; a wrong Content-MD5 → BadDigest; nothing stored", async () => {
    const key = "users/alice/digest.txt";
    const tamper = stack.client(alice, { requestChecksumCalculation: "WHEN_REQUIRED" });
    tamper.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: unknown }).body = "tampered!";
        return next(args);
      },
      { step: "deserialize", name: "tamper" },
    );
    const f = await s3Failure(tamper.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "original!" })));
    expect([f.name, f.status, f.fields.ClientComputedContentSHA256, f.fields.S3ComputedContentSHA256]).toEqual([
      "XAmzContentSHA256Mismatch",
      400,
      sha256("original!"),
      sha256("tampered!"),
    ]);
    const md5Wrong = await s3Failure(
      stack.client(alice, { requestChecksumCalculation: "WHEN_REQUIRED" }).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "abc", ContentMD5: Buffer.from(md5("abd"), "hex").toString("base64") })),
    );
    expect([md5Wrong.name, md5Wrong.status, md5Wrong.message]).toEqual(["BadDigest", 400, "The Content-MD5 you specified did not match what we received."]);
    expect((await s3Failure(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).status).toBe(404);
  });

  it("a PUT above s3.maxObjectBytes → EntityTooLarge 400 with ProposedSize and MaxSizeAllowed, before the body is read", async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: BUCKET, Key: "users/alice/huge.bin" }), { expiresIn: 60 });
    const proposed = stack.config.s3.maxObjectBytes + 1;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: "PUT", headers: { "Content-Length": String(proposed) } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.flushHeaders(); // headers only: the server must answer without waiting for 10 MiB
    });
    expect(status).toBe(400);
    expect(body).toContain(`<Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>${proposed}</ProposedSize><MaxSizeAllowed>${stack.config.s3.maxObjectBytes}</MaxSizeAllowed>`);
  });
});

describe("CORS for the app's origins", () => {
  it("a preflight from the app is answered like a bucket with a CORS rule; actual answers and errors expose the headers", async () => {
    const preflight = await fetch(`${stack.s3.url}/${BUCKET}/users/alice/x.txt`, {
      method: "OPTIONS",
      headers: { Origin: "http://127.0.0.1:5173", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-content-sha256,x-amz-security-token,content-type" },
    });
    expect(preflight.status).toBe(200);
    expect(Object.fromEntries([...preflight.headers].filter(([n]) => n.startsWith("access-control-")))).toEqual({
      "access-control-allow-origin": "http://127.0.0.1:5173",
      "access-control-allow-methods": "GET, PUT, HEAD, DELETE, POST",
      "access-control-allow-headers": "authorization,x-amz-date,x-amz-content-sha256,x-amz-security-token,content-type",
      "access-control-expose-headers": "Date, ETag, x-amz-request-id, x-amz-id-2, x-amz-version-id, Content-Range, Content-Length",
      "access-control-max-age": "3000",
      "access-control-allow-credentials": "true",
    });
    const foreign = await fetch(`${stack.s3.url}/${BUCKET}/users/alice/x.txt`, { method: "OPTIONS", headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "GET" } });
    expect([foreign.status, foreign.headers.get("access-control-allow-origin"), (await foreign.text()).includes("<Code>AccessForbidden</Code>")]).toEqual([403, null, true]);
    const denied = await fetch(`${stack.s3.url}/${BUCKET}/users/alice/x.txt`, { headers: { Origin: "http://localhost:5173" } });
    expect([denied.status, denied.headers.get("access-control-allow-origin"), denied.headers.get("access-control-expose-headers")]).toEqual([
      403,
      "http://localhost:5173",
      "Date, ETag, x-amz-request-id, x-amz-id-2, x-amz-version-id, Content-Range, Content-Length",
    ]);
    const requestId = denied.headers.get("x-amz-request-id") ?? "";
    const trace = await fetch(`${stack.s3.url}/__local/trace/${requestId}`, { headers: { Origin: "http://localhost:5173" } });
    expect([trace.status, trace.headers.get("access-control-allow-origin"), trace.headers.get("access-control-allow-credentials")]).toEqual([200, "http://localhost:5173", null]);
    expect(((await trace.json()) as { trace: { summary: string } }).trace.summary).toMatch(/no policies/);
    const traceFromElsewhere = await fetch(`${stack.s3.url}/__local/trace/${requestId}`, { headers: { Origin: "http://evil.example" } });
    expect([traceFromElsewhere.status, traceFromElsewhere.headers.get("access-control-allow-origin")]).toEqual([403, null]);
  });

  it("the STS serves the trace of a trust-policy refusal under its request id", async () => {
    const f = await s3Failure(stack.credentials("bob", { roleArn: "arn:aws:iam::123456789012:role/demo/AliceOnly" }));
    expect(f.name).toBe("AccessDenied");
    const trace = await fetchTrace(stack.sts.url, f.requestId ?? "");
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ service: "sts", trace: { decision: "ImplicitDeny" } });
    expect(JSON.stringify(trace.body.trace)).toMatch(/:sub = alice ✗ got bob/);
  });
});
