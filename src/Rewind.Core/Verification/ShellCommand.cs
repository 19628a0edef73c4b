using System.Diagnostics;
using System.Text;

namespace Rewind.Core.Verification;

/// <summary>
/// Runs an operator-configured command (a check, a hook, a notifier) through <c>/bin/sh -c</c> with a timeout,
/// keeping the tail of its output. Values from bundles never reach the command line: they travel as
/// environment variables, so a bundle cannot inject shell syntax.
/// </summary>
public static class ShellCommand
{
    private const int ExcerptChars = 4000;

    public static async Task<CommandOutcome> RunAsync(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Append(line).Append('\n');
                if (output.Length > ExcerptChars * 2)
                {
                    output.Remove(0, output.Length - ExcerptChars);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new CommandOutcome(null, false, $"could not start: {e.Message}");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            process.WaitForExit();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return new CommandOutcome(null, true, Excerpt(output));
        }

        return new CommandOutcome(process.ExitCode, false, Excerpt(output));
    }

    private static string Excerpt(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString().TrimEnd();
            return text.Length <= ExcerptChars ? text : "…" + text[^ExcerptChars..];
        }
    }
}

/// <summary>
/// How a command ended: its exit code (null when it timed out or could not start) and the tail of its output.
/// A caller that reports how long it took measures that on its own TimeProvider.
/// </summary>
public sealed record CommandOutcome(int? ExitCode, bool TimedOut, string Output)
{
    public bool Succeeded => ExitCode == 0;
}
