using System.Text.RegularExpressions;

namespace Rewind.Core.Bundles;

/// <summary>
/// What may be a physical table, column or index name. Names are always quoted in SQL as well; this rule
/// keeps them portable across engines (PostgreSQL truncates past 63 bytes) and keeps Rewind's own
/// <c>rw_</c> namespace out of reach of bundles.
/// </summary>
public static partial class NameRules
{
    public const string ReservedPrefix = "rw_";

    /// <summary>SQLite refuses table and index names it keeps for itself; refused on every engine, so bundles stay portable.</summary>
    public const string SqliteReservedPrefix = "sqlite_";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex TargetNamePattern();

    /// <summary>
    /// Returns null when <paramref name="name"/> can name a target or a group, else why not: the name goes into
    /// commands, URLs, file names and lock keys, so it is kept plain.
    /// </summary>
    public static string? WhyNotTargetName(string name, string what) =>
        TargetNamePattern().IsMatch(name)
            ? null
            : $"'{name}' cannot be a {what} name: use 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>Returns null when <paramref name="name"/> can be a table name, else why not.</summary>
    public static string? WhyNotTableName(string name)
    {
        if (!IdentifierPattern().IsMatch(name))
        {
            return $"'{name}' cannot be a table name: use 1 to 63 letters, digits or underscores, not starting with a digit";
        }

        return name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase)
            ? $"'{name}' uses the prefix '{ReservedPrefix}', which is reserved for Rewind's own tables"
            : WhySqliteReserved(name, "table");
    }

    /// <summary>Returns null when <paramref name="name"/> can be a column or index name, else why not.</summary>
    public static string? WhyNotIdentifier(string name, string what) =>
        !IdentifierPattern().IsMatch(name)
            ? $"'{name}' cannot be a {what} name: use 1 to 63 letters, digits or underscores, not starting with a digit"
            : what == "index" ? WhySqliteReserved(name, what) : null;

    private static string? WhySqliteReserved(string name, string what) =>
        name.StartsWith(SqliteReservedPrefix, StringComparison.OrdinalIgnoreCase)
            ? $"'{name}' uses the prefix '{SqliteReservedPrefix}', which SQLite reserves for its own objects: choose another {what} name"
            : null;

    /// <summary>Layers and types come from file names; they are data (always parameters), but must be printable.</summary>
    public static string? WhyNotLayerOrType(string name, string what)
    {
        if (name.Length == 0)
        {
            return $"the {what} name is empty";
        }

        return name.Any(char.IsControl) ? $"the {what} name contains control characters" : null;
    }

    /// <summary>
    /// The name a quarantined table (or index) goes under: the prefix, the tag of the operation and the name,
    /// kept within 63 characters by a short hash when long, so the same bundle can create the table again later.
    /// </summary>
    public const string QuarantinePrefix = "rw_quarantine_";

    /// <summary>The tag (the operation's id) a quarantined table was moved aside by.</summary>
    public static string QuarantineTag(string quarantined) =>
        quarantined.StartsWith(QuarantinePrefix, StringComparison.Ordinal) && quarantined.IndexOf('_', QuarantinePrefix.Length) is var end and > 0
            ? quarantined[QuarantinePrefix.Length..end]
            : "";

    /// <summary>The original table name of a quarantined table (best effort: long names end in a hash).</summary>
    public static string QuarantinedOriginal(string quarantined)
    {
        var tag = QuarantineTag(quarantined);
        return tag.Length == 0 ? quarantined : quarantined[(QuarantinePrefix.Length + tag.Length + 1)..];
    }

    public static string QuarantineName(string name, string tag)
    {
        var cleanTag = new string(tag.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        var full = $"{QuarantinePrefix}{cleanTag}_{name}";
        if (full.Length <= 63)
        {
            return full;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..8];
        return full[..54] + "_" + hash;
    }
}
