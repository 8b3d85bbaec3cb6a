using LinearAlign.Engine.Model;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Engine.Tests.Alignment;

/// <summary>
/// An independent reference for aligned greedy decoding: SEPARATE contexts with one sequence each (W and U; one per
/// principle with several), decoded one after the other, and the update written out plainly: aligned[i] = W[i] + s * (W[i] - U[i]), or for the
/// normalized mode W[i] + s * d[i] / |d| with d the difference of the two log-softmax rows.
/// </summary>
public sealed unsafe class SeparateContextsOracle(LlamaModel model)
{
    public sealed record Trace(IReadOnlyList<int> Tokens, IReadOnlyList<float[]> AlignedLogits);

    public Trace Decode(int[] promptWith, int[] promptWithout, float stepSize, int maxTokens, bool normalized = false) =>
        Run([promptWith, promptWithout], maxTokens, rows =>
        {
            var (logitsWith, logitsWithout) = (rows[0], rows[1]);
            var direction = new double[logitsWith.Length];
            var scale = (double)stepSize;
            var normalizers = normalized ? LogSumExp(logitsWith) - LogSumExp(logitsWithout) : 0d;
            double squares = 0;
            for (var i = 0; i < direction.Length; i++)
            {
                direction[i] = (double)logitsWith[i] - logitsWithout[i] - normalizers;
                squares += direction[i] * direction[i];
            }
            if (normalized)
            {
                scale /= Math.Sqrt(squares);
            }
            return [.. direction.Select((d, i) => (float)(logitsWith[i] + scale * d))];
        });

    /// <summary>
    /// Several principles, each in a context of its own beside U's: aligned[i] = U[i] + Σ_j (1 + s_j)(W_j[i] − U[i]),
    /// greedy.
    /// </summary>
    public Trace DecodeSeveral(int[][] promptsWith, float[] stepSizes, int[] promptWithout, int maxTokens) =>
        Run([.. promptsWith, promptWithout], maxTokens, rows =>
        {
            var logitsWithout = rows[^1];
            var aligned = new float[logitsWithout.Length];
            for (var i = 0; i < aligned.Length; i++)
            {
                double sum = logitsWithout[i];
                for (var j = 0; j < stepSizes.Length; j++)
                {
                    sum += (1d + stepSizes[j]) * ((double)rows[j][i] - logitsWithout[i]);
                }
                aligned[i] = (float)sum;
            }
            return aligned;
        });

    /// <summary>Greedy decoding of the aligned logits <paramref name="combine"/> makes of each context's row, one context per prompt.</summary>
    private Trace Run(int[][] prompts, int maxTokens, Func<float[][], float[]> combine)
    {
        var contexts = prompts.Select(_ => NewContext()).ToArray();
        try
        {
            var tokens = new List<int>();
            var logits = new List<float[]>();
            var rows = prompts.Select((prompt, j) => DecodeTokens(contexts[j], prompt, 0)).ToArray();
            while (true)
            {
                var aligned = combine(rows);
                var best = 0;
                for (var i = 1; i < aligned.Length; i++)
                {
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
                for (var j = 0; j < prompts.Length; j++)
                {
                    rows[j] = DecodeTokens(contexts[j], [best], prompts[j].Length + tokens.Count - 1);
                }
            }
            return new Trace(tokens, logits);
        }
        finally
        {
            foreach (var context in contexts)
            {
                context.Dispose();
            }
        }
    }

    /// <summary>The text of <paramref name="tokens"/>, each token's piece as the engine's output has it.</summary>
    public string Text(IReadOnlyList<int> tokens)
    {
        var bytes = new List<byte>();
        var buffer = new byte[256];
        foreach (var token in tokens)
        {
            bytes.AddRange(buffer.AsSpan(0, model.TokenToPiece(token, buffer)).ToArray());
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
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
