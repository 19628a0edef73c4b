using Rewind.Tests.Rules;

namespace Rewind.Tests.Postgres;

/// <summary>Deploy windows on a faked clock, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDeployWindowContractTests(PostgresServerFixture server) : DeployWindowContractTests(new PostgresProvider(server));
