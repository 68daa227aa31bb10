// The layering of ARCHITECTURE.md, stated once and enforced on every file. Do not relax these rules:
// a folder that needs something it may not import is asking for a new contract in src/shared.
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const folders = {
  main: '**/main/**',
  renderer: '**/renderer/**',
  compute: '**/compute/**',
  preload: '**/preload/**',
  cli: '**/cli/**',
};

/** Build a no-restricted-imports rule from forbidden packages and forbidden source folders. */
function layer(what, { packages = [], folderNames = [], builtins = false }) {
  const paths = [...packages, ...(builtins ? nodeBuiltins : [])].map((name) => ({
    name,
    message: `${what} may not import '${name}' (see ARCHITECTURE.md, folder rules).`,
  }));
  const patterns = [
    ...folderNames.map((f) => ({
      group: [folders[f], `../${f}/*`, `../../${f}/*`, `../../../${f}/*`, `../../../../${f}/*`],
      message: `${what} may not import from src/${f} (see ARCHITECTURE.md, folder rules).`,
    })),
    ...packages.map((p) => ({ group: [`${p}/*`], message: `${what} may not import '${p}'.` })),
  ];
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

const uiPackages = ['vue', 'pinia', 'echarts', 'electron'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'docs/**'] },
  {
    files: ['**/*.ts', '**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-implied-eval': 'error',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: layer('src/shared', {
      packages: [...uiPackages, 'better-sqlite3', 'ws', 'webgpu'],
      folderNames: ['main', 'renderer', 'compute', 'preload', 'cli'],
      builtins: true,
    }),
  },
  {
    files: ['src/compute/**/*.ts'],
    rules: layer('src/compute', {
      packages: [...uiPackages, 'better-sqlite3', 'ws', 'webgpu'],
      folderNames: ['main', 'renderer', 'preload', 'cli'],
      builtins: true,
    }),
  },
  {
    files: ['src/main/**/*.ts'],
    rules: layer('src/main', { packages: ['vue', 'pinia', 'echarts'], folderNames: ['renderer', 'compute', 'preload', 'cli'] }),
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: layer('src/preload', {
      packages: ['vue', 'pinia', 'echarts', 'better-sqlite3', 'ws', 'webgpu'],
      folderNames: ['main', 'renderer', 'compute', 'cli'],
      builtins: true,
    }),
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    rules: layer('src/renderer', {
      packages: ['electron', 'better-sqlite3', 'ws', 'webgpu'],
      folderNames: ['main', 'preload', 'cli'],
      builtins: true,
    }),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: layer('src/cli', { packages: ['vue', 'pinia', 'echarts', 'electron'], folderNames: ['renderer', 'preload'] }),
  },
);
