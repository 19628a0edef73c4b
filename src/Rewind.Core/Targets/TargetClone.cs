namespace Rewind.Core.Targets;

/// <summary>
/// A throwaway copy of a target for a rehearsal: its <c>database:</c> string and schema (a scratch schema of the
/// same PostgreSQL database; null where the copy is a database of its own), what was copied into it, and how to
/// remove it afterwards.
/// </summary>
public sealed record TargetClone(string Database, string? Schema, string Place, IReadOnlyList<CopiedTable> Copied, Func<CancellationToken, Task> DropAsync)
{
    public long Rows => Copied.Sum(c => c.Rows);
}

/// <summary>One table a rehearsal copied, with the rows it copied.</summary>
public sealed record CopiedTable(string Table, long Rows);
