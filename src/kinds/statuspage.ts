// A vendor's public status page as a check: Atlassian Statuspage's
// /api/v2/summary.json, Instatus' /summary.json, or incident.io's Widget API.
// The page's own judgement becomes the check's verdict (minor → degraded,
// major/critical → down, maintenance → up with "maintenance" said), optionally
// only for the components this app depends on; active incident titles go in
// the details.

import * as z from 'zod';
import type { Observed } from '../assert/types';
import { stringOrSecret, type Resolved } from '../config/secrets';
import { formatBytes } from '../format';
import { describeFetchError, untilAborted } from '../net/fetch-errors';
import { readBoundedBody } from '../net/read-body';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, Observation } from './types';
import { userAgent } from '../net/user-agent';

/** Big vendors' summaries (hundreds of components) run to a few hundred KB. */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
export const MAX_BODY_BYTES_LIMIT = 16 * 1024 * 1024;
/** Observation details are at most 20 lines (kinds/types.ts). */
const MAX_DETAIL_LINES = 20;

export const STATUS_FORMATS = ['statuspage', 'instatus', 'incidentio'] as const;
type Format = (typeof STATUS_FORMATS)[number];

const options = z.strictObject({
  /** The status page: https://status.supabase.com (a secret for a private page whose address is its key). */
  url: stringOrSecret,
  /**
   * 'statuspage': Atlassian Statuspage (GET <url>/api/v2/summary.json);
   * 'instatus': Instatus (GET <url>/summary.json); 'incidentio': incident.io's
   * Widget API (GET <url>/proxy/<host>, the address its settings page shows).
   */
  format: z.enum(STATUS_FORMATS).default('statuspage'),
  /** The JSON address, when it is not where `format` says (a page behind a proxy, another widget URL). */
  endpoint: stringOrSecret.optional(),
  /** Only these components (names, case-insensitive, or ids); default: the whole page. Not for Instatus (its public JSON has none). */
  components: z.array(z.string().min(1)).min(1).optional(),
  maxBodyBytes: z.number().int().positive().max(MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
});

type Options = Resolved<z.output<typeof options>>;

/** What a page says, in Statuspage's vocabulary, whatever the vendor's format. */
type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
type Health = 'up' | 'degraded' | 'down' | 'maintenance';

interface Reading {
  pageName: string;
  /** Statuspage's page indicator (none, minor, major, critical, maintenance), or its equivalent. */
  indicator: string;
  /** Watched components and their status (all of them when none are named). */
  components: Array<{ name: string; status: ComponentStatus }>;
  /** Names asked for that the page does not list. */
  missing: string[];
  /** Active incidents that concern the watched components: title, impact, status. */
  incidents: Array<{ name: string; impact: string; status: string }>;
  /** Maintenance in progress that concerns them. */
  maintenances: string[];
  /** The page's judgement. */
  health: Health;
}

const HEALTH_RANK: Record<Health, number> = { up: 0, maintenance: 1, degraded: 2, down: 3 };
const worst = (healths: Health[]): Health => healths.reduce<Health>((a, b) => (HEALTH_RANK[b] > HEALTH_RANK[a] ? b : a), 'up');

/** Statuspage component statuses (and their equivalents) → health. A partial outage still serves most requests: degraded. */
const COMPONENT_HEALTH: Record<ComponentStatus, Health> = {
  operational: 'up',
  degraded_performance: 'degraded',
  partial_outage: 'degraded',
  major_outage: 'down',
  under_maintenance: 'maintenance',
};

/** Statuspage's page indicator → health: minor → degraded, major/critical → down. */
const INDICATOR_HEALTH: Record<string, Health> = { none: 'up', minor: 'degraded', major: 'down', critical: 'down', maintenance: 'maintenance' };

function endpointFor(opts: Options): string {
  if (opts.endpoint) return opts.endpoint;
  const url = new URL(opts.url);
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = opts.format === 'instatus' ? `${base}/summary.json` : opts.format === 'incidentio' ? `${base}/proxy/${url.host}` : `${base}/api/v2/summary.json`;
  return url.toString();
}

const lower = (text: string) => text.trim().toLowerCase();

/** Is `component` one of the names or ids asked for? */
function wanted(asked: string[] | undefined, component: { id?: string; name?: string; group_name?: string }): string | undefined {
  if (!asked) return component.name ?? component.id ?? '?';
  return asked.find((entry) => lower(entry) === lower(component.name ?? '') || entry === component.id || (component.group_name && lower(entry) === lower(`${component.group_name}/${component.name ?? ''}`)));
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value.filter((item) => item && typeof item === 'object') as Json[]) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Atlassian Statuspage v2 summary (https://developer.statuspage.io, "Summary"):
 * { page, status: { indicator, description }, components: [{ id, name, status, group, group_id }], incidents, scheduled_maintenances }.
 */
function readStatuspage(body: Json, asked: string[] | undefined): Reading {
  const page = (body.page ?? {}) as Json;
  const indicator = str((body.status as Json | undefined)?.indicator) || 'none';
  // Group rows summarise their children; count the children themselves.
  const rows = list(body.components).filter((component) => component.group !== true);
  const components: Reading['components'] = [];
  const watchedIds = new Set<string>();
  for (const component of rows) {
    if (!wanted(asked, { id: str(component.id), name: str(component.name) })) continue;
    components.push({ name: str(component.name), status: (str(component.status) || 'operational') as ComponentStatus });
    watchedIds.add(str(component.id));
  }
  const missing = (asked ?? []).filter((entry) => !rows.some((component) => wanted([entry], { id: str(component.id), name: str(component.name) })));
  // An incident names its components when the vendor filled them in; without them it concerns the page.
  const concerns = (incident: Json) => !asked || list(incident.components).length === 0 || list(incident.components).some((component) => watchedIds.has(str(component.id)));
  const incidents = list(body.incidents)
    .filter((incident) => !['resolved', 'postmortem', 'completed'].includes(str(incident.status)) && concerns(incident))
    .map((incident) => ({ name: str(incident.name), impact: str(incident.impact) || 'none', status: str(incident.status) }));
  const maintenances = list(body.scheduled_maintenances)
    .filter((maintenance) => ['in_progress', 'verifying'].includes(str(maintenance.status)) && concerns(maintenance))
    .map((maintenance) => str(maintenance.name));
  const componentHealth = worst(components.map((component) => COMPONENT_HEALTH[component.status] ?? 'degraded'));
  const health = asked ? worst([componentHealth, maintenances.length > 0 ? 'maintenance' : 'up']) : worst([INDICATOR_HEALTH[indicator] ?? 'degraded', componentHealth, maintenances.length > 0 ? 'maintenance' : 'up']);
  return { pageName: str(page.name), indicator, components, missing, incidents, maintenances, health };
}

/** Instatus impacts and component statuses (instatus.com/help/api/public-data, /help/webhooks) in Statuspage's words. */
const INSTATUS_STATUS: Record<string, ComponentStatus> = {
  OPERATIONAL: 'operational',
  DEGRADEDPERFORMANCE: 'degraded_performance',
  PARTIALOUTAGE: 'partial_outage',
  MINOROUTAGE: 'partial_outage',
  MAJOROUTAGE: 'major_outage',
  UNDERMAINTENANCE: 'under_maintenance',
};

/**
 * Instatus public summary (instatus.com/help/api/public-data):
 * { page: { name, url, status: UP | HASISSUES | UNDERMAINTENANCE }, activeIncidents: [{ name, status, impact }], activeMaintenances: [{ name, status }] }.
 */
function readInstatus(body: Json): Reading {
  const page = (body.page ?? {}) as Json;
  const pageStatus = str(page.status);
  const incidents = list(body.activeIncidents)
    .filter((incident) => str(incident.status) !== 'RESOLVED')
    .map((incident) => ({ name: str(incident.name), impact: str(incident.impact), status: str(incident.status).toLowerCase() }));
  const maintenances = list(body.activeMaintenances)
    .filter((maintenance) => str(maintenance.status) === 'INPROGRESS')
    .map((maintenance) => str(maintenance.name));
  const incidentHealth = worst(incidents.map((incident) => COMPONENT_HEALTH[INSTATUS_STATUS[incident.impact] ?? 'degraded_performance']));
  // HASISSUES without an incident (a component set by hand) is still the page saying something is wrong.
  const pageHealth: Health = pageStatus === 'UP' ? 'up' : pageStatus === 'UNDERMAINTENANCE' ? 'maintenance' : 'degraded';
  const health = worst([pageHealth, incidentHealth, maintenances.length > 0 ? 'maintenance' : 'up']);
  const indicator = health === 'up' ? 'none' : health === 'maintenance' ? 'maintenance' : health === 'down' ? 'major' : 'minor';
  return { pageName: str(page.name), indicator, components: [], missing: [], incidents, maintenances, health };
}

/** incident.io's impact and component statuses in Statuspage's words (full_outage is its major_outage). */
const INCIDENTIO_STATUS: Record<string, ComponentStatus> = {
  operational: 'operational',
  degraded_performance: 'degraded_performance',
  partial_outage: 'partial_outage',
  full_outage: 'major_outage',
  under_maintenance: 'under_maintenance',
};

/**
 * incident.io Widget API (docs.incident.io/status-pages/widget-api):
 * { page_title, page_url, ongoing_incidents: [{ name, status, current_worst_impact, affected_components: [{ id, name, group_name, current_status }] }],
 *   in_progress_maintenances: [...], scheduled_maintenances: [...] }. Only affected components appear.
 */
function readIncidentio(body: Json, asked: string[] | undefined): Reading {
  const components: Reading['components'] = [];
  const incidents: Reading['incidents'] = [];
  for (const incident of list(body.ongoing_incidents)) {
    if (str(incident.status) === 'resolved') continue;
    const affected = list(incident.affected_components).filter((component) => wanted(asked, { id: str(component.id), name: str(component.name), group_name: str(component.group_name) }));
    if (asked && affected.length === 0 && list(incident.affected_components).length > 0) continue;
    incidents.push({ name: str(incident.name), impact: str(incident.current_worst_impact), status: str(incident.status) });
    for (const component of affected) components.push({ name: str(component.name), status: INCIDENTIO_STATUS[str(component.current_status)] ?? 'degraded_performance' });
  }
  const maintenances = list(body.in_progress_maintenances)
    .filter((maintenance) => !asked || list(maintenance.affected_components).length === 0 || list(maintenance.affected_components).some((component) => wanted(asked, { id: str(component.id), name: str(component.name), group_name: str(component.group_name) })))
    .map((maintenance) => str(maintenance.name));
  const impactOf = (incident: { impact: string }) => COMPONENT_HEALTH[INCIDENTIO_STATUS[incident.impact] ?? 'degraded_performance'];
  // With components named, their own status decides (an incident's worst impact may be elsewhere),
  // except for incidents that name no component: those concern the whole page.
  const pageWide = list(body.ongoing_incidents).filter((incident) => str(incident.status) !== 'resolved' && list(incident.affected_components).length === 0).map((incident) => impactOf({ impact: str(incident.current_worst_impact) }));
  const health = worst([asked ? worst([...components.map((component) => COMPONENT_HEALTH[component.status]), ...pageWide]) : worst(incidents.map(impactOf)), maintenances.length > 0 ? 'maintenance' : 'up']);
  const indicator = health === 'up' ? 'none' : health === 'maintenance' ? 'maintenance' : health === 'down' ? 'major' : 'minor';
  return { pageName: str(body.page_title), indicator, components, missing: [], incidents, maintenances, health };
}

function read(format: Format, body: Json, asked: string[] | undefined): Reading {
  if (format === 'instatus') return readInstatus(body);
  if (format === 'incidentio') return readIncidentio(body, asked);
  return readStatuspage(body, asked);
}

/** The shape check: each format's top-level fields, so an HTML page or another format is not read as "all fine". */
function shapeProblem(format: Format, body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'not a JSON object';
  const json = body as Json;
  if (format === 'statuspage' && (typeof json.status !== 'object' || !Array.isArray(json.components))) return 'no status and components: not a Statuspage v2 summary (is format right?)';
  if (format === 'instatus' && (typeof json.page !== 'object' || !Array.isArray(json.activeIncidents))) return 'no page and activeIncidents: not an Instatus summary (is format right?)';
  if (format === 'incidentio' && !Array.isArray(json.ongoing_incidents)) return 'no ongoing_incidents: not an incident.io Widget API answer (is format right, and the widget API enabled?)';
  return undefined;
}

function verdictMessage(reading: Reading, vendor: string, watched: string[] | undefined): string {
  const scope = watched ? `${vendor} (${watched.join(', ')})` : vendor;
  const titles = reading.incidents.map((incident) => incident.name).filter(Boolean);
  switch (reading.health) {
    case 'up':
      return `${scope}: operational`;
    case 'maintenance':
      return `${scope}: maintenance in progress${reading.maintenances.length > 0 ? `: ${reading.maintenances.join('; ')}` : ''} (not counted as an outage)`;
    default: {
      const affected = reading.components.filter((component) => component.status !== 'operational').map((component) => `${component.name} ${component.status.replace(/_/g, ' ')}`);
      const what = [...affected, ...titles].slice(0, 4).join('; ');
      return `${scope}: ${reading.health === 'down' ? 'outage' : 'degraded'}${what ? `: ${what}` : ` (indicator ${reading.indicator})`}`;
    }
  }
}

export const statuspageKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  subrequests: () => 1,

  describe: (opts) => {
    const page = typeof opts.url === 'string' ? withoutQuery(opts.url) : `secret ${opts.url.$secret}`;
    return `${opts.format} ${page}${opts.components ? ` (${opts.components.join(', ')})` : ''}`;
  },

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (typeof opts.url === 'string' && !isHttpUrl(opts.url)) problems.push(['url', `"${opts.url}" is not an http(s) URL`]);
    if (typeof opts.endpoint === 'string' && !isHttpUrl(opts.endpoint)) problems.push(['endpoint', `"${opts.endpoint}" is not an http(s) URL`]);
    if (opts.format === 'instatus' && opts.components) problems.push(['components', "Instatus' public summary.json lists no components, so they cannot be picked: watch the whole page (leave components out)"]);
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    if (!isHttpUrl(opts.url) || (opts.endpoint !== undefined && !isHttpUrl(opts.endpoint))) {
      return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option url (or endpoint) is not an http(s) URL' };
    }
    const endpoint = endpointFor(opts);
    const where = withoutQuery(endpoint);
    const started = Date.now();
    let text: string;
    try {
      const response = await ctx.fetch(endpoint, { headers: { accept: 'application/json', 'user-agent': userAgent() }, signal: ctx.signal });
      const body = await untilAborted(readBoundedBody(response, opts.maxBodyBytes), ctx.signal);
      if (response.status !== 200) {
        return { reached: false, retryable: response.status >= 500, latencyMs: Date.now() - started, values: { httpStatus: response.status }, error: `${where} answered HTTP ${response.status}: the status page itself is unavailable` };
      }
      if (body.truncated) return { reached: true, unknown: true, latencyMs: Date.now() - started, values: {}, error: `${where}: the summary is larger than ${formatBytes(opts.maxBodyBytes)} (maxBodyBytes)` };
      text = body.text;
    } catch (error) {
      return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: describeFetchError(error, ctx, where) };
    }
    const latencyMs = Date.now() - started;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { reached: true, unknown: true, latencyMs, values: {}, error: `${where}: the answer is not JSON (${(error as Error).message}): is format right?` };
    }
    const shape = shapeProblem(opts.format, parsed);
    if (shape) return { reached: true, unknown: true, latencyMs, values: {}, error: `${where}: ${shape}` };
    const reading = read(opts.format, parsed as Json, opts.components);
    if (reading.missing.length > 0) {
      const listed = list((parsed as Json).components).filter((component) => component.group !== true).map((component) => str(component.name));
      return { reached: true, unknown: true, latencyMs, values: {}, error: `${where} lists no component ${reading.missing.map((name) => JSON.stringify(name)).join(', ')}; it has ${listed.slice(0, 15).join(', ')}${listed.length > 15 ? ' …' : ''}` };
    }

    const values: Record<string, Observed> = {
      indicator: reading.indicator,
      incidents: reading.incidents.length,
      maintenance: reading.health === 'maintenance' || reading.maintenances.length > 0,
      latencyMs,
    };
    if (reading.components.length > 0) {
      const rank: ComponentStatus[] = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];
      values.componentStatus = reading.components.map((component) => component.status).reduce((a, b) => (rank.indexOf(b) > rank.indexOf(a) ? b : a), 'operational' as ComponentStatus);
    }
    const details = [
      ...reading.incidents.map((incident) => `incident: ${incident.name}${incident.impact ? ` [${incident.impact.toLowerCase()}]` : ''}${incident.status ? ` (${incident.status})` : ''}`),
      ...reading.maintenances.map((name) => `maintenance: ${name}`),
      ...reading.components.filter((component) => component.status !== 'operational').map((component) => `${component.name}: ${component.status.replace(/_/g, ' ')}`),
    ].slice(0, MAX_DETAIL_LINES);
    const vendor = reading.pageName || new URL(opts.url).host;
    const status = reading.health === 'maintenance' ? 'up' : reading.health;
    const observation: Observation = { reached: true, latencyMs, values, verdict: { status, message: verdictMessage(reading, vendor, opts.components) } };
    if (details.length > 0) observation.details = details;
    // Maintenance and nothing worse: the page shows the vendor in maintenance (an outage during it still alerts).
    if (reading.health === 'maintenance') observation.maintenance = reading.maintenances.length > 0 ? reading.maintenances.join('; ') : `${vendor} maintenance`;
    return observation;
  },
};
