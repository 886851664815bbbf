// The first-run verbs: which agent CLIs this machine has, a folder to point an agent at (the
// desktop app's native dialog, or a typed path checked here).
import { homedir } from 'node:os';
import { desc, eq } from 'drizzle-orm';
import type { CallParsedInput, SetupInfoDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { agents } from '../db/schema';
import type { FolderPicker } from '../host-types';
import { findAgentClis, type AgentCli } from '../setup/agent-clis';
import { checkFolder } from '../setup/folders';
import type { ServiceContext } from '../context';

/** Each detection spawns the CLIs: a dashboard opened often, or a burst of calls, reuses one. */
const DETECT_TTL_MS = 10_000;
const MAX_SUGGESTED = 8;

export function setupHandlers(ctx: ServiceContext, pickFolder: FolderPicker | null) {
  let detected: { at: number; clis: Promise<AgentCli[]> } | null = null;
  const detectClis = () => {
    if (!detected || Date.now() - detected.at > DETECT_TTL_MS) detected = { at: Date.now(), clis: findAgentClis() };
    return detected.clis;
  };

  return {
    'setup.detect': async (): Promise<SetupInfoDto> => {
      const home = homedir();
      const rows = await ctx.db
        .select({ config: agents.adapterConfig })
        .from(agents)
        .where(eq(agents.workspaceId, ctx.workspaceId))
        .orderBy(desc(agents.updatedAt))
        .limit(50);
      const suggested = [...rows.map((r) => r.config.cwd), process.cwd(), home].filter(
        (dir): dir is string => typeof dir === 'string' && dir !== '/' && checkFolder(dir, home).ok,
      );
      return {
        clis: await detectClis(),
        folderPicker: pickFolder ? 'native' : 'path',
        home,
        suggestedFolders: [...new Set(suggested)].slice(0, MAX_SUGGESTED),
      };
    },

    'setup.pickFolder': async (input: CallParsedInput<'setup.pickFolder'>) => {
      if (!pickFolder) {
        throw new ContractError('unsupported', 'there is no native folder dialog here (Vigil runs without its desktop app): type the folder path instead');
      }
      return { path: await pickFolder({ title: input.title ?? 'Choose the folder the agent works in', defaultPath: input.defaultPath ?? homedir() }) };
    },

    'setup.checkFolder': async (input: CallParsedInput<'setup.checkFolder'>) => checkFolder(input.path),
  };
}
