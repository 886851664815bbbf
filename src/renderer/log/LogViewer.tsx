// A run's log in a real terminal emulator (ANSI colours, cursor movement), following live
// output while the run runs. It starts from the tail, so a 100 MB log opens as fast as a small
// one; xterm's DOM renderer keeps the text in the page, where search and tests can read it.
import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'react';
import type { RunDto } from '../../shared/contract';
import { ACTIVE_RUN_STATUSES } from '../../shared/domain';
import { useBridge } from '../data/bridge-context';
import { toContractError } from '../data/errors';
import { isConnectionSource } from '../data/ws-bridge';
import { formatBytes } from '../format';
import { useEffectiveTheme } from '../theme';
import { decodeBase64, LogFeed, type LogFeedState, type ReadRequest } from './log-feed';
import { LogSearch } from './LogSearch';
import { downloadLog } from './download';
import { searchDecorations, terminalTheme } from './terminal-theme';
import { useTerminalWheel, WheelControls } from './TerminalWheel';

const SCROLLBACK_LINES = 10_000;

export default function LogViewer({ run }: { run: RunDto }) {
  const bridge = useBridge();
  const theme = useEffectiveTheme();
  const host = useRef<HTMLDivElement>(null);
  // The theme changes in place (below): a new terminal per theme would lose the scrollback.
  const initialTheme = useRef(theme);
  const [term, setTerm] = useState<{ terminal: Terminal; search: SearchAddon } | null>(null);
  const [feed, setFeed] = useState<LogFeed | null>(null);
  const [state, setState] = useState<LogFeedState | null>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [download, setDownload] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const active = ACTIVE_RUN_STATUSES.includes(run.status);
  const wheel = useTerminalWheel(term?.terminal ?? null, run.id, run.status === 'running');

  // The terminal, once per run page.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const terminal = new Terminal({
      scrollback: SCROLLBACK_LINES,
      disableStdin: true,
      cursorStyle: 'bar',
      cursorInactiveStyle: 'none',
      cursorBlink: false,
      fontFamily: 'ui-monospace, "SF Mono", "JetBrains Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
      fontSize: 12.5,
      lineHeight: 1.25,
      allowProposedApi: true, // the search addon's match decorations use it
      theme: terminalTheme(initialTheme.current),
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    terminal.loadAddon(fit);
    terminal.loadAddon(search);
    terminal.open(el);
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // not laid out yet (hidden): the next resize fits it
      }
    };
    refit();
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(refit) : null;
    observer?.observe(el);
    // Scrolled up means "I am reading": output keeps coming but the view stays put.
    const track = () => setAtBottom(terminal.buffer.active.viewportY >= terminal.buffer.active.baseY);
    const subs = [terminal.onScroll(track), terminal.onWriteParsed(track)];
    setTerm({ terminal, search });
    return () => {
      observer?.disconnect();
      subs.forEach((s) => s.dispose());
      terminal.dispose();
      setTerm(null);
    };
  }, []);

  useEffect(() => {
    if (term) term.terminal.options.theme = terminalTheme(theme);
  }, [term, theme]);

  // The feed: tail read, live chunks, gap reads.
  useEffect(() => {
    if (!term) return;
    const read = async (request: ReadRequest) => {
      const r = await bridge.invoke('runs.log', { run: run.id, ...request });
      return { ...r, data: decodeBase64(r.data) };
    };
    const f = new LogFeed(read, {
      write: (bytes) => term.terminal.write(bytes),
      clear: () => term.terminal.reset(),
    });
    const offState = f.onChange(setState);
    const offEvents = bridge.onEvent((e) => {
      if (e.event === 'run.output' && e.data.runId === run.id) f.live(e.data.offset, decodeBase64(e.data.data));
    });
    // Output sent while the socket was down is gone: read it back.
    const offConnection = isConnectionSource(bridge) ? bridge.onConnection((s, reconnected) => s === 'open' && reconnected && void f.catchUp()) : () => undefined;
    setFeed(f);
    void f.start();
    return () => {
      offState();
      offEvents();
      offConnection();
      f.dispose();
      setFeed(null);
    };
  }, [bridge, term, run.id]);

  // The last chunks may race the run's end: read to the end once it is over.
  useEffect(() => {
    if (feed && !active) void feed.catchUp();
  }, [feed, active]);

  const jumpToEnd = () => {
    if (!feed || !term) return;
    void feed.toLiveEnd().then(() => term.terminal.scrollToBottom());
  };

  const startDownload = () => {
    if (download) return;
    setDownload('0%');
    setDownloadError(null);
    downloadLog(bridge, run.id, (done, total) => setDownload(total ? `${Math.floor((done / total) * 100)}%` : '…'))
      .catch((err: unknown) => setDownloadError(toContractError(err).message))
      .finally(() => setDownload(null));
  };

  const copySelection = () => {
    const text = term?.terminal.getSelection();
    if (text) void navigator.clipboard?.writeText(text);
  };

  const pruned = state?.pruned || run.logPruned;
  const empty = state?.started && !pruned && state.totalBytes === 0;
  return (
    <div className="log-viewer">
      <div className="log-toolbar" role="toolbar" aria-label="Log">
        {term && <LogSearch search={term.search} decorations={searchDecorations(theme)} />}
        <span className="toolbar-gap" />
        {run.status === 'running' && <WheelControls wheel={wheel} />}
        {state && state.start > 0 && !pruned && (
          <button type="button" className="btn btn-small" onClick={() => void feed?.loadEarlier()} disabled={state.busy}>
            Load earlier
          </button>
        )}
        <button type="button" className="btn btn-small" onClick={copySelection} title="Copy the selected text">
          Copy
        </button>
        <button type="button" className="btn btn-small" onClick={startDownload} disabled={!!download || !!pruned} title="Download the raw log, ANSI codes included">
          {download ? `Downloading ${download}` : 'Download'}
        </button>
        <button type="button" className={`btn btn-small${atBottom && state?.atLiveEnd !== false ? '' : ' btn-primary'}`} onClick={jumpToEnd}>
          {active && atBottom && state?.atLiveEnd !== false ? 'Following' : 'Jump to end'}
        </button>
      </div>
      <div className="log-frame">
        <div ref={host} className="log-terminal" data-testid="log-terminal" aria-label={`Log of run ${run.id}`} />
        {pruned && (
          <div className="log-overlay">
            <p>
              <strong>This run’s log was pruned</strong> by log retention to save disk space. The run’s summary, events and usage above are kept.
            </p>
          </div>
        )}
        {empty && (
          <div className="log-overlay log-overlay-quiet">
            <p>{active ? 'Waiting for output…' : 'This run wrote no output.'}</p>
          </div>
        )}
      </div>
      <div className="log-status dim">
        {downloadError && <span className="text-bad">Download failed: {downloadError} · </span>}
        {state?.error ? (
          <span className="text-bad">Could not read the log: {state.error}</span>
        ) : state && !pruned ? (
          <span>
            {state.start > 0 ? `showing ${formatBytes(state.end - state.start)} of ${formatBytes(state.totalBytes)}` : formatBytes(state.totalBytes)}
            {active ? ' · live' : ''}
          </span>
        ) : null}
      </div>
    </div>
  );
}
