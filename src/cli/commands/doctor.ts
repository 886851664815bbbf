// vigil doctor: checks what Vigil needs on this machine, with no host running. Exit 1 when
// something blocks running Vigil (a `fail` finding), else 0.
import type { Command } from '../command';
import type { Finding } from '../doctor';
const { dirname } = process.getBuiltinModule('node:path');

const MARK: Record<Finding['status'], string> = { ok: 'ok', warn: 'warn', fail: 'FAIL' };

export const doctorCommand: Command = {
  name: 'doctor',
  args: [],
  options: {},
  summary: 'Check this machine for what Vigil needs (no running host needed); each finding with its fix.',
  async run(ctx) {
    // Loaded here: the database checks are for this verb only.
    const [{ runDoctor }, { EXIT_FAILURE }] = await Promise.all([import('../doctor'), import('../errors')]);
    const findings = await runDoctor({ dataDir: ctx.dataDir, env: process.env, installRoot: dirname(dirname(ctx.install.cliPath)) });
    const failed = findings.filter((f) => f.status === 'fail').length;
    const warned = findings.filter((f) => f.status === 'warn').length;
    if (ctx.out.json) {
      ctx.out.document({ ok: failed === 0, dataDir: ctx.dataDir, findings });
    } else {
      ctx.out.line(`Vigil doctor, data folder ${ctx.dataDir}`);
      const width = Math.max(...findings.map((f) => f.title.length));
      for (const f of findings) {
        ctx.out.line(`  ${MARK[f.status].padEnd(4)}  ${f.title.padEnd(width)}  ${f.detail}`);
        if (f.fix) ctx.out.line(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${f.fix}`);
      }
      ctx.out.line(
        failed > 0
          ? `${failed} problem(s) keep Vigil from running${warned ? `, ${warned} warning(s)` : ''}.`
          : warned > 0
            ? `Vigil can run; ${warned} warning(s).`
            : 'Everything Vigil needs is here.',
      );
    }
    return failed > 0 ? EXIT_FAILURE : 0;
  },
};
