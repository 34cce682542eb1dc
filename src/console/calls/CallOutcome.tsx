import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { isAwsServiceError } from "../../aws/errors";
import type { Exchange } from "../../aws/exchange";
import type { StsCallResult } from "../../aws/sts";
import { ErrorReport } from "../ErrorReport";
import { ExchangeView } from "../ExchangeView";
import { fetchLocalTrace } from "../localTrace";

export interface OutcomeProps<T> {
  /** The operation's name, e.g. "AssumeRole". */
  operation: string;
  /** The mutation's state. */
  data: StsCallResult<T> | undefined;
  error: unknown;
  /** What a success shows. */
  children: (result: T) => ReactNode;
  /** Hides secrets in the raw views. */
  redact: (text: string) => string;
  /** The local stack's STS endpoint when config.json says `localTrace` (then refusals show why). */
  traceEndpoint: string | undefined;
  /** Offered when a refusal has an encoded authorization message. */
  onDecode?: ((encoded: string) => void) | undefined;
}

/** Why the local stack refused (its trace), with the encoded authorization message when it has one. */
function WhyRefused({ endpoint, requestId, onDecode }: { endpoint: string; requestId: string; onDecode?: ((encoded: string) => void) | undefined }) {
  const trace = useQuery({
    queryKey: ["local-trace", endpoint, requestId],
    queryFn: ({ signal }) => fetchLocalTrace(endpoint, requestId, signal),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const result = trace.data;
  if (!result) return null;
  if (!result.ok) return <p className="panel-meta">{result.problem}</p>;
  const encoded = result.trace.encodedAuthorizationMessage;
  return (
    <div className="why">
      <h4>Why (the local stack's policy trace)</h4>
      <p>{result.trace.summary}</p>
      {encoded && onDecode && (
        <p className="row">
          <button type="button" onClick={() => onDecode(encoded)}>
            Decode its authorization message
          </button>
          <span className="status">Real AWS gives such a message in some refusals (EC2, for one); DecodeAuthorizationMessage opens it.</span>
        </p>
      )}
    </div>
  );
}

/** A call's answer: the result, or the refusal explained; and the round trip, for inspection, either way. */
export function CallOutcome<T>({ operation, data, error, children, redact, traceEndpoint, onDecode }: OutcomeProps<T>) {
  const exchange: Exchange | undefined = error ? (error as { exchange?: Exchange }).exchange : data?.exchange;
  const refusal = isAwsServiceError(error) ? error : undefined;
  return (
    <>
      {error !== null && error !== undefined && <ErrorReport title={`${operation} failed`} error={error} />}
      {refusal && traceEndpoint && refusal.requestId && refusal.status === 403 && <WhyRefused endpoint={traceEndpoint} requestId={refusal.requestId} onDecode={onDecode} />}
      {!error && data && children(data.result)}
      {exchange && (
        <details className="inspect">
          <summary>Inspect the {operation} exchange{error ? " (failed)" : ""}</summary>
          <ExchangeView title={`${operation} exchange`} exchange={exchange} redact={redact} />
        </details>
      )}
    </>
  );
}
