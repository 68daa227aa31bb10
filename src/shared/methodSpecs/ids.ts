/** The stable method ids (stored in the database, used on the command line and in URLs). */
export const METHOD_IDS = [
  'wasserstein-flow',
  'langevin',
  'jko-sinkhorn',
  'ot-trpo',
  'wpo-song',
  'gaussian-w2',
  'gaussian-w2-newton',
  'wpo-actor',
  'npg',
  'kl-trpo',
  'softmax-pg',
  'soft-value-iteration',
  'value-iteration',
  'policy-iteration',
] as const;

export type MethodId = (typeof METHOD_IDS)[number];
