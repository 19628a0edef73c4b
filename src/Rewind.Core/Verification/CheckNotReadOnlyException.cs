namespace Rewind.Core.Verification;

/// <summary>
/// A <c>sql:</c> check that is not one read-only statement (it writes, attaches a database, controls the
/// transaction, or holds several statements). The adapter refuses it before or as it runs, inside a read-only
/// transaction that is rolled back, so the target is unchanged; the check counts as failed, with this reason.
/// </summary>
public sealed class CheckNotReadOnlyException(string message, Exception? inner = null) : Exception(message, inner);
