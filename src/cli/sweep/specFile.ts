/**
 * A sweep file (JSON, or YAML for people who write grids by hand) -> a checked SweepSpec, its runs, and
 * the MDP documents they use. Everything that can be wrong with the file is found here, before any run
 * starts or any job is submitted (exit 2 with every problem listed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { compileMdp } from '../../shared/mdp/compile';
import { importGymnasium } from '../../shared/mdp/gymnasium';
import type { MdpDocument } from '../../shared/mdp/types';
import { methodInfo } from '../../shared/methods';
import { entryMdps, expandSweep, parseSweepSpec, type SweepMdpRef, type SweepRun, type SweepSpec } from '../../shared/sweepSpec';
import { presetById, PRESETS } from '../../compute/presets';
import { UsageError } from '../args';
import { mdpContentHash } from './shardSql';
import { parseYamlSubset } from './yamlSubset';

export interface LoadedSweep {
  spec: SweepSpec;
  /** the file's content as parsed (kept in the manifest) */
  raw: unknown;
  runs: SweepRun[];
  /** per MDP ref: its document, content hash, and the --mdp argument once written (see placeMdps) */
  mdps: Map<string, { document: MdpDocument; hash: string; preset: string | null; params: boolean }>;
}

function parseText(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    try {
      return parseYamlSubset(text);
    } catch (error) {
      throw new UsageError(`'${file}' is not a sweep YAML file: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`'${file}' is not valid JSON: ${(error as Error).message} (YAML files end in .yaml or .yml)`);
  }
}

function mdpDocument(ref: SweepMdpRef, specDir: string): MdpDocument {
  if (ref.kind === 'preset') {
    const preset = presetById(ref.id);
    if (!preset) throw new Error(`unknown preset '${ref.id}' (known: ${PRESETS.map((p) => p.id).join(', ')})`);
    try {
      return preset.build(ref.params);
    } catch (error) {
      throw new Error((error as Error).message);
    }
  }
  const path = resolve(specDir, ref.path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the MDP file ${path}: ${(error as Error).message}`);
  }
  if (parsed && typeof parsed === 'object' && 'P' in parsed && !('format' in parsed)) {
    const imported = importGymnasium(parsed, { name: basename(path).replace(/\.json$/, '') });
    if (!imported.ok) throw new Error(`${path} (Gymnasium table): ${imported.issues.map((i) => i.message).join('; ')}`);
    return imported.document;
  }
  return parsed as MdpDocument;
}

export function loadSweepFile(file: string): LoadedSweep {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the sweep file '${file}': ${(error as Error).message}`);
  }
  const raw = parseText(file, text);
  const parsed = parseSweepSpec(raw, basename(file).replace(/\.(json|ya?ml)$/i, ''));
  if (!parsed.ok) throw new UsageError(`the sweep file '${file}' is not valid:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`);
  const spec = parsed.spec;
  const errors: string[] = [];
  const mdps: LoadedSweep['mdps'] = new Map();
  spec.mdps.forEach((ref, i) => {
    try {
      const document = mdpDocument(ref, dirname(resolve(file)));
      const compiled = compileMdp(document);
      if (!compiled.ok) throw new Error(`the MDP is not valid: ${compiled.issues.slice(0, 3).map((x) => x.message).join('; ')}`);
      for (const m of spec.methods) {
        if (!entryMdps(spec, m).some((r) => r.ref === ref.ref)) continue; // an entry with its own MDPs
        const info = methodInfo(m.method)!;
        if (info.actions === 'box' && document.actions.kind !== 'box') errors.push(`mdps[${i}] '${ref.ref}': ${m.method} needs a continuous action box; this MDP has discrete actions`);
      }
      mdps.set(ref.ref, {
        document,
        hash: mdpContentHash(document),
        preset: ref.kind === 'preset' ? ref.id : null,
        params: ref.kind === 'file' || Object.keys(ref.params).length > 0,
      });
    } catch (error) {
      errors.push(`mdps[${i}] '${ref.ref}': ${(error as Error).message}`);
    }
  });
  if (errors.length) throw new UsageError(`the sweep file '${file}' is not valid:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  return { spec, raw, runs: expandSweep(spec), mdps };
}

/**
 * The --mdp argument of each MDP ref. A plain preset is passed as `preset:ID`; a parameterised preset or
 * a file is written as a native document into DIR/mdps (on the shared filesystem, where every task
 * reads it) and passed by absolute path.
 */
export function placeMdps(loaded: LoadedSweep, mdpsDir: string): Map<string, string> {
  const args = new Map<string, string>();
  let n = 0;
  for (const [ref, m] of loaded.mdps) {
    if (!m.params) {
      args.set(ref, ref);
      continue;
    }
    const safe = ref.replace(/^preset:/, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
    const path = join(mdpsDir, `m${n++}-${safe}.json`);
    writeFileSync(path, `${JSON.stringify(m.document, null, 2)}\n`);
    args.set(ref, path);
  }
  return args;
}
