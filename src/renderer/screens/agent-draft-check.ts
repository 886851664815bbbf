// The agent form checks as the person types: the folder (exists, writable), the command (found,
// executable) and the adapter's CLI, asked of the host through agents.check with the form's
// values as a draft, a moment after the typing stops. The host answers from the machine that will
// run the agent (team mode: that machine's host; offline, it says so), each problem with its fix.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AgentCheckDto, CallInput, CallOutput } from '../../shared/contract';
import type { AdapterType } from '../../shared/domain';
import { useBridge } from '../data/bridge-context';
import { useDebounced } from '../components/useDebounced';

/** How long the typing must pause before the host is asked. */
export const DRAFT_CHECK_DELAY_MS = 400;

export interface Draft {
  /** The agent being edited: its saved values fill what the draft leaves out. */
  agent?: string;
  adapterType: AdapterType;
  command: string;
  cwd: string;
  machine: string;
}

export type DraftCheck = CallOutput<'agents.check'>;

function inputOf(d: Draft): CallInput<'agents.check'> {
  // Editing, an empty field keeps the saved value (the save sends nothing for it); new, it is none.
  const text = (v: string) => (v.trim() ? v.trim() : d.agent ? undefined : null);
  return {
    ...(d.agent ? { agent: d.agent } : {}),
    draft: { adapterType: d.adapterType, command: text(d.command), cwd: text(d.cwd), ...(d.machine ? { machine: d.machine } : {}) },
  };
}

export function useDraftCheck(draft: Draft): DraftCheck | undefined {
  const bridge = useBridge();
  const input = useDebounced(JSON.stringify(inputOf(draft)), DRAFT_CHECK_DELAY_MS);
  const query = useQuery({
    queryKey: ['agents.check', 'draft', input],
    queryFn: () => bridge.invoke('agents.check', JSON.parse(input) as CallInput<'agents.check'>),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 0,
  });
  return query.data;
}

/** The check of one field in words: what is wrong, then what to do. */
export function checkWords(result: DraftCheck | undefined, field: AgentCheckDto['field']): string | null {
  const check = result?.checks.find((c) => c.field === field);
  return check ? `${capitalize(check.problem)}${result?.checkedOn ? ` (on ${result.checkedOn})` : ''}. ${capitalize(check.fix)}.` : null;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
