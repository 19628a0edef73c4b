using Rewind.Tests.Rules;

namespace Rewind.Tests.Postgres;

/// <summary>Known-good rollbacks and rollback --to, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresKnownGoodContractTests(PostgresServerFixture server) : KnownGoodContractTests(new PostgresProvider(server));
