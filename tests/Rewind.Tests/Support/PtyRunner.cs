using System.Diagnostics;
using System.Text.Json;

namespace Rewind.Tests.Support;

/// <summary>
/// Runs the real <c>rewind</c> executable on a real pseudo-terminal (python3's <c>pty</c> module), as an operator
/// at a terminal would: waits until <c>waitFor</c> appears on the screen, and only then types the answer.
/// </summary>
public static class PtyRunner
{
    private const string Script = """
        import json, os, pty, select, sys, time
        wait_for, answer, cwd, args = sys.argv[1].encode(), sys.argv[2], sys.argv[3], sys.argv[4:]
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(cwd)
            os.execvp(args[0], args)
        def read(until, seconds):
            out, deadline = b"", time.time() + seconds
            while time.time() < deadline and (until is None or until not in out):
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    try:
                        chunk = os.read(fd, 4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    out += chunk
            return out
        before = read(wait_for, 20)
        seen = wait_for in before
        os.write(fd, answer.encode() + b"\n")
        after = read(None, 120)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"seen": seen, "before": before.decode("utf-8", "replace"), "after": after.decode("utf-8", "replace"), "exit": os.waitstatus_to_exitcode(status)}))
        """;

    /// <summary>Starts <c>rewind ARGS</c> on a pty in <paramref name="workingDirectory"/>; types <paramref name="answer"/> once <paramref name="waitFor"/> is on screen (or after a minute).</summary>
    public static Task<PtyResult> RunAsync(string workingDirectory, string waitFor, string answer, params string[] args) =>
        RunAsync(workingDirectory, null, waitFor, answer, args);

    /// <summary>The same with extra environment variables (COLUMNS, say) for the program on the pty.</summary>
    public static async Task<PtyResult> RunAsync(string workingDirectory, IDictionary<string, string>? environment, string waitFor, string answer, params string[] args)
    {
        var script = Path.Combine(Path.GetTempPath(), "rewind-pty.py");
        await File.WriteAllTextAsync(script, Script);
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[script, waitFor, answer, workingDirectory, "dotnet", CliRunner.RewindDll, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["REWIND_USER"] = "cli-tester";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the pty runner failed (exit {process.ExitCode}): {await stderr}");
        }

        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        return new PtyResult(root.GetProperty("seen").GetBoolean(), root.GetProperty("before").GetString()!, root.GetProperty("after").GetString()!, root.GetProperty("exit").GetInt32());
    }
}

/// <summary>What a pty run showed: whether the awaited text appeared before the answer, the screen before and after it, the exit code.</summary>
public sealed record PtyResult(bool SeenBeforeAnswer, string Before, string After, int ExitCode)
{
    public override string ToString() => $"exit {ExitCode}, seen before answering: {SeenBeforeAnswer}\nbefore:\n{Before}\nafter:\n{After}";
}
