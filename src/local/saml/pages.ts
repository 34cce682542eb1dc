/**
 * The local SAML IdP's HTML: the sign-in form (the same look as the OpenID provider's pages, ../idp/pages.ts), the
 * standard HTTP-POST binding page (a form that auto-submits `SAMLResponse` and `RelayState` to the ACS URL; SAML
 * bindings §3.5), and the local-stack extension for a static single-page app, which cannot receive a POST: a page
 * that hands `{SAMLResponse, RelayState}` to `window.opener` with `postMessage` for one exact app origin.
 * Each page runs at most one fixed inline script, allowed by its hash in the Content-Security-Policy.
 */
import { credentialFields, escapeHtml, page, sha256Source, STYLE_HASH } from "../idp/pages";

/** HTTP-POST binding: submit the response form at once (the button stays for browsers without scripts). */
export const POST_BINDING_SCRIPT = `document.getElementById("saml-form").submit();`;

/**
 * The local-stack delivery to a single-page app: post `{type:"saml-response",SAMLResponse,RelayState}` to the opener
 * for exactly the origin in the form's `data-app-origin` (never "*"), then close the window.
 */
export const POST_MESSAGE_SCRIPT =
  `var f=document.getElementById("saml-form");var s=document.getElementById("saml-status");` +
  `if(window.opener){window.opener.postMessage({type:"saml-response",SAMLResponse:f.elements.SAMLResponse.value,RelayState:f.elements.RelayState.value},f.dataset.appOrigin);` +
  `s.textContent="Signed in. The SAML response was handed to the app; this window can be closed.";window.close();}` +
  `else{s.textContent="This window was not opened by the app (no window.opener): nothing was sent.";}`;

const SCRIPT_HASHES = { binding: sha256Source(POST_BINDING_SCRIPT), message: sha256Source(POST_MESSAGE_SCRIPT) } as const;

/** Security headers of every page; `script` allows one of the two fixed scripts; forms may go to `formActions`. */
export function samlHtmlHeaders(formActions: Iterable<string>, script?: keyof typeof SCRIPT_HASHES): Record<string, string> {
  const scriptSrc = script ? `; script-src ${SCRIPT_HASHES[script]}` : "";
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'${scriptSrc}; style-src ${STYLE_HASH}; form-action ${["'self'", ...new Set(formActions)].join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
}

/** The sign-in form; hidden fields carry the request (app origin, RelayState, NameID format) through the POST. */
export function renderSamlLoginPage(input: {
  action: string;
  hidden: Record<string, string>;
  users: readonly { username: string; password: string; name: string }[];
  username?: string;
  error?: string;
  appOrigin?: string;
}): string {
  const hidden = Object.entries(input.hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n");
  const rows = input.users
    .map((u) => `<tr><td><code>${escapeHtml(u.username)}</code></td><td><code>${escapeHtml(u.password)}</code></td><td>${escapeHtml(u.name)}</td></tr>`)
    .join("\n");
  return page(
    "Sign in – Local SAML IdP",
    `<h1>Sign in to Local SAML IdP</h1>
<p>to continue to <strong>${escapeHtml(input.appOrigin ?? "AWS (https://signin.aws.amazon.com/saml)")}</strong></p>
${input.error ? `<div id="login-error" class="error" role="alert">${escapeHtml(input.error)}</div>` : ""}
<form id="login-form" method="post" action="${escapeHtml(input.action)}" novalidate>
${hidden}
${credentialFields(input)}
<div class="actions">
<button type="submit" class="primary">Sign in</button>
</div>
</form>
<section class="hint" aria-labelledby="hint-heading">
<h2 id="hint-heading">Test users</h2>
<p>This is a local test SAML 2.0 identity provider. Sign in as one of:</p>
<table>
<thead><tr><th scope="col">Username</th><th scope="col">Password</th><th scope="col">Name</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`,
  );
}

/**
 * The page that carries the signed response: an HTTP-POST binding form to `acsUrl` (auto-submitted by
 * {@link POST_BINDING_SCRIPT}), or, with `appOrigin`, the same fields delivered by {@link POST_MESSAGE_SCRIPT}.
 */
export function renderResponsePage(input: { samlResponse: string; relayState: string; acsUrl: string; appOrigin?: string }): string {
  const fields =
    `<input type="hidden" name="SAMLResponse" value="${escapeHtml(input.samlResponse)}">\n` +
    `<input type="hidden" name="RelayState" value="${escapeHtml(input.relayState)}">`;
  if (input.appOrigin !== undefined) {
    return page(
      "Signed in – Local SAML IdP",
      `<h1>Signed in</h1>
<p id="saml-status" role="status">Handing the SAML response to ${escapeHtml(input.appOrigin)}…</p>
<form id="saml-form" data-app-origin="${escapeHtml(input.appOrigin)}">
${fields}
</form>`,
      POST_MESSAGE_SCRIPT,
    );
  }
  return page(
    "Signing in – Local SAML IdP",
    `<h1>Signing you in…</h1>
<form id="saml-form" method="post" action="${escapeHtml(input.acsUrl)}">
${fields}
<p>If nothing happens, press the button.</p>
<div class="actions"><button type="submit" class="primary">Continue</button></div>
</form>`,
    POST_BINDING_SCRIPT,
  );
}

/** A page that only explains something (an error). */
export function renderSamlMessagePage(title: string, message: string): string {
  return page(`${title} – Local SAML IdP`, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
