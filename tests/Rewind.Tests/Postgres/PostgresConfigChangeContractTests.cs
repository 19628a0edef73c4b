using Rewind.Tests.Rules;

namespace Rewind.Tests.Postgres;

/// <summary>Configuration changes audited, on a real PostgreSQL control plane.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresConfigChangeContractTests(PostgresServerFixture server) : ConfigChangeContractTests(new PostgresProvider(server));
