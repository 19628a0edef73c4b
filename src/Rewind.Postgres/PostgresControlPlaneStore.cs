using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>
/// The control-plane ledger on PostgreSQL, shared by several Rewind processes: Core's <see cref="SqlControlPlaneStore"/>
/// over PostgreSQL's statements. Deployment ids come from a sequence; acquirers and boarders are serialised by
/// transaction-scoped advisory locks. Tables carry the reserved <c>rw_</c> prefix, so the ledger may share a
/// database with a target without ever showing up as one of its tables.
/// </summary>
public sealed class PostgresControlPlaneStore(string connectionString, TimeProvider? clock = null)
    : SqlControlPlaneStore(new PostgresStoreDatabase(connectionString), PostgresLedgerSql.Statements, PostgresSchema.Statements, clock ?? TimeProvider.System)
{
    public string ConnectionString => connectionString;
}
