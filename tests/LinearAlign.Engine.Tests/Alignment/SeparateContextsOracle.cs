using LinearAlign.Engine.Model;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Tests.Alignment;

/// <summary>
/// An independent reference for aligned greedy decoding: two SEPARATE contexts with one sequence each, decoded
/// one after the other, and the update written out plainly: aligned[i] = W[i] + s * (W[i] - U[i]), or for the
/// normalized mode W[i] + s * d[i] / |d| with d the difference of the two log-softmax rows.
/// </summary>
public sealed unsafe class SeparateContextsOracle(LlamaModel model)
{
    public sealed record Trace(IReadOnlyList<int> Tokens, IReadOnlyList<float[]> AlignedLogits);

    public Trace Decode(int[] promptWith, int[] promptWithout, float stepSize, int maxTokens, bool normalized = false)
    {
        using var with = NewContext();
        using var without = NewContext();
        var vocabulary = model.VocabularySize;
        var tokens = new List<int>();
        var logits = new List<float[]>();

        var logitsWith = DecodeTokens(with, promptWith, 0);
        var logitsWithout = DecodeTokens(without, promptWithout, 0);
        while (true)
        {
            var direction = new double[vocabulary];
            var scale = (double)stepSize;
            var normalizers = normalized ? LogSumExp(logitsWith) - LogSumExp(logitsWithout) : 0d;
            double squares = 0;
            for (var i = 0; i < vocabulary; i++)
            {
                direction[i] = (double)logitsWith[i] - logitsWithout[i] - normalizers;
                squares += direction[i] * direction[i];
            }
            if (normalized)
            {
                scale /= Math.Sqrt(squares);
            }
            var aligned = new float[vocabulary];
            var best = 0;
            for (var i = 0; i < vocabulary; i++)
            {
                aligned[i] = (float)(logitsWith[i] + scale * direction[i]);
                if (aligned[i] > aligned[best])
                {
                    best = i;
                }
            }
            logits.Add(aligned);
            if (model.IsEndOfGeneration(best))
            {
                break;
            }
            tokens.Add(best);
            if (tokens.Count == maxTokens)
            {
                break;
            }
            logitsWith = DecodeTokens(with, [best], promptWith.Length + tokens.Count - 1);
            logitsWithout = DecodeTokens(without, [best], promptWithout.Length + tokens.Count - 1);
        }
        return new Trace(tokens, logits);
    }

    private static double LogSumExp(float[] logits)
    {
        double max = logits.Max();
        double sum = 0;
        foreach (var logit in logits)
        {
            sum += Math.Exp(logit - max);
        }
        return max + Math.Log(sum);
    }

    private float[] DecodeTokens(SafeLlamaContextHandle context, int[] tokens, int firstPosition)
    {
        using var batch = new LlamaBatchHandle(tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
        {
            batch.Add(tokens[i], firstPosition + i, sequence: 0, wantLogits: i == tokens.Length - 1);
        }
        Assert.Equal(0, LlamaApi.Decode(context, batch.Batch));
        return new ReadOnlySpan<float>(LlamaApi.GetLogitsIth(context, tokens.Length - 1), model.VocabularySize).ToArray();
    }

    private SafeLlamaContextHandle NewContext()
    {
        var parameters = LlamaApi.ContextDefaultParams();
        parameters.ContextSize = 1024;
        parameters.BatchSize = 512;
        parameters.MicroBatchSize = 512;
        parameters.MaxSequences = 1;
        parameters.Threads = 1;
        parameters.BatchThreads = 1;
        return new SafeLlamaContextHandle(LlamaApi.InitFromModel(model.Handle, parameters), model.Handle);
    }
}
