/**
 * The local SAML IdP over HTTP: metadata the STS can read, the sign-in form, the HTTP-POST binding page and the
 * postMessage delivery to a registered app origin (exact target origin, CSP-hashed fixed script).
 */
import { createHash, X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../config";
import { parseSamlMetadata } from "../sts/samlMetadata";
import { POST_BINDING_SCRIPT, POST_MESSAGE_SCRIPT } from "./pages";
import { startSamlIdp, type SamlIdpServer } from "./server";
import { descendants, parseXml, SAML_NS } from "./xml";

let idp: SamlIdpServer;
const config = loadStackConfig();

beforeAll(async () => {
  idp = await startSamlIdp({ config });
});
afterAll(async () => {
  await idp?.close();
});

const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;

async function signIn(query: string, password = "alice-password"): Promise<Response> {
  const q = new URLSearchParams(query);
  const body = new URLSearchParams({ origin: q.get("origin") ?? "", RelayState: q.get("RelayState") ?? "", NameIDFormat: q.get("NameIDFormat") ?? "persistent", username: "alice", password });
  return fetch(idp.ssoUrl, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
}

describe("local SAML IdP", () => {
  it("serves metadata with its entityID and signing certificate", async () => {
    const res = await fetch(idp.metadataUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/samlmetadata+xml");
    const metadata = parseSamlMetadata(await res.text());
    expect(metadata.entityId).toBe(idp.entityId);
    expect(metadata.certificates.map((c) => new X509Certificate(c).fingerprint256)).toEqual([new X509Certificate(idp.certificatePem).fingerprint256]);
  });

  it("shows the sign-in form and refuses a wrong password with 401 and an alert", async () => {
    const form = await fetch(idp.ssoUrl);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<input id="password" name="password" type="password"');
    const wrong = await signIn("", "nope");
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('role="alert">Invalid username or password.');
  });

  it("answers the HTTP-POST binding page: a form to AWS's ACS with SAMLResponse and RelayState, auto-submitted by a hashed script", async () => {
    const res = await signIn("RelayState=state-1");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain(`script-src ${hash(POST_BINDING_SCRIPT)}`);
    expect(csp).toContain("form-action 'self' https://signin.aws.amazon.com");
    const html = await res.text();
    expect(html).toContain('<form id="saml-form" method="post" action="https://signin.aws.amazon.com/saml">');
    expect(html).toContain('name="RelayState" value="state-1"');
    const b64 = /name="SAMLResponse" value="([A-Za-z0-9+/=]+)"/.exec(html)?.[1] ?? "";
    const doc = parseXml(Buffer.from(b64, "base64").toString("utf8"));
    const assertion = descendants(doc, SAML_NS, "Assertion")[0];
    expect(assertion?.getAttribute("ID")).toMatch(/^_[0-9a-f]{40}$/);
    const text = (name: string) => descendants(doc, SAML_NS, name).map((e) => e.textContent);
    expect(text("NameID")).toEqual(["alice"]);
    expect(text("Audience")).toEqual(["https://signin.aws.amazon.com/saml"]);
    expect(text("Issuer")).toEqual([idp.entityId, idp.entityId]);
  });

  it("delivers to a registered app origin by postMessage with that exact origin, and refuses an unregistered origin", async () => {
    const origin = new URL(config.endpoints.app).origin;
    const res = await signIn(`origin=${encodeURIComponent(origin)}&RelayState=r2`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain(`script-src ${hash(POST_MESSAGE_SCRIPT)}`);
    const html = await res.text();
    expect(html).toContain(`<form id="saml-form" data-app-origin="${origin}">`);
    expect(html).not.toContain("signin.aws.amazon.com/saml\">");
    expect(POST_MESSAGE_SCRIPT).toContain("f.dataset.appOrigin");
    expect(POST_MESSAGE_SCRIPT).not.toContain('"*"');
    const refused = await fetch(`${idp.ssoUrl}?origin=${encodeURIComponent("https://evil.example")}`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("is not registered with the local SAML IdP");
    expect((await fetch(`${idp.ssoUrl}?RelayState=${"x".repeat(81)}`)).status).toBe(400);
  });
});
