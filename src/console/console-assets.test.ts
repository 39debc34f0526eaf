import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { loadConsoleAssets } from './console-assets.js';
import type { ConsoleBackend } from './console-backend.js';
import { registerConsole } from './console-routes.js';
import { MetricsSampler } from './metrics-sampler.js';

/** The module specifiers a script imports (static imports and re-exports). */
function imports(js: string): string[] {
  return [
    ...js.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g),
  ].map((m) => m[1] as string);
}

describe('Console assets', () => {
  it('every import of every page script resolves to an asset the Console serves', () => {
    const assets = loadConsoleAssets();
    for (const name of ['index.html', 'customer.html', 'chart.js', 'customer/main.js'])
      assert.ok(assets.has(name), name);
    for (const name of ['uPlot.esm.js', 'uPlot.min.css', 'preact.mjs', 'hooks.mjs', 'htm.mjs'])
      assert.ok(assets.has(`vendor/${name}`), `vendor/${name}`);
    let checked = 0;
    for (const [name, a] of assets) {
      if (!/\.m?js$/.test(name)) continue;
      const base = new URL(name, 'http://x/console/');
      for (const spec of imports(a.body.toString('utf8'))) {
        // a bare name (`preact`) needs an import map, which the CSP would refuse
        assert.match(spec, /^\.{1,2}\//, `${name} imports "${spec}" by a bare name`);
        const target = new URL(spec, base).pathname.replace(/^\/console\//, '');
        assert.ok(assets.has(target), `${name} imports ${spec}: no asset ${target}`);
        checked++;
      }
    }
    assert.ok(checked > 10, `imports checked: ${checked}`);
  });

  it('serves the customer page and the libraries under the CSP, 404 for anything else', async () => {
    const app = Fastify();
    const sampler = new MetricsSampler({
      registries: [],
      gauges: async () => ({ lag: [], lakeFiles: 0 }),
    });
    // the asset routes never reach the backend
    registerConsole(app, {
      backend: {} as ConsoleBackend,
      sampler,
      adminKeySha256: 'ab'.repeat(32),
    });
    try {
      const page = await app.inject({ url: '/console/customer/' });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
      assert.match(page.body, /customer\/main\.js/);
      const lib = await app.inject({ url: '/console/vendor/hooks.mjs' });
      assert.equal(lib.statusCode, 200);
      assert.match(lib.headers['content-type'] as string, /^text\/javascript/);
      assert.match(lib.body, /from"\.\/preact\.mjs"/);
      assert.equal((await app.inject({ url: '/console/customer/market.js' })).statusCode, 200);
      assert.equal((await app.inject({ url: '/console/vendor/nope.js' })).statusCode, 404);
      assert.equal((await app.inject({ url: '/console/customer/..%2Fapp.js' })).statusCode, 404);
    } finally {
      await app.close();
    }
  });
});
