/**
 * The README's quick start, as a new user runs it: `faresight up --demo` in an empty
 * folder, then every command of the README's quick-start block, each of which must answer
 * data (not an empty list, not an error, not a zero count). The commands are read from
 * the README itself, so an example that stops working fails here.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { newUserEnv } from './testing/new-user-env.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'faresight.mjs');
const dir = mkdtempSync(join(tmpdir(), 'fs-quickstart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The lines of the sh block that follows "`npm start` is `faresight up --demo`". */
export function quickStartCommands(readme: string): string[] {
  const at = readme.indexOf('`npm start` is `faresight up --demo`');
  assert.ok(at >= 0, 'README has no quick start after "`npm start` is `faresight up --demo`"');
  const open = readme.indexOf('```sh\n', at);
  const close = readme.indexOf('\n```', open + 6);
  return readme
    .slice(open + 6, close)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

/** Why an output is not an answer with data, or undefined when it is. */
function emptiness(command: string, out: string): string | undefined {
  if (out.trim() === '') return 'printed nothing';
  if (/\bundefined\b|\bnull\b/.test(out) && /^\w+=/.test(command)) return `picked ${out}`;
  if (/"error"\s*:/.test(out)) return 'answered an error';
  if (/^\s*\{\s*"\w+"\s*:\s*\[\s*\]/.test(out)) return 'answered an empty list';
  if (/"fares"\s*:\s*\[\s*\]/.test(out)) return 'answered no fares';
  if (/count\(/.test(command) && !/\b[1-9]\d*\b/.test(out)) return 'counted nothing';
  return undefined;
}

/** Runs the commands in one sh, `localhost:8080` pointed at `api`; output per command. */
function runBlock(commands: string[], api: string): Promise<{ out: string[]; stderr: string }> {
  const mark = (i: number) => `@@quickstart-${i}@@`;
  const script = commands
    .map((c, i) => {
      const line = c.replaceAll('localhost:8080', api).replaceAll('npx faresight', 'faresight');
      // an assignment prints nothing: its value is what it answered
      const assigned = /^(\w+)=/.exec(line)?.[1];
      return `${line}\n${assigned ? `echo "$${assigned}"` : 'echo'}; echo '${mark(i)}'`;
    })
    .join('\n');
  // `faresight` as the README's `npx faresight`: this checkout's bin, on PATH via a function
  const prelude = `faresight() { "${process.execPath}" "${bin}" "$@"; }\n`;
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', prelude + script],
      { cwd: dir, env: newUserEnv(), maxBuffer: 16 << 20, timeout: 180_000 },
      (_err, stdout, stderr) => {
        const out: string[] = [];
        let rest = stdout;
        for (let i = 0; i < commands.length; i++) {
          const end = rest.indexOf(mark(i));
          if (end < 0) break;
          out.push(rest.slice(0, end).trim());
          rest = rest.slice(end + mark(i).length);
        }
        resolve({ out, stderr });
      },
    );
  });
}

describe('the README quick start', () => {
  it('answers data to every command against up --demo', { timeout: 600_000 }, async () => {
    const commands = quickStartCommands(readFileSync(join(root, 'README.md'), 'utf8'));
    assert.ok(commands.length >= 4, `the quick start has ${commands.length} commands`);
    // own ports (any free one) and the default data dir ./faresight-data in an empty folder
    const p: ChildProcess = spawn(process.execPath, [bin, 'up', '--demo', '--seed', '11'], {
      cwd: dir,
      env: newUserEnv({
        FARESIGHT_INGEST_PORT: '0',
        FARESIGHT_API_PORT: '0',
        FARESIGHT_SQL_PORT: '0',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    p.stderr!.on('data', (b) => {
      log = (log + b).slice(-20_000);
    });
    const started = Date.now();
    const exited = new Promise((r) => p.on('exit', r));
    try {
      const api = await new Promise<string>((resolve, reject) => {
        createInterface({ input: p.stdout! }).on('line', (line) => {
          const m = /api\s+http:\/\/(\S+)\/v1\/markets/.exec(line);
          if (m) resolve(m[1]!);
        });
        p.on('exit', (code) => reject(new Error(`up exited with ${code}:\n${log}`)));
      });
      // "Within a minute": wait (generously, on a loaded machine) until every command answers
      let failures: string[] = [];
      const deadline = Date.now() + 480_000;
      for (;;) {
        const { out, stderr } = await runBlock(commands, api);
        failures = commands.flatMap((c, i) => {
          const why = out[i] === undefined ? 'did not run' : emptiness(c, out[i]!);
          return why ? [`${c}\n    ${why}: ${(out[i] ?? stderr).slice(0, 300)}`] : [];
        });
        if (failures.length === 0) {
          console.log(
            `every quick-start command answered data ${Date.now() - started} ms after start`,
          );
          break;
        }
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 5000));
      }
      assert.deepEqual(failures, [], `quick-start commands without data:\n${failures.join('\n')}`);
    } finally {
      p.kill('SIGTERM');
      await exited;
    }
  });
});
