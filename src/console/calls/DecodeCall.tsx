import { forwardRef, useId } from "react";
import { decodeAuthorizationMessage } from "../../aws/sts";
import { Raw } from "../../ui/Raw";
import { redactor } from "../ExchangeView";
import { CallCard } from "./CallCard";
import { CallOutcome } from "./CallOutcome";
import type { CallsContext } from "./context";
import { useStsCall } from "./useStsCall";

/** AWS's decoded message is JSON on one line: shown indented, or as sent when it is not JSON. */
function indented(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/**
 * DecodeAuthorizationMessage: what an encoded authorization failure message says — whether the request was allowed,
 * which statement decided, and the request's context. Needs `sts:DecodeAuthorizationMessage`.
 */
export const DecodeCall = forwardRef<HTMLTextAreaElement, { ctx: CallsContext; message: string; onMessage: (m: string) => void }>(function DecodeCall({ ctx, message, onMessage }, ref) {
  const id = useId();
  const call = useStsCall(ctx.config, ctx.lifecycle, (client, encoded: string, signal) => decodeAuthorizationMessage(client, encoded, { signal }));
  return (
    <CallCard
      title="DecodeAuthorizationMessage"
      about="Some refusals carry an encoded message about why (EC2's “Encoded authorization failure message”, for one). STS decodes it for callers allowed sts:DecodeAuthorizationMessage."
      action="Call DecodeAuthorizationMessage"
      busy={call.isPending}
      onRun={() => call.mutate(message.trim())}
      inputs={
        <>
          <label htmlFor={id}>Encoded message</label>
          <textarea id={id} ref={ref} rows={3} value={message} spellCheck={false} onChange={(e) => onMessage(e.target.value)} />
        </>
      }
    >
      <CallOutcome operation="DecodeAuthorizationMessage" data={call.data} error={call.error} redact={redactor(ctx.secrets)} traceEndpoint={ctx.traceEndpoint}>
        {(r) => <Raw label="Decoded message" text={indented(r.decodedMessage)} open copy={r.decodedMessage} />}
      </CallOutcome>
    </CallCard>
  );
});
