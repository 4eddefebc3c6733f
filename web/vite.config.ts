import { defineConfig } from 'vite';

/**
 * The console's build: React through esbuild's automatic JSX (no plugin: nothing here needs fast
 * refresh, and the build stays one dependency).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
