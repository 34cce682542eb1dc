import { jsonSyntaxProblem } from "../config";
import { sessionNameProblem } from "../credentials/session";

/** The exchange form's fields that can be wrong, in the order they appear. */
export type ExchangeField = "sessionName" | "duration" | "policy";

export interface FieldProblem {
  field: ExchangeField;
  message: string;
}

/** STS's DurationSeconds range for AssumeRoleWithWebIdentity (the role's own maximum may be lower; STS says so). */
export function durationProblem(text: string): string | undefined {
  const seconds = Number(text);
  return text.trim() !== "" && Number.isInteger(seconds) && seconds >= 900 && seconds <= 43200 ? undefined : "Duration must be 900–43200 seconds.";
}

/**
 * An inline session policy is JSON: parsed here before it is sent, so a syntax error says where it is (line and
 * column, where the browser tells the position) instead of coming back from STS as MalformedPolicyDocument. Empty
 * means no session policy.
 */
export function policyProblem(text: string): string | undefined {
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `Session policy is not valid JSON: ${jsonSyntaxProblem(text, e, (line) => `“${line.trim()}”`)}`;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? undefined : 'Session policy must be a JSON object: a policy document such as { "Version": "2012-10-17", "Statement": [ … ] }.';
}

/** The fields' visible labels, for the message that says why the form was not sent. */
export const FIELD_LABELS: Record<ExchangeField, string> = { sessionName: "Session name", duration: "Duration (seconds)", policy: "Session policy JSON" };

/** Why a submission was not sent: the fields to fix, by their labels. */
export function notSentText(problems: FieldProblem[]): string {
  const labels = problems.map((p) => FIELD_LABELS[p.field]);
  const list = labels.length > 1 ? `${labels.slice(0, -1).join(", ")} and ${labels.at(-1) ?? ""}` : (labels[0] ?? "");
  return `Not sent to STS: fix ${list}.`;
}

/** Every problem of the form, in field order (the first is where focus goes). */
export function exchangeFormProblems(input: { sessionName: string; duration: string; policy: string }): FieldProblem[] {
  const problems: [ExchangeField, string | undefined][] = [
    ["sessionName", sessionNameProblem(input.sessionName)],
    ["duration", durationProblem(input.duration)],
    ["policy", policyProblem(input.policy)],
  ];
  return problems.flatMap(([field, message]) => (message === undefined ? [] : [{ field, message }]));
}
