using Rewind.Core.Verification;
using System.Globalization;
using Rewind.Core.Targets;
using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

/// <summary>Runs a target's checks with bounded parallelism and turns them into pass, fail or inconclusive.</summary>
public sealed class Verifier(HttpClient http, string workingDirectory, TimeProvider time, int parallelism = 4)
{
    public async Task<VerificationResult> VerifyAsync(IReadOnlyList<CheckConfig> checks, ITargetStore target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var results = new CheckResult[checks.Count];
        await Parallel.ForAsync(0, checks.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            results[i] = await RunAsync(checks[i], target, environment, ct);
        });
        return VerificationResult.From(results);
    }

    private async Task<CheckResult> RunAsync(CheckConfig check, ITargetStore target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        using var span = Observability.RewindTracing.Step($"check {check.Name}");
        var result = await RunCheckAsync(check, target, environment, cancellationToken);
        Observability.RewindTracing.Outcome(span, result.Outcome.ToString().ToLowerInvariant(), result.Outcome == CheckOutcome.Passed ? null : result.Detail);
        return result;
    }

    private async Task<CheckResult> RunCheckAsync(CheckConfig check, ITargetStore target, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        CheckResult Result(CheckOutcome outcome, string detail) => new(check.Name, outcome, detail, time.GetElapsedTime(start).TotalSeconds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(check.Timeout);

        async Task<CheckResult> HttpAsync(HttpCheck h, CancellationToken token)
        {
            using var response = await http.GetAsync(h.Url, token);
            var body = await response.Content.ReadAsStringAsync(token);
            var status = (int)response.StatusCode;
            if (status < h.ExpectStatus.Min || status > h.ExpectStatus.Max)
            {
                return Result(CheckOutcome.Failed, $"GET {h.Url} returned {status}, expected {h.ExpectStatus.Min}-{h.ExpectStatus.Max}: {Excerpt(body)}");
            }

            return h.BodyContains is { } expected && !body.Contains(expected, StringComparison.Ordinal)
                ? Result(CheckOutcome.Failed, $"GET {h.Url} returned {status} without \"{expected}\" in its body: {Excerpt(body)}")
                : Result(CheckOutcome.Passed, $"GET {h.Url} returned {status}");
        }

        async Task<CheckResult> CommandAsync(CommandCheck c)
        {
            var outcome = await ShellCommand.RunAsync(c.Command, workingDirectory, environment, c.Timeout, cancellationToken);
            return outcome.TimedOut ? Result(CheckOutcome.TimedOut, $"timed out after {c.Timeout.TotalSeconds:0.#}s: {outcome.Output}")
                : outcome.ExitCode is null ? Result(CheckOutcome.Error, outcome.Output)
                : outcome.Succeeded ? Result(CheckOutcome.Passed, outcome.Output)
                : Result(CheckOutcome.Failed, string.IsNullOrWhiteSpace(outcome.Output) ? $"exit {outcome.ExitCode} (no output)" : $"exit {outcome.ExitCode}: {outcome.Output}");
        }

        async Task<CheckResult> SqlAsync(SqlCheck s, CancellationToken token)
        {
            var value = await target.EvaluateAsync(s.Sql, token);
            return IsTrue(value)
                ? Result(CheckOutcome.Passed, $"returned {Format(value)}")
                : Result(CheckOutcome.Failed, $"returned {Format(value)}, expected true");
        }

        try
        {
            return check switch
            {
                HttpCheck h => await HttpAsync(h, deadline.Token),
                CommandCheck c => await CommandAsync(c),
                SqlCheck s => await SqlAsync(s, deadline.Token),
                _ => throw new ArgumentOutOfRangeException(nameof(check), check.GetType().Name, "checks are http, command or sql"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(CheckOutcome.TimedOut, $"timed out after {check.Timeout.TotalSeconds:0.#}s");
        }
        catch (CheckNotReadOnlyException e)
        {
            return Result(CheckOutcome.Failed, e.Message);
        }
        catch (HttpRequestException e)
        {
            return Result(CheckOutcome.Error, $"could not reach {(check as HttpCheck)?.Url}: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Result(CheckOutcome.Error, $"could not run: {e.Message}");
        }
    }

    private static bool IsTrue(object? value) => value switch
    {
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        string s => s is "1" or "t" or "true",
        _ => false,
    };

    private static string Format(object? value) => value is null or DBNull ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    private static string Excerpt(string body) => body.Length <= 200 ? body : body[..200] + "…";
}
