// A filter by agent name, from the agents the host knows.
import { useAgents } from '../data/queries';
import { AgentOptions } from './Options';

export function AgentSelect({ value, onChange, label = 'Agent', anyLabel = 'any' }: { value: string; onChange: (v: string) => void; label?: string; anyLabel?: string }) {
  const agents = useAgents().data ?? [];
  return (
    <label className="inline-field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{anyLabel}</option>
        <AgentOptions agents={agents} />
        {value && !agents.some((a) => a.name === value) && <option value={value}>{value}</option>}
      </select>
    </label>
  );
}
