import { useId } from "react";
import type { Exchange } from "../aws/exchange";
import type { TemporaryCredentials } from "../aws/sts";
import { CopyButton } from "../ui/Raw";
import { bashEnvironment, credentialsProfile, curlCommand, powerShellEnvironment } from "./credentialFormats";

/**
 * "Use these credentials": copy them as environment variables (bash, PowerShell) or an `~/.aws/credentials` profile.
 * Nothing is shown; each copy is an explicit click and contains the secret key and the session token.
 */
export function CredentialExports({ credentials, region, level = 3 }: { credentials: TemporaryCredentials; region: string; level?: 3 | 4 }) {
  const heading = useId();
  const Heading = level === 3 ? "h3" : "h4";
  return (
    <div role="group" aria-labelledby={heading}>
      <Heading id={heading}>Use these credentials</Heading>
      <p className="panel-meta">Each copy holds the secret key and the session token in full.</p>
      <p className="row">
        <CopyButton label="Copy as environment variables (bash)" value={bashEnvironment(credentials, region)} />
      </p>
      <p className="row">
        <CopyButton label="Copy as environment variables (PowerShell)" value={powerShellEnvironment(credentials, region)} />
      </p>
      <p className="row">
        <CopyButton label="Copy as an AWS credentials profile" value={credentialsProfile(credentials, region)} />
      </p>
    </div>
  );
}

/** "Copy as curl" for the last signed call: curl signs it again with these credentials when run. */
export function CopyAsCurl({ exchange, credentials }: { exchange: Exchange; credentials: TemporaryCredentials }) {
  const command = curlCommand(exchange, credentials);
  if (!command) return null;
  return (
    <p className="row">
      <CopyButton label="Copy as curl" value={command} />
      <span className="status">curl 7.75+ signs it again (--aws-sigv4); the command holds the secret key.</span>
    </p>
  );
}
