// Lint: typescript-eslint's recommended rules over every TypeScript file; build output ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';
import { layersRule } from './eslint-rules/layers.js';

const root = fileURLToPath(new URL('.', import.meta.url));

// The layers of src/ (see eslint-rules/layers.js): `allow` lists every folder of ours a zone
// may import from, `forbid` the folders it must not; npm packages are always allowed.
export const layerZones = [
  { from: ['src/renderer'], allow: ['src/renderer', 'src/shared'], noBuiltins: true,
    why: 'the UI runs in a browser page and talks to the host only through the contract.' },
  { from: ['src/preload'], allow: ['src/preload', 'src/shared'], noBuiltins: true,
    why: 'the preload runs sandboxed beside the page: it passes the contract through, nothing more.' },
  { from: ['src/shared'], allow: ['src/shared'], noBuiltins: true,
    why: 'the contract is read by the UI, the host and the pty host alike: no Node, DOM or Electron.' },
  { from: ['src/node'], allow: ['src/node', 'src/shared'],
    why: 'code both Node processes run knows no host, pty host or CLI.' },
  { from: ['src/ptyhost'], allow: ['src/ptyhost', 'src/node', 'src/shared'],
    why: 'the pty host outlives the host: it never loads the database, the engine or the CLI.' },
  { from: ['src/main/heartbeat'], forbid: ['src/main/services', 'src/main/transports', 'src/main/electron'],
    why: 'the engine is below the verbs and the transports that call it.' },
  { from: ['src/main'], forbid: ['src/cli', 'src/renderer', 'src/preload'],
    why: 'the host is below the CLI and knows the UI only through the contract.' },
  // Electron exists only inside the desktop app: the host, the CLI and the pty host run under plain Node.
  { from: ['src'], electronOnly: ['src/main/electron', 'src/preload'] },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-artifacts/**', 'src/main/db/migrations/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', window: 'readonly', document: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Terminal output is made of control characters: matching them is the point.
      'no-control-regex': 'off',
    },
  },
  { files: ['tests/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    // What `vigil` loads before any verb runs (agents call it many times a run): a Node built-in
    // imported as an ES module costs about a millisecond (its facade reads every export), so these
    // files take built-ins with process.getBuiltinModule where they are used. Modules a verb
    // imports on use (doctor, mcp) may import them as usual. tests/cli/lean-load.test.ts checks
    // the built bundle. (src/shared may not import built-ins at all: the layers rule says so.)
    files: ['src/cli/**/*.ts', 'src/node/paths.ts'],
    ignores: ['src/cli/doctor.ts', 'src/cli/doctor-database.ts', 'src/cli/mcp/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], allowTypeImports: true, message: "the CLI's start-up path: use process.getBuiltinModule() where the built-in is needed" }] }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx,js,mjs}'],
    plugins: { vigil: { rules: { layers: layersRule } } },
    rules: { 'vigil/layers': ['error', { root, zones: layerZones }] },
  },
);
