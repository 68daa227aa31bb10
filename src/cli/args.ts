/** A small, strict argument parser for `wwb`: unknown flags are errors, repeated `--set` accumulate. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  command: string | null;
  positionals: string[];
  flags: Map<string, string[]>;
}

export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>, valueFlags: ReadonlySet<string>): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      let name = arg.slice(2);
      let value: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      if (booleanFlags.has(name)) {
        if (value !== undefined) throw new UsageError(`--${name} takes no value`);
        flags.set(name, ['true']);
        continue;
      }
      if (!valueFlags.has(name)) throw new UsageError(`unknown option --${name}`);
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
      }
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else if (command === null) command = arg;
    else positionals.push(arg);
  }
  return { command, positionals, flags };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const values = args.flags.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} given more than once`);
  return values?.[0];
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
