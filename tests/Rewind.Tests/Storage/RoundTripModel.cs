using CsCheck;

namespace Rewind.Tests.Storage;

/// <summary>
/// Generated bundle sequences for the round-trip property. A spec is abstract (indexes into small universes,
/// so keys collide often); <see cref="Build"/> turns it into a valid bundle against the tables that exist by
/// then, so the same spec always gives the same bundle and CsCheck can shrink it.
/// </summary>
public static class RoundTripModel
{
    public static readonly string[] Layers = ["platform", "apps", "partner"];
    public static readonly string[] Types = ["workflow", "rule"];
    public static readonly string[] Tables = ["ref_a", "ref_b"];

    public static readonly string[] Bodies =
    [
        "1", "1.0", "12345678901234567890123", "-0.0", "null", "true", "\"text\"", "\"caf\\u00e9 \\ud83d\\ude00 😀\"",
        """{"b":1,"a":2}""", """{ "spaced" : [ 1 , 2 ] }""", "[[[[[[1]]]]]]", """{"n":9007199254740993}""", "\"\"", "[]", "{}",
    ];

    // Table shapes: id is always the text primary key; the rest vary so definitions add and drop columns and indexes.
    private static readonly string[] Shapes =
    [
        """{"columns":[{"name":"id","type":"text"},{"name":"v","type":"integer"}],"primaryKey":["id"],"indexes":[{"name":"ix_{t}_v","columns":["v"]}]}""",
        """{"columns":[{"name":"id","type":"text"},{"name":"v","type":"integer"},{"name":"w","type":"text"}],"primaryKey":["id"],"indexes":[{"name":"ix_{t}_w","columns":["w"],"unique":false}]}""",
        """{"columns":[{"name":"id","type":"text"},{"name":"w","type":"text"},{"name":"r","type":"real"}],"primaryKey":["id"],"indexes":[]}""",
    ];

    private static readonly string[][] ShapeColumns = [["v"], ["v", "w"], ["w", "r"]];

    public sealed record RecordOp(int Layer, int Type, int Key, int Body, bool Delete);

    /// <summary>TableAction: 0 none, 1 define with shape <see cref="Shape"/>, 2 delete the definition.</summary>
    public sealed record BundleSpec(RecordOp[] Records, int Table, int TableAction, int Shape, bool Copy, int CopyTable, int[] RowValues);

    public static readonly Gen<RecordOp> RecordGen =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 5], Gen.Int[0, Bodies.Length - 1], Gen.Int[0, 4])
            .Select((l, t, k, b, d) => new RecordOp(l, t, k, b, d == 0));

    public static readonly Gen<BundleSpec> BundleGen =
        Gen.Select(RecordGen.Array[0, 8], Gen.Int[0, 1], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 1], Gen.Int[-1000, 1000].Array[0, 4])
            .Select((r, t, a, s, c, ct, rows) => new BundleSpec(r, t, a, s, c, ct, rows));

    /// <summary>A prior state (one bundle left applied) and 1 to 5 bundles to deploy and roll back.</summary>
    public static readonly Gen<(BundleSpec Prior, BundleSpec[] Sequence)> ScenarioGen = Gen.Select(BundleGen, BundleGen.Array[1, 5]);

    /// <summary>Builds the bundle for <paramref name="spec"/>; <paramref name="tables"/> (table to shape) is updated to the state after it.</summary>
    public static Support.BundleBuilder Build(string id, BundleSpec spec, Dictionary<string, int> tables)
    {
        var bundle = new Support.BundleBuilder(id);
        var seen = new HashSet<(int, int, int)>();
        foreach (var op in spec.Records.Where(op => seen.Add((op.Layer, op.Type, op.Key))))
        {
            if (op.Delete)
            {
                bundle.Delete(Layers[op.Layer], Types[op.Type], $"k{op.Key}");
            }
            else
            {
                bundle.Upsert(Layers[op.Layer], Types[op.Type], $"k{op.Key}", Bodies[op.Body]);
            }
        }

        var table = Tables[spec.Table];
        if (spec.TableAction == 1)
        {
            bundle.Table("platform", table, Shapes[spec.Shape].Replace("{t}", table, StringComparison.Ordinal));
            tables[table] = spec.Shape;
        }
        else if (spec.TableAction == 2)
        {
            bundle.Delete("platform", "table", table);
            tables.Remove(table);
        }

        var copyTable = Tables[spec.CopyTable];
        if (spec.Copy && tables.TryGetValue(copyTable, out var shape))
        {
            var rows = spec.RowValues.Distinct().Select(v => Row(v, ShapeColumns[shape])).ToArray();
            bundle.DataCopy(copyTable, rows);
        }

        return bundle;
    }

    private static string Row(int value, string[] columns)
    {
        var fields = new List<string> { $"\"id\":\"r{value}\"" };
        foreach (var column in columns)
        {
            fields.Add(column switch
            {
                "v" => $"\"v\":{value}",
                "w" => $"\"w\":\"w{value % 7}\"",
                _ => $"\"r\":{value / 8.0:0.0##}",
            });
        }

        return "{" + string.Join(",", fields) + "}";
    }
}
