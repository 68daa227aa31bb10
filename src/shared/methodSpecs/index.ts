/**
 * Every method's typed spec by id (one file per method in this folder), the typed options object of
 * each, and the one parser. Adding a method: its spec file here, its entry in SPECS and OptionsById
 * (specs.ts), its reference file in src/compute/reference (registry.ts), optionally its GPU plan.
 */
export * from './ids';
export * from './types';
export * from './specs';
export { mdpFacts } from './facts';
export { parseMethodOptions, formatRange, type ParseResult } from './parse';
export { REGULARISED_METHODS } from './common';
export { ESTIMATORS, ESTIMATOR_KEYS, estimatorOptions, estimatorChecks, exactOptionsOf, exactRunReadsSeed, isSampled, monteCarloTransitions, MAX_TRANSITIONS_PER_UPDATE, MAX_TD_BUFFER_BYTES, TD_BYTES_PER_TRANSITION, type EstimatorId, type EstimatorOptions } from './estimator';
