// The unified diff of an issue's worktree, file by file, with line numbers and syntax colours,
// and the reviewer's line comments in place: a new-side line number opens a remark; each remark
// shows under the line where it stands now, marked outdated (moved) or touched (its line changed
// since). Loaded lazily: highlight.js stays out of the app's first bundle.
import { Fragment, useMemo, useState } from 'react';
import type { LineCommentDto } from '../../shared/contract';
import { highlightLine, languageOf } from './highlight';
import { parsePatch, type DiffFile } from './patch';
import { Form } from '../components/Form';

/** Beyond this many lines the view stops and points at the CLI. */
const MAX_LINES = 3000;

export interface LineCommenting {
  comments: LineCommentDto[];
  /** Saves a remark; resolves when saved (rejects with the reason in words). */
  add: (path: string, line: number, body: string) => Promise<unknown>;
}

const placeOf = (c: LineCommentDto) => (c.now ? c.now.line : c.line);

export default function DiffView({ patch, truncated, commenting }: { patch: string; truncated: boolean; commenting?: LineCommenting }) {
  const files = useMemo(() => parsePatch(patch), [patch]);
  let budget = MAX_LINES;
  return (
    <div className="ws-diff">
      {files.map((file) => {
        const language = languageOf(file.path);
        const shown = budget > 0;
        const lines = file.hunks.reduce((n, h) => n + h.lines.length + 1, 0);
        budget -= lines;
        const remarks = (commenting?.comments ?? []).filter((c) => c.path === file.path);
        const shownLines = new Set(file.hunks.flatMap((h) => h.lines.map((l) => (l.kind === 'del' ? null : l.newNo))));
        const elsewhere = remarks.filter((c) => !shownLines.has(placeOf(c)));
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
                    <Hunk key={i} path={file.path} header={h.header} lines={h.lines} language={language} remarks={remarks} commenting={commenting} />
                  ))}
                </tbody>
              </table>
            )}
            {elsewhere.length > 0 && (
              <div className="ws-remarks-elsewhere" aria-label={`Remarks on ${file.path} outside the diff`}>
                {elsewhere.map((c) => (
                  <Remark key={c.id} c={c} />
                ))}
              </div>
            )}
          </article>
        );
      })}
      {truncated && <p className="dim small">The diff was cut at 2 MiB; vigil issue diff shows it whole.</p>}
    </div>
  );
}

function Hunk({
  path,
  header,
  lines,
  language,
  remarks,
  commenting,
}: {
  path: string;
  header: string;
  lines: DiffFile['hunks'][number]['lines'];
  language: string | null;
  remarks: LineCommentDto[];
  commenting?: LineCommenting;
}) {
  // Each opening is its own object: a form that finishes saving after the person opened another
  // line closes only its own opening, never the newer form (and what was typed in it).
  const [open, setOpen] = useState<{ line: number } | null>(null);
  const close = (opening: { line: number }) => setOpen((now) => (now === opening ? null : now));
  return (
    <>
      <tr className="ws-hunk">
        <td colSpan={3} className="mono">
          {header}
        </td>
      </tr>
      {lines.map((l, i) => {
        const here = l.kind !== 'del' && l.newNo !== null ? remarks.filter((c) => placeOf(c) === l.newNo) : [];
        return (
          <Fragment key={i}>
            <tr className={`ws-line ws-line-${l.kind}`}>
              <td className="ws-no">{l.oldNo ?? ''}</td>
              <td className="ws-no">
                {commenting && l.newNo !== null && l.kind !== 'del' ? (
                  <button type="button" className="ws-no-btn" title={`Comment on ${path}:${l.newNo}`} aria-label={`Comment on ${path} line ${l.newNo}`} onClick={() => setOpen({ line: l.newNo! })}>
                    {l.newNo}
                  </button>
                ) : (
                  (l.newNo ?? '')
                )}
              </td>
              {/* highlight.js escapes what it is given: its output is markup of spans only. */}
              <td className="ws-code hljs" dangerouslySetInnerHTML={{ __html: (l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' ') + highlightLine(l.text, l.kind === 'note' ? null : language) }} />
            </tr>
            {here.map((c) => (
              <tr key={c.id} className="ws-remark-row">
                <td colSpan={3}>
                  <Remark c={c} />
                </td>
              </tr>
            ))}
            {commenting && open !== null && open.line === l.newNo && l.kind !== 'del' && (
              <tr className="ws-remark-row">
                <td colSpan={3}>
                  <RemarkForm path={path} line={open.line} add={commenting.add} onDone={() => close(open)} />
                </td>
              </tr>
            )}
          </Fragment>
        );
      })}
    </>
  );
}

function Remark({ c }: { c: LineCommentDto }) {
  const where = c.now && c.now.line !== null && c.now.line !== c.line ? `line ${c.line}, now ${c.now.line}` : `line ${c.line}`;
  return (
    <div className={`ws-remark ${c.now?.touched ? 'ws-remark-touched' : ''}`} aria-label={`Remark on ${c.path} ${where}`}>
      <span className="ws-remark-tags">
        <span className={`tag ${c.state === 'pending' ? '' : 'tag-ok'}`}>{c.state === 'pending' ? 'pending' : 'sent'}</span>
        {c.now?.touched && <span className="tag tag-warn">touched by the agent</span>}
        {c.now && !c.now.touched && c.now.outdated && <span className="tag">outdated</span>}
        {c.now?.line === null && <span className="tag">file gone</span>}
        <span className="dim small">
          {where} · {c.commit.slice(0, 7)}
        </span>
      </span>
      <p className="ws-remark-body">{c.body}</p>
      {c.now?.outdated && (
        <p className="dim small mono ws-remark-was" title="The line as it was when the remark was made">
          was: {c.lineText}
        </p>
      )}
    </div>
  );
}

function RemarkForm({ path, line, add, onDone }: { path: string; line: number; add: LineCommenting['add']; onDone: () => void }) {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    if (!body.trim()) return;
    setSaving(true);
    try {
      await add(path, line, body.trim());
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form
      className="ws-remark-form"
      aria-label={`Remark on ${path} line ${line}`}
      onSubmit={() => void save()}
    >
      <textarea aria-label="Remark" rows={2} autoFocus value={body} placeholder={`A remark on ${path}:${line}, sent with Request changes`} onChange={(e) => setBody(e.target.value)} />
      {error && <p className="ws-warn small">{error}</p>}
      <div className="form-actions">
        <button type="button" className="btn btn-small" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-small btn-primary" disabled={!body.trim() || saving}>
          Add remark
        </button>
      </div>
    </Form>
  );
}
