using System.Diagnostics;
using System.Text.Json;

namespace Rewind.Tests.Support;

/// <summary>Runs the real <c>rewind</c> executable as a process, as a user or a pipeline would.</summary>
public static class CliRunner
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The built CLI assembly, from the same configuration as the tests.</summary>
    public static string RewindDll { get; } = Path.Combine(RepositoryRoot, "src", "Rewind.Cli", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "rewind.dll");

    /// <summary>The environment of a run as <paramref name="who"/> (the identity the audit and the roles see).</summary>
    public static IDictionary<string, string> As(string who) => new Dictionary<string, string> { ["REWIND_USER"] = who };

    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] args) =>
        await RunAsync(workingDirectory, null, args);

    public static async Task<CliResult> RunAsync(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RewindDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["REWIND_USER"] = "cli-tester";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return await RunProcessAsync(start);
    }

    /// <summary>Runs any program to its end (stdin closed, at most 3 minutes unless said) and returns what it printed.</summary>
    public static async Task<CliResult> RunProcessAsync(ProcessStartInfo start, TimeSpan? limit = null)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Runs documentation's shell lines verbatim as a newcomer pasting them would: bash with <c>set -euo pipefail</c>,
    /// <c>rewind</c> being the built CLI, as user <c>newcomer</c>.
    /// </summary>
    public static Task<CliResult> RunScriptAsync(string workingDirectory, string lines, TimeSpan limit)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = workingDirectory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"set -euo pipefail\nrewind() {{ dotnet '{RewindDll}' \"$@\"; }}\n{lines}");
        start.Environment["REWIND_USER"] = "newcomer";
        return RunProcessAsync(start, limit);
    }

    /// <summary>Starts the executable without waiting, for tests that kill it or race it.</summary>
    public static Process Start(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RewindDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rewind.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Rewind.slnx) above " + AppContext.BaseDirectory);
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json()
    {
        try
        {
            using var doc = JsonDocument.Parse(Stdout);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"stdout is not one JSON object (exit {ExitCode}):\n{Stdout}\nstderr:\n{Stderr}", e);
        }
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
