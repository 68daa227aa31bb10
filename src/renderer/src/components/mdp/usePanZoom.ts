/**
 * Pan (drag on the background) and zoom (wheel, about the pointer) of an SVG viewBox, shared by the
 * graph, grid and map views. `fitBox` is the box that shows everything; the user's box overrides it
 * until fit() is called. Only the viewBox changes, so a frame costs one attribute update.
 */
import { computed, ref, type ComputedRef, type Ref } from 'vue';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function usePanZoom(svg: Ref<SVGSVGElement | null>, fitBox: ComputedRef<Box>) {
  const override = ref<Box | null>(null);
  const frozen = ref<Box | null>(null);
  const box = computed<Box>(() => frozen.value ?? override.value ?? fitBox.value);
  let panning: { x: number; y: number; box: Box; moved: boolean; pointer: number } | null = null;

  function toSvg(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const el = svg.value;
    const ctm = el?.getScreenCTM();
    if (!el || !ctm) return { x: 0, y: 0 };
    const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    return { x: pt.x, y: pt.y };
  }
  /** screen pixels per canvas unit */
  function scale(): number {
    const el = svg.value;
    if (!el) return 1;
    const rect = el.getBoundingClientRect();
    const b = box.value;
    return Math.min(rect.width / b.w, rect.height / b.h) || 1;
  }
  function startPan(e: PointerEvent): void {
    if (e.button !== 0 || !svg.value) return;
    panning = { x: e.clientX, y: e.clientY, box: { ...box.value }, moved: false, pointer: e.pointerId };
    svg.value.setPointerCapture(e.pointerId);
  }
  /** returns true when the event belonged to a pan */
  function movePan(e: PointerEvent): boolean {
    if (!panning || e.pointerId !== panning.pointer) return false;
    const dxPx = e.clientX - panning.x, dyPx = e.clientY - panning.y;
    if (Math.abs(dxPx) + Math.abs(dyPx) > 3) panning.moved = true;
    if (!panning.moved) return true;
    const el = svg.value!;
    const rect = el.getBoundingClientRect();
    const k = Math.max(panning.box.w / rect.width, panning.box.h / rect.height);
    override.value = { ...panning.box, x: panning.box.x - dxPx * k, y: panning.box.y - dyPx * k };
    return true;
  }
  /** ends a pan; returns null when none was going on, else whether it moved (false = a click) */
  function endPan(e: PointerEvent): boolean | null {
    if (!panning) return null;
    const moved = panning.moved;
    svg.value?.releasePointerCapture(e.pointerId);
    panning = null;
    return moved;
  }
  function wheel(e: WheelEvent): void {
    e.preventDefault();
    const p = toSvg(e);
    const b = box.value;
    const f = Math.exp(Math.sign(e.deltaY) * Math.min(Math.abs(e.deltaY), 200) * 0.002);
    const w = Math.min(Math.max(b.w * f, 40), 400_000);
    const h = (b.h * w) / b.w;
    override.value = { x: p.x - ((p.x - b.x) * w) / b.w, y: p.y - ((p.y - b.y) * h) / b.h, w, h };
  }
  /** centre the view on (x, y) keeping the zoom */
  function centreOn(x: number, y: number): void {
    const b = box.value;
    override.value = { ...b, x: x - b.w / 2, y: y - b.h / 2 };
  }
  function fit(): void {
    override.value = null;
  }
  return { box, override, frozen, toSvg, scale, startPan, movePan, endPan, wheel, centreOn, fit };
}
