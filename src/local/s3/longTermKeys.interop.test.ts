/**
 * The local S3 with the IAM users' and the root's long-term `AKIA…` keys (stack.json `iamUsers`, `root`) against the
 * official `@aws-sdk/client-s3` / `@aws-sdk/s3-request-presigner`: header SigV4 (the body's hash or
 * `UNSIGNED-PAYLOAD`) and presigned URLs are accepted without a session token; the user's own policies decide, with
 * `${aws:username}` filled in; refusals carry a trace and an encoded message STS decodes; an unknown or inactive key,
 * a wrong secret, and a long-term key sent with a session token get S3's errors.
 */
import { createHmac } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DecodeAuthorizationMessageCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { BUCKET, keysFrom, OPERATOR_ARN, sdkFailure, useIamStack, type Keys } from "../sts/iamTesting";
import { fetchTrace, s3Failure } from "./testing";

const stack = useIamStack();
const operator = () => stack.keysOf("operator");
const guest = () => stack.keysOf("guest");
const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text).digest();

/** A client whose requests carry `x-amz-content-sha256: UNSIGNED-PAYLOAD` (set before signing, so it is signed). */
function unsignedPayloadClient(keys: Keys): S3Client {
  const client = stack.s3Client(keys);
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      return next(args);
    },
    { step: "build", name: "unsignedPayload" },
  );
  return client;
}

describe("operator's long-term key (its policies: read the bucket, write and delete under iam/${aws:username}/)", () => {
  it("put → head → get → list → delete in iam/operator/, and reads anyone's folder", async () => {
    const s3 = stack.s3Client(operator());
    const key = "iam/operator/notes.txt";
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "written with an AKIA key", ContentType: "text/plain" }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength).toBe(24);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()).toBe("written with an AKIA key");
    const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "iam/operator/" }));
    expect(list.Contents?.map((c) => c.Key)).toEqual([key]);
    expect((await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))).$metadata.httpStatusCode).toBe(204);
    expect((await s3Failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })))).name).toBe("NoSuchKey");
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" }))).Body?.transformToString()).toContain("Hello Alice Example!");
  });

  it("header SigV4 with UNSIGNED-PAYLOAD is accepted (and the condition key s3:x-amz-content-sha256 says so)", async () => {
    const s3 = unsignedPayloadClient(operator());
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "iam/operator/unsigned.txt", Body: "unsigned body" }));
    expect(await (await stack.s3Client(operator()).send(new GetObjectCommand({ Bucket: BUCKET, Key: "iam/operator/unsigned.txt" }))).Body?.transformToString()).toBe("unsigned body");
    const refused = await s3Failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "iam/guest/x.txt", Body: "x" })));
    const trace = await fetchTrace(stack.s3.url, refused.requestId ?? "");
    expect((trace.body.trace as { request: { keys: Record<string, string[]> } }).request.keys["s3:x-amz-content-sha256"]).toEqual(["UNSIGNED-PAYLOAD"]);
  });

  it("a presigned GET (and PUT) with the AKIA key works with plain fetch; no X-Amz-Security-Token in the URL", async () => {
    const s3 = stack.s3Client(operator());
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: "iam/operator/presigned.txt" }), { expiresIn: 300 });
    expect((await fetch(putUrl, { method: "PUT", body: "via a presigned URL" })).status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: "iam/operator/presigned.txt" }), { expiresIn: 300 });
    const params = new URL(getUrl).searchParams;
    expect([params.get("X-Amz-Credential")?.split("/")[0], params.has("X-Amz-Security-Token")]).toEqual([operator().accessKeyId, false]);
    const got = await fetch(getUrl);
    expect([got.status, await got.text()]).toEqual([200, "via a presigned URL"]);
  });

  it("outside its own folder → AccessDenied; the trace shows ${aws:username} filled in, and STS decodes the encoded message", async () => {
    const f = await s3Failure(stack.s3Client(operator()).send(new PutObjectCommand({ Bucket: BUCKET, Key: "users/alice/intruder.txt", Body: "x" })));
    expect([f.name, f.status, f.message]).toEqual(["AccessDenied", 403, "Access Denied"]);
    const trace = await fetchTrace(stack.s3.url, f.requestId ?? "");
    expect(trace.body).toMatchObject({ service: "s3", trace: { decision: "ImplicitDeny", request: { action: "s3:PutObject", resource: `arn:aws:s3:::${BUCKET}/users/alice/intruder.txt` } } });
    expect(JSON.stringify(trace.body.trace)).toContain(`arn:aws:s3:::${BUCKET}/iam/operator/*`);
    const decoded = await stack.stsClient(operator()).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: String(trace.body.encodedAuthorizationMessage) }));
    const message = JSON.parse(decoded.DecodedMessage ?? "{}") as { allowed: boolean; context: { principal: { name?: string; arn: string }; action: string } };
    expect([message.allowed, message.context.principal.name, message.context.principal.arn, message.context.action]).toEqual([false, "operator", OPERATOR_ARN, "s3:PutObject"]);
  });
});

describe("guest's long-term key (no policies)", () => {
  it("every call is AccessDenied, with the trace saying there are no policies", async () => {
    const s3 = stack.s3Client(guest());
    for (const call of [
      () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" })),
      () => s3.send(new ListObjectsV2Command({ Bucket: BUCKET })),
      () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "iam/guest/x.txt", Body: "x" })),
    ]) {
      const f = await s3Failure(call());
      expect([f.name, f.status, f.message]).toEqual(["AccessDenied", 403, "Access Denied"]);
      expect(((await fetchTrace(stack.s3.url, f.requestId ?? "")).body.trace as { summary: string }).summary).toMatch(/there are no policies to allow it\.$/);
    }
    const presigned = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" }), { expiresIn: 60 }));
    expect([presigned.status, (await presigned.text()).match(/<Code>(\w+)<\/Code>/)?.[1]]).toEqual([403, "AccessDenied"]);
  });
});

describe("the root's long-term key", () => {
  it("may do everything in its own account's bucket and list the buckets", async () => {
    const s3 = stack.s3Client(stack.keysOf("root"));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "users/bob/from-root.txt", Body: "root was here" }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/bob/from-root.txt" }))).Body?.transformToString()).toBe("root was here");
    expect((await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "users/bob/from-root.txt" }))).$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([BUCKET]);
  });
});

describe("refusals of long-term keys, as S3 words them", () => {
  it("a wrong secret → SignatureDoesNotMatch naming the AKIA key; its StringToSign is what the SDK signed", async () => {
    const wrong = "w".repeat(40);
    const f = await s3Failure(stack.s3Client({ ...operator(), secretAccessKey: wrong }).send(new ListObjectsV2Command({ Bucket: BUCKET })));
    expect([f.name, f.status, f.message, f.fields.AWSAccessKeyId]).toEqual([
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      operator().accessKeyId,
    ]);
    const stringToSign = String(f.fields.StringToSign);
    const [date, region, service] = (stringToSign.split("\n")[2] ?? "").split("/");
    const key = hmac(hmac(hmac(hmac(`AWS4${wrong}`, date ?? ""), region ?? ""), service ?? ""), "aws4_request");
    expect(createHmac("sha256", key).update(stringToSign).digest("hex")).toBe(f.fields.SignatureProvided);
  });

  it("an unknown AKIA key → InvalidAccessKeyId 403 'The AWS Access Key Id you provided does not exist in our records.'", async () => {
    const f = await s3Failure(stack.s3Client({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x".repeat(40) }).send(new ListObjectsV2Command({ Bucket: BUCKET })));
    expect([f.name, f.status, f.message, f.fields.AWSAccessKeyId]).toEqual(["InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.", "AKIAIOSFODNN7EXAMPLE"]);
  });

  it("an AKIA key sent with a session token (a real one of the same user, or garbage) → InvalidToken 400 with Token-0", async () => {
    const issued = keysFrom((await stack.stsClient(operator()).send(new GetSessionTokenCommand({}))).Credentials);
    for (const sessionToken of [issued.sessionToken ?? "", "IQoJb3JpZ2luX2VjEXAMPLE"]) {
      const f = await s3Failure(stack.s3Client({ ...operator(), sessionToken }).send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" })));
      expect([f.name, f.status, f.message, f.fields["Token-0"]]).toEqual(["InvalidToken", 400, "The provided token is malformed or otherwise invalid.", sessionToken]);
    }
    // the session credentials themselves (ASIA key + token) work: they are the user's
    expect(await (await stack.s3Client(issued).send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" }))).Body?.transformToString()).toContain("Hello");
  });

  it("an Inactive key → InvalidAccessKeyId at S3 (and InvalidClientTokenId at STS); active again, it works", async () => {
    const user = stack.config.iamUsers.find((u) => u.name === "operator");
    const key = user?.accessKeys[0];
    if (!key) throw new Error("operator has no key");
    key.status = "Inactive";
    try {
      const f = await s3Failure(stack.s3Client(operator()).send(new GetObjectCommand({ Bucket: BUCKET, Key: "users/alice/welcome.txt" })));
      expect([f.name, f.status, f.fields.AWSAccessKeyId]).toEqual(["InvalidAccessKeyId", 403, key.accessKeyId]);
      const sts = await sdkFailure(stack.stsClient(operator()).send(new GetCallerIdentityCommand({})));
      expect([sts.code, sts.status]).toEqual(["InvalidClientTokenId", 403]);
    } finally {
      delete key.status;
    }
    expect((await stack.s3Client(operator()).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "users/" }))).KeyCount).toBeGreaterThan(0);
  });
});
