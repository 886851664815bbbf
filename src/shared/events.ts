// Every event the host pushes to its clients. Transports forward them unchanged.
import { z } from 'zod';
import { AgentDto, CommentDto, EscalationDto, IssueDto, LogChunkDto, MachineDto, NotifyKind, RequestDto, RunDto, RunEventDto, SettingsDto } from './contract';

export const events = {
  'run.created': RunDto,
  'run.updated': RunDto,
  /** A batch of live pty output; `data` is base64 of the bytes appended at `offset`. */
  'run.output': LogChunkDto.pick({ runId: true, offset: true, data: true }),
  /** Structured events the run's adapter parsed (a transcript's rows), right after they are stored. */
  'run.event': z.object({ runId: z.string(), events: z.array(RunEventDto) }),
  'issue.updated': IssueDto,
  'comment.added': CommentDto,
  'agent.updated': AgentDto,
  'agent.removed': z.object({ id: z.string() }),
  'escalation.opened': EscalationDto,
  'escalation.updated': EscalationDto,
  /**
   * Something needs the user: an issue went to review or got blocked, a run seems to wait for
   * input, an escalation opened. Sent only for kinds the settings leave on; clients notify.
   */
  'attention.needed': z.object({
    kind: NotifyKind,
    issueId: z.string().nullable(),
    issueIdentifier: z.string().nullable(),
    issueTitle: z.string().nullable(),
    runId: z.string().nullable(),
    message: z.string(),
  }),
  'settings.updated': SettingsDto,
  /** Team mode: a machine came online, went offline (its lease expired) or stopped. */
  'machine.updated': MachineDto,
  /** Something the user must be told (a restored database, a recovery summary). */
  'host.notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  // ---- reach a live agent (issue 21)
  /** A run's agent asks a person (a permission or a question); the run waits for the answer. */
  'request.opened': RequestDto,
  /** A request was answered, expired, or its run ended. */
  'request.updated': RequestDto,
  /** Who holds the wheel of a live run's terminal (null: nobody types). */
  'run.wheel': z.object({ runId: z.string(), holder: z.string().nullable() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export const EVENT_NAMES = Object.keys(events) as EventName[];
export type EventPayload<N extends EventName> = z.infer<Events[N]>;
export type HostEvent = { [N in EventName]: { event: N; data: EventPayload<N> } }[EventName];
