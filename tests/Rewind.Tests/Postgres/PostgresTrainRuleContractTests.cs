using Rewind.Tests.Train;

namespace Rewind.Tests.Postgres;

/// <summary>The train rule (deploys to a member go through its group) on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTrainRuleContractTests(PostgresServerFixture server) : TrainRuleContractTests(new PostgresProvider(server));
