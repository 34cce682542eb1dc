/**
 * The app's config.json as `npm start` serves it: public/config.json (dev server) or the build's copy (preview), with
 * the local stack's origins moved to the ports of this run (./ports.ts `appConfigMoves`). The file on disk is never
 * rewritten; with the default ports the served text is the file's, byte for byte.
 *
 * A Vite plugin, added by the start script (./launch.ts). vite.config.ts finds it by {@link SERVED_APP_CONFIG} and
 * builds the preview's Content-Security-Policy from the same served text ({@link ServedAppConfigApi}).
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import type { Plugin } from "vite";
import { moveHosts } from "./ports.ts";

/** The plugin's name, by which vite.config.ts looks it up. */
export const SERVED_APP_CONFIG = "wic-served-app-config";
/** Where the app fetches its runtime configuration. */
export const APP_CONFIG_PATH = "/config.json";

/** What the plugin offers other plugins (`plugin.api`). */
export interface ServedAppConfigApi {
  /** The served text of a config.json whose text on disk is `text`. */
  transform(text: string): string;
}

/** The plugin: serves `GET /config.json` with `moves` applied (dev server and preview). */
export function servedAppConfig(moves: readonly (readonly [string, string])[]): Plugin & { api: ServedAppConfigApi } {
  const api: ServedAppConfigApi = { transform: (text) => moveHosts(text, moves) };
  const middleware = (file: () => string) => (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== APP_CONFIG_PATH || (req.method !== "GET" && req.method !== "HEAD")) return next();
    let body: string;
    try {
      body = api.transform(readFileSync(file(), "utf8"));
    } catch {
      return next(); // no file: Vite answers as it would have
    }
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)), "Cache-Control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  return {
    name: SERVED_APP_CONFIG,
    api,
    configureServer(server) {
      server.middlewares.use(middleware(() => resolve(server.config.publicDir, "config.json")));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(() => resolve(server.config.root, server.config.build.outDir, "config.json")));
    },
  };
}
