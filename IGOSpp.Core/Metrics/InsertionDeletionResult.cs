using IGOSpp.Targets;

namespace IGOSpp.Metrics;

/// <summary>Deletion and insertion curves of one saliency map and their areas.</summary>
public sealed class InsertionDeletionResult
{
    internal InsertionDeletionResult(ExplanationTarget target, int cells, int coveredCells, int cellsPerStep, double[] fractions,
        double[] deletion, double[] insertion)
    {
        Target = target;
        ClassId = target.ClassId ?? -1;
        Cells = cells;
        CoveredCells = coveredCells;
        CellsPerStep = cellsPerStep;
        Fractions = fractions;
        DeletionCurve = deletion;
        InsertionCurve = insertion;
        DeletionAuc = Auc(fractions, deletion);
        InsertionAuc = Auc(fractions, insertion);
    }

    /// <summary>The class whose score was measured (the target's class), or −1 when the target has none.</summary>
    public long ClassId { get; }

    /// <summary>The target whose score was measured (resolved: the top class appears as the predicted class).</summary>
    public ExplanationTarget Target { get; }

    /// <summary>Number of cells h·w of the saliency map.</summary>
    public int Cells { get; }

    /// <summary>Number of top cells deleted or inserted: all <see cref="Cells"/>, or about three times a region's or
    /// box's area (<see cref="ExplanationTarget.MetricCoverage"/>).</summary>
    public int CoveredCells { get; }

    /// <summary>Cells removed or revealed per step.</summary>
    public int CellsPerStep { get; }

    /// <summary>Fraction of the covered cells removed (deletion) or revealed (insertion) at each curve point: 0, …, 1.</summary>
    public IReadOnlyList<double> Fractions { get; }

    /// <summary>Class score after removing the top cells, per curve point (point 0 is the intact image).</summary>
    public IReadOnlyList<double> DeletionCurve { get; }

    /// <summary>Class score after revealing the top cells on the baseline, per curve point (point 0 is the baseline).</summary>
    public IReadOnlyList<double> InsertionCurve { get; }

    /// <summary>Area under the deletion curve, in [0,1]: lower is better (the evidence was found and removed).</summary>
    public double DeletionAuc { get; }

    /// <summary>Area under the insertion curve, in [0,1]: higher is better (the evidence alone restores the score).</summary>
    public double InsertionAuc { get; }

    /// <summary>
    /// IGOSpp's one AUC definition (the metric, the charts and the reports use it): the right Riemann sum
    /// Σ_{j≥1} (x_j − x_{j−1})·y_j, so every step, including a last partial one, counts with its true width. (The iGOS++
    /// authors' code adds a constant on the last partial step; IGOSpp does not, see docs/metrics.md.)
    /// </summary>
    /// <param name="fractions">Increasing x values (fractions of cells), at least 2, from 0 to 1.</param>
    /// <param name="curve">The curve's values at <paramref name="fractions"/>.</param>
    /// <returns>The area.</returns>
    /// <exception cref="ArgumentException">Fewer than 2 points, lengths that differ, or x values that decrease.</exception>
    public static double AreaUnderCurve(IReadOnlyList<double> fractions, IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        ArgumentNullException.ThrowIfNull(curve);
        if (fractions.Count < 2 || fractions.Count != curve.Count)
            throw new ArgumentException($"Expected at least 2 points and as many values as fractions; got {fractions.Count} fractions and {curve.Count} values.", nameof(curve));
        for (var j = 1; j < fractions.Count; j++)
            if (!(fractions[j] >= fractions[j - 1]))
                throw new ArgumentException($"Fractions must not decrease; fraction {j} is {fractions[j]} after {fractions[j - 1]}.", nameof(fractions));
        return Auc(fractions, curve);
    }

    internal static double Auc(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var area = 0.0;
        for (var j = 1; j < x.Count; j++) area += (x[j] - x[j - 1]) * y[j];
        return area;
    }
}
