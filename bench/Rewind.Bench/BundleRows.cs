using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Rewind.Bench;

/// <summary>One record change of a bundle as the baselines write it: a body of JSON text, or null for a delete.</summary>
internal sealed record BaselineRecord(string Layer, string Type, string Key, string? Body);

/// <summary>The same record change encoded as UTF-8, as SQLite stores text: what a raw bind copies without converting.</summary>
internal sealed record Utf8Record(byte[] Layer, byte[] Type, byte[] Key, byte[]? Body);

/// <summary>One row of the reference table's data copy.</summary>
internal sealed record ReferenceRow(string Code, string Name, double Rate, long Decimals, bool Active);

/// <summary>
/// A bundle's rows as the baselines write them. <see cref="Stream"/> parses the bundle's NDJSON as a client loop
/// does, row by row; <see cref="Load"/> holds them in memory, read before the engine-limit baseline's clock starts.
/// </summary>
internal sealed class BundleRows
{
    private BundleRows(IReadOnlyList<BaselineRecord> records, IReadOnlyList<ReferenceRow> referenceRows)
    {
        Records = records;
        ReferenceRows = referenceRows;
        var names = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        byte[] Name(string name) => names.TryGetValue(name, out var bytes) ? bytes : names[name] = Encoding.UTF8.GetBytes(name);
        Utf8Records = records.Select(r => new Utf8Record(Name(r.Layer), Name(r.Type), Encoding.UTF8.GetBytes(r.Key), r.Body is null ? null : Encoding.UTF8.GetBytes(r.Body))).ToList();
    }

    public IReadOnlyList<BaselineRecord> Records { get; }

    public IReadOnlyList<Utf8Record> Utf8Records { get; }

    public IReadOnlyList<ReferenceRow> ReferenceRows { get; }

    public static BundleRows Load(string bundle) => new(Stream(bundle).ToList(), StreamReference(bundle).ToList());

    /// <summary>The bundle's record changes, file by file in name order, parsed one line at a time.</summary>
    public static IEnumerable<BaselineRecord> Stream(string bundle)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(bundle, "records"), "*.ndjson", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var layer = Path.GetFileName(Path.GetDirectoryName(file)!);
            var type = Path.GetFileNameWithoutExtension(file);
            foreach (var (key, body) in ReadRecordLines(file))
            {
                yield return new BaselineRecord(layer, type, key, body);
            }
        }
    }

    /// <summary>The reference table's data copy, parsed one line at a time.</summary>
    public static IEnumerable<ReferenceRow> StreamReference(string bundle)
    {
        foreach (var line in ReadLines(Path.Combine(bundle, "data", Workload.ReferenceTable + ".ndjson")))
        {
            var (code, name, rate, decimals, active) = ParseReferenceRow(line);
            yield return new ReferenceRow(code, name, rate, decimals, active);
        }
    }

    /// <summary>Reads a records file as the baseline does: the key and the raw body text (null for a delete), nothing more.</summary>
    private static IEnumerable<(string Key, string? Body)> ReadRecordLines(string path)
    {
        foreach (var line in ReadLines(path))
        {
            var reader = new Utf8JsonReader(line);
            string? key = null, body = null;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKey = reader.ValueTextEquals("key"u8);
                var isBody = reader.ValueTextEquals("body"u8);
                reader.Read();
                if (isKey)
                {
                    key = reader.GetString();
                }
                else if (isBody)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    body = Encoding.UTF8.GetString(line.AsSpan(start, (int)reader.BytesConsumed - start));
                }
                else
                {
                    reader.Skip();
                }
            }

            yield return (key!, body);
        }
    }

    /// <summary>One row of the reference table's data copy, parsed.</summary>
    private static (string Code, string Name, double Rate, long Decimals, bool Active) ParseReferenceRow(byte[] line)
    {
        var reader = new Utf8JsonReader(line);
        string code = "", name = "";
        double rate = 0;
        long decimals = 0;
        var active = false;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "code":
                    code = reader.GetString()!;
                    break;
                case "name":
                    name = reader.GetString()!;
                    break;
                case "rate":
                    rate = reader.GetDouble();
                    break;
                case "decimals":
                    decimals = reader.GetInt64();
                    break;
                default:
                    active = reader.GetBoolean();
                    break;
            }
        }

        return (code, name, rate, decimals, active);
    }

    /// <summary>The lines of an NDJSON file as byte arrays.</summary>
    private static IEnumerable<byte[]> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var pending = new ArrayBufferWriter<byte>(1 << 12);
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            var start = 0;
            while (start < read)
            {
                var newline = Array.IndexOf(chunk, (byte)'\n', start, read - start);
                if (newline < 0)
                {
                    pending.Write(chunk.AsSpan(start, read - start));
                    break;
                }

                pending.Write(chunk.AsSpan(start, newline - start));
                if (pending.WrittenCount > 0)
                {
                    yield return pending.WrittenSpan.ToArray();
                }

                pending.ResetWrittenCount();
                start = newline + 1;
            }
        }

        if (pending.WrittenCount > 0)
        {
            yield return pending.WrittenSpan.ToArray();
        }
    }
}
