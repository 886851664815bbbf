// Links to the things Vigil shows; ids read in monospace.
import { shortId } from '../format';
import { href } from '../router';

export function RunLink({ id, full }: { id: string; full?: boolean }) {
  return (
    <a className="mono" href={href.run(id)} title={id}>
      {full ? id : shortId(id)}
    </a>
  );
}

export function IssueLink({ identifier }: { identifier: string | null }) {
  if (!identifier) return <span className="dim">—</span>;
  return (
    <a className="mono" href={href.issue(identifier)}>
      {identifier}
    </a>
  );
}

export function AgentLink({ name }: { name: string | null }) {
  if (!name) return <span className="dim">unassigned</span>;
  return <a href={href.agent(name)}>{name}</a>;
}
