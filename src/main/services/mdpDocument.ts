/**
 * What `mdps:save` checks before it stores a document, and the sizes it records. The full validation
 * is the MDP compiler's (`compileMdp`, src/shared/mdp/compile.ts): a document that does not compile is
 * refused as 'invalid-payload' with its error issues as details ("path: message"); warnings do not
 * block saving.
 */
import { compileMdp } from '../../shared/mdp/compile';
import type { MdpDocument } from '../../shared/mdp/types';

export interface DocumentFacts {
  states: number;
  actions: number;
  actionKind: 'discrete' | 'box';
}

export function checkMdpDocument(doc: MdpDocument): { ok: true; facts: DocumentFacts } | { ok: false; problems: string[] } {
  const result = compileMdp(doc);
  if (!result.ok) {
    const errors = result.issues.filter((i) => i.severity === 'error');
    return { ok: false, problems: (errors.length ? errors : result.issues).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)) };
  }
  return { ok: true, facts: { states: result.mdp.S, actions: result.mdp.N, actionKind: doc.actions.kind } };
}
