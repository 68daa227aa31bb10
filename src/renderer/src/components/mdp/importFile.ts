/**
 * Reading a file the user opens or drops: the native format or a Gymnasium P table, checked and
 * validated without touching the current design, so that a preview can show what would be loaded.
 */
import { compileMdp } from '../../../../shared/mdp/compile';
import { importGymnasium } from '../../../../shared/mdp/gymnasium';
import { MDP_FORMAT, MDP_FORMAT_VERSION, type MdpDocument, type MdpIssue } from '../../../../shared/mdp/types';

function actionCount(doc: MdpDocument): number {
  const a = doc.actions;
  return a.kind === 'discrete' ? (Array.isArray(a.labels) ? a.labels.length : 0) : Math.pow(Math.max(0, Math.floor(a.n)), a.dim);
}

/** The largest file the designer reads (drop or import): bigger ones are refused before reading. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** What an import would load: the document (not yet loaded) and what validation says about it. */
export interface ImportPreview {
  fileName: string;
  document: MdpDocument;
  source: 'native' | 'gymnasium';
  S: number;
  N: number;
  errors: MdpIssue[];
  warnings: MdpIssue[];
}

/**
 * Read a JSON text as the native format or a Gymnasium table; nothing is loaded. Throws an Error with a
 * specific message (naming the file) when the text is not JSON, not an object, or neither format.
 */
export function parseImport(text: string, fileName = 'imported'): ImportPreview {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${fileName} is not valid JSON: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`${fileName}: expected a JSON object (an MDP document or a Gymnasium table), got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}`);
  }
  let document: MdpDocument;
  let source: ImportPreview['source'];
  if ((data as { format?: unknown }).format === MDP_FORMAT) {
    const d = data as MdpDocument;
    if (d.version !== MDP_FORMAT_VERSION) throw new Error(`${fileName}: unsupported format version ${String(d.version)} (this app reads version ${MDP_FORMAT_VERSION})`);
    if (!Array.isArray(d.states) || !d.actions || !d.rewards || !d.transitions) {
      throw new Error(`${fileName}: the document lacks states, actions, rewards or transitions`);
    }
    if (typeof d.name !== 'string') throw new Error(`${fileName}: the document's name must be a string`);
    const bad = d.states.findIndex((st) => st === null || typeof st !== 'object' || Array.isArray(st));
    if (bad >= 0) throw new Error(`${fileName}: states[${bad}] must be an object {"label": ...}`);
    if (typeof d.actions !== 'object' || (d.actions.kind !== 'discrete' && d.actions.kind !== 'box')) {
      throw new Error(`${fileName}: actions.kind must be 'discrete' or 'box'`);
    }
    document = d;
    source = 'native';
  } else {
    const r = importGymnasium(data, { name: fileName.replace(/\.json$/i, '') });
    if (!r.ok) {
      const msgs = r.issues.filter((i) => i.severity === 'error').slice(0, 5).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
      throw new Error(`${fileName} is neither a '${MDP_FORMAT}' document nor a Gymnasium model: ${msgs.join('; ')}`);
    }
    document = r.document;
    source = 'gymnasium';
  }
  let errors: MdpIssue[] = [];
  let warnings: MdpIssue[] = [];
  try {
    const c = compileMdp(document);
    if (c.ok) warnings = c.warnings;
    else {
      errors = c.issues.filter((i) => i.severity === 'error');
      warnings = c.issues.filter((i) => i.severity !== 'error');
    }
  } catch (err) {
    errors = [{ severity: 'error', code: 'compile-crash', message: `The compiler failed: ${(err as Error).message}` }];
  }
  return { fileName, document, source, S: document.states.length, N: actionCount(document), errors, warnings };
}

