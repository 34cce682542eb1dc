import { createServer, type IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { closeServer, listen, readBodyUpTo } from "./http";

/** A request stream with these headers and body chunks. */
function fakeRequest(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), { headers }) as unknown as IncomingMessage;
}

describe("readBodyUpTo", () => {
  it("returns the whole body when it fits, exactly at the limit included", async () => {
    expect((await readBodyUpTo(fakeRequest(["ab", "cd"]), 4))?.toString()).toBe("abcd");
    expect((await readBodyUpTo(fakeRequest([]), 4))?.length).toBe(0);
  });

  it("refuses a body that grows past the limit while streaming", async () => {
    expect(await readBodyUpTo(fakeRequest(["ab", "cde"]), 4)).toBeUndefined();
  });

  it("refuses a declared Content-Length above the limit before reading anything", async () => {
    let read = false;
    const req = fakeRequest(["a"], { "content-length": "5" });
    req.on("data", () => (read = true));
    req.pause();
    expect(await readBodyUpTo(req, 4)).toBeUndefined();
    expect(read).toBe(false);
  });
});

describe("readBodyUpTo on a failing request", () => {
  it("rejects with the stream's error, and when the request closes before its body ended", async () => {
    const failing = new Readable({ read() {} });
    Object.assign(failing, { headers: {} });
    const p = readBodyUpTo(failing as unknown as IncomingMessage, 10);
    failing.push(Buffer.from("ab"));
    failing.destroy(new Error("connection reset"));
    await expect(p).rejects.toThrow("connection reset");

    const closed = new Readable({ read() {} });
    Object.assign(closed, { headers: {} });
    const q = readBodyUpTo(closed as unknown as IncomingMessage, 10);
    closed.destroy();
    await expect(q).rejects.toThrow("the request closed before its body ended");
  });

  it("destroys a request whose streamed body passes the limit", async () => {
    const req = fakeRequest(["ab", "cde", "f"]);
    expect(await readBodyUpTo(req, 4)).toBeUndefined();
    expect(req.destroyed).toBe(true);
  });
});

describe("listen / closeServer", () => {
  it("binds a free port on loopback, reports its URL, and closes", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    const { port, url } = await listen(server, 0, "127.0.0.1");
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(url)).text()).toBe("ok");
    await closeServer(server);
    expect(server.listening).toBe(false);
  });

  it("rejects with the listen error when the port is taken", async () => {
    const first = createServer();
    const { port } = await listen(first, 0, "127.0.0.1");
    const second = createServer();
    await expect(listen(second, port, "127.0.0.1")).rejects.toMatchObject({ code: "EADDRINUSE" });
    await closeServer(first);
  });
});
