// Component tests in Debian's Chromium (no browser downloads here), with a
// fake camera and microphone so getUserMedia works without hardware or prompts.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';

export default {
  files: ['test/components/**/*.test.ts'],
  // The browser builds of dependencies: mqtt.js ships Node's build as its default,
  // and socket.io's 'development' builds import the CommonJS-only debug package.
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  // esbuild reads experimentalDecorators/useDefineForClassFields from the tsconfig, as Lit's decorators need.
  plugins: [esbuildPlugin({ ts: true, tsconfig: 'tsconfig.json' })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--use-fake-device-for-media-stream',
          '--use-fake-ui-for-media-stream',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          // Under test/hermetic.sh only loopback exists; WebRTC skips it unless told otherwise.
          '--allow-loopback-in-peer-connection',
        ],
      },
    }),
  ],
  concurrency: 1,
  // Budgets are per test: each test sets its own `this.timeout(…)`, at least twice
  // what it needs on a busy 2-core machine. The two values here are only safety nets.
  testFramework: {
    // For a test that sets none (joining derives a key with 600 000 PBKDF2 rounds,
    // so mocha's 2 s default would be too tight on a slow machine).
    config: { timeout: 20000 },
  },
  // Applies to a whole test file (one browser session): far above anything a file
  // needs, so it only ends a browser that hangs, never a file that has grown.
  testsFinishTimeout: 15 * 60_000,
};
