/**
 * Test fixture of the S3 interop tests: the real local OpenID provider, the local STS and the local S3 sharing one
 * session store (as `npm start` runs them), on free ports, with a temporary data folder and movable clocks; web
 * identity credentials for a test user obtained headlessly (sign-in → ID token → AssumeRoleWithWebIdentity).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { signInHeadless } from "../idp/headless";
import { startIdp, type IdpServer } from "../idp/server";
import { startSts, type StsServer } from "../sts/server";
import { createSessionStore } from "../sts/sessions";
import { startS3, type S3Server } from "./server";

/** The demo bucket. */
export const BUCKET = "web-identity-console-demo";
/** The role every user of the local OpenID provider may assume: list/get/put/delete in `users/<sub>/`. */
export const USER_ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";

/** Web identity credentials in the shape the SDK takes. */
export interface WebCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** What {@link useS3Stack} started (read inside tests: set in `beforeAll`). */
export interface S3Stack {
  config: StackConfig;
  idp: IdpServer;
  sts: StsServer;
  s3: S3Server;
  dataDir: string;
  /** Offsets (ms) of the STS and S3 clocks from real time; tests reset them. */
  clock: { stsOffsetMs: number; s3OffsetMs: number };
  /** Sign `username` in at the local OpenID provider and assume `roleArn` with the ID token. */
  credentials(username: string, opts?: { roleArn?: string; durationSeconds?: number }): Promise<WebCredentials>;
  /** An S3 client of the local S3 (path-style, no retries unless given). */
  client(credentials: WebCredentials, extra?: Partial<S3ClientConfig>): S3Client;
}

/** Start the stack for the tests of this file (closed and its data folder removed after them). */
export function useS3Stack(): S3Stack {
  const stack = { clock: { stsOffsetMs: 0, s3OffsetMs: 0 } } as S3Stack;
  beforeAll(async () => {
    stack.dataDir = mkdtempSync(join(tmpdir(), "wic-s3-interop-"));
    stack.idp = await startIdp({ config: loadStackConfig(), port: 0, quiet: true });
    stack.config = loadStackConfig(undefined, { issuer: stack.idp.issuer });
    const sessions = createSessionStore();
    stack.sts = await startSts({ config: stack.config, port: 0, sessions, now: () => Date.now() + stack.clock.stsOffsetMs });
    stack.s3 = await startS3({ config: stack.config, port: 0, sessions, dataDir: stack.dataDir, quiet: true, now: () => Date.now() + stack.clock.s3OffsetMs });
  });
  afterAll(async () => {
    await stack.s3?.close();
    await stack.sts?.close();
    await stack.idp?.close();
    if (stack.dataDir) rmSync(stack.dataDir, { recursive: true, force: true });
  });
  stack.credentials = async (username, opts = {}) => {
    const tokens = await signInHeadless({
      issuer: stack.idp.issuer,
      clientId: "web-identity-console",
      redirectUri: "http://127.0.0.1:5173/",
      username,
      password: `${username}-password`,
    });
    const sts = new STSClient({ region: stack.config.region, endpoint: stack.sts.url, maxAttempts: 1 });
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: opts.roleArn ?? USER_ROLE,
        RoleSessionName: username,
        WebIdentityToken: tokens.idToken,
        ...(opts.durationSeconds ? { DurationSeconds: opts.durationSeconds } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error("AssumeRoleWithWebIdentity gave no credentials");
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };
  stack.client = (credentials, extra = {}) =>
    new S3Client({ region: stack.config.region, endpoint: stack.s3.url, forcePathStyle: true, credentials, maxAttempts: 1, ...extra });
  return stack;
}

/** An SDK error's code, status, message and the error document's extra fields the SDK kept. */
export interface S3Failure {
  name: string;
  status: number | undefined;
  message: string;
  requestId: string | undefined;
  fields: Record<string, unknown>;
}

/** The S3Failure `p` rejects with; fails the test when it resolves. */
export async function s3Failure(p: Promise<unknown>): Promise<S3Failure> {
  try {
    await p;
  } catch (e) {
    const error = e as Error & Record<string, unknown> & { $metadata?: { httpStatusCode?: number; requestId?: string } };
    return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message, requestId: error.$metadata?.requestId, fields: error };
  }
  throw new Error("expected the S3 call to fail");
}

/** `GET /__local/trace/<requestId>` on `base`: status and JSON. */
export async function fetchTrace(base: string, requestId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/__local/trace/${encodeURIComponent(requestId)}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
