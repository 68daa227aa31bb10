import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

/**
 * One build, three worlds:
 *  - main: the Electron entry (index), the browser-mode server (serve), the headless CLI (wwb) and the
 *    benchmarks (bench); all node-world bundles that share src/main services and src/compute;
 *  - preload: sandboxed, so CommonJS;
 *  - renderer: the Vue app (src/renderer), also served as-is by browser mode.
 */
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          serve: resolve(__dirname, 'src/main/serve.ts'),
          wwb: resolve(__dirname, 'src/cli/wwb.ts'),
          bench: resolve(__dirname, 'bench/bench.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [vue()],
    worker: { format: 'es' },
    build: {
      target: 'es2023',
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
