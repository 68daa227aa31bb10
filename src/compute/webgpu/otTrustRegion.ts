/**
 * The OT trust-region step (otTrustRegion.wgsl, ALGORITHMS.md §5): lambda* by the GPU bracket search
 * on clo(lambda), the tie pass, t* and the mass move (split for OT-TRPO, lowest index for WPO).
 *
 * On a 1-D line (cost |x_j - x_k|^p, p = 1, 2) every candidate lambda costs O(N) per state (the max-plus
 * transform), so what decides the speed is where the row and the envelope live. otCandLine takes one
 * workgroup per state with A = Q - V, pi and the envelope in workgroup memory: the rows cross global
 * memory once per dispatch, the 32 candidates of a round are evaluated from workgroup memory (one lane
 * builds each envelope, the lanes query it over j); otTiesLine likewise for its two sides. Where the
 * rows do not fit the adapter's workgroup storage (N above about 1100 at 16 KiB) the global-scratch
 * kernels run instead (otCandLineGlobal, otTiesLineGlobal: a thread per state, envelope in aux).
 */
import type { GpuContext } from './context';
import { OT_SEARCH, recordSearch, SessionShader, WG, type Recorder } from './layout';
import wgsl from './otTrustRegion.wgsl?raw';

/**
 * Lanes of the line kernels' workgroups: the action count rounded up to a power of two, between 4 and 64.
 * An emulated adapter pays every barrier per invocation, and otCandLine has two per candidate, so a small
 * row must not take 64 lanes that would only wait.
 */
export function otLineLanes(N: number): number {
  let l = 4;
  while (l < N && l < 64) l *= 2;
  return l;
}

/**
 * Workgroup storage of otCandLine / otTiesLine at N actions and `lanes` lanes: A and pi (N f32 each), the breakpoints
 * (N + 1 f32), the envelope's indices (two u16 per word), the lanes' partial sums and four scalars; each
 * variable rounded up to 16 bytes as the adapter may count it.
 */
export function otLineWorkgroupBytes(N: number, lanes: number): number {
  const r16 = (b: number) => Math.ceil(b / 16) * 16;
  return 2 * r16(4 * N) + r16(4 * (N + 1)) + r16(4 * Math.floor((N + 1) / 2)) + r16(4 * lanes) + 4 * 16;
}

/**
 * Do otCandLine / otTiesLine hold a row of N actions in `workgroupStorage` bytes (the adapter's
 * maxComputeWorkgroupStorageSize)? Else the global-scratch kernels run, and the session allocates
 * their envelope scratch (2N + 2 words per state).
 */
export function otRowsInWorkgroup(N: number, workgroupStorage: number): boolean {
  return otLineWorkgroupBytes(N, otLineLanes(N)) <= workgroupStorage;
}

export class OtTrustRegionPass {
  readonly shader: SessionShader;

  /** the adapter's workgroup storage (the line kernels' rows must fit, else the global-scratch kernels) */
  private readonly workgroupStorage: number;

  /** `line`: 1-D sorted positions with cost |x_j - x_k|^p (p = 1, 2): the O(N) max-plus kernels (otCandLine, otTiesLine). */
  constructor(
    ctx: GpuContext,
    readonly line: boolean,
  ) {
    this.shader = new SessionShader(ctx, 'otTrustRegion', wgsl);
    this.workgroupStorage = ctx.limits.maxComputeWorkgroupStorageSize;
  }

  /** Do the line kernels hold a row of N actions in workgroup memory on this adapter? */
  rowsInWorkgroup(N: number): boolean {
    return otRowsInWorkgroup(N, this.workgroupStorage);
  }

  record(r: Recorder): void {
    const { S, N } = r.shape;
    const SN = S * N;
    const L = OT_SEARCH.nCand;
    r.workgroups(this.shader.pipeline('otSpread'), S, 4 * SN);
    if (this.line) {
      if (this.rowsInWorkgroup(N)) {
        const rowConstants = { WG: otLineLanes(N), MAXN: N };
        // a workgroup per state (S WG items: S workgroups of otLineLanes(N) lanes): its Q row, V, pi row
        // and d read once per dispatch, the positions once (every workgroup reads the same N floats,
        // re-read per candidate from cache), one scratch slot written per candidate; the envelopes never
        // leave workgroup memory and the costs are formed from the positions
        recordSearch(r, this.shader, OT_SEARCH, 'otCandLine', 'otBracket', 4 * S * (2 * N + 2 + N + L), S * WG, rowConstants);
        // the Q row and V once, the positions; per side and (s, j) the window (a few entries on a smooth
        // A; counted as 4 cost entries each, A is in workgroup memory); Tlo, Thi and first written once
        r.workgroups(this.shader.pipeline('otTiesLine', rowConstants), S, 4 * S * (2 * N + 1) + 4 * (2 * 4 * SN + 3 * SN));
      } else {
        // per candidate and state: Q row and V (twice: the envelope and its queries), the positions, pi,
        // the envelope scratch written and read (2N + 2 words each way), one cost entry per j; max A once
        const perCand = 4 * S * (2 * N + 2 + 2 * N + N + 2 * (2 * N + 2) + N);
        recordSearch(r, this.shader, OT_SEARCH, 'otCandLineGlobal', 'otBracket', L * (perCand + 4 * S) + 4 * (SN + S), S);
        // two envelopes, then per (s, j) the window (a few entries on a smooth A; counted as 4 reads of A
        // and cost each) and three aux words written
        r.items(this.shader.pipeline('otTiesLineGlobal'), S, 4 * S * (N + 1) + 2 * 4 * S * (4 * N + 2 + 2 * (2 * N + 2)) + 4 * (2 * 4 * 2 * SN + 4 * SN));
      }
    } else {
      // targetOf scans the state's Q row and a cost row twice per (s, j): 4 N^2 floats per state and call
      const target = 4 * 4 * S * N * N;
      recordSearch(r, this.shader, OT_SEARCH, 'otCand', 'otBracket', L * (target + 4 * (SN + S)));
      r.items(this.shader.pipeline('otTies'), SN, 4 * target + 4 * 3 * SN);
    }
    r.workgroups(this.shader.pipeline('otStateCosts'), S, 4 * (3 * SN + 2 * N + 3 * S));
    r.single(this.shader.pipeline('otSplit'), 4 * 2 * S);
    r.items(this.shader.pipeline('otApply'), S, 4 * (7 * SN + S));
  }
}
