using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;

namespace LinearAlign.Forge.Train;

/// <summary>How a run trains: AdamW with a linear warm-up and a cosine decay over <paramref name="Steps"/> windows.</summary>
public sealed record TrainingSettings(int Steps, int ContextLength, int Threads, float PeakLearningRate = 2e-3f, float FinalLearningRate = 1e-4f, int WarmupSteps = 200, int EvaluationWindows = 64);

/// <summary>Loss so far, for the progress display: steps done of the total, the last few steps' mean loss and accuracy.</summary>
public readonly record struct TrainingProgress(long Step, long Steps, double RecentLoss, double RecentAccuracy, bool Evaluating);

/// <summary>
/// Trains a model's weights in place with llama.cpp's training API (llama_opt_init, llama_opt_epoch) through the
/// project's binding, on windows of tokens made from whole dialogues, then saves it with llama_model_save_to_file.
/// Needs the patched libllama (bench/train/build-training-llama.sh) loaded through LlamaRuntime.
/// </summary>
public static unsafe class ModelTrainer
{
    // llama_opt_epoch's callback carries no user data: the run in progress is found here. One run at a time.
    private static ProgressState? s_progress;

    /// <summary>Token windows of <paramref name="contextLength"/> + 1 (inputs, and labels shifted by one), each starting at a dialogue's BOS.</summary>
    public static IEnumerable<int[]> Windows(nint vocab, IEnumerable<string> dialogues, int contextLength)
    {
        var window = new List<int>(contextLength + 1);
        foreach (var dialogue in dialogues)
        {
            var tokens = Tokenize(vocab, dialogue);
            if (window.Count > 0 && window.Count + tokens.Length > contextLength + 1)
            {
                // The window is topped up with the start of this dialogue, which then opens the next window whole.
                window.AddRange(tokens.AsSpan(0, contextLength + 1 - window.Count));
                yield return [.. window];
                window.Clear();
            }
            window.AddRange(tokens.AsSpan(0, Math.Min(tokens.Length, contextLength + 1)));
        }
    }

    public static int[] Tokenize(nint vocab, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new int[bytes.Length + 2];
        fixed (byte* b = bytes)
        fixed (int* t = tokens)
        {
            int count = LlamaApi.Tokenize(vocab, b, bytes.Length, t, tokens.Length, addSpecial: true, parseSpecial: true);
            if (count < 0)
            {
                throw new InvalidOperationException($"tokenizing a dialogue needed {-count} tokens");
            }
            return tokens[..count];
        }
    }

    /// <summary>Loads <paramref name="initialModel"/> with writable weights, trains it and saves it to <paramref name="trainedModel"/>.</summary>
    public static void Train(string initialModel, string trainedModel, TrainingSettings settings,
        Func<nint, IEnumerable<int[]>> windows, Action<TrainingProgress> report)
    {
        var modelParams = LlamaApi.ModelDefaultParams();
        modelParams.LoadMode = 0; // LLAMA_LOAD_MODE_NONE: the optimizer writes the weights, which a mapped file would not allow
        modelParams.GpuLayerCount = 0;
        using var model = new SafeLlamaModelHandle(LlamaApi.ModelLoadFromFile(initialModel, modelParams));
        if (model.IsInvalid)
        {
            throw new InvalidOperationException($"llama.cpp could not load {initialModel}");
        }

        var contextParams = LlamaApi.ContextDefaultParams();
        // The patched attention reads the batch's own K and V, which needs the whole context in one micro-batch.
        contextParams.ContextSize = contextParams.BatchSize = contextParams.MicroBatchSize = (uint)settings.ContextLength;
        contextParams.MaxSequences = 1;
        contextParams.Threads = contextParams.BatchThreads = settings.Threads;
        contextParams.FlashAttentionType = 0; // disabled: FLASH_ATTN_EXT has no backward pass
        contextParams.TypeK = contextParams.TypeV = LlamaTrainingApi.GgmlTypeF32;
        contextParams.NoPerf = 1;
        using var context = new SafeLlamaContextHandle(LlamaApi.InitFromModel(model, contextParams), model);
        if (context.IsInvalid)
        {
            throw new InvalidOperationException("llama.cpp could not create a training context");
        }

        var data = windows(LlamaApi.ModelGetVocab(model)).Take(settings.Steps + settings.EvaluationWindows).ToList();
        if (data.Count < settings.Steps + settings.EvaluationWindows)
        {
            throw new InvalidOperationException($"the corpus gave {data.Count} windows, fewer than {settings.Steps + settings.EvaluationWindows}");
        }
        nint dataset = CreateDataset(data, settings.ContextLength);
        var schedule = new LearningRateSchedule(settings);
        var scheduleHandle = GCHandle.Alloc(schedule);
        nint trainResult = LlamaTrainingApi.ResultInit();
        nint evalResult = LlamaTrainingApi.ResultInit();
        s_progress = new ProgressState(settings, report);
        try
        {
            LlamaTrainingApi.OptInit(context.DangerousGetHandle(), model.DangerousGetHandle(), new LlamaOptParams
            {
                TrainingContextLength = (uint)settings.ContextLength,
                ParamFilter = (nint)(delegate* unmanaged[Cdecl]<nint, void*, byte>)&TrainEveryTensor,
                GetOptimizerParams = (nint)(delegate* unmanaged[Cdecl]<void*, GgmlOptOptimizerParams>)&OptimizerParams,
                GetOptimizerParamsUserData = GCHandle.ToIntPtr(scheduleHandle),
                OptimizerType = LlamaTrainingApi.OptimizerAdamW,
            });
            LlamaTrainingApi.OptEpoch(context.DangerousGetHandle(), dataset, trainResult, evalResult, settings.Steps, &OnBatch, &OnBatch);
            LlamaTrainingApi.ModelSaveToFile(model.DangerousGetHandle(), trainedModel);
        }
        finally
        {
            s_progress = null;
            LlamaTrainingApi.ResultFree(trainResult);
            LlamaTrainingApi.ResultFree(evalResult);
            LlamaTrainingApi.DatasetFree(dataset);
            scheduleHandle.Free();
        }
    }

    private static nint CreateDataset(List<int[]> windows, int contextLength)
    {
        nint dataset = LlamaTrainingApi.DatasetInit(LlamaTrainingApi.GgmlTypeI32, LlamaTrainingApi.GgmlTypeI32, contextLength, contextLength, windows.Count, 1);
        var inputs = new Span<int>(LlamaTrainingApi.TensorData(LlamaTrainingApi.DatasetData(dataset)), windows.Count * contextLength);
        var labels = new Span<int>(LlamaTrainingApi.TensorData(LlamaTrainingApi.DatasetLabels(dataset)), windows.Count * contextLength);
        for (int i = 0; i < windows.Count; i++)
        {
            windows[i].AsSpan(0, contextLength).CopyTo(inputs.Slice(i * contextLength, contextLength));
            windows[i].AsSpan(1, contextLength).CopyTo(labels.Slice(i * contextLength, contextLength));
        }
        return dataset;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte TrainEveryTensor(nint tensor, void* userData) => 1;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static GgmlOptOptimizerParams OptimizerParams(void* userData) =>
        ((LearningRateSchedule)GCHandle.FromIntPtr((nint)userData).Target!).Next();

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnBatch(byte train, nint optContext, nint dataset, nint result, long batch, long batches, long startMicroseconds)
    {
        try
        {
            s_progress?.Update(train != 0, result, batch, batches);
        }
        catch (Exception e)
        {
            // An exception must not unwind through native frames; the run goes on and says why the display stopped.
            Console.Error.WriteLine($"train: progress display failed: {e.Message}");
            s_progress = null;
        }
    }

    /// <summary>AdamW settings for each optimizer step in turn: linear warm-up, then cosine decay to the final rate.</summary>
    private sealed class LearningRateSchedule(TrainingSettings settings)
    {
        private long _step;

        public GgmlOptOptimizerParams Next()
        {
            long step = _step++;
            double rate = step < settings.WarmupSteps
                ? settings.PeakLearningRate * (step + 1) / settings.WarmupSteps
                : settings.FinalLearningRate + 0.5 * (settings.PeakLearningRate - settings.FinalLearningRate)
                    * (1 + Math.Cos(Math.PI * Math.Min(1.0, (double)(step - settings.WarmupSteps) / Math.Max(1, settings.Steps - settings.WarmupSteps))));
            return new GgmlOptOptimizerParams
            {
                AdamLearningRate = (float)rate,
                AdamBeta1 = 0.9f,
                AdamBeta2 = 0.99f,
                AdamEpsilon = 1e-8f,
                AdamWeightDecay = 0f,
                SgdLearningRate = (float)rate,
            };
        }
    }

    /// <summary>ggml's results accumulate over the epoch: differences between reports give the recent steps' loss.</summary>
    private sealed class ProgressState(TrainingSettings settings, Action<TrainingProgress> report)
    {
        private const int ReportEvery = 25;
        private double _lossSum;
        private double _correctSum;
        private long _count;

        public void Update(bool train, nint result, long batch, long batches)
        {
            if (batch % ReportEvery != 0 && batch != batches)
            {
                return;
            }
            double loss, lossUncertainty, accuracy, accuracyUncertainty;
            long count;
            LlamaTrainingApi.ResultLoss(result, &loss, &lossUncertainty);
            LlamaTrainingApi.ResultAccuracy(result, &accuracy, &accuracyUncertainty);
            LlamaTrainingApi.ResultCount(result, &count);
            if (!train && batch <= ReportEvery)
            {
                _lossSum = _correctSum = _count = 0;
            }
            double lossSum = loss * count, correctSum = accuracy * count;
            long recent = Math.Max(1, count - _count);
            report(new TrainingProgress(
                train ? batch : settings.Steps,
                settings.Steps,
                train ? (lossSum - _lossSum) / recent : loss,
                train ? (correctSum - _correctSum) / recent : accuracy,
                !train));
            (_lossSum, _correctSum, _count) = (lossSum, correctSum, count);
        }
    }
}
