using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresBusinessDataContractTests(PostgresServerFixture server) : BusinessDataContractTests(new PostgresProvider(server));
