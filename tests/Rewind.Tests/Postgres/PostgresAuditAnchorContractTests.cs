using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditAnchorContractTests(PostgresServerFixture server) : AuditAnchorContractTests(new PostgresProvider(server));
