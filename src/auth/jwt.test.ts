import { describe, expect, it } from "vitest";
import { decodeJwt } from "./jwt";

const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

describe("decodeJwt", () => {
  it("decodes header and claims, including non-ASCII and base64url characters", () => {
    const token = `${enc({ alg: "RS256", kid: "k1" })}.${enc({ sub: "alice", name: "Zoë ÿ?>", exp: 1700000000 })}.c2ln`;
    const d = decodeJwt(token);
    expect(d?.header).toEqual({ alg: "RS256", kid: "k1" });
    expect(d?.claims).toEqual({ sub: "alice", name: "Zoë ÿ?>", exp: 1700000000 });
    expect(d?.signature).toBe("c2ln");
  });

  it("returns null for opaque access tokens and garbage", () => {
    expect(decodeJwt("Atza|IwEBIExample")).toBeNull();
    expect(decodeJwt("a.b.c")).toBeNull();
    expect(decodeJwt(`${enc("x")}.${enc({})}.s`)).toBeNull();
  });
});
