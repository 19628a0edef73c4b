using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>
/// Bad input no target could store exactly (invariant 10) is found when the bundle is read, before anything
/// starts: exit 2 naming file and line, an audited refusal, and no trace — no deployment id used up, no stored
/// bundle, no fence rewritten on the target.
/// </summary>
public sealed class BadInputCliTests : IDisposable
{
    private const string TableBody = """{"columns":[{"name":"id","type":"text"}],"primaryKey":["id"]""";

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "data/sqlite_x.ndjson", """{"id":"a"}""" + "\n", "data/sqlite_x.ndjson", "SQLite reserves" },
        { "records/platform/table.ndjson", """{"key":"sqlite_x","body":""" + TableBody + "}}\n", "records/platform/table.ndjson, line 1", "SQLite reserves" },
        { "records/platform/table.ndjson", """{"key":"t","body":""" + TableBody + ""","indexes":[{"name":"sqlite_autoindex_t_9","columns":["id"]}]}}""" + "\n", "records/platform/table.ndjson, line 1", "SQLite reserves" },
        { "records/platform/rule.ndjson", """{"key":"ok","body":1}""" + "\n" + """{"key":"a\u0000b","body":1}""" + "\n", "records/platform/rule.ndjson, line 2", "NUL" },
        { "data/lookup.ndjson", """{"id":"a"}""" + "\n" + $$"""{"id":"b","{{new string('c', 64)}}":1}""" + "\n", "data/lookup.ndjson, line 2", "PostgreSQL keeps at most 63" },
        { "data/lookup.ndjson", """{"id":"a","la\u0000bel":"x"}""" + "\n", "data/lookup.ndjson, line 1", "control character" },
        { "records/platform/rule.ndjson", """{"key":"\ud800","body":1}""" + "\n", "records/platform/rule.ndjson, line 1", "lone UTF-16 surrogate" },
        { "records/platform/rule.ndjson", """{"key":"k","body":{"x":["ok","\ud800"]}}""" + "\n", "records/platform/rule.ndjson, line 1", "lone UTF-16 surrogate" },
        { "data/lookup.ndjson", """{"id":"a"}""" + "\n" + """{"id":"b","label":"\udc00x"}""" + "\n", "data/lookup.ndjson, line 2", "lone UTF-16 surrogate" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_exit_2_naming_file_and_line_audited_and_leaves_no_trace(string path, string content, string where, string why)
    {
        Assert.Equal(0, (await Rewind("init", "--json")).ExitCode);
        var first = await Rewind("deploy", Bundle(new BundleBuilder("base").SimpleTable("lookup", ("label", "text")).DataCopy("lookup", """{"id":"a","label":"A"}""")), "--target", "env1", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var fence = await FenceAsync();
        var stored = StoredArtifacts();

        var result = await Rewind("deploy", Bundle(new BundleBuilder("bad").Raw(path, content)), "--target", "env1", "--json");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(where, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(why, result.Stderr, StringComparison.Ordinal);
        var audit = (await Rewind("audit", "--operation", "deploy", "--json")).Json().GetProperty("entries");
        Assert.Equal(["refused:bad-input", "succeeded"], audit.EnumerateArray().Select(e => e.GetProperty("outcome").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(fence, await FenceAsync());
        Assert.Equal(stored, StoredArtifacts());
        Assert.Equal(1, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());

        var next = await Rewind("deploy", Bundle(new BundleBuilder("next").Upsert("platform", "rule", "r", "1")), "--target", "env1", "--json");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal("d0002", next.Json().GetProperty("deployment").GetString());
    }

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Bundle(BundleBuilder builder) => builder.WriteTo(_folder.Combine("bundles", builder.Id));

    private async Task<string?> FenceAsync() =>
        (string?)await new SqliteProvider().ScalarAsync("sqlite:" + _folder.Combine("env1.db"), "SELECT token || ' ' || holder FROM rw_fence");

    private string[] StoredArtifacts() =>
        Directory.GetFiles(_folder.Combine(".rewind", "artifacts"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
}
