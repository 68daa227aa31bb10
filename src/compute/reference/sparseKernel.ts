/**
 * A WebAssembly kernel for policy evaluation's Krylov solver (ALGORITHMS.md §1): the sparse product
 *
 *     out = (I - g M) z + c d,   returning (w, out) and (out, out),
 *
 * for M = P_pi in CSR over states (rowPtr, col as 32-bit indices, val as f64), and the vector passes of a
 * BiCGSTAB iteration (s = r - alpha v; the x and r update; the new direction p; r = b - r), each with the
 * dots that follow it. The product is the hot loop (two per iteration); V8's JavaScript code for the same
 * gather loop pays bounds and type checks per entry and runs about 3x slower than this scalar wasm loop
 * (`npm run bench` prints both). The module is assembled here from its bytes (no toolchain): five
 * functions, one exported memory and three exported f64 globals for the second and third results.
 *
 * Reference of record: the TypeScript loops of evaluation.ts (`shiftedProductDots` and the loops of
 * `bicgstabIterations`). Every function performs the same floating-point operations in the same order
 * (the product: two accumulators over alternate entries of a row, then z_s - g (a0 + a1) + c d_s, then
 * the two running dots; wasm has no fused multiply-add, like JavaScript), so the results equal the
 * TypeScript ones bit for bit (sparseKernel.test.ts checks the product on random sparse matrices and a
 * whole BiCGSTAB solve at S = 10^4); the only possible difference is the sign of an exact zero where the
 * caller passes c = 0 with a zero vector for d (-0 + 0 = +0).
 *
 * Memory: one linear memory per thread, grown to fit the largest problem seen (matrix plus `vectors`
 * work vectors) and re-created smaller once a problem needs under a quarter of it (wasm memory cannot
 * shrink). Typed-array views are made after growing and handed out for one solve only: a later load()
 * may grow the memory and detach them. Where WebAssembly is missing or refused (a Content-Security-Policy
 * without 'wasm-unsafe-eval', for instance), or the problem does not fit in 2 GiB, wasmSparseKernel()
 * returns null and the caller uses the TypeScript path.
 */
import type { StateMatrix } from './evaluation';

// ---------------------------------------------------------------------------------------------------
// A few wasm opcodes and encoders (WebAssembly core specification, binary format)

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((ch) => [ch.charCodeAt(0)]));

const I32 = 0x7f;
const F64 = 0x7c;
const VOID = 0x40;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  select: 0x1b,
  globalSet: 0x24,
  i32Load: 0x28,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  f64Gt: 0x64,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f64Abs: 0x99,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
} as const;

const get = (i: number): number[] => [op.localGet, ...uleb(i)];
const set = (i: number): number[] => [op.localSet, ...uleb(i)];
const i32 = (n: number): number[] => [op.i32Const, ...sleb(n)];
const f64Zero = [op.f64Const, 0, 0, 0, 0, 0, 0, 0, 0];
/** memory immediates: log2 alignment, then the constant byte offset */
const loadI32 = (offset = 0): number[] => [op.i32Load, 2, ...uleb(offset)];
const loadF64 = (offset = 0): number[] => [op.f64Load, 3, ...uleb(offset)];
const storeF64 = (offset = 0): number[] => [op.f64Store, 3, ...uleb(offset)];
const incr = (local: number, by: number): number[] => [...get(local), ...i32(by), op.i32Add, ...set(local)];

/**
 * The product function. Parameters (byte addresses in linear memory, then sizes and scalars):
 * rowPtr, col, val, z, out, w, d, S (i32), g, c (f64). Locals: s, pc (address of col[e]), pv (address of
 * val[e]), endc (address of col[rowPtr[s + 1]]), a0, a1, o, wo, oo, k (8 s). Returns (w, out); (out, out)
 * goes to global 0. In WAT terms:
 *
 *   pc = col + 4 rowPtr[0]; pv = val + 8 rowPtr[0]
 *   block  (br_if 0 (S == 0))
 *     loop   endc = col + 4 rowPtr[s + 1]; a0 = a1 = 0
 *       block loop (br_if 1 (pc + 4 >= endc))
 *                  a0 += val[e] z[col[e]]; a1 += val[e + 1] z[col[e + 1]]; pc += 8; pv += 16; br 0 end end
 *       if (pc < endc) a0 += val[e] z[col[e]]; pc += 4; pv += 8 end
 *       o = z[s] - g (a0 + a1) + c d[s]; out[s] = o; wo += w[s] o; oo += o o
 *       br_if 0 (++s < S)
 *     end
 *   end
 */
function productFunctionBody(): number[] {
  const [rowPtr, col, val, z, out, w, d, S, g, c, s, pc, pv, endc, a0, a1, o, wo, oo, k] = Array.from({ length: 20 }, (_, i) => i);
  /** acc += val[e + offsetEntries] * z[col[e + offsetEntries]] */
  const gather = (acc: number, second: boolean): number[] => [
    ...get(acc),
    ...get(pv),
    ...loadF64(second ? 8 : 0),
    ...get(z),
    ...get(pc),
    ...loadI32(second ? 4 : 0),
    ...i32(3),
    op.i32Shl,
    op.i32Add,
    ...loadF64(),
    op.f64Mul,
    op.f64Add,
    ...set(acc),
  ];
  const at = (base: number): number[] => [...get(base), ...get(k), op.i32Add]; // base + 8 s
  const locals = vec([
    [...uleb(4), I32], // s, pc, pv, endc
    [...uleb(5), F64], // a0, a1, o, wo, oo
    [...uleb(1), I32], // k
  ]);
  const body = [
    ...get(col), ...get(rowPtr), ...loadI32(), ...i32(2), op.i32Shl, op.i32Add, ...set(pc),
    ...get(val), ...get(rowPtr), ...loadI32(), ...i32(3), op.i32Shl, op.i32Add, ...set(pv),
    op.block, VOID,
    ...get(S), op.i32Eqz, op.brIf, 0,
    op.loop, VOID,
    // endc = col + 4 rowPtr[s + 1]
    ...get(col), ...get(rowPtr), ...get(s), ...i32(2), op.i32Shl, op.i32Add, ...loadI32(4), ...i32(2), op.i32Shl, op.i32Add, ...set(endc),
    ...f64Zero, ...set(a0), ...f64Zero, ...set(a1),
    op.block, VOID, op.loop, VOID,
    ...get(pc), ...i32(4), op.i32Add, ...get(endc), op.i32GeU, op.brIf, 1,
    ...gather(a0, false), ...gather(a1, true),
    ...incr(pc, 8), ...incr(pv, 16),
    op.br, 0,
    op.end, op.end,
    ...get(pc), ...get(endc), op.i32LtU, op.if, VOID,
    ...gather(a0, false), ...incr(pc, 4), ...incr(pv, 8),
    op.end,
    ...get(s), ...i32(3), op.i32Shl, ...set(k),
    // o = (z[s] - g (a0 + a1)) + c d[s]
    ...at(z), ...loadF64(), ...get(g), ...get(a0), ...get(a1), op.f64Add, op.f64Mul, op.f64Sub,
    ...get(c), ...at(d), ...loadF64(), op.f64Mul, op.f64Add, ...set(o),
    ...at(out), ...get(o), ...storeF64(),
    ...get(wo), ...at(w), ...loadF64(), ...get(o), op.f64Mul, op.f64Add, ...set(wo),
    ...get(oo), ...get(o), ...get(o), op.f64Mul, op.f64Add, ...set(oo),
    ...get(s), ...i32(1), op.i32Add, op.localTee, ...uleb(s), ...get(S), op.i32LtU, op.brIf, 0,
    op.end,
    op.end,
    ...get(oo), op.globalSet, 0,
    ...get(wo),
    op.end,
  ];
  return [...locals, ...body];
}

/**
 * A streaming vector pass of BiCGSTAB: `params` (vector addresses, the length n at `nIndex`, then f64
 * scalars), then locals i (byte offset), end, and `f64Locals` f64 accumulators (0 to start);
 * `init` runs before the loop, `step` is the loop body (`at(v)`: the address of element i of vector
 * parameter v), `finish` follows the loop. The loop runs for i = 0, 8, ..., 8 (n - 1), and not for n = 0.
 */
function vectorPass(
  params: number[],
  nIndex: number,
  f64Locals: number,
  init: (first: number) => number[],
  step: (at: (v: number) => number[], first: number) => number[],
  finish: (first: number) => number[],
): number[] {
  const n = nIndex;
  const i = params.length;
  const end = i + 1;
  const first = end + 1; // the first f64 local
  const at = (v: number): number[] => [...get(v), ...get(i), op.i32Add];
  return [
    ...vec([
      [...uleb(2), I32],
      [...uleb(f64Locals), F64],
    ]),
    ...get(n), ...i32(3), op.i32Shl, ...set(end),
    ...init(first),
    op.block, VOID,
    ...get(end), op.i32Eqz, op.brIf, 0,
    op.loop, VOID,
    ...step(at, first),
    ...get(i), ...i32(8), op.i32Add, op.localTee, ...uleb(i), ...get(end), op.i32LtU, op.brIf, 0,
    op.end,
    op.end,
    ...finish(first),
    op.end,
  ];
}

/**
 * The vector passes, each the same operations in the same order as its TypeScript loop in evaluation.ts
 * (bicgstabIterations), with the extra results in globals 1 and 2:
 *  - sStep(r, v, n, alpha): r = r - alpha v; returns |r|^2, global 1 = sum r;
 *  - xrStep(x, r, p, t, rhat, n, alpha, omega, xc, floor): x += (alpha p + omega r) + xc, then
 *    r = r - omega t; returns |r|^2, global 1 = (rhat, r), global 2 = max(floor, |x|_inf) (comparisons as
 *    in TypeScript: a NaN never replaces the running maximum);
 *  - pStep(p, r, v, n, beta, omega): p = r + beta (p - omega v); returns sum p;
 *  - residualStep(b, r, n): r = b - r; returns |r|^2.
 */
function vectorFunctions(): { name: string; params: number[]; body: number[] }[] {
  // (unused names in the destructurings below are the length parameter n)
  const sStep = (() => {
    const [r, v, , alpha] = [0, 1, 2, 3];
    return vectorPass([I32, I32, I32, F64], 2, 3, () => [], (at, f) => {
      const [si, ss, sum] = [f, f + 1, f + 2];
      return [
        ...at(r), ...loadF64(), ...get(alpha), ...at(v), ...loadF64(), op.f64Mul, op.f64Sub, ...set(si),
        ...at(r), ...get(si), ...storeF64(),
        ...get(ss), ...get(si), ...get(si), op.f64Mul, op.f64Add, ...set(ss),
        ...get(sum), ...get(si), op.f64Add, ...set(sum),
      ];
    }, (f) => [...get(f + 2), op.globalSet, 1, ...get(f + 1)]);
  })();
  const xrStep = (() => {
    const [x, r, p, t, rhat, , alpha, omega, xc, floor] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    // scale (local f + 6) starts at `floor`
    return vectorPass([I32, I32, I32, I32, I32, I32, F64, F64, F64, F64], 5, 7, (f) => [...get(floor), ...set(f + 6)], (at, f) => {
      const [si, xi, ax, ri, rr, rho, scale] = [f, f + 1, f + 2, f + 3, f + 4, f + 5, f + 6];
      return [
        ...at(r), ...loadF64(), ...set(si),
        ...at(x), ...loadF64(), ...get(alpha), ...at(p), ...loadF64(), op.f64Mul, ...get(omega), ...get(si), op.f64Mul, op.f64Add, ...get(xc), op.f64Add, op.f64Add, ...set(xi),
        ...at(x), ...get(xi), ...storeF64(),
        ...get(xi), op.f64Abs, ...set(ax),
        ...get(ax), ...get(scale), ...get(ax), ...get(scale), op.f64Gt, op.select, ...set(scale),
        ...get(si), ...get(omega), ...at(t), ...loadF64(), op.f64Mul, op.f64Sub, ...set(ri),
        ...at(r), ...get(ri), ...storeF64(),
        ...get(rr), ...get(ri), ...get(ri), op.f64Mul, op.f64Add, ...set(rr),
        ...get(rho), ...at(rhat), ...loadF64(), ...get(ri), op.f64Mul, op.f64Add, ...set(rho),
      ];
    }, (f) => [...get(f + 5), op.globalSet, 1, ...get(f + 6), op.globalSet, 2, ...get(f + 4)]);
  })();
  const pStep = (() => {
    const [p, r, v, , beta, omega] = [0, 1, 2, 3, 4, 5];
    return vectorPass([I32, I32, I32, I32, F64, F64], 3, 2, () => [], (at, f) => {
      const [pi, sum] = [f, f + 1];
      return [
        ...at(r), ...loadF64(), ...get(beta), ...at(p), ...loadF64(), ...get(omega), ...at(v), ...loadF64(), op.f64Mul, op.f64Sub, op.f64Mul, op.f64Add, ...set(pi),
        ...at(p), ...get(pi), ...storeF64(),
        ...get(sum), ...get(pi), op.f64Add, ...set(sum),
      ];
    }, (f) => [...get(f + 1)]);
  })();
  const residualStep = (() => {
    const [b, r] = [0, 1];
    return vectorPass([I32, I32, I32], 2, 2, () => [], (at, f) => {
      const [di, rr] = [f, f + 1];
      return [
        ...at(b), ...loadF64(), ...at(r), ...loadF64(), op.f64Sub, ...set(di),
        ...at(r), ...get(di), ...storeF64(),
        ...get(rr), ...get(di), ...get(di), op.f64Mul, op.f64Add, ...set(rr),
      ];
    }, (f) => [...get(f + 1)]);
  })();
  return [
    { name: 'sStep', params: [I32, I32, I32, F64], body: sStep },
    { name: 'xrStep', params: [I32, I32, I32, I32, I32, I32, F64, F64, F64, F64], body: xrStep },
    { name: 'pStep', params: [I32, I32, I32, I32, F64, F64], body: pStep },
    { name: 'residualStep', params: [I32, I32, I32], body: residualStep },
  ];
}

/** The module's bytes: type, function, memory (1 page to start), global, export and code sections. */
export function sparseKernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const fns = [
    { name: 'product', params: [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64], body: productFunctionBody() },
    ...vectorFunctions(),
  ];
  const global = [F64, 1, ...f64Zero, op.end]; // mutable f64, initially 0
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec([[F64]])]))),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, 1]])),
    ...section(6, vec([global, global, global])),
    ...section(
      7,
      vec([
        ...fns.map((f, i) => [...name(f.name), 0, ...uleb(i)]),
        [...name('memory'), 2, 0],
        [...name('norm2'), 3, 0],
        [...name('aux1'), 3, 1],
        [...name('aux2'), 3, 2],
      ]),
    ),
    ...section(10, vec(fns.map((f) => [...uleb(f.body.length), ...f.body]))),
  ]);
}

// ---------------------------------------------------------------------------------------------------
// The kernel object

interface KernelExports {
  product: (rowPtr: number, col: number, val: number, z: number, out: number, w: number, d: number, S: number, g: number, c: number) => number;
  sStep: (r: number, v: number, n: number, alpha: number) => number;
  xrStep: (x: number, r: number, p: number, t: number, rhat: number, n: number, alpha: number, omega: number, xc: number, floor: number) => number;
  pStep: (p: number, r: number, v: number, n: number, beta: number, omega: number) => number;
  residualStep: (b: number, r: number, n: number) => number;
  memory: WebAssembly.Memory;
  norm2: WebAssembly.Global;
  aux1: WebAssembly.Global;
  aux2: WebAssembly.Global;
}

const PAGE = 65536;
/** problems whose matrix and vectors need more bytes than this use the TypeScript path */
const MAX_BYTES = 2 ** 31;

/**
 * A matrix loaded into the kernel's memory, with `vectors` work vectors of length S (views, valid until
 * the next load). A class, so that every load's product is one call target for the optimising compiler.
 */
export class LoadedMatrix {
  /** (out, out) of the last product */
  lastNorm2 = 0;
  /** the second and third results of the last vector pass */
  lastAux1 = 0;
  lastAux2 = 0;

  constructor(
    readonly S: number,
    readonly vectors: Float64Array[],
    private readonly buffer: ArrayBuffer,
    private readonly exports: KernelExports,
    private readonly rowPtrAt: number,
    private readonly colAt: number,
    private readonly valAt: number,
  ) {}

  /**
   * out = (I - g M) z + c d; returns (w, out) and leaves (out, out) in `lastNorm2`. z, out, w and d must
   * be vectors of this load (d may equal any of them when c = 0).
   */
  shiftedProductDots(g: number, z: Float64Array, c: number, d: Float64Array, out: Float64Array, w: Float64Array): number {
    this.own(z, out, w, d);
    const wo = this.exports.product(this.rowPtrAt, this.colAt, this.valAt, z.byteOffset, out.byteOffset, w.byteOffset, d.byteOffset, this.S, g, c);
    this.lastNorm2 = this.exports.norm2.value as number;
    return wo;
  }

  /** s = r - alpha v in place of r; returns (s, s), with sum s in `lastAux1`. */
  sStep(r: Float64Array, v: Float64Array, alpha: number): number {
    this.own(r, v);
    const ss = this.exports.sStep(r.byteOffset, v.byteOffset, this.S, alpha);
    this.lastAux1 = this.exports.aux1.value as number;
    return ss;
  }

  /**
   * x += (alpha p + omega r) + xc, then r = r - omega t; returns (r, r), with (rhat, r) in `lastAux1`
   * and max(floor, |x|_inf) in `lastAux2`.
   */
  xrStep(x: Float64Array, r: Float64Array, p: Float64Array, t: Float64Array, rhat: Float64Array, alpha: number, omega: number, xc: number, floor: number): number {
    this.own(x, r, p, t, rhat);
    const e = this.exports;
    const rr = e.xrStep(x.byteOffset, r.byteOffset, p.byteOffset, t.byteOffset, rhat.byteOffset, this.S, alpha, omega, xc, floor);
    this.lastAux1 = e.aux1.value as number;
    this.lastAux2 = e.aux2.value as number;
    return rr;
  }

  /** p = r + beta (p - omega v); returns sum p. */
  pStep(p: Float64Array, r: Float64Array, v: Float64Array, beta: number, omega: number): number {
    this.own(p, r, v);
    return this.exports.pStep(p.byteOffset, r.byteOffset, v.byteOffset, this.S, beta, omega);
  }

  /** r = b - r; returns (r, r). */
  residualStep(b: Float64Array, r: Float64Array): number {
    this.own(b, r);
    return this.exports.residualStep(b.byteOffset, r.byteOffset, this.S);
  }

  private own(...vectors: Float64Array[]): void {
    for (const v of vectors) {
      if (v.buffer !== this.buffer || v.length !== this.S) throw new Error('the sparse kernel works on the vectors of its own load() only');
    }
  }
}

export class WasmSparseKernel {
  private module: WebAssembly.Module;
  private exports: KernelExports;
  private last: { buffer: ArrayBuffer; S: number; nnz: number; loaded: LoadedMatrix } | null = null;

  constructor(module: WebAssembly.Module) {
    this.module = module;
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  }

  /** bytes of linear memory held now */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /**
   * Copy M into linear memory and reserve `vectors` work vectors of length S; null where the problem
   * needs more than 2 GiB or the memory cannot grow (the caller then uses the TypeScript path). The
   * result of a load is valid until the next one (which may grow the memory and detach its views); a
   * load with the same sizes as the last returns the same object (no new views to collect).
   */
  load(m: StateMatrix, vectors: number): LoadedMatrix | null {
    const S = m.S;
    const nnz = m.rowPtr[S];
    const align8 = (x: number) => Math.ceil(x / 8) * 8;
    const rowPtrAt = 8; // address 0 is left unused
    const colAt = align8(rowPtrAt + 4 * (S + 1));
    const valAt = align8(colAt + 4 * nnz);
    const vecAt = valAt + 8 * nnz;
    const need = vecAt + 8 * S * vectors;
    if (need > MAX_BYTES) return null;
    const have = this.exports.memory.buffer.byteLength;
    try {
      if (need < have / 4 && have > 64 * PAGE) this.exports = new WebAssembly.Instance(this.module, {}).exports as unknown as KernelExports;
      const current = this.exports.memory.buffer.byteLength;
      if (need > current) this.exports.memory.grow(Math.ceil((need - current) / PAGE));
    } catch {
      return null; // out of memory: the TypeScript path needs none of this
    }
    const { buffer } = this.exports.memory;
    new Uint32Array(buffer, rowPtrAt, S + 1).set(m.rowPtr);
    new Uint32Array(buffer, colAt, nnz).set(m.col);
    new Float64Array(buffer, valAt, nnz).set(m.val);
    // the same layout as the last load (successive solves of one problem): its views are still valid
    const last = this.last;
    if (last && last.buffer === buffer && last.S === S && last.nnz === nnz && last.loaded.vectors.length === vectors) return last.loaded;
    const views = Array.from({ length: vectors }, (_, i) => new Float64Array(buffer, vecAt + 8 * S * i, S));
    const loaded = new LoadedMatrix(S, views, buffer, this.exports, rowPtrAt, colAt, valAt);
    this.last = { buffer, S, nnz, loaded };
    return loaded;
  }
}

let kernel: WasmSparseKernel | null | undefined;
let kernelError = '';

/**
 * The kernel of this thread, compiled on first use (synchronously: the module is a few hundred bytes);
 * null where WebAssembly is unavailable or refused (`wasmKernelUnavailableReason()` says why).
 */
export function wasmSparseKernel(): WasmSparseKernel | null {
  if (kernel === undefined) {
    try {
      if (typeof WebAssembly !== 'object') throw new Error('WebAssembly is not available');
      kernel = new WasmSparseKernel(new WebAssembly.Module(sparseKernelModuleBytes()));
    } catch (error) {
      kernel = null;
      kernelError = error instanceof Error ? error.message : String(error);
    }
  }
  return kernel;
}

/** Why wasmSparseKernel() returned null ('' when it did not). */
export function wasmKernelUnavailableReason(): string {
  wasmSparseKernel();
  return kernelError;
}
