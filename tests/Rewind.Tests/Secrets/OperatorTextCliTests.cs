using System.Text;
using Rewind.Tests.Support;

namespace Rewind.Tests.Secrets;

/// <summary>
/// What people write is kept and shown as written — never pattern-masked, never printed raw when it holds control
/// characters — and the secret values Rewind holds never leave it. Through the real executable on SQLite.
/// </summary>
public sealed class OperatorTextCliTests : IDisposable
{
    private const string Esc = "\u001b";

    // Unique to these tests; an environment variable named like a secret, which hooks inherit.
    private const string HookSecret = "Vt8-hook-SeCrEt-41q";

    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    [Fact]
    public async Task A_reason_is_stored_exactly_and_its_control_characters_are_shown_escaped()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "targets:\n  env1:\n    database: sqlite:env1.db\n");
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);
        var reason = $"INC-9 password: x token=y {Esc}[31mred{Esc}[0m\rover";

        var rollback = await Rewind("rollback", "--target", "env1", "--yes", "--reason", reason);

        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        var stored = (await Rewind("audit", "--operation", "rollback", "--json")).Json().GetProperty("entries")[0].GetProperty("reason").GetString();
        Assert.Equal(reason, stored);
        Assert.Equal(reason, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments")[0].GetProperty("rollbackReason").GetString());
        foreach (var text in new[] { await Rewind("audit"), await Rewind("history", "--target", "env1"), await Rewind("status") })
        {
            Assert.DoesNotContain(Esc, text.Stdout + text.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("\r", text.Stdout + text.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("***", text.Stdout, StringComparison.Ordinal);
        }

        // Piped, the audit is plain lines, never wrapped: the reason is on one, escaped.
        Assert.Contains(@"INC-9 password: x token=y \x1b[31mred\x1b[0m\rover", (await Rewind("audit")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_actor_name_with_a_line_break_is_refused_and_forges_no_audit_row()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "targets:\n  env1:\n    database: sqlite:env1.db\n");
        Assert.Equal(0, (await Rewind("deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);

        var forged = await Rewind("rollback", "--target", "env1", "--yes", "--as", "mallory\n2026-11-29 03:00:00Z  alice  rollback");

        Assert.Equal(2, forged.ExitCode);
        Assert.Contains(@"--as 'mallory\n2026-11-29", forged.Stderr, StringComparison.Ordinal);
        Assert.Contains("control characters", forged.Stderr, StringComparison.Ordinal);
        Assert.Equal(["deploy"], (await Rewind("audit", "--json")).Json().GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("operation").GetString()));
        Assert.Equal(1, (await Rewind("history", "--target", "env1", "--json")).Json().GetProperty("deployments").GetArrayLength());
    }

    [Fact]
    public async Task A_record_key_with_terminal_escapes_is_shown_escaped_by_diff()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "targets:\n  env1:\n    database: sqlite:env1.db\n");
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", $"k{Esc}[2J{Esc}]0;pwned\u0007", "1").WriteTo(_folder.Combine("b1"));

        var diff = await Rewind("diff", bundle, "--target", "env1");

        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.DoesNotContain(Esc, diff.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains(@"k\x1b[2J\x1b]0;pwned\x07", diff.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checks_output_with_terminal_escapes_is_shown_escaped_when_a_deploy_does_not_verify()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), "targets:\n  env1:\n    database: sqlite:env1.db\n    checks:\n      - name: smoke\n        command: printf '\\033[2Jboom'; exit 1\n");
        var bundle = new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1"));

        var deploy = await Rewind("deploy", bundle, "--target", "env1", "--no-auto-rollback", "--reason", "staging");

        Assert.Equal(4, deploy.ExitCode);
        Assert.DoesNotContain(Esc, deploy.Stdout + deploy.Stderr, StringComparison.Ordinal);
        Assert.Contains(@"\x1b[2Jboom", deploy.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_text_is_printed_as_written()
    {
        var help = await Rewind("serve", "--help");

        Assert.Contains("bearer tokens", help.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("***", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_environment_value_never_appears_in_output_ledger_audit_or_any_file_also_when_wrapped()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            targets:
              env1:
                database: sqlite:env1.db
                hooks:
                  afterDeploy: ["echo \"token is $DEPLOY_TOKEN\"; printf 'wrapped %s\\n  %s\\n' \"${DEPLOY_TOKEN%%SeCrEt*}\" \"SeCrEt${DEPLOY_TOKEN#*SeCrEt}\""]
                  beforeRollback: ["echo \"refusing with $DEPLOY_TOKEN\"; printf '%s\\n%s' \"${DEPLOY_TOKEN%%CrEt*}\" \"CrEt${DEPLOY_TOKEN#*CrEt}\" >&2; exit 3"]

            """);
        var environment = new Dictionary<string, string> { ["DEPLOY_TOKEN"] = HookSecret };
        var outputs = new List<CliResult>
        {
            await CliRunner.RunAsync(_folder.Path, environment, "deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--target", "env1"),
            await CliRunner.RunAsync(_folder.Path, environment, "rollback", "--target", "env1", "--yes", "--reason", "hook test"),
            await CliRunner.RunAsync(_folder.Path, environment, "rollback", "--target", "env1", "--yes", "--json"),
        };
        Assert.Equal(0, outputs[0].ExitCode);
        Assert.NotEqual(0, outputs[1].ExitCode);
        foreach (var args in new[] { new[] { "history", "--target", "env1", "--json" }, ["history", "--target", "env1"], ["audit", "--json"], ["audit"], ["status", "--json"] })
        {
            outputs.Add(await CliRunner.RunAsync(_folder.Path, environment, args));
        }

        Assert.Contains(outputs, o => o.Stdout.Contains("token is ***", StringComparison.Ordinal) || o.Stderr.Contains("token is ***", StringComparison.Ordinal));
        foreach (var output in outputs)
        {
            Assert.DoesNotContain(HookSecret, Unwrapped(output.Stdout + output.Stderr), StringComparison.Ordinal);
        }

        // Every file Rewind wrote (ledger, audit, WAL, artifacts, the target), byte for byte, wrapped forms included.
        foreach (var file in Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("rewind.yaml", StringComparison.Ordinal)))
        {
            var text = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file));
            Assert.DoesNotContain(HookSecret, Unwrapped(text), StringComparison.Ordinal);
        }
    }

    private static string Unwrapped(string text) => text.Replace("\\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Replace("│", "", StringComparison.Ordinal);
}
