import ALIP
import ArgumentParser
import Foundation
import Tensor

/// `alip bench step` (the default of `alip bench`): median time of one training step of the tiny
/// benchmark model on random inputs, as `../shared/bench/alip_step.py` times the PyTorch reference,
/// with samples/s, achieved model GFLOP/s, peak RSS and a per-op forward/backward profile.
struct BenchStepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Training-step benchmark of the tiny model (ALIP or CLIP step; median ms, samples/s, GFLOP/s, RSS, op profile)."
    )

    @Option(help: "Model: tiny (the model of ../shared/bench and fixtures/tiny-128.h5).")
    var model: String = "tiny"

    @Option(help: "Samples per step.")
    var batch: Int = 128

    @Option(help: "alip (raw + caption, LCG/DCG gates) or clip (one raw-text path).")
    var mode: String = "alip"

    @Option(help: "Timed steps; the median is reported.")
    var steps: Int = 20

    @Option(help: "Untimed steps first.")
    var warmup: Int = 3

    @Option(help: "Vision and text layers (default: the model's, 4); for depth-scaling curves.")
    var layers: Int?

    @OptionGroup var common: BenchOptions

    @Flag(help: "Skip the per-op profile step.")
    var noProfile = false


    func validate() throws {
        guard model == "tiny" else { throw ValidationError("--model '\(model)' is unknown; the only model is 'tiny'") }
        guard StepBenchmark.Mode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be alip or clip (got '\(mode)')")
        }
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2 (got \(batch))") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1 (got \(steps))") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative (got \(warmup))") }
        if let layers, layers < 0 { throw ValidationError("--layers must not be negative (got \(layers))") }
    }

    func run() throws {
        common.applyThreads()
        var config = StepBenchmark.tinyConfig
        if let layers { config.vision.layers = layers; config.text.layers = layers }
        let m = StepBenchmark.Mode(rawValue: mode)!
        var bench = try StepBenchmark(config: config, batch: batch, mode: m, totalSteps: warmup + steps + 2)
        let r = try bench.run(warmup: warmup, steps: steps, profile: !noProfile)
        let rss = StepBenchmark.peakRSSMiB
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init)
        if common.json {
            var obj: [String: Any] = [
                "benchmark": "step", "model": model, "mode": mode, "batch": batch, "steps": steps, "warmup": warmup,
                "layers": config.vision.layers, "threads": Engine.threads,
                "median_ms": r.medianMs, "min_ms": r.stepMs.min() ?? 0, "mean_ms": r.stepMs.reduce(0, +) / Double(r.stepMs.count),
                "samples_per_s": r.samplesPerSecond, "gflop_per_step": r.flops / 1e9, "gflops": r.gflops,
                "executed_gflop_per_step": r.executedFlops / 1e9, "executed_gflops": r.executedGflops,
                "peak_rss_mib": rss, "cpu_ms_per_step": r.cpuMsPerStep, "final_loss": Double(r.finalLoss),
                "blas_core": Engine.blasCoreName ?? "unknown",
                "blas_autotuned": Engine.blasAutotunedCore ?? NSNull(),
                "load_average": load.flatMap(Double.init) ?? NSNull(),
            ]
            if !r.profile.isEmpty {
                obj["profile"] = r.profile.mapValues { ["forward_ms": $0.forward * 1e3, "backward_ms": $0.backward * 1e3,
                                                        "forward_calls": $0.forwardCalls, "backward_calls": $0.backwardCalls] }
            }
            try common.printJSON(obj)
            return
        }
        print("step: \(mode.uppercased()) training step, model \(model) (\(config.vision.layers) layers), batch \(batch), "
              + "\(Engine.threads) threads, OpenBLAS kernels \(Engine.blasCoreName ?? "unknown")"
              + (Engine.blasAutotunedCore.map { " (set by re-exec with OPENBLAS_CORETYPE=\($0); ALIP_BLAS_AUTOTUNE=0 turns this off)" } ?? "")
              + (load.map { ", load \($0)" } ?? ""))
        print(String(format: "median %.1f ms/step (min %.1f, %d steps after %d warm-up) | %.1f samples/s | %.2f GFLOP/step | %.1f GFLOP/s | peak RSS %.0f MiB | CPU %.0f ms/step",
                     r.medianMs, r.stepMs.min() ?? 0, steps, warmup, r.samplesPerSecond, r.flops / 1e9, r.gflops, rss,
                     r.cpuMsPerStep))
        print(String(format: "(GFLOP by alip_step.py's formula; the step skips work that reaches nothing and runs %.2f GFLOP,"
                     + " %.1f GFLOP/s of executed work)", r.executedFlops / 1e9, r.executedGflops))
        guard !r.profile.isEmpty else { return }
        let total = r.profile.values.reduce(0) { $0 + $1.forward + $1.backward }
        print(String(format: "\nper-op profile of one more step (%.1f ms wall; %.1f ms in ops):", r.profiledStepMs, total * 1e3))
        print("| op | fwd ms | fwd calls | bwd ms | bwd calls | share |")
        print("|:---|---:|---:|---:|---:|---:|")
        for (name, e) in r.profile.sorted(by: { $0.value.forward + $0.value.backward > $1.value.forward + $1.value.backward }) {
            print(String(format: "| %@ | %.2f | %d | %.2f | %d | %.1f%% |", name, e.forward * 1e3, e.forwardCalls,
                         e.backward * 1e3, e.backwardCalls, (e.forward + e.backward) / max(total, 1e-12) * 100))
        }
        print("(forward time of an op = time since the previous op, so glue code is charged to the op after it; "
              + "the rest of the wall time is gradient accumulation, clipping and the optimizer)")
    }
}
