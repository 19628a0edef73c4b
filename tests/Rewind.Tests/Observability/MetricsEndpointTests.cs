using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Rewind.Sqlite;
using Rewind.Tests.Server;
using Rewind.Tests.Support;

namespace Rewind.Tests.Observability;

/// <summary><c>GET /metrics</c> of a real <c>rewind serve</c> over real HTTP, after deploys and a rollback through its API.</summary>
public sealed partial class MetricsEndpointTests : IAsyncLifetime
{
    private readonly TestFolder _folder = new();
    private ServerProcess _server = null!;
    private string _deployer = null!;
    private string _operator = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            rollbackBudget: 1ms
            targets:
              env1:
                database: sqlite:env1.db
              env2:
                database: sqlite:env2.db
              env3:
                database: sqlite:env3.db
            """);
        var store = new SqliteTokenStore(_folder.Combine("rewind.db"));
        _deployer = await ServerProcess.CreateTokenAsync(store, "deployer-token", "deployer");
        _operator = await ServerProcess.CreateTokenAsync(store, "operator-token", "operator");
        _server = await ServerProcess.StartAsync(_folder.Path);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task After_deploys_and_a_rollback_the_scrape_counts_them_by_target_outcome_and_state()
    {
        foreach (var (target, id, value) in new[] { ("env1", "one", "1"), ("env1", "two", "2"), ("env2", "three", "3") })
        {
            var zip = new BundleBuilder(id).Upsert("platform", "rule", "a", value).WriteZip(_folder.Combine($"{id}.zip"));
            using var deployed = await _server.PostZipAsync($"/api/targets/{target}/deployments", _deployer, zip);
            await ServerProcess.JsonOf(deployed, expected: 200);
        }

        using (var rollback = await _server.PostJsonAsync("/api/targets/env1/rollback", _operator, """{"reason": "INC-7"}"""))
        {
            await ServerProcess.JsonOf(rollback, expected: 200);
        }

        var rollbacks = await _server.GetJsonAsync("/api/rollbacks", _operator);
        // A budget of 1 ms: every rollback is over it.
        Assert.Equal(0.001, rollbacks.GetProperty("budgetSeconds").GetDouble());
        var charted = Assert.Single(rollbacks.GetProperty("rollbacks").EnumerateArray());
        Assert.Equal(("env1", "two", true), (charted.GetProperty("target").GetString(), charted.GetProperty("bundle").GetString(), charted.GetProperty("overBudget").GetBoolean()));

        // No token: a scraper has none, and nothing in the answer is secret.
        using var response = await _server.GetAsync("/metrics", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);

        Assert.Equal(2, Sample(text, "rewind_deployments_total", "target=\"env1\"", "outcome=\"verified\""));
        Assert.Equal(1, Sample(text, "rewind_deployments_total", "target=\"env2\"", "outcome=\"verified\""));
        Assert.Equal(1, Sample(text, "rewind_rollbacks_total", "target=\"env1\"", "outcome=\"rolled-back\""));
        Assert.Null(Sample(text, "rewind_rollbacks_total", "target=\"env2\""));
        Assert.Equal(1, Sample(text, "rewind_rollback_duration_seconds_count", "target=\"env1\"", "outcome=\"rolled-back\""));
        Assert.Equal(1, Sample(text, "rewind_rollback_duration_seconds_bucket", "target=\"env1\"", "le=\"+Inf\""));
        Assert.Contains("# TYPE rewind_rollback_duration_seconds histogram", text, StringComparison.Ordinal);
        // The rolled-back target is off the train; the others ride it (env3 never deployed); none is frozen.
        Assert.Equal(1, Sample(text, "rewind_targets", "state=\"off-train\""));
        Assert.Equal(2, Sample(text, "rewind_targets", "state=\"on-train\""));
        Assert.Equal(0, Sample(text, "rewind_targets", "state=\"frozen\""));
        Assert.Equal(0, Sample(text, "rewind_targets", "state=\"diverged\""));   // every state, diverged too (a group member past its train)
        Assert.Equal(2, Sample(text, "rewind_deployment_duration_seconds_count", "target=\"env1\"", "outcome=\"verified\""));
        Assert.Equal(2, Sample(text, "rewind_records_applied_total", "target=\"env1\"", "direction=\"deploy\""));
        Assert.Equal(1, Sample(text, "rewind_records_applied_total", "target=\"env1\"", "direction=\"rollback\""));
        Assert.Equal(3, Sample(text, "rewind_lock_wait_seconds_count", "target=\"env1\""));
        Assert.Equal(1, Sample(text, "rewind_rollbacks_over_budget_total", "target=\"env1\""));
        Assert.DoesNotContain(_deployer, text, StringComparison.Ordinal);
        Assert.DoesNotContain("INC-7", text, StringComparison.Ordinal);
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>; null when there is none.</summary>
    private static double? Sample(string exposition, string name, params string[] labels)
    {
        var values = exposition.Split('\n')
            .Select(line => SampleLine().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            .Select(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture))
            .ToList();
        Assert.True(values.Count <= 1, $"{values.Count} samples of {name} with {string.Join(",", labels)}:\n{exposition}");
        return values.Count == 0 ? null : values[0];
    }

    [GeneratedRegex("""^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>[0-9.eE+-]+|\+Inf)""")]
    private static partial Regex SampleLine();
}
