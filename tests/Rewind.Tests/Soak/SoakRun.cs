using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Tests.Support;

namespace Rewind.Tests.Soak;

/// <summary>One request of the soak and its answer (status 0: no answer, the instance died or the call timed out).</summary>
internal sealed record SoakEvent(int Seq, int Client, string Kind, string Target, string? Bundle, int Instance, DateTimeOffset Start, DateTimeOffset End, int Status, string Body)
{
    /// <summary>The deployment an answered deploy or rollback names.</summary>
    [JsonIgnore]
    public string? Deployment => Status == 200 && Kind is "deploy" or "rollback" && Body.StartsWith('{') ? Json("deployment") : null;

    private string? Json(string property)
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}

/// <summary>The record changes of a bundle the soak made: key to body, null for a delete.</summary>
internal sealed record SoakBundle(string Id, IReadOnlyList<SoakChange> Changes);

/// <summary>One record a soak bundle writes (a body) or deletes (null).</summary>
internal sealed record SoakChange(string Key, string? Body);

/// <summary>
/// A seeded, concurrent run: clients issue a random mix of deploys, rollbacks, clears, unfreezes and unlocks over
/// HTTP to random live instances, while a chaos task kills instances with SIGKILL and restarts them and flips the
/// targets' checks to failing or hanging. Everything asked and answered is recorded for the checker.
/// </summary>
internal sealed class SoakRun(SoakCluster cluster, int seed, int operations, int clients, int kills)
{
    private readonly List<SoakEvent> _events = [];
    private readonly Dictionary<string, SoakBundle> _bundles = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _kills = [];
    private int _next;
    private int _bundleCount;

    public IReadOnlyList<SoakEvent> Events => _events;

    public IReadOnlyDictionary<string, SoakBundle> Bundles => _bundles;

    public int Kills => _kills.Count;

    /// <summary>When each SIGKILL was sent.</summary>
    public IReadOnlyList<DateTimeOffset> KillTimes => _kills;

    public int LockBreaks => _events.Count(e => e.Kind == "unlock" && e.Status == 200);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chaos = ChaosAsync(new Random(seed), done.Token);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => ClientAsync(c, new Random(seed * 31 + c + 1), cancellationToken)));
        await done.CancelAsync();
        await chaos;
        foreach (var target in cluster.Targets.Keys)
        {
            File.Delete(cluster.Folder.Combine($"fail-{target}"));
            File.Delete(cluster.Folder.Combine($"hang-{target}"));
        }
    }

    /// <summary>Sends one request to a live instance and records it; used by the run and by the settling afterwards.</summary>
    public async Task<SoakEvent> SendAsync(int client, string kind, string target, Random random, SoakBundle? bundle = null, string? reason = null)
    {
        var seq = Interlocked.Increment(ref _next);
        var picked = cluster.Pick(random);
        var start = DateTimeOffset.UtcNow;
        var (status, body) = (0, "no live instance");
        if (picked is { } live)
        {
            try
            {
                using var response = kind switch
                {
                    "deploy" => await live.Server.PostZipAsync($"/api/targets/{target}/deployments", cluster.Tokens["deployer"], Zip(bundle!)),
                    "rollback" => await live.Server.PostJsonAsync($"/api/targets/{target}/rollback", cluster.Tokens["operator"], Reason(reason ?? $"soak #{seq}")),
                    "clear" => await live.Server.PostJsonAsync($"/api/targets/{target}/clear", cluster.Tokens["train-admin"], Reason($"soak #{seq}")),
                    "unfreeze" => await live.Server.PostJsonAsync($"/api/targets/{target}/unfreeze", cluster.Tokens["admin"], Reason($"soak #{seq}")),
                    _ => await live.Server.PostJsonAsync($"/api/targets/{target}/unlock", cluster.Tokens["admin"], Reason($"soak #{seq}")),
                };
                (status, body) = ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                body = $"no answer: {e.GetType().Name}";
            }
        }

        var recorded = new SoakEvent(seq, client, kind, target, bundle?.Id, picked?.Instance ?? -1, start, DateTimeOffset.UtcNow, status, body);
        lock (_events)
        {
            _events.Add(recorded);
        }

        return recorded;
    }

    public SoakBundle NewBundle(Random random)
    {
        var id = $"soak-{Interlocked.Increment(ref _bundleCount)}";
        var changes = Enumerable.Range(0, random.Next(1, 5))
            .Select(_ => $"k{random.Next(12)}").Distinct(StringComparer.Ordinal)
            .Select(key => new SoakChange(key, random.Next(6) == 0 ? null : $"{{\"bundle\":\"{id}\",\"n\":{random.Next(1000)}}}"))
            .ToList();
        var bundle = new SoakBundle(id, changes);
        lock (_bundles)
        {
            _bundles[id] = bundle;
        }

        return bundle;
    }

    private async Task ClientAsync(int client, Random random, CancellationToken cancellationToken)
    {
        (string Kind, string Target)? followUp = null;
        while (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _next) < operations)
        {
            var target = cluster.Targets.Keys.ElementAt(random.Next(cluster.Targets.Count));
            var kind = random.Next(100) switch
            {
                < 50 => "deploy",
                < 75 => "rollback",
                < 90 => "clear",
                < 95 => "unfreeze",
                _ => "unlock",
            };

            // Like a person on call, a client that was refused for a hold usually lifts it next.
            if (followUp is { } next && random.Next(4) > 0)
            {
                (kind, target) = next;
            }

            var answer = await SendAsync(client, kind, target, random, kind == "deploy" ? NewBundle(random) : null);
            followUp = answer.Status != 409 ? null
                : answer.Body.Contains("is frozen", StringComparison.Ordinal) ? ("unfreeze", target)
                : answer.Body.Contains("off-train", StringComparison.Ordinal) ? ("clear", target)
                : null;
        }
    }

    private async Task ChaosAsync(Random random, CancellationToken cancellationToken)
    {
        var every = Math.Max(1, operations / Math.Max(1, kills));
        var nextKill = every;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(random.Next(50, 250), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var target = cluster.Targets.Keys.ElementAt(random.Next(cluster.Targets.Count));
            switch (random.Next(40))
            {
                case 0: Toggle($"fail-{target}"); break;
                case 1: Toggle($"hang-{target}"); break;
            }

            if (Volatile.Read(ref _next) >= nextKill && Kills < kills)
            {
                nextKill += every;
                var instance = random.Next(cluster.Instances);
                _kills.Add(DateTimeOffset.UtcNow);
                await cluster.KillAsync(instance);
                await cluster.RestartAsync(instance);
            }
        }
    }

    private void Toggle(string name)
    {
        var path = cluster.Folder.Combine(name);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        else
        {
            File.WriteAllText(path, "soak");
        }
    }

    private string Zip(SoakBundle bundle)
    {
        var builder = new BundleBuilder(bundle.Id);
        foreach (var (key, body) in bundle.Changes)
        {
            builder = body is null ? builder.Delete("platform", "rule", key) : builder.Upsert("platform", "rule", key, body);
        }

        return builder.WriteZip(cluster.Folder.Combine("zips", bundle.Id + ".zip"));
    }

    private static string Reason(string reason) => JsonSerializer.Serialize(new { reason });
}
