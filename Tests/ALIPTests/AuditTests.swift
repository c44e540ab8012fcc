import Checkpoint
import Data
import Foundation
import Testing
import Tensor
@testable import ALIP

/// The audit's gate formulas against the gates' own code, its table writing, and an audit of a tiny
/// trained checkpoint end to end.
@Suite struct AuditGateTests {
    /// Random unit rows `v`, `t`, `c` and their similarities.
    func batch(_ n: Int) -> (EncodedBatch, tc: [Float], vt: [Float], vc: [Float]) {
        let v = features(n, 8, seed: 1, requiresGrad: false), t = features(n, 8, seed: 2, requiresGrad: false)
        let c = features(n, 8, seed: 3, requiresGrad: false)
        let b = EncodedBatch(image: v, texts: ["raw": t, "caption": c], logitScale: Tensor(0))
        return (b, rowDots(t, c), rowDots(t, v), rowDots(c, v))
    }

    @Test func weightsAreTheGatesWeightsAtTheSavedMeans() throws {
        let (b, tc, vt, vc) = batch(24)
        // Momentum 1 keeps each EMA at its saved value, so `weigh` computes the weights at the saved means.
        let lcg = LanguageConsistencyGate(momentum: 1, gamma: 2, cap: 1)
        let dcg = DescriptionConsistencyGate(momentum: 1, gamma: 3, cap: 1.5)
        let objective = try ALIPObjective(paths: ["raw", "caption"], sampleGate: lcg, pairGate: dcg)
        let saved = ["sample.ema_text_caption": 0.05, "pair.ema_text_caption": 0.4,
                     "pair.ema_image_raw": -0.1, "pair.ema_image_caption": 0.2]
        try objective.restoreState(saved)
        let gates = AuditGates(objective: objective, state: saved)
        #expect(gates.sampleGamma == 2 && gates.pairGamma == 3 && gates.pairCap == 1.5 && gates.conditionFromSampleGate)
        #expect(gates.sources == ["m_tc": "sample.ema_text_caption", "dcg m_tc": "pair.ema_text_caption",
                                  "m_vt": "pair.ema_image_raw", "m_vc": "pair.ema_image_caption"])
        let w = gates.weights(textCaption: tc, imageRaw: vt, imageCaption: vc)
        let first = lcg.weigh(GateInput(batch: b, paths: ["raw", "caption"]))
        let second = dcg.weigh(GateInput(batch: b, paths: ["raw", "caption"], consistency: first.consistency))
        #expect(w.sample == first.sample)
        #expect(w.raw == second.pair["raw"])
        #expect(w.caption == second.pair["caption"])
        #expect(w.means == ["m_tc": 0.05, "m_vt": -0.1, "m_vc": 0.2])
        // Some pairs are outside the condition (weight exactly 1), some inside.
        #expect(w.raw.contains(1) && w.raw.contains { $0 != 1 })
        // The state is unchanged by the audit's weighing.
        #expect(objective.state == saved)
    }

    @Test func dcgAloneUsesItsOwnConsistencyMean() throws {
        let (b, tc, vt, vc) = batch(16)
        let dcg = DescriptionConsistencyGate(momentum: 1)
        let objective = try ALIPObjective(paths: ["raw"], pairGate: dcg)
        let saved = ["pair.ema_text_caption": 0.1, "pair.ema_image_raw": 0.05]
        try objective.restoreState(saved)
        let gates = AuditGates(objective: objective, state: saved)
        #expect(!gates.conditionFromSampleGate && gates.imageCaptionMean == nil)
        let w = gates.weights(textCaption: tc, imageRaw: vt, imageCaption: vc)
        let out = dcg.weigh(GateInput(batch: b, paths: ["raw"]))
        #expect(w.raw == out.pair["raw"])
        // No LCG: the sample weight falls back to the rows' mean of ⟨t, c⟩ with the LCG defaults.
        let mean = tc.reduce(0.0) { $0 + Double($1) } / Double(tc.count)
        #expect(close(w.means["m_tc"]!, mean))
        #expect(close(w.sample, tc.map { Swift.min(1, Foundation.exp(2 * (Double($0) - mean))) }, rel: 1e-6))
    }

    @Test func clipFallsBackToTheRowMeans() {
        let (_, tc, vt, vc) = batch(20)
        let gates = AuditGates(objective: CLIPObjective(), state: [:])
        #expect(gates == AuditGates())
        let w = gates.weights(textCaption: tc, imageRaw: vt, imageCaption: vc)
        func mean(_ x: [Float]) -> Double { x.reduce(0.0) { $0 + Double($1) } / Double(x.count) }
        #expect(close(w.means["m_tc"]!, mean(tc)) && close(w.means["m_vt"]!, mean(vt)) && close(w.means["m_vc"]!, mean(vc)))
        let r = tc.map { Foundation.exp(2 * (Double($0) - mean(tc))) }
        #expect(close(w.sample, r.map { Swift.min(1, $0) }, rel: 1e-6))
        let expectedRaw = zip(vt, r).map { s, ri in ri < 1 ? Foundation.exp(2 * (Double(s) - mean(vt))) : 1 }
        #expect(close(w.raw, expectedRaw, rel: 1e-6))
    }

    @Test func scoreKinds() {
        #expect(AuditScore.sample.value(sample: 0.5, raw: 2, caption: 3) == 0.5)
        #expect(AuditScore.rawPath.value(sample: 0.5, raw: 2, caption: 3) == 1)
        #expect(AuditScore.captionPath.value(sample: 0.5, raw: 2, caption: 3) == 1.5)
        #expect(AuditScore.imageRaw.value(sample: 0.5, raw: 2, caption: 3, imageRaw: 0.25, rawCaption: 0.75) == 0.25)
        #expect(AuditScore.rawCaption.value(sample: 0.5, raw: 2, caption: 3, imageRaw: 0.25, rawCaption: 0.75) == 0.75)
        #expect(AuditScore(rawValue: "caption-path") == .captionPath)
    }

    @Test func selectionKeepsTheBestInFileOrder() {
        let scores: [Float] = [0.1, 0.9, 0.5, 0.5, 0.7]
        let rows = [0, 1, 3, 4, 6]
        #expect(NoiseAudit.selection(scores: scores, rows: rows, options: AuditOptions(keepFraction: 0.6)) == [1, 3, 6])
        #expect(NoiseAudit.selection(scores: scores, rows: rows, options: AuditOptions(keepFraction: 0.4)) == [1, 6])
        #expect(NoiseAudit.selection(scores: scores, rows: rows, options: AuditOptions(minWeight: 0.5)) == [1, 3, 4, 6])
    }

    @Test func optionErrors() {
        #expect(throws: AuditError.self) { try AuditOptions(keepFraction: 0.5, minWeight: 0.2).check() }
        #expect(throws: AuditError.self) { try AuditOptions(keepFraction: 0).check() }
        #expect(throws: AuditError.self) { try AuditOptions(keepFraction: 1.5).check() }
        #expect(throws: AuditError.self) { try AuditOptions(filteredOutput: URL(fileURLWithPath: "/tmp/x.tsv")).check() }
        #expect(throws: Never.self) { try AuditOptions(keepFraction: 1).check() }
    }

    @Test func relativePaths() {
        let f = URL(fileURLWithPath: "/a/b/img/x.jpg")
        #expect(AuditTable.relativePath(of: f, from: URL(fileURLWithPath: "/a/c", isDirectory: true)) == "../b/img/x.jpg")
        #expect(AuditTable.relativePath(of: f, from: URL(fileURLWithPath: "/a/b", isDirectory: true)) == "img/x.jpg")
        #expect(AuditTable.relativePath(of: f, from: URL(fileURLWithPath: "/a/b/img/deep", isDirectory: true)) == "../x.jpg")
        #expect(AuditTable.relativePath(of: URL(fileURLWithPath: "/a/./b/../b/y.jpg"), from: URL(fileURLWithPath: "/q")) == "../a/b/y.jpg")
    }
}

/// A tiny model trained for a few steps on digit scenes, then audited on a manifest with swapped raw texts.
@Suite struct AuditEndToEndTests {
    let folder: URL
    let root: ConfigValue
    let checkpoint: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)").standardizedFileURL
        var options = DigitScenes.Options()
        options.imageSize = 16
        try DigitScenes.generate(into: folder.appendingPathComponent("data"), train: 64, test: 32, seed: 5, options: options)
        func m(_ d: [String: ConfigValue]) -> ConfigValue { .map(d) }
        root = m([
            "seed": .int(1),
            "data": m(["train": m(["type": .string("manifest"), "path": .string(folder.appendingPathComponent("data/train.tsv").path),
                                   "image_size": .int(16)])]),
            "tokenizer": m(["type": .string("bpe"), "vocab_size": .int(600), "context_length": .int(16)]),
            "model": m(["type": .string("dual-encoder"), "embed_dim": .int(16),
                        "image": m(["type": .string("vit"), "width": .int(16), "layers": .int(1), "heads": .int(2), "patch_size": .int(8)]),
                        "text": m(["type": .string("text-transformer"), "width": .int(16), "layers": .int(1), "heads": .int(2)])]),
            "objective": m(["type": .string("alip"), "gates": m(["sample": m(["type": .string("lcg")]), "pair": m(["type": .string("dcg")])])]),
            "optimizer": m(["type": .string("adamw"), "lr": .double(1e-3)]),
            "schedule": m(["type": .string("constant")]),
            "train": m(["batch_size": .int(16), "steps": .int(3), "log_every": .int(3), "checkpoint_every": .int(100)]),
        ])
        let setup = try TrainingSetup(root: root, baseDirectory: folder, registry: .builtin)
        let trainer = Trainer(setup: setup, runDirectory: RunDirectory(folder.appendingPathComponent("run")), recipeText: "")
        trainer.log = { _ in }
        trainer.isTerminal = false
        checkpoint = try #require(try trainer.run().checkpoint)
    }

    /// `data/audit.tsv`: the 32 test rows with the raw texts of rows 0–7 and 8–15 swapped pairwise, a
    /// `corrupted` column, and exact copies of rows 20 and 21 appended (34 rows).
    func writeAuditManifest() throws -> (url: URL, header: [String], rows: [[String]]) {
        let text = try String(contentsOf: folder.appendingPathComponent("data/test.tsv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst() + ["corrupted"]
        var rows = lines.map { $0 + ["0"] }
        let raw = header.firstIndex(of: "raw_text")!
        for i in 0..<8 {
            (rows[i][raw], rows[i + 8][raw]) = (rows[i + 8][raw], rows[i][raw])
            rows[i][header.count - 1] = "1"
            rows[i + 8][header.count - 1] = "1"
        }
        rows += [rows[20], rows[21]]
        let url = folder.appendingPathComponent("data/audit.tsv")
        try ([header] + rows).map { $0.joined(separator: "\t") }.joined(separator: "\n").appending("\n")
            .write(to: url, atomically: true, encoding: .utf8)
        return (url, header, rows)
    }

    func load(_ manifest: URL, checkpoint: URL? = nil) throws -> NoiseAudit {
        try NoiseAudit.load(checkpoint: checkpoint ?? self.checkpoint, manifest: manifest, registry: .builtin) { _ in (root, folder) }
    }

    func readTSV(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// One test, so the model trains once.
    @Test func auditOfATrainedCheckpoint() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try scoresFiltersAndReports()
        try clearErrors()
    }

    func scoresFiltersAndReports() throws {
        let (manifest, header, rows) = try writeAuditManifest()
        let audit = try load(manifest)
        #expect(audit.gates.sources["m_tc"] == "sample.ema_text_caption" && audit.gates.sources["m_vt"] == "pair.ema_image_raw")
        let out = folder.appendingPathComponent("out")
        let scored = out.appendingPathComponent("scored.tsv")
        let outcome = try audit.run(AuditOptions(output: scored, keepFraction: 0.5, truthColumn: "corrupted"))

        // The scored manifest: every original column and row, the seven audit columns appended.
        let table = try readTSV(scored)
        #expect(table[0] == header + NoiseAudit.columns)
        #expect(table.count == 1 + 34)
        // Image paths are rewritten relative to the output folder and still name the images.
        let image = header.firstIndex(of: "image")!
        #expect(table[1][image] == "../data/" + rows[0][image])
        #expect(table[1][header.firstIndex(of: "raw_text")!] == rows[0][header.firstIndex(of: "raw_text")!])
        // Rows with an exact duplicate image and texts score the same, up to float32 round-off: BLAS
        // kernels may sum a row differently by where it falls in a GEMM (the last blocks' GEMMs over the
        // pooled rows have only 34 rows here), as PyTorch's do.
        for (copy, original) in [(33, 21), (34, 22)] {
            for (a, b) in zip(table[copy][header.count...], table[original][header.count...]) {
                let (x, y) = (Float(a)!, Float(b)!)
                #expect(abs(x - y) <= 1e-6 * max(1, abs(y)), "duplicate rows \(copy)/\(original): \(a) vs \(b)")
            }
        }
        // Every cell parses as a finite number; the sample weights are capped at 1 (LCG).
        let ws = table.dropFirst().map { Float($0[header.count + 3])! }
        #expect(ws.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(table.dropFirst().map { Float($0.last!)! } == ws)
        // The filtered manifest: half the rows, the original columns, loadable, images found.
        let filtered = try #require(outcome.filteredManifest)
        #expect(filtered == out.appendingPathComponent("scored.filtered.tsv"))
        let kept = try readTSV(filtered)
        #expect(kept[0] == header && kept.count == 1 + 17)
        let reread = try Manifest(url: filtered)
        #expect(reread.rows.count == 17 && reread.rows.allSatisfy { FileManager.default.fileExists(atPath: $0.imageURL.path) })
        #expect(outcome.keptRows?.count == 17)
        // The kept rows are the best scored.
        let cut = ws.sorted(by: >)[16]
        #expect(outcome.keptRows!.allSatisfy { ws[$0] >= cut })

        let truth = try #require(outcome.truth)
        #expect(truth.rows == 34 && truth.corrupted == 16)
        #expect(close(truth.noiseRate, 16.0 / 34.0))
        let auc = try #require(truth.auc)
        #expect(auc >= 0 && auc <= 1 && truth.precision >= 0 && truth.precision <= 1)
        #expect(truth.aucByColumn.map(\.column) == NoiseAudit.columns)
        #expect(outcome.report.contains("rows: 34 scored"))
        #expect(outcome.report.contains("16 of 34 rows corrupted"))
        #expect(outcome.report.contains("kept 17 of 34 rows"))

        // --min-weight keeps exactly the rows scoring at least the threshold, next to the manifest by default.
        let w = Double(ws.sorted()[20])
        let second = try audit.run(AuditOptions(score: .sample, minWeight: w))
        #expect(second.scoredManifest == folder.appendingPathComponent("data/audit.audit.tsv"))
        let keptByWeight = try readTSV(try #require(second.filteredManifest))
        #expect(keptByWeight.count - 1 == ws.filter { Double($0) >= w }.count)
        // Same folder as the manifest: the image paths stay as written.
        #expect(keptByWeight[1][image] == rows[ws.firstIndex { Double($0) >= w }!][image])
    }

    func clearErrors() throws {
        let (manifest, _, _) = try writeAuditManifest()
        let missing = folder.appendingPathComponent("nope.tsv")
        #expect(throws: AuditError.self) { try load(missing) }
        do { _ = try load(missing) } catch { #expect("\(error)".contains("nope.tsv: manifest not found")) }
        do { _ = try load(manifest, checkpoint: folder.appendingPathComponent("none.h5")) } catch {
            #expect("\(error)".contains("none.h5: checkpoint not found"))
        }
        let noCaption = folder.appendingPathComponent("data/nocap.tsv")
        try "image\traw_text\nx.jpg\ta digit\n".write(to: noCaption, atomically: true, encoding: .utf8)
        do { _ = try load(noCaption); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("no column 'caption' in the header (columns: image, raw_text)"))
        }
        let audit = try load(manifest)
        do { _ = try audit.run(AuditOptions(truthColumn: "bogus")); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("no truth column 'bogus'"))
        }
    }
}
