using System.Text.Json;
using Rewind.Sqlite;
using Rewind.Tests.Server;
using Rewind.Tests.Support;

namespace Rewind.Tests.Observability;

/// <summary>The CLI's logs (quiet, --verbose, --log-format json) and the server's request log, from the real processes.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task ConfigureAsync() => await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
        store: sqlite:rewind.db
        targets:
          env1:
            database: sqlite:env1.db
        """);

    private string Bundle(string id, string value) => new BundleBuilder(id).Upsert("platform", "rule", "a", value).WriteTo(_folder.Combine(id));

    [Fact]
    public async Task A_successful_command_logs_nothing_verbose_logs_its_steps_on_stderr_and_json_logs_one_object_per_line()
    {
        await ConfigureAsync();
        var quiet = await CliRunner.RunAsync(_folder.Path, "deploy", Bundle("one", "1"), "--target", "env1");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Stderr);

        var verbose = await CliRunner.RunAsync(_folder.Path, "deploy", Bundle("two", "2"), "--target", "env1", "--verbose");
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains("env1 d0002: capture and apply metadata started", verbose.Stderr, StringComparison.Ordinal);
        Assert.Contains("env1 d0002: applied -> verified", verbose.Stderr, StringComparison.Ordinal);
        // The result stays on stdout, alone: the steps went to stderr.
        Assert.DoesNotContain("capture and apply", verbose.Stdout, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync(_folder.Path, "rollback", "--target", "env1", "--yes", "--reason", "test", "--json", "--log-format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        json.Json();
        var lines = json.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.All(entries, e => Assert.Equal(JsonValueKind.Object, e.ValueKind));
        var step = Assert.Single(entries, e => e.GetProperty("State").TryGetProperty("Step", out var s) && s.GetString() == "apply inverse metadata" && e.GetProperty("Message").GetString()!.EndsWith("started", StringComparison.Ordinal));
        Assert.Equal(("env1", "d0002"), (step.GetProperty("State").GetProperty("Target").GetString(), step.GetProperty("State").GetProperty("Deployment").GetString()));
    }

    [Fact]
    public async Task The_server_logs_one_line_per_request_with_method_path_status_and_caller_and_never_the_token()
    {
        await ConfigureAsync();
        var token = await ServerProcess.CreateTokenAsync(new SqliteTokenStore(_folder.Combine("rewind.db")), "ci-pipeline", "viewer");
        await using var server = await ServerProcess.StartAsync(_folder.Path);
        using (var ok = await server.GetAsync("/api/targets?note=x", token))
        {
            Assert.True(ok.IsSuccessStatusCode);
        }

        using (var missing = await server.GetAsync("/api/nothing-here", token))
        {
            Assert.Equal(404, (int)missing.StatusCode);
        }

        using (var refused = await server.GetAsync("/api/audit", "rwt_WrongTokenValue-123"))
        {
            Assert.Equal(401, (int)refused.StatusCode);
        }

        var log = await WaitForAsync(server, "GET /api/audit 401");
        Assert.Contains("GET /api/targets 200 in ", log, StringComparison.Ordinal);
        Assert.Contains("by ci-pipeline", log.Split('\n').Single(l => l.Contains("GET /api/targets 200", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("GET /api/nothing-here 404", log, StringComparison.Ordinal);
        Assert.Contains("by anonymous", log.Split('\n').Single(l => l.Contains("GET /api/audit 401", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain(token, log, StringComparison.Ordinal);
        Assert.DoesNotContain("WrongTokenValue", log, StringComparison.Ordinal);
        Assert.DoesNotContain("note=x", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_log_format_json_the_server_request_log_is_one_JSON_object_per_line()
    {
        await ConfigureAsync();
        await using var server = await ServerProcess.StartAsync(_folder.Path, arguments: ["--log-format", "json"]);
        using (await server.GetAsync("/metrics", null))
        {
        }

        var log = await WaitForAsync(server, "/metrics");
        var request = log.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Single(e => e.GetProperty("State").TryGetProperty("Path", out var p) && p.GetString() == "/metrics");
        var state = request.GetProperty("State");
        Assert.Equal(("GET", 200, "anonymous"), (state.GetProperty("Method").GetString(), state.GetProperty("Status").GetInt32(), state.GetProperty("Caller").GetString()));
    }

    /// <summary>The server's output once it holds <paramref name="text"/> (a log line is written after its answer).</summary>
    private static async Task<string> WaitForAsync(ServerProcess server, string text)
    {
        for (var i = 0; i < 100 && !server.Output.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }

        Assert.Contains(text, server.Output, StringComparison.Ordinal);
        return server.Output;
    }
}
