import Foundation
import Testing
import Tensor
@testable import Data

@Suite struct DigitScenesTests {
    @Test func shippedDigitsLoad() throws {
        let m = try MNISTDigits.bundled()
        #expect(m.images.count == 5000 && m.labels.count == 5000)
        #expect(Set(m.labels) == Set(0...9))
        #expect(m.images.allSatisfy { $0.count == 784 })
    }

    @Test func generatesReadableManifestsDeterministically() throws {
        let dir = try makeTempDir()
        try DigitScenes.generate(into: dir, train: 40, test: 12, seed: 3)
        let train = try Manifest(url: dir.appendingPathComponent("train.tsv"))
        let test = try Manifest(url: dir.appendingPathComponent("test.tsv"))
        #expect(train.rows.count == 40 && test.rows.count == 12 && train.issues.isEmpty)
        #expect(train.fields == ["raw", "caption"] && train.hasLabels)
        #expect(test.header == ["image", "raw_text", "caption", "label", "description"])
        let img = try ImageCodec.decode(contentsOf: train.rows[0].imageURL)
        #expect(img.width == 32 && img.height == 32 && img.channels == 3)
        // Test captions are the full, correct descriptions.
        let desc = test.header.firstIndex(of: "description")!
        let raw = try String(contentsOf: dir.appendingPathComponent("test.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for (row, line) in zip(test.rows, raw) {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            #expect(row.texts[1] == String(cols[desc]))
            #expect(row.texts[1].hasPrefix("a ") || row.texts[1].hasPrefix("an "))
            #expect(row.texts[1].contains(DigitScenes.classNames[row.label!]))
        }
        let again = try makeTempDir()
        try DigitScenes.generate(into: again, train: 40, test: 12, seed: 3)
        #expect(try Foundation.Data(contentsOf: dir.appendingPathComponent("train.tsv")) == Foundation.Data(contentsOf: again.appendingPathComponent("train.tsv")))
        #expect(try Foundation.Data(contentsOf: dir.appendingPathComponent("train/00007.jpg")) == Foundation.Data(contentsOf: again.appendingPathComponent("train/00007.jpg")))
    }

    @Test func splitsAreDisjointAndCoverEveryClass() throws {
        let labels = try MNISTDigits.bundled().labels
        let (train, test) = DigitScenes.sourcePools(labels: labels)
        #expect(Set(train).isDisjoint(with: test))
        #expect(train.count + test.count == labels.count)
        #expect(Set(train.map { labels[$0] }) == Set(0...9))
        #expect(Set(test.map { labels[$0] }) == Set(0...9))
        for c in 0...9 {   // about a fifth of each class is held out
            let n = labels.filter { $0 == c }.count, held = test.filter { labels[$0] == c }.count
            #expect(abs(Double(held) / Double(n) - DigitScenes.testFraction) < 0.01)
        }
    }

    @Test func captionsAndRawTextsFollowTheirRules() throws {
        let mnist = try MNISTDigits.bundled()
        var rng = RandomGenerator(seed: 11)
        var detailed = 0, rawMentionsSizeOrPosition = 0
        for _ in 0..<400 {
            let pool = DigitScenes.sourcePools(labels: mnist.labels).train
            let scene = DigitScenes.drawScene(pool: pool, labels: mnist.labels, rng: &rng)
            #expect(scene.digits.allSatisfy { pool.contains($0.source) })
            #expect(scene.digits.count == 1 || scene.digits.map(\.slot) == [0, 1])
            // With no errors the caption names every digit and colour, in order.
            let cap = DigitScenes.caption(scene, errorRate: 0, rng: &rng)
            for d in scene.digits {
                #expect(cap.contains("\(DigitScenes.colors[d.color].name) \(DigitScenes.classNames[d.label])"))
            }
            if cap.contains(" on the ") || cap.contains(" at the ") { detailed += 1 }
            let raw = DigitScenes.rawText(scene, errorRate: 0, rng: &rng)
            #expect(!raw.isEmpty)
            if ["small", "tiny", "little", "large", "big", "huge", "left", "right", "top", "bottom"].contains(where: { raw.contains($0) }) {
                rawMentionsSizeOrPosition += 1
            }
        }
        #expect(detailed > 150 && detailed < 250)                   // size/position omitted half the time
        #expect(rawMentionsSizeOrPosition > 300)
        // Errors happen at about the configured rate.
        var wrong = 0, total = 0
        for _ in 0..<500 {
            let scene = DigitScenes.drawScene(pool: Array(0..<4000), labels: mnist.labels, rng: &rng)
            let cap = DigitScenes.caption(scene, errorRate: 0.1, rng: &rng)
            for d in scene.digits { total += 1; if !cap.contains(DigitScenes.classNames[d.label]) { wrong += 1 } }
        }
        let rate = Double(wrong) / Double(total)
        #expect(rate > 0.04 && rate < 0.16)
    }

    @Test func ensureReusesCompleteAndRegeneratesPartialSets() throws {
        let dir = try makeTempDir()
        let p = try DigitScenes.ensure(at: dir, train: 8, test: 4, seed: 1)
        let stamp = try FileManager.default.attributesOfItem(atPath: p.train.path)[.modificationDate] as! Date
        Thread.sleep(forTimeInterval: 0.05)
        try DigitScenes.ensure(at: dir, train: 8, test: 4, seed: 1)
        #expect(try FileManager.default.attributesOfItem(atPath: p.train.path)[.modificationDate] as! Date == stamp)
        // A partial set (marker gone, an image deleted) is regenerated.
        try FileManager.default.removeItem(at: dir.appendingPathComponent(".digit-scenes.json"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("train/00003.jpg"))
        try DigitScenes.ensure(at: dir, train: 8, test: 4, seed: 1)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("train/00003.jpg").path))
        // Other parameters regenerate too.
        try DigitScenes.ensure(at: dir, train: 5, test: 4, seed: 1)
        #expect(try Manifest(url: p.train).rows.count == 5)
    }

    @Test func loaderReadsDigitScenes() throws {
        let dir = try makeTempDir()
        let p = try DigitScenes.ensure(at: dir, train: 16, test: 8, seed: 0)
        let ds = try ManifestDataset(url: p.train, imageSize: 32)
        let tok = try BPETokenizerSpec(vocabSize: 600, contextLength: 24).makeTokenizer { ds.trainingTexts() }
        let l = try ds.trainLoader(tokenizer: tok, batchSize: 8, seed: 0)
        let b = try l.nextWrapping()
        #expect(b.images.shape == [8, 3, 32, 32] && b.labels?.count == 8)
    }
}
