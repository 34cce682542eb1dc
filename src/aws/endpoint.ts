// No imports: vite.config.ts uses this to build the production Content-Security-Policy.

/** Where to send STS calls and which region to sign for. */
export interface StsEndpoint {
  readonly url: string;
  /** The SigV4 signing region: `us-east-1` for the global endpoint, else the region. */
  readonly signingRegion: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The STS endpoint for a region (https://docs.aws.amazon.com/general/latest/gr/sts.html): regional
 * `https://sts.{region}.amazonaws.com/` (`.amazonaws.com.cn` for `cn-*`), or the global `https://sts.amazonaws.com/`
 * for region `aws-global`. An `override` URL (the local stack, a VPC endpoint, FIPS) is used as given, signed for
 * `region` — except the global host, which always signs as `us-east-1`.
 *
 * @throws {TypeError} for a malformed region, or an override that is not an absolute http(s) URL.
 */
export function stsEndpoint(region: string, override?: string): StsEndpoint {
  const globalEndpoint = region === "aws-global";
  if (!globalEndpoint && !REGION.test(region)) throw new TypeError(`"${region}" is not an AWS Region name (like us-east-1).`);
  if (override !== undefined && override.trim() !== "") {
    let url: URL;
    try {
      url = new URL(override.trim());
    } catch {
      throw new TypeError(`The STS endpoint "${override}" is not an absolute URL.`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(`The STS endpoint "${override}" must use https (or http locally).`);
    const signingRegion = url.hostname === "sts.amazonaws.com" || globalEndpoint ? "us-east-1" : region;
    return { url: url.toString(), signingRegion };
  }
  if (globalEndpoint) return { url: "https://sts.amazonaws.com/", signingRegion: "us-east-1" };
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return { url: `https://sts.${region}.${suffix}/`, signingRegion: region };
}
