using System.Diagnostics;
using FluentAssertions;
using IGOSpp.Onnx;
using NUnit.Framework;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// Mutants of the committed PyTorch-exported fixtures: OnnxModel.Load either imports them or throws
/// InvalidDataException / NotSupportedException naming the file and the problem; nothing else escapes, nothing crashes.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxFuzzTests
{
    private const int RandomMutantsPerFixture = 40;

    private static readonly (string Name, byte[] Bytes)[] Fixtures = FamilyFixtures.Exports()
        .Select(e => (e.File, File.ReadAllBytes(FamilyFixtures.PathOf(e.File))))
        .ToArray();

    [Test]
    public void Load_RandomMutantsOfEveryFixture_ImportOrThrowDocumentedExceptionsNamingTheFile()
    {
        var random = new Random(20261201);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var count = 0;
        foreach (var (name, bytes) in Fixtures)
        {
            for (var m = 0; m < RandomMutantsPerFixture; m++)
            {
                var (kind, mutant) = Mutate(bytes, random);
                var source = $"{name}#{m}-{kind}";
                var outcome = LoadOutcome(mutant, source);
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                count++;
            }
        }

        TestContext.Out.WriteLine($"{count} mutants in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        count.Should().BeGreaterThanOrEqualTo(1000);
        outcomes.Keys.Should().Contain("InvalidDataException", "most corruptions break the encoding");
    }

    [Test]
    public void Load_FixtureWithATensorOfATrillionElements_ThrowsInvalidDataNamingTheTensor()
    {
        foreach (var (name, bytes) in Fixtures)
        {
            // No data for 10^12 declared floats: rejected from the declared size, before anything is allocated.
            var extra = new OnnxModelWriter(13).Output("fuzz_out")
                .RawInitializer(OnnxModelWriter.RawTensor("trillion", 1, [], 1_000_000, 1_000_000))
                .Node("Add", ["logits", "trillion"], ["fuzz_out"], "fuzz_add")
                .ToGraphFieldBytes();

            var act = () => OnnxModel.Load(new MemoryStream([.. bytes, .. extra]), new OnnxImportOptions { OutputName = "fuzz_out" }, name);

            act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(name) && e.Message.Contains("'trillion'"));
        }
    }

    [Test]
    public void Load_FixtureWithANodeReadingAValueNoOneProduces_ThrowsInvalidDataNamingTheValue()
    {
        foreach (var (name, bytes) in Fixtures)
        {
            var extra = new OnnxModelWriter(13).Output("fuzz_out")
                .Node("Add", ["logits", "never_produced"], ["fuzz_out"], "fuzz_add")
                .ToGraphFieldBytes();

            var act = () => OnnxModel.Load(new MemoryStream([.. bytes, .. extra]), new OnnxImportOptions { OutputName = "fuzz_out" }, name);

            act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(name) && e.Message.Contains("'never_produced'") && e.Message.Contains("fuzz_add"));
        }
    }

    [Test]
    public void Load_FixtureWithACycle_ThrowsInvalidDataNamingTheCycle()
    {
        foreach (var (name, bytes) in Fixtures)
        {
            var extra = new OnnxModelWriter(13).Output("fuzz_out")
                .Node("Add", ["logits", "fuzz_b"], ["fuzz_a"], "fuzz_first")
                .Node("Relu", ["fuzz_a"], ["fuzz_b"], "fuzz_second")
                .Node("Relu", ["fuzz_a"], ["fuzz_out"], "fuzz_last")
                .ToGraphFieldBytes();

            var act = () => OnnxModel.Load(new MemoryStream([.. bytes, .. extra]), new OnnxImportOptions { OutputName = "fuzz_out" }, name);

            act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains(name) && e.Message.Contains("'fuzz_b'") && e.Message.Contains("cycle"));
        }
    }

    /// <summary>Loads a mutant: "imported", or the name of the documented exception it threw (anything else fails the test).</summary>
    private static string LoadOutcome(byte[] mutant, string source)
    {
        try
        {
            using var module = OnnxModel.Load(new MemoryStream(mutant), sourceName: source);
            return "imported";
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            e.Message.Should().Contain(source, "the error names the file");
            e.Message.Length.Should().BeGreaterThan(source.Length + 20, "the error says what is wrong");
            return e.GetType().Name;
        }
    }

    private static (string Kind, byte[] Bytes) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                // Bit flips anywhere.
                for (var i = random.Next(1, 9); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return ("bits", bytes);
            case 1:
                // Bytes overwritten in the first kilobytes, where the graph structure (nodes, names, attributes) lies
                // before the weights.
                for (var i = random.Next(1, 5); i > 0; i--)
                {
                    bytes[random.Next(Math.Min(bytes.Length, 4096))] = (byte)random.Next(256);
                }

                return ("header", bytes);
            case 2:
                return ("truncated", bytes[..random.Next(1, bytes.Length)]);
            default:
                // A run of bytes duplicated in place: shifted fields, lengths that now point elsewhere.
                var start = random.Next(bytes.Length);
                var length = random.Next(1, Math.Min(64, bytes.Length - start) + 1);
                return ("duplicated", [.. bytes[..(start + length)], .. bytes[start..]]);
        }
    }
}
