import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Scratch directories (.tmp*, .scratch*) are local and never committed.
    ignores: [
      'node_modules/**',
      '.dhanman/**',
      'coverage/**',
      'dist/**',
      'web/dist/**',
      '.tmp*/**',
      '.scratch*/**',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  // Syntax-only rules: type-aware linting would double the time of `npm test` for little gain.
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The web console runs in the browser.
    files: ['web/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
