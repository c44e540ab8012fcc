import Foundation
import Tensor

/// Where a loader stands: the epoch and the index of the next batch within it. Saved in checkpoints;
/// a loader started from a position yields exactly the batches an uninterrupted run would have.
public struct LoaderPosition: Sendable, Equatable, Codable, CustomStringConvertible {
    public var epoch: Int
    public var batch: Int
    public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
    public var description: String { "epoch \(epoch), batch \(batch)" }
}

/// How a loader batches: size, order, threads, prefetch and bad-row handling.
public struct LoaderOptions: Sendable {
    public var batchSize: Int
    /// Shuffle per epoch (permutation seeded by `seed` and the epoch).
    public var shuffle: Bool
    /// Drop the last, incomplete batch of each epoch.
    public var dropLast: Bool
    /// The run's seed: fixes the order and every random augmentation.
    public var seed: UInt64
    /// Background threads decoding and transforming.
    public var threads: Int
    /// Batches decoded ahead of the consumer at most (memory stays at about this many batches).
    public var prefetch: Int
    /// Stop at a bad row, or skip it and report it at the end of the epoch.
    public var onError: OnError

    /// Training defaults: shuffle, drop the last incomplete batch.
    public static func training(batchSize: Int, seed: UInt64, threads: Int = 2, prefetch: Int = 4, onError: OnError = .fail) -> LoaderOptions {
        LoaderOptions(batchSize: batchSize, shuffle: true, dropLast: true, seed: seed, threads: threads, prefetch: prefetch, onError: onError)
    }

    /// Evaluation defaults: file order, every row.
    public static func evaluation(batchSize: Int, threads: Int = 2, prefetch: Int = 4, onError: OnError = .fail) -> LoaderOptions {
        LoaderOptions(batchSize: batchSize, shuffle: false, dropLast: false, seed: 0, threads: threads, prefetch: prefetch, onError: onError)
    }

    public init(batchSize: Int, shuffle: Bool, dropLast: Bool, seed: UInt64, threads: Int = 2, prefetch: Int = 4, onError: OnError = .fail) {
        precondition(batchSize > 0 && threads > 0 && prefetch > 0, "LoaderOptions: batchSize, threads and prefetch must be positive")
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.threads = threads
        self.prefetch = prefetch
        self.onError = onError
    }
}

/// One sample as the loader sees it: the manifest row, its texts (after noise) and the noise flag.
public struct LoaderSample: Sendable {
    public let row: ManifestRow
    public let texts: [String]
    public let corrupted: Bool
    public init(row: ManifestRow, texts: [String], corrupted: Bool) { self.row = row; self.texts = texts; self.corrupted = corrupted }
}

/// What an epoch skipped (under `on_error: skip`): rows the manifest rejected and rows whose image
/// failed in the batches consumed this epoch.
public struct EpochReport: Sendable {
    public let epoch: Int
    public let batches: Int
    public let samples: Int
    public let skipped: [RowIssue]

    /// Skipped rows by reason.
    public var counts: [RowProblem: Int] { Dictionary(grouping: skipped, by: \.problem).mapValues(\.count) }

    /// One line for the log: `epoch 2: 998 samples in 7 batches; skipped 2 rows (1 missing image file, …); first: …`.
    public var summary: String {
        var s = "epoch \(epoch): \(samples) samples in \(batches) batches"
        guard !skipped.isEmpty else { return s + "; no rows skipped" }
        let parts = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.rawValue)" }
        s += "; skipped \(skipped.count) row\(skipped.count == 1 ? "" : "s") (\(parts.joined(separator: ", "))); first: \(skipped[0].error)"
        return s
    }
}

/// A batch built by a worker, in plain Sendable storage.
struct BuiltBatch: Sendable {
    var pixels: [Float]
    var count: Int
    var tokens: [[[Int32]]]
    var texts: [[String]]
    var labels: [Int]
    var rows: [Int]
    var corrupted: [Bool]
    var skipped: [RowIssue]
}

/// Builds batches: decode, transform, tokenize. Immutable, shared by the worker threads.
struct BatchBuilder: Sendable {
    let samples: [LoaderSample]
    let fields: [String]
    let hasLabels: Bool
    let pipeline: TransformPipeline
    let tokenizer: any Tokenizing
    let imageSize: Int
    let options: LoaderOptions
    let manifestPath: String

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func order(epoch: Int) -> [Int] {
        guard options.shuffle else { return Array(0..<samples.count) }
        var rng = RandomGenerator(seed: Self.mix(options.seed, UInt64(epoch)))
        return rng.permutation(samples.count)
    }

    var batchesPerEpoch: Int {
        options.dropLast ? samples.count / options.batchSize : (samples.count + options.batchSize - 1) / options.batchSize
    }

    /// The image of one sample, seeded by (seed, epoch, row) so augmentation is independent of threads.
    func image(_ s: LoaderSample, epoch: Int) throws -> [Float] {
        var rng = RandomGenerator(seed: Self.mix(Self.mix(options.seed ^ 0xA11C_E5ED, UInt64(epoch)), UInt64(s.row.index)))
        var out = try ImageCodec.decode(contentsOf: s.row.imageURL, minShortSide: imageSize)
        try pipeline.apply(&out, rng: &rng)
        guard out.channels == 3, out.width == imageSize, out.height == imageSize else {
            throw ImageDecodeError(problem: .unsupportedFormat,
                                   message: "the transforms produced \(out.channels)×\(out.height)×\(out.width) but image_size is \(imageSize) (3×\(imageSize)×\(imageSize) expected); fix the dataset's transforms")
        }
        return out.pixels
    }

    func build(batch j: Int, order: [Int], epoch: Int) -> Result<BuiltBatch, DataError> {
        let lo = j * options.batchSize, hi = min(order.count, lo + options.batchSize)
        let plane = 3 * imageSize * imageSize
        var b = BuiltBatch(pixels: [], count: 0, tokens: Array(repeating: [], count: fields.count),
                           texts: Array(repeating: [], count: fields.count), labels: [], rows: [], corrupted: [], skipped: [])
        b.pixels.reserveCapacity((hi - lo) * plane)
        for k in lo..<hi {
            let s = samples[order[k]]
            let px: [Float]
            do { px = try image(s, epoch: epoch) } catch {
                let (problem, msg): (RowProblem, String) = (error as? ImageDecodeError).map { ($0.problem, $0.message) }
                    ?? (.corruptImage, "\(error)")
                let err = DataError(file: manifestPath, line: s.row.line, "image '\(s.row.imagePath)': \(msg)")
                if options.onError == .fail { return .failure(err) }
                b.skipped.append(RowIssue(row: s.row.index, line: s.row.line, problem: problem, error: err))
                continue
            }
            b.pixels += px
            for f in 0..<fields.count {
                b.tokens[f].append(tokenizer.encode(s.texts[f]))
                b.texts[f].append(s.texts[f])
            }
            if hasLabels { b.labels.append(s.row.label ?? -1) }
            b.rows.append(s.row.index)
            b.corrupted.append(s.corrupted)
            b.count += 1
        }
        return .success(b)
    }
}

/// One epoch's background work: workers claim batch indices in order, never more than `prefetch`
/// ahead of the consumer, and post results the consumer takes in order.
final class EpochRun: @unchecked Sendable {
    let epoch: Int
    let order: [Int]
    let count: Int
    let cond = NSCondition()
    var nextToClaim: Int
    var consumed: Int
    var results: [Int: Result<BuiltBatch, DataError>] = [:]
    var cancelled = false
    var running = 0

    init(epoch: Int, order: [Int], count: Int, start: Int) {
        self.epoch = epoch
        self.order = order
        self.count = count
        self.nextToClaim = start
        self.consumed = start
    }

    func work(_ builder: BatchBuilder, prefetch: Int) {
        while true {
            cond.lock()
            while !cancelled && nextToClaim < count && nextToClaim >= consumed + prefetch { cond.wait() }
            if cancelled || nextToClaim >= count { running -= 1; cond.broadcast(); cond.unlock(); return }
            let j = nextToClaim
            nextToClaim += 1
            cond.unlock()
            let r = builder.build(batch: j, order: order, epoch: epoch)
            cond.lock()
            results[j] = r
            cond.broadcast()
            cond.unlock()
        }
    }

    func take(_ j: Int) -> Result<BuiltBatch, DataError> {
        cond.lock(); defer { cond.unlock() }
        while results[j] == nil { cond.wait() }
        let r = results[j]!
        if case .success = r {
            results[j] = nil
            consumed = j + 1
            cond.broadcast()
        }
        return r
    }

    func cancel(wait: Bool) {
        cond.lock()
        cancelled = true
        cond.broadcast()
        if wait { while running > 0 { cond.wait() } }
        cond.unlock()
    }
}

/// Yields batches of decoded, transformed images and tokenized texts, built on background threads
/// with bounded prefetch. The order is a per-epoch permutation seeded by the run's seed and each
/// sample's augmentation is seeded by (seed, epoch, row), so the same seed gives the same batches,
/// and `seek(to:)` resumes at a saved `position` exactly.
///
/// Under `on_error: skip`, a bad row is left out of its batch (so that batch is smaller; a batch left
/// empty is passed over) and counted in the epoch's `EpochReport`; under `fail`, `next()` throws the
/// row's error (manifest path, line, reason).
public final class BatchLoader: @unchecked Sendable {
    let builder: BatchBuilder
    /// The options the loader was made with.
    public var options: LoaderOptions { builder.options }
    /// Rows the manifest rejected (reported with every epoch under `skip`).
    public let manifestIssues: [RowIssue]
    /// Text field names carried by each batch.
    public var fields: [String] { builder.fields }
    /// Called with each epoch's report when the epoch ends.
    public var onEpochEnd: (@Sendable (EpochReport) -> Void)?

    private let lock = NSLock()
    private var run: EpochRun?
    private var _position = LoaderPosition()
    private var epochSkipped: [RowIssue] = []
    private var epochSamples = 0
    private var epochBatches = 0
    /// The report of the last finished epoch.
    public private(set) var lastEpochReport: EpochReport?

    /// A loader over `samples` (valid manifest rows with their texts).
    public init(samples: [LoaderSample], fields: [String], hasLabels: Bool, manifestPath: String, manifestIssues: [RowIssue] = [],
                pipeline: TransformPipeline, tokenizer: any Tokenizing, imageSize: Int, options: LoaderOptions) {
        self.builder = BatchBuilder(samples: samples, fields: fields, hasLabels: hasLabels, pipeline: pipeline, tokenizer: tokenizer,
                                    imageSize: imageSize, options: options, manifestPath: manifestPath)
        self.manifestIssues = manifestIssues
    }

    deinit { run?.cancel(wait: false) }

    /// Number of samples (valid manifest rows).
    public var sampleCount: Int { builder.samples.count }
    /// Batches in each epoch.
    public var batchesPerEpoch: Int { builder.batchesPerEpoch }

    /// The position of the next batch `next()` returns.
    public var position: LoaderPosition { lock.lock(); defer { lock.unlock() }; return _position }

    /// Continues from `position` (for example one saved in a checkpoint); stops any prefetching.
    public func seek(to position: LoaderPosition) throws {
        guard position.epoch >= 0, position.batch >= 0, position.batch <= batchesPerEpoch else {
            throw DataError(file: builder.manifestPath, "cannot resume at \(position): an epoch has \(batchesPerEpoch) batches; was the checkpoint made with another manifest or batch size?")
        }
        lock.lock(); defer { lock.unlock() }
        run?.cancel(wait: true)
        run = nil
        _position = position
        epochSkipped = []; epochSamples = 0; epochBatches = 0
    }

    /// Stops the background threads (waiting for them); the loader can continue later.
    public func shutdown() {
        lock.lock(); defer { lock.unlock() }
        run?.cancel(wait: true)
        run = nil
    }

    /// The next batch of the current epoch, or nil when the epoch is over (the position then moves to
    /// the next epoch and `lastEpochReport` describes the finished one).
    public func next() throws -> Batch? {
        lock.lock(); defer { lock.unlock() }
        while true {
            if _position.batch >= batchesPerEpoch {
                run?.cancel(wait: true)
                run = nil
                let report = EpochReport(epoch: _position.epoch, batches: epochBatches, samples: epochSamples,
                                         skipped: manifestIssues + epochSkipped)
                lastEpochReport = report
                _position = LoaderPosition(epoch: _position.epoch + 1, batch: 0)
                epochSkipped = []; epochSamples = 0; epochBatches = 0
                onEpochEnd?(report)
                return nil
            }
            if run == nil || run!.epoch != _position.epoch { startRun() }
            switch run!.take(_position.batch) {
            case .failure(let e): throw e
            case .success(let b):
                _position.batch += 1
                epochSkipped += b.skipped
                if b.count == 0 { continue }
                epochSamples += b.count
                epochBatches += 1
                return makeBatch(b)
            }
        }
    }

    /// The next batch, rolling over into the next epoch (for training loops counted in steps).
    public func nextWrapping() throws -> Batch {
        var endsWithoutBatch = 0   // the first end may close a partly consumed epoch (after seek)
        while true {
            if let b = try next() { return b }
            endsWithoutBatch += 1
            if endsWithoutBatch >= 2 {
                throw DataError(file: builder.manifestPath, "no usable batch in a whole epoch (\(sampleCount) valid rows, batch size \(options.batchSize)\(options.dropLast ? ", last incomplete batch dropped" : ""); \(lastEpochReport?.skipped.count ?? 0) rows skipped); fix the data or lower the batch size")
            }
        }
    }

    /// Every batch of one pass from the current position to the end of the epoch (evaluation).
    public func remainingBatches() throws -> [Batch] {
        var out: [Batch] = []
        while let b = try next() { out.append(b) }
        return out
    }

    private func startRun() {
        run?.cancel(wait: true)
        let epoch = _position.epoch
        let r = EpochRun(epoch: epoch, order: builder.order(epoch: epoch), count: batchesPerEpoch, start: _position.batch)
        let workers = min(options.threads, max(1, batchesPerEpoch - _position.batch))
        r.running = workers
        let builder = self.builder
        let prefetch = options.prefetch
        for k in 0..<workers {
            let t = Thread { r.work(builder, prefetch: prefetch) }
            t.name = "alip-loader-\(k)"
            t.start()
        }
        run = r
    }

    private func makeBatch(_ b: BuiltBatch) -> Batch {
        let s = builder.imageSize
        var tokens: [String: [[Int32]]] = [:]
        var texts: [String: [String]] = [:]
        for (f, name) in builder.fields.enumerated() { tokens[name] = b.tokens[f]; texts[name] = b.texts[f] }
        return Batch(images: Tensor(shape: [b.count, 3, s, s], data: b.pixels), tokens: tokens, texts: texts,
                     labels: builder.hasLabels ? b.labels : nil, rows: b.rows, corrupted: b.corrupted)
    }
}
