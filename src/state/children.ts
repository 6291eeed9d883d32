/**
 * Parent to child links (`Task.children`, linked through `parent_id`). Sparse: most tasks have no
 * children, so nothing is stored per slot. Invariant: every held task with a parent id is listed
 * either under its held parent's slot or, while the parent is not held, under the parent's uuid.
 */

/** Child uuids per parent; parents that are not held yet park their children by uuid. */
export class ChildLinks {
  #bySlot = new Map<number, Set<string>>();
  #parked = new Map<string, Set<string>>();

  /** Records `child` under its parent, held at `parentSlot` or not held (undefined). */
  link(child: string, parentId: string, parentSlot: number | undefined): void {
    if (parentSlot === undefined) add(this.#parked, parentId, child);
    else add(this.#bySlot, parentSlot, child);
  }

  /** Forgets `child` under its parent, wherever `link` put it. */
  unlink(child: string, parentId: string, parentSlot: number | undefined): void {
    if (parentSlot === undefined) drop(this.#parked, parentId, child);
    else drop(this.#bySlot, parentSlot, child);
  }

  /** A parent now held at `slot`: children parked under its uuid move to it. */
  adopt(parentId: string, slot: number): void {
    // Called for every new task; most streams have no parked children at all.
    if (this.#parked.size === 0) return;
    const parked = this.#parked.get(parentId);
    if (!parked) return;
    this.#parked.delete(parentId);
    this.#bySlot.set(slot, parked);
  }

  /** A parent leaves `slot`: its children wait for the uuid to come back. */
  orphan(parentId: string, slot: number): void {
    const children = this.#bySlot.get(slot);
    if (!children) return;
    this.#bySlot.delete(slot);
    this.#parked.set(parentId, children);
  }

  /** Child uuids of the task at `slot`, in link order. */
  of(slot: number): string[] {
    const children = this.#bySlot.get(slot);
    return children ? [...children] : [];
  }

  /** Child uuids of `parentId`, held at `parentSlot` or not held (undefined); do not modify. */
  childIds(parentId: string, parentSlot: number | undefined): ReadonlySet<string> {
    const children = parentSlot === undefined
      ? this.#parked.get(parentId)
      : this.#bySlot.get(parentSlot);
    return children ?? EMPTY;
  }

  /** Parents with children parked by uuid (for tests and diagnostics). */
  get parkedCount(): number {
    return this.#parked.size;
  }

  /** Held parents with at least one child. */
  get parentCount(): number {
    return this.#bySlot.size;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function add<K>(map: Map<K, Set<string>>, key: K, child: string): void {
  const set = map.get(key);
  if (set) set.add(child);
  else map.set(key, new Set([child]));
}

function drop<K>(map: Map<K, Set<string>>, key: K, child: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(child);
  if (set.size === 0) map.delete(key);
}
