using Rewind.Tests.PlatformTables;

namespace Rewind.Tests.Postgres;

/// <summary>Row changes at their edges, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRowChangeEdgeContractTests(PostgresServerFixture server) : RowChangeEdgeContractTests(new PostgresProvider(server));
