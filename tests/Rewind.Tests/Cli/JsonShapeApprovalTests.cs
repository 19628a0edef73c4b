using System.Text;
using System.Text.Json;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>
/// The shapes of the CLI's JSON contracts (<c>deploy</c>, <c>rollback</c>, <c>status</c>, <c>history</c> with
/// <c>--json</c>), kept in approved files: one line per property path with its JSON kind, so a pipeline's parser
/// never breaks silently — a renamed, removed or retyped field shows up in review as a diff of one of these files.
/// </summary>
public sealed class JsonShapeApprovalTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private string Bundle(string id) =>
        new BundleBuilder(id).Upsert("platform", "rule", "r1", $"\"{id}\"").WriteTo(_folder.Combine("b", id));

    [Fact]
    public async Task The_json_of_deploy_rollback_status_and_history_keeps_its_approved_shape()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
                checks:
                  - name: rules
                    sql: SELECT count(*) >= 0 FROM rw_records
            """);
        Assert.Equal(0, (await Rewind("deploy", Bundle("one"), "--target", "env1")).ExitCode);
        var deploy = await Rewind("deploy", Bundle("two"), "--target", "env1", "--json");
        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", "INC-1", "--json");
        var status = await Rewind("status", "--json");
        var history = await Rewind("history", "--target", "env1", "--json");

        // Each one compared (and its received file written) before any failure is reported.
        var differing = new List<string>();
        foreach (var (name, result) in new[] { ("deploy", deploy), ("rollback", rollback), ("status", status), ("history", history) })
        {
            Assert.True(result.ExitCode == 0, $"{name}: {result}");
            try
            {
                Approvals.Verify($"{name}.json-shape", Shape(result.Stdout));
            }
            catch (Xunit.Sdk.XunitException e)
            {
                differing.Add(e.Message);
            }
        }

        Assert.True(differing.Count == 0, string.Join("\n\n", differing));
    }

    /// <summary>Every property path of the document with its kind; array items share one path (<c>[]</c>).</summary>
    private static string Shape(string json)
    {
        using var document = JsonDocument.Parse(json);
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(document.RootElement, "$", paths);
        return string.Join("\n", paths);
    }

    private static void Walk(JsonElement element, string path, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                paths.Add($"{path}: object");
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, $"{path}.{property.Name}", paths);
                }

                break;
            case JsonValueKind.Array:
                paths.Add($"{path}: array");
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, path + "[]", paths);
                }

                break;
            default:
                paths.Add($"{path}: {Kind(element.ValueKind)}");
                break;
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
