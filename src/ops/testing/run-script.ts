/**
 * For tests that must see a process end on its own (nothing left holding it open): runs
 * `script` as an ES module under tsx in a child process and resolves with its exit code
 * and what it printed. The child is killed if the test gives up first.
 */
import { spawn } from 'node:child_process';

export async function runScript(script: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  try {
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, out: out.trim() };
  } finally {
    child.kill('SIGKILL');
  }
}
