// An issue's History in words: names for actors, sentences for actions, VIG-n; never an event
// name, an `agent:uuid` or a `commentId=`.
import { describe, expect, it } from 'vitest';
import type { ActivityDto, EscalationDto } from '../../src/shared/contract';
import { issueHistory } from '../../src/renderer/history';

const agentId = '18c8e3d8-1111-4222-8333-444455556666';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const act = (action: string, actor: string, details: unknown, s: number): ActivityDto => ({ id: `a${s}`, action, entityType: 'issue', entityId: 'i', actor, details, createdAt: at(s) });

describe('issueHistory', () => {
  it('reads as sentences with names, newest first', () => {
    const activity = [
      act('issue.created', 'user', { title: 'T', assignee: 'builder' }, 1),
      act('issue.commented', `agent:${agentId}`, { commentId: 'c1' }, 2),
      act('issue.updated', `agent:${agentId}`, { from: 'in_progress', to: 'in_review', fields: ['status'] }, 3),
      act('issue.updated', 'user', { from: 'todo', to: 'todo', fields: ['title', 'body'] }, 4),
      act('issue.assigned', 'user', { agent: null, user: null }, 5),
      act('issue.escalated', 'system', { kind: 'x' }, 6),
    ];
    const escalations: EscalationDto[] = [
      { id: 'e1', issueId: 'i', issueIdentifier: 'VIG-4', issueTitle: 'T', runId: null, kind: 'agent_cannot_start', message: 'VIG-4 is blocked: …', createdAt: at(6), resolvedAt: null },
    ];
    const lines = issueHistory('VIG-4', activity, escalations, new Map([[agentId, 'builder']])).map((e) => `${e.who} ${e.what}`);
    expect(lines).toEqual([
      'Vigil escalated VIG-4 to you',
      'You unassigned VIG-4',
      'You changed the title and description of VIG-4',
      'builder moved VIG-4 from in progress to in review',
      'builder commented on VIG-4',
      'You opened VIG-4 and assigned it to builder',
    ]);
    expect(lines.join('\n')).not.toMatch(/issue\.\w+|agent:|commentId/);
  });

  it("an escalation's words are read once: not repeated under History when its comment is on the page", () => {
    const escalation: EscalationDto = { id: 'e1', issueId: 'i', issueIdentifier: 'VIG-4', issueTitle: 'T', runId: null, kind: 'agent_cannot_start', message: 'VIG-4 is blocked: the command was not found.', createdAt: at(6), resolvedAt: null };
    const [withComment] = issueHistory('VIG-4', [], [escalation], new Map(), ['VIG-4 is blocked: the command was not found.\n']);
    expect(withComment).toMatchObject({ what: 'escalated VIG-4 to you (its comment says why)', open: true });
    expect(withComment.detail).toBeUndefined();
    const [alone] = issueHistory('VIG-4', [], [escalation], new Map(), ['something else']);
    expect(alone.detail).toBe('VIG-4 is blocked: the command was not found.');
  });

  it('an agent since removed is "a removed agent", not its id', () => {
    const [entry] = issueHistory('VIG-1', [act('issue.commented', `agent:${agentId}`, {}, 1)], [], new Map());
    expect(`${entry.who} ${entry.what}`).toBe('a removed agent commented on VIG-1');
  });
});
