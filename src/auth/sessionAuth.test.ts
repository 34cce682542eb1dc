import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { showWhenReady, UNNOTICED_WAIT_MS } from "./sessionAuth";

describe("showWhenReady", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows at once when there is nothing to wait for", () => {
    const show = vi.fn();
    showWhenReady(undefined, show);
    expect(show).toHaveBeenCalledTimes(1);
  });

  it("shows when the session is ready before the wait becomes noticeable, once", async () => {
    const show = vi.fn();
    showWhenReady(Promise.resolve(), show);
    expect(show).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(show).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(UNNOTICED_WAIT_MS * 2);
    expect(show).toHaveBeenCalledTimes(1);
  });

  it("shows after the unnoticed wait when the session is still pending, and not again when it settles", async () => {
    const show = vi.fn();
    let settle!: () => void;
    showWhenReady(new Promise<void>((resolve) => (settle = resolve)), show);
    await vi.advanceTimersByTimeAsync(UNNOTICED_WAIT_MS - 1);
    expect(show).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(show).toHaveBeenCalledTimes(1);
    settle();
    await vi.advanceTimersByTimeAsync(1);
    expect(show).toHaveBeenCalledTimes(1);
  });

  it("shows when the wait fails, too", async () => {
    const show = vi.fn();
    showWhenReady(Promise.reject(new Error("no console chunk")), show);
    await vi.advanceTimersByTimeAsync(1);
    expect(show).toHaveBeenCalledTimes(1);
  });
});
