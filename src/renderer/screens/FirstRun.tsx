// The dashboard's first-run path: shown while there are no agents. Offers a ready-made agent for
// each agent CLI the host found on its PATH, a folder for it to work in, and a harmless first
// issue, so a new user reaches a first run in a few clicks.
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { AgentCliDto } from '../../shared/contract';
import { capabilityWords } from '../../shared/adapter-capabilities';
import { FolderChooser } from '../components/FolderChooser';
import { useDebounced } from '../components/useDebounced';
import { useBridge } from '../data/bridge-context';
import { plainMessage, toContractError } from '../data/errors';
import { useAgents, useFolderCheck, useSetupInfo } from '../data/queries';
import { recentFolders, rememberFolder } from '../data/recent-folders';
import { href, navigate } from '../router';

export const SAMPLE_ISSUE = {
  title: 'Say hello: tell me what this project is',
  body: [
    'A first issue from Vigil, to see an agent run from start to end.',
    'Look around the files in your working folder without changing anything, then answer with one comment: what this project is, in three sentences, and the first thing you would look at. When you have commented, set this issue to in_review.',
  ].join('\n\n'),
};

/** Renders nothing once there is an agent (or while the agents are loading). */
export function FirstRun() {
  const agents = useAgents();
  if (!agents.data || agents.data.length > 0) return null;
  return <FirstRunPanel />;
}

function FirstRunPanel() {
  const bridge = useBridge();
  const qc = useQueryClient();
  const folderId = useId();
  const setup = useSetupInfo();
  const info = setup.data;
  const [recent] = useState(recentFolders);
  const options = info ? [...new Set([...recent, ...info.suggestedFolders])] : [];
  // Only a folder the user chose before is filled in: an agent may change files where it works.
  const [typed, setTyped] = useState<string | null>(null);
  const folder = typed ?? recent[0] ?? '';
  const settled = useDebounced(folder.trim());
  const check = useFolderCheck(settled);
  const verdict = settled === folder.trim() ? (check.data ?? null) : null;
  const [sample, setSample] = useState(true);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const start = async (cli: AgentCliDto) => {
    if (!verdict?.ok) return;
    setBusy(cli.adapterType);
    setError(null);
    try {
      const agent = await bridge.invoke('agents.create', { name: cli.command, adapterType: cli.adapterType, cwd: verdict.path });
      rememberFolder(verdict.path);
      const issue = sample ? await bridge.invoke('issues.create', { ...SAMPLE_ISSUE, assignee: agent.name }) : null;
      await qc.invalidateQueries({ queryKey: ['agents.list'] });
      navigate(issue ? href.issue(issue.identifier) : href.agent(agent.name));
    } catch (err) {
      setError(plainMessage(toContractError(err)));
      setBusy(null);
    }
  };

  const found = info?.clis.filter((c) => c.path) ?? [];
  const missing = info?.clis.filter((c) => !c.path) ?? [];
  return (
    <section className="panel first-run" aria-label="Get started">
      <h2>Get a first agent running</h2>
      <p className="first-run-lead">
        An agent is a coding CLI that Vigil starts in a terminal, in a folder of yours, whenever an issue is assigned to it. Pick the folder, then the agent.
      </p>
      {setup.isPending ? (
        <p className="dim">Looking for agent CLIs on this machine…</p>
      ) : !info ? (
        <p className="form-error" role="alert">
          Could not look for agent CLIs: {setup.error ? plainMessage(toContractError(setup.error)) : 'no answer'}.
        </p>
      ) : (
        <ol className="first-run-steps">
          <li>
            <label className="step-title" htmlFor={folderId}>
              The folder it works in
            </label>
            <FolderChooser id={folderId} info={info} value={folder} options={options} check={verdict} onChange={setTyped} />
          </li>
          <li>
            <span className="step-title">The agent</span>
            {found.length === 0 && (
              <p className="dim">
                No agent CLI found on this machine's PATH. Install one of the agent CLIs below, then{' '}
                <button type="button" className="btn btn-small" onClick={() => void setup.refetch()}>
                  look again
                </button>{' '}
                — or add any command as an agent on <a href={href.agents()}>Agents</a>.
              </p>
            )}
            <ul className="cli-list">
              {found.map((cli, i) => (
                <li key={cli.adapterType} className="cli-card">
                  <div className="cli-text">
                    <span className="cli-name">{cli.label}</span>
                    <span className="mono dim cli-version">{cli.version ?? 'version unknown'}</span>
                    <span className="mono dim cli-path" title={cli.path ?? ''}>
                      {cli.path}
                    </span>
                    <span className="dim small cli-capabilities">{capabilityWords(cli.capabilities).join(' · ')}</span>
                    {cli.problem && <span className="text-warn small">{cli.problem}</span>}
                  </div>
                  <button type="button" className={`btn${i === 0 ? ' btn-primary' : ''}`} disabled={!verdict?.ok || busy !== null} onClick={() => void start(cli)}>
                    {busy === cli.adapterType ? 'Adding…' : `Add ${cli.label} agent`}
                  </button>
                </li>
              ))}
              {missing.map((cli) => (
                <li key={cli.adapterType} className="cli-card cli-missing">
                  <div className="cli-text">
                    <span className="cli-name">{cli.label}</span>
                    <span className="dim">
                      not found on PATH — install with <code>{cli.install}</code>
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          </li>
        </ol>
      )}
      {info && found.length > 0 && (
        <label className="first-run-sample">
          <input type="checkbox" checked={sample} onChange={(e) => setSample(e.target.checked)} />
          <span>
            Give it a first issue to try: <b>{SAMPLE_ISSUE.title}</b> <span className="dim">(it reads the folder, changes nothing, and answers in a comment)</span>
          </span>
        </label>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <p className="dim small first-run-foot">
        Something missing? <code>vigil doctor</code> checks this machine. Other agents (any command): <a href={href.agents()}>Agents</a>.
      </p>
    </section>
  );
}
