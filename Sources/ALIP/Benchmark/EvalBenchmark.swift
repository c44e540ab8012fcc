import Data
import Foundation
import NN
import Tensor

/// The evaluation benchmark behind `alip bench eval`: how long a model takes to encode a whole manifest
/// the way every evaluator does (JPEG decode + evaluation transforms on the loader's threads, image
/// tower in batches of ``ModelEvaluation/batchSize``), to encode its raw texts, and to turn the two
/// feature sets into bidirectional retrieval Recall@1/5/10 (one `[images × texts]` similarity GEMM read
/// by rows and by columns). `Benchmarks/eval_openclip.py` times the same three phases with open_clip.
public struct EvalBenchmark {
    /// Seconds of each phase in one repeat.
    public struct Timing: Sendable {
        /// Decode + transform + image encoder over every row.
        public var encodeImages: Double
        /// Tokenise + text encoder over every row's raw text.
        public var encodeTexts: Double
        /// Similarity GEMM + ranks + Recall@k, both directions.
        public var retrieval: Double
    }

    /// The result of ``run(repeats:)``.
    public struct Result: Sendable {
        /// Rows of the manifest.
        public var rows: Int
        /// One timing per repeat.
        public var timings: [Timing]
        /// Recall@1/5/10 of the last repeat (`i2t.r1`, …): identical in every repeat, shown so that a
        /// reader can check the work was really done.
        public var recall: [String: Double]

        /// The median of one phase's seconds.
        public func median(_ phase: KeyPath<Timing, Double>) -> Double {
            timings.isEmpty ? 0 : MatmulBenchmark.median(timings.map { $0[keyPath: phase] })
        }

        /// Images encoded per second (decode included) at the median.
        public var imagesPerSecond: Double { Double(rows) / max(median(\.encodeImages), 1e-12) }
    }

    /// The manifest encoded.
    public let manifest: URL
    /// The model (the tiny benchmark model by default, random weights: speed does not depend on them).
    public let model: DualEncoder
    /// The tokenizer for the raw texts.
    public let tokenizer: BPETokenizer
    /// Image side the evaluation transforms produce (the model's).
    public let imageSize: Int

    /// A benchmark of `config`'s model (seeded random weights) over `manifest`, with a BPE tokenizer of
    /// the model's vocabulary trained on the manifest's texts.
    public init(manifest: URL, config: CLIPConfig = StepBenchmark.tinyConfig, seed: UInt64 = 0) throws {
        self.manifest = manifest
        var g = RandomGenerator(seed: seed)
        model = DualEncoder(config: config, generator: &g)
        imageSize = config.vision.imageSize
        let dataset = try ManifestDataset(url: manifest, imageSize: imageSize)
        tokenizer = try BPETokenizerSpec(vocabSize: config.text.vocabSize, contextLength: config.text.contextLength)
            .makeTokenizer { dataset.trainingTexts() }
    }

    /// Runs the three phases `repeats` times (the first repeat also warms the page cache and the heap;
    /// quote medians).
    public func run(repeats: Int) throws -> Result {
        precondition(repeats >= 1, "EvalBenchmark.run: repeats must be at least 1")
        var timings: [Timing] = []
        var recall: [String: Double] = [:]
        var rows = 0
        func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try body()
            return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        for _ in 0..<repeats {
            let (encoded, tImages) = try timed {
                try ModelEvaluation.encodeManifest(manifest, model: model, tokenizer: tokenizer, imageSize: imageSize)
            }
            let raw = encoded.texts["raw"] ?? []
            let (texts, tTexts) = timed { ModelEvaluation.encodeTexts(raw, model: model, tokenizer: tokenizer) }
            let (ranks, tRetrieval) = timed {
                let (i2t, t2i) = RankingMetrics.retrievalRanks(images: encoded.features, texts: texts,
                                                               textImage: Array(0..<raw.count))
                return [("i2t", i2t), ("t2i", t2i)].map { ($0.0, RankingMetrics.recall(ranks: $0.1, ks: [1, 5, 10])) }
            }
            for (name, byK) in ranks { for (k, r) in byK { recall["\(name).r\(k)"] = r } }
            rows = encoded.count
            timings.append(Timing(encodeImages: tImages, encodeTexts: tTexts, retrieval: tRetrieval))
        }
        return Result(rows: rows, timings: timings, recall: recall)
    }
}
