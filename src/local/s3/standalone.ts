/**
 * The S3 stand-in alone in a process of its own, for tests that kill it mid-write (the durability test): reads the
 * session key (`WIC_S3_SESSION_KEY`, 64 hex digits, so the test can mint credentials the server accepts) and the
 * data folder (`WIC_S3_DATA_DIR`), starts on a free port of 127.0.0.1 and prints `{"url": "…"}` as one line on stdout.
 * Run with `node --import tsx src/local/s3/standalone.ts`. Not part of `npm start`.
 */
import { loadStackConfig } from "../config";
import { createSessionStore } from "../sts/sessions";
import { startS3 } from "./server";

const key = process.env.WIC_S3_SESSION_KEY ?? "";
if (!/^[0-9a-f]{64}$/i.test(key)) {
  console.error("WIC_S3_SESSION_KEY must be 64 hex digits (the 32-byte session key)");
  process.exit(2);
}
const s3 = await startS3({ config: loadStackConfig(), sessions: createSessionStore(Buffer.from(key, "hex")), quiet: true });
process.stdout.write(`${JSON.stringify({ url: s3.url, dataDir: s3.dataDir })}\n`);
process.on("SIGTERM", () => void s3.close().then(() => process.exit(0)));
