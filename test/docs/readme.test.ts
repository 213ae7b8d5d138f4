// The README's configuration reference stays true: it is the generated table, exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable } from '../../scripts/config-table.ts';

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('documents every setting with its variable and default', () => {
    expect(readme).toContain(configTable());
  });

  it('gives the test command that .ci/run runs', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(readme).toMatch(/scripts\/install-test-peers\.sh && npm test/);
    expect(ci).toMatch(/scripts\/install-test-peers\.sh/);
    expect(ci).toMatch(/^npm test$/m);
  });
});
