namespace IGOSpp.Integration;

/// <summary>How the path integral ∫₀¹ g(α) dα of integrated gradients is approximated.</summary>
public enum QuadratureRule
{
    /// <summary>Right Riemann sum: α_k = k/S, weights 1/S (Sundararajan et al.'s formula).</summary>
    RightRiemann,

    /// <summary>Trapezoid rule on S equally spaced points including both ends (S ≥ 2).</summary>
    Trapezoid,

    /// <summary>Gauss–Legendre on [0,1] with S nodes: exact for polynomials of degree 2S − 1 (captum's default).</summary>
    GaussLegendre,
}

/// <summary>Nodes and weights of the quadrature rules on [0,1].</summary>
public static class Quadrature
{
    /// <summary>The S nodes α_k in [0,1] and weights w_k (summing to 1) of a rule.</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="steps">Number of nodes S ≥ 1 (≥ 2 for the trapezoid rule).</param>
    /// <returns>Nodes in increasing order and their weights.</returns>
    public static (double[] Nodes, double[] Weights) Create(QuadratureRule rule, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        switch (rule)
        {
            case QuadratureRule.RightRiemann:
                return (Enumerable.Range(1, steps).Select(k => k / (double)steps).ToArray(), Enumerable.Repeat(1.0 / steps, steps).ToArray());
            case QuadratureRule.Trapezoid:
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
                var nodes = Enumerable.Range(0, steps).Select(k => k / (double)(steps - 1)).ToArray();
                var weights = Enumerable.Repeat(1.0 / (steps - 1), steps).ToArray();
                weights[0] /= 2;
                weights[^1] /= 2;
                return (nodes, weights);
            }
            case QuadratureRule.GaussLegendre:
                return GaussLegendre(steps);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown quadrature rule.");
        }
    }

    /// <summary>
    /// Gauss–Legendre nodes by Newton's method on the Legendre polynomial P_n (three-term recurrence for P_n and
    /// P_n' = n·(x·P_n − P_{n−1})/(x² − 1)), started at the Chebyshev-like guess cos(π(i + 3/4)/(n + 1/2)); weights
    /// 2/((1 − x²)·P_n'(x)²); then mapped from [−1,1] to [0,1].
    /// </summary>
    private static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (var i = 0; i < n; i++)
        {
            var x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (var iter = 0; iter < 100; iter++)
            {
                var (p, pPrev) = Legendre(n, x);
                dp = n * (x * p - pPrev) / (x * x - 1);
                var dx = p / dp;
                x -= dx;
                if (Math.Abs(dx) < 1e-15) break;
            }

            {
                var (p, pPrev) = Legendre(n, x);
                dp = n * (x * p - pPrev) / (x * x - 1);
            }

            // x runs from near 1 down to near −1: store in increasing order on [0,1].
            nodes[n - 1 - i] = (x + 1) / 2;
            weights[n - 1 - i] = 1 / ((1 - x * x) * dp * dp); // 2/((1−x²)P'²) halved for [0,1]
        }

        return (nodes, weights);
    }

    private static (double P, double PPrev) Legendre(int n, double x)
    {
        double p0 = 1, p1 = x;
        if (n == 0) return (1, 0);
        for (var k = 2; k <= n; k++)
        {
            var p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1;
            p1 = p2;
        }

        return (p1, p0);
    }
}
