import { startDemoServer } from '/work/wt-identity/demo/server.js';
import { launchBrowser } from '/work/wt-identity/test/e2e/browser.js';
import { floodCpu, openRates } from '/work/wt-identity/bench/identity.js';
const demo = await startDemoServer({ port: 0 });
const browser = await launchBrowser();
try {
  console.log('start'); console.log(await openRates(browser, demo));
  console.log(await floodCpu(browser, demo, 801, 45, 4));
} finally { await browser.close(); await demo.close(); }
