using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Bundles;

namespace Rewind.Cli.Commands;

/// <summary>
/// <c>rewind bundle validate BUNDLE [--target T]</c>: the checks a deploy makes before it changes anything, run
/// alone — the bundle's format, digest and limits; with a target, also its layers, business tables, platform
/// tables, code slots and whether a rollback could undo it. Nothing is written. Exit 0 valid, 2 invalid, 3 a
/// release that would be refused as irreversible.
/// </summary>
internal static class BundleValidateCommand
{
    public static Command Create()
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "A bundle directory or .zip" };
        var target = new Option<string?>("--target") { Description = "Also check it against this target's configuration and database" };
        var command = new Command("validate", "Check a bundle as a deploy would, without deploying it (nothing is written)") { bundle, target };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var path = parse.GetValue(bundle)!;
            string id, digest;
            IReadOnlyList<string> irreversible = [];
            if (parse.GetValue(target) is { } name)
            {
                var engine = await context.EngineAsync(cancellationToken);
                var plan = await engine.PlanAsync(path, name, cancellationToken);
                (id, digest) = (plan.BundleId, plan.Digest);
                irreversible = await engine.IrreversibleSlotsAsync(path, name, cancellationToken);
            }
            else
            {
                using var opened = await Bundle.OpenAsync(path, File.Exists(context.ConfigPath) ? context.LoadConfig().Limits : null, cancellationToken);
                (id, digest) = (opened.Manifest.Id, opened.Digest);
            }

            if (irreversible.Count > 0)
            {
                throw new RefusedException("irreversible-release", $"{id} is valid, but deploy would refuse it: {string.Join("; ", irreversible)}. Deploy it with --irreversible --reason R only if that is intended");
            }

            if (context.Json)
            {
                Output.WriteJson(new { valid = true, bundle = id, digest, target = parse.GetValue(target) });
            }
            else
            {
                Output.Line($"[green]valid[/]: {Output.Esc(id)} ({digest}){(parse.GetValue(target) is { } t ? $" for target {Output.Esc(t)}" : "")}");
            }

            return 0;
        });
        return command;
    }
}
