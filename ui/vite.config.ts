import { defineConfig } from "vite";

// The app is served from its own custom protocol under a strict CSP (script-src 'self',
// style-src 'self'), so the build must not emit inline scripts or styles.
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    // Two pages: the app, and the projector window (its own capability, made by
    // src-tauri/build.rs from src-tauri/src/command_list.rs).
    rollupOptions: {
      input: {
        main: "index.html",
        projector: "projector.html",
      },
    },
  },
});
