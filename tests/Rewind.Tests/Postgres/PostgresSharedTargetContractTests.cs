using Rewind.Tests.Rules;

namespace Rewind.Tests.Postgres;

/// <summary>Shared targets and their automatic rollback, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSharedTargetContractTests(PostgresServerFixture server) : SharedTargetContractTests(new PostgresProvider(server));
