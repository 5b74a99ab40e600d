/**
 * <secure-meeting> at home in each stack, in real Chromium: a React 19 page
 * (`secure-meeting/react`, made with @lit/react), a Vue 3 page
 * (isCustomElement, a `.prop` binding, `@event` listeners) and a plain HTML
 * page with the single file. Each page renders the element, passes the
 * relay's API key as a property (the relay refuses a member without it),
 * shows the element's events in its own state, and carries a two-member
 * meeting. The apps are bundled with esbuild from the built package (dist/,
 * through its exports), as a site's build would.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { createRelayServer, type RelayServer } from '../../adapters/websocket/server.js';
import { eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, launchBrowser, openMember } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = join(ROOT, 'test/e2e/frameworks');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

const page = (script: string, title: string): string =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><div id="root"></div><script type="module" src="/${script}"></script></html>`;

describe('in React, Vue and plain HTML', () => {
  let dir: string;
  let http: Server;
  let relay: RelayServer;
  let origin: string;
  let browser: Browser;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secure-meeting-frameworks-'));
    await mkdir(join(dir, 'node_modules'));
    await symlink(ROOT, join(dir, 'node_modules/secure-meeting'));
    await build({
      entryPoints: { react: join(HERE, 'react-app.ts'), vue: join(HERE, 'vue-app.ts') },
      bundle: true,
      splitting: true,
      format: 'esm',
      outdir: dir,
      // `secure-meeting` resolves to this package as installed (its exports, dist/, its sideEffects), not to
      // the sources the tsconfig's paths name for the typecheck.
      nodePaths: [join(dir, 'node_modules')],
      tsconfigRaw: {},
      conditions: ['browser', 'production'],
      // Templates compiled in the browser need Vue's build with the compiler.
      alias: { vue: 'vue/dist/vue.esm-bundler.js' },
      define: {
        'process.env.NODE_ENV': '"production"',
        __VUE_OPTIONS_API__: 'true',
        __VUE_PROD_DEVTOOLS__: 'false',
        __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      },
      logLevel: 'error',
    });
    await writeFile(join(dir, 'react.html'), page('react.js', 'React'));
    await writeFile(join(dir, 'vue.html'), page('vue.js', 'Vue'));
    await copyFile(join(HERE, 'plain.html'), join(dir, 'plain.html'));
    await copyFile(join(ROOT, 'dist/secure-meeting.bundle.js'), join(dir, 'secure-meeting.bundle.js'));
    http = createServer(async (req, res) => {
      const file = normalize(join(dir, new URL(req.url ?? '/', 'http://x').pathname));
      const body = file.startsWith(dir + sep) ? await readFile(file).catch(() => null) : null;
      if (body === null) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    });
    relay = createRelayServer({ server: http, apiKeys: ['framework-key'] });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close();
    await relay?.close();
    await new Promise((resolve) => http?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  const cases: Array<[string, string, number]> = [
    ['React 19 (secure-meeting/react)', 'react.html', 741],
    ['Vue 3', 'vue.html', 742],
    ['plain HTML (the single file)', 'plain.html', 743],
  ];
  for (const [stack, file, channel] of cases) {
    test(`${stack}: renders the element, receives its events, carries a two-member meeting`, { timeout: 90_000 }, async () => {
      const members = new Map<string, Page>();
      for (const name of ['Alice', 'Bertrand']) {
        const member = await openMember(browser, `${origin}/${file}`);
        await joinThroughGate(member, { channel, password: `framework-${channel}`, name });
        members.set(name, member);
      }
      await expectEveryoneSeesAndHearsEveryone(members);
      for (const [name, member] of members) {
        const other = name === 'Alice' ? 'Bertrand' : 'Alice';
        const state = await eventually(`${name}'s app to show the events`, async () => {
          const text = await member.locator('#app-state').textContent();
          return text === `joined; peers: ${other}` ? text : undefined;
        });
        assert.equal(state, `joined; peers: ${other}`);
      }
      assert.equal(relay.stats().refused.unauthorized, 0, 'the API key reached the element as a property');
      for (const member of members.values()) await member.context().close();
    });
  }
});
