/**
 * Notification de-duplication shared by every instance, in a PostgreSQL table: the owner-token lease contract of
 * `NotificationStore.Service`, each operation one statement, timed by the database's clock (`now()`), so instances
 * whose clocks differ still agree on when a lease ends.
 *
 * Runs on the `SqlClient` in context — `PgClient.layer` from `@effect/sql-pg` (an optional peer dependency of this
 * package: install it when you import this module):
 *
 * ```ts
 * import { PgClient } from "@effect/sql-pg"
 * import * as Postgres from "effect-wechatpay/NotificationStore/Postgres"
 *
 * const Store = Postgres.layer({ table: "wechatpay_notification" }).pipe(
 *   Layer.provide(PgClient.layer({ url: Redacted.make(process.env["DATABASE_URL"]!) }))
 * )
 * ```
 *
 * The table (`migrate`, run by `layer` unless `migrate: false`):
 *
 * ```sql
 * CREATE TABLE IF NOT EXISTS wechatpay_notification (
 *   id text PRIMARY KEY, state text NOT NULL CHECK (state IN ('in-progress', 'done')),
 *   owner text NOT NULL, expires_at timestamptz NOT NULL);
 * CREATE INDEX IF NOT EXISTS wechatpay_notification_expires_at ON wechatpay_notification (expires_at);
 * ```
 *
 * @since 1.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { guarded, lost, ownerToken, positiveMillis, settings, settled } from "../internal/store.js"
import {
  type Claim,
  NotificationStore,
  type NotificationStoreError,
  type Service,
  type SharedOptions
} from "../NotificationStore.js"

/**
 * @since 1.1.0
 * @category models
 */
export interface Options extends SharedOptions {
  /**
   * The table, optionally schema-qualified (`billing.wechatpay_notification`): letters, digits and `_`, each part
   * starting with a letter or `_`, at most 63 characters. Default `wechatpay_notification`.
   */
  readonly table?: string | undefined
  /**
   * How often the layer deletes expired rows (at most 1,000 a time), in the background. Default 1 minute; `false`
   * leaves it to you (`sweep`).
   */
  readonly sweepInterval?: Duration.Input | false | undefined
}

/**
 * @since 1.1.0
 * @category models
 */
export interface PostgresService extends Service {
  /** Deletes up to `limit` expired rows (done ids past their TTL, claims past their lease); answers how many. */
  readonly sweep: (limit?: number) => Effect.Effect<number, NotificationStoreError>
}

/**
 * The default table name.
 *
 * @since 1.1.0
 * @category constants
 */
export const defaultTable = "wechatpay_notification"

const identifierPart = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** The table's name quoted for SQL (`"schema"."table"`), and the name of its index; a `RangeError` if not a name. */
const quoted = (table: string): { readonly table: string; readonly index: string; readonly lock: string } => {
  const parts = table.split(".")
  if (parts.length > 2 || !parts.every((part) => identifierPart.test(part))) {
    throw new RangeError(
      `table must be a PostgreSQL name, optionally schema-qualified (letters, digits and _), not ${JSON.stringify(table)}`
    )
  }
  const last = parts[parts.length - 1]!
  return {
    table: parts.map((part) => `"${part}"`).join("."),
    index: `"${`${last}_expires_at`.slice(0, 63)}"`,
    lock: parts.join(".")
  }
}

/**
 * Creates the table and its index if they are missing; safe to run from several instances at once (serialised by an
 * advisory lock on the table's name). `layer` runs it unless told not to.
 *
 * @since 1.1.0
 * @category migrations
 */
export const migrate = (options: { readonly table?: string | undefined } = {}): Effect.Effect<
  void,
  SqlError,
  SqlClient.SqlClient
> =>
{
  // Checked when called: a name that is not one is a programming error (RangeError), never SQL.
  const { index, lock, table } = quoted(options.table ?? defaultTable)
  return Effect.flatMap(SqlClient.SqlClient, (sql) => {
    return sql.withTransaction(Effect.gen(function*() {
      yield* sql.unsafe("SELECT pg_advisory_xact_lock(hashtext($1))", [`effect-wechatpay:${lock}`])
      yield* sql.unsafe(
        `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, ` +
          `state text NOT NULL CHECK (state IN ('in-progress', 'done')), owner text NOT NULL, ` +
          `expires_at timestamptz NOT NULL)`
      )
      yield* sql.unsafe(`CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at)`)
    }))
  })
}

/**
 * The store on the `SqlClient` in context (PostgreSQL). The table must exist (`migrate`).
 *
 * @since 1.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<PostgresService, never, SqlClient.SqlClient> => {
  // Checked when called: a bad name or duration is a programming error (RangeError).
  const { table } = quoted(options.table ?? defaultTable)
  const { extended, lease, leaseMillis, timeout, ttl } = settings(options)
  return Effect.map(SqlClient.SqlClient, (sql): PostgresService => {
    const op = <A>(operation: NotificationStoreError["operation"], id: string, effect: Effect.Effect<A, SqlError>) =>
      guarded("PostgreSQL", operation, id, timeout, effect)

    // One statement: take the row if it is new or its lease/TTL is over. When the row is live, the statement's
    // snapshot shows its state; a row another claim inserted after the snapshot was taken (a copy delivered at the
    // same moment) is held, so an empty answer reads as InProgress.
    const claimSql = `WITH taken AS (INSERT INTO ${table} AS t (id, state, owner, expires_at) ` +
      `VALUES ($1, 'in-progress', $2, now() + $3 * interval '1 millisecond') ON CONFLICT (id) DO UPDATE ` +
      `SET state = 'in-progress', owner = excluded.owner, expires_at = excluded.expires_at ` +
      `WHERE t.expires_at <= now() RETURNING 1) ` +
      `SELECT 'claimed' AS state FROM taken UNION ALL ` +
      `SELECT state FROM ${table} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM taken)`
    const extendSql = `UPDATE ${table} SET expires_at = now() + $3 * interval '1 millisecond' ` +
      `WHERE id = $1 AND owner = $2 AND state = 'in-progress' AND expires_at > now() RETURNING 1`
    const completeSql = `UPDATE ${table} SET state = 'done', expires_at = now() + $3 * interval '1 millisecond' ` +
      `WHERE id = $1 AND owner = $2 RETURNING 1`
    const releaseSql = `DELETE FROM ${table} WHERE id = $1 AND owner = $2 AND state = 'in-progress' RETURNING 1`
    const sweepSql = `DELETE FROM ${table} WHERE id IN ` +
      `(SELECT id FROM ${table} WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING 1`

    const claim = (id: string): Effect.Effect<Claim, NotificationStoreError> => {
      const owner = ownerToken()
      return op(
        "claim",
        id,
        Effect.map(sql.unsafe<{ readonly state: string }>(claimSql, [id, owner, leaseMillis]), (rows): Claim => {
          const state = rows[0]?.state
          if (state === "claimed") return { _tag: "Claimed", owner, lease }
          return state === "done" ? { _tag: "Done" } : { _tag: "InProgress" }
        })
      )
    }
    /** An UPDATE / DELETE … RETURNING 1 of the caller's own row: `yes` when it touched one, `no` otherwise. */
    const oneRow = <A, B>(
      operation: NotificationStoreError["operation"],
      text: string,
      id: string,
      params: ReadonlyArray<unknown>,
      yes: A,
      no: B
    ) => op(operation, id, Effect.map(sql.unsafe(text, [id, ...params]), (rows) => rows.length > 0 ? yes : no))

    return {
      claim,
      extend: (id, owner) => oneRow("extend", extendSql, id, [owner, leaseMillis], extended, lost),
      complete: (id, owner) => oneRow("complete", completeSql, id, [owner, ttl], settled, lost),
      release: (id, owner) => oneRow("release", releaseSql, id, [owner], settled, lost),
      sweep: (limit = 1000) =>
        guarded("PostgreSQL", "sweep", "*", timeout, Effect.map(sql.unsafe(sweepSql, [limit]), (rows) => rows.length))
    }
  })
}

/**
 * The `NotificationStore` on PostgreSQL for the layer's life: migrates (unless `migrate: false`), then sweeps expired
 * rows in the background every `sweepInterval`. Fails with the `SqlError` of the migration.
 *
 * @since 1.1.0
 * @category layers
 */
export const layer = (
  options: Options & { readonly migrate?: boolean | undefined } = {}
): Layer.Layer<NotificationStore, SqlError, SqlClient.SqlClient> => {
  const migration = options.migrate === false ? Effect.void : migrate(options)
  const made = make(options)
  const every = options.sweepInterval === false
    ? undefined
    : positiveMillis("sweepInterval", options.sweepInterval ?? "1 minute")
  return Layer.effect(
    NotificationStore,
    Effect.gen(function*() {
      yield* migration
      const store = yield* made
      if (every !== undefined) {
        yield* store.sweep().pipe(
          Effect.ignore,
          Effect.repeat(Schedule.spaced(Duration.millis(every))),
          Effect.forkScoped
        )
      }
      return store
    })
  )
}
