import { describe, expect, it } from 'vitest';
import { CALL_NAMES, MAX_PAYLOAD_BYTES } from '../../src/shared/api';
import { CALL_SCHEMAS, MAX_PAYLOAD_DEPTH, payloadDepth, payloadSizeProblem, utf8ByteLength, validateCallPayload, type CallPayloads } from '../../src/shared/apiSchemas';
import { point, twoStateMdp } from './fixtures';

describe('apiSchemas', () => {
  it('has one schema per call', () => {
    expect(Object.keys(CALL_SCHEMAS).sort()).toEqual([...CALL_NAMES].sort());
  });

  it('accepts valid payloads', () => {
    expect(validateCallPayload('app:info', {})).toEqual([]);
    expect(validateCallPayload('mdps:list', undefined)).toEqual([]);
    expect(validateCallPayload('mdps:save', { document: twoStateMdp(), preset: null })).toEqual([]);
    expect(
      validateCallPayload('runs:create', { mdpId: 1, method: 'npg', options: { tau: 0.1, gamma: NaN }, backend: 'webgpu', seed: 3, maxIterations: 10 }),
    ).toEqual([]);
    expect(validateCallPayload('runs:appendTrace', { id: 1, points: [point(0), point(1, { J: NaN, kl: Infinity })] })).toEqual([]);
    expect(validateCallPayload('runs:trace', { ids: [1, 2], metrics: ['J', 'gap'], maxPoints: 500 })).toEqual([]);
    expect(validateCallPayload('runs:finish', { id: 1, status: 'failed', error: 'diverged', diagnostics: { a: 1, b: 'x', c: null, d: true } })).toEqual([]);
  });

  it('reports every problem with its path', () => {
    expect(validateCallPayload('runs:get', {})).toEqual(['id: required']);
    expect(validateCallPayload('runs:get', { id: 0 })).toEqual(['id: must be >= 1, got 0']);
    expect(validateCallPayload('runs:get', { id: 1.5 })).toEqual(['id: expected an integer, got 1.5']);
    expect(validateCallPayload('runs:get', { id: Infinity })).toEqual(['id: expected a finite number, got Infinity']);
    expect(validateCallPayload('runs:get', [1])).toEqual(['payload: expected an object, got array']);
    expect(validateCallPayload('runs:get', new Date())).toEqual(['payload: expected an object, got Date']);
    expect(validateCallPayload('app:info', { x: 1 })).toEqual(['x: unknown property']);
    const problems = validateCallPayload('runs:appendTrace', { id: 1, points: [point(0), { ...point(1), J: '1', extra: 2 }] });
    expect(problems).toEqual(['points[1].J: expected a number, got string', 'points[1].extra: unknown property']);
    expect(validateCallPayload('runs:appendTrace', { id: 1, points: [] })).toEqual(['points: must have at least 1 item(s)']);
    expect(validateCallPayload('runs:finish', { id: 1, status: 'running' })[0]).toMatch(/^status: expected one of/);
    expect(validateCallPayload('runs:trace', { ids: [1], metrics: ['iteration'] })[0]).toMatch(/^metrics\[0\]: expected one of/);
    expect(validateCallPayload('experiments:create', { name: '' })).toEqual(['name: must have at least 1 character']);
    expect(validateCallPayload('experiments:create', { name: 'x'.repeat(201) })[0]).toMatch(/at most 200 characters/);
    expect(validateCallPayload('runs:addSnapshot', { id: 1, iteration: 0, policy: [0.5, NaN] })).toEqual([
      'policy[1]: expected a finite number, got NaN',
    ]);
    expect(validateCallPayload('mdps:save', { document: { ...twoStateMdp(), format: 'other' } })[0]).toMatch(/^document\.format/);
    expect(validateCallPayload('nope:nope', {})).toEqual(["unknown channel 'nope:nope'"]);
  });

  it('caps the problem list of huge arrays', () => {
    const problems = validateCallPayload('runs:addSnapshot', { id: 1, iteration: 0, policy: new Array(10_000).fill('x') });
    expect(problems.length).toBeLessThanOrEqual(21);
    expect(problems.at(-1)).toMatch(/further problems not listed/);
  });

  it('reports every unknown key of an object, at most 20 listed', () => {
    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]));
    const problems = validateCallPayload('runs:get', { id: 1, ...extra });
    expect(problems.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}: unknown property`));
    expect(problems[20]).toBe('payload: 5 more unknown properties not listed');
    expect(problems).toHaveLength(21);
    // an undefined property is absent (the IPC clone keeps `{label: undefined}`)
    expect(validateCallPayload('runs:get', { id: 1, label: undefined })).toEqual([]);
  });

  it('refuses a payload nested deeper than the limit with a message, before any schema walks it', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const doc = { ...twoStateMdp(), transitions: { ...twoStateMdp().transitions, extra: deep } };
    expect(validateCallPayload('mdps:save', { document: doc })).toEqual([`payload: nested deeper than ${MAX_PAYLOAD_DEPTH} levels of objects and arrays`]);
    let ok: unknown = 1;
    for (let i = 0; i < MAX_PAYLOAD_DEPTH - 4; i++) ok = { a: ok };
    expect(payloadDepth({ document: { x: ok } })).toBe(MAX_PAYLOAD_DEPTH - 2); // payload, document, 60 levels of ok
  });

  it('infers the payload types from the schemas', () => {
    // compile-time: a payload type is the schema's output type
    const payload: CallPayloads['runs:heartbeat'] = { id: 3, owner: 'page:x:0:ab' };
    expect(validateCallPayload('runs:heartbeat', payload)).toEqual([]);
    expect(validateCallPayload('runs:finish', { id: 1, status: 'stalled', error: 'no progress' })).toEqual([]);
  });

  it('measures UTF-8 and applies the payload limit', () => {
    expect(utf8ByteLength('aé€😀')).toBe(Buffer.byteLength('aé€😀'));
    expect(payloadSizeProblem(MAX_PAYLOAD_BYTES)).toBeNull();
    expect(payloadSizeProblem(MAX_PAYLOAD_BYTES + 1)).toMatch(/limit/);
  });
});
