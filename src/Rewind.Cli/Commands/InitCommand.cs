using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Configuration;

namespace Rewind.Cli.Commands;

internal static class InitCommand
{
    private const string Starter = """
        # Rewind configuration. Every key but 'targets' is optional; relative paths are relative to this file.
        store: sqlite:rewind.db            # the control-plane ledger (or postgres:Host=...;Database=...;Username=...)
        artifacts: .rewind/artifacts       # stored bundles and inverse bundles, content-addressed
        rollbackBudget: 5m                 # rollbacks slower than this are flagged
        targets:
          env1:
            database: sqlite:env1.db       # or postgres:<Npgsql connection string>
            businessTables: []             # tables Rewind never writes
        """;

    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Overwrite an existing rewind.yaml" };
        var examples = new Option<bool>("--examples") { Description = "Also write the sample bundles into ./bundles (2026.11.3, 2026.11.4) to try Rewind on" };
        var command = new Command("init", "Write a starter rewind.yaml and create the store") { force, examples };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            if (File.Exists(context.ConfigPath) && !parse.GetValue(force))
            {
                throw new BadInputException($"{context.ConfigPath} already exists; pass --force to overwrite it");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(context.ConfigPath)!);
            await File.WriteAllTextAsync(context.ConfigPath, Starter + "\n", cancellationToken);
            var config = ConfigLoader.Load(context.ConfigPath);
            await using var store = RewindHost.OpenControlPlane(config.Store);
            await store.EnsureCreatedAsync(cancellationToken);
            Directory.CreateDirectory(config.Artifacts);
            var samples = parse.GetValue(examples)
                ? await SampleBundles.WriteAsync(Path.Combine(config.BaseDirectory, "bundles"), cancellationToken)
                : [];
            if (context.Json)
            {
                Output.WriteJson(new { config = context.ConfigPath, artifacts = config.Artifacts, targets = config.Targets.Keys, bundles = samples });
            }
            else
            {
                Output.Line($"Wrote [bold]{Output.Esc(context.ConfigPath)}[/] and created the store. Next: rewind deploy BUNDLE --target env1");
                foreach (var sample in samples)
                {
                    Output.Line($"  sample bundle: bundles/{Output.Esc(sample)}");
                }
            }

            return 0;
        });
        return command;
    }
}
