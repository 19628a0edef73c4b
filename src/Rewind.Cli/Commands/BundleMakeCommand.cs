using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core.Authoring;

namespace Rewind.Cli.Commands;

/// <summary><c>rewind bundle make</c>: author a bundle from the difference between two targets.</summary>
internal static class BundleMakeCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "The target whose state the bundle brings over (e.g. dev)", Required = true };
        var target = new Option<string>("--target") { Description = "The target the bundle is for (e.g. prod)", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the bundle: a new directory, or with --zip a .zip file", Required = true };
        var layers = List("--layers", "Only records of these layers (comma-separated or repeated)");
        var types = List("--types", "Only records of these types (table: table definitions)");
        var tables = List("--tables", "Only the rows of these platform tables (default: every declared or defined one)");
        var id = new Option<string?>("--id") { Description = "The bundle's id (default: FROM-to-TARGET-time)" };
        var zip = new Option<bool>("--zip") { Description = "Write a .zip instead of a directory" };
        var command = new Command("make", "Author a bundle that brings a target's managed state (records, table definitions, platform-table rows) to another's; writes to neither")
        {
            from, target, output, layers, types, tables, id, zip,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var made = await engine.MakeBundleAsync(
                new MakeRequest(parse.GetValue(from)!, parse.GetValue(target)!, parse.GetValue(output)!)
                {
                    Layers = Split(parse.GetValue(layers)),
                    Types = Split(parse.GetValue(types)),
                    Tables = Split(parse.GetValue(tables)),
                    Id = parse.GetValue(id),
                    Zip = parse.GetValue(zip),
                },
                cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new
                {
                    bundle = made.Path,
                    id = made.Id,
                    digest = made.Digest,
                    description = made.Description,
                    sourceFingerprint = made.SourceFingerprint,
                    empty = made.IsEmpty,
                    records = new { upserts = made.Upserts, deletes = made.Deletes },
                    definitions = made.Definitions.Select(d => new { layer = d.Layer, table = d.Table, change = d.Delete ? "delete" : "define" }),
                    tables = made.Tables.Select(t => new { table = t.Table, kind = t.DataCopy ? "data copy" : "row changes", lines = t.Lines }),
                });
                return 0;
            }

            Output.Line(made.IsEmpty
                ? $"[bold]{Output.Esc(made.Id)}[/]: the targets already agree on everything selected; the bundle is empty: {Output.Esc(made.Path)}"
                : $"[bold]{Output.Esc(made.Id)}[/]: {Output.Count(made.Upserts, "record")} to upsert, {Output.Count(made.Deletes, "record")} to delete: {Output.Esc(made.Path)}");
            foreach (var definition in made.Definitions)
            {
                Output.Line($"table {Output.Esc(definition.Table)} ({Output.Esc(definition.Layer)}): {(definition.Delete ? "definition deleted (quarantined on deploy)" : "defined")}");
            }

            foreach (var rows in made.Tables)
            {
                Output.Line($"rows of {Output.Esc(rows.Table)}: {(rows.DataCopy ? $"data copy of {Output.Count(rows.Lines, "row")}" : Output.Count(rows.Lines, "row change"))}");
            }

            Output.Line($"digest {made.Digest}");
            Output.Line($"next: rewind bundle inspect {Output.Esc(made.Path)} · rewind diff {Output.Esc(made.Path)} --target {Output.Esc(parse.GetValue(target)!)}");
            return 0;
        });
        return command;
    }

    private static Option<string[]> List(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = true };

    private static IReadOnlyList<string>? Split(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}
