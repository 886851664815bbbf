// A long text (an issue's description, a comment) from the command line, a file or stdin:
// `--body-file PATH`, `--body-file -` for stdin. Shells mangle long text; files do not.
import { str, UsageError, type OptionValues } from './command';

export const bodyFileOption = {
  type: 'string',
  value: 'PATH',
  help: "read the text from the file PATH ('-' reads stdin); at most 100,000 characters",
} as const;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The text given inline (`inline`, from --body or the TEXT argument, named `inlineName`) or by
 * --body-file; undefined when neither. Both at once is a mistake, and so is `--body -`, which
 * would store a dash.
 */
export async function bodyText(opts: OptionValues, inline: string | undefined, inlineName: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string | undefined> {
  const file = str(opts, 'body-file');
  if (inline === '-') throw new UsageError(`${inlineName} '-' would be stored as a dash; to read the text from stdin, use --body-file -`);
  if (file === undefined) return inline;
  if (inline !== undefined) throw new UsageError(`give the text either as ${inlineName} or with --body-file, not both`);
  if (file === '-') return readStdin(stdin);
  try {
    return await process.getBuiltinModule('node:fs/promises').readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`--body-file: cannot read ${file}: ${why}`);
  }
}
