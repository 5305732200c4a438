namespace IGOSpp.Metrics;

/// <summary>Deletion and insertion curves of one saliency map and their areas.</summary>
public sealed class InsertionDeletionResult
{
    internal InsertionDeletionResult(long classId, int cells, int cellsPerStep, double[] fractions, double[] deletion, double[] insertion)
    {
        ClassId = classId;
        Cells = cells;
        CellsPerStep = cellsPerStep;
        Fractions = fractions;
        DeletionCurve = deletion;
        InsertionCurve = insertion;
        DeletionAuc = Auc(fractions, deletion);
        InsertionAuc = Auc(fractions, insertion);
    }

    /// <summary>The class whose score was measured.</summary>
    public long ClassId { get; }

    /// <summary>Number of cells h·w of the saliency map.</summary>
    public int Cells { get; }

    /// <summary>Cells removed or revealed per step.</summary>
    public int CellsPerStep { get; }

    /// <summary>Fraction of cells removed (deletion) or revealed (insertion) at each curve point: 0, …, 1.</summary>
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
    /// Right Riemann sum: Σ_{j≥1} (x_j − x_{j−1})·y_j, so every step, including a last partial one, counts with its true
    /// width. (The iGOS++ authors' code adds a constant on the last partial step; IGOSpp does not, see docs/metrics.md.)
    /// </summary>
    internal static double Auc(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var area = 0.0;
        for (var j = 1; j < x.Count; j++) area += (x[j] - x[j - 1]) * y[j];
        return area;
    }
}
