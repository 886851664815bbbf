// The `vigil` command line: parse, run one command, turn any failure into one stderr line and
// an exit code. `serve` hosts; everything else talks to the host over the control socket.
// Agents call `vigil` many times a run: this file and the command table load only what every
// verb needs (no zod, no host, no database). A verb that needs more imports it in its run().
import { controlSocketPath, resolveDataDir } from '../node/paths';
import { parseCommandLine } from './args';
import { connect, type Client } from './client';
import { AnsweredFailure, type Command, type Context } from './command';
import { ADAPTER_OPTION, agentCommands } from './commands/agent';
import { doctorCommand } from './commands/doctor';
import { issueCommands } from './commands/issue';
import { machineCommands } from './commands/machine';
import { routineCommands } from './commands/routine';
import { miscCommands } from './commands/misc';
import { openCommand } from './commands/open';
import { runCommands } from './commands/run';
import { requestCommands } from './commands/requests';
import { mcpCommand } from './commands/mcp';
import { acpClientCommand } from './commands/acp-client';
import { attachCommand } from './commands/attach';
import { workspaceCommands } from './commands/workspace';
import { serveCommand } from './commands/serve';
import { createOutput, escapeControls } from './output';

export const COMMANDS: Command[] = [serveCommand, ...miscCommands.slice(0, 1), openCommand, doctorCommand, ...agentCommands, ...issueCommands, ...workspaceCommands, ...runCommands, ...requestCommands, attachCommand, mcpCommand, acpClientCommand, ...machineCommands, ...routineCommands, ...miscCommands.slice(1)];

export async function main(argv: string[], install: Context['install']): Promise<number> {
  // Known before parsing, so even a usage error answers in the requested form.
  let json = argv.includes('--json');
  let raw = argv.includes('--raw');
  let dataDir = resolveDataDir();
  let client: Client | null = null;
  try {
    if (asksForHelp(argv)) ADAPTER_OPTION.help = (await import('./commands/adapter-help')).adapterHelp();
    const parsed = parseCommandLine(argv, COMMANDS);
    json = parsed.globals.json;
    raw = parsed.globals.raw;
    dataDir = resolveDataDir(parsed.globals.dataDir);
    const out = createOutput(json, process.stdout, raw);
    if (parsed.kind === 'help') {
      out.line(parsed.text);
      return 0;
    }
    if (parsed.kind === 'version') {
      if (json) out.document({ version: install.version });
      else out.line(install.version);
      return 0;
    }
    const ctx: Context = {
      dataDir,
      out,
      install,
      client: async () => (client ??= await connect(controlSocketPath(dataDir))),
    };
    const code = await parsed.command.run(ctx, parsed.input);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof AnsweredFailure) {
      process.stderr.write(`vigil: ${err.message}\n`);
      return 1;
    }
    // The error path loads the contract (zod) to name the call that failed: off the quick path.
    const { describeFailure } = await import('./errors');
    const failure = describeFailure(err, dataDir);
    if (json) createOutput(true).document({ error: failure.error });
    // An error may quote what an agent wrote: escaped like everything else shown to a person.
    process.stderr.write(`vigil: ${raw ? failure.line : escapeControls(failure.line)}\n`);
    return failure.exitCode;
  } finally {
    (client as Client | null)?.close();
  }
}

/** Help was asked for: its text may need modules a verb does not. */
function asksForHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
