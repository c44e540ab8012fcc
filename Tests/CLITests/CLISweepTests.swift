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
}
