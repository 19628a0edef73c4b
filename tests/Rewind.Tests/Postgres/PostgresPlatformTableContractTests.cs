using Rewind.Tests.PlatformTables;

namespace Rewind.Tests.Postgres;

/// <summary>The platform-table rules, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresPlatformTableContractTests(PostgresServerFixture server) : PlatformTableContractTests(new PostgresProvider(server));
