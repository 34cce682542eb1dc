/**
 * The identity providers STS knows by name, without an IAM OIDC provider object: Google (OIDC ID tokens,
 * `accounts.google.com`), Login with Amazon (`www.amazon.com`) and Facebook (`graph.facebook.com`), the last two with
 * OAuth 2.0 access tokens and `ProviderId` (their calls: ./tokeninfo.ts). The local stack reaches each through
 * stack.json `builtinProviders` (the personas), never the real provider.
 * AWS docs: STS API reference AssumeRoleWithWebIdentity (`ProviderId`: "Currently www.amazon.com and
 * graph.facebook.com are the only supported identity providers for OAuth 2.0 access tokens"), IAM User Guide
 * "Available keys for AWS web identity federation" and "Identifying users with web identity federation";
 * /work/shared/reference/sts.md §5.1, providers.md.
 */
import type { JWSHeaderParameters } from "jose";
import type { StackConfig } from "../config";
import { MESSAGES, StsFault } from "./faults";
import { OAUTH_PROVIDER_IDS, verifyAccessToken, type OAuthProviderId, type TokenInfoOptions } from "./tokeninfo";
import {
  audiences,
  checkSignedToken,
  checkTokenShape,
  checkTokenTimes,
  verifyWebIdentityToken,
  type Claims,
  type WebIdentity,
} from "./webidentity";
import type { KeySource } from "./jwks";

/** Google's name in trust policies (`Principal.Federated`), condition keys and the `Provider` answered. */
export const GOOGLE = "accounts.google.com";
/** Real Google ID tokens carry one of these `iss` values (Google's OpenID Connect documentation). */
const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"];

/**
 * The issuer whose discovery + JWKS verify a Google ID token with this `iss`, or undefined when `iss` is not Google's:
 * the configured Google persona (`builtinProviders["accounts.google.com"].issuer`) verifies with its own keys; the
 * real Google issuers verify with `https://accounts.google.com` (unreachable offline, so key retrieval fails).
 */
export function googleKeyIssuer(config: StackConfig, iss: string): string | undefined {
  if (iss === config.builtinProviders[GOOGLE].issuer) return iss;
  return GOOGLE_ISSUERS.includes(iss) ? "https://accounts.google.com" : undefined;
}

/**
 * Rule: a Google ID token has an audience: `azp` when present (the OAuth client that asked for the token), else `aud`
 * (one string). There is no client-id list to match: Google is built in, the role's trust policy restricts
 * `accounts.google.com:aud`.
 * @throws StsFault `InvalidIdentityToken` (400) `Incorrect token audience` when neither is usable (the reason is ours;
 *   the text is the one STS uses for audience problems).
 */
export function checkGoogleAudience(claims: Claims): string {
  if (typeof claims.azp === "string" && claims.azp !== "") return claims.azp;
  const aud = audiences(claims);
  if (aud.length === 1 && aud[0] !== "") return aud[0] as string;
  throw new StsFault("InvalidIdentityToken", 400, MESSAGES.incorrectAudience);
}

/**
 * Trust-policy condition keys of a Google ID token (IAM "Available keys for AWS web identity federation"):
 * `accounts.google.com:aud` (= `azp` when present, else `aud`), `accounts.google.com:oaud` (= `aud`),
 * `accounts.google.com:sub`.
 */
export function googleConditionKeys(claims: Claims, audience: string, sub: string): Record<string, string | string[]> {
  const aud = audiences(claims);
  return { [`${GOOGLE}:aud`]: audience, [`${GOOGLE}:oaud`]: aud.length === 1 ? (aud[0] as string) : aud, [`${GOOGLE}:sub`]: sub };
}

/**
 * Verify a Google ID token as STS does for the built-in `accounts.google.com` provider: the checks of an IAM OIDC
 * provider's token (algorithm, key from the issuer's discovery + JWKS, signature, claim types, `exp` + 300 s, `nbf`)
 * without a provider object or client-id list. `Provider` = `accounts.google.com`, `Audience` = `azp` or `aud`.
 * @throws StsFault `InvalidIdentityToken`, `ExpiredTokenException`.
 */
export async function verifyGoogleIdToken(
  token: string,
  parsed: { header: JWSHeaderParameters; keyIssuer: string; claims?: Claims },
  ctx: { keys: KeySource; now: number },
): Promise<WebIdentity> {
  const { claims, sub, exp } = await checkSignedToken(token, parsed.header, parsed.keyIssuer, ctx.keys, parsed.claims);
  const audience = checkGoogleAudience(claims);
  checkTokenTimes(claims, exp, ctx.now);
  return {
    federatedProvider: GOOGLE,
    providerName: GOOGLE,
    audience,
    sub,
    claims,
    conditionKeys: googleConditionKeys(claims, audience, sub),
  };
}

/**
 * Rule: `ProviderId` is only for OAuth 2.0 access tokens, and only `www.amazon.com` and `graph.facebook.com` are
 * supported (host only: no scheme, port or path).
 * @throws StsFault `InvalidIdentityToken` (400) for any other value. AWS's exact answer to an unsupported ProviderId
 *   is not known; code and text are ours (the token cannot be validated by AWS, which is what the code means).
 */
export function checkProviderId(providerId: string): OAuthProviderId {
  const supported = OAUTH_PROVIDER_IDS.find((id) => id === providerId);
  if (supported) return supported;
  throw new StsFault(
    "InvalidIdentityToken",
    400,
    `ProviderId ${providerId} is not supported: www.amazon.com and graph.facebook.com are the only supported identity providers for OAuth 2.0 access tokens. Omit ProviderId for OpenID Connect ID tokens.`,
  );
}

/** What verifying a web identity needs: the IAM model, the key source, token-info options and the clock. */
export interface IdentityContext {
  config: StackConfig;
  keys: KeySource;
  /** ms since the epoch */
  now: number;
  /** How Amazon's token-info and Facebook's debug-token endpoints are called. */
  tokenInfo?: TokenInfoOptions;
}

/**
 * Verify the `WebIdentityToken` the way its kind asks: with `ProviderId`, an OAuth 2.0 access token confirmed by the
 * provider; without, an OIDC ID token — Google's (built in) when its `iss` is Google's, else an IAM OIDC provider's.
 * An access token sent without `ProviderId` fails as "not a valid JWT"; a JWT sent with `ProviderId` goes to the
 * provider like any token (which rejects it: `IDPRejectedClaim`).
 * @throws StsFault `InvalidIdentityToken`, `ExpiredTokenException`, `IDPRejectedClaim`, `IDPCommunicationError`.
 */
export async function verifyIdentity(token: string, providerId: string | undefined, ctx: IdentityContext): Promise<WebIdentity> {
  if (providerId !== undefined) return verifyAccessToken(checkProviderId(providerId), token, ctx.config, ctx.tokenInfo);
  const shape = checkTokenShape(token);
  const keyIssuer = googleKeyIssuer(ctx.config, shape.iss);
  if (keyIssuer !== undefined) return verifyGoogleIdToken(token, { header: shape.header, keyIssuer, claims: shape.claims }, ctx);
  return verifyWebIdentityToken(token, ctx, shape);
}
