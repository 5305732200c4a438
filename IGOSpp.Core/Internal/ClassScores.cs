using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>The class score f of a batch of logits.</summary>
internal static class ClassScores
{
    /// <summary>f for each row: softmax probability (or sigmoid) of that row's class. logits [B,K], classIds int64 [B].</summary>
    public static Tensor Of(Tensor logits, Tensor classIds, ScoreFunction score)
    {
        var picked = score == ScoreFunction.Softmax
            ? logits.log_softmax(1).gather(1, classIds.unsqueeze(1)).squeeze(1).exp()
            : logits.gather(1, classIds.unsqueeze(1)).squeeze(1).sigmoid();
        return picked;
    }
}
