// SCRAM-SHA-256 with native PBKDF2, against the worked example in RFC 7677
// section 3 (every PostgreSQL test also authenticates this way for real).
import { describe, expect, it } from 'vitest';
import { scramClientFinal } from '../../src/kinds/postgres-scram';

describe('scramClientFinal', () => {
  it('matches RFC 7677', async () => {
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const result = await scramClientFinal('pencil', 'rOprNGfwEbeRWgbNEkqO', serverFirst, 'user');
    expect(result.response).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(result.serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('refuses a server nonce that does not extend ours', async () => {
    await expect(scramClientFinal('pencil', 'abc', 'r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).rejects.toThrow(/server nonce/);
  });
});
