// Two builds:
// 1. The package's ESM entry points (components, core, each adapter and its
//    server part) into dist/, with dependencies left as imports so bundlers
//    dedupe Lit. An adapter is reached from the components only through a
//    dynamic import(), so it stays in its own chunk.
// 2. One self-contained, minified file a CMS page loads with a single
//    <script type="module">, Lit inlined. Each adapter (with mqtt.js or
//    socket.io-client inside) is a chunk in dist/bundle/ beside it, fetched
//    only when the element picks that adapter.
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const external = (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/') ||
  ['ws', 'mqtt', 'socket.io', 'socket.io-client'].includes(id) || id.startsWith('node:');

/** Names a lazily loaded adapter chunk after its folder: bundle/mqtt-<hash>.js. */
const chunkName = (chunk) => chunk.facadeModuleId?.match(/adapters[\\/](\w+)[\\/]index\.ts$/)?.[1] ?? chunk.name;

/**
 * engine.io-client (under socket.io-client) imports Node files such as
 * ./transports/polling-xhr.node.js and maps each to its browser twin in the
 * "browser" field of its package.json. @rollup/plugin-node-resolve does not
 * apply that map to relative imports inside a package with "exports", and the
 * bundle then carried xmlhttprequest-ssl and its require() calls. Resolve the
 * browser twins ourselves.
 */
const engineIoBrowserFiles = {
  name: 'engine.io-browser-files',
  resolveId(source, importer, options) {
    if (!importer || !/[\\/]engine\.io-client[\\/]/.test(importer) || !source.startsWith('.') || !source.endsWith('.node.js')) return null;
    return this.resolve(source.replace(/\.node\.js$/, '.js'), importer, { ...options, skipSelf: true });
  },
};

export default [
  {
    input: {
      'core/index': 'core/index.ts',
      'components/index': 'components/index.ts',
      'adapters/websocket/index': 'adapters/websocket/index.ts',
      'adapters/websocket/server': 'adapters/websocket/server.ts',
      'adapters/mqtt/index': 'adapters/mqtt/index.ts',
      'adapters/socketio/index': 'adapters/socketio/index.ts',
      'adapters/socketio/server': 'adapters/socketio/server.ts',
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
    // Lets the shared code stay in the entry file (the adapter chunks import
    // from it) instead of a second chunk behind a two-line facade.
    preserveEntrySignatures: 'allow-extension',
    plugins: [
      engineIoBrowserFiles,
      nodeResolve({ browser: true }),
      esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }),
      terser({ format: { comments: false } }),
    ],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: 'secure-meeting.bundle.js',
      chunkFileNames: (chunk) => `bundle/${chunkName(chunk)}-[hash].js`,
    },
  },
];
