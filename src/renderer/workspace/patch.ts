// A unified diff from git, parsed into files, hunks and numbered lines for the diff view.

export interface DiffLine {
  kind: 'context' | 'add' | 'del' | 'note';
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
}

export interface DiffFile {
  path: string;
  oldPath: string | null;
  binary: boolean;
  hunks: DiffHunk[];
}

/** git quotes paths with unusual bytes ("a\\tb", octal escapes) and tabs the ones with spaces. */
function unquote(raw: string): string {
  const text = raw.replace(/\t$/, '');
  if (!text.startsWith('"')) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  const simple: Record<string, number> = { n: 10, t: 9, '"': 34, '\\': 92, a: 7, b: 8, f: 12, r: 13, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      bytes.push(...new TextEncoder().encode(c));
      continue;
    }
    const next = body[++i];
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(simple[next] ?? next.charCodeAt(0));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const stripSide = (p: string) => p.replace(/^[ab]\//, '');

export function parsePatch(patch: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const m = /^diff --git (?:"?a\/)(.*?)"? (?:"?b\/)(.*?)"?$/.exec(line);
      file = { path: m ? unquote(m[2]) : line.slice(11), oldPath: null, binary: false, hunks: [] };
      files.push(file);
      hunk = null;
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith('+++ ') && line !== '+++ /dev/null') file.path = stripSide(unquote(line.slice(4)));
      else if (line.startsWith('--- ') && line !== '--- /dev/null') file.oldPath = stripSide(unquote(line.slice(4)));
      else if (line.startsWith('rename from ')) file.oldPath = unquote(line.slice(12));
      else if (line.startsWith('rename to ')) file.path = unquote(line.slice(10));
      else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
    }
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      oldNo = Number(header[1]);
      newNo = Number(header[2]);
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    const mark = line[0];
    const text = line.slice(1);
    if (mark === '+') hunk.lines.push({ kind: 'add', text, oldNo: null, newNo: newNo++ });
    else if (mark === '-') hunk.lines.push({ kind: 'del', text, oldNo: oldNo++, newNo: null });
    else if (mark === ' ') hunk.lines.push({ kind: 'context', text, oldNo: oldNo++, newNo: newNo++ });
    else if (mark === '\\') hunk.lines.push({ kind: 'note', text: line.slice(2), oldNo: null, newNo: null });
  }
  // A deleted file keeps its old path as its name; `oldPath` is only for renames.
  for (const f of files) if (f.oldPath === f.path) f.oldPath = null;
  return files;
}
