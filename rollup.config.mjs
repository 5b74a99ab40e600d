// Two builds:
// 1. The package's ESM entry points (components, core, each adapter and its
//    server part) into dist/, with dependencies left as imports so bundlers
//    dedupe Lit. An adapter is reached from the components only through a
//    dynamic import(), so it stays in its own chunk.
// 2. One self-contained, minified file per relay, for a page (a CMS media
//    library) given a single file and one <script type="module">: Lit, core,
//    the elements and the WebSocket adapter, plus mqtt.js or
//    socket.io-client in the two others. No chunks and no import(): the
//    adapters are compiled in (components/bundles/*.ts), so the file fetches
//    nothing else.
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const external = (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/') ||
  ['ws', 'mqtt', 'socket.io', 'socket.io-client', 'idb', 'react'].includes(id) || id.startsWith('node:');

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

/** package.json's "bin" is run as a program: it needs its #! line. */
const shebang = {
  name: 'shebang',
  renderChunk(code, chunk) {
    return chunk.name === 'cli/bin' ? { code: '#!/usr/bin/env node\n' + code, map: null } : null;
  },
};

/** Single-file bundles: components/bundles/<entry>.ts → dist/<file>. */
const SINGLE_FILES = {
  websocket: 'secure-meeting.bundle.js',
  mqtt: 'secure-meeting.mqtt.bundle.js',
  socketio: 'secure-meeting.socketio.bundle.js',
};

export default [
  {
    input: {
      'core/index': 'core/index.ts',
      'components/index': 'components/index.ts',
      'components/react': 'components/react.ts',
      'adapters/websocket/index': 'adapters/websocket/index.ts',
      'adapters/websocket/server': 'adapters/websocket/server.ts',
      'adapters/websocket/cluster': 'adapters/websocket/cluster.ts',
      'adapters/mqtt/index': 'adapters/mqtt/index.ts',
      'adapters/socketio/index': 'adapters/socketio/index.ts',
      'adapters/socketio/server': 'adapters/socketio/server.ts',
      // The relay CLI: relay.ts finds package.json two folders up, so it stays an entry of its own.
      'cli/relay': 'adapters/cli/relay.ts',
      'cli/bin': 'adapters/cli/bin.ts',
    },
    external,
    plugins: [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }), shebang],
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
  },
  ...Object.entries(SINGLE_FILES).map(([entry, file]) => ({
    input: `components/bundles/${entry}.ts`,
    plugins: [
      engineIoBrowserFiles,
      nodeResolve({ browser: true }),
      esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }),
      terser({ format: { comments: false } }),
    ],
    // The lazily loaded panels are compiled in too: the file fetches nothing else.
    output: { file: `dist/${file}`, format: 'es', inlineDynamicImports: true },
  })),
];
