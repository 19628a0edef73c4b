using Rewind.Core;
using Rewind.Core.Configuration;

namespace Rewind.Tests.PlatformTables;

/// <summary><c>platformTables</c> in rewind.yaml: top level and per target, names, unique keys and the live-edit policy.</summary>
public sealed class PlatformTableConfigTests
{
    private static RewindConfig Parse(string yaml) => ConfigLoader.Parse(yaml, Path.GetTempPath());

    [Fact]
    public void Top_level_and_per_target_platform_tables_are_merged_with_their_keys_and_policies()
    {
        var config = Parse("""
            platformTables: [feature_flag]
            targets:
              env1:
                database: sqlite:env1.db
                platformTables:
                  - wf_definition
                  - name: core_config
                    key: [scope, scope_id, path]
                    liveEdits: restore
            """);

        var tables = config.Targets["env1"].PlatformTables;
        Assert.Equal(["feature_flag", "wf_definition", "core_config"], tables.Select(t => t.Name));
        Assert.Equal(["scope", "scope_id", "path"], tables[2].Key);
        Assert.Equal(LiveEditPolicy.Restore, tables[2].LiveEdits);
        Assert.Equal(LiveEditPolicy.Keep, tables[0].LiveEdits);
        Assert.Null(tables[1].Key);
    }

    [Theory]
    [InlineData("platformTables: [orders]\nbusinessTables: [orders]", "'orders' is declared both as a business table and as a platform table")]
    [InlineData("platformTables: [rw_records]", "reserved for Rewind's own tables")]
    [InlineData("platformTables: [\"drop table x\"]", "cannot be a table name")]
    [InlineData("platformTables: [{name: core_config, liveEdits: maybe}]", "liveEdits is 'keep'")]
    [InlineData("platformTables: [{name: core_config, keys: [a]}]", "keys")]
    [InlineData("platformTables: [{key: [a]}]", "a platform table needs a 'name'")]
    public void A_bad_platform_table_declaration_is_refused_naming_the_problem(string section, string expected)
    {
        var error = Assert.ThrowsAny<BadInputException>(() => Parse($"""
            {section}
            targets:
              env1:
                database: sqlite:env1.db
            """));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
