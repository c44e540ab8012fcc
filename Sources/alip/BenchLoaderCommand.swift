import ArgumentParser
import Data
import Foundation

/// `alip bench loader`: loader throughput (JPEG decode + transforms + tokenize, background threads) in
/// images per second, median over repeats. Run it from a release build.
struct BenchLoaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader",
        abstract: "Measure data-loader throughput (images/s: decode + transform + tokenize)."
    )

    @Option(name: .long, help: "Manifest to read (default: digit scenes generated under --cache).")
    var manifest: String?

    @Option(name: .long, help: "Where the default digit scenes are generated (reused when complete).")
    var cache: String = ".cache/digit-scenes"

    @Option(name: .long, help: "Loader threads.")
    var threads: Int = 2

    @Option(name: .long, help: "Batch size.")
    var batchSize: Int = 128

    @Option(name: .long, help: "Image side after transforms.")
    var imageSize: Int = 32

    @Option(name: .long, help: "Batches per repeat.")
    var batches: Int = 20

    @Option(name: .long, help: "Repeats (the median is reported).")
    var repeats: Int = 5

    @Flag(name: .long, help: "Use the evaluation pipeline (resize + center crop) instead of training's.")
    var eval = false

    func validate() throws {
        guard threads > 0, batchSize > 0, batches > 0, repeats > 0, imageSize > 0 else {
            throw ValidationError("--threads, --batch-size, --batches, --repeats and --image-size must be positive")
        }
    }

    func run() throws {
        let url: URL
        if let m = manifest { url = URL(fileURLWithPath: m) } else { url = try DigitScenes.ensure(at: URL(fileURLWithPath: cache)).train }
        let dataset = try ManifestDataset(url: url, imageSize: imageSize)
        let tokenizer = try BPETokenizerSpec(vocabSize: 1024, contextLength: 32).makeTokenizer { dataset.trainingTexts() }
        let options = LoaderOptions(batchSize: batchSize, shuffle: true, dropLast: false, seed: 0, threads: threads, prefetch: 2 * threads)
        let loader = try dataset.makeLoader(tokenizer: tokenizer, options: options, training: !eval, noise: nil)
        var rates: [Double] = []
        for r in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            var images = 0
            for _ in 0..<batches { images += try loader.nextWrapping().count }
            let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(images) / secs)
            print(String(format: "repeat %d: %d images in %.3f s = %.0f images/s", r + 1, images, secs, Double(images) / secs))
        }
        loader.shutdown()
        let median = rates.sorted()[rates.count / 2]
        print(String(format: "loader: %.0f images/s (median of %d; %d threads, batch %d, %@ pipeline, %d px, %@)",
                     median, repeats, threads, batchSize, eval ? "eval" : "train", imageSize, url.lastPathComponent))
    }
}
