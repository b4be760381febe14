/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes where FastAPI serves it in embedded mode (src/verae/web/, not committed).
const outDir = fileURLToPath(new URL("../src/verae/web", import.meta.url));
const apiTarget = process.env.VERAE_API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: { "/api": { target: apiTarget, changeOrigin: false } },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    // The machine is shared with the Python suite and the browser tests; generous limits avoid flakes.
    testTimeout: 15_000,
  },
});
