/**
 * The Dockerfile, compose.yaml and deploy/kubernetes cannot run here (no container
 * runtime), so this test keeps them from going stale: every command they run is a real
 * `faresight` command with real options, every FARESIGHT_ variable is a config key and the
 * whole set loads as a config, every port is the config's default or the role's
 * --metrics-port, every probe path answers 200 on the server of its role, and every
 * metric an autoscaler reads is one the code exports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import YAML from 'yaml';
import { configSchema } from '../config/config.js';
import { configKeys } from '../config/config-keys.js';
import { loadConfig, NON_CONFIG_ENV } from '../config/load-config.js';
import { silentLogger } from '../ops/logger.js';
import { serveProbes } from './compose/probe-server.js';
import { buildProgram } from './main.js';
import { type Platform, startPlatform } from './platform.js';
import { serveMetrics } from './serve-metrics.js';

const repo = join(import.meta.dirname, '..', '..');
const k8sDir = join(repo, 'deploy', 'kubernetes');
const ROLES = ['ingest', 'api', 'lake', 'realtime', 'etl', 'sql'] as const;
type Role = (typeof ROLES)[number];
/** Variables of the AWS SDK's default credential chain, which the S3 lake reads. */
const AWS_ENV = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']);
const defaults = configSchema.parse({});

/** Parsed YAML, read field by field by assertions that name what is missing. */
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked by the assertions
type Y = any;
type Doc = { kind: string; metadata: { name: string }; spec: Y; data?: Y; stringData?: Y };
const docs: Doc[] = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) =>
    YAML.parseAllDocuments(readFileSync(join(k8sDir, f), 'utf8')).map((d) => {
      assert.equal(d.errors.length, 0, `${f}: ${d.errors.join('; ')}`);
      return d.toJS() as Doc;
    }),
  );
const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);

let program: Command;
let platform: Platform;
let probeBase: string;
let metricsBase: string;
const closers: (() => Promise<void>)[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'fs-deploy-'));

before(async () => {
  program = await buildProgram();
  platform = await startPlatform(
    configSchema.parse({
      dataDir,
      ingest: { port: 0 },
      api: { port: 0 },
      sql: { port: 0 },
    }),
    silentLogger,
  );
  closers.push(() => platform.stop());
  const probes = await serveProbes(new Registry(), '127.0.0.1', 0);
  closers.push(probes.close);
  probeBase = probes.url;
  const metrics = await serveMetrics(new Registry(), '127.0.0.1', 0);
  closers.push(metrics.close);
  metricsBase = metrics.url.replace(/\/metrics$/, '');
});
after(async () => {
  for (const c of closers.reverse()) await c();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The HTTP server a role's probes reach: the real ingest, API, or probe/metrics server. */
function serverOf(role: Role): string {
  const bases: Record<Role, string | undefined> = {
    ingest: platform.ingestUrl,
    api: platform.apiUrl,
    lake: probeBase,
    etl: probeBase,
    realtime: metricsBase,
    sql: undefined,
  };
  const base = bases[role];
  assert.ok(base, `${role} serves no HTTP: its probes must be tcpSocket`);
  return base;
}

async function assertRoute(role: Role, path: string, where: string) {
  const res = await fetch(`${serverOf(role)}${path}`);
  await res.arrayBuffer();
  assert.equal(
    res.status,
    200,
    `${where}: GET ${path} on the ${role} server answers ${res.status}`,
  );
}

/**
 * Checks `args` is a real command line of `faresight` (commands, subcommands, options
 * and their values) and returns the role (the top-level command) and its options.
 */
function checkCommand(args: readonly string[], where: string) {
  let cmd = program;
  const options = new Map<string, string | true>();
  const path: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      const opt = [cmd, program]
        .flatMap((c) => c.options)
        .find((o) => o.long === a || o.short === a);
      assert.ok(opt, `${where}: "faresight ${path.join(' ')}" has no option ${a}`);
      if (opt.required || opt.optional) {
        const v = args[++i];
        assert.ok(v !== undefined, `${where}: ${a} needs a value`);
        options.set(opt.long!, v);
      } else options.set(opt.long!, true);
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === a);
    assert.ok(sub, `${where}: "faresight ${[...path, a].join(' ')}" is not a command`);
    cmd = sub;
    path.push(a);
  }
  assert.ok(path.length > 0, `${where}: no command`);
  return { role: path[0] as string, options };
}

/** Every FARESIGHT_ variable is a config key, and together they load as a valid config. */
function checkEnv(env: Record<string, string>, where: string) {
  const known = new Set([...configKeys().map((k) => k.env), ...NON_CONFIG_ENV]);
  for (const name of Object.keys(env)) {
    if (name.startsWith('FARESIGHT_'))
      assert.ok(known.has(name), `${where}: ${name} is not a config key`);
    else assert.ok(AWS_ENV.has(name), `${where}: ${name} is read by nothing`);
  }
  const cwd = mkdtempSync(join(tmpdir(), 'fs-deploy-env-'));
  try {
    return loadConfig({ env, cwd }).config;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The port a role serves on: the config's (which must be the default) or its --metrics-port. */
function expectedPort(role: string, options: Map<string, string | true>): number | undefined {
  const metrics = options.get('--metrics-port');
  if (typeof metrics === 'string') return Number(metrics);
  if (role === 'ingest') return defaults.ingest.port;
  if (role === 'api' || role === 'up') return defaults.api.port;
  if (role === 'sql') return defaults.sql.port;
  return undefined;
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('kustomization lists every manifest file and only those', () => {
    const k = YAML.parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'));
    const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(
      [...k.resources].sort(),
      files.filter((f) => f !== 'kustomization.yaml').sort(),
    );
  });

  it('config and secrets name only config keys and load as a distributed config', () => {
    const [cm] = ofKind('ConfigMap');
    const [secret] = ofKind('Secret');
    const env = { ...cm!.data, ...secret!.stringData };
    const config = checkEnv(env, 'ConfigMap + Secret');
    assert.equal(config.stream.backend, 'jetstream');
    assert.equal(config.rowStore.backend, 'postgres');
    assert.equal(config.cache.backend, 'redis');
    assert.equal(config.lake.objectStore.backend, 's3');
    // Bound beyond loopback, so authentication must be configured (secure by default).
    assert.ok(Object.keys(config.ingest.vendors).length > 0);
    assert.ok(Object.keys(config.api.keys).length > 0);
    assert.equal(config.ingest.port, defaults.ingest.port);
    assert.equal(config.api.port, defaults.api.port);
    assert.equal(config.sql.port, defaults.sql.port);
  });

  it('runs one Deployment per role, each a real command with real probes and ports', async () => {
    const deployments = ofKind('Deployment');
    const seen = new Set<string>();
    for (const d of deployments) {
      const where = `Deployment ${d.metadata.name}`;
      const pod = d.spec.template.spec;
      assert.ok(d.spec.replicas >= 1, `${where}: replicas`);
      assert.equal(pod.securityContext.runAsNonRoot, true, `${where}: non-root`);
      const [c] = pod.containers;
      const { role, options } = checkCommand(c.args, where);
      assert.ok((ROLES as readonly string[]).includes(role), `${where}: ${role} is not a role`);
      seen.add(role);
      assert.deepEqual(c.envFrom.map((e: Y) => e.configMapRef?.name ?? e.secretRef?.name).sort(), [
        'faresight-config',
        'faresight-secrets',
      ]);
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${where}: requests`);
      const ports = new Map<string, number>(c.ports.map((p: Y) => [p.name, p.containerPort]));
      assert.deepEqual([...ports.values()], [expectedPort(role, options)], `${where}: port`);
      for (const kind of ['readinessProbe', 'livenessProbe']) {
        const probe = c[kind];
        assert.ok(probe, `${where}: ${kind}`);
        const h = probe.httpGet ?? probe.tcpSocket;
        assert.ok(
          ports.has(h.port) || [...ports.values()].includes(h.port),
          `${where}: ${kind} port ${h.port}`,
        );
        if (probe.httpGet) await assertRoute(role as Role, probe.httpGet.path, `${where} ${kind}`);
      }
      const scrape = d.spec.template.metadata.annotations;
      if (scrape) {
        assert.equal(Number(scrape['prometheus.io/port']), [...ports.values()][0]);
        await assertRoute(role as Role, scrape['prometheus.io/path'], `${where} scrape`);
      }
    }
    assert.deepEqual([...seen].sort(), [...ROLES].sort());
  });

  it('Services, HPAs, PodDisruptionBudgets and ScaledObjects target what exists', () => {
    const deployments = ofKind('Deployment');
    const byLabels = (sel: Record<string, string>) =>
      deployments.filter((d) =>
        Object.entries(sel).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
    for (const s of ofKind('Service')) {
      const [d] = byLabels(s.spec.selector);
      assert.ok(d, `Service ${s.metadata.name} selects no Deployment`);
      const names = d.spec.template.spec.containers[0].ports.map((p: Y) => p.name);
      for (const p of s.spec.ports) assert.ok(names.includes(p.targetPort), `${s.metadata.name}`);
    }
    for (const p of ofKind('PodDisruptionBudget'))
      assert.equal(byLabels(p.spec.selector.matchLabels).length, 1, `PDB ${p.metadata.name}`);
    assert.equal(ofKind('PodDisruptionBudget').length, deployments.length);
    const names = new Set(deployments.map((d) => d.metadata.name));
    const hpa = ofKind('HorizontalPodAutoscaler');
    for (const h of hpa) assert.ok(names.has(h.spec.scaleTargetRef.name), h.metadata.name);
    assert.deepEqual(hpa.map((h) => h.spec.scaleTargetRef.name).sort(), [
      'faresight-api',
      'faresight-ingest',
    ]);
    const http = deployments.filter((d) =>
      ['ingest', 'api', 'sql'].includes(
        d.spec.template.metadata.labels['app.kubernetes.io/component'],
      ),
    );
    assert.equal(ofKind('Service').length, http.length, 'a Service per serving role');
    const scaled = ofKind('ScaledObject');
    assert.ok(scaled.length > 0);
    for (const s of scaled) {
      assert.ok(names.has(s.spec.scaleTargetRef.name), s.metadata.name);
      for (const t of s.spec.triggers)
        for (const metric of t.metadata.query.match(/faresight_[a-z_]+/g) ?? [])
          assert.ok(exportedMetrics().has(metric), `${s.metadata.name}: no metric ${metric}`);
    }
  });
});

let metricNames: Set<string> | undefined;
/** Metric names the code registers (`name: 'faresight_...'` or gauge('faresight_...')). */
function exportedMetrics(): Set<string> {
  if (metricNames) return metricNames;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  metricNames = new Set();
  for (const f of walk(join(repo, 'src')))
    if (f.endsWith('.ts') && !f.endsWith('.test.ts'))
      for (const m of readFileSync(f, 'utf8').matchAll(/['"`](faresight_[a-z_]+)['"`]/g))
        metricNames.add(m[1]!);
  return metricNames;
}

describe('compose.yaml', () => {
  const compose = YAML.parse(readFileSync(join(repo, 'compose.yaml'), 'utf8'), { merge: true });
  it('runs every role as a real command on a valid distributed config, probed where it serves', async () => {
    const roles = new Set<string>();
    for (const [name, svc] of Object.entries<Y>(compose.services)) {
      if (svc.image !== 'faresight:local') continue;
      const where = `compose service ${name}`;
      const { role, options } = checkCommand(svc.command, where);
      roles.add(role);
      const { HEALTHCHECK_URL, ...env } = svc.environment as Record<string, string>;
      const config = checkEnv(env, where);
      assert.equal(config.stream.backend, 'jetstream');
      assert.equal(config.rowStore.backend, 'postgres');
      const port = expectedPort(role, options);
      for (const p of svc.ports ?? [])
        assert.equal(Number(String(p).split(':').at(-1)), port, `${where}: published port`);
      if (HEALTHCHECK_URL) {
        const u = new URL(HEALTHCHECK_URL);
        assert.equal(Number(u.port), port, `${where}: health check port`);
        await assertRoute(role as Role, u.pathname, where);
      } else assert.ok(svc.healthcheck, `${where}: no health check`);
    }
    assert.deepEqual([...roles].sort(), [...ROLES].sort());
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(repo, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.startsWith('#'));
  it('builds in stages from node:20 with npm ci, and runs the compiled package as non-root under an init', async () => {
    const froms = lines.filter((l) => l.startsWith('FROM '));
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const f of froms) assert.match(f, /^FROM node:20[-\w.]*( AS \w+)?$/);
    assert.match(text, /RUN npm ci/);
    assert.match(text, /npm prune --omit=dev/);
    assert.match(text, /COPY --from=build \/app\/dist dist/);
    const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
    assert.ok(user && !/root|\b0\b/.test(user), `runs as ${user}`);
    const entry = JSON.parse(lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice(11));
    assert.equal(entry[0], '/usr/bin/tini');
    assert.ok(entry.includes('bin/faresight.mjs'));
    const cmd = JSON.parse(lines.find((l) => l.startsWith('CMD '))!.slice(4));
    const { role, options } = checkCommand(cmd, 'Dockerfile CMD');
    const hc = text.match(/HEALTHCHECK_URL=(\S+)/)?.[1];
    assert.ok(hc && /HEALTHCHECK /.test(text), 'HEALTHCHECK on HEALTHCHECK_URL');
    const u = new URL(hc);
    assert.equal(Number(u.port), expectedPort(role, options));
    await assertRoute('api', u.pathname, 'Dockerfile HEALTHCHECK');
  });
});
