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
 * read; a body that grows past it while streaming is refused as soon as it does.
 * @returns the body, or `undefined` when it is larger than `maxBytes`.
 */
export async function readBodyUpTo(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
