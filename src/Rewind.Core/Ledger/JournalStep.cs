namespace Rewind.Core.Ledger;

/// <summary>One journal line: a step of a deploy or rollback, <c>started</c>, <c>done</c> or <c>failed</c>, and when.</summary>
public sealed record JournalStep(string Step, string State, DateTimeOffset At, string? Detail = null);
