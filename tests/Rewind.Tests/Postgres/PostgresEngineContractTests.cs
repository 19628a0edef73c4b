using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

/// <summary>The whole storage conformance suite, on a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresEngineContractTests(PostgresServerFixture server) : EngineContractTests(new PostgresProvider(server));
