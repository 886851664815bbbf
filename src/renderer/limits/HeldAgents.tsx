// On the dashboard: agents held back, and until when ("paused until 14:05").
import type { AgentHoldDto } from '../../shared/contract';
import { AgentLink } from '../components/Links';
import { useAgents } from '../data/queries';
import { useHolds } from '../data/limits';

/** 14:05 today, or "Mon 8 Dec, 09:00" on another day. */
export function clockTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })}, ${time}`;
}

export function holdWords(hold: AgentHoldDto): string {
  if (hold.kind === 'usage_window') return hold.until ? `paused until ${clockTime(hold.until)} (usage limit)` : 'paused (usage limit)';
  return hold.until ? `paused over budget until ${clockTime(hold.until)}` : 'paused over budget';
}

export function HeldAgents() {
  const holds = useHolds().data ?? [];
  const agents = useAgents().data ?? [];
  if (holds.length === 0) return null;
  const nameOf = new Map(agents.map((a) => [a.id, a.name]));
  return (
    <ul className="held-agents" aria-label="Agents held back">
      {holds.map((h) => (
        <li key={h.agentId} className={`held held-${h.kind}`} title={h.reason}>
          <AgentLink name={nameOf.get(h.agentId) ?? h.agentId} /> <span>{holdWords(h)}</span>
        </li>
      ))}
    </ul>
  );
}
