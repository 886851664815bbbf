// Where `vigil serve`'s page is, token included, kept in the private data folder so `vigil open`
// and `vigil status` can give it back without restarting serve. The file is the user's own (mode
// 0600 in a 0700 folder); the token never crosses the control socket, so an agent's call cannot
// ask for it.
const { readFileSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');

export interface WebAddress {
  /** The page with its token: http://127.0.0.1:4777/#token=... */
  url: string;
  /** The serve process that wrote it: an address left by a serve that died is not given out. */
  pid: number;
}

export const webAddressPath = (dataDir: string) => join(dataDir, 'web-address.json');

export function writeWebAddress(dataDir: string, address: WebAddress): void {
  writeFileSync(webAddressPath(dataDir), `${JSON.stringify(address)}\n`, { mode: 0o600 });
}

/** Removes the file, only if it is still this serve's (a newer serve may have replaced it). */
export function removeWebAddress(dataDir: string, pid: number): void {
  if (readWebAddress(dataDir)?.pid === pid) rmSync(webAddressPath(dataDir), { force: true });
}

export function readWebAddress(dataDir: string): WebAddress | null {
  try {
    const parsed = JSON.parse(readFileSync(webAddressPath(dataDir), 'utf8')) as Partial<WebAddress>;
    return typeof parsed.url === 'string' && typeof parsed.pid === 'number' ? { url: parsed.url, pid: parsed.pid } : null;
  } catch {
    return null;
  }
}
