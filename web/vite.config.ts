import { defineConfig } from 'vite';

/**
 * The console's build: React through esbuild's automatic JSX (no plugin: nothing here needs fast
 * refresh, and the build stays one dependency).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // React's production build whatever NODE_ENV the building process has: under the test runner it
  // is "test", which would otherwise ship React's development build (twice the size, slower) and
  // compile JSX for it.
  esbuild: { jsx: 'automatic', jsxDev: false },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
