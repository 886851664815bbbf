// The help of `vigil agent add --adapter`: every adapter with what Vigil can show and do for it.
// Its own module: the adapters' modules load only when someone asks for help.
import { capabilityWords, listAdapters } from '../../main/adapters/index';

/** The adapters with what Vigil can show and do for each (src/main/adapters/index.ts lists them). */
export function adapterHelp(): string {
  const adapters = listAdapters();
  const width = Math.max(...adapters.map((a) => a.type.length));
  const rows = adapters.map((a) => {
    const words = capabilityWords(a.info.capabilities);
    const what = a.info.command ? `${a.info.label} (\`${a.info.command}\`)` : `${a.info.label} (needs --command)`;
    return `      ${a.type.padEnd(width)}  ${what}: ${words.length > 0 ? words.join(', ') : 'terminal only'}`;
  });
  return ['how its runs start, one of:', ...rows].join('\n');
}
