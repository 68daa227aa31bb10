/**
 * Layout and structure of a design for the canvas: automatic layered layout (dagre) for graphs without
 * positions, and recognition of the structure a document has, so that it is drawn the way it reads:
 *  - grid worlds (states on a square lattice, moves between neighbouring cells): a grid of cells with
 *    walls (lattice cells without a state), holes/cliffs, start and goal;
 *  - Taxi (500 states x 6 actions, Gymnasium's encoding): the 5 x 5 taxi map, one (passenger, destination)
 *    slice at a time.
 */
import dagre from '@dagrejs/dagre';
import type { MdpDocument } from '../../../../shared/mdp/types';

/** Largest graph that dagre lays out (beyond, a square grid is used). */
export const AUTO_LAYOUT_MAX_STATES = 300;

/**
 * Lay the states out as a layered graph of the transition table (dagre, left to right); returns false
 * (and changes nothing) when the graph is too big or has no table. Self-loops and duplicate edges are
 * ignored; positions are rounded to whole units.
 */
export function autoLayout(doc: MdpDocument): boolean {
  const S = doc.states.length;
  if (S === 0 || S > AUTO_LAYOUT_MAX_STATES) return false;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 50, ranksep: 90, marginx: 60, marginy: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  for (let s = 0; s < S; s++) g.setNode(String(s), { width: 44, height: 44 });
  const seen = new Set<number>();
  if (doc.transitions.kind === 'table') {
    for (const e of doc.transitions.entries) {
      if (!(e.s >= 0 && e.s < S && e.next >= 0 && e.next < S) || e.s === e.next || !(e.p > 0)) continue;
      const key = e.s * S + e.next;
      if (seen.has(key) || seen.has(e.next * S + e.s)) continue;
      seen.add(key);
      g.setEdge(String(e.s), String(e.next));
    }
  }
  dagre.layout(g);
  for (let s = 0; s < S; s++) {
    const n = g.node(String(s));
    doc.states[s].x = Math.round(n.x);
    doc.states[s].y = Math.round(n.y);
  }
  return true;
}

export type CellKind = 'plain' | 'start' | 'goal' | 'hole' | 'cliff';

export interface GridStructure {
  rows: number;
  cols: number;
  /** lattice origin and spacing in canvas units */
  x0: number;
  y0: number;
  cell: number;
  /** state at lattice cell r * cols + c, or -1 (a wall) */
  stateAt: Int32Array;
  row: Int32Array;
  col: Int32Array;
  kind: CellKind[];
}

/** The kind of cell a state is, from its label, the terminal set and rho0. */
export function cellKind(doc: MdpDocument, s: number, terminal: Set<number>): CellKind {
  const label = doc.states[s]?.label ?? '';
  if (/^(G\b|goal\b)/i.test(label)) return 'goal';
  if (/^(H\b|hole\b|pit\b)/i.test(label)) return 'hole';
  if (/^cliff\b/i.test(label)) return 'cliff';
  if ((doc.initial[s] ?? 0) > 0) return 'start';
  if (terminal.has(s)) return 'hole';
  return 'plain';
}

/**
 * The grid a document's positions form, when they do: every state on a distinct point of one square
 * lattice, at least 2 x 2, lattice at most 3 x the states (the rest are walls), and at least 80 % of
 * the sampled outcomes landing on the same or a neighbouring cell (or a start state: resets). Else null.
 */
export function detectGrid(doc: MdpDocument): GridStructure | null {
  const S = doc.states.length;
  if (S < 4 || S > 100_000) return null;
  const xs = new Set<number>();
  const ys = new Set<number>();
  for (const st of doc.states) {
    if (typeof st.x !== 'number' || typeof st.y !== 'number' || !Number.isFinite(st.x) || !Number.isFinite(st.y)) return null;
    xs.add(st.x);
    ys.add(st.y);
  }
  const sx = [...xs].sort((a, b) => a - b);
  const sy = [...ys].sort((a, b) => a - b);
  let cell = Infinity;
  for (const arr of [sx, sy]) for (let i = 1; i < arr.length; i++) cell = Math.min(cell, arr[i] - arr[i - 1]);
  if (!Number.isFinite(cell) || cell <= 0) return null;
  const x0 = sx[0], y0 = sy[0];
  const cols = Math.round((sx[sx.length - 1] - x0) / cell) + 1;
  const rows = Math.round((sy[sy.length - 1] - y0) / cell) + 1;
  if (rows < 2 || cols < 2 || rows * cols > 3 * S + 4) return null;
  const stateAt = new Int32Array(rows * cols).fill(-1);
  const row = new Int32Array(S), col = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    const fc = (doc.states[s].x! - x0) / cell, fr = (doc.states[s].y! - y0) / cell;
    const c = Math.round(fc), r = Math.round(fr);
    if (Math.abs(fc - c) > 1e-6 || Math.abs(fr - r) > 1e-6) return null;
    const k = r * cols + c;
    if (stateAt[k] >= 0) return null;
    stateAt[k] = s;
    row[s] = r;
    col[s] = c;
  }
  if (doc.transitions.kind !== 'table') return null;
  const entries = doc.transitions.entries;
  const step = Math.max(1, Math.floor(entries.length / 2000));
  // jumps back to a start state (CliffWalking's cliff) count as local, when the starts are few
  const starts = new Set<number>();
  doc.initial.forEach((v, s) => {
    if (v > 0) starts.add(s);
  });
  const resetsOk = starts.size <= Math.max(2, 0.05 * S);
  let local = 0, seen = 0;
  for (let i = 0; i < entries.length; i += step) {
    const e = entries[i];
    if (!(e.s >= 0 && e.s < S && e.next >= 0 && e.next < S)) continue;
    seen++;
    const d = Math.abs(row[e.s] - row[e.next]) + Math.abs(col[e.s] - col[e.next]);
    if (d <= 1 || (resetsOk && starts.has(e.next))) local++;
  }
  if (seen > 0 && local < 0.8 * seen) return null;
  const terminal = new Set(doc.terminalStates ?? []);
  const kind = doc.states.map((_, s) => cellKind(doc, s, terminal));
  return { rows, cols, x0, y0, cell, stateAt, row, col, kind };
}

/** Taxi (Gymnasium Taxi-v3's 500 x 6, by name or preset): drawn as its map. */
export function isTaxi(doc: MdpDocument, preset: string | null): boolean {
  if (doc.states.length !== 500) return false;
  const N = doc.actions.kind === 'discrete' ? doc.actions.labels.length : 0;
  if (N !== 6) return false;
  return (preset ?? '').split('?')[0] === 'taxi' || /taxi/i.test(doc.name);
}
