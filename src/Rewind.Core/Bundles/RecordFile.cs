namespace Rewind.Core.Bundles;

/// <summary>A <c>records/&lt;layer&gt;/&lt;type&gt;.ndjson</c> file of a bundle.</summary>
public sealed record RecordFile(string Path, string Layer, string Type, long Count);

/// <summary>A <c>data/&lt;table&gt;.ndjson</c> file of a bundle: the entire new content of one table.</summary>
public sealed record DataCopyFile(string Path, string Table, long Count);

/// <summary>One row of a data copy: a JSON object, as raw UTF-8, with its line for error messages.</summary>
public readonly record struct DataRow(ReadOnlyMemory<byte> Json, long Line);
