// Syntax colours for diff lines: highlight.js's common languages, chosen by file extension.
// Lines are highlighted one by one (a hunk is not a whole file); the output is escaped HTML.
import hljs from 'highlight.js/lib/common';

const BY_NAME: Record<string, string> = { Makefile: 'makefile', Dockerfile: 'dockerfile' };

export function languageOf(path: string): string | null {
  const base = path.split('/').pop() ?? path;
  if (BY_NAME[base]) return hljs.getLanguage(BY_NAME[base]) ? BY_NAME[base] : null;
  const ext = base.includes('.') ? base.split('.').pop()!.toLowerCase() : '';
  return ext && hljs.getLanguage(ext) ? ext : null;
}

export function highlightLine(text: string, language: string | null): string {
  if (!language) return escapeHtml(text);
  try {
    return hljs.highlight(text, { language, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(text);
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
