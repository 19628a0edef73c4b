using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Rewind.Bench;

/// <summary>
/// Peak memory of a deploy and of a rollback, each measured for a process that does nothing else, as the CLI runs
/// them: the harness starts itself as a child (<c>--child SPEC</c>) that deploys, then as another that rolls the
/// deployment back (Rewind's store is on disk, so the second finds what the first did); each reports its own peak
/// resident set (VmHWM from /proc/self/status), which covers the runtime, the heap and native buffers of the drivers.
/// </summary>
internal static class MemoryProbe
{
    public const string Deploy = "deploy";
    public const string Rollback = "rollback";

    public sealed record Spec(string Folder, string Database, string Bundle, string Artifacts, string Operation);

    /// <summary>What one child did: its operation's time and its peak resident set.</summary>
    public sealed record ChildOutcome(double Seconds, long PeakBytes);

    public sealed record Outcome(double DeploySeconds, double RollbackSeconds, long DeployPeakBytes, long RollbackPeakBytes)
    {
        public long PeakBytes => Math.Max(DeployPeakBytes, RollbackPeakBytes);
    }

    public static async Task<Outcome> RunChildrenAsync(string folder, string database, string bundle, string artifacts, CancellationToken cancellationToken)
    {
        var deploy = await RunChildAsync(new Spec(folder, database, bundle, artifacts, Deploy), cancellationToken);
        var rollback = await RunChildAsync(new Spec(folder, database, bundle, artifacts, Rollback), cancellationToken);
        return new Outcome(deploy.Seconds, rollback.Seconds, deploy.PeakBytes, rollback.PeakBytes);
    }

    private static async Task<ChildOutcome> RunChildAsync(Spec spec, CancellationToken cancellationToken)
    {
        var specFile = Path.Combine(spec.Folder, "child-spec.json");
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(spec), cancellationToken);
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the harness executable");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(MemoryProbe).Assembly.Location);
        }

        info.ArgumentList.Add("--child");
        info.ArgumentList.Add(specFile);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the child process");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the memory child ({spec.Operation}) exited with {process.ExitCode}: {output}");
        }

        return JsonSerializer.Deserialize<ChildOutcome>(output.Trim().Split('\n')[^1])!;
    }

    /// <summary>The child's side: one deploy or one rollback, then its time and the peak resident set on stdout.</summary>
    public static async Task<int> ChildAsync(string specFile, CancellationToken cancellationToken)
    {
        var spec = JsonSerializer.Deserialize<Spec>(await File.ReadAllTextAsync(specFile, cancellationToken))!;
        var runner = new RewindRunner(spec.Folder, spec.Database, []);
        var engine = await runner.CreateEngineAsync(spec.Artifacts, cancellationToken);
        var seconds = spec.Operation == Deploy
            ? await RewindRunner.DeployAsync(engine, spec.Bundle, cancellationToken)
            : await RewindRunner.RollbackAsync(engine, cancellationToken);
        Console.WriteLine(JsonSerializer.Serialize(new ChildOutcome(seconds, PeakResidentBytes())));
        return 0;
    }

    /// <summary>VmHWM: the peak resident set size of this process, as the kernel counted it.</summary>
    public static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
