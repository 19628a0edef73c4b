using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Rewind.Tests.Hostile;

/// <summary>
/// Seed bundles and the mutations the fuzz applies to them: byte flips, truncations, invalid UTF-8, wrong JSON
/// types, duplicate keys and lines, unknown fields, huge numbers, deep nesting, long lines, odd files. Every
/// choice comes from one <see cref="Random"/>, so a case number reproduces its bundle exactly.
/// </summary>
internal static class BundleMutation
{
    /// <summary>Valid bundles the mutations start from.</summary>
    public static readonly IReadOnlyList<IReadOnlyDictionary<string, byte[]>> Seeds =
    [
        Files(
            ("bundle.json", """{"id":"2026.11.3-platform","kind":"metadata","description":"fuzz seed"}"""),
            ("records/platform/table.ndjson", """{"key":"tier","body":{"columns":[{"name":"id","type":"text"},{"name":"rank","type":"integer"},{"name":"meta","type":"json"}],"primaryKey":["id"],"indexes":[{"name":"ix_tier_rank","columns":["rank"],"unique":false}]}}""" + "\n"),
            ("records/platform/workflow.ndjson",
                """{"key":"w1","body":{"steps":[1,2.50,-3e2,{"x":null}],"name":"caf\u00e9 \ud83d\ude00","flag":true}}""" + "\n" +
                """{"key":"w2","body":"plain"}""" + "\n" +
                """{"key":"w3","body":12345678901234567890}""" + "\n" +
                """{"key":"w4","delete":true}""" + "\n"),
            ("records/apps/rule.ndjson", """{"key":"r1","body":{ "a" : [ ] , "b" : { } }}""" + "\r\n" + """{"key":"r2","body":null}""" + "\n\n"),
            ("data/tier.ndjson", """{"id":"gold","rank":1,"meta":{"a":[1,2]}}""" + "\n" + """{"id":"silver","rank":2,"meta":null}""" + "\n")),
        Files(
            ("bundle.json", """{"id":"rel-1","kind":"release","code":{"frontend":{"artifact":"artifacts/front.zip","sha256":"0f90406cb5de9daa8b88c730c6489c6fe213ed9ff739894e19fb33cd90641b70","version":"1.4.2"},"backend":{"artifact":"registry.example/api:1.4.2","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","version":"1.4.2"}}}"""),
            ("artifacts/front.zip", "not really a zip, but bytes"),
            ("records/partner/flow.ndjson", """{"key":"f","body":[[[[["deep"]]]]]}""" + "\n")),
        Files(
            ("bundle.json", """{"id":"tiny"}"""),
            ("records/platform/rule.ndjson", """{"key":"k","body":1}"""),
            ("data/orders_ref.ndjson", "")),
    ];

    private static readonly string[] WrongValues = ["0", "-1", "1.5", "\"text\"", "\"\"", "true", "false", "null", "[]", "{}", "[1,\"a\"]", "{\"key\":\"nested\"}", "1e999", "-0"];

    private static readonly string[] OddPaths =
    [
        "notes.txt", "records/platform/x.json", "records/Platform/rule.ndjson", "records/platform/a b.ndjson", "records/rw_x/rule.ndjson",
        "records/platform/deep/rule.ndjson", "data/rw_records.ndjson", "data/1bad.ndjson", "data/new_table.ndjson", "records/partner/table.ndjson",
        "artifacts/other.zip", "BUNDLE.JSON",
    ];

    /// <summary>Mutates a copy of a seed; returns the files and a description of what was done, for the failure message.</summary>
    public static (Dictionary<string, byte[]> Files, string Description) Mutate(Random random)
    {
        var files = Seeds[random.Next(Seeds.Count)].ToDictionary(f => f.Key, f => f.Value.ToArray(), StringComparer.Ordinal);
        var done = new List<string>();
        var count = random.Next(10) < 7 ? 1 : random.Next(2, 5);
        for (var i = 0; i < count; i++)
        {
            done.Add(MutateOnce(random, files));
        }

        return (files, string.Join("; ", done));
    }

    /// <summary>The files as a zip in memory, sometimes under a top folder, sometimes with its bytes damaged too.</summary>
    public static (byte[] Zip, string Description) Zip(Random random, IReadOnlyDictionary<string, byte[]> files)
    {
        var prefix = random.Next(4) == 0 ? "top/" : "";
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in files.OrderBy(_ => random.Next()))
            {
                var entry = zip.CreateEntry(prefix + path, random.Next(3) == 0 ? CompressionLevel.NoCompression : CompressionLevel.Fastest);
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        }

        var zipped = memory.ToArray();
        var damage = random.Next(3);
        if (damage == 1)
        {
            for (var i = 0; i < random.Next(1, 4); i++)
            {
                zipped[random.Next(zipped.Length)] ^= (byte)(1 << random.Next(8));
            }

            return (zipped, $"zip{(prefix.Length > 0 ? " under top/" : "")}, bytes flipped");
        }

        if (damage == 2)
        {
            return (zipped[..random.Next(zipped.Length)], $"zip{(prefix.Length > 0 ? " under top/" : "")}, truncated");
        }

        return (zipped, $"zip{(prefix.Length > 0 ? " under top/" : "")}");
    }

    private static string MutateOnce(Random random, Dictionary<string, byte[]> files)
    {
        if (files.Count == 0)
        {
            files["bundle.json"] = "{}"u8.ToArray();
            return "every file gone: an empty bundle.json added";
        }

        var path = files.Keys.Order(StringComparer.Ordinal).ElementAt(random.Next(files.Count));
        var bytes = files[path];
        switch (random.Next(16))
        {
            case 0:
                if (bytes.Length == 0)
                {
                    return "flip in an empty file (none)";
                }

                var at = random.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << random.Next(8));
                return $"{path}: bit flipped at {at}";
            case 1:
                var keep = bytes.Length == 0 ? 0 : random.Next(bytes.Length);
                files[path] = bytes[..keep];
                return $"{path}: truncated to {keep}";
            case 2:
                byte[][] invalid = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82]];
                var bad = invalid[random.Next(invalid.Length)];
                var where = random.Next(bytes.Length + 1);
                files[path] = [.. bytes[..where], .. bad, .. bytes[where..]];
                return $"{path}: invalid UTF-8 {Convert.ToHexString(bad)} at {where}";
            case 3 or 4:
                return WrongType(random, files, path);
            case 5:
                return EditLine(random, files, path, "duplicate field", line => InsertAfterBrace(line, DuplicateField(random, line)));
            case 6:
                return EditLine(random, files, path, "unknown field", line => InsertAfterBrace(line, $"\"{(random.Next(2) == 0 ? "bodyy" : "x" + random.Next(100))}\":1,"));
            case 7:
                return EditLine(random, files, path, "huge number", line => HugeNumber(random, line));
            case 8:
                var lines = Lines(bytes);
                if (lines.Count == 0)
                {
                    return $"{path}: duplicate line (empty)";
                }

                lines.Insert(random.Next(lines.Count + 1), lines[random.Next(lines.Count)]);
                files[path] = Join(lines);
                return $"{path}: a line duplicated";
            case 9:
                var depth = random.Next(3) switch { 0 => random.Next(60, 70), 1 => random.Next(16, 20), _ => 5000 };
                var deep = new string('[', depth) + new string(']', depth);
                return EditLine(random, files, path, $"nested {depth} deep", line => ReplaceValue(random, line, deep));
            case 10:
                var longText = "\"" + new string('x', random.Next(3) == 0 ? 5000 : 1500) + "\"";
                return EditLine(random, files, path, "long value", line => ReplaceValue(random, line, longText));
            case 11:
                var removed = files.Keys.ElementAt(random.Next(files.Count));
                files.Remove(removed);
                return $"removed {removed}";
            case 12:
                var odd = OddPaths[random.Next(OddPaths.Length)];
                files[odd] = random.Next(2) == 0 ? Encoding.UTF8.GetBytes("""{"key":"odd","body":1}""" + "\n") : [];
                return $"added {odd}";
            case 13:
                byte[][] prefixes = [[0xEF, 0xBB, 0xBF], [0], "\r\n"u8.ToArray(), " \t\n"u8.ToArray(), "\n\n\n"u8.ToArray()];
                var prefix = prefixes[random.Next(prefixes.Length)];
                files[path] = random.Next(2) == 0 ? [.. prefix, .. bytes] : [.. bytes, .. prefix];
                return $"{path}: odd bytes {Convert.ToHexString(prefix)} added";
            case 14:
                return EditLine(random, files, path, "key changed", line => ReplaceKey(random, line));
            default:
                var text = Encoding.UTF8.GetString(bytes).Replace("\n", random.Next(2) == 0 ? "\r\n" : "\n\u2028", StringComparison.Ordinal);
                files[path] = Encoding.UTF8.GetBytes(text);
                return $"{path}: line ends changed";
        }
    }

    private static string WrongType(Random random, Dictionary<string, byte[]> files, string path) =>
        EditLine(random, files, path, "wrong type", line =>
        {
            try
            {
                return ReplaceWithWrongType(random, line);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
            {
                // Not parseable as a tree (an earlier mutation broke it, or a key repeats): leave the line as it is.
                return line;
            }
        });

    private static string ReplaceWithWrongType(Random random, string line)
    {
            var node = JsonNode.Parse(line);

            // Walk down to a random container and replace one of its values by a value of another type.
            var current = node;
            for (var hops = random.Next(1, 5); hops > 0; hops--)
            {
                var children = current switch
                {
                    JsonObject o => o.Select(p => p.Value).ToList(),
                    JsonArray a => a.ToList(),
                    _ => [],
                };
                var next = children.Where(c => c is JsonObject or JsonArray).ToList();
                if (next.Count == 0 || random.Next(3) == 0)
                {
                    break;
                }

                current = next[random.Next(next.Count)];
            }

            var wrong = JsonNode.Parse(WrongValues[random.Next(WrongValues.Length)] is var w && w == "1e999" ? "1e308" : w);
            switch (current)
            {
                case JsonObject o when o.Count > 0:
                    o[o.ElementAt(random.Next(o.Count)).Key] = wrong;
                    break;
                case JsonArray a when a.Count > 0:
                    a[random.Next(a.Count)] = wrong;
                    break;
                default:
                    node = wrong;
                    break;
            }

            return node?.ToJsonString() ?? "null";
    }

    private static string EditLine(Random random, Dictionary<string, byte[]> files, string path, string what, Func<string, string> edit)
    {
        var lines = Lines(files[path]);
        if (lines.Count == 0)
        {
            return $"{path}: {what} (no line)";
        }

        var index = random.Next(lines.Count);
        lines[index] = edit(lines[index]);
        files[path] = Join(lines);
        return $"{path}, line {index + 1}: {what}";
    }

    private static string InsertAfterBrace(string line, string insert)
    {
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        return brace < 0 ? insert + line : line[..(brace + 1)] + insert + line[(brace + 1)..];
    }

    private static string DuplicateField(Random random, string line)
    {
        string[] fields = ["\"key\":\"dup\",", "\"body\":2,", "\"delete\":true,", "\"id\":\"again\",", "\"kind\":\"metadata\",", "\"columns\":[],"];
        return fields[random.Next(fields.Length)];
    }

    private static string HugeNumber(Random random, string line)
    {
        string[] huge = ["1" + new string('9', 400), "1e99999", "-1E-99999", "123456789012345678901234567890.5", "0.000000000000000000000000000001", "-9223372036854775809", "18446744073709551616"];
        var number = huge[random.Next(huge.Length)];
        var digit = line.IndexOfAny("0123456789".ToCharArray());
        if (digit < 0)
        {
            return ReplaceValue(random, line, number);
        }

        var end = digit;
        while (end < line.Length && (char.IsAsciiDigit(line[end]) || line[end] is '.' or 'e' or 'E' or '-' or '+'))
        {
            end++;
        }

        return line[..digit] + number + line[end..];
    }

    /// <summary>Replaces the text after the first ':' up to the next ',' or '}' (a value, roughly) by <paramref name="value"/>.</summary>
    private static string ReplaceValue(Random random, string line, string value)
    {
        var colons = Enumerable.Range(0, line.Length).Where(i => line[i] == ':').ToList();
        if (colons.Count == 0)
        {
            return value;
        }

        var colon = colons[random.Next(colons.Count)];
        var end = line.IndexOfAny([',', '}'], colon + 1);
        return line[..(colon + 1)] + value + (end < 0 ? "}" : line[end..]);
    }

    private static string ReplaceKey(Random random, string line)
    {
        string[] keys = ["\"\"", "\"rw_records\"", "\"a\\u0000b\"", "\"../../etc\"", "\"" + new string('k', 300) + "\"", "\"tier; DROP TABLE x\"", "\"gold\"", "\"w1\""];
        const string Key = "\"key\":";
        var at = line.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return line;
        }

        var start = at + Key.Length;
        var end = line.IndexOfAny([',', '}'], start);
        return line[..start] + keys[random.Next(keys.Length)] + (end < 0 ? "" : line[end..]);
    }

    private static List<string> Lines(byte[] bytes) =>
        bytes.Length == 0 ? [] : [.. Encoding.UTF8.GetString(bytes).Split('\n')];

    private static byte[] Join(List<string> lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines));

    private static Dictionary<string, byte[]> Files(params (string Path, string Text)[] files) =>
        files.ToDictionary(f => f.Path, f => Encoding.UTF8.GetBytes(f.Text), StringComparer.Ordinal);
}
