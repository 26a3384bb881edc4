// Builds the Store (all ports) over one kysely instance; the dialect picks the few SQL variants.
import type { Kysely } from 'kysely';
import type { PendingSignal, Store, StorePorts } from '../ports.js';
import { edgesPort, jobsPort } from './jobs-port.js';
import { artifactsPort, resourceGroupsPort, variablesPort } from './misc-ports.js';
import { pipelinesPort, projectsPort } from './pipelines-port.js';
import { protectedRefsPort } from './protected-refs-port.js';
import { queuePort } from './queue-port.js';
import { runnersPort, tokensPort } from './runners-port.js';
import type { Database } from './schema.js';

export function sqlPorts(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): StorePorts {
  return {
    projects: projectsPort(db),
    pipelines: pipelinesPort(db, dialect),
    jobs: jobsPort(db),
    edges: edgesPort(db),
    queue: queuePort(db, dialect),
    runners: runnersPort(db),
    tokens: tokensPort(db),
    variables: variablesPort(db),
    artifacts: artifactsPort(db),
    resourceGroups: resourceGroupsPort(db),
    protectedRefs: protectedRefsPort(db),
  };
}

/** `onClose` releases what the adapter owns (it destroys `db` itself when needed). */
export function sqlStore(opts: { db: Kysely<Database>; dialect: 'sqlite' | 'postgres'; pendingSignal: PendingSignal; onClose: () => Promise<void> }): Store {
  const { db, dialect } = opts;
  return {
    ...sqlPorts(db, dialect),
    dialect,
    pendingSignal: opts.pendingSignal,
    transaction: (fn) => db.transaction().execute((tx) => fn(sqlPorts(tx, dialect))),
    close: opts.onClose,
  };
}
