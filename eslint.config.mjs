import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'cdk.out',
      // Local cloud state folders (.local, .local-test, .local-bench, …) hold built bundles.
      '.local*',
      'dist',
      '**/dist',
      '*.js',
      '*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Handlers log through the Powertools Logger only, so nothing bypasses its redaction rules.
    files: ['lambda/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['web-client/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
