/**
 * The command registry: every user action that has a title (buttons, keyboard shortcuts, the command
 * palette, the native menu, the context menu) goes through here. The descriptors (id, title, keys,
 * scope, menu place) are data in src/shared/commands.ts; components bind the behaviour: `run` and
 * optionally `enabled` / `checked`.
 *
 * Scope: a command whose scope is a view ('design', 'runs', 'compare') is available only while that
 * view is active. Views stay mounted under <KeepAlive>, so their bindings outlive their visibility;
 * the scope check is what keeps Ctrl+Z on the Runs tab away from the design's undo history.
 *
 * Free of Vue and the DOM (keyboard events are read through the `KeyLike` fields), so the unit tests
 * and the Electron menu builder use the real thing.
 */
import { COMMANDS, type CommandDescriptor, type CommandId, type CommandScope } from '../../../shared/commands';

export interface CommandHandler {
  run: () => void | Promise<void>;
  /** default: always enabled while bound and in scope */
  enabled?: () => boolean;
  /** radio/check state for the menu and the palette */
  checked?: () => boolean;
}

/** The fields of a KeyboardEvent the shortcut matcher reads. */
export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface KeyChord {
  /** Ctrl on Linux/Windows, Cmd on macOS */
  mod: boolean;
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
  /** lower-case key name as in KeyboardEvent.key ('z', 'enter', 'f5', '1') */
  key: string;
}

/** Parse an Electron accelerator ("CmdOrCtrl+Shift+Z"). Throws on an unknown modifier. */
export function parseAccelerator(accelerator: string): KeyChord {
  const parts = accelerator.split('+');
  const key = parts.pop()?.toLowerCase();
  if (!key) throw new Error(`empty accelerator '${accelerator}'`);
  const chord: KeyChord = { mod: false, ctrl: false, shift: false, alt: false, key };
  for (const p of parts) {
    const m = p.toLowerCase();
    if (m === 'cmdorctrl' || m === 'commandorcontrol') chord.mod = true;
    else if (m === 'ctrl' || m === 'control') chord.ctrl = true;
    else if (m === 'shift') chord.shift = true;
    else if (m === 'alt' || m === 'option') chord.alt = true;
    else throw new Error(`unknown modifier '${p}' in accelerator '${accelerator}'`);
  }
  return chord;
}

/** Key name of an event, lower case; digits by their physical key so that layouts with Shift-digits still match. */
function eventKey(e: KeyLike): string {
  if (e.code && /^Digit[0-9]$/.test(e.code)) return e.code.slice(5);
  return e.key.toLowerCase();
}

export function matchesChord(chord: KeyChord, e: KeyLike, isMac: boolean): boolean {
  const wantCtrl = chord.ctrl || (chord.mod && !isMac);
  const wantMeta = chord.mod && isMac;
  return e.ctrlKey === wantCtrl && e.metaKey === wantMeta && e.shiftKey === chord.shift && e.altKey === chord.alt && eventKey(e) === chord.key;
}

/** How a shortcut is shown: "Ctrl+Shift+Z" on Linux/Windows, "⇧⌘Z" on macOS. */
export function shortcutLabel(accelerator: string, isMac: boolean): string {
  const c = parseAccelerator(accelerator);
  const key = c.key.length === 1 ? c.key.toUpperCase() : c.key === 'enter' ? (isMac ? '↩' : 'Enter') : c.key.toUpperCase();
  if (isMac) return `${c.ctrl ? '⌃' : ''}${c.alt ? '⌥' : ''}${c.shift ? '⇧' : ''}${c.mod ? '⌘' : ''}${key}`;
  return [c.ctrl || c.mod ? 'Ctrl' : '', c.alt ? 'Alt' : '', c.shift ? 'Shift' : '', key].filter(Boolean).join('+');
}

export interface RegistryOptions {
  /** the view on screen now */
  activeView: () => Exclude<CommandScope, 'global'>;
  /** the desktop app (desktop-only commands exist) */
  desktop: boolean;
  isMac: boolean;
  descriptors?: readonly CommandDescriptor[];
}

export interface CommandEntry {
  descriptor: CommandDescriptor;
  enabled: boolean;
  checked: boolean;
  /** first shortcut, formatted for this platform ('' when none) */
  shortcut: string;
}

export class CommandRegistry {
  readonly descriptors: readonly CommandDescriptor[];
  private readonly handlers = new Map<CommandId, CommandHandler[]>();
  private readonly chords: { id: CommandId; chord: KeyChord }[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: RegistryOptions) {
    this.descriptors = (options.descriptors ?? COMMANDS).filter((d) => options.desktop || !d.desktopOnly);
    for (const d of this.descriptors) for (const k of d.keys) this.chords.push({ id: d.id, chord: parseAccelerator(k) });
  }

  get isMac(): boolean {
    return this.options.isMac;
  }

  descriptor(id: CommandId): CommandDescriptor | undefined {
    return this.descriptors.find((d) => d.id === id);
  }

  /**
   * Bind behaviour to a command. The latest binding wins; the returned function removes this binding
   * (the previous one, if any, comes back).
   */
  bind(id: CommandId, handler: CommandHandler): () => void {
    if (!this.descriptor(id)) throw new Error(`unknown command '${id}'`);
    const stack = this.handlers.get(id) ?? [];
    stack.push(handler);
    this.handlers.set(id, stack);
    this.changed();
    return () => {
      const s = this.handlers.get(id);
      const i = s?.lastIndexOf(handler) ?? -1;
      if (s && i >= 0) {
        s.splice(i, 1);
        this.changed();
      }
    };
  }

  /** Called after every bind/unbind (the menu mirror listens). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  private handler(id: CommandId): CommandHandler | undefined {
    const s = this.handlers.get(id);
    return s?.[s.length - 1];
  }

  /** In scope (its view is active, or global) and bound. */
  isAvailable(id: CommandId): boolean {
    const d = this.descriptor(id);
    if (!d || !this.handler(id)) return false;
    return d.scope === 'global' || d.scope === this.options.activeView();
  }

  isEnabled(id: CommandId): boolean {
    if (!this.isAvailable(id)) return false;
    const h = this.handler(id)!;
    return h.enabled ? h.enabled() : true;
  }

  isChecked(id: CommandId): boolean {
    return this.handler(id)?.checked?.() ?? false;
  }

  /** Run a command if it is available and enabled; false when it did not run. */
  async execute(id: CommandId): Promise<boolean> {
    if (!this.isEnabled(id)) return false;
    await this.handler(id)!.run();
    return true;
  }

  /**
   * The command a key press asks for, among those in scope. `inTextField`: the event comes from an
   * input, textarea, select or contenteditable element; commands that defer to text fields are skipped.
   */
  commandForKey(e: KeyLike, inTextField: boolean): CommandId | null {
    for (const { id, chord } of this.chords) {
      if (!matchesChord(chord, e, this.options.isMac)) continue;
      const d = this.descriptor(id)!;
      if (inTextField && d.defersToTextField) continue;
      if (!this.isAvailable(id)) continue;
      return id;
    }
    return null;
  }

  /** Everything the palette and the menu show, in descriptor order. */
  entries(): CommandEntry[] {
    return this.descriptors
      .filter((d) => this.handler(d.id))
      .map((d) => ({
        descriptor: d,
        enabled: this.isEnabled(d.id),
        checked: this.isChecked(d.id),
        shortcut: d.keys[0] ? shortcutLabel(d.keys[0], this.options.isMac) : '',
      }));
  }

  /** enabled flag of every descriptor (false when unbound or out of scope), for the native menu */
  enabledMap(): Partial<Record<CommandId, boolean>> {
    const out: Partial<Record<CommandId, boolean>> = {};
    for (const d of this.descriptors) out[d.id] = this.isEnabled(d.id);
    return out;
  }

  /** checked flag of the radio commands */
  checkedMap(): Partial<Record<CommandId, boolean>> {
    const out: Partial<Record<CommandId, boolean>> = {};
    for (const d of this.descriptors) if (d.radio) out[d.id] = this.isChecked(d.id);
    return out;
  }
}

/** Fuzzy-ish palette filter: every word of the query must appear in the title or the category. */
export function matchesQuery(d: CommandDescriptor, query: string): boolean {
  const hay = `${d.category} ${d.title}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}
