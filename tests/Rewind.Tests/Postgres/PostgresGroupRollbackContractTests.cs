using Rewind.Tests.Train;

namespace Rewind.Tests.Postgres;

/// <summary>Whole-group rollback on a real PostgreSQL server (targets and control plane).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGroupRollbackContractTests(PostgresServerFixture server) : GroupRollbackContractTests(new PostgresProvider(server));
