using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Rewind.Core;
using Rewind.Core.Configuration;
using Rewind.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Tests.Hostile;

/// <summary>
/// Seeded mutation fuzz of the configuration loader: a mutated <c>rewind.yaml</c> is either loaded or refused with
/// a <see cref="BadInputException"/> — never another exception type, a crash or a hang.
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Seed = """
        store: sqlite:rewind.db
        artifacts: .rewind/artifacts
        rollbackBudget: 5m
        layers: [platform, apps, partner]
        limits:
          maxEntries: 1000
          maxUnpackedBytes: 64MiB
          maxCompressionRatio: 100
          maxLineBytes: 1MiB
          maxJsonDepth: 32
          maxBodyBytes: 256KiB
        targets:
          env1:
            database: sqlite:env1.db
            busyTimeout: 2s
            businessTables:
              - orders
              - name: invoices
                changedAt: updated_at
            code:
              frontend:
                deployer: directory
                root: deploy/env1/frontend
              backend:
                deployer: command
                deploy: "kubectl set image deployment/api api={artifact}"
                current: "kubectl get deployment/api -o jsonpath={.spec.template.spec.containers[0].image}"
                timeout: 2m
            checks:
              - name: health
                http: http://127.0.0.1:8080/health
                timeout: 5s
                expectStatus: 200-299
              - name: workflows-present
                sql: SELECT count(*) > 0 FROM rw_records WHERE type = 'workflow'
            hooks:
              beforeRollback: ["./maintenance on"]
              afterRollback: ["./flush-caches", "./maintenance off"]
            shared: false
          env2:
            database: "postgres:Host=127.0.0.1;Database=env2;Username=rewind;Password=not-a-secret"
            schema: meta
        notify:
          webhooks: [http://127.0.0.1:9000/rewind]
          commands: ["./page-oncall"]
        roles:
          alice: [operator, train-admin]
          bob: [deployer]

        """;

    private static readonly string[] Values =
    [
        "[a, b]", "{x: 1}", "~", "''", "!!binary aGVsbG8=", "&anchor value", "*nope", "99999999999999999999999", "-1", "0", "1e308d", "NaNs",
        "Infinitys", "1e400", "true", "\"\\ud800\"", "|\n  block\n  text", ">-", "? complex\n: key", "!custom tag", "0x7fffffff", "3.5GiB", "1 TiB",
    ];

    private static readonly string[] Lines =
    [
        "surprise: 1", "targets:", "  env1:", "    database: sqlite:other.db", "limits: {maxEntries: 0}", "limits:\n  maxJsonDepth: 100000",
        "base: &b {database: sqlite:x.db}", "  env3: *b", "  env4: {<<: *b, shared: true}", "\t- tab", "---", "...", "%YAML 1.1", "- item",
        "roles:\n  eve: [root]", "layers: []", "rollbackBudget: -5m", "targets: ~", ": empty key", "? [complex]\n: key",
    ];

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_seed_configuration_loads()
    {
        var config = ConfigLoader.Parse(Seed, _folder.Path);
        Assert.Equal(1000, config.Limits.MaxEntries);
        Assert.Equal(64L << 20, config.Limits.MaxUnpackedBytes);
        Assert.Equal(256 << 10, config.Limits.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Targets["env1"].BusyTimeout);
    }

    [Theory]
    [InlineData("targets:\n  \"group:eu\":\n    database: sqlite:x.db", "'group:eu' cannot be a target name", 2)]
    [InlineData("targets:\n  \"env 1\":\n    database: sqlite:x.db", "'env 1' cannot be a target name", 2)]
    [InlineData("targets:\n  env1:\n    database: sqlite:x.db\ngroups:\n  \"eu/west\":\n    stages: [[env1]]", "'eu/west' cannot be a group name", 5)]
    public void Target_and_group_names_that_cannot_name_a_lock_or_a_url_are_refused_naming_the_line(string yaml, string expected, int line)
    {
        var error = Assert.Throws<BadInputException>(() => ConfigLoader.Parse(yaml, _folder.Path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutated_configurations_load_or_are_refused_with_BadInputException_only()
    {
        var cases = MutationFuzzTests.Full ? 30_000 : 3_000;
        var seed = MutationFuzzTests.Seed;
        var failures = new ConcurrentBag<string>();
        int loaded = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, cases), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (n, _) =>
        {
            var random = new Random(seed + n);
            var (yaml, description) = Mutate(random);
            try
            {
                var ok = await Task.Run(() =>
                {
                    try
                    {
                        ConfigLoader.Parse(yaml, _folder.Path);
                        return true;
                    }
                    catch (BadInputException e)
                    {
                        Assert.False(string.IsNullOrWhiteSpace(e.Message));
                        return false;
                    }
                }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                Interlocked.Increment(ref ok ? ref loaded : ref refused);
            }
            catch (Exception e)
            {
                failures.Add($"case {n} (seed {seed}): {description}\n    {e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
            }
        });

        output.WriteLine($"{cases} mutated configurations (seed {seed}) in {clock.Elapsed.TotalSeconds:0.0}s: {loaded} loaded, {refused} refused, {failures.Count} failures");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases} cases failed; the first:\n{string.Join("\n\n", failures.Take(5))}");
        Assert.True(loaded > 0 && refused > cases / 2, $"{loaded} loaded, {refused} refused: the mutations no longer exercise both outcomes");
    }

    [Theory]
    [InlineData("deep-nesting")]
    [InlineData("billion-laughs")]
    [InlineData("huge-file")]
    [InlineData("invalid-utf8")]
    public void Pathological_configurations_are_refused_quickly(string name)
    {
        var path = _folder.Combine(name + ".yaml");
        switch (name)
        {
            case "deep-nesting":
                File.WriteAllText(path, "targets: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
                break;
            case "billion-laughs":
                // A few kilobytes that stand for 300,000 checks through aliases: the walk is bounded, not the file.
                File.WriteAllText(path, $$"""
                    k: &k {name: health, command: "true"}
                    c: &c [{{string.Join(", ", Enumerable.Repeat("*k", 3000))}}]
                    t: &t {database: "sqlite:x.db", checks: *c}
                    targets: { {{string.Join(", ", Enumerable.Range(0, 100).Select(i => $"t{i}: *t"))}} }

                    """);
                break;
            case "huge-file":
                File.WriteAllText(path, "targets:\n" + string.Concat(Enumerable.Range(0, 60_000).Select(i => $"  t{i}: {{database: sqlite:t.db}}\n")));
                break;
            default:
                File.WriteAllBytes(path, [.. "targets:\n  env1:\n    database: sqlite:"u8, 0xC3, 0x28, .. ".db\n"u8]);
                break;
        }

        var clock = Stopwatch.StartNew();
        var error = Assert.ThrowsAny<BadInputException>(() => ConfigLoader.Load(path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains(name switch { "deep-nesting" => "nested more than", "billion-laughs" => "expands to more than", "huge-file" => "larger than", _ => "not valid UTF-8" }, error.Message, StringComparison.Ordinal);
    }

    private static (string Yaml, string Description) Mutate(Random random)
    {
        var lines = Seed.Split('\n').ToList();
        var done = new List<string>();
        for (var i = random.Next(10) < 7 ? 1 : random.Next(2, 5); i > 0; i--)
        {
            var at = random.Next(lines.Count);
            switch (random.Next(9))
            {
                case 0:
                    var chars = lines[at].ToCharArray();
                    if (chars.Length > 0)
                    {
                        var where = random.Next(chars.Length);
                        chars[where] = "{}[]:,&*!|>-?#'\"%@`\t \0\uD800\u00e9x9"[random.Next(24)];
                        lines[at] = new string(chars);
                    }

                    done.Add($"line {at + 1}: a character changed");
                    break;
                case 1:
                    var all = string.Join("\n", lines);
                    var keep = random.Next(all.Length);
                    lines = [.. all[..keep].Split('\n')];
                    done.Add($"truncated at {keep}");
                    break;
                case 2:
                    lines.Insert(at, lines[random.Next(lines.Count)]);
                    done.Add($"line {at + 1}: another line duplicated (duplicate key?)");
                    break;
                case 3 or 4:
                    var colon = lines[at].IndexOf(": ", StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        var indent = new string(' ', lines[at].Length - lines[at].TrimStart().Length + 2);
                        lines[at] = lines[at][..(colon + 2)] + Values[random.Next(Values.Length)].Replace("\n", "\n" + indent, StringComparison.Ordinal);
                    }

                    done.Add($"line {at + 1}: value replaced");
                    break;
                case 5:
                    lines.Insert(at, Lines[random.Next(Lines.Length)]);
                    done.Add($"line {at + 1}: a line inserted");
                    break;
                case 6:
                    lines[at] = random.Next(2) == 0 ? "  " + lines[at] : lines[at].TrimStart();
                    done.Add($"line {at + 1}: indentation changed");
                    break;
                case 7:
                    lines.RemoveAt(at);
                    done.Add($"line {at + 1}: removed");
                    break;
                default:
                    lines[at] = lines[at].Replace("5", new string('9', random.Next(10, 400)), StringComparison.Ordinal);
                    done.Add($"line {at + 1}: huge numbers");
                    break;
            }

            if (lines.Count == 0)
            {
                lines.Add("");
            }
        }

        return (string.Join("\n", lines), string.Join("; ", done));
    }
}
