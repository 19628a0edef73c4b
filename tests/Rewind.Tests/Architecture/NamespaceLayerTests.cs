using System.Text.RegularExpressions;
using Rewind.Tests.Support;

namespace Rewind.Tests.Architecture;

/// <summary>
/// Core's namespaces form layers, not a knot (issue 18): the ledger model below the orchestration, the
/// configuration's types below what runs them. A namespace depends on another through a <c>using</c> directive or
/// a qualified name (<c>Verification.CheckResult</c>); any cycle in that graph fails with the files that make it.
/// </summary>
public sealed partial class NamespaceLayerTests
{
    [Fact]
    public void Core_namespaces_have_no_dependency_cycle()
    {
        var root = Path.Combine(CliRunner.RepositoryRoot, "src", "Rewind.Core");
        var sources = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllText);

        var graph = DependencyGraph.Read(sources);

        Assert.True(graph.Namespaces.Count >= 15, $"the reader found only {graph.Namespaces.Count} namespaces in {root}");
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "Core's namespaces depend on each other in a cycle:\n" + string.Join("\n", cycles.Select(graph.Explain)));
    }

    [Fact]
    public void The_reader_finds_a_cycle_made_by_a_using_or_by_a_qualified_name()
    {
        var viaUsing = DependencyGraph.Read(new Dictionary<string, string>
        {
            ["A/One.cs"] = "using Rewind.Core.B;\nnamespace Rewind.Core.A;\npublic sealed record One(Two Other);",
            ["B/Two.cs"] = "using Rewind.Core.A;\nnamespace Rewind.Core.B;\npublic sealed record Two(One Other);",
        });
        var viaName = DependencyGraph.Read(new Dictionary<string, string>
        {
            ["A/One.cs"] = "namespace Rewind.Core.A;\npublic sealed record One(B.Two Other);",
            ["B/Two.cs"] = "namespace Rewind.Core.B;\npublic sealed record Two(A.One Other) { public int Count => Other.GetHashCode(); }",
            ["C/Three.cs"] = "namespace Rewind.Core.C;\npublic sealed record Three(A.One Other);",
        });
        var layered = DependencyGraph.Read(new Dictionary<string, string>
        {
            ["A/One.cs"] = "namespace Rewind.Core.A;\npublic sealed record One(int Value);",
            ["B/Two.cs"] = "using Rewind.Core.A;\nnamespace Rewind.Core.B;\npublic sealed record Two(One Other); // mentions C.Three only in a comment",
            ["C/Three.cs"] = "namespace Rewind.Core.C;\npublic sealed record Three(B.Two Other, string Text = \"A.One\");",
        });

        Assert.Equal(["A", "B"], Assert.Single(viaUsing.Cycles()));
        Assert.Equal(["A", "B"], Assert.Single(viaName.Cycles()));
        Assert.Empty(layered.Cycles());
        Assert.Contains("B/Two.cs", viaName.Explain(["A", "B"]), StringComparison.Ordinal);
    }

    /// <summary>Namespace → namespaces it uses, with the files that make each edge.</summary>
    private sealed partial class DependencyGraph
    {
        private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

        public IReadOnlyCollection<string> Namespaces => _edges.Keys;

        public static DependencyGraph Read(IReadOnlyDictionary<string, string> sources)
        {
            var graph = new DependencyGraph();
            var files = sources.Select(s => (Path: s.Key, Code: Strip(s.Value))).ToList();
            var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (_, code) in files)
            {
                var ns = NamespaceOf(code);
                if (ns is null)
                {
                    continue;
                }

                graph._edges.TryAdd(ns, new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
                var types = declared.TryGetValue(ns, out var known) ? known : declared[ns] = new HashSet<string>(StringComparer.Ordinal);
                types.UnionWith(TypeDeclaration().Matches(code).Select(m => m.Groups["name"].Value));
            }

            foreach (var (path, code) in files)
            {
                if (NamespaceOf(code) is not { } from)
                {
                    continue;
                }

                var used = UsingDirective().Matches(code).Select(m => m.Groups["ns"].Value)
                    .Concat(QualifiedName().Matches(code)
                        .Where(m => declared.TryGetValue(m.Groups["ns"].Value, out var types) && types.Contains(m.Groups["type"].Value))
                        .Select(m => m.Groups["ns"].Value));
                foreach (var to in used.Where(to => to != from && declared.ContainsKey(to)))
                {
                    var edge = graph._edges[from].TryGetValue(to, out var known) ? known : graph._edges[from][to] = new SortedSet<string>(StringComparer.Ordinal);
                    edge.Add(path.Replace('\\', '/'));
                }
            }

            return graph;
        }

        /// <summary>The strongly connected components with more than one namespace (Tarjan), each sorted.</summary>
        public IReadOnlyList<IReadOnlyList<string>> Cycles()
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var cycles = new List<IReadOnlyList<string>>();

            void Visit(string node)
            {
                index[node] = low[node] = index.Count;
                stack.Push(node);
                foreach (var next in _edges[node].Keys)
                {
                    if (!index.ContainsKey(next))
                    {
                        Visit(next);
                        low[node] = Math.Min(low[node], low[next]);
                    }
                    else if (stack.Contains(next))
                    {
                        low[node] = Math.Min(low[node], index[next]);
                    }
                }

                if (low[node] == index[node])
                {
                    var component = new List<string>();
                    string member;
                    do
                    {
                        member = stack.Pop();
                        component.Add(member);
                    }
                    while (member != node);

                    if (component.Count > 1)
                    {
                        cycles.Add([.. component.Order(StringComparer.Ordinal)]);
                    }
                }
            }

            foreach (var node in _edges.Keys.Order(StringComparer.Ordinal).Where(n => !index.ContainsKey(n)))
            {
                Visit(node);
            }

            return cycles;
        }

        public string Explain(IReadOnlyList<string> cycle) =>
            $"  {string.Join(", ", cycle)}:\n" + string.Join("\n", cycle.SelectMany(from => _edges[from]
                .Where(e => cycle.Contains(e.Key))
                .Select(e => $"    {from} -> {e.Key}: {string.Join(", ", e.Value.Take(5))}")));

        private static string? NamespaceOf(string code)
        {
            var match = NamespaceDeclaration().Match(code);
            return match.Success ? match.Groups["ns"].Value : null;
        }

        /// <summary>Comments and string literals out, so a word in a sentence is no dependency.</summary>
        private static string Strip(string code) => StringLiteral().Replace(Comment().Replace(code, ""), "\"\"");

        [GeneratedRegex(@"^namespace\s+Rewind\.Core\.(?<ns>\w+)\s*;", RegexOptions.Multiline)]
        private static partial Regex NamespaceDeclaration();

        [GeneratedRegex(@"^using\s+Rewind\.Core\.(?<ns>\w+)\s*;", RegexOptions.Multiline)]
        private static partial Regex UsingDirective();

        [GeneratedRegex(@"(?<![\w.])(?:Rewind\.Core\.|Core\.)?(?<ns>[A-Z]\w*)\.(?<type>[A-Z]\w*)")]
        private static partial Regex QualifiedName();

        [GeneratedRegex(@"^(?:public|internal)\s+(?:(?:static|sealed|abstract|readonly|partial|record)\s+)*(?:class|record|struct|interface|enum)\s+(?<name>\w+)", RegexOptions.Multiline)]
        private static partial Regex TypeDeclaration();

        [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
        private static partial Regex Comment();

        [GeneratedRegex(@"@?""(?:[^""\\\n]|\\.)*""")]
        private static partial Regex StringLiteral();
    }
}
