using Rewind.Tests.PlatformTables;

namespace Rewind.Tests.Postgres;

/// <summary>The three-way rollback property, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRowChangePropertyTests(PostgresServerFixture server) : RowChangePropertyTests(new PostgresProvider(server));
