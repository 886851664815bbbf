// Command-line parsing: global options anywhere, then the command words (`agent add`), then
// that command's arguments and options, checked strictly. Also the help texts.
const { parseArgs } = process.getBuiltinModule('node:util');
import { UsageError, type Command, type Invocation, type OptionSpec, type OptionValues } from './command';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  'data-dir': { type: 'string', value: 'DIR', help: 'the data folder (default: $VIGIL_HOME, else the desktop app folder)' },
  json: { type: 'boolean', help: 'print exactly one JSON document on stdout' },
  raw: { type: 'boolean', help: "print agent-written text as is (by default control characters are shown escaped, e.g. \\x1b)" },
  help: { type: 'boolean', help: 'show help' },
  version: { type: 'boolean', help: 'print the version' },
};

export interface Globals {
  dataDir?: string;
  json: boolean;
  raw: boolean;
}

export type Parsed =
  | { kind: 'help'; text: string; globals: Globals }
  | { kind: 'version'; globals: Globals }
  | { kind: 'run'; command: Command; input: Invocation; globals: Globals };

type ParseConfig = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function config(specs: Record<string, OptionSpec>): ParseConfig {
  const out: ParseConfig = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(name === 'help' ? { short: 'h' } : {}) };
  }
  return out;
}

export function parseCommandLine(argv: string[], commands: Command[]): Parsed {
  // First pass, lenient, with every option any command knows: finds the command words and
  // the global options wherever they are, without mistaking an option's value for a word.
  const every: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of commands) Object.assign(every, command.options);
  const loose = parseArgs({ args: argv, options: config(every), strict: false, allowPositionals: true });
  const globals: Globals = {
    dataDir: typeof loose.values['data-dir'] === 'string' ? loose.values['data-dir'] : undefined,
    json: loose.values.json === true,
    raw: loose.values.raw === true,
  };
  if (loose.values.version === true) return { kind: 'version', globals };
  const help = loose.values.help === true;
  const words = loose.positionals;

  const command = commands.find((c) => c.name === words.slice(0, 2).join(' ')) ?? commands.find((c) => c.name === words[0]);
  if (!command) {
    if (words.length === 0) {
      if (help) return { kind: 'help', text: generalHelp(commands), globals };
      throw new UsageError('missing command (see vigil --help)');
    }
    const group = commands.filter((c) => c.name.startsWith(`${words[0]} `));
    if (group.length === 0) throw new UsageError(`unknown command '${words[0]}' (see vigil --help)`);
    if (help) return { kind: 'help', text: groupHelp(words[0], group), globals };
    const subs = group.map((c) => c.name.split(' ')[1]).join(', ');
    if (words.length === 1) throw new UsageError(`missing subcommand for '${words[0]}': one of ${subs}`);
    throw new UsageError(`unknown subcommand '${words[0]} ${words[1]}': one of ${subs}`);
  }
  if (help) return { kind: 'help', text: commandHelp(command), globals };

  let strict: ReturnType<typeof parseArgs>;
  try {
    strict = parseArgs({ args: argv, options: config({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseError(err as Error & { code?: string }, command));
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && strict.values[name] === undefined) throw new UsageError(`missing --${name} ${spec.value ?? 'VALUE'} (vigil ${command.name})`);
  }
  const positionals = strict.positionals.slice(command.name.split(' ').length);
  return { kind: 'run', command, input: { args: bindArgs(command, positionals), opts: strict.values as OptionValues }, globals };
}

function describeParseError(err: Error & { code?: string }, command: Command): string {
  const quoted = /'([^']+)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown option '${quoted}' for vigil ${command.name} (see vigil ${command.name} --help)`;
  return `${err.message.split('\n').join(' ')} (vigil ${command.name})`;
}

function bindArgs(command: Command, positionals: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  command.args.forEach((given, i) => {
    // [TEXT...]: may be left out (the command takes it another way, e.g. --body-file).
    const optional = given.startsWith('[') && given.endsWith(']');
    const spec = optional ? given.slice(1, -1) : given;
    const rest = spec.endsWith('...');
    const name = rest ? spec.slice(0, -3) : spec;
    const value = rest ? positionals.slice(i).join(' ') : positionals[i];
    if (value === undefined || value === '') {
      if (optional) return;
      throw new UsageError(`missing argument ${name}: usage: ${usageLine(command)}`);
    }
    args[name] = value;
  });
  const takesRest = command.args.at(-1)?.replace(/\]$/, '').endsWith('...') ?? false;
  if (!takesRest && positionals.length > command.args.length) {
    throw new UsageError(`unexpected argument '${positionals[command.args.length]}': usage: ${usageLine(command)}`);
  }
  return args;
}

export function usageLine(command: Command): string {
  const opts = Object.entries(command.options).map(([name, spec]) => {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`;
    if (spec.required) return flag;
    return spec.multiple ? `[${flag}]...` : `[${flag}]`;
  });
  return ['vigil', command.name, ...command.args, ...opts].join(' ');
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => [spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`, spec.help]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
}

function commandHelp(command: Command): string {
  const lines = [`usage: ${usageLine(command)}`, '', command.summary];
  if (Object.keys(command.options).length > 0) lines.push('', 'options:', ...optionLines(command.options));
  lines.push('', 'global options:', ...optionLines(GLOBAL_OPTIONS));
  return lines.join('\n');
}

function summaries(commands: Command[]): string[] {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.args.join(' ')}`.length));
  return commands.map((c) => `  ${`${c.name} ${c.args.join(' ')}`.padEnd(width)}  ${c.summary}`);
}

function groupHelp(group: string, commands: Command[]): string {
  return [`usage: vigil ${group} <subcommand> [options]`, '', ...summaries(commands), '', `Run vigil ${group} <subcommand> --help for its options.`].join('\n');
}

function generalHelp(commands: Command[]): string {
  return [
    'usage: vigil [--data-dir DIR] [--json] <command> [options]',
    '',
    'Vigil supervises the coding agents you run on this machine. Every command except',
    '`serve` talks to the running host (the desktop app or `vigil serve`).',
    '',
    'commands:',
    ...summaries(commands),
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run vigil <command> --help for its options.',
  ].join('\n');
}
