/**
 * The local SAML IdP's signing key and self-signed X.509 certificate, made at boot: node:crypto generates the RSA
 * key, node-forge (the one module that imports it) builds and self-signs the certificate that the metadata
 * publishes. Nothing is written to disk: the local STS reads the certificate from the IdP's metadata.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";
import type { SigningCredentials } from "./xml";

/** Options of {@link createSigningCredentials}. */
export interface SigningCredentialOptions {
  /** The certificate's subject common name. Default `Local SAML IdP`. */
  commonName?: string;
  /** Certificate validity from now, in days. Default 365. */
  validDays?: number;
  /** RSA modulus length. Default 2048 (AWS requires at least 1024 bits in SAML metadata). */
  modulusLength?: number;
}

/** A fresh RSA key pair and a self-signed certificate for it (SHA-256 with RSA), both PEM. */
export function createSigningCredentials(opts: SigningCredentialOptions = {}): SigningCredentials {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: opts.modulusLength ?? 2048 });
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  // A positive serial number: 16 random bytes with the top bit cleared.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + (opts.validDays ?? 365) * 86_400_000);
  const subject = [{ name: "commonName", value: opts.commonName ?? "Local SAML IdP" }, { name: "organizationName", value: "Web Identity Console local stack" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  if (!new X509Certificate(certificatePem).checkPrivateKey(privateKey)) throw new Error("the generated certificate does not match its key");
  return { privateKeyPem, certificatePem };
}
