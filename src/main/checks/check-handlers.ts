// The contract's check verbs: an issue's check runs, running its check now, a check's log.
import type { CallParsedInput, CheckRunDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import type { ServiceContext } from '../context';
import { requireIssue } from '../views/lookup';
import { checkRunDto, type IssueChecks } from './issue-checks';

export function checkHandlers(ctx: ServiceContext, checks: IssueChecks) {
  return {
    'issues.checks': async (input: CallParsedInput<'issues.checks'>): Promise<CheckRunDto[]> => checks.list((await requireIssue(ctx.db, input.issue)).id),
    'issues.runCheck': async (input: CallParsedInput<'issues.runCheck'>): Promise<CheckRunDto | null> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await checks.enqueue(issue.id, () => checks.check(issue.id, null, true));
      return row ? checkRunDto(row) : null;
    },
    'issues.checkLog': async (input: CallParsedInput<'issues.checkLog'>) => {
      const log = await checks.log(input.check);
      if (log === null) throw new ContractError('not_found', `no check run ${input.check}`, 'check');
      return { log };
    },
  };
}
