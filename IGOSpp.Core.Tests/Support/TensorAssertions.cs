using FluentAssertions;
using FluentAssertions.Execution;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Support;

/// <summary><c>tensor.Should().BeCloseTo(expected, rtol, atol)</c>, reporting the worst element.</summary>
public static class TensorAssertionExtensions
{
    public static TensorAssertions Should(this Tensor actual) => new(actual);
}

public sealed class TensorAssertions(Tensor actual)
{
    public Tensor Subject { get; } = actual;

    public AndConstraint<TensorAssertions> BeCloseTo(Tensor expected, double rtol = 1e-5, double atol = 1e-8, string because = "")
    {
        using var scope = torch.NewDisposeScope();
        Execute.Assertion.ForCondition(Subject.shape.SequenceEqual(expected.shape)).BecauseOf(because)
            .FailWith("Expected shape [{0}] but found [{1}]{reason}.", string.Join(",", expected.shape), string.Join(",", Subject.shape));
        var a = Subject.detach().to(ScalarType.Float64).cpu().flatten();
        var e = expected.detach().to(ScalarType.Float64).cpu().flatten();
        var excess = (a - e).abs() - (atol + rtol * e.abs());
        var worst = excess.argmax().item<long>();
        var worstExcess = excess[worst].item<double>();
        Execute.Assertion.ForCondition(worstExcess <= 0 && !double.IsNaN(worstExcess)).BecauseOf(because)
            .FailWith("Expected tensors to be close (rtol {0}, atol {1}){reason}, but element {2} is {3} instead of {4}.",
                rtol, atol, worst, a[worst].item<double>(), e[worst].item<double>());
        return new AndConstraint<TensorAssertions>(this);
    }

    public AndConstraint<TensorAssertions> BeEqualTo(Tensor expected, string because = "")
    {
        using var scope = torch.NewDisposeScope();
        var same = Subject.shape.SequenceEqual(expected.shape) && Subject.dtype == expected.dtype &&
                   Subject.cpu().eq(expected.cpu()).all().item<bool>();
        Execute.Assertion.ForCondition(same).BecauseOf(because)
            .FailWith("Expected tensors to be bit-identical{reason}, but they differ (max abs diff {0}).",
                Subject.shape.SequenceEqual(expected.shape)
                    ? (Subject.cpu().to(ScalarType.Float64) - expected.cpu().to(ScalarType.Float64)).abs().max().item<double>()
                    : double.NaN);
        return new AndConstraint<TensorAssertions>(this);
    }

    public AndConstraint<TensorAssertions> BeInRange(double min, double max, string because = "")
    {
        using var scope = torch.NewDisposeScope();
        var lo = Subject.min().item<float>();
        var hi = Subject.max().item<float>();
        Execute.Assertion.ForCondition(lo >= min && hi <= max).BecauseOf(because)
            .FailWith("Expected values in [{0}, {1}]{reason}, but found [{2}, {3}].", min, max, lo, hi);
        return new AndConstraint<TensorAssertions>(this);
    }
}
