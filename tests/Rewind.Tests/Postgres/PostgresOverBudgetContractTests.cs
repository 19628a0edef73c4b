using Rewind.Tests.Rules;

namespace Rewind.Tests.Postgres;

/// <summary>Over-budget rollbacks and their acknowledgement, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOverBudgetContractTests(PostgresServerFixture server) : OverBudgetContractTests(new PostgresProvider(server));
