using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresFencingContractTests(PostgresServerFixture server) : FencingContractTests(new PostgresProvider(server));
