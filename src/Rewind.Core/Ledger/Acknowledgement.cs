namespace Rewind.Core.Ledger;

/// <summary>
/// A person's record that something needing investigation was investigated (an over-budget rollback):
/// who, why and when. Until it exists, <c>status</c> and the dashboard keep showing the target as needing it.
/// </summary>
public sealed record Acknowledgement(string Who, string Reason, DateTimeOffset At);
