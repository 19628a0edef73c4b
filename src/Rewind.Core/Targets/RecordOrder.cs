using Rewind.Core.Bundles;

namespace Rewind.Core.Targets;

/// <summary>
/// The order <see cref="ITargetSession.ScanRecordsAsync"/> returns records in: layer, type, key, each compared by
/// Unicode code point — what SQLite's BINARY collation and PostgreSQL's "C" collation give over UTF-8 text. An
/// ordinal <see cref="string"/> comparison differs only for characters past U+FFFF (surrogates sort before
/// U+E000..U+FFFF in UTF-16), which is corrected here.
/// </summary>
public sealed class RecordOrder : IComparer<RecordKey>
{
    public static readonly RecordOrder Instance = new();

    private RecordOrder()
    {
    }

    public int Compare(RecordKey x, RecordKey y)
    {
        var layer = CompareText(x.Layer, y.Layer);
        if (layer != 0)
        {
            return layer;
        }

        var type = CompareText(x.Type, y.Type);
        return type != 0 ? type : CompareText(x.Key, y.Key);
    }

    /// <summary>Compares two strings by code point.</summary>
    public static int CompareText(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                return Rank(a[i]) - Rank(b[i]);
            }
        }

        return a.Length - b.Length;
    }

    /// <summary>Moves surrogates above U+FFFF's BMP neighbours, so UTF-16 units sort as the code points they encode.</summary>
    private static int Rank(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
