import type { TemporaryCredentials } from "../aws/sts";
import type { LifecycleState } from "../credentials/lifecycle";
import { shorten } from "../ui/Raw";
import type { Secret } from "./ExchangeView";

/** How credentials appear in raw views: the secret key masked, the session token shortened. */
export function credentialSecrets(c: TemporaryCredentials | undefined): Secret[] {
  if (!c) return [];
  return [
    { value: c.secretAccessKey, display: "•••••••• (hidden: reveal it under Temporary credentials)" },
    { value: c.sessionToken, display: shorten(c.sessionToken, 16, 8) },
  ];
}

/**
 * A token as raw views may show it: as is, and form-encoded as it appears in a request body (an opaque access token
 * such as Login with Amazon's `Atza|…` changes when encoded; a JWT does not).
 */
export function tokenSecret(token: string | null | undefined): Secret[] {
  if (!token) return [];
  const display = shorten(token, 24, 12);
  const forms = new Set([token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)]);
  return [...forms].map((value) => ({ value, display }));
}

/**
 * Every secret the session's raw views may contain: each web identity token sent (the current one and those in the
 * history's request bodies) and each set of credentials received.
 */
export function sessionSecrets(state: LifecycleState): Secret[] {
  const secrets: Secret[] = [...tokenSecret(state.provider.webIdentityToken), ...tokenSecret(state.provider.idToken)];
  for (const record of state.history) {
    secrets.push(...tokenSecret(new URLSearchParams(record.exchange?.request.body ?? "").get("WebIdentityToken")));
    secrets.push(...credentialSecrets(record.credentials));
  }
  secrets.push(...credentialSecrets(state.credentials?.result.credentials));
  return secrets;
}
