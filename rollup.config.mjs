// Two builds:
// 1. The package's ESM entry points (components, core, each adapter and its
//    server part) into dist/, with dependencies left as imports so bundlers
//    dedupe Lit. An adapter is reached from the components only through a
//    dynamic import(), so it stays in its own chunk.
// 2. One self-contained, minified file a CMS page loads with a single
//    <script type="module">: Lit and the browser adapters inlined.
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const external = (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/') ||
  id === 'ws' || id.startsWith('node:');

export default [
  {
    input: {
      'core/index': 'core/index.ts',
      'components/index': 'components/index.ts',
      'adapters/websocket/index': 'adapters/websocket/index.ts',
      'adapters/websocket/server': 'adapters/websocket/server.ts',
    },
    external,
    plugins: [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
  },
  {
    input: 'components/index.ts',
    plugins: [
      nodeResolve({ browser: true }),
      esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }),
      terser({ format: { comments: false } }),
    ],
    output: {
      file: 'dist/secure-meeting.bundle.js',
      format: 'es',
      inlineDynamicImports: true,
    },
  },
];
