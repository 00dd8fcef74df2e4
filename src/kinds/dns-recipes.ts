// Built-in DNS recipes over DNS over HTTPS: one line in checks/ for what mail
// and hosting runbooks ask of a domain. Each returns an ordinary `dns` check.
//   domain.spf({ id: 'spf', name: 'example.com', includes: ['_spf.google.com'] })

import { value, type Expectation } from '../assert/builders';
import type { CheckInput } from '../config';
import { records } from './dns';
import { escapeRegExp } from '../config/secrets';

type DnsInput = Extract<CheckInput, { kind: 'dns' }>;

/** What every recipe takes: the check's common fields and the resolver options, without the query. */
export type DnsRecipeBase = Omit<DnsInput, 'kind' | 'domain' | 'type' | 'expect' | 'name'> & {
  name?: string;
  /** More assertions, added to the recipe's own. */
  expect?: Expectation[];
};

function build(base: DnsRecipeBase, query: { domain: string; type: DnsInput['type'] }, title: string, expect: Expectation[]): DnsInput {
  const { expect: extra = [], name, ...rest } = base;
  return { kind: 'dns', ...rest, ...query, name: name ?? title, expect: [...expect, ...extra] };
}

export const domain = {
  /**
   * SPF (RFC 7208): exactly one TXT record starting "v=spf1" on `domain`
   * (two are a permanent error), and each of `includes` in it.
   */
  spf(base: DnsRecipeBase & { domain: string; includes?: string[] }) {
    const { domain: name, includes = [], ...rest } = base;
    const expect: Expectation[] = [value('spfCount').label('SPF records (v=spf1)').eq(1)];
    for (const include of includes) expect.push(value('spf').label('SPF record').matches(new RegExp(`(^|\\s)include:${escapeRegExp(include)}(\\s|$)`, 'i')));
    return build(rest, { domain: name, type: 'TXT' }, `SPF for ${name}`, expect);
  },

  /**
   * DMARC (RFC 7489): one TXT record starting "v=DMARC1" on _dmarc.`domain`,
   * with a policy (p=) among `policy` (default: quarantine or reject; pass
   * ['none', 'quarantine', 'reject'] to only require that one exists).
   */
  dmarc(base: DnsRecipeBase & { domain: string; policy?: Array<'none' | 'quarantine' | 'reject'> }) {
    const { domain: name, policy = ['quarantine', 'reject'], ...rest } = base;
    return build(rest, { domain: `_dmarc.${name}`, type: 'TXT' }, `DMARC for ${name}`, [
      value('dmarcCount').label('DMARC records (v=DMARC1)').eq(1),
      value('dmarcPolicy').label('DMARC policy (p=)').oneOf(policy),
    ]);
  },

  /** `domain` resolves (A, or AAAA for IPv6 addresses), and only to addresses in `addresses`. */
  resolvesTo(base: DnsRecipeBase & { domain: string; addresses: string[] }) {
    const { domain: host, addresses, ...rest } = base;
    const type = addresses.every((address) => address.includes(':')) ? 'AAAA' : 'A';
    return build(rest, { domain: host, type }, `${host} resolves`, [
      value('count').label(`${type} records`).above(0),
      records().label(`${type} records of ${host}`).oneOf(addresses.map((address) => address.toLowerCase())),
    ]);
  },
};
