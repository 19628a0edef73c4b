using Rewind.Tests.Train;

namespace Rewind.Tests.Postgres;

/// <summary>Parallel stages on a real PostgreSQL server (targets and control plane).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresParallelStageContractTests(PostgresServerFixture server) : ParallelStageContractTests(new PostgresProvider(server));
