using Rewind.Tests.Storage;

namespace Rewind.Tests.Postgres;

/// <summary>The sql-check contract on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSqlCheckContractTests(PostgresServerFixture server) : SqlCheckContractTests(new PostgresProvider(server))
{
    protected override IReadOnlyList<string> WritingChecks =>
    [
        "DELETE FROM rw_records",
        "COMMIT; DELETE FROM rw_records; SELECT true",
        "SELECT true; DELETE FROM rw_records",
        "WITH gone AS (DELETE FROM rw_records RETURNING 1) SELECT true",
        "UPDATE rw_records SET body = '0'",
        "CREATE TABLE sneaky (a int)",
        "COMMIT",
        "SET transaction_read_only = off",
        "VACUUM",
        "/* hidden */ COMMIT; DELETE FROM rw_records; SELECT true",
        "-- hidden\nROLLBACK; DELETE FROM rw_records; SELECT true",
    ];
}
