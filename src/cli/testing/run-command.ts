import { Command } from 'commander';

/**
 * Runs `args` on a bare program with the commands of `register`, in this process, and
 * resolves what they wrote to stdout as strings. Bytes written meanwhile (the test
 * runner's own messages, which worker threads may interleave) pass through. Rejects
 * with the command's error.
 */
export async function runCommand(
  register: (program: Command) => void,
  args: string[],
): Promise<string> {
  const program = new Command('faresight').exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out;
}
