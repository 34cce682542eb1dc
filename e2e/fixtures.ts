import { test as base } from "@playwright/test";
import { ConsolePage } from "./pages/ConsolePage";

export const users = {
  alice: { username: "alice", password: "alice-password" },
  bob: { username: "bob", password: "bob-password" },
} as const;

export const test = base.extend<{ consolePage: ConsolePage }>({
  consolePage: async ({ page }, use) => {
    const consolePage = new ConsolePage(page);
    await consolePage.goto();
    await use(consolePage);
  },
});

export { expect } from "@playwright/test";
