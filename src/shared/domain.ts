// Domain vocabulary shared by the host, the CLI, the preload bridge and the renderer: the plain
// values (domain-values.ts, no zod, what the CLI's quick verbs load) and their zod schemas.
// No Node, DOM or Electron here: every floor imports this file.
import { z } from 'zod';
import { ADAPTER_TYPES, AGENT_STATUSES, BUDGET_PERIODS, COMMENT_AUTHORS, ESCALATION_KINDS, INVOCATION_SOURCES, ISSUE_PRIORITIES, ISSUE_STATUSES, RETRY_REASONS, RUN_ERROR_CODES, RUN_STATUSES, WAKEUP_STATUSES, WORKSPACE_MODES, WORKSPACE_STATES } from './domain-values';

export { RUN_STATUSES, LIVE_RUN_STATUSES, ACTIVE_RUN_STATUSES, isLiveStatus, isActiveStatus, INVOCATION_SOURCES, WAKEUP_STATUSES, ISSUE_STATUSES, ISSUE_PRIORITIES, AGENT_STATUSES, ADAPTER_TYPES, RUN_ERROR_CODES, RETRY_REASONS, COMMENT_AUTHORS, ESCALATION_KINDS, RUN_ERROR_EXPLANATIONS, BUDGET_PERIODS, WORKSPACE_MODES, WORKSPACE_STATES, ISSUE_IDENTIFIER_RE, MASKED_SECRET } from './domain-values';

export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;
export const InvocationSource = z.enum(INVOCATION_SOURCES);
export type InvocationSource = z.infer<typeof InvocationSource>;
export const WakeupStatus = z.enum(WAKEUP_STATUSES);
export type WakeupStatus = z.infer<typeof WakeupStatus>;
export const IssueStatus = z.enum(ISSUE_STATUSES);
export type IssueStatus = z.infer<typeof IssueStatus>;
export const IssuePriority = z.enum(ISSUE_PRIORITIES);
export type IssuePriority = z.infer<typeof IssuePriority>;
export const AgentStatus = z.enum(AGENT_STATUSES);
export type AgentStatus = z.infer<typeof AgentStatus>;
export const AdapterType = z.enum(ADAPTER_TYPES);
export type AdapterType = z.infer<typeof AdapterType>;
export const RunErrorCode = z.enum(RUN_ERROR_CODES);
export type RunErrorCode = z.infer<typeof RunErrorCode>;
export const RetryReason = z.enum(RETRY_REASONS);
export type RetryReason = z.infer<typeof RetryReason>;
export const CommentAuthor = z.enum(COMMENT_AUTHORS);
export type CommentAuthor = z.infer<typeof CommentAuthor>;
export const EscalationKind = z.enum(ESCALATION_KINDS);
export type EscalationKind = z.infer<typeof EscalationKind>;
export const BudgetPeriod = z.enum(BUDGET_PERIODS);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;
export const WorkspaceMode = z.enum(WORKSPACE_MODES);
export type WorkspaceMode = z.infer<typeof WorkspaceMode>;
export const WorkspaceState = z.enum(WORKSPACE_STATES);
export type WorkspaceState = z.infer<typeof WorkspaceState>;
export const WorkspaceHealth = z.enum(['ok', 'missing', 'broken']);
export type WorkspaceHealth = z.infer<typeof WorkspaceHealth>;
