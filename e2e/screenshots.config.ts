// `npm run screenshots`: the README's pictures of the app (e2e/screenshots/*.png), made against the local stack that
// `npm start` serves. Not part of `npm test`: pictures are looked at, not compared pixel by pixel.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

const devServer = Array.isArray(base.webServer) ? base.webServer[0] : base.webServer;

export default defineConfig({
  ...base,
  testMatch: "screenshots.shots.ts",
  reporter: [["list"]],
  projects: [{ name: "screenshots", use: { baseURL: "http://127.0.0.1:5173" } }],
  ...(devServer ? { webServer: devServer } : {}),
});
