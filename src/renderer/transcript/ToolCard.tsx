// One tool call as a compact card: what was asked (a command, a path, a change as a diff) and
// what came back, folded when long, red when it failed.
import type { ReactNode } from 'react';
import { DiffView } from './DiffView';
import type { ToolResult, TranscriptItem } from './model';

type Tool = Extract<TranscriptItem, { kind: 'tool' }>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Results longer than this many lines show their head and fold the rest. */
const FOLD_LINES = 12;

export function ToolCard({ tool }: { tool: Tool }) {
  const failed = tool.result?.isError === true;
  const { title, body } = describe(tool);
  return (
    <article className={`tool-card${failed ? ' tool-failed' : ''}`} aria-label={`${tool.name} tool call`} data-tool={tool.name}>
      <header className="tool-head">
        <span className="tool-name">{tool.name}</span>
        <span className="tool-title">{title}</span>
        {failed && <span className="tag tag-bad">failed{tool.result?.exitCode != null ? ` (exit ${tool.result.exitCode})` : ''}</span>}
        {!tool.result && <span className="dim tool-pending">running…</span>}
      </header>
      {body}
      {tool.result && showsResult(tool) && <ResultView result={tool.result} />}
    </article>
  );
}

/**
 * Each agent CLI names its tools its own way: the ones that run a command, change, write or read a
 * file share Claude Code's cards. Names from each CLI's source (docs/adapters.md).
 */
const CARD_OF: Record<string, string> = {
  run_shell_command: 'Bash', // Gemini CLI, Qwen Code
  bash: 'Bash', // OpenCode
  shell: 'Bash', // Cursor (shellToolCall)
  replace: 'Edit', // Gemini CLI
  edit: 'Edit', // Qwen Code, OpenCode, Cursor (editToolCall)
  write_file: 'Write', // Gemini CLI, Qwen Code
  write: 'Write', // OpenCode, Cursor (writeToolCall)
  read_file: 'Read', // Gemini CLI, Qwen Code
  read: 'Read', // OpenCode, Cursor (readToolCall)
  grep_search: 'Grep',
  glob: 'Glob',
};

/** The card a tool call is shown with: Claude Code's names as they are, the others' mapped. */
export function cardOf(name: string): string {
  return CARD_OF[name] ?? name;
}

function describe(tool: Tool): { title: ReactNode; body: ReactNode } {
  const input = tool.input;
  const path = str(input.file_path) || str(input.path) || str(input.notebook_path) || str(input.filePath) || str(input.absolute_path);
  switch (cardOf(tool.name)) {
    case 'Bash':
      return {
        title: str(input.description) && <span className="dim">{str(input.description)}</span>,
        body: (
          <pre className="tool-command" aria-label="Command">
            <span className="dim">$ </span>
            {str(input.command)}
          </pre>
        ),
      };
    case 'Edit':
      return {
        title: <code>{path}</code>,
        body: <DiffView before={str(input.old_string) || str(input.oldString)} after={str(input.new_string) || str(input.newString)} label={`Change to ${path}`} />,
      };
    case 'MultiEdit': {
      const edits = Array.isArray(input.edits) ? (input.edits as Record<string, unknown>[]) : [];
      return {
        title: <code>{path}</code>,
        body: edits.map((e, i) => <DiffView key={i} before={str(e.old_string)} after={str(e.new_string)} label={`Change ${i + 1} to ${path}`} />),
      };
    }
    case 'Write':
      return { title: <code>{path}</code>, body: <DiffView before="" after={str(input.content) || str(input.fileText)} label={`New content of ${path}`} /> };
    case 'Read':
      return { title: <code>{path}</code>, body: null };
    case 'FileChange': {
      const changes = Array.isArray(input.changes) ? (input.changes as Record<string, unknown>[]) : [];
      return {
        title: `${changes.length} file${changes.length === 1 ? '' : 's'}`,
        body: (
          <ul className="tool-files">
            {changes.map((c, i) => (
              <li key={i}>
                <span className="dim">{str(c.kind) || 'change'}</span> <code>{str(c.path)}</code>
              </li>
            ))}
          </ul>
        ),
      };
    }
    case 'Grep':
    case 'Glob':
      return { title: <code>{str(input.pattern)}</code>, body: null };
    case 'WebSearch':
    case 'WebFetch':
      return { title: str(input.query) || str(input.url), body: null };
    default: {
      const json = JSON.stringify(input, null, 2);
      return { title: path && <code>{path}</code>, body: json && json !== '{}' ? <FoldedText text={json} label="Input" /> : null };
    }
  }
}

/** A Read's file contents are the agent's business, not the reader's: fold them unless it failed. */
function showsResult(tool: Tool): boolean {
  const card = cardOf(tool.name);
  if (card === 'Read' || card === 'Edit' || card === 'Write' || card === 'MultiEdit') return tool.result?.isError === true;
  return true;
}

function ResultView({ result }: { result: ToolResult }) {
  if (!result.text.trim()) return <p className="tool-empty dim">(no output)</p>;
  return <FoldedText text={result.text} label={result.isError ? 'Error output' : 'Output'} error={result.isError} truncated={result.truncated} />;
}

export function FoldedText({ text, label, error, truncated }: { text: string; label: string; error?: boolean; truncated?: boolean }) {
  const lines = text.replace(/\n$/, '').split('\n');
  const cls = `tool-output${error ? ' tool-output-error' : ''}`;
  const note = truncated ? <p className="dim tool-note">Cut to 16 KiB; the whole output is in the Terminal tab.</p> : null;
  if (lines.length <= FOLD_LINES) {
    return (
      <>
        <pre className={cls} aria-label={label}>
          {lines.join('\n')}
        </pre>
        {note}
      </>
    );
  }
  return (
    <details className="tool-fold">
      <summary>
        <pre className={cls} aria-label={label}>
          {lines.slice(0, FOLD_LINES).join('\n')}
        </pre>
        <span className="tool-more">Show all {lines.length} lines</span>
      </summary>
      <pre className={cls}>{lines.slice(FOLD_LINES).join('\n')}</pre>
      {note}
    </details>
  );
}
