/**
 * docs/cli.md, generated from the commander definitions themselves (every command and
 * subcommand, its arguments, and each option with its default and description), so the
 * reference cannot drift from what `faresight <command> --help` prints; a test fails when
 * the committed document is stale.
 */
import type { Command, Help } from 'commander';

/** The command that rewrites docs/cli.md. */
export const CLI_REFERENCE_COMMAND = 'node bin/faresight.mjs help --reference > docs/cli.md';

function cell(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function code(s: string): string {
  return s === '' ? '' : `\`${s}\``;
}

/**
 * The default an option's description states (`config api.port, default 8080`, `(default
 * 50)`): most defaults come from the configuration schema or a named constant, so the
 * option carries none of its own.
 */
function statedDefault(description: string): string {
  return /\bdefault:? ([^;)]+?)(?:\)|;|$)/.exec(description)?.[1] ?? '';
}

/** `cmd`'s real subcommands, in registration order (the implicit `help` left out). */
function subcommands(help: Help, cmd: Command): Command[] {
  return help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
}

function section(help: Help, cmd: Command, depth: number, out: string[]): void {
  const top = cmd.parent === null;
  const usage = help.commandUsage(cmd);
  const name = usage.replace(/ \[options\].*| <.*| \[.*/, '');
  out.push(`${'#'.repeat(Math.min(depth, 4))} ${name}`, '');
  if (cmd.description()) out.push(cell(cmd.description()), '');
  out.push('```', usage, '```', '');
  const args = help.visibleArguments(cmd);
  if (args.length > 0) {
    out.push('| argument | description |', '|---|---|');
    for (const a of args) out.push(`| ${code(help.argumentTerm(a))} | ${cell(a.description)} |`);
    out.push('');
  }
  const options = help.visibleOptions(cmd).filter((o) => o.long !== '--help');
  if (options.length > 0) {
    out.push('| option | default | description |', '|---|---|---|');
    for (const o of options) {
      const def =
        o.defaultValueDescription ??
        (o.defaultValue === undefined
          ? statedDefault(o.description)
          : JSON.stringify(o.defaultValue));
      out.push(`| ${code(cell(o.flags))} | ${code(cell(def))} | ${cell(o.description)} |`);
    }
    out.push('');
  }
  const subs = subcommands(help, cmd);
  if (depth > 1 && subs.length > 0) {
    out.push(`Subcommands: ${subs.map((c) => code(c.name())).join(', ')}.`, '');
  }
  for (const c of subs) section(help, c, top ? depth : depth + 1, out);
}

/** The Markdown of docs/cli.md for `program` (the full tree: main.ts's buildProgram()). */
export function renderCliReference(program: Command): string {
  const help = program.createHelp();
  const out = [
    '# CLI reference',
    '',
    `<!-- generated from the command definitions in src/cli/; do not edit: ${CLI_REFERENCE_COMMAND} -->`,
    '',
    'Every command of `faresight`, as `faresight <command> --help` prints it. Options that',
    'override a configuration key name it (see [configuration.md](configuration.md)); the',
    'configuration file is given with `-c` before the command.',
    '',
    '| command | what it does |',
    '|---|---|',
    ...subcommands(help, program).map(
      (c) => `| [\`${c.name()}\`](#faresight-${c.name()}) | ${cell(c.description())} |`,
    ),
    '',
  ];
  section(help, program, 2, out);
  return `${out.join('\n').trimEnd()}\n`;
}
