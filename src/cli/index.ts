// Entry of the `vigil` CLI bundle (out/main/cli.js, loaded by bin/vigil). Paths of the
// installation are resolved here, from this file's own location in out/main/.
import { version } from '../../package.json';
import { main } from './main';
const { resolve } = process.getBuiltinModule('node:path');

const here = import.meta.dirname;

// `vigil run logs RUN | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), {
  cliPath: resolve(here, '../../bin/vigil'),
  rendererDir: resolve(here, '../renderer'),
  ptyHostScript: resolve(here, 'ptyhost.js'),
  dbTemplate: resolve(here, 'db-template.tar.gz'),
  version,
});
