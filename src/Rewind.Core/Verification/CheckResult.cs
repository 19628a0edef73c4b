namespace Rewind.Core.Verification;

/// <summary>How one check came out. A timeout or a check that could not run is inconclusive, not a failure.</summary>
public enum CheckOutcome
{
    Passed,
    Failed,
    TimedOut,
    Error,
}

public sealed record CheckResult(string Name, CheckOutcome Outcome, string Detail, double Seconds);

/// <summary>The three outcomes of verification (DESIGN: pass, fail, inconclusive).</summary>
public enum VerificationOutcome
{
    Passed,
    Failed,
    Inconclusive,
}

public sealed record VerificationResult(VerificationOutcome Outcome, IReadOnlyList<CheckResult> Checks)
{
    public static VerificationResult From(IReadOnlyList<CheckResult> checks) => new(
        checks.Any(c => c.Outcome == CheckOutcome.Failed) ? VerificationOutcome.Failed
        : checks.Any(c => c.Outcome is CheckOutcome.TimedOut or CheckOutcome.Error) ? VerificationOutcome.Inconclusive
        : VerificationOutcome.Passed,
        checks);

    /// <summary>The first check that did not pass, in words, for messages.</summary>
    public string Summary => Checks.FirstOrDefault(c => c.Outcome != CheckOutcome.Passed) is { } bad
        ? $"check '{bad.Name}' {bad.Outcome.ToString().ToLowerInvariant()}: {bad.Detail}"
        : $"{Checks.Count} checks passed";
}

/// <summary>What one hook command did.</summary>
public sealed record HookResult(string Hook, string Command, int? ExitCode, bool TimedOut, string Output, double Seconds)
{
    public bool Succeeded => ExitCode == 0;
}
