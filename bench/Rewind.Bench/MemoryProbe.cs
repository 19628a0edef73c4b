using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Rewind.Bench;

/// <summary>
/// Peak memory of a deploy and rollback, measured for a process that does nothing else: the harness starts itself
/// as a child (<c>--child SPEC</c>), the child deploys and rolls back once and reports its own peak resident set
/// (VmHWM from /proc/self/status), which covers the runtime, the heap and native buffers of the drivers. Between
/// the deploy and the rollback it resets the kernel's peak (<c>5</c> into /proc/self/clear_refs), so each has its own.
/// </summary>
internal static class MemoryProbe
{
    public sealed record Spec(string Folder, string Database, string Bundle, string Artifacts);

    /// <summary>The times and peaks; <see cref="RollbackPeakBytes"/> is null where the kernel's peak cannot be reset (then <see cref="PeakBytes"/> covers both).</summary>
    public sealed record Outcome(double DeploySeconds, double RollbackSeconds, long PeakBytes, long DeployPeakBytes, long? RollbackPeakBytes);

    public static async Task<Outcome> RunChildAsync(Spec spec, CancellationToken cancellationToken)
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
            throw new InvalidOperationException($"the memory child exited with {process.ExitCode}: {output}");
        }

        return JsonSerializer.Deserialize<Outcome>(output.Trim().Split('\n')[^1])!;
    }

    /// <summary>The child's side: one deploy and one rollback, then the peak resident set on stdout.</summary>
    public static async Task<int> ChildAsync(string specFile, CancellationToken cancellationToken)
    {
        var spec = JsonSerializer.Deserialize<Spec>(await File.ReadAllTextAsync(specFile, cancellationToken))!;
        var runner = new RewindRunner(spec.Folder, spec.Database, []);
        var engine = await runner.CreateEngineAsync(spec.Artifacts, cancellationToken);
        var deploy = await RewindRunner.DeployAsync(engine, spec.Bundle, cancellationToken);
        var deployPeak = PeakResidentBytes();
        RewindRunner.Settle();
        var reset = ResetPeak();
        var rollback = await RewindRunner.RollbackAsync(engine, cancellationToken);
        var peak = PeakResidentBytes();
        Console.WriteLine(JsonSerializer.Serialize(new Outcome(deploy, rollback, Math.Max(peak, deployPeak), deployPeak, reset ? peak : null)));
        return 0;
    }

    /// <summary>Resets VmHWM to the current resident set (Linux 4.0 and later); false where that is not possible.</summary>
    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
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
