/**
 * The metadata of the account's IAM SAML providers, as the local STS knows them: the IdP's `entityID` (what the
 * assertion's `Issuer` must equal) and its signing certificates (`KeyDescriptor` with `use="signing"` or no `use`).
 * Real IAM stores the metadata document uploaded with `CreateSAMLProvider`; the local stack reads it once per provider
 * from stack.json's `metadataUrl` (the local IdP's `/saml/metadata`) or `metadataFile`, and keeps it for the life of
 * the STS. A failed read is not cached (the next request tries again).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SamlProviderConfig } from "../saml/config";
import { certificateFromBase64, childElements, descendants, DS_NS, MD_NS, parseXml, textOf } from "../saml/xml";

/** What the STS needs from a provider's metadata. */
export interface SamlProviderMetadata {
  entityId: string;
  /** PEM certificates whose keys may sign assertions. */
  certificates: string[];
}

/** Metadata documents larger than this are refused. */
export const MAX_METADATA_BYTES = 256 * 1024;
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Read an IdP's metadata: one `md:EntityDescriptor` with an `entityID` and an `md:IDPSSODescriptor` with at least one
 * signing certificate.
 * @throws Error naming what is missing ("Could not parse metadata." is IAM's word for such a document at upload).
 */
export function parseSamlMetadata(xml: string): SamlProviderMetadata {
  const doc = parseXml(xml);
  const root = doc.documentElement;
  if (root.namespaceURI !== MD_NS || root.localName !== "EntityDescriptor") throw new Error("the metadata's root is not an md:EntityDescriptor");
  const entityId = root.getAttribute("entityID") ?? "";
  if (entityId === "") throw new Error("the metadata's EntityDescriptor has no entityID");
  const idp = childElements(root, MD_NS, "IDPSSODescriptor")[0];
  if (!idp) throw new Error("the metadata has no IDPSSODescriptor");
  const certificates: string[] = [];
  for (const kd of childElements(idp, MD_NS, "KeyDescriptor")) {
    const use = kd.getAttribute("use");
    if (use !== null && use !== "" && use !== "signing") continue;
    for (const c of descendants(kd, DS_NS, "X509Certificate")) certificates.push(certificateFromBase64(textOf(c)));
  }
  if (certificates.length === 0) throw new Error("the metadata's IDPSSODescriptor has no signing certificate");
  return { entityId, certificates };
}

/** Where metadata is read from (seams for tests). */
export interface SamlMetadataSourceOptions {
  fetchImpl?: typeof fetch;
  /** Per fetch. Default 5000 ms. */
  timeoutMs?: number;
}

/** Metadata by provider, read once. */
export interface SamlMetadataSource {
  /** @throws Error when the metadata cannot be read or parsed. */
  get(provider: SamlProviderConfig): Promise<SamlProviderMetadata>;
}

async function readMetadata(provider: SamlProviderConfig, opts: SamlMetadataSourceOptions): Promise<string> {
  if (provider.metadataFile !== undefined) {
    const path = isAbsolute(provider.metadataFile) ? provider.metadataFile : resolve(REPO_ROOT, provider.metadataFile);
    const text = await readFile(path, "utf8");
    if (text.length > MAX_METADATA_BYTES) throw new Error(`${path} is larger than ${MAX_METADATA_BYTES} bytes`);
    return text;
  }
  const url = provider.metadataUrl ?? "";
  const response = await (opts.fetchImpl ?? fetch)(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5000), redirect: "error" });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_METADATA_BYTES) throw new Error(`${url} answered more than ${MAX_METADATA_BYTES} bytes`);
  return text;
}

/** A metadata source that reads each provider's metadata once (concurrent first requests share one read). */
export function createSamlMetadataSource(opts: SamlMetadataSourceOptions = {}): SamlMetadataSource {
  const cache = new Map<string, Promise<SamlProviderMetadata>>();
  return {
    get(provider) {
      const key = `${provider.name}\u0000${provider.metadataUrl ?? ""}\u0000${provider.metadataFile ?? ""}`;
      let entry = cache.get(key);
      if (!entry) {
        entry = readMetadata(provider, opts).then(parseSamlMetadata);
        cache.set(key, entry);
        entry.catch(() => cache.delete(key));
      }
      return entry;
    },
  };
}
