import { describe, expect, it } from "vitest";
import { AwsClientError, AwsServiceError } from "../aws/errors";
import { failureHeading } from "./ErrorReport";

describe("failureHeading says what happened, not always 'refused'", () => {
  it("names a refusal, an unreachable or silent STS, an unreadable answer and a call never sent", () => {
    const heading = (error: unknown) => failureHeading("STS", "the exchange", error);
    expect(heading(new AwsServiceError({ code: "AccessDenied", status: 403, message: "Not authorized", requestId: "r", body: "" }))).toBe("STS refused the exchange");
    expect(heading(new AwsClientError("cors-or-network", "Failed to fetch"))).toBe("Could not reach STS");
    expect(heading(new AwsClientError("network", "reset"))).toBe("Could not reach STS");
    expect(heading(new AwsClientError("timeout", "15 s"))).toBe("STS did not answer in time");
    expect(heading(new AwsClientError("aborted", "cancelled"))).toBe("The exchange was cancelled");
    expect(heading(new AwsClientError("unexpected-response", "HTML"))).toBe("STS's answer could not be read");
    expect(heading(new AwsClientError("invalid-parameters", "roleArn"))).toBe("Not sent to STS: a setting is not valid");
    expect(heading(new Error("boom"))).toBe("The exchange failed");
  });
});
