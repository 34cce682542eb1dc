/**
 * Small `node:http` helpers shared by the local servers (the OpenID provider in `idp/`, the STS stand-in in `sts/`):
 * bind a server, close it, and read a request body up to a size limit.
 */
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Where a server listens: the bound port and its base URL `http://host:port` (IPv6 hosts in brackets). */
export interface Listening {
  port: number;
  url: string;
}

/**
 * Bind `server` to `host:port` (port 0 picks a free one) and resolve once it accepts connections.
 * @throws the listen error (e.g. `EADDRINUSE`) when the port is taken.
 */
export function listen(server: Server, port: number, host: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const bound = (server.address() as AddressInfo).port;
      resolve({ port: bound, url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}` });
    });
  });
}

/** Stop listening and drop open (keep-alive) connections; resolves when the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/**
 * Read a request body of at most `maxBytes`. A declared `Content-Length` above the limit is refused before anything is
 * read; a body that grows past it while streaming is refused as soon as it does (and the request stream destroyed).
 * Plain `data`/`end` listeners: an async iterator costs more per request than the read itself for small bodies.
 * @returns the body, or `undefined` when it is larger than `maxBytes`.
 * @throws the stream's error, or an Error when the request closes before its body ended.
 */
export function readBodyUpTo(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) return Promise.resolve(undefined);
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  // Inline listeners that stay attached (a settled flag instead of removing them): no per-request named closures.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        req.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    req.on("close", () => {
      if (settled) return;
      settled = true;
      reject(new Error("the request closed before its body ended"));
    });
  });
}
