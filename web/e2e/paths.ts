import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** Screenshots of every screen at desktop and phone width (not committed). */
export const ARTIFACTS = join(REPO, "test-artifacts", "web");
export const FIXTURES = join(REPO, "web", "test-results", "fixtures");
