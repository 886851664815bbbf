// Where a line comment stands: anchored to a snapshot tree of the worktree (HEAD plus every
// uncommitted change) and a line of a file in it, followed to the worktree's current tree by
// git's own diff. A remark whose line was changed or deleted since is `touched` (the agent did
// something there); one whose line only moved keeps its text at a new number.
import { git, GitError } from './git';

export interface LineAnchor {
  tree: string;
  lineText: string;
}

export interface LinePlace {
  /** The line's number now, or null when its file is gone. */
  line: number | null;
  /** The line itself was changed or removed since the remark. */
  touched: boolean;
  /** Touched or moved: the remark no longer sits where it was made. */
  outdated: boolean;
}

/** The file's text in a tree, or null when the tree has no such file. */
export async function fileAt(repo: string, tree: string, path: string): Promise<string | null> {
  try {
    return (await git(repo, ['cat-file', 'blob', `${tree}:${path}`])).stdout;
  } catch (err) {
    if (err instanceof GitError) return null;
    throw err;
  }
}

/** The anchor of `path:line` in the tree, or a sentence saying why there is no such line. */
export async function anchorIn(repo: string, tree: string, path: string, line: number): Promise<LineAnchor | string> {
  const text = await fileAt(repo, tree, path);
  if (text === null) return `the worktree has no file ${path}`;
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  if (line < 1 || line > lines.length) return `${path} has ${lines.length} line(s); there is no line ${line}`;
  return { tree, lineText: lines[line - 1] };
}

/** Up to `radius` lines either side of `line`, numbered, the line itself marked with '>'. */
export async function hunkAround(repo: string, tree: string, path: string, line: number, radius = 3): Promise<string> {
  const text = (await fileAt(repo, tree, path)) ?? '';
  const lines = text.split('\n');
  const from = Math.max(1, line - radius);
  const to = Math.min(lines.length, line + radius);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const body = lines[n - 1] ?? '';
    out.push(`${String(n).padStart(width)} ${n === line ? '>' : '|'} ${body.length > 200 ? `${body.slice(0, 200)}…` : body}`);
  }
  return out.join('\n');
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Follows `path:line` of `fromTree` into `toTree`. */
export async function placeIn(repo: string, fromTree: string, toTree: string, path: string, line: number): Promise<LinePlace> {
  if (fromTree === toTree) return { line, touched: false, outdated: false };
  if ((await fileAt(repo, toTree, path)) === null) return { line: null, touched: true, outdated: true };
  const diff = (await git(repo, ['diff', '--no-color', '--no-ext-diff', '--no-renames', '-U0', fromTree, toTree, '--', path])).stdout;
  let shift = 0;
  for (const row of diff.split('\n')) {
    const m = HUNK.exec(row);
    if (!m) continue;
    const oldStart = Number(m[1]);
    const oldCount = m[2] === undefined ? 1 : Number(m[2]);
    const newStart = Number(m[3]);
    const newCount = m[4] === undefined ? 1 : Number(m[4]);
    if (oldCount > 0 && line >= oldStart && line < oldStart + oldCount) return { line: newCount > 0 ? newStart : Math.max(1, newStart), touched: true, outdated: true };
    // A hunk wholly before the line moves it; with no old lines, it inserts after oldStart.
    const before = oldCount === 0 ? oldStart < line : oldStart + oldCount <= line;
    if (before) shift += newCount - oldCount;
    else break;
  }
  return { line: line + shift, touched: false, outdated: shift !== 0 };
}
