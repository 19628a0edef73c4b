namespace Rewind.Core.Targets;

/// <summary>What a physical table looks like now: column names, primary key and named indexes.</summary>
public sealed record TableShape(IReadOnlyList<string> Columns, IReadOnlyList<string> PrimaryKey, IReadOnlyList<string> Indexes);

/// <summary>A table a rollback moved aside, with the rows it held.</summary>
public sealed record QuarantinedTable(string Table, string As, long Rows);

/// <summary>A copy of a target database: its <c>database:</c> string, and how to remove it afterwards.</summary>
public sealed record TargetClone(string Database, Func<CancellationToken, Task> DropAsync);
