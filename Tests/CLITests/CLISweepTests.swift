import Foundation
import Testing
import TestSupport

/// `alip sweep` end to end: a 2×2 grid over the tiny setting.
@Suite("alip sweep")
struct CLISweepTests {
    @Test func aFourVariantSweepRunsAndReports() throws {
        try CLIWorkspace.write("""
            extends: tiny.yaml
            name: cli-sweep
            train: {steps: 4}
            sweep:
              grid:
                objective.gates.sample.type: [none, lcg]
                data.noise.rate: [0.0, 0.4]
              report: {metrics: [retrieval.i2t.r1, zero-shot.top1]}

            """, to: "sweep.yaml")
        let out = try CLIWorkspace.path("runs/sweep")

        let dry = try CLIWorkspace.alip(["sweep", "sweep.yaml", "--out", "runs/sweep", "--dry-run"])
        #expect(dry.status == 0, "\(dry.transcript)")
        let listed = dry.stdout.split(separator: "\n").map(String.init)
        #expect(listed.count == 5, "\(dry.stdout)")
        #expect(listed.last?.hasPrefix("4 runs in ") == true, "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("report.md").path))

        let r = try CLIWorkspace.alip(["sweep", "sweep.yaml", "--out", "runs/sweep"], timeout: 300)
        #expect(r.status == 0, "\(r.transcript)")
        #expect(r.stdout.contains("ran 4, skipped 0 finished, failed 0"), "\(r.stdout)")
        for file in ["report.md", "report.csv", "report.svg", "index.html"] {
            #expect(names(in: out).contains(file), "\(names(in: out))")
        }
        let variants = listed.dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
        for v in variants { #expect(names(in: out.appendingPathComponent(v)).contains("summary.json"), "\(v)") }

        // report.csv: a header and one row per variant, with real numbers in the metric columns.
        let csv = try String(contentsOf: out.appendingPathComponent("report.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(csv.count == 5, "\(csv)")
        let header = csv.first?.split(separator: ",").map(String.init) ?? []
        // Mean columns (a std column stays empty with one run per variant).
        let metricColumns = header.indices.filter {
            (header[$0].hasPrefix("retrieval.i2t.r1") || header[$0].hasPrefix("zero-shot.top1")) && !header[$0].hasSuffix(".std")
        }
        #expect(!metricColumns.isEmpty, "\(header)")
        for row in csv.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for c in metricColumns where c < cells.count {
                #expect(Double(cells[c]).map { (0...1).contains($0) } == true, "\(header[c]) = '\(cells[c])' in \(row)")
            }
        }
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(md.contains("retrieval.i2t.r1"))
        let svg = try String(contentsOf: out.appendingPathComponent("report.svg"), encoding: .utf8)
        #expect(svg.contains("<svg"))

        // Running it again skips every finished variant.
        let again = try CLIWorkspace.alip(["sweep", "sweep.yaml", "--out", "runs/sweep"])
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.contains("ran 0, skipped 4 finished, failed 0"), "\(again.stdout)")
        let dryAgain = try CLIWorkspace.alip(["sweep", "sweep.yaml", "--out", "runs/sweep", "--dry-run"])
        #expect(dryAgain.stdout.split(separator: "\n").filter { $0.hasSuffix("(finished)") }.count == 4, "\(dryAgain.stdout)")
    }

    /// Issue "the paper's claim, measured": a reduced smoke variant of the noise sweep for CI — the
    /// shipped `Recipes/ablations/noise.yaml` (16 variants: 4 objectives × 4 noise rates, one seed) with
    /// the tiny model and 2 steps, on the workspace's tiny data.
    @Test func noiseSweepSmokeVariantRunsEveryObjectiveAndRate() throws {
        let recipe = FixturePaths.repoRoot.appendingPathComponent("Recipes/ablations/noise.yaml").path
        let tiny = ["--set", "sweep.repeat=1", "--set", "train.steps=2", "--set", "train.batch_size=16",
                    "--set", "train.threads=1", "--set", "tokenizer.vocab_size=600", "--set", "model.embed_dim=16",
                    "--set", "model.image={type: vit, width: 16, layers: 1, heads: 2, patch_size: 8}",
                    "--set", "model.text={type: text-transformer, width: 16, layers: 1, heads: 2}",
                    "--set", "data.train.path=data/train.tsv",
                    "--set", "data.eval=[{type: retrieval, path: data/test.tsv}, {type: noise-detection}]"]
        let dry = try CLIWorkspace.alip(["sweep", recipe, "--out", "runs/noise-smoke", "--dry-run"] + tiny)
        #expect(dry.status == 0, "\(dry.transcript)")
        #expect(dry.stdout.contains("16 runs"), "\(dry.stdout)")
        let r = try CLIWorkspace.alip(["sweep", recipe, "--out", "runs/noise-smoke"] + tiny, timeout: 600)
        #expect(r.status == 0, "\(r.transcript)")
        let report = try String(contentsOf: try CLIWorkspace.path("runs/noise-smoke/report.md"), encoding: .utf8)
        let rows = report.split(separator: "\n").filter { $0.hasPrefix("| 0.") }
        #expect(rows.count == 16, "\(report)")
        // The gated ALIP rows have a noise-detection AUC once there is noise; CLIP rows never do.
        #expect(rows.filter { $0.contains("alip-raw+caption-lcg-dcg") && !$0.hasPrefix("| 0.0 ") }.allSatisfy { !$0.hasSuffix("– |") },
                "\(report)")
        #expect(rows.filter { $0.contains("clip-raw") }.allSatisfy { $0.hasSuffix("– |") }, "\(report)")
    }
}
