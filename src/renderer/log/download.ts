// The raw log, ANSI codes included, read in 1 MiB ranges (the most one call returns) and
// handed to the browser as a file.
import type { VigilBridge } from '../../shared/bridge';
import { decodeBase64, MAX_READ } from './log-feed';

export async function downloadLog(bridge: VigilBridge, runId: string, progress: (done: number, total: number) => void): Promise<void> {
  const parts: BlobPart[] = [];
  let offset = 0;
  let total = Infinity;
  while (offset < total) {
    const r = await bridge.invoke('runs.log', { run: runId, offset, length: MAX_READ });
    if (r.pruned) throw new Error('the log was pruned');
    total = r.totalBytes;
    const bytes = decodeBase64(r.data);
    if (bytes.length === 0) break;
    parts.push(bytes);
    offset = r.offset + bytes.length;
    progress(offset, total);
  }
  const url = URL.createObjectURL(new Blob(parts, { type: 'application/octet-stream' }));
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = `vigil-run-${runId}.log`;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // Give the browser a moment to start reading the blob before it goes.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
