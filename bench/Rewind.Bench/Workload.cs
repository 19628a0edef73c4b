using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rewind.Bench;

/// <summary>
/// The realistic patch the harness deploys, generated deterministically from its size: records spread over the
/// three default layers and four types, bodies of a few hundred bytes to a few KB; of N records 80% update a
/// record the target already holds, 15% create one and 5% delete one. Beside them one new table definition and
/// one data copy (N/100 rows, at least 10) into a reference table the target already holds. The target also
/// holds N/10 records the bundle does not touch. <see cref="BodySize.Small"/> bodies are about half as long
/// (about 350 bytes): what metadata mostly is, and where a per-row cost shows most.
/// </summary>
internal sealed class Workload(int records, BodySize bodies = BodySize.Realistic)
{
    public static readonly string[] Layers = ["platform", "apps", "partner"];
    public static readonly string[] Types = ["workflow", "rule", "mapping", "form"];

    public const string NewTable = "bench_loyalty_tier";
    public const string ReferenceTable = "ref_currency";

    public int Records => records;

    public BodySize Bodies => bodies;

    public int CopyRows => Math.Max(10, records / 100);

    public int Untouched => records / 10;

    public const string ReferenceTableSqlite = """CREATE TABLE IF NOT EXISTS "ref_currency" ("code" TEXT, "name" TEXT, "rate" REAL, "decimals" INTEGER, "active" BOOLEAN, PRIMARY KEY ("code"))""";

    public const string ReferenceTablePostgres = """CREATE TABLE IF NOT EXISTS "ref_currency" ("code" text, "name" text, "rate" double precision, "decimals" bigint, "active" boolean, PRIMARY KEY ("code"))""";

    private enum Change
    {
        Update,
        Create,
        Delete,
    }

    private static Change KindOf(int i) => (i % 20) switch
    {
        0 => Change.Delete,
        1 or 2 or 3 => Change.Create,
        _ => Change.Update,
    };

    private static (string Layer, string Type) FileOf(int i) => (Layers[i % Layers.Length], Types[(i / Layers.Length) % Types.Length]);

    private static string KeyOf(string type, int i) => $"{type}-{i:D8}";

    /// <summary>The records the target holds before the deploy: prior versions of what the bundle updates or deletes, and some it leaves alone.</summary>
    public IEnumerable<(string Layer, string Type, string Key, string Body)> PriorRecords()
    {
        var body = new StringBuilder(4096);
        for (var i = 0; i < records + Untouched; i++)
        {
            if (i < records && KindOf(i) == Change.Create)
            {
                continue;
            }

            var (layer, type) = FileOf(i);
            yield return (layer, type, KeyOf(type, i), Body(body, type, i, version: 1, bodies));
        }
    }

    /// <summary>The rows of the reference table before the deploy.</summary>
    public IEnumerable<(string Code, string Name, double Rate, long Decimals, bool Active)> PriorReferenceRows()
    {
        for (var i = 0; i < CopyRows; i++)
        {
            yield return ($"C{i:D6}", $"Currency {i}", 1 + (i % 997) / 128.0, i % 4, i % 7 != 0);
        }
    }

    /// <summary>Writes the bundle directory; returns its size in bytes.</summary>
    public long WriteBundle(string directory, string id)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(directory, "data"));
        File.WriteAllText(Path.Combine(directory, "bundle.json"), JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["id"] = id,
            ["kind"] = "metadata",
            ["description"] = $"benchmark patch of {records} records",
        }));

        var writers = new Dictionary<string, StreamWriter>(StringComparer.Ordinal);
        StreamWriter Writer(string layer, string type)
        {
            var path = Path.Combine(directory, "records", layer, type + ".ndjson");
            if (!writers.TryGetValue(path, out var writer))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
                writers[path] = writer;
            }

            return writer;
        }

        var body = new StringBuilder(4096);
        for (var i = 0; i < records; i++)
        {
            var (layer, type) = FileOf(i);
            var writer = Writer(layer, type);
            writer.Write("{\"key\":\"");
            writer.Write(KeyOf(type, i));
            writer.WriteLine(KindOf(i) == Change.Delete ? "\",\"delete\":true}" : $"\",\"body\":{Body(body, type, i, version: 2, bodies)}}}");
        }

        Writer("platform", "table").WriteLine(
            "{\"key\":\"" + NewTable + "\",\"body\":{\"columns\":[{\"name\":\"id\",\"type\":\"text\"},{\"name\":\"rank\",\"type\":\"integer\"}," +
            "{\"name\":\"label\",\"type\":\"text\"},{\"name\":\"active\",\"type\":\"boolean\"}],\"primaryKey\":[\"id\"]," +
            "\"indexes\":[{\"name\":\"ix_" + NewTable + "_rank\",\"columns\":[\"rank\"]}]}}");
        foreach (var writer in writers.Values)
        {
            writer.Dispose();
        }

        using (var data = new StreamWriter(Path.Combine(directory, "data", ReferenceTable + ".ndjson"), false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" })
        {
            for (var i = 0; i < CopyRows; i++)
            {
                data.WriteLine($$"""{"code":"C{{i:D6}}","name":"Currency {{i}} (rev. 2)","rate":{{(2 + (i % 991) / 64.0).ToString("0.0###", System.Globalization.CultureInfo.InvariantCulture)}},"decimals":{{i % 3}},"active":{{(i % 5 != 0 ? "true" : "false")}}}""");
            }
        }

        return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
    }

    /// <summary>
    /// A metadata body of a realistic shape; its size is drawn from a skewed distribution: 70% 200–600 bytes,
    /// 25% 600–1500, 5% 1.5–4 KB (about 700 bytes on average); small bodies: 70% 120–320 bytes, 25% 320–700,
    /// 5% 700–1500 (about 350 bytes).
    /// </summary>
    internal static string Body(StringBuilder text, string type, int i, int version, BodySize bodies = BodySize.Realistic)
    {
        var h = Mix((uint)i * 2654435761u ^ (uint)version);
        var bucket = h % 100;
        var spread = (int)(h >> 8);
        var size = bodies == BodySize.Small
            ? bucket < 70 ? 120 + (spread % 200) : bucket < 95 ? 320 + (spread % 380) : 700 + (spread % 800)
            : bucket < 70 ? 200 + (spread % 400) : bucket < 95 ? 600 + (spread % 900) : 1500 + (spread % 2500);
        text.Clear();
        text.Append("{\"name\":\"").Append(type).Append(' ').Append(i).Append("\",\"version\":").Append(version)
            .Append(",\"enabled\":").Append((h & 1) == 0 ? "true" : "false")
            .Append(",\"owner\":\"team-").Append(h % 17).Append("\",\"label\":\"Prüfung ").Append(h % 1000).Append("\",\"steps\":[");
        var step = 0;
        while (text.Length < size - 40)
        {
            var s = Mix(h + (uint)step);
            if (step > 0)
            {
                text.Append(',');
            }

            text.Append("{\"id\":").Append(step).Append(",\"action\":\"").Append(Actions[s % (uint)Actions.Length])
                .Append("\",\"timeout\":").Append(s % 120).Append(".5,\"params\":{\"level\":").Append(s % 5)
                .Append(",\"note\":\"").Append(Notes[(s >> 4) % (uint)Notes.Length]).Append("\"}}");
            step++;
        }

        return text.Append("]}").ToString();
    }

    private static readonly string[] Actions = ["approve", "notify", "route", "escalate", "transform", "validate", "archive"];

    private static readonly string[] Notes =
    [
        "checks the amount against the customer limit",
        "sends the summary to the account owner",
        "waits for the second signature",
        "maps the legacy code onto the new catalogue",
    ];

    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352d;
        x ^= x >> 15;
        x *= 0x846ca68b;
        x ^= x >> 16;
        return x;
    }
}

/// <summary>The two body-size workloads: about 350 bytes (small) and about 700 bytes (realistic).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BodySize>))]
internal enum BodySize
{
    Small,
    Realistic,
}
