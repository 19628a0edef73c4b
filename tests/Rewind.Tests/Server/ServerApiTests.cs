using System.Net;
using System.Text.Json;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary>The HTTP API over real HTTP against a started <c>rewind serve</c> process, on SQLite.</summary>
public sealed class ServerApiTests : IAsyncLifetime
{
    private readonly TestFolder _folder = new();
    private readonly Dictionary<string, string> _tokens = [];
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
              env2:
                database: sqlite:env2.db
                platformTables: [price]
            """);
        var store = new SqliteTokenStore(_folder.Combine("rewind.db"));
        foreach (var role in new[] { "viewer", "deployer", "operator", "train-admin", "admin" })
        {
            _tokens[role] = await ServerProcess.CreateTokenAsync(store, $"{role}-token", role);
        }

        _server = await ServerProcess.StartAsync(_folder.Path);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Only_the_health_probe_and_the_dashboard_answer_without_a_token()
    {
        using (var health = await _server.GetAsync("/health", null))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var page = await _server.GetAsync("/", null))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("Roll back", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var path in new[] { "/api/targets", "/api/targets/env1", "/api/targets/env1/deployments", "/api/audit", "/openapi/v1.json", "/api/nothing-here" })
        {
            using var response = await _server.GetAsync(path, null);
            var problem = await ServerProcess.JsonOf(response, expected: 401);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(401, problem.GetProperty("status").GetInt32());
        }

        using (var rollback = await _server.PostJsonAsync("/api/targets/env1/rollback", null, """{"reason": "no token"}"""))
        {
            await ServerProcess.JsonOf(rollback, expected: 401);
        }

        using (var wrong = await _server.GetAsync("/api/targets", "rwt_not-a-real-token"))
        {
            Assert.Contains("not valid", (await ServerProcess.JsonOf(wrong, expected: 401)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Unauthenticated requests are not audited (anyone can send them); nothing was recorded.
        Assert.Empty((await _server.GetJsonAsync("/api/audit", _tokens["viewer"])).GetProperty("entries").EnumerateArray());
        var openApi = await _server.GetJsonAsync("/openapi/v1.json", _tokens["viewer"]);
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/targets/{name}/rollback", out _));
    }

    [Fact]
    public async Task A_viewer_cannot_roll_back_and_the_refusal_is_in_the_audit()
    {
        await DeployTwoAsync("env1");

        using var refused = await _server.PostJsonAsync("/api/targets/env1/rollback", _tokens["viewer"], """{"reason": "checkout broken"}""");
        var problem = await ServerProcess.JsonOf(refused, expected: 403);
        Assert.Equal("not-authorized", problem.GetProperty("rule").GetString());
        Assert.Contains("takes the operator role", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var target = await _server.GetJsonAsync("/api/targets/env1", _tokens["viewer"]);
        Assert.Equal("on-train", target.GetProperty("state").GetString());
        Assert.Equal("two", target.GetProperty("last").GetProperty("bundle").GetString());
        var audit = (await _server.GetJsonAsync("/api/audit?operation=rollback", _tokens["viewer"])).GetProperty("entries").EnumerateArray().ToList();
        var entry = Assert.Single(audit);
        Assert.Equal("viewer-token", entry.GetProperty("who").GetString());
        Assert.Equal("env1", entry.GetProperty("target").GetString());
        Assert.Equal("refused:not-authorized", entry.GetProperty("outcome").GetString());
        Assert.Equal("checkout broken", entry.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_rollback_preview_shows_each_row_change_the_rollback_would_restore_or_keep()
    {
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.Combine("env2.db")}"))
        {
            await db.OpenAsync();
            await using var create = db.CreateCommand();
            create.CommandText = "CREATE TABLE price (sku TEXT PRIMARY KEY, amount INTEGER); INSERT INTO price VALUES ('a', 1), ('b', 2)";
            await create.ExecuteNonQueryAsync();
        }

        using (var response = await _server.PostZipAsync("/api/targets/env2/deployments", _tokens["deployer"],
            Zip(new BundleBuilder("prices").RowUpsert("price", """{"sku":"a","amount":10}""").RowUpsert("price", """{"sku":"b","amount":20}"""))))
        {
            await ServerProcess.JsonOf(response, expected: 200);
        }

        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.Combine("env2.db")}"))
        {
            await db.OpenAsync();
            await using var edit = db.CreateCommand();
            edit.CommandText = "UPDATE price SET amount = 99 WHERE sku = 'b'";
            await edit.ExecuteNonQueryAsync();
        }

        var preview = await _server.GetJsonAsync("/api/targets/env2/rollback/preview", _tokens["operator"]);

        var rows = preview.GetProperty("plan").GetProperty("rows").EnumerateArray()
            .Select(r => $"{r.GetProperty("key").GetString()} {r.GetProperty("action").GetString()}").Order(StringComparer.Ordinal);
        Assert.Equal(["(sku=\"a\") restore", "(sku=\"b\") kept"], rows);
    }

    [Fact]
    public async Task An_operator_rolls_back_the_newest_deployment_and_the_target_ends_off_train()
    {
        var (first, second) = await DeployTwoAsync("env1");

        var preview = await _server.GetJsonAsync("/api/targets/env1/rollback/preview", _tokens["operator"]);
        Assert.Equal(second, preview.GetProperty("deployment").GetProperty("id").GetString());
        Assert.Equal("deployer-token", preview.GetProperty("deployment").GetProperty("who").GetString());
        Assert.Equal(first, preview.GetProperty("backTo").GetProperty("id").GetString());

        using var response = await _server.PostJsonAsync("/api/targets/env1/rollback", _tokens["operator"], $$"""{"reason": "INC-1: checkout broken", "deployment": "{{second}}"}""");
        var result = await ServerProcess.JsonOf(response, expected: 200);
        Assert.Equal(second, result.GetProperty("deployment").GetString());
        Assert.Equal("rolled-back", result.GetProperty("status").GetString());
        Assert.Equal("off-train", result.GetProperty("state").GetString());

        var target = await _server.GetJsonAsync("/api/targets/env1", _tokens["viewer"]);
        Assert.Equal("off-train", target.GetProperty("state").GetString());
        Assert.Equal(first, target.GetProperty("last").GetProperty("id").GetString());
        var history = (await _server.GetJsonAsync("/api/targets/env1/deployments", _tokens["viewer"])).GetProperty("deployments");
        Assert.Equal(["rolled-back", "verified"], history.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.Equal("operator-token", history[0].GetProperty("rolledBackBy").GetString());
        var rollback = Assert.Single((await _server.GetJsonAsync("/api/audit?operation=rollback", _tokens["viewer"])).GetProperty("entries").EnumerateArray());
        Assert.Equal(("operator-token", "succeeded", "INC-1: checkout broken"), (rollback.GetProperty("who").GetString(), rollback.GetProperty("outcome").GetString(), rollback.GetProperty("reason").GetString()));

        // The records are back as they were before the rolled-back deployment (through the CLI, on the same store).
        var status = (await CliRunner.RunAsync(_folder.Path, "status", "--target", "env1", "--json")).Json();
        Assert.Equal("off-train", status.GetProperty("targets")[0].GetProperty("state").GetString());

        // Off the train: no deployment lands until a train-admin clears it; an operator may not.
        using (var deploy = await _server.PostZipAsync("/api/targets/env1/deployments", _tokens["deployer"], Zip(new BundleBuilder("three").Upsert("platform", "rule", "a", "3"))))
        {
            Assert.Equal("off-train", (await ServerProcess.JsonOf(deploy, expected: 409)).GetProperty("rule").GetString());
        }

        using (var clear = await _server.PostJsonAsync("/api/targets/env1/clear", _tokens["operator"], """{"reason": "fixed"}"""))
        {
            await ServerProcess.JsonOf(clear, expected: 403);
        }

        using (var clear = await _server.PostJsonAsync("/api/targets/env1/clear", _tokens["train-admin"], """{"reason": "fixed forward in 2026.11.4"}"""))
        {
            Assert.Equal("on-train", (await ServerProcess.JsonOf(clear, expected: 200)).GetProperty("state").GetString());
        }
    }

    [Fact]
    public async Task Refusals_by_a_rule_are_409_and_bad_input_is_400()
    {
        var (first, _) = await DeployTwoAsync("env2");
        using (var notNewest = await _server.PostJsonAsync("/api/targets/env2/rollback", _tokens["operator"], $$"""{"reason": "wrong one", "deployment": "{{first}}"}"""))
        {
            var problem = await ServerProcess.JsonOf(notNewest, expected: 409);
            Assert.Equal(3, problem.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("rule").GetString()));
        }

        using (var noReason = await _server.PostJsonAsync("/api/targets/env2/rollback", _tokens["operator"], "{}"))
        {
            Assert.Contains("needs a reason", (await ServerProcess.JsonOf(noReason, expected: 400)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var malformed = await _server.PostJsonAsync("/api/targets/env2/rollback", _tokens["operator"], "{\"reason\": "))
        {
            await ServerProcess.JsonOf(malformed, expected: 400);
        }

        using (var unknown = await _server.GetAsync("/api/targets/nope", _tokens["viewer"]))
        {
            Assert.Contains("unknown target 'nope'", (await ServerProcess.JsonOf(unknown, expected: 400)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var unfreeze = await _server.PostJsonAsync("/api/targets/env2/unfreeze", _tokens["admin"], """{"reason": "not frozen"}"""))
        {
            Assert.Equal("not-frozen", (await ServerProcess.JsonOf(unfreeze, expected: 409)).GetProperty("rule").GetString());
        }

        using (var train = await _server.GetAsync("/api/groups/eu/train", _tokens["viewer"]))
        {
            Assert.Contains("unknown group 'eu'", (await ServerProcess.JsonOf(train, expected: 400)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Nothing above changed the target: both deployments are still applied.
        var history = (await _server.GetJsonAsync("/api/targets/env2/deployments", _tokens["viewer"])).GetProperty("deployments");
        Assert.Equal(["verified", "verified"], history.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_deployer_deploys_an_uploaded_zip_or_a_bundle_in_the_artifact_store_and_a_viewer_cannot()
    {
        var zip = Zip(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"));
        using (var refused = await _server.PostZipAsync("/api/targets/env1/deployments", _tokens["viewer"], zip))
        {
            await ServerProcess.JsonOf(refused, expected: 403);
        }

        using (var deployed = await _server.PostZipAsync("/api/targets/env1/deployments?reason=first", _tokens["deployer"], zip))
        {
            var result = await ServerProcess.JsonOf(deployed, expected: 200);
            Assert.Equal(("one", "verified"), (result.GetProperty("bundle").GetString(), result.GetProperty("status").GetString()));
        }

        var incoming = _folder.Combine(".rewind", "artifacts", "incoming");
        Directory.CreateDirectory(incoming);
        new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteZip(Path.Combine(incoming, "two.zip"));
        using (var byPath = await _server.PostJsonAsync("/api/targets/env1/deployments", _tokens["deployer"], """{"path": "incoming/two.zip", "reason": "by path"}"""))
        {
            Assert.Equal("two", (await ServerProcess.JsonOf(byPath, expected: 200)).GetProperty("bundle").GetString());
        }

        using (var escape = await _server.PostJsonAsync("/api/targets/env1/deployments", _tokens["deployer"], """{"path": "../rewind.yaml"}"""))
        {
            Assert.Contains("leaves the artifact store", (await ServerProcess.JsonOf(escape, expected: 400)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var broken = _folder.Combine("broken.zip");
        await File.WriteAllTextAsync(broken, "not a zip");
        using (var bad = await _server.PostZipAsync("/api/targets/env1/deployments", _tokens["deployer"], broken))
        {
            await ServerProcess.JsonOf(bad, expected: 400);
        }

        var audit = (await _server.GetJsonAsync("/api/audit?operation=deploy", _tokens["viewer"])).GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("who").GetString(), e.GetProperty("outcome").GetString())).ToList();
        Assert.Equal([("viewer-token", "refused:not-authorized"), ("deployer-token", "succeeded"), ("deployer-token", "succeeded"), ("deployer-token", "refused:bad-input")], audit);
    }

    [Fact]
    public async Task A_rollback_started_asynchronously_answers_202_and_its_operation_shows_the_journal_and_the_result()
    {
        var (_, second) = await DeployTwoAsync("env2");
        using var accepted = await _server.PostJsonAsync("/api/targets/env2/rollback", _tokens["admin"], $$"""{"reason": "async", "deployment": "{{second}}"}""", respondAsync: true);
        var started = await ServerProcess.JsonOf(accepted, expected: 202);
        var location = accepted.Headers.Location!.ToString();
        Assert.Equal($"/api/operations/{started.GetProperty("operation").GetString()}", location);

        JsonElement operation;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(100);
            operation = await _server.GetJsonAsync(location, _tokens["viewer"]);
        }
        while (operation.GetProperty("status").GetString() == "running" && clock.Elapsed < TimeSpan.FromSeconds(60));

        Assert.Equal("succeeded", operation.GetProperty("status").GetString());
        Assert.Equal("off-train", operation.GetProperty("result").GetProperty("state").GetString());
        Assert.Contains(operation.GetProperty("journal").EnumerateArray(), s => s.GetProperty("step").GetString() == "apply inverse metadata" && s.GetProperty("state").GetString() == "done");
    }

    [Fact]
    public async Task Token_create_prints_the_token_once_and_the_store_keeps_only_its_hash()
    {
        var created = await CliRunner.RunAsync(_folder.Path, "token", "create", "--name", "pipeline", "--role", "deployer", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var secret = created.Json().GetProperty("token").GetString()!;
        Assert.StartsWith("rwt_", secret, StringComparison.Ordinal);

        var me = await _server.GetJsonAsync("/api/me", secret);
        Assert.Equal(("pipeline", "deployer"), (me.GetProperty("name").GetString(), me.GetProperty("role").GetString()));
        var list = await CliRunner.RunAsync(_folder.Path, "token", "list", "--json");
        Assert.DoesNotContain(secret, list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await File.ReadAllTextAsync(_folder.Combine("rewind.db")), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, _server.Output, StringComparison.Ordinal);

        Assert.Equal(2, (await CliRunner.RunAsync(_folder.Path, "token", "create", "--name", "pipeline", "--role", "viewer")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync(_folder.Path, "token", "create", "--name", "x", "--role", "superuser")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(_folder.Path, "token", "revoke", "--name", "pipeline")).ExitCode);
        using var revoked = await _server.GetAsync("/api/me", secret);
        await ServerProcess.JsonOf(revoked, expected: 401);
    }

    [Fact]
    public async Task Quarantine_purge_takes_the_train_admin_role()
    {
        await DeployTwoAsync("env1");
        await DeployTwoAsync("env2");
        using (var refused = await _server.PostJsonAsync("/api/quarantine/purge", _tokens["operator"], """{"olderThan": "7d"}"""))
        {
            await ServerProcess.JsonOf(refused, expected: 403);
        }

        using (var bad = await _server.PostJsonAsync("/api/quarantine/purge", _tokens["train-admin"], """{"olderThan": "soon"}"""))
        {
            await ServerProcess.JsonOf(bad, expected: 400);
        }

        using (var purged = await _server.PostJsonAsync("/api/quarantine/purge", _tokens["train-admin"], """{"olderThan": "7d"}"""))
        {
            Assert.Empty((await ServerProcess.JsonOf(purged, expected: 200)).GetProperty("purged").EnumerateArray());
        }

        Assert.Empty((await _server.GetJsonAsync("/api/quarantine", _tokens["viewer"])).GetProperty("tables").EnumerateArray());
    }

    [Fact]
    public async Task An_admin_breaks_a_hung_operations_lock_over_http_and_the_busy_refusal_names_the_way()
    {
        await DeployTwoAsync("env1");

        // The hung holder: a live process on this host, holding env1's lock well within its lease.
        using var hung = await HungLockHolder.TakeAsync(_folder.Combine("rewind.db"), "env1", "bob");
        using (var busy = await _server.PostJsonAsync("/api/targets/env1/rollback", _tokens["operator"], """{"reason": "regression"}"""))
        {
            Assert.Contains("rewind unlock --target env1", (await ServerProcess.JsonOf(busy, expected: 409)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var refused = await _server.PostJsonAsync("/api/targets/env1/unlock", _tokens["operator"], """{"reason": "looks stuck"}"""))
        {
            await ServerProcess.JsonOf(refused, expected: 403);
        }

        using (var noReason = await _server.PostJsonAsync("/api/targets/env1/unlock", _tokens["admin"], """{"reason": " "}"""))
        {
            await ServerProcess.JsonOf(noReason, expected: 400);
        }

        using (var unknownGroup = await _server.PostJsonAsync("/api/groups/nowhere/unlock", _tokens["admin"], """{"reason": "hung"}"""))
        {
            await ServerProcess.JsonOf(unknownGroup, expected: 400);
        }

        using (var unlocked = await _server.PostJsonAsync("/api/targets/env1/unlock", _tokens["admin"], """{"reason": "deploy hung on a hook"}"""))
        {
            var broken = (await ServerProcess.JsonOf(unlocked, expected: 200)).GetProperty("broken");
            Assert.Equal((hung.ProcessId, "bob"), (broken.GetProperty("pid").GetInt32(), broken.GetProperty("who").GetString()));
        }

        var status = await _server.GetJsonAsync("/api/targets/env1", _tokens["viewer"]);
        Assert.True(!status.TryGetProperty("busy", out var busyNow) || busyNow.ValueKind == JsonValueKind.Null, status.ToString());
        var entry = (await _server.GetJsonAsync("/api/audit?operation=unlock", _tokens["viewer"])).GetProperty("entries").EnumerateArray().Last();
        Assert.Equal(("succeeded", "admin-token", "deploy hung on a hook"), (entry.GetProperty("outcome").GetString(), entry.GetProperty("who").GetString(), entry.GetProperty("reason").GetString()));

        using var rollback = await _server.PostJsonAsync("/api/targets/env1/rollback", _tokens["operator"], """{"reason": "regression"}""");
        await ServerProcess.JsonOf(rollback, expected: 200);
    }

    /// <summary>Two bundles deployed through the API by the deployer; returns their deployment ids.</summary>
    private async Task<(string First, string Second)> DeployTwoAsync(string target)
    {
        var ids = new List<string>();
        foreach (var (id, value) in new[] { ("one", "1"), ("two", "2") })
        {
            using var response = await _server.PostZipAsync($"/api/targets/{target}/deployments", _tokens["deployer"], Zip(new BundleBuilder(id).Upsert("platform", "rule", "a", value)));
            ids.Add((await ServerProcess.JsonOf(response, expected: 200)).GetProperty("deployment").GetString()!);
        }

        return (ids[0], ids[1]);
    }

    private string Zip(BundleBuilder bundle) => bundle.WriteZip(_folder.Combine($"{bundle.Id}-{Guid.NewGuid():N}.zip"));
}
