using Rewind.Core.Verification;

namespace Rewind.Cli.Rendering;

/// <summary>Checks in words: a journal's "verify" step says how verification came out, not merely that it ran.</summary>
internal static class CheckView
{
    public static string Outcome(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "[green]passed[/]",
        CheckOutcome.Failed => "[red]failed[/]",
        CheckOutcome.TimedOut => "[yellow]timed out (inconclusive)[/]",
        _ => "[yellow]could not run (inconclusive)[/]",
    };

    /// <summary>The outcome of a verification from its checks: any failure fails it; else any check that did not answer makes it inconclusive.</summary>
    public static string Verification(IReadOnlyList<CheckResult> checks) =>
        checks.Count == 0 ? "passed (no checks configured)"
        : checks.Any(c => c.Outcome == CheckOutcome.Failed) ? "[red]failed[/]"
        : checks.Any(c => c.Outcome != CheckOutcome.Passed) ? "[yellow]inconclusive[/]"
        : "[green]passed[/]";
}
