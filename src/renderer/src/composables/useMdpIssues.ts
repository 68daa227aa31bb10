/** Look up validation errors by document path, so each editor field can mark itself. */
import { computed } from 'vue';
import { useMdpStore } from '../stores/mdp';

export function useMdpIssues() {
  const store = useMdpStore();
  const byPath = computed(() => {
    const m = new Map<string, string[]>();
    for (const i of store.validation.errors) {
      if (!i.path) continue;
      const list = m.get(i.path) ?? [];
      list.push(i.message);
      m.set(i.path, list);
    }
    return m;
  });
  /** messages at exactly `path` or below it (`path.x`, `path[3]`) */
  function issuesAt(path: string): string[] {
    const direct = byPath.value.get(path) ?? [];
    if (direct.length) return direct;
    const out: string[] = [];
    for (const [p, msgs] of byPath.value) if (p.startsWith(`${path}.`) || p.startsWith(`${path}[`)) out.push(...msgs);
    return out;
  }
  function hasIssue(path: string): boolean {
    return issuesAt(path).length > 0;
  }
  return { issuesAt, hasIssue };
}
