import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_STACK_FILE, loadStackConfig } from "../config";
import { accountFromId } from "../sts/ids";
import { findActiveLongTermKey, findLongTermKey, findUser, rootArn, userArn, userUniqueId } from "./users";

const config = loadStackConfig();
const dir = mkdtempSync(join(tmpdir(), "wic-users-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function variant(edit: (raw: { iamUsers: Record<string, unknown>[]; root?: Record<string, unknown> }) => void): string {
  const raw = JSON.parse(readFileSync(DEFAULT_STACK_FILE, "utf8")) as { iamUsers: Record<string, unknown>[] };
  edit(raw);
  const file = join(dir, `stack-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

describe("stack.json IAM users and root", () => {
  it("every long-term key is AKIA + 16 characters encoding the account (reference §0.6)", () => {
    const keys = [...config.iamUsers.flatMap((u) => u.accessKeys), ...(config.root?.accessKeys ?? [])];
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const { accessKeyId, secretAccessKey } of keys) {
      expect(accessKeyId).toMatch(/^AKIARZPUZDIK[A-P][A-Z2-7]{7}$/);
      expect(accountFromId(accessKeyId)).toBe("123456789012");
      expect(secretAccessKey).toHaveLength(40);
    }
  });

  it("ARNs and stable AIDA unique ids; keys resolve to their owner", () => {
    const operator = findUser(config, "operator");
    if (!operator) throw new Error("operator missing");
    expect(userArn(config, operator)).toBe("arn:aws:iam::123456789012:user/operator");
    expect(userArn(config, { name: "x", path: "/team/" })).toBe("arn:aws:iam::123456789012:user/team/x");
    expect(rootArn(config)).toBe("arn:aws:iam::123456789012:root");
    const id = userUniqueId(config, operator);
    expect(id).toMatch(/^AIDARZPUZDIK[A-P][A-Z2-7]{8}$/);
    expect(userUniqueId(config, operator)).toBe(id);
    expect(userUniqueId(config, { name: "guest", path: "/" })).not.toBe(id);
    expect(findLongTermKey(config, operator.accessKeys[0]?.accessKeyId ?? "")).toMatchObject({ kind: "user", user: { name: "operator" } });
    expect(findLongTermKey(config, config.root?.accessKeys[0]?.accessKeyId ?? "")).toMatchObject({ kind: "root" });
    expect(findLongTermKey(config, "AKIAIOSFODNN7EXAMPLE")).toBeUndefined();
  });

  it("a key with status Inactive is found but not active; stack.json's keys are all active", () => {
    const copy = structuredClone(config);
    const guest = findUser(copy, "guest");
    guest?.accessKeys.push({ accessKeyId: "AKIARZPUZDIKPZZZZZZZ", secretAccessKey: "i".repeat(40), status: "Inactive" });
    expect(findLongTermKey(copy, "AKIARZPUZDIKPZZZZZZZ")).toMatchObject({ kind: "user", user: { name: "guest" }, key: { status: "Inactive" } });
    expect(findActiveLongTermKey(copy, "AKIARZPUZDIKPZZZZZZZ")).toBeUndefined();
    for (const key of [...config.iamUsers.flatMap((u) => u.accessKeys), ...(config.root?.accessKeys ?? [])]) {
      expect(findActiveLongTermKey(config, key.accessKeyId)?.key).toBe(key);
    }
  });

  it("loadStackConfig lists every problem: a key of another account, a short secret, a bad status, a foreign MFA serial, a bad seed", () => {
    const file = variant((raw) => {
      const user = raw.iamUsers[0] as { accessKeys: { accessKeyId: string; secretAccessKey: string; status?: string }[]; mfa: { serialNumber: string; totpSecret: string } };
      user.accessKeys = [{ accessKeyId: "AKIA2AVYNEVMQECFBHEU", secretAccessKey: "short", status: "Disabled" }];
      user.mfa = { serialNumber: "arn:aws:iam::123456789012:mfa/someone", totpSecret: "not base32!" };
    });
    let message = "";
    try {
      loadStackConfig(file);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("iamUsers[0].accessKeys[0].accessKeyId AKIA2AVYNEVMQECFBHEU does not encode account 123456789012");
    expect(message).toContain("iamUsers[0].accessKeys[0].secretAccessKey must be 40 characters");
    expect(message).toContain("iamUsers[0].accessKeys[0].status must be Active or Inactive");
    expect(message).toContain("iamUsers[0].mfa.serialNumber must be arn:aws:iam::123456789012:mfa/operator");
    expect(message).toContain("iamUsers[0].mfa.totpSecret must be base32");
  });

  it("a stack.json without iamUsers loads with none", () => {
    expect(loadStackConfig(variant((raw) => ((raw as { iamUsers?: unknown }).iamUsers = undefined))).iamUsers).toEqual([]);
  });
});
