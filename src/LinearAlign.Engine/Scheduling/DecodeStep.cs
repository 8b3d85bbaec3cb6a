using System.Diagnostics;
using LinearAlign.Engine.Generation;
using LinearAlign.Engine.Metrics;
using LinearAlign.Engine.Model;
using LinearAlign.Native.Handles;
using LinearAlign.Native.Interop;
using Microsoft.Extensions.Logging;

namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// One step of the loop: a batch with the next token of every running stream (every sequence of an aligned one) and
/// then prefill chunks of admitted requests within the batch size, decoded once; then every stream that has logits
/// samples its next token, which is streamed out or ends the stream.
/// </summary>
internal sealed class DecodeStep(
    SchedulingState state,
    LlamaModel model,
    SafeLlamaContextHandle context,
    LlamaBatchHandle batch,
    Preemptor preemptor,
    StreamTermination termination,
    EngineMetrics metrics,
    ILogger logger)
{
    private readonly byte[] _pieceBuffer = new byte[256];
    // Made once: a method group converted at each call would allocate a delegate per token.
    private TokenPiece? _piece;

    public void Run()
    {
        preemptor.MakeRoomForNextTokens();
        batch.Clear();
        foreach (var request in state.Active)
        {
            if (!request.Prefilling)
            {
                request.SubmitNextToken(batch);
            }
        }
        // Prefill needs no check for room: an admission's prompt cells are counted from the start.
        var budget = batch.Capacity - batch.Count;
        Span<int> prefilled = stackalloc int[2];
        foreach (var request in state.Active)
        {
            if (request.Prefilling && budget > 0)
            {
                var before = batch.Count;
                request.SubmitPrefill(batch, state.Memory, ref budget);
                prefilled[request.IsAligned ? 1 : 0] += batch.Count - before;
            }
        }
        if (batch.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var result = LlamaApi.Decode(context, batch.Batch);
        if (result != 0)
        {
            Failed(result);
            return;
        }
        metrics.DecodeStep(started);

        Span<int> generated = stackalloc int[2];

        // Every request sees the decode before any samples: a comparison choice takes its first logits from a
        // sequence that sampling then moves on.
        foreach (var request in state.Active)
        {
            request.Decoded(state.Memory);
        }
        for (var i = state.Active.Count - 1; i >= 0; i--)
        {
            var request = state.Active[i];
            if (request.HasLogits)
            {
                var before = request.Generated;
                Advance(request);
                generated[request.IsAligned ? 1 : 0] += request.Generated - before;
            }
        }
        // Once per step and kind rather than per token: the exporter's work stays off the per-request path.
        for (var aligned = 0; aligned < 2; aligned++)
        {
            if (prefilled[aligned] > 0)
            {
                metrics.PromptTokens(aligned == 1, prefilled[aligned]);
            }
            if (generated[aligned] > 0)
            {
                metrics.GeneratedTokens(aligned == 1, generated[aligned]);
            }
        }
    }

    /// <summary>Samples a stream's next token and streams it out, or ends the stream (end of generation, a stop string, its length).</summary>
    private void Advance(ActiveRequest request)
    {
        var token = request.Sample(context);
        request.Admission.AwaitingToken = false;
        if (request.IsAligned)
        {
            metrics.AlignmentUpdate(request.Sampler.LastUpdateDuration);
        }
        if (request.FirstTokenAt == 0)
        {
            request.FirstTokenAt = Stopwatch.GetTimestamp();
            metrics.FirstToken(request.IsAligned, request.SubmittedAt);
        }
        if (model.IsEndOfGeneration(token))
        {
            request.Text.Flush(request.Output);
            termination.Finish(request, FinishReason.Stop);
            return;
        }

        request.Generated++;
        if (request.Sampler.Logprobs is not null)
        {
            request.Output.AddLogprobs(request.Text.DecodedChars, token, request.Sampler, _piece ??= Piece);
        }
        if (request.Sampler.LastSteering is { } steering)
        {
            request.Output.AddSteering(request.Text.DecodedChars, token, steering, _piece ??= Piece);
        }
        if (request.Text.Add(Piece(token), request.Output))
        {
            termination.Finish(request, FinishReason.Stop);
            return;
        }
        if (request.Generated >= request.MaxNewTokens)
        {
            request.Text.Flush(request.Output);
            termination.Finish(request, FinishReason.Length);
            return;
        }
        request.LastToken = token;
    }

    private ReadOnlySpan<byte> Piece(int token)
    {
        var length = model.TokenToPiece(token, _pieceBuffer);
        if (length >= 0)
        {
            return _pieceBuffer.AsSpan(0, length);
        }
        var larger = new byte[-length];
        return larger.AsSpan(0, model.TokenToPiece(token, larger));
    }

    private void Failed(int result)
    {
        var reason = result switch
        {
            1 => "no KV cache slot was free for the batch",
            2 => "the decode was aborted",
            _ => $"llama_decode returned {result}",
        };
        logger.LogError("Decoding a batch of {Tokens} tokens failed: {Reason}; failing the {Count} requests in it.", batch.Count, reason, state.Active.Count);
        termination.FailRunning(new EngineException(EngineErrorCode.DecodeFailed, $"The model failed to decode this request: {reason}."));
    }
}
