/**
 * Test fixture of the signed-operation interop tests: the local STS and the local S3 sharing one session store (as
 * `npm start` runs them), on free ports, with stack.json's IAM users and root, a temporary S3 data folder and a
 * movable STS clock; SDK clients for each caller, and the TOTP code of a user's MFA device at the STS's time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient, type Credentials } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll } from "vitest";
import { loadStackConfig, type StackConfig } from "../config";
import { createTraceStore, type TraceStore } from "../iam/trace";
import { totpCode } from "../iam/totp";
import { startS3, type S3Server } from "../s3/server";
import { startSts, type StsServer } from "./server";
import { createSessionStore, type SessionStore } from "./sessions";

/** The account of stack.json. */
export const ACCOUNT = "123456789012";
export const DEPLOY_ROLE = "arn:aws:iam::123456789012:role/demo/DeployRole";
export const CHAIN_TARGET = "arn:aws:iam::123456789012:role/demo/ChainTarget";
export const PARTNER_ROLE = "arn:aws:iam::123456789012:role/demo/PartnerAccess";
export const MFA_ROLE = "arn:aws:iam::123456789012:role/demo/MfaRequired";
export const WEB_ROLE = "arn:aws:iam::123456789012:role/WebIdentityConsoleUser";
export const OPERATOR_ARN = "arn:aws:iam::123456789012:user/operator";
export const GUEST_ARN = "arn:aws:iam::123456789012:user/guest";
export const ROOT_ARN = "arn:aws:iam::123456789012:root";
export const BUCKET = "web-identity-console-demo";

/** Credentials in the shape the SDKs take. */
export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What {@link useIamStack} started (read inside tests: set in `beforeAll`). */
export interface IamStack {
  config: StackConfig;
  sts: StsServer;
  s3: S3Server;
  sessions: SessionStore;
  /** The STS's refusal traces (also on `GET <sts>/__local/trace/<requestId>`). */
  stsTraces: TraceStore;
  /** The STS clock's offset from real time (ms); reset after each test. */
  clock: { offsetMs: number };
  /** The STS's current time. */
  now(): number;
  /** The long-term keys of an IAM user of stack.json, or of the root. */
  keysOf(name: string | "root"): Keys;
  /** An STS client of the local STS signing with `keys` (no retries). */
  stsClient(keys: Keys): STSClient;
  /** An S3 client of the local S3 (path-style, no retries). */
  s3Client(keys: Keys): S3Client;
  /** The current TOTP code of a user's MFA device (at the STS's time), and its serial. */
  mfa(name: string, offsetSteps?: number): { SerialNumber: string; TokenCode: string };
}

/** SDK `Credentials` → {@link Keys}. */
export function keysFrom(creds: Credentials | undefined): Keys {
  if (!creds?.AccessKeyId || !creds.SecretAccessKey) throw new Error("the answer has no credentials");
  return { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}) };
}

/** Start the stack for the tests of this file (closed and its data folder removed after them). */
export function useIamStack(): IamStack {
  const stack = { clock: { offsetMs: 0 } } as IamStack;
  let dataDir = "";
  stack.now = () => Date.now() + stack.clock.offsetMs;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "wic-iam-interop-"));
    stack.config = loadStackConfig();
    stack.sessions = createSessionStore();
    stack.stsTraces = createTraceStore();
    stack.sts = await startSts({ config: stack.config, port: 0, sessions: stack.sessions, traces: stack.stsTraces, now: stack.now });
    stack.s3 = await startS3({ config: stack.config, port: 0, sessions: stack.sessions, dataDir, quiet: true });
  });
  afterEach(() => {
    stack.clock.offsetMs = 0;
  });
  afterAll(async () => {
    await stack.s3?.close();
    await stack.sts?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  stack.keysOf = (name) => {
    const key = name === "root" ? stack.config.root?.accessKeys[0] : stack.config.iamUsers.find((u) => u.name === name)?.accessKeys[0];
    if (!key) throw new Error(`no long-term key for ${name} in stack.json`);
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  };
  stack.stsClient = (keys) => new STSClient({ region: stack.config.region, endpoint: stack.sts.url, maxAttempts: 1, credentials: keys });
  stack.s3Client = (keys) => new S3Client({ region: stack.config.region, endpoint: stack.s3.url, forcePathStyle: true, maxAttempts: 1, credentials: keys });
  stack.mfa = (name, offsetSteps = 0) => {
    const device = stack.config.iamUsers.find((u) => u.name === name)?.mfa;
    if (!device) throw new Error(`no MFA device for ${name}`);
    return { SerialNumber: device.serialNumber, TokenCode: totpCode(device.totpSecret, stack.now() + offsetSteps * 30_000) };
  };
  return stack;
}

/** What the SDK reports of a failed call. */
export interface SdkFailure {
  name: string;
  code: unknown;
  type: unknown;
  status: number | undefined;
  message: string;
  requestId: string | undefined;
}

/** The failure of an SDK call that must fail. */
export async function sdkFailure(p: Promise<unknown>): Promise<SdkFailure> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { Code?: unknown; Type?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } };
    return { name: err.name, code: err.Code, type: err.Type, status: err.$metadata?.httpStatusCode, message: err.message, requestId: err.$metadata?.requestId };
  }
  throw new Error("expected the SDK call to fail");
}

/** `[code, status, message]` of a failure. */
export const triple = (f: SdkFailure): [unknown, number | undefined, string] => [f.code, f.status, f.message];

/** The trace endpoint's answer for a request id on a stand-in (`GET <base>/__local/trace/<id>`). */
export async function traceOf(base: string, requestId: string | undefined): Promise<{ status: number; body: { service?: string; trace?: { summary: string; decision: string }; encodedAuthorizationMessage?: string } }> {
  const res = await fetch(`${base}/__local/trace/${requestId ?? ""}`);
  return { status: res.status, body: (await res.json()) as { service?: string; trace?: { summary: string; decision: string }; encodedAuthorizationMessage?: string } };
}
