using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Observability;

/// <summary>The traced CLI rollback on PostgreSQL: the same spans, with Npgsql's own under the operation's steps.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresTracingTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly TestHttpServer _receiver = new((_, _) => (200, ""));

    public void Dispose()
    {
        _receiver.Dispose();
        _folder.Dispose();
    }

    [PostgresFact]
    public async Task A_rollback_on_PostgreSQL_exports_its_steps_with_Npgsql_spans_under_them()
    {
        var (spans, operation) = await TracingTests.RollbackTraceAsync(_folder, _receiver, new PostgresProvider(postgres));

        var database = spans.Where(s => s.Attributes.TryGetValue("db.system", out var system) && system == "postgresql"
            || s.Attributes.TryGetValue("db.system.name", out var name) && name == "postgresql").ToList();
        Assert.NotEmpty(database);
        Assert.Contains(database, s => TracingTests.DescendsFrom(s, operation, spans));
    }
}
