using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary><c>rewind token</c> when <c>rewind.yaml</c> declares roles: tokens are an admin's business.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Only_an_admin_may_create_tokens_when_roles_are_declared_and_the_refusal_is_audited()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
            roles:
              root-admin: [admin]
              alice: [operator]
            """);
        var asAlice = CliRunner.As("alice");
        var refused = await CliRunner.RunAsync(_folder.Path, asAlice, "token", "create", "--name", "alice", "--role", "admin");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("takes the admin role", refused.Stderr, StringComparison.Ordinal);

        var created = await CliRunner.RunAsync(_folder.Path, CliRunner.As("root-admin"), "token", "create", "--name", "alice", "--role", "operator");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("shown this once", created.Stdout, StringComparison.Ordinal);

        var audit = (await CliRunner.RunAsync(_folder.Path, "audit", "--json")).Json().GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("who").GetString(), e.GetProperty("operation").GetString(), e.GetProperty("outcome").GetString())).ToList();
        Assert.Equal([("alice", "token-create", "refused:not-authorized"), ("root-admin", "token-create", "succeeded")], audit);
    }
}
