using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Sqlite;

/// <summary>API tokens in the SQLite control-plane file: Core's <see cref="SqlTokenStore"/> over SQLite's statements.</summary>
public sealed class SqliteTokenStore(string path, TimeProvider? clock = null)
    : SqlTokenStore(new SqliteStoreDatabase(path), Statements, new SchemaGate(new SqliteStoreDatabase(path), SqliteSchema.Statements, clock))
{
    private const string Columns = "name, role, hash, created_at, created_by";

    private static readonly TokenStatements Statements = new(
        Insert: $"INSERT INTO rw_api_tokens ({Columns}) VALUES ($name, $role, $hash, $created_at, $created_by) ON CONFLICT (name) DO NOTHING",
        SelectByHash: $"SELECT {Columns} FROM rw_api_tokens WHERE hash = $hash",
        SelectAll: $"SELECT {Columns} FROM rw_api_tokens ORDER BY name",
        Delete: "DELETE FROM rw_api_tokens WHERE name = $name");
}
