using Rewind.Tests.PlatformTables;

namespace Rewind.Tests.Postgres;

/// <summary>Row changes and their three-way rollback, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRowChangeContractTests(PostgresServerFixture server) : RowChangeContractTests(new PostgresProvider(server));
