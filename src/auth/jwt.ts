/**
 * Decode (never verify) a JWT for display. STS verifies the signature; the browser only shows what it carries.
 */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: string;
}

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Split and decode a compact JWS; returns null when the token is not a JWT (e.g. an opaque OAuth access token). */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(base64UrlDecode(parts[0] ?? "")) as unknown;
    const claims = JSON.parse(base64UrlDecode(parts[1] ?? "")) as unknown;
    if (typeof header !== "object" || header === null || typeof claims !== "object" || claims === null) return null;
    return { header: header as Record<string, unknown>, claims: claims as Record<string, unknown>, signature: parts[2] ?? "" };
  } catch {
    return null;
  }
}
