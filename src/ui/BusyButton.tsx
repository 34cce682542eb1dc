import { forwardRef, type ButtonHTMLAttributes } from "react";

/**
 * A button that stays focusable while its action runs: `aria-disabled` instead of `disabled` (a disabled button drops
 * keyboard focus to <body>), and clicks — including a form's implicit submission by Enter — are ignored while busy.
 */
export const BusyButton = forwardRef<HTMLButtonElement, ButtonHTMLAttributes<HTMLButtonElement> & { busy: boolean }>(function BusyButton(
  { busy, onClick, type = "button", ...rest },
  ref,
) {
  return (
    <button
      ref={ref}
      type={type}
      aria-disabled={busy || undefined}
      onClick={(event) => {
        if (busy) {
          event.preventDefault();
          return;
        }
        onClick?.(event);
      }}
      {...rest}
    />
  );
});
