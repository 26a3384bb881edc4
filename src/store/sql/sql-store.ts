// Builds the Store (all ports) over one kysely instance; the dialect picks the few SQL variants.
import type { Kysely } from 'kysely';
import type { PendingSignal, Store, StorePorts } from '../ports.js';
import { edgesPort, jobsPort } from './jobs-port.js';
import { artifactsPort, resourceGroupsPort, variablesPort } from './misc-ports.js';
import { pipelinesPort, projectsPort } from './pipelines-port.js';
import { protectedRefsPort } from './protected-refs-port.js';
import { queuePort } from './queue-port.js';
import { runnersPort } from './runners-port.js';
import { tokensPort, usersPort } from './users-port.js';
import type { Database } from './schema.js';
import type { SecretBox } from './secret-box.js';

/** `secrets` encrypts and decrypts the secret columns (see secret-box.ts, secrets-at-rest.ts). */
export function sqlPorts(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', secrets: SecretBox): StorePorts {
  return {
    projects: projectsPort(db),
    pipelines: pipelinesPort(db, dialect, secrets),
    jobs: jobsPort(db, secrets),
    edges: edgesPort(db),
    queue: queuePort(db, dialect, secrets),
    runners: runnersPort(db),
    tokens: tokensPort(db),
    users: usersPort(db),
    variables: variablesPort(db, secrets),
    artifacts: artifactsPort(db, secrets),
    resourceGroups: resourceGroupsPort(db),
    protectedRefs: protectedRefsPort(db),
  };
}

/** `onClose` releases what the adapter owns (it destroys `db` itself when needed). */
export function sqlStore(opts: { db: Kysely<Database>; dialect: 'sqlite' | 'postgres'; secrets: SecretBox; pendingSignal: PendingSignal; onClose: () => Promise<void> }): Store {
  const { db, dialect, secrets } = opts;
  return {
    ...sqlPorts(db, dialect, secrets),
    dialect,
    pendingSignal: opts.pendingSignal,
    transaction: (fn) => db.transaction().execute((tx) => fn(sqlPorts(tx, dialect, secrets))),
    close: opts.onClose,
  };
}
