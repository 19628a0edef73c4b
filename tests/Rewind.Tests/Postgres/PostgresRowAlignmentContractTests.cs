using Rewind.Tests.PlatformTables;

namespace Rewind.Tests.Postgres;

/// <summary>Alignment over platform-table rows, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRowAlignmentContractTests(PostgresServerFixture server) : RowAlignmentContractTests(new PostgresProvider(server));
