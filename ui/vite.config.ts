import { defineConfig } from "vite";

// Bundled into the Tauri app: relative asset paths, no CDN, nothing fetched at run time.
export default defineConfig({
  base: "./",
  clearScreen: false,
  esbuild: { jsx: "automatic" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
} as import("vite").UserConfig & { test: unknown });
