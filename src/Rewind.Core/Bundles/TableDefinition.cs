using System.Text.Json;

namespace Rewind.Core.Bundles;

/// <summary>The column types a table definition may declare.</summary>
public enum ColumnType
{
    Text,
    Integer,
    Real,
    Boolean,
    Json,
    Timestamp,
}

public sealed record ColumnDefinition(string Name, ColumnType Type);

public sealed record IndexDefinition(string Name, IReadOnlyList<string> Columns, bool Unique);

/// <summary>
/// The body of a record of type <c>table</c>: the columns, primary key and indexes of one physical table.
/// Applying it creates the table, or reconciles an existing one to it.
/// </summary>
public sealed record TableDefinition(
    IReadOnlyList<ColumnDefinition> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<IndexDefinition> Indexes)
{
    /// <summary>Parses and validates a table definition body; throws <see cref="FormatException"/> naming the problem.</summary>
    public static TableDefinition Parse(string body)
    {
        using var doc = ParseDocument(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a table definition body must be a JSON object with \"columns\", \"primaryKey\" and \"indexes\"");
        }

        RejectUnknown(root, "table definition", "columns", "primaryKey", "indexes");
        var columns = new List<ColumnDefinition>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in Array(root, "columns", required: true))
        {
            RejectUnknown(column, "column", "name", "type");
            var name = Text(column, "name", "column");
            Check(NameRules.WhyNotIdentifier(name, "column"));
            if (!seen.Add(name))
            {
                throw new FormatException($"column '{name}' is declared twice");
            }

            var typeName = Text(column, "type", $"column '{name}'");
            if (!Enum.TryParse<ColumnType>(typeName, ignoreCase: false, out var type) && !TryParseLower(typeName, out type))
            {
                throw new FormatException($"column '{name}' has unknown type '{typeName}': use text, integer, real, boolean, json or timestamp");
            }

            columns.Add(new ColumnDefinition(name, type));
        }

        if (columns.Count == 0)
        {
            throw new FormatException("a table definition needs at least one column");
        }

        var primaryKey = new List<string>();
        foreach (var item in Array(root, "primaryKey", required: false))
        {
            primaryKey.Add(KnownColumn(item, seen, "primaryKey"));
        }

        var indexes = new List<IndexDefinition>();
        var indexNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var index in Array(root, "indexes", required: false))
        {
            RejectUnknown(index, "index", "name", "columns", "unique");
            var name = Text(index, "name", "index");
            Check(NameRules.WhyNotIdentifier(name, "index"));
            if (name.StartsWith(NameRules.ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"index '{name}' uses the reserved prefix '{NameRules.ReservedPrefix}'");
            }

            if (!indexNames.Add(name))
            {
                throw new FormatException($"index '{name}' is declared twice");
            }

            var indexColumns = Array(index, "columns", required: true).Select(c => KnownColumn(c, seen, $"index '{name}'")).ToList();
            if (indexColumns.Count == 0)
            {
                throw new FormatException($"index '{name}' needs at least one column");
            }

            var unique = index.TryGetProperty("unique", out var u) && u.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException($"index '{name}': \"unique\" must be true or false"),
            };
            indexes.Add(new IndexDefinition(name, indexColumns, unique));
        }

        return new TableDefinition(columns, primaryKey, indexes);
    }

    private static JsonDocument ParseDocument(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the table definition is not valid JSON: {e.Message}", e);
        }
    }

    private static bool TryParseLower(string name, out ColumnType type)
    {
        foreach (var candidate in Enum.GetValues<ColumnType>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.Ordinal) || candidate.ToString().ToLowerInvariant() == name)
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    private static void Check(string? problem)
    {
        if (problem is not null)
        {
            throw new FormatException(problem);
        }
    }

    private static void RejectUnknown(JsonElement element, string what, params string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"each {what} must be a JSON object");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"unknown field \"{property.Name}\" in {what}: expected {string.Join(", ", allowed)}");
            }
        }
    }

    private static string Text(JsonElement element, string property, string what) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{what} needs a string \"{property}\"");

    private static IEnumerable<JsonElement> Array(JsonElement element, string property, bool required)
    {
        if (!element.TryGetProperty(property, out var value))
        {
            return required ? throw new FormatException($"a table definition needs \"{property}\"") : [];
        }

        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().ToList()
            : throw new FormatException($"\"{property}\" must be an array");
    }

    private static string KnownColumn(JsonElement item, HashSet<string> columns, string where)
    {
        if (item.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{where} must list column names as strings");
        }

        var name = item.GetString()!;
        return columns.Contains(name) ? name : throw new FormatException($"{where} names column '{name}', which the table does not declare");
    }
}
