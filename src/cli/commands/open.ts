// vigil open: the app in the browser, token included, without hunting for serve's first line.
import type { Context } from '../command';
import { AnsweredFailure, type Command } from '../command';
import { readWebAddress } from '../web-address';

/**
 * The running serve's page with its token; null when the host answering has no web page.
 * `hostPid`: the answering host's pid when the caller already asked for its status.
 */
export async function currentWebUrl(ctx: Context, hostPid?: number): Promise<string | null> {
  const pid = hostPid ?? (await (await ctx.client()).call('host.status', {})).pid;
  const address = readWebAddress(ctx.dataDir);
  return address && address.pid === pid ? address.url : null;
}

const NO_PAGE =
  'the Vigil running for this data folder is the desktop app, which has no browser page: use its window, or quit it and run `vigil serve` to get one';

/** $BROWSER when set (as many tools honour it), else the desktop's opener. */
function opener(): { file: string; args: string[] } {
  const browser = process.env.BROWSER?.trim();
  if (browser) return { file: browser, args: [] };
  if (process.platform === 'darwin') return { file: 'open', args: [] };
  if (process.platform === 'win32') return { file: 'cmd', args: ['/c', 'start', '""'] };
  return { file: 'xdg-open', args: [] };
}

function openInBrowser(url: string): Promise<string | null> {
  const { file, args } = opener();
  return new Promise((resolve) => {
    const child = process.getBuiltinModule('node:child_process').spawn(file, [...args, url], { stdio: 'ignore', detached: true });
    child.once('error', (err) => resolve(`${file}: ${err.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}

export const openCommand: Command = {
  name: 'open',
  args: [],
  options: { print: { type: 'boolean', help: 'print the address (with its token) instead of opening a browser' } },
  summary: 'Open Vigil in your browser, signed in (the address `vigil serve` printed).',
  async run(ctx, { opts }) {
    const url = await currentWebUrl(ctx);
    if (!url) throw new AnsweredFailure(NO_PAGE);
    if (ctx.out.json) return ctx.out.document({ url });
    if (opts.print === true) return ctx.out.line(url);
    const problem = await openInBrowser(url);
    if (problem) throw new AnsweredFailure(`could not open a browser (${problem}); open this address yourself: ${url}`);
    ctx.out.line('Opened Vigil in your browser.');
  },
};
