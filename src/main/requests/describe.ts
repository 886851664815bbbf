// What a request asks, in the words a person reads: the command, the file and its diff, the
// question and its options, read from the tool's input as Claude Code (and the MCP tools) send it.
import type { RequestDto } from '../../shared/contract';

type Described = Pick<RequestDto, 'summary' | 'command' | 'filePath' | 'diff' | 'question' | 'options'>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const oneLine = (text: string, max = 200) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** AskUserQuestion's input: { questions: [{ question, options: [{ label }] }] }; ours: { question, options: [string] }. */
export function questionOf(input: Record<string, unknown>): { question: string | null; options: string[] } {
  const direct = str(input.question);
  if (direct) return { question: direct, options: labels(input.options) };
  const first = Array.isArray(input.questions) ? (input.questions[0] as Record<string, unknown> | undefined) : undefined;
  if (first && typeof first === 'object') return { question: str(first.question), options: labels(first.options) };
  return { question: null, options: [] };
}

function labels(options: unknown): string[] {
  if (!Array.isArray(options)) return [];
  return options
    .map((o) => (typeof o === 'string' ? o : str((o as { label?: unknown } | null)?.label)))
    .filter((o): o is string => !!o)
    .slice(0, 100);
}

/** A unified-looking diff of an Edit (old_string -> new_string) or the content a Write puts. */
function diffOf(input: Record<string, unknown>): string | null {
  const oldText = str(input.old_string);
  const newText = typeof input.new_string === 'string' ? input.new_string : null;
  if (oldText !== null && newText !== null) {
    return [...oldText.split('\n').map((l) => `-${l}`), ...newText.split('\n').map((l) => `+${l}`)].join('\n');
  }
  const content = typeof input.content === 'string' ? input.content : null;
  if (content !== null) return content.split('\n').map((l) => `+${l}`).join('\n');
  return null;
}

export function describeRequest(kind: string, tool: string | null, input: Record<string, unknown>): Described {
  if (kind === 'question') {
    const { question, options } = questionOf(input);
    return { summary: oneLine(question ?? 'The agent asks you a question.'), command: null, filePath: null, diff: null, question, options };
  }
  const command = str(input.command);
  const filePath = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path);
  const name = tool ?? 'a tool';
  const what = command ?? filePath ?? str(input.url) ?? str(input.pattern) ?? str(input.description);
  return {
    summary: oneLine(what ? `${name}: ${what}` : `${name} wants to run`),
    command,
    filePath,
    diff: diffOf(input),
    question: null,
    options: [],
  };
}
