import Foundation
import Testing
import Tensor
@testable import Data

/// Counts the images it sees (to check that prefetch is bounded).
final class CountingTransform: ImageTransform, @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var count: Int { lock.lock(); defer { lock.unlock() }; return n }
    func apply(_ image: inout Image, rng: inout RandomGenerator) throws {
        lock.lock(); n += 1; lock.unlock()
    }
}

@Suite struct LoaderTests {
    func dataset(rows: Int, extra: [String] = [], onError: OnError = .fail) throws -> (ManifestDataset, URL) {
        let dir = try makeTempDir()
        let url = try makeManifest(in: dir, rows: rows, extraLines: extra)
        return (try ManifestDataset(url: url, imageSize: 16, onError: onError), dir)
    }

    func summary(_ b: Batch) -> String { "\(b.rows)|\(b.images.data.reduce(0, +))" }

    @Test func batchesCarryImagesTextsLabelsAndFlags() throws {
        let (ds, _) = try dataset(rows: 10)
        let loader = try ds.trainLoader(tokenizer: byteTokenizer(), batchSize: 4, seed: 1, noise: SwapRawText(rate: 0.5))
        let b = try #require(try loader.next())
        #expect(b.images.shape == [4, 3, 16, 16])
        #expect(Set(b.tokens.keys) == ["raw", "caption"])
        #expect(b.tokens["raw"]!.allSatisfy { $0.count == 16 && $0[0] == 512 && $0.contains(513) })
        #expect(b.labels == b.rows.map { $0 % 10 })
        #expect(zip(b.rows, b.texts["caption"]!).allSatisfy { $1 == "a caption \($0)" })
        for (k, r) in b.rows.enumerated() { #expect((b.texts["raw"]![k] != "raw text \(r)") == b.corrupted[k]) }
        #expect(loader.batchesPerEpoch == 2)   // drop-last
        // Normalised values: the gradient spans [0, 1], so both signs appear.
        #expect(b.images.data.min()! < -1 && b.images.data.max()! > 1)
    }

    @Test func sameSeedSameBatchesOtherSeedOtherOrder() throws {
        let (ds, _) = try dataset(rows: 24)
        func run(_ seed: UInt64, threads: Int) throws -> [String] {
            let l = try ds.trainLoader(tokenizer: byteTokenizer(), batchSize: 5, seed: seed, threads: threads)
            return try (0..<9).map { _ in summary(try l.nextWrapping()) }
        }
        let a = try run(3, threads: 2)
        #expect(a == (try run(3, threads: 1)))
        #expect(a == (try run(3, threads: 3)))
        #expect(a != (try run(4, threads: 2)))
        #expect(Array(a[0..<4]) != Array(a[4..<8]))   // reshuffled each epoch
    }

    @Test func resumesAtASavedPosition() throws {
        let (ds, _) = try dataset(rows: 20)
        let a = try ds.trainLoader(tokenizer: byteTokenizer(), batchSize: 4, seed: 9)
        for _ in 0..<7 { _ = try a.nextWrapping() }
        let pos = a.position
        #expect(pos == LoaderPosition(epoch: 1, batch: 2))
        let rest = try (0..<6).map { _ in summary(try a.nextWrapping()) }
        let b = try ds.trainLoader(tokenizer: byteTokenizer(), batchSize: 4, seed: 9)
        try b.seek(to: pos)
        #expect(try (0..<6).map { _ in summary(try b.nextWrapping()) } == rest)
        let e = #expect(throws: DataError.self) { try b.seek(to: LoaderPosition(epoch: 0, batch: 9)) }
        #expect(e?.reason.hasPrefix("cannot resume at epoch 0, batch 9: an epoch has 5 batches") == true)
    }

    @Test func evaluationKeepsOrderAndEveryRow() throws {
        let (ds, _) = try dataset(rows: 11)
        let l = try ds.evalLoader(tokenizer: byteTokenizer(), batchSize: 4)
        let batches = try l.remainingBatches()
        #expect(batches.map(\.count) == [4, 4, 3])
        #expect(batches.flatMap(\.rows) == Array(0..<11))
        #expect(batches.allSatisfy { $0.corrupted.allSatisfy { !$0 } })
        #expect(l.position == LoaderPosition(epoch: 1, batch: 0))
        #expect(l.lastEpochReport?.samples == 11)
    }

    @Test func prefetchIsBounded() throws {
        let dir = try makeTempDir()
        let url = try makeManifest(in: dir, rows: 60)
        let counter = CountingTransform()
        let ds = try ManifestDataset(url: url, imageSize: 24, transforms: [counter, Normalize()])
        let l = try ds.trainLoader(tokenizer: byteTokenizer(), batchSize: 4, seed: 0, threads: 2, prefetch: 2)
        _ = try l.next()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(counter.count <= (1 + 2) * 4)     // consumed batch + at most `prefetch` ahead
        #expect(counter.count >= 4)
        l.shutdown()
    }

    @Test func skipReportsBadRowsAtEpochEnd() throws {
        let dir = try makeTempDir()
        let good = try ImageCodec.encodeJPEG(gradientImage(width: 20, height: 20))
        try write(bytes: Array(good.prefix(good.count / 2)), to: dir.appendingPathComponent("cut.jpg"))
        try write("not an image", to: dir.appendingPathComponent("text.jpg"))
        let url = try makeManifest(in: dir, rows: 6, extraLines: [
            "missing.jpg\tr\tc\t1",        // line 8
            "cut.jpg\tr\tc\t1",            // line 9
            "text.jpg\tr\tc\t1",           // line 10
            "img0.jpg\tr\tc",              // line 11: a column short
        ])
        let ds = try ManifestDataset(url: url, imageSize: 16, onError: .skip)
        #expect(ds.manifest.rows.count == 9)
        let l = try ds.evalLoader(tokenizer: byteTokenizer(), batchSize: 4)
        let reports = UncheckedSendable(NSMutableArray())
        l.onEpochEnd = { reports.value.add($0.summary) }
        let batches = try l.remainingBatches()
        #expect(batches.flatMap(\.rows) == Array(0..<6))
        let report = try #require(l.lastEpochReport)
        #expect(report.skipped.count == 4)
        #expect(report.counts == [.wrongColumnCount: 1, .missingFile: 1, .corruptImage: 1, .unsupportedFormat: 1])
        #expect(report.skipped.map(\.line).sorted() == [8, 9, 10, 11])
        #expect(report.summary.hasPrefix("epoch 0: 6 samples in 2 batches; skipped 4 rows (1 corrupt or truncated image, 1 missing image file, 1 unsupported image format, 1 wrong number of columns); first: \(url.path):11:"))
        #expect(reports.value.count == 1)

        // Under `fail`, the first bad image stops the pass with the manifest's path and line.
        let strict = try ManifestDataset(url: try makeManifest(in: dir, rows: 6, extraLines: ["missing.jpg\tr\tc\t1"], name: "strict.tsv"), imageSize: 16)
        let sl = try strict.evalLoader(tokenizer: byteTokenizer(), batchSize: 4)
        _ = try sl.next()
        let e = #expect(throws: DataError.self) { try sl.next() }
        #expect(e?.description == "\(dir.appendingPathComponent("strict.tsv").path):8: image 'missing.jpg': image file \(dir.appendingPathComponent("missing.jpg").path) not found; check the path (relative to the manifest's folder) or remove the row")
    }

    @Test func wrongPipelineOutputIsAnErrorNotAWrongSample() throws {
        let dir = try makeTempDir()
        let url = try makeManifest(in: dir, rows: 2)
        let ds = try ManifestDataset(url: url, imageSize: 16, transforms: [Resize(size: 20), Normalize()])
        let l = try ds.evalLoader(tokenizer: byteTokenizer(), batchSize: 2)
        let e = #expect(throws: DataError.self) { try l.next() }
        #expect(e?.reason == "image 'img0.jpg': the transforms produced 3×20×20 but image_size is 16 (3×16×16 expected); fix the dataset's transforms")
    }

    @Test func anEpochWithoutUsableRowsStops() throws {
        let dir = try makeTempDir()
        try write("image\traw_text\tcaption\na.jpg\tx\ty\n", to: dir.appendingPathComponent("m.tsv"))
        let ds = try ManifestDataset(url: dir.appendingPathComponent("m.tsv"), imageSize: 16, onError: .skip)
        let l = try ds.trainLoader(tokenizer: byteTokenizer(), batchSize: 1, seed: 0)
        let e = #expect(throws: DataError.self) { try l.nextWrapping() }
        #expect(e?.reason.hasPrefix("no usable batch in a whole epoch") == true)
    }
}
