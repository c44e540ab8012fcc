import ALIP
import ArgumentParser
import Data
import Foundation
import Tensor

/// `alip bench eval`: evaluation throughput of the tiny benchmark model over a manifest (10,000 digit
/// scenes by default): decode + transform + image encoder, raw-text encoder, and retrieval metrics on
/// the full similarity matrix, medians over repeats. `Benchmarks/compare-eval-with-open-clip.sh` runs it
/// against the equivalent open_clip loop.
struct BenchEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure evaluation: encode a 10k-image manifest and compute its 10k×10k retrieval metrics."
    )

    @Option(help: "Manifest to encode (default: --images digit scenes generated under --cache).")
    var manifest: String?

    @Option(help: "Where the default manifest is generated (reused when complete).")
    var cache: String = ".cache/digit-scenes-10k"

    @Option(help: "Scenes in the default manifest.")
    var images: Int = 10_000

    @Option(help: "Timed repeats; medians are reported.")
    var repeats: Int = 3

    @OptionGroup var common: BenchOptions


    func validate() throws {
        guard images >= 1 else { throw ValidationError("--images must be at least 1 (got \(images))") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
    }

    func run() throws {
        common.applyThreads()
        let url: URL
        if let manifest { url = URL(fileURLWithPath: manifest) } else {
            // The test split: its rows carry the full descriptions; a 1-scene train split keeps generation short.
            url = try DigitScenes.ensure(at: URL(fileURLWithPath: cache), train: 1, test: images).test
        }
        let bench = try EvalBenchmark(manifest: url)
        let r = try bench.run(repeats: repeats)
        let rss = StepBenchmark.peakRSSMiB
        let encode = r.median(\.encodeImages), text = r.median(\.encodeTexts), retrieval = r.median(\.retrieval)
        if common.json {
            let obj: [String: Any] = [
                "benchmark": "eval", "manifest": url.path, "rows": r.rows, "repeats": repeats, "threads": Engine.threads,
                "encode_images_s": encode, "images_per_s": r.imagesPerSecond, "encode_texts_s": text,
                "retrieval_s": retrieval, "total_s": encode + text + retrieval, "peak_rss_mib": rss,
                "recall": r.recall, "blas_core": Engine.blasCoreName ?? "unknown",
            ]
            try common.printJSON(obj)
            return
        }
        print("eval: tiny model, \(r.rows) rows of \(url.path), \(Engine.threads) threads, medians of \(repeats)")
        print(String(format: "images (decode + transform + encode): %.2f s = %.0f images/s", encode, r.imagesPerSecond))
        print(String(format: "raw texts (tokenise + encode):        %.2f s", text))
        print(String(format: "retrieval %d×%d (GEMM + ranks + R@k): %.3f s", r.rows, r.rows, retrieval))
        print(String(format: "total %.2f s | peak RSS %.0f MiB | i2t R@1/5/10 %.4f/%.4f/%.4f (random weights)",
                     encode + text + retrieval, rss, r.recall["i2t.r1"] ?? 0, r.recall["i2t.r5"] ?? 0, r.recall["i2t.r10"] ?? 0))
    }
}
