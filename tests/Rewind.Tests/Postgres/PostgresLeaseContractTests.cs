using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresLeaseContractTests(PostgresServerFixture server) : LeaseContractTests(new PostgresProvider(server));
