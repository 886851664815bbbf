// The <option> lists of the app's selects: a fixed set of values, or the agents by name.
import type { AgentDto } from '../../shared/contract';

export function ValueOptions<T extends string>({ values, label }: { values: readonly T[]; label?: (value: T) => string }) {
  return (
    <>
      {values.map((value) => (
        <option key={value} value={value}>
          {label ? label(value) : value}
        </option>
      ))}
    </>
  );
}

export function AgentOptions({ agents }: { agents: readonly Pick<AgentDto, 'id' | 'name'>[] }) {
  return (
    <>
      {agents.map((a) => (
        <option key={a.id} value={a.name}>
          {a.name}
        </option>
      ))}
    </>
  );
}
