import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_STACK_FILE, loadStackConfig, providerArn, providerName, type StackConfig } from "./config";
import {
  appConfigMoves,
  DEFAULT_STACK_PORTS,
  layoutPorts,
  loopbackOrigin,
  moveHosts,
  moveLoopbackUris,
  portOptionsFrom,
  PortOptionError,
  resolvePorts,
  STACK_PARTS,
  stackOverrides,
  type PortLayout,
} from "./ports";

const PUBLIC_CONFIG = new URL("../../public/config.json", import.meta.url);
const rawStack = readFileSync(DEFAULT_STACK_FILE, "utf8");
const rawAppConfig = readFileSync(PUBLIC_CONFIG, "utf8");

/** The error message `fn` throws (a PortOptionError), or fails. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PortOptionError);
    return (error as Error).message;
  }
  throw new Error("expected a PortOptionError");
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const moved = (layout: PortLayout): StackConfig => loadStackConfig(undefined, stackOverrides(layout));
const trustOf = (config: StackConfig, role: string) => JSON.stringify(config.roles.find((r) => r.name === role)?.trustPolicy);
const permissionsOf = (config: StackConfig, role: string) => JSON.stringify(config.roles.find((r) => r.name === role)?.permissionPolicies);

describe("resolvePorts", () => {
  it("keeps today's ports when nothing is given: the app on 5173 (preview 4173), the stack on 9400–9406", () => {
    const layout = resolvePorts();
    expect(layout).toEqual({ app: 5173, stack: { idp: 9400, sts: 9401, google: 9402, amazon: 9403, facebook: 9404, s3: 9405, saml: 9406 }, appMoved: false });
    expect(resolvePorts({ preview: true })).toEqual({ ...layout, app: 4173 });
  });

  it("stack.json's endpoints are the default layout (and the default app port)", () => {
    const config = loadStackConfig();
    for (const part of STACK_PARTS) expect(config.endpoints[part]).toBe(loopbackOrigin(DEFAULT_STACK_PORTS[part]));
    expect(config.endpoints.app).toBe(loopbackOrigin(resolvePorts().app));
  });

  it("--base-port N: the app on N (dev or preview), the stack on N+1…N+7 in the default order", () => {
    const layout = resolvePorts({ basePort: 7000 });
    expect(layout).toEqual({ app: 7000, stack: { idp: 7001, sts: 7002, google: 7003, amazon: 7004, facebook: 7005, s3: 7006, saml: 7007 }, appMoved: true });
    expect(resolvePorts({ basePort: 7000, preview: true })).toEqual(layout);
    expect(layoutPorts(layout).map((p) => p.port)).toEqual([7000, 7001, 7002, 7003, 7004, 7005, 7006, 7007]);
  });

  it("--app-port moves only the app; with --base-port the stack still follows the base", () => {
    expect(resolvePorts({ appPort: 3000 })).toEqual({ ...resolvePorts(), app: 3000, appMoved: true });
    expect(resolvePorts({ appPort: 3000, preview: true }).app).toBe(3000);
    expect(resolvePorts({ basePort: 7000, appPort: 3000 })).toEqual({ ...resolvePorts({ basePort: 7000 }), app: 3000 });
  });

  it("accepts the edges of the range: base 1024 and 65528 (its stack ends on 65535), app 1024 and 65535", () => {
    expect(resolvePorts({ basePort: 1024 }).stack.saml).toBe(1031);
    expect(resolvePorts({ basePort: 65528 }).stack.saml).toBe(65535);
    expect(resolvePorts({ appPort: 1024 }).app).toBe(1024);
    expect(resolvePorts({ appPort: 65535 }).app).toBe(65535);
  });

  it("refuses a port out of range or not whole, echoing the value", () => {
    for (const bad of [0, 80, 1023, 65529, 70000, 7000.5, Number.NaN, -7000]) {
      expect(refusal(() => resolvePorts({ basePort: bad }))).toBe(`--base-port must be a whole number from 1024 to 65528 (the app uses it and the stack the 7 ports after it), got ${String(bad)}`);
    }
    for (const bad of [0, 1023, 65536, 3000.5]) {
      expect(refusal(() => resolvePorts({ appPort: bad }))).toBe(`--app-port must be a whole number from 1024 to 65535, got ${String(bad)}`);
    }
    expect(refusal(() => resolvePorts({ basePort: 65530, appPort: 1 })).split("\n")).toHaveLength(2);
  });

  it("refuses an app port on a stack port, naming both and the part", () => {
    expect(refusal(() => resolvePorts({ appPort: 9401 }))).toBe("--app-port 9401: the app and the local STS would both use port 9401; choose an app port outside 9400–9406");
    expect(refusal(() => resolvePorts({ basePort: 7000, appPort: 7007 }))).toBe(
      "--base-port 7000 with --app-port 7007: the app and the local SAML IdP would both use port 7007; choose an app port outside 7001–7007",
    );
  });
});

describe("portOptionsFrom", () => {
  it("reads --base-port N, --base-port=N and --app-port, keeping the other arguments in order", () => {
    expect(portOptionsFrom(["--preview", "--base-port", "7000", "--app-port=3000", "--stack-only"], {})).toEqual({ options: { basePort: 7000, appPort: 3000 }, rest: ["--preview", "--stack-only"] });
    expect(portOptionsFrom(["--base-port=7000"], {})).toEqual({ options: { basePort: 7000 }, rest: [] });
    expect(portOptionsFrom([], {})).toEqual({ options: {}, rest: [] });
  });

  it("reads WIC_BASE_PORT and WIC_APP_PORT when the flag is absent; the flag wins; empty is unset", () => {
    expect(portOptionsFrom([], { WIC_BASE_PORT: "7000", WIC_APP_PORT: "3000" }).options).toEqual({ basePort: 7000, appPort: 3000 });
    expect(portOptionsFrom(["--base-port", "8000"], { WIC_BASE_PORT: "7000" }).options).toEqual({ basePort: 8000 });
    expect(portOptionsFrom([], { WIC_BASE_PORT: "", WIC_APP_PORT: "" }).options).toEqual({});
  });

  it("refuses a value that is not a port number, naming the option or variable and echoing the value", () => {
    expect(refusal(() => portOptionsFrom(["--base-port", "abc"], {}))).toBe('--base-port must be a port number, got "abc"');
    expect(refusal(() => portOptionsFrom(["--base-port=7e3"], {}))).toBe('--base-port must be a port number, got "7e3"');
    expect(refusal(() => portOptionsFrom(["--app-port", "-1"], {}))).toBe('--app-port must be a port number, got "-1"');
    expect(refusal(() => portOptionsFrom([], { WIC_BASE_PORT: "seven" }))).toBe('WIC_BASE_PORT must be a port number, got "seven"');
    expect(refusal(() => portOptionsFrom(["--base-port"], {}))).toBe("--base-port needs a port number, e.g. --base-port 7000");
    expect(refusal(() => portOptionsFrom(["--base-port", "--preview"], {}))).toBe("--base-port needs a port number, e.g. --base-port 7000");
    expect(refusal(() => portOptionsFrom(["--base-port", "x", "--app-port", "y"], {})).split("\n")).toEqual(['--base-port must be a port number, got "x"', '--app-port must be a port number, got "y"']);
  });

  it("a number out of range passes the parse and is refused by resolvePorts with the value", () => {
    const { options } = portOptionsFrom(["--base-port", "99999"], {});
    expect(refusal(() => resolvePorts(options))).toMatch(/^--base-port must be a whole number from 1024 to 65528 .*, got 99999$/);
  });
});

describe("the stack configuration on a moved layout", () => {
  const layout = resolvePorts({ basePort: 7000 });
  const config = moved(layout);
  const issuer = loopbackOrigin(7001);

  it("the default layout changes nothing", () => {
    expect(moved(resolvePorts())).toEqual(loadStackConfig());
    expect(moved(resolvePorts({ preview: true }))).toEqual(loadStackConfig());
  });

  it("every endpoint is the layout's", () => {
    expect(config.endpoints).toEqual({
      idp: issuer,
      sts: loopbackOrigin(7002),
      app: loopbackOrigin(7000),
      google: loopbackOrigin(7003),
      amazon: loopbackOrigin(7004),
      facebook: loopbackOrigin(7005),
      s3: loopbackOrigin(7006),
      saml: loopbackOrigin(7007),
    });
  });

  it("the IAM OIDC provider, its ARN, the trust-policy condition keys and the policy variables follow the issuer", () => {
    expect(config.oidcProviders.map((p) => p.url)).toEqual([issuer]);
    expect(providerName(issuer)).toBe("127.0.0.1:7001");
    const arn = providerArn(config, issuer);
    expect(arn).toBe("arn:aws:iam::123456789012:oidc-provider/127.0.0.1:7001");
    for (const role of ["WebIdentityConsoleUser", "AliceOnly"]) {
      const trust = JSON.parse(trustOf(config, role)) as { Statement: { Principal: { Federated: string }; Condition: Record<string, Record<string, string>> }[] };
      expect(trust.Statement[0]?.Principal.Federated).toBe(arn);
      expect(Object.values(trust.Statement[0]?.Condition ?? {}).flatMap(Object.keys)).toEqual(expect.arrayContaining(["127.0.0.1:7001:aud"]));
    }
    expect(trustOf(config, "AliceOnly")).toContain('"127.0.0.1:7001:sub":"alice"');
    expect(permissionsOf(config, "WebIdentityConsoleUser")).toContain("users/${127.0.0.1:7001:sub}/*");
  });

  it("the built-in providers' URLs and the SAML metadata URL follow their personas and IdP", () => {
    expect(config.builtinProviders).toMatchObject({
      "accounts.google.com": { issuer: loopbackOrigin(7003) },
      "www.amazon.com": { tokenInfoUrl: `${loopbackOrigin(7004)}/auth/o2/tokeninfo` },
      "graph.facebook.com": { debugTokenUrl: `${loopbackOrigin(7005)}/debug_token` },
    });
    expect(config.samlProviders.map((p) => p.metadataUrl)).toEqual([`${loopbackOrigin(7007)}/saml/metadata`]);
  });

  it("the app client's redirect URIs (hence the CORS origins) are the moved app's, on 127.0.0.1 and localhost", () => {
    for (const client of config.clients) {
      expect(client.redirectUris).toEqual(["http://127.0.0.1:7000/", "http://localhost:7000/"]);
      expect(client.postLogoutRedirectUris).toEqual(["http://127.0.0.1:7000/", "http://localhost:7000/"]);
    }
  });

  it("every occurrence of a default port moved: as many new hosts as old ones, and no old port left", () => {
    const text = JSON.stringify(config);
    for (const part of STACK_PARTS) expect(count(text, `127.0.0.1:${layout.stack[part]}`)).toBe(count(rawStack, `127.0.0.1:${DEFAULT_STACK_PORTS[part]}`));
    expect(text).not.toMatch(/:(5173|4173|940\d)(?!\d)/);
  });

  it("a base whose stack lands on other parts' default ports moves each host once (9400 → 9401 while 9401 → 9402)", () => {
    const shifted = moved(resolvePorts({ basePort: 9400 }));
    expect(shifted.oidcProviders[0]?.url).toBe(loopbackOrigin(9401));
    expect(shifted.endpoints.sts).toBe(loopbackOrigin(9402));
    expect(shifted.builtinProviders["accounts.google.com"].issuer).toBe(loopbackOrigin(9403));
    expect(trustOf(shifted, "AliceOnly")).toContain('"127.0.0.1:9401:sub":"alice"');
    expect(shifted.clients[0]?.redirectUris).toEqual(["http://127.0.0.1:9400/", "http://localhost:9400/"]);
  });

  it("--app-port alone keeps the stack and moves only the app's redirect URIs", () => {
    const app = moved(resolvePorts({ appPort: 3000 }));
    const base = loadStackConfig();
    expect({ ...app, endpoints: { ...app.endpoints, app: base.endpoints.app }, clients: base.clients }).toEqual(base);
    expect(app.endpoints.app).toBe(loopbackOrigin(3000));
    expect(app.clients[0]?.redirectUris).toEqual(["http://127.0.0.1:3000/", "http://localhost:3000/"]);
  });
});

describe("the served config.json on a moved layout", () => {
  it("names the moved STS and providers, and is the file itself on the default layout", () => {
    expect(appConfigMoves(resolvePorts())).toEqual([]);
    expect(moveHosts(rawAppConfig, appConfigMoves(resolvePorts()))).toBe(rawAppConfig);
    const served = JSON.parse(moveHosts(rawAppConfig, appConfigMoves(resolvePorts({ basePort: 7000 })))) as {
      stsEndpoint: string;
      providers: { id: string; authority?: string; authorizationEndpoint?: string; tokenEndpoint?: string; profileEndpoint?: string }[];
    };
    expect(served.stsEndpoint).toBe(loopbackOrigin(7002));
    const byId = Object.fromEntries(served.providers.map((p) => [p.id, p]));
    expect(byId.local?.authority).toBe(loopbackOrigin(7001));
    expect(byId.google?.authority).toBe(loopbackOrigin(7003));
    expect(byId.amazon).toMatchObject({ authorizationEndpoint: `${loopbackOrigin(7004)}/ap/oa`, tokenEndpoint: `${loopbackOrigin(7004)}/auth/o2/token`, profileEndpoint: `${loopbackOrigin(7004)}/user/profile` });
    expect(byId.facebook?.tokenEndpoint).toBe(`${loopbackOrigin(7005)}/v19.0/oauth/access_token`);
    expect(JSON.stringify(served)).not.toMatch(/127\.0\.0\.1:940\d/);
  });

  it("public/config.json names no loopback origin other than the default stack's", () => {
    const defaults = new Set(STACK_PARTS.map((part) => loopbackOrigin(DEFAULT_STACK_PORTS[part])));
    const origins = [...rawAppConfig.matchAll(/https?:\/\/(?:127\.0\.0\.1|localhost)(?::\d+)?/g)].map((m) => m[0]);
    expect(origins.length).toBeGreaterThan(0);
    for (const origin of origins) expect(defaults).toContain(origin);
  });
});

describe("moveHosts and moveLoopbackUris", () => {
  it("moves whole hosts only, all at once", () => {
    const moves: [string, string][] = [
      ["127.0.0.1:9400", "127.0.0.1:9401"],
      ["127.0.0.1:9401", "127.0.0.1:9402"],
    ];
    expect(moveHosts("http://127.0.0.1:9400/x ${127.0.0.1:9400:sub} http://127.0.0.1:9401 127.0.0.1:94001 x127.0.0.1:9400", moves)).toBe(
      "http://127.0.0.1:9401/x ${127.0.0.1:9401:sub} http://127.0.0.1:9402 127.0.0.1:94001 x127.0.0.1:9400",
    );
    expect(moveHosts("unchanged", [])).toBe("unchanged");
  });

  it("moves loopback redirect URIs to the port, keeps the others and the path, drops duplicates", () => {
    expect(moveLoopbackUris(["http://127.0.0.1:5173/", "http://localhost:5173/", "http://127.0.0.1:4173/", "http://[::1]:4173/cb?x=1", "https://app.example.com/"], 7000)).toEqual([
      "http://127.0.0.1:7000/",
      "http://localhost:7000/",
      "http://[::1]:7000/cb?x=1",
      "https://app.example.com/",
    ]);
  });
});
