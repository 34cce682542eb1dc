import { explainError, isAwsClientError, isAwsServiceError } from "../aws/errors";
import { Fields } from "../ui/Fields";

/**
 * The heading of a failed call to `service`, saying what happened: it refused, it could not be reached, its answer
 * could not be read, or the call was never sent. `what` names the call ("the exchange").
 */
export function failureHeading(service: string, what: string, error: unknown): string {
  if (isAwsServiceError(error)) return `${service} refused ${what}`;
  if (!isAwsClientError(error)) return `${what[0]?.toUpperCase() ?? ""}${what.slice(1)} failed`;
  switch (error.kind) {
    case "cors-or-network":
    case "network":
      return `Could not reach ${service}`;
    case "timeout":
      return `${service} did not answer in time`;
    case "aborted":
      return `${what[0]?.toUpperCase() ?? ""}${what.slice(1)} was cancelled`;
    case "unexpected-response":
    case "invalid-response":
      return `${service}'s answer could not be read`;
    case "invalid-parameters":
    case "invalid-configuration":
      return `Not sent to ${service}: a setting is not valid`;
  }
}

/** A failed call, said plainly: what AWS (or the network) answered, what it means, what to do. */
export function ErrorReport({ title, error }: { title: string; error: unknown }) {
  const service = isAwsServiceError(error) ? error : undefined;
  const client = isAwsClientError(error) ? error : undefined;
  const explanation = explainError(error);
  return (
    <div className="alert" role="alert">
      <h3>{title}</h3>
      <p>{explanation}</p>
      {service && (
        <Fields
          label="Error details"
          items={[
            ["Code", service.code],
            ["Type", service.type],
            ["HTTP status", String(service.status)],
            ["AWS message", service.message],
            ["Request id", service.requestId],
          ]}
        />
      )}
      {client && (
        <Fields
          label="Error details"
          items={[
            ["Kind", client.kind],
            ["HTTP status", client.status === undefined ? undefined : String(client.status)],
            // The explanation above is often this very sentence: not said twice.
            ["Detail", client.message === explanation ? undefined : client.message],
          ]}
        />
      )}
      {!service && !client && <p>{error instanceof Error ? error.message : String(error)}</p>}
    </div>
  );
}
