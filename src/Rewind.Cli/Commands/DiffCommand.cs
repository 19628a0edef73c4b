using System.CommandLine;
using Rewind.Cli.Rendering;
using Spectre.Console;

namespace Rewind.Cli.Commands;

internal static class DiffCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "A bundle directory or .zip" };
        var target = new Option<string>("--target") { Description = "The target to compare with", Required = true };
        var command = new Command("diff", "What a bundle would change on a target (nothing is written)") { bundle, target };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            var diff = await engine.DiffAsync(parse.GetValue(bundle)!, parse.GetValue(target)!, cancellationToken: cancellationToken);
            var code = await SlotView.ChangesAsync(context, engine, parse.GetValue(bundle)!, diff.Target, cancellationToken);
            var irreversible = code.Count == 0 ? [] : await engine.IrreversibleSlotsAsync(parse.GetValue(bundle)!, diff.Target, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new
                {
                    target = diff.Target,
                    targetMissing = diff.TargetMissing,
                    bundle = diff.BundleId,
                    digest = diff.Digest,
                    records = new { added = diff.Added, changed = diff.Changed, unchanged = diff.Unchanged, deleted = diff.Deleted, deletesOfAbsent = diff.DeletesOfAbsent },
                    changes = diff.Records.Select(r => new { layer = r.Layer, type = r.Type, key = r.Key, change = r.Change }),
                    dataCopies = diff.DataCopies.Select(c => new { table = c.Table, rowsNow = c.RowsNow, rowsAfter = c.RowsAfter }),
                    tables = diff.Tables.Select(t => new { table = t.Table, change = t.Change }),
                    rows = diff.Rows.Select(r => new { table = r.Table, key = r.Key, change = r.Change, columns = r.Columns }),
                    code = code.Select(c => new { slot = c.Slot, now = c.Now, after = c.After }),
                    irreversible,
                });
                return 0;
            }

            if (diff.TargetMissing)
            {
                Output.Line($"[yellow]The database of {Output.Esc(diff.Target)} does not exist yet[/] (nothing was created; its first deploy creates it): everything would be added.");
            }

            Output.Line($"[bold]{Output.Esc(diff.BundleId)}[/] on [bold]{Output.Esc(diff.Target)}[/]: {diff.Added} added, {diff.Changed} changed, {diff.Deleted} deleted, {diff.Unchanged} unchanged records.");
            var table = new Table().AddColumns("change", "layer", "type", "key");
            foreach (var r in diff.Records)
            {
                table.AddRow(r.Change, Output.Esc(r.Layer), Output.Esc(r.Type), Output.Esc(r.Key));
            }

            Terminal.Write(table);
            foreach (var t in diff.Tables)
            {
                Output.Line($"table {Output.Esc(t.Table)}: {t.Change}");
            }

            foreach (var r in diff.Rows)
            {
                Output.Line($"row {Output.Esc(r.Table)} {Output.Esc(r.Key)}: {r.Change}{(r.Columns.Count > 0 ? " " + Output.Esc(string.Join(", ", r.Columns)) : "")}");
            }

            foreach (var c in diff.DataCopies)
            {
                Output.Line($"data copy {Output.Esc(c.Table)}: {Output.Count(c.RowsNow, "row")} now, {c.RowsAfter} after");
            }

            foreach (var c in code)
            {
                Output.Line($"code {Output.Esc(c.Slot)}: {Output.Esc(c.Now)} -> {Output.Esc(c.After)}");
            }

            foreach (var problem in irreversible)
            {
                Output.Line($"[red]cannot be rolled back[/]: {Output.Esc(problem)}; deploy refuses it unless given --irreversible --reason R");
            }

            return 0;
        });
        return command;
    }
}
