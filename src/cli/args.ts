/**
 * Strict flags for `wwb` on node:util's parseArgs: each command declares its flags; an unknown flag, a
 * missing value or a stray positional is a UsageError (exit 2) that lists the command's known flags.
 */
import { parseArgs as nodeParseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** one line for --help */
  help: string;
  /** value placeholder for --help (string flags) */
  value?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function knownFlags(flags: FlagSpecs): string {
  return Object.keys(flags)
    .map((k) => `--${k}`)
    .join(', ');
}

export function parseFlags(command: string, argv: string[], flags: FlagSpecs, maxPositionals = 0): ParsedArgs {
  let parsed;
  try {
    parsed = nodeParseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, { type: f.type, multiple: f.multiple ?? false }])),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${message} (known flags: ${knownFlags(flags)})`);
  }
  if (parsed.positionals.length > maxPositionals)
    throw new UsageError(`${command}: unexpected argument '${parsed.positionals[maxPositionals]}' (known flags: ${knownFlags(flags)})`);
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function numberFlag(args: ParsedArgs, name: string, check?: (v: number) => string | null): number | undefined {
  const raw = flag(args, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a finite number, got '${raw}'`);
  const problem = check?.(v);
  if (problem) throw new UsageError(`--${name} ${problem}, got ${v}`);
  return v;
}

/** The --help text of a command: usage line and its flags. */
export function commandHelp(usage: string, flags: FlagSpecs, extra = ''): string {
  const rows = Object.entries(flags).map(([k, f]) => {
    const left = `--${k}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    return `  ${left.padEnd(30)} ${f.help}${f.multiple ? ' (repeatable)' : ''}`;
  });
  return `${usage}\n\n${rows.join('\n')}\n${extra ? `\n${extra}` : ''}`;
}
