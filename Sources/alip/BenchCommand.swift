import ArgumentParser
import Foundation
import Tensor

/// `alip bench`: micro- and macro-benchmarks, run in a release build. Each benchmark is one subcommand;
/// add one by appending its type to `subcommands` (`BenchStepCommand.self` for `alip bench step`, the default;
/// `BenchLoader.self` for `alip bench loader`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (build with -c release first).",
        subcommands: [
            BenchStepCommand.self,
            BenchMatmul.self,
            BenchLoaderCommand.self,
            BenchEvalCommand.self,
        ],
        defaultSubcommand: BenchStepCommand.self
    )
}

/// `alip bench matmul`: GFLOP/s of `Tensor.matmul` (output allocation included) against raw
/// `cblas_sgemm` on the GEMM shapes of one training step of the tiny benchmark model.
struct BenchMatmul: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul",
        abstract: "Tensor.matmul vs raw cblas_sgemm on the tiny model's training-step shapes (median of repeats)."
    )

    @Option(help: "Timed repetitions per shape (after warm-up); the median is reported.")
    var repeats: Int = 15

    @OptionGroup var common: BenchOptions

    @Option(help: "Batch size of the modelled training step.")
    var batch: Int = 128

    @Option(help: "Only the shapes whose name contains this text (for example 'attn').")
    var only: String?


    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
    }

    func run() throws {
        common.applyThreads()
        let cases = MatmulBenchmark.tinyModelCases(batch: batch).filter { only == nil || $0.name.contains(only!) }
        guard !cases.isEmpty else { throw ValidationError("--only '\(only ?? "")' matches no shape") }
        let rows = MatmulBenchmark.run(cases, repeats: repeats)
        let totalOp = rows.reduce(0) { $0 + $1.opMs }, totalRaw = rows.reduce(0) { $0 + $1.rawMs }
        let flops = rows.reduce(0) { $0 + $1.shape.flops }
        let worst = rows.min { $0.ratio < $1.ratio }
        if common.json {
            let obj: [String: Any] = [
                "benchmark": "matmul", "threads": Engine.threads, "blas_core": Engine.blasCoreName ?? "unknown", "batch": batch, "repeats": repeats,
                "total_op_ms": totalOp, "total_raw_ms": totalRaw, "total_ratio": totalRaw / totalOp,
                "total_op_gflops": flops / (totalOp * 1e6), "total_raw_gflops": flops / (totalRaw * 1e6),
                "cases": rows.map { r -> [String: Any] in
                    ["name": r.shape.name, "batch": r.shape.batch, "m": r.shape.m, "n": r.shape.n, "k": r.shape.k,
                     "transpose_a": r.shape.transposeA, "transpose_b": r.shape.transposeB,
                     "op_ms": r.opMs, "raw_ms": r.rawMs, "op_gflops": r.opGFlops, "raw_gflops": r.rawGFlops,
                     "ratio": r.ratio]
                },
            ]
            try common.printJSON(obj)
            return
        }
        print("matmul: Tensor.matmul (with allocation) vs raw cblas_sgemm, \(Engine.threads) threads, "
              + "batch \(batch), median of \(repeats), OpenBLAS kernels: \(Engine.blasCoreName ?? "unknown")")
        if Engine.blasCoreName == "Prescott" {
            print("note: OpenBLAS chose its generic Prescott (SSE3) kernels, typically because it does not know this CPU "
                  + "model; OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) in the environment selects faster ones")
        }
        let header = ["shape", "batch×M×N×K", "op ms", "op GFLOP/s", "raw ms", "raw GFLOP/s", "op/raw"]
        var table = [header]
        for r in rows {
            let s = r.shape
            let dims = "\(s.batch)×\(s.m)×\(s.n)×\(s.k)" + (s.transposeA ? " Aᵀ" : "") + (s.transposeB ? " Bᵀ" : "")
            table.append([s.name, dims, fmt(r.opMs, 3), fmt(r.opGFlops, 1), fmt(r.rawMs, 3), fmt(r.rawGFlops, 1),
                          fmt(r.ratio * 100, 1) + "%"])
        }
        table.append(["total", "", fmt(totalOp, 3), fmt(flops / (totalOp * 1e6), 1), fmt(totalRaw, 3),
                      fmt(flops / (totalRaw * 1e6), 1), fmt(totalRaw / totalOp * 100, 1) + "%"])
        let widths = (0..<header.count).map { c in table.map { $0[c].count }.max() ?? 0 }
        for (i, row) in table.enumerated() {
            let cells = row.enumerated().map { c, v in
                c < 2 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                      : String(repeating: " ", count: widths[c] - v.count) + v
            }
            print("| " + cells.joined(separator: " | ") + " |")
            if i == 0 { print("|" + widths.enumerated().map { c, w in String(repeating: "-", count: w + 1) + (c < 2 ? "-" : ":") }.joined(separator: "|") + "|") }
        }
        if let worst { print("lowest op/raw: \(worst.shape.name) at \(fmt(worst.ratio * 100, 1))%") }
    }

    private func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
