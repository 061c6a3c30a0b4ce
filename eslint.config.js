// Type-aware linting: floating promises and misused promises are errors, because an
// unawaited database call is how a request finishes before its write does.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // deploy/aws is a package of its own (the CDK app), typechecked and tested by its own scripts.
  { ignores: ['dist/', 'node_modules/', 'public/vendor/', 'uploads/', 'coverage/', 'test-results/', 'deploy/aws/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // SQL is built only with ? placeholders: interpolating anything but a CONSTANT (such as a
      // column list) into a query string is a bug.
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name=/^(query|execute)$/] > TemplateLiteral > :not(TemplateElement, Identifier[name=/^[A-Z][A-Z0-9_]*$/])",
        message: 'Build SQL with ? placeholders, never with ${} interpolation.',
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', document: 'readonly', window: 'readonly', URL: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }] }] },
  },
);
