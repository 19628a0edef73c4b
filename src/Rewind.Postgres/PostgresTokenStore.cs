using Rewind.Core.ControlPlane.Storage;

namespace Rewind.Postgres;

/// <summary>
/// API tokens in the PostgreSQL control plane (table <c>rw_api_tokens</c>), shared by every server instance on the
/// store: Core's <see cref="SqlTokenStore"/> over PostgreSQL's statements.
/// </summary>
public sealed class PostgresTokenStore(string connectionString, TimeProvider? clock = null)
    : SqlTokenStore(new PostgresStoreDatabase(connectionString), Statements, new SchemaGate(new PostgresStoreDatabase(connectionString), PostgresSchema.Statements, clock))
{
    private const string Columns = "name, role, hash, created_at, created_by";

    private static readonly TokenStatements Statements = new(
        Insert: $"INSERT INTO rw_api_tokens ({Columns}) VALUES (@name, @role, @hash, @created_at, @created_by) ON CONFLICT (name) DO NOTHING",
        SelectByHash: $"SELECT {Columns} FROM rw_api_tokens WHERE hash = @hash",
        SelectAll: $"SELECT {Columns} FROM rw_api_tokens ORDER BY name",
        Delete: "DELETE FROM rw_api_tokens WHERE name = @name");
}
