using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Sqlite;

/// <summary>
/// The control-plane ledger in a SQLite file: Core's <see cref="SqlControlPlaneStore"/> over SQLite's statements.
/// SQLite has one writer, so <c>BEGIN IMMEDIATE</c> serialises acquirers, boarders and fenced writes alike.
/// </summary>
public sealed class SqliteControlPlaneStore(string path, TimeProvider? clock = null)
    : SqlControlPlaneStore(new SqliteStoreDatabase(path), SqliteLedgerSql.Statements, SqliteSchema.Statements, clock ?? TimeProvider.System)
{
    public string Path => path;
}
