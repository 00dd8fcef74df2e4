// /ack/<incident>?exp=&mac=: the acknowledge link an alert carries. GET shows
// what will be acknowledged and a button; the POST (the button, a plain HTML
// form) checks the signature and the expiry and has the ledger record it:
// escalation and reminders stop, and the page says who acknowledged it.

import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WorkerEnv } from '../env';
import { ledgerOf } from '../ledger/durable-object';
import { ackSignature } from '../notify/ack-link';
import { constantTimeEqual } from './auth';

const NAME_MAX = 60;

const Page: FC<{ title: string; children?: unknown }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>{title}</title>
    </head>
    <body>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

type AckContext = Context<{ Bindings: WorkerEnv }>;

/** Whether the link's signature and expiry hold for this incident. */
async function linkProblem(c: AckContext, incident: string, exp: string | undefined, sig: string | undefined, now: number): Promise<string | undefined> {
  const token = c.env.VIGIL_ADMIN_TOKEN;
  if (typeof token !== 'string' || token === '') return 'acknowledge links are off: the VIGIL_ADMIN_TOKEN secret is not set';
  const expires = Number(exp);
  if (!exp || !sig || !Number.isFinite(expires)) return 'this link is incomplete';
  if (!constantTimeEqual(sig, await ackSignature(token, incident, expires))) return 'this link is not valid';
  if (now > expires) return 'this link has expired; acknowledge the incident from the admin page';
  return undefined;
}

function html(c: AckContext, status: 200 | 403 | 404 | 503, page: ReturnType<typeof Page>) {
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'no-referrer');
  return c.html(`<!doctype html>${String(page)}`, status);
}

export function ackHandlers(clock: () => number) {
  return {
    async show(c: AckContext) {
      const incident = c.req.param('incident') ?? '';
      const problem = await linkProblem(c, incident, c.req.query('exp'), c.req.query('mac'), clock());
      if (problem) return html(c, 403, <Page title="Cannot acknowledge">{<p>{problem}</p>}</Page>);
      return html(
        c,
        200,
        <Page title={`Acknowledge incident ${incident}?`}>
          <p>Acknowledging stops the escalation and the reminders for this incident, and the status page says who acknowledged it.</p>
          <form method="post">
            <input type="hidden" name="exp" value={c.req.query('exp') ?? ''} />
            <input type="hidden" name="mac" value={c.req.query('mac') ?? ''} />
            <label>
              Your name <input name="by" maxlength={NAME_MAX} required autocomplete="name" />
            </label>{' '}
            <button type="submit">Acknowledge</button>
          </form>
        </Page>,
      );
    },
    async acknowledge(c: AckContext) {
      const incident = c.req.param('incident') ?? '';
      const form = await c.req.parseBody();
      const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
      const now = clock();
      const problem = await linkProblem(c, incident, field('exp'), field('mac'), now);
      if (problem) return html(c, 403, <Page title="Cannot acknowledge">{<p>{problem}</p>}</Page>);
      const by = (field('by') ?? '').trim().slice(0, NAME_MAX) || 'someone with the alert link';
      try {
        const result = await ledgerOf(c.env).admin({ op: 'acknowledge', id: incident, by }, now);
        if (!result.ok) return html(c, result.status === 404 ? 404 : 403, <Page title="Cannot acknowledge">{<p>{result.error}</p>}</Page>);
      } catch (error) {
        console.error('vigil: an acknowledgement could not be stored', error);
        return html(c, 503, <Page title="Not acknowledged yet">{<p>The acknowledgement could not be stored; try again in a few seconds.</p>}</Page>);
      }
      return html(c, 200, <Page title="Acknowledged">{<p>{`Incident ${incident} is acknowledged by ${by}. Escalation and reminders have stopped.`}</p>}</Page>);
    },
  };
}
