// A coding agent's run read as a person would: the prompt Vigil sent, the agent's prose, its
// tool calls as cards, its thinking folded, and how it ended. Built from the run's stored
// events, which arrive live (run.event) while the run writes.
import { useMemo } from 'react';
import type { RunDetailDto } from '../../shared/contract';
import { ACTIVE_RUN_STATUSES } from '../../shared/domain';
import { formatCost, formatCount, formatDuration } from '../format';
import { Markdown } from './Markdown';
import { buildTranscript, type TranscriptItem } from './model';
import { FoldedText, ToolCard } from './ToolCard';

export function Transcript({ run }: { run: RunDetailDto }) {
  const items = useMemo(() => buildTranscript(run.events), [run.events]);
  const active = ACTIVE_RUN_STATUSES.includes(run.status);
  return (
    <div className="transcript" role="log" aria-label="Transcript" aria-live="polite">
      {items.length === 0 && <p className="dim">{active ? 'Waiting for the agent to say something…' : 'This run recorded no transcript.'}</p>}
      {items.map((item) => (
        <Item key={item.key} item={item} />
      ))}
      {active && items.length > 0 && (
        <p className="transcript-live dim">
          <span className="live-dot" aria-hidden="true" /> The agent is working…
        </p>
      )}
    </div>
  );
}

function Item({ item }: { item: TranscriptItem }) {
  switch (item.kind) {
    case 'prompt':
      return (
        <details className="tx-prompt">
          <summary>
            <span className="tx-role">Prompt</span> <span className="dim">what Vigil sent the agent</span>
          </summary>
          <FoldedText text={item.text} label="Prompt" truncated={item.truncated} />
        </details>
      );
    case 'assistant':
      return (
        <section className="tx-assistant" aria-label="Agent message">
          <Markdown text={item.text} />
          {item.truncated && <p className="dim tool-note">Cut to 16 KiB; the whole message is in the Terminal tab.</p>}
        </section>
      );
    case 'thinking':
      return (
        <details className="tx-thinking">
          <summary>Thinking</summary>
          <p className="tx-thinking-text">{item.text}</p>
        </details>
      );
    case 'tool':
      return <ToolCard tool={item} />;
    case 'question':
      return (
        <div className="callout callout-warn" role="note" aria-label="The agent asks">
          <div className="callout-head">
            <b>The agent asks:</b> <span>{item.question}</span>
          </div>
        </div>
      );
    case 'error':
      return (
        <div className="tx-error" role="alert">
          <pre>{item.message}</pre>
        </div>
      );
    case 'result':
      return <ResultLine item={item} />;
  }
}

function ResultLine({ item }: { item: Extract<TranscriptItem, { kind: 'result' }> }) {
  const parts: string[] = [];
  if (item.numTurns !== null) parts.push(`${item.numTurns} turn${item.numTurns === 1 ? '' : 's'}`);
  if (item.inputTokens !== null || item.outputTokens !== null) {
    parts.push(`${formatCount(item.inputTokens ?? 0)} tokens in · ${formatCount(item.outputTokens ?? 0)} out`);
  }
  if (item.costUsd !== null) parts.push(formatCost(item.costUsd));
  if (item.durationMs !== null) parts.push(formatDuration(item.durationMs));
  return (
    <div className={`tx-result${item.isError ? ' tx-result-error' : ''}`} role="group" aria-label="Result">
      <b>{item.isError ? 'Failed' : 'Finished'}</b>
      {parts.length > 0 && <span>{parts.join(' · ')}</span>}
      {item.errors.map((e, i) => (
        <pre key={i} className="tool-output tool-output-error">
          {e}
        </pre>
      ))}
    </div>
  );
}
