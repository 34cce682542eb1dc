/**
 * Just enough of a browser for the headless sign-in helpers (headless.ts): a cookie jar, redirects followed by hand,
 * and reading forms, alerts and inline scripts out of a page. Node-only, for tests and scripts.
 */

const MAX_REDIRECTS = 10;

/** A page the "browser" stopped at, or the redirect to the app it stopped before following. */
export type Followed =
  | { kind: "page"; status: number; html: string; url: string; headers: Headers }
  | { kind: "callback"; url: string };

/**
 * Fetch `url` and follow redirects by hand (cookies in `jar`) until a page, or a redirect to `stopAt` (same origin and
 * path: the app's redirect URI or post-logout redirect URI), which is not followed.
 * @throws Error after more than 10 redirects.
 */
export async function follow(jar: CookieJar, url: string, init: RequestInit, stopAt: string): Promise<Followed> {
  let current = url;
  let request: RequestInit = init;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const cookie = jar.header(current);
    const response = await fetch(current, { ...request, redirect: "manual", headers: { ...(request.headers as Record<string, string> | undefined), ...(cookie ? { Cookie: cookie } : {}), Accept: "text/html" } });
    jar.store(current, response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, current).href;
      if (sameEndpoint(next, stopAt)) return { kind: "callback", url: next };
      current = next;
      request = { method: "GET" }; // 302/303 after POST → GET, as a browser does
      continue;
    }
    return { kind: "page", status: response.status, html: await response.text(), url: current, headers: response.headers };
  }
  throw new Error(`More than ${MAX_REDIRECTS} redirects starting at ${url}`);
}

function sameEndpoint(url: string, target: string): boolean {
  const a = new URL(url);
  const b = new URL(target);
  return a.origin === b.origin && a.pathname === b.pathname;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[lower] ?? "";
  });
}

/** The visible text of an HTML fragment, whitespace collapsed. */
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim();
}

/** The `action` of the form with this id, entities decoded. */
export function formAction(html: string, id: string): string | undefined {
  for (const [tag] of html.matchAll(/<form\b[^>]*>/gi)) {
    if (attr(tag, "id") === id) return attr(tag, "action");
  }
  return undefined;
}

/** name → value of the hidden inputs inside the form with this id. */
export function hiddenInputs(html: string, formId: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [, open = "", inner = ""] of html.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/gi)) {
    if (attr(open, "id") !== formId) continue;
    for (const [tag] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(tag, "name");
      if (name !== undefined && attr(tag, "type")?.toLowerCase() === "hidden") values[name] = attr(tag, "value") ?? "";
    }
  }
  return values;
}

/** The text of every inline `<script>` of the page, as written. */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(([, attrs = ""]) => !/\ssrc\s*=/i.test(` ${attrs}`)).map(([, , text = ""]) => text);
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i").exec(tag);
  const raw = m?.[1] ?? m?.[2];
  return raw === undefined ? undefined : decodeEntities(raw);
}

/** Text of the first element with role="alert". */
export function alertText(html: string): string | undefined {
  const m = /<(\w+)\b[^>]*\brole\s*=\s*["']alert["'][^>]*>([\s\S]*?)<\/\1>/i.exec(html);
  return m?.[2] === undefined ? undefined : textOf(m[2]);
}

/** Just enough of RFC 6265 for one host: name, path, expiry. */
export class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; origin: string; path: string; expires: number }>();

  store(url: string, setCookies: string[]): void {
    const { origin, pathname } = new URL(url);
    for (const line of setCookies) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = pathname.slice(0, pathname.lastIndexOf("/") + 1) || "/";
      let expires = Infinity;
      for (const a of attrs) {
        const [k = "", v = ""] = a.split("=").map((s) => s.trim());
        if (/^path$/i.test(k) && v.startsWith("/")) path = v;
        else if (/^max-age$/i.test(k)) expires = Date.now() + Number(v) * 1000;
        else if (/^expires$/i.test(k) && expires === Infinity) expires = Date.parse(v);
      }
      const key = `${origin} ${path} ${name}`;
      if (expires <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, origin, path, expires });
    }
  }

  header(url: string): string {
    const { origin, pathname } = new URL(url);
    const now = Date.now();
    return [...this.#cookies.values()]
      .filter((c) => c.origin === origin && c.expires > now && (pathname === c.path || pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }
}
