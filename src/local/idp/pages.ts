import { createHash } from "node:crypto";

/** Escape text for an HTML text node or a double- or single-quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
body{margin:0;padding:2rem 1rem;background:Canvas;color:CanvasText}
main{max-width:24rem;margin:0 auto;padding:1.5rem;border:1px solid GrayText;border-radius:.5rem}
h1{font-size:1.4rem;margin:0 0 .25rem}
p{margin:.5rem 0}
.field{margin:1rem 0}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid GrayText;border-radius:.25rem}
input:focus-visible,button:focus-visible{outline:3px solid #1a56db;outline-offset:2px}
@media (prefers-color-scheme:dark){input:focus-visible,button:focus-visible{outline-color:#8ab4ff}}
.actions{display:flex;gap:.5rem;margin-top:1.25rem}
button{font:inherit;padding:.5rem 1rem;border-radius:.25rem;border:1px solid ButtonBorder;background:ButtonFace;color:ButtonText;cursor:pointer}
button.primary{background:#1a56db;border-color:#1a56db;color:#fff;font-weight:600}
.error{padding:.75rem;border:2px solid #b91c1c;border-radius:.25rem;color:#b91c1c;background:#fef2f2;margin:1rem 0}
@media (prefers-color-scheme:dark){.error{background:#2a0d0d;color:#fca5a5;border-color:#fca5a5}}
.hint{margin-top:1.5rem;font-size:.9rem}
.hint table{border-collapse:collapse}
.hint th,.hint td{text-align:left;padding:.125rem .75rem .125rem 0}
code{font-family:ui-monospace,monospace}
.hint form{margin:0}
.hint button{padding:.25rem .5rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/**
 * The one script any IdP page runs: on the sign-out page of a logout request that proved who asked (a valid
 * `id_token_hint` for the signed-in user), press "Yes, sign me out" at once. The button stays visible for browsers
 * without scripts.
 */
export const LOGOUT_AUTO_SUBMIT_SCRIPT = `document.getElementById("logout-yes").click();`;

/** A CSP source for an inline script or style: `'sha256-…'`. */
export const sha256Source = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
/** The CSP source of the pages' one inline style (also the SAML IdP's pages, ../saml/pages.ts). */
export const STYLE_HASH = sha256Source(CSS);
const LOGOUT_SCRIPT_HASH = sha256Source(LOGOUT_AUTO_SUBMIT_SCRIPT);

/**
 * Security headers for every HTML page the IdP renders. Nothing but the one inline stylesheet may load (and, on the
 * auto-submitting sign-out page only, the one inline script, by its hash); forms may only go to the IdP itself and to
 * the registered clients' origins — browsers check `form-action` on each redirect that follows a form submission
 * (login → /auth/… → redirect_uri, sign-out → post_logout_redirect_uri), so those origins must be listed.
 */
export function htmlHeaders(formActionOrigins: Iterable<string>, opts: { logoutScript?: boolean } = {}): Record<string, string> {
  const formAction = ["'self'", ...new Set(formActionOrigins)].join(" ");
  const script = opts.logoutScript ? `; script-src ${LOGOUT_SCRIPT_HASH}` : "";
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'${script}; style-src ${STYLE_HASH}; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
}

/** A whole page in the local providers' look, with at most one fixed inline `script` (allowed by its CSP hash). */
export function page(title: string, body: string, script?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
${script ? `<script>${script}</script>\n` : ""}</body>
</html>
`;
}

/**
 * The username and password fields of a sign-in form: after a refusal both are marked invalid and described by the
 * `login-error` banner, and focus goes to the password when the username was kept.
 */
export function credentialFields(input: { username?: string | undefined; error?: string | undefined }): string {
  const invalid = input.error ? ' aria-invalid="true" aria-describedby="login-error"' : "";
  const focusPassword = Boolean(input.error && input.username);
  return `<div class="field">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(input.username ?? "")}"${invalid}${focusPassword ? "" : " autofocus"}>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${focusPassword ? " autofocus" : ""}>
</div>`;
}

export interface LoginPageInput {
  providerName: string;
  clientId: string;
  /** The app's name (stack.json `clients[].name`), shown with the client id. */
  clientName?: string | undefined;
  /** URL the credentials are POSTed to. */
  action: string;
  /** URL a POST to which cancels the sign-in (the app gets `error=access_denied`). */
  abortAction: string;
  users: readonly { username: string; password: string; name: string }[];
  username?: string;
  error?: string;
}

/**
 * The sign-in form: labelled inputs, one alert when the last attempt failed, and the test users — each with a
 * one-click "Sign in as …" (a form posting that user's name and password; this is a local test provider).
 */
export function renderLoginPage(input: LoginPageInput): string {
  const rows = input.users
    .map(
      (u) =>
        `<tr><td><code>${escapeHtml(u.username)}</code></td><td><code>${escapeHtml(u.password)}</code></td><td>${escapeHtml(u.name)}</td>` +
        `<td><form method="post" action="${escapeHtml(input.action)}"><input type="hidden" name="username" value="${escapeHtml(u.username)}">` +
        `<input type="hidden" name="password" value="${escapeHtml(u.password)}"><button type="submit">Sign in as ${escapeHtml(u.username)}</button></form></td></tr>`,
    )
    .join("\n");
  const app = input.clientName
    ? `<strong>${escapeHtml(input.clientName)}</strong> (client id <code>${escapeHtml(input.clientId)}</code>)`
    : `<strong>${escapeHtml(input.clientId)}</strong>`;
  return page(
    `Sign in – ${input.providerName}`,
    `<h1>Sign in to ${escapeHtml(input.providerName)}</h1>
<p>to continue to ${app}</p>
${input.error ? `<div id="login-error" class="error" role="alert">${escapeHtml(input.error)}</div>` : ""}
<form id="login-form" method="post" action="${escapeHtml(input.action)}" novalidate>
${credentialFields(input)}
<div class="actions">
<button type="submit" class="primary">Sign in</button>
<button type="submit" form="abort-form">Cancel</button>
</div>
</form>
<form id="abort-form" method="post" action="${escapeHtml(input.abortAction)}"></form>
<section class="hint" aria-labelledby="hint-heading">
<h2 id="hint-heading">Test users</h2>
<p>This is a local test identity provider. Sign in as one of:</p>
<table>
<thead><tr><th scope="col">Username</th><th scope="col">Password</th><th scope="col">Name</th><th scope="col"><span class="visually-hidden">Quick sign-in</span></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`,
  );
}

/** A page that only explains something (an error, a finished sign-out). */
export function renderMessagePage(input: { providerName: string; title: string; message: string; details?: Record<string, string> }): string {
  const details = Object.entries(input.details ?? {})
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`)
    .join("\n");
  return page(
    `${input.title} – ${input.providerName}`,
    `<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(input.message)}</p>
${details ? `<dl>\n${details}\n</dl>` : ""}
<p>${escapeHtml(input.providerName)}</p>`,
  );
}

/**
 * The RP-initiated logout page. `form` is oidc-provider's own hidden form (action and xsrf token, generated by the
 * library, already escaped); the buttons submit it. Without `autoSubmit` it asks; with it (the request proved who
 * asked) it says it is signing out and {@link LOGOUT_AUTO_SUBMIT_SCRIPT} presses "Yes" — serve it with
 * `htmlHeaders(…, { logoutScript: true })` so the CSP allows that script.
 */
export function renderLogoutPage(input: { providerName: string; clientId?: string; form: string; autoSubmit?: boolean }): string {
  const requestedBy = input.clientId ? `<p>Requested by <strong>${escapeHtml(input.clientId)}</strong>.</p>` : "";
  if (input.autoSubmit) {
    return page(
      `Signing out – ${input.providerName}`,
      `<h1>Signing you out of ${escapeHtml(input.providerName)}…</h1>
${requestedBy}
${input.form}
<p>If nothing happens, press the button.</p>
<div class="actions">
<button type="submit" class="primary" id="logout-yes" form="op.logoutForm" name="logout" value="yes" autofocus>Sign me out</button>
</div>
<script>${LOGOUT_AUTO_SUBMIT_SCRIPT}</script>`,
    );
  }
  return page(
    `Sign out – ${input.providerName}`,
    `<h1>Sign out of ${escapeHtml(input.providerName)}?</h1>
${requestedBy}
${input.form}
<div class="actions">
<button type="submit" class="primary" id="logout-yes" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>
</div>`,
  );
}
