// The alert every channel test renders: a down event whose target text,
// fix and report carry `hostile` (mentions, markup, HTML) that each channel
// must neutralise in its own way.
import type { AlertEvent } from '../../src/engine/types';
import { MINUTE, T0 } from './index';

export function hostileAlertEvent(hostile: string, overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    id: 'api:down:1',
    type: 'down',
    at: T0,
    check: { id: 'api', name: 'API <health>', group: 'Core' },
    status: 'down',
    previous: 'up',
    severity: 'critical',
    since: T0 - 2 * MINUTE,
    incident: { id: 'api-1', startedAt: T0 - 2 * MINUTE },
    summary: `$.status = "${hostile}", expected "ok"`,
    details: [`$.status = "${hostile}", expected "ok"`, 'latency = 2300 ms, expected < 2000 ms'],
    runbook: 'https://runbooks.example.com/api?step=1&x=<2>|3',
    fix: `Restart it ${hostile}`,
    report: ['pg_dump: error: connection to server failed', `\`\`\` ${hostile}`, 'exit code 1'],
    ...overrides,
  };
}
