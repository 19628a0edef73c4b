using Rewind.Postgres;
using Rewind.Tests.Postgres;
using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary>Several <c>rewind serve</c> instances on one PostgreSQL control plane.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly TestFolder _folder = new();
    private readonly PostgresProvider _provider = new(postgres);

    public void Dispose() => _folder.Dispose();

    [PostgresFact]
    public async Task Two_instances_serve_the_same_state_and_concurrent_rollbacks_through_both_run_exactly_once()
    {
        var target = await _provider.CreateTargetDatabaseAsync(_folder, "env1");
        var store = await _provider.CreateControlPlaneAsync(_folder);
        // The hook keeps the winner inside its rollback long enough that the two requests certainly overlap.
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: "{store}"
            targets:
              env1:
                database: "{target}"
                hooks:
                  beforeRollback: ["sleep 2"]
            """);
        var tokens = new PostgresTokenStore(PostgresProvider.ConnectionString(store));
        var alice = await ServerProcess.CreateTokenAsync(tokens, "alice", "operator");
        var bob = await ServerProcess.CreateTokenAsync(tokens, "bob", "operator");
        var deployer = await ServerProcess.CreateTokenAsync(tokens, "pipeline", "deployer");

        var started = await Task.WhenAll(ServerProcess.StartAsync(_folder.Path), ServerProcess.StartAsync(_folder.Path));
        await using var first = started[0];
        await using var second = started[1];

        foreach (var (id, value) in new[] { ("one", "1"), ("two", "2") })
        {
            var zip = new BundleBuilder(id).Upsert("platform", "rule", "a", value).WriteZip(_folder.Combine($"{id}.zip"));
            using var deployed = await first.PostZipAsync("/api/targets/env1/deployments", deployer, zip);
            await ServerProcess.JsonOf(deployed, expected: 200);
        }

        // What one instance deployed, the other shows.
        var seen = await second.GetJsonAsync("/api/targets/env1", bob);
        Assert.Equal("two", seen.GetProperty("last").GetProperty("bundle").GetString());

        var responses = await Task.WhenAll(
            first.PostJsonAsync("/api/targets/env1/rollback", alice, """{"reason": "alice: checkout broken"}"""),
            second.PostJsonAsync("/api/targets/env1/rollback", bob, """{"reason": "bob: checkout broken"}"""));
        try
        {
            var statuses = responses.Select(r => (int)r.StatusCode).Order().ToList();
            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.True(statuses.SequenceEqual([200, 409]), $"expected one 200 and one 409, got {string.Join(", ", statuses)}:\n{string.Join("\n", bodies)}");
            var winner = (int)responses[0].StatusCode == 200 ? "alice" : "bob";
            var loser = responses.Single(r => (int)r.StatusCode == 409);
            var problem = await ServerProcess.JsonOf(loser, expected: 409);
            Assert.Equal("busy", problem.GetProperty("rule").GetString());
            Assert.Contains($"target env1 is busy: rollback by {winner} since", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        var audit = (await second.GetJsonAsync("/api/audit?operation=rollback", alice)).GetProperty("entries").EnumerateArray()
            .Select(e => e.GetProperty("outcome").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["refused:busy", "succeeded"], audit);
        foreach (var instance in started)
        {
            Assert.Equal("off-train", (await instance.GetJsonAsync("/api/targets/env1", alice)).GetProperty("state").GetString());
        }

        var history = (await first.GetJsonAsync("/api/targets/env1/deployments", alice)).GetProperty("deployments");
        Assert.Equal(["rolled-back", "verified"], history.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.Equal("1", await _provider.ScalarAsync(target, "SELECT body FROM rw_records WHERE key = 'a'"));
    }

    [PostgresFact]
    public async Task The_token_store_keeps_hashes_only_and_refuses_a_second_token_of_the_same_name()
    {
        var store = await _provider.CreateControlPlaneAsync(_folder);
        var tokens = new PostgresTokenStore(PostgresProvider.ConnectionString(store));
        var secret = await ServerProcess.CreateTokenAsync(tokens, "alice", "operator");

        var found = await tokens.FindByHashAsync(Core.Access.TokenSecret.Hash(secret));
        Assert.Equal(("alice", "operator"), (found?.Name, found?.Role));
        Assert.Null(await tokens.FindByHashAsync(Core.Access.TokenSecret.Hash(secret + "x")));
        await Assert.ThrowsAsync<Core.BadInputException>(() => ServerProcess.CreateTokenAsync(tokens, "alice", "admin"));
        Assert.Equal("0", (await _provider.ScalarAsync(store, $"SELECT count(*) FROM rw_api_tokens WHERE hash = '{secret}' OR name = '{secret}'"))?.ToString());
        Assert.True(await tokens.RevokeAsync("alice"));
        Assert.Empty(await tokens.ListAsync());
    }
}
