// The README's screenshots: the landing page and the console after sign-in, at desktop and phone size, light and dark.
import { fileURLToPath } from "node:url";
import { test, users } from "./fixtures";

const file = (name: string) => fileURLToPath(new URL(`./screenshots/${name}.png`, import.meta.url));

const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

for (const [size, viewport] of Object.entries(sizes)) {
  for (const scheme of ["light", "dark"] as const) {
    test(`${size}, ${scheme}`, async ({ consolePage: app, page }) => {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
      await page.screenshot({ path: file(`landing-${size}-${scheme}`) });
      await app.signIn(users.alice.username, users.alice.password);
      await app.expectWhoAmI(users.alice.username);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: file(`console-${size}-${scheme}`) });
    });
  }
}
