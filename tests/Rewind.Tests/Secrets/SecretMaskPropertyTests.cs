using CsCheck;
using Rewind.Cli.Rendering;
using Rewind.Core.Secrets;
using Rewind.Core.Configuration;

namespace Rewind.Tests.Secrets;

/// <summary>
/// Masking hides the secret values Rewind knows, however the text reaches the writer (any split into writes, a
/// wrap inside the value) and never changes text that holds none of them.
/// </summary>
public sealed class SecretMaskPropertyTests
{
    // Unique to these tests: registering it (the mask is process-wide) hides nothing any other test prints.
    private const string Secret = "Kq7-wrap-pRoP-9x2Lm";

    static SecretMaskPropertyTests() => SecretMask.Remember([Secret]);

    private static readonly Gen<string> Plain = Gen.Char["a-z :=\t│|\n"].Array[0, 60].Select(c => new string(c));

    private static readonly Gen<string> Break = Gen.Int[0, 4].Select(i => new[] { "\n", " \n", "\r\n  ", "\n│ ", "  \n| " }[i]);

    /// <summary>Writes <paramref name="text"/> through the CLI's masking writer in pieces cut at <paramref name="cuts"/>.</summary>
    private static string ThroughWriter(string text, int[] cuts)
    {
        var sink = new StringWriter();
        using (var writer = new MaskingWriter(sink))
        {
            var at = 0;
            foreach (var cut in cuts.Select(c => Math.Min(c, text.Length)).Order().Append(text.Length))
            {
                writer.Write(text[at..Math.Max(at, cut)]);
                at = Math.Max(at, cut);
            }

            writer.Flush();
        }

        return sink.ToString();
    }

    private static string Unbroken(string text) => new(text.Where(c => c is not ('\n' or '\r' or ' ' or '\t' or '│' or '|')).ToArray());

    [Fact]
    public void A_known_secret_never_survives_the_writer_whatever_the_split_or_the_wrap() =>
        Gen.Select(Plain, Plain, Gen.Int[1, Secret.Length - 1], Break, Gen.Bool, Gen.Int[0, 200].Array[0, 6])
            .Sample((before, after, wrapAt, lineBreak, wrapped, cuts) =>
            {
                var secret = wrapped ? Secret[..wrapAt] + lineBreak + Secret[wrapAt..] : Secret;
                var output = ThroughWriter(before + secret + after + "\n", cuts);
                Assert.DoesNotContain(Unbroken(Secret), Unbroken(output), StringComparison.Ordinal);
                Assert.Contains(SecretMask.Mask, output, StringComparison.Ordinal);
            });

    [Fact]
    public void Text_without_a_known_secret_comes_out_exactly_as_written() =>
        Gen.Select(Plain, Gen.Int[0, 200].Array[0, 6]).Sample((text, cuts) =>
        {
            Assert.Equal(text, ThroughWriter(text, cuts));
            Assert.Equal(text, SecretMask.Values(text));
        });

    [Theory]
    [InlineData("INC-9 password: reset flow broken")]
    [InlineData("token=y Authorization: Bearer abc.def api_key: 42 secret=s")]
    [InlineData("--as NAME  Who is acting; API requests carry 'Authorization: Bearer TOKEN'")]
    public void What_a_person_wrote_is_not_pattern_masked(string text)
    {
        Assert.Equal(text, SecretMask.Values(text));
        Assert.Equal(text + "\n", ThroughWriter(text + "\n", []));
    }

    [Theory]
    [InlineData("Host=db;Password=hunter2;Database=x", "Host=db;Password=***;Database=x")]
    [InlineData("host=db pwd = 'hunter2' user=u", "host=db pwd = *** user=u")]
    [InlineData("postgres://rewind:hunter2@db:5432/meta", "postgres://rewind:***@db:5432/meta")]
    public void A_driver_message_hides_connection_string_passwords_it_was_not_told_about(string text, string expected) =>
        Assert.Equal(expected, SecretMask.Apply(text));

    [Fact]
    public void The_secrets_of_a_configuration_and_the_environment_are_gathered()
    {
        var config = Rewind.Core.Configuration.ConfigLoader.Parse("""
            store: "postgres:Host=h;Username=u;Password=StorePw-1"
            targets:
              env1:
                database: "postgres:Host=h;Database=d;Pwd='Target;Pw-2'"
            notify:
              webhooks: ["https://hooks.example/x?token=HookTok-3&a=1", "https://u:UrlPw-4@hooks.example/y"]

            """, Path.GetTempPath());
        var environment = new System.Collections.Hashtable { ["DEPLOY_TOKEN"] = "EnvTok-5", ["PATH"] = "/usr/bin", ["PWD"] = "/home/x" };

        Assert.Equal(["StorePw-1", "Target;Pw-2", "HookTok-3", "UrlPw-4", "EnvTok-5"], ConfigSecrets.Of(config, environment).ToArray());
    }
}
