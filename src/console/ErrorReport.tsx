import { explainError, isAwsClientError, isAwsServiceError } from "../aws/errors";
import { Fields } from "../ui/Fields";

/** A failed call, said plainly: what AWS (or the network) answered, what it means, what to do. */
export function ErrorReport({ title, error }: { title: string; error: unknown }) {
  const service = isAwsServiceError(error) ? error : undefined;
  const client = isAwsClientError(error) ? error : undefined;
  return (
    <div className="alert" role="alert">
      <h3>{title}</h3>
      <p>{explainError(error)}</p>
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
            ["Detail", client.message],
          ]}
        />
      )}
      {!service && !client && <p>{error instanceof Error ? error.message : String(error)}</p>}
    </div>
  );
}
