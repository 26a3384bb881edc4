// Hot queries built and compiled by kysely once per shape and dialect, then run with new
// parameters. Building a kysely query (immutable nodes, frozen at every step) and compiling it cost
// more CPU than SQLite took to run it: a job's claim, updates and finish are ~20 small statements.
//
//   runPrepared(db, 'jobs.byId', [id], (p) => db.selectFrom('jobs').selectAll().where('id', '=', p(0)))
//
// `build` runs once per key: it must put every argument in through a placeholder (`p(i)` for
// argument i, `p.list(i, n)` for the n items of list argument i) and may hold constants of its
// own; the key names the shape, so anything that changes the SQL text (a list's length, which
// columns a patch sets) belongs in the key. The SQL is the one kysely compiles, run as kysely
// runs it (db.executeQuery).
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Where a placeholder's value comes from: argument `index`, or item `item` of that list. */
class Slot {
  constructor(
    readonly index: number,
    readonly item: number | null,
  ) {}
}

export interface Placeholders {
  /** Argument `i` (typed as what the builder expects there). */
  <T = never>(i: number): T;
  /** The `n` items of list argument `i`. */
  list<T = never>(i: number, n: number): T[];
}

interface Shape {
  compiled: CompiledQuery;
  /** Per parameter: a placeholder, or a constant the builder put in. */
  parts: (Slot | { value: unknown })[];
}

const MAX_SHAPES = 2000;
// per dialect adapter: a transaction shares its database's adapter, so shapes are shared too
const shapes = new WeakMap<object, Map<string, Shape>>();

const placeholders: Placeholders = Object.assign(<T>(i: number) => new Slot(i, null) as unknown as T, {
  list: <T>(i: number, n: number) => Array.from({ length: n }, (_, j) => new Slot(i, j) as unknown as T),
});

function compileShape(build: (p: Placeholders) => Compilable<unknown>): Shape {
  const compiled = build(placeholders).compile();
  return { compiled, parts: compiled.parameters.map((v) => (v instanceof Slot ? v : { value: v })) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runPrepared<R>(db: Kysely<any>, key: string, args: readonly unknown[], build: (p: Placeholders) => Compilable<R>): Promise<R[]> {
  const adapter = db.getExecutor().adapter;
  let byKey = shapes.get(adapter);
  if (!byKey) shapes.set(adapter, (byKey = new Map()));
  let shape = byKey.get(key);
  if (!shape) {
    shape = compileShape(build);
    if (byKey.size < MAX_SHAPES) byKey.set(key, shape);
  }
  const parameters = shape.parts.map((part) => {
    if (!(part instanceof Slot)) return part.value;
    const arg = args[part.index];
    return part.item === null ? arg : (arg as readonly unknown[])[part.item];
  });
  const result = await db.executeQuery<R>({ ...shape.compiled, parameters });
  return result.rows;
}
