using Rewind.Tests.Train;

namespace Rewind.Tests.Postgres;

/// <summary>Groups and the patch train on a real PostgreSQL server (targets and control plane).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGroupContractTests(PostgresServerFixture server) : GroupContractTests(new PostgresProvider(server));
