using Rewind.Tests.Train;

namespace Rewind.Tests.Postgres;

/// <summary>Realignment stopping before a differing step, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRealignDiffersContractTests(PostgresServerFixture server) : RealignDiffersContractTests(new PostgresProvider(server));
