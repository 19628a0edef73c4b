using Rewind.Core.Bundles;
using Rewind.Core.Configuration;

namespace Rewind.Core.Authoring;

/// <summary>
/// What a <see cref="MakeRequest"/> selects, checked at the edge: layers this configuration knows, printable
/// types, and tables a bundle may write on the target. A table the target would refuse (a business table, a
/// table outside <c>platformTables</c> that no table record defines, a <c>rw_</c> table) is refused, exit 2,
/// before the bundle is written.
/// </summary>
internal sealed class MakeSelection
{
    private readonly HashSet<string>? _layers;
    private readonly HashSet<string>? _types;
    private readonly TargetConfig _target;

    private MakeSelection(HashSet<string>? layers, HashSet<string>? types, IReadOnlyList<string>? tables, TargetConfig target)
    {
        _layers = layers;
        _types = types;
        Tables = tables;
        _target = target;
    }

    /// <summary>The platform tables asked for; null: every one the target declares or a selected table record defines.</summary>
    public IReadOnlyList<string>? Tables { get; }

    public static MakeSelection Create(MakeRequest request, RewindConfig config, TargetConfig target)
    {
        foreach (var layer in request.Layers ?? [])
        {
            if (!config.Layers.Contains(layer, StringComparer.Ordinal))
            {
                throw new BadInputException($"--layers: unknown layer '{layer}': the layers are {string.Join(", ", config.Layers)}");
            }
        }

        foreach (var type in request.Types ?? [])
        {
            if (NameRules.WhyNotLayerOrType(type, "type") is { } why)
            {
                throw new BadInputException($"--types: {why}");
            }
        }

        foreach (var table in request.Tables ?? [])
        {
            if (NameRules.WhyNotTableName(table) is { } why)
            {
                throw new BadInputException($"--tables: {why}; a bundle may not write it");
            }

            RefuseBusiness(target, table, "--tables");
        }

        return new MakeSelection(
            request.Layers?.ToHashSet(StringComparer.Ordinal),
            request.Types?.ToHashSet(StringComparer.Ordinal),
            request.Tables?.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            target);
    }

    public bool Includes(RecordKey address) =>
        (_layers is null || _layers.Contains(address.Layer)) && (_types is null || _types.Contains(address.Type));

    /// <summary>The declared key of a platform table of the target (null: its primary key).</summary>
    public IReadOnlyList<string>? DeclaredKey(string table) =>
        _target.PlatformTables.FirstOrDefault(p => Same(p.Name, table))?.Key;

    /// <summary>The tables whose rows the bundle brings over, each checked writable once the bundle is deployed.</summary>
    public IReadOnlyList<string> TablesToCompare(IReadOnlySet<string> definedAfterDeploy)
    {
        if (Tables is null)
        {
            return _target.PlatformTables.Select(p => p.Name).Concat(definedAfterDeploy)
                .Where(t => !IsBusiness(_target, t)).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        }

        foreach (var table in Tables.Where(t => !definedAfterDeploy.Contains(t) && !_target.PlatformTables.Any(p => Same(p.Name, t))))
        {
            throw new BadInputException(
                $"--tables: '{table}' is not a platform table of target {_target.Name}: a bundle may write only tables declared in platformTables or defined by a table record, " +
                $"and no selected table record defines it. If the platform owns it, declare it in {RewindConfig.FileName}: platformTables: [{table}]; nothing was written");
        }

        return Tables;
    }

    /// <summary>Refuses a table record of a business table: the target would refuse the bundle.</summary>
    public void RefuseBusinessDefinition(RecordKey address)
    {
        if (address.IsTableDefinition)
        {
            RefuseBusiness(_target, address.Key, $"table record {address}");
        }
    }

    private static void RefuseBusiness(TargetConfig target, string table, string where)
    {
        if (IsBusiness(target, table))
        {
            throw new BadInputException($"{where}: '{table}' is a business table of target {target.Name}: Rewind never writes business data or its definition; leave it out of the selection (--tables, --types); nothing was written");
        }
    }

    private static bool IsBusiness(TargetConfig target, string table) => target.BusinessTables.Any(b => Same(b.Name, table));

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
