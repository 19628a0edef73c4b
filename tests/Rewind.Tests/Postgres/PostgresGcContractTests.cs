using Rewind.Tests.Rules;

namespace Rewind.Tests.Postgres;

/// <summary>rewind gc on a real PostgreSQL control plane and target.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGcContractTests(PostgresServerFixture server) : GcContractTests(new PostgresProvider(server));
