using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresControlPlaneContractTests(PostgresServerFixture server) : ControlPlaneContractTests(new PostgresProvider(server));
