// The unified diff of an issue's worktree, file by file, with line numbers and syntax colours.
// Loaded lazily: highlight.js stays out of the app's first bundle.
import { useMemo } from 'react';
import { highlightLine, languageOf } from './highlight';
import { parsePatch, type DiffFile } from './patch';

/** Beyond this many lines the view stops and points at the CLI. */
const MAX_LINES = 3000;

export default function DiffView({ patch, truncated }: { patch: string; truncated: boolean }) {
  const files = useMemo(() => parsePatch(patch), [patch]);
  let budget = MAX_LINES;
  return (
    <div className="ws-diff">
      {files.map((file) => {
        const language = languageOf(file.path);
        const shown = budget > 0;
        const lines = file.hunks.reduce((n, h) => n + h.lines.length + 1, 0);
        budget -= lines;
        return (
          <article key={file.path} className="ws-diff-file" id={`diff-${file.path}`} aria-label={`Diff of ${file.path}`}>
            <header className="ws-diff-head mono">{file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}</header>
            {file.binary ? (
              <p className="dim small ws-diff-note">Binary file changed.</p>
            ) : !shown ? (
              <p className="dim small ws-diff-note">Not shown: the diff is long. See it whole with vigil issue diff.</p>
            ) : file.hunks.length === 0 ? (
              <p className="dim small ws-diff-note">No content changes (mode or rename only).</p>
            ) : (
              <table className="ws-diff-table">
                <colgroup>
                  <col className="ws-col-no" />
                  <col className="ws-col-no" />
                  <col />
                </colgroup>
                <tbody>
                  {file.hunks.map((h, i) => (
                    <Hunk key={i} header={h.header} lines={h.lines} language={language} />
                  ))}
                </tbody>
              </table>
            )}
          </article>
        );
      })}
      {truncated && <p className="dim small">The diff was cut at 2 MiB; vigil issue diff shows it whole.</p>}
    </div>
  );
}

function Hunk({ header, lines, language }: { header: string; lines: DiffFile['hunks'][number]['lines']; language: string | null }) {
  return (
    <>
      <tr className="ws-hunk">
        <td colSpan={3} className="mono">
          {header}
        </td>
      </tr>
      {lines.map((l, i) => (
        <tr key={i} className={`ws-line ws-line-${l.kind}`}>
          <td className="ws-no">{l.oldNo ?? ''}</td>
          <td className="ws-no">{l.newNo ?? ''}</td>
          {/* highlight.js escapes what it is given: its output is markup of spans only. */}
          <td className="ws-code hljs" dangerouslySetInnerHTML={{ __html: (l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ') + highlightLine(l.text, l.kind === 'note' ? null : language) }} />
        </tr>
      ))}
    </>
  );
}
