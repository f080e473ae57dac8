import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseDefinition } from '../../src/definition/load';
import { DefinitionError, formatProblem } from '../../src/definition/problems';
import { baseDefinition, definition } from '../helpers';

function errorsOf(text: string, expectedName?: string): string[] {
  try {
    parseDefinition(text, 'instances/test.yaml', expectedName);
  } catch (e) {
    if (e instanceof DefinitionError) return e.problems.map((p) => formatProblem(p));
    throw e;
  }
  return [];
}

describe('loading a definition', () => {
  it('accepts the minimal definition and applies defaults in one place', () => {
    const { instance } = parseDefinition(stringify(baseDefinition()), 'x.yaml');
    expect(instance.web.replicas).toBe(2);
    expect(instance.web.threads).toBe(5);
    expect(instance.streaming.dbPool).toBe(10);
    expect(instance.sidekiq.groups[0].concurrency).toBe(10);
    expect(instance.sidekiq.groups[0].replicas).toBe(1);
    expect(instance.database.port).toBe(5432);
    expect(instance.image.repository).toBe('ghcr.io/mastodon/mastodon');
    expect(instance.upgrade.strategy).toBe('rolling');
    expect(instance.flux?.interval).toBe('10m');
  });

  it('fails on YAML syntax errors with line and column', () => {
    const errors = errorsOf('name: test\nweb:\n  replicas: [1\n');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^instances\/test\.yaml:\d+:\d+: error: .*invalid YAML/);
  });

  it('fails on duplicate keys', () => {
    expect(errorsOf('name: test\nname: other\n')[0]).toMatch(/invalid YAML: Map keys must be unique/);
  });

  it('fails on an empty file', () => {
    expect(errorsOf('')[0]).toMatch(/expected a mapping of fields, found null/);
  });

  it('names an unknown field with its line, the allowed fields and a suggestion', () => {
    const text = stringify(definition({ web: { replicaz: 3 } }));
    const line = text.split('\n').findIndex((l) => l.includes('replicaz')) + 1;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`instances/test.yaml:${line}:3: error: web.replicaz: unknown field (did you mean "replicas"?)`);
    expect(errors[0]).toContain('expected one of: replicas, maxReplicas');
  });

  it('reports a wrong type with expected and found', () => {
    expect(errorsOf(stringify(definition({ web: { replicas: 'two' } })))).toEqual([
      expect.stringMatching(/web\.replicas: expected integer, found "two"$/),
    ]);
  });

  it('reports an out-of-range value', () => {
    expect(errorsOf(stringify(definition({ web: { threads: 0 } })))[0]).toMatch(/web\.threads: expected a number >= 1, found 0$/);
  });

  it('reports an invalid enum value', () => {
    expect(errorsOf(stringify(definition({ upgrade: { strategy: 'yolo' } })))[0]).toMatch(/upgrade\.strategy: expected one of rolling, downtime, found "yolo"/);
  });

  it('explains pattern failures in words', () => {
    expect(errorsOf(stringify(definition({ domain: 'Not A Host' })))[0]).toMatch(/domain: expected a lowercase fully qualified host name, found "Not A Host"/);
    expect(errorsOf(stringify(definition({ web: { resources: { cpu: 'lots', memory: '1Gi', memoryLimit: '2Gi' } } })))[0]).toMatch(
      /web\.resources\.cpu: expected a CPU quantity such as 250m or 1, found "lots"/,
    );
  });

  it('reports a missing required field at its parent', () => {
    const def = definition();
    delete (def as any).database;
    expect(errorsOf(stringify(def))[0]).toMatch(/:1:1: error: database: required field is missing/);
  });

  it('points into lists by index', () => {
    const errors = errorsOf(stringify(definition({ sidekiq: { groups: [{ name: 'Bad_Name', queues: ['default'] }] } })));
    expect(errors[0]).toMatch(/sidekiq\.groups\[0\]\.name: expected a lowercase DNS label/);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf(stringify(definition({ web: { replicas: 'x', workers: 0 }, streaming: { bogus: true } })));
    expect(errors).toEqual([
      expect.stringMatching(/error: web\.replicas: expected integer, found "x"$/),
      expect.stringMatching(/error: web\.workers: expected a number >= 1, found 0$/),
      expect.stringMatching(/error: streaming\.bogus: unknown field; expected one of: replicas, /),
    ]);
  });

  it('requires the name to match the file name', () => {
    expect(errorsOf(stringify(baseDefinition()), 'other')[0]).toMatch(/name: expected the file name "other", found "test"/);
  });
});
