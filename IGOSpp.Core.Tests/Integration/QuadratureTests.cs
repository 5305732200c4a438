using FluentAssertions;
using IGOSpp.Integration;
using NUnit.Framework;

namespace IGOSpp.Tests.Integration;

public sealed class QuadratureTests
{
    [Test]
    public void Create_GaussLegendreThree_MatchesTheClosedForm()
    {
        var (nodes, weights) = Quadrature.Create(QuadratureRule.GaussLegendre, 3);
        var r = Math.Sqrt(3.0 / 5) / 2;
        nodes.Should().Equal([0.5 - r, 0.5, 0.5 + r], (a, b) => Math.Abs(a - b) < 1e-14);
        weights.Should().Equal([5.0 / 18, 8.0 / 18, 5.0 / 18], (a, b) => Math.Abs(a - b) < 1e-14);
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(50)]
    public void Create_GaussLegendre_IntegratesPolynomialsOfDegree2SMinus1Exactly(int s)
    {
        var (nodes, weights) = Quadrature.Create(QuadratureRule.GaussLegendre, s);
        weights.Sum().Should().BeApproximately(1, 1e-12);
        var degree = 2 * s - 1;
        nodes.Zip(weights, (x, w) => w * Math.Pow(x, degree)).Sum().Should().BeApproximately(1.0 / (degree + 1), 1e-12);
        nodes.Should().BeInAscendingOrder().And.OnlyContain(x => x > 0 && x < 1);
    }

    [Test]
    public void Create_RiemannAndTrapezoid_HaveTheTextbookNodes()
    {
        Quadrature.Create(QuadratureRule.RightRiemann, 4).Nodes.Should().Equal(0.25, 0.5, 0.75, 1);
        var (nodes, weights) = Quadrature.Create(QuadratureRule.Trapezoid, 3);
        nodes.Should().Equal(0, 0.5, 1);
        weights.Should().Equal(0.25, 0.5, 0.25);
    }
}
